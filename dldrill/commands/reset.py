"""`dldrill reset ch04.conv2d_naive`: put one function back to its stub, after a backup.

Only that function (or method, or module-level answer) changes: the rest of the file stays as the
learner has it. Before anything is written, the learner's whole file is copied to
`exercises/.dldrill/backup/<chapter>/<file>.<UTC time>.py.bak` (never over an older backup), the copy
is read back and compared, and its path is printed. The stub's version comes from the answer key
(`solutions/`, through `dldrill.stubgen`, exactly what `dldrill sync` writes) or, in a released
course without `solutions/`, from the oldest version of the file in git that is still an untouched
generated stub.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dldrill import i18n

HELP = "restore one exercise's stub (the rest of the file is kept), after backing up your file"
ORDER = 25


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("exercise", metavar="EXERCISE",
                   help="chNN.function or chNN.module.function, e.g. ch04.conv2d_naive")


def generated_stub(ex: object, kit: Path) -> str | None:
    """The generated stub of the exercise's file: from solutions/ when present, else from git
    history (the oldest committed version that is an untouched stub); None when neither has it."""
    from dldrill import catalog, stubgen

    assert isinstance(ex, catalog.Exercise)
    src = kit / "solutions" / ex.chapter / ex.path.name
    if src.is_file():
        origin = f"solutions/{ex.chapter}/{ex.path.name}"
        body = stubgen.stub_body(src.read_text(encoding="utf-8"), f"{ex.chapter}.{ex.module}", origin)
        return stubgen.render_stub(body, origin)
    return _from_git(kit, ex.path)


def _from_git(kit: Path, path: Path) -> str | None:
    import subprocess

    from dldrill import stubgen

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(kit), *args], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None

    try:
        rel = path.resolve().relative_to(kit.resolve()).as_posix()
    except ValueError:
        return None
    revs = git("log", "--format=%H", "--reverse", "--", rel)
    for rev in (revs or "").split():
        text = git("show", f"{rev}:{rel}")
        if text is not None and stubgen.is_untouched_stub(text):
            return text
    return None


def backup_path(root: Path, ex: object, stamp: str) -> Path:
    """exercises/.dldrill/backup/ch04/conv.20261206T000102Z.py.bak, never an existing file (not
    `.py`: no linter, test runner or import ever takes a backup for code of the course)."""
    from dldrill import catalog, progress

    assert isinstance(ex, catalog.Exercise)
    folder = root / progress.FOLDER / "backup" / ex.chapter
    stem = ex.path.stem
    candidate = folder / f"{stem}.{stamp}.py.bak"
    n = 1
    while candidate.exists():
        candidate = folder / f"{stem}.{stamp}-{n}.py.bak"
        n += 1
    return candidate


def run(args: argparse.Namespace) -> int:
    import os
    import tempfile
    import time

    from dldrill import catalog, progress
    from dldrill.paths import exercises_root, kit_root

    def say(ko: str, en: str, err: bool = False) -> None:
        print(i18n.render(i18n.tr(ko, en)), file=sys.stderr if err else sys.stdout)

    try:
        ex = catalog.find(args.exercise)
    except catalog.ExerciseError as err:
        print(err, file=sys.stderr)
        return 2
    root = exercises_root()
    target = root / ex.chapter / ex.path.name
    if not target.is_file():
        say(f"{ex.shown(target)} 파일이 없습니다. 전체 스텁을 다시 만들려면: dldrill sync",
            f"{ex.shown(target)} does not exist. To recreate the stubs: dldrill sync", err=True)
        return 1
    stub = generated_stub(ex, kit_root())
    if stub is None:
        say("이 연습문제의 원래 스텁을 찾을 수 없습니다 (solutions/도 없고 git 기록에도 없음). "
            "아무것도 바꾸지 않았습니다.",
            "cannot find this exercise's original stub (no solutions/, nothing in git history). "
            "Nothing was changed.", err=True)
        return 1
    raw = target.read_bytes()
    text = raw.decode("utf-8")
    mine = catalog.code_span(text, ex)
    theirs = catalog.code_span(stub, ex)
    if mine is None or theirs is None:
        say(f"{ex.shown(target)}에서 {ex.function}을(를) 찾지 못했습니다 (문법 오류이거나 이름이 "
            "바뀌었나요?). 아무것도 바꾸지 않았습니다. 원래 스텁 전체는 `dldrill sync --check`로 확인하세요.",
            f"could not find {ex.function} in {ex.shown(target)} (a syntax error, or was it renamed?). "
            "Nothing was changed.", err=True)
        return 1
    lines = text.splitlines(keepends=True)
    stub_lines = stub.splitlines(keepends=True)
    segment = stub_lines[theirs[0] - 1:theirs[1]]
    if segment and not segment[-1].endswith("\n"):
        segment[-1] += "\n"
    if lines[mine[0] - 1:mine[1]] == segment:
        say(f"{ex.id}은(는) 이미 스텁 그대로입니다. 아무것도 바꾸지 않았습니다.",
            f"{ex.id} is already the stub. Nothing was changed.")
        return 0
    backup = backup_path(root, ex, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    backup.parent.mkdir(parents=True, exist_ok=True)
    with open(backup, "xb") as f:  # "x": never over an existing file
        f.write(raw)
    if backup.read_bytes() != raw:
        say("백업을 확인하지 못해 멈춥니다. 아무것도 바꾸지 않았습니다.",
            "the backup did not read back the same; stopping. Nothing was changed.", err=True)
        return 1
    new = "".join(lines[:mine[0] - 1] + segment + lines[mine[1]:])
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(new)
    os.chmod(tmp, target.stat().st_mode & 0o7777)
    os.replace(tmp, target)
    progress.forget_pass(root, ex.id)
    say(f"백업: {ex.shown(backup)}", f"backup: {ex.shown(backup)}")
    say(f"{ex.shown(target)}:{mine[0]} 의 {ex.function}을(를) 스텁으로 되돌렸습니다 "
        "(파일의 나머지는 그대로입니다).",
        f"{ex.function} in {ex.shown(target)}:{mine[0]} is the stub again "
        "(the rest of the file is as you left it).")
    return 0
