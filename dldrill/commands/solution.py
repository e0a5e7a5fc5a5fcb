"""`dldrill solution ch04.conv2d_naive`: the reference and a diff against yours, once you pass.

The pass is checked again, now: the exercise's visible tests run (in a child pytest, the same
selection `dldrill next` prints) and the result is judged by `dldrill.progress.evaluate`; the
progress file is not trusted for this. In a released course (no `solutions/`) there is no
reference to show, and the command says so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dldrill import i18n

HELP = "after you pass an exercise: show the reference solution and a diff against yours"
ORDER = 24
MARKERS = ("# BEGIN SOLUTION", "# END SOLUTION", "# STUB:")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("exercise", metavar="EXERCISE",
                   help="chNN.function or chNN.module.function, e.g. ch04.conv2d_naive")


def passes_now(ex: object, root: Path, kit: Path) -> tuple[bool, str]:
    """(passes, pytest's output tail): runs the exercise's visible tests in a child pytest."""
    import json
    import os
    import subprocess
    import tempfile

    from dldrill import catalog, progress, reach

    assert isinstance(ex, catalog.Exercise)
    args = reach.pytest_args(ex, root)
    with tempfile.TemporaryDirectory(prefix="dldrill-solution-") as tmp:
        out = Path(tmp) / "results.json"
        cmd = [sys.executable, "-m", "pytest", *args, "-q", "--results-json", str(out)]
        done = subprocess.run(cmd, cwd=kit, capture_output=True, text=True,
                              env={**os.environ, "DLDRILL_ROOT": str(kit)})
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        try:
            records = json.loads(out.read_text(encoding="utf-8"))["tests"]
        except (OSError, ValueError, KeyError):
            return False, tail
    passed, _ = progress.evaluate(records, root)
    return ex.id in passed, tail


def reference_lines(ex: object, kit: Path) -> list[str] | None:
    """The answer key's code of the exercise, marker comments left out; None without solutions/."""
    from dldrill import catalog

    assert isinstance(ex, catalog.Exercise)
    src = kit / "solutions" / ex.chapter / ex.path.name
    if not src.is_file():
        return None
    text = src.read_text(encoding="utf-8")
    span = catalog.code_span(text, ex)
    if span is None:
        return [b + "\n" for b in catalog.solution_body(ex, kit / "solutions")]
    lines = text.splitlines(keepends=True)[span[0] - 1:span[1]]
    return [ln for ln in lines if not ln.strip().startswith(MARKERS)]


def run(args: argparse.Namespace) -> int:
    import difflib

    from dldrill import catalog
    from dldrill.commands.next import test_command
    from dldrill.paths import exercises_root, kit_root

    def say(ko: str, en: str, err: bool = False) -> None:
        print(i18n.render(i18n.tr(ko, en)), file=sys.stderr if err else sys.stdout)

    try:
        ex = catalog.find(args.exercise)
    except catalog.ExerciseError as err:
        print(err, file=sys.stderr)
        return 2
    kit, root = kit_root(), exercises_root()
    if not (kit / "solutions").is_dir():
        say("이 과정에는 solutions/(모범 답안)가 포함되어 있지 않습니다 (배포판). 보여 줄 답안이 없습니다.",
            "this copy of the course ships no solutions/ (a released course): there is no "
            "reference to show.", err=True)
        return 1
    say(f"{ex.id}의 공개 테스트를 다시 실행합니다…", f"running {ex.id}'s visible tests again…")
    ok, tail = passes_now(ex, root, kit)
    if not ok:
        say(f"{ex.id}을(를) 아직 통과하지 않았습니다: 답안은 통과한 뒤에 보여 드립니다.\n"
            f"  테스트: {test_command(ex, root)}\n  힌트:   dldrill hint {ex.short}",
            f"{ex.id} does not pass yet: the reference is shown once it does.\n"
            f"  tests: {test_command(ex, root)}\n  hint:  dldrill hint {ex.short}", err=True)
        if tail:
            print(tail, file=sys.stderr)
        return 1
    ref = reference_lines(ex, kit) or []
    target = root / ex.chapter / ex.path.name
    text = target.read_text(encoding="utf-8")
    span = catalog.code_span(text, ex)
    mine = text.splitlines(keepends=True)[span[0] - 1:span[1]] if span else []
    origin = f"solutions/{ex.chapter}/{ex.path.name}"
    say(f"통과했습니다. 모범 답안 ({origin}):", f"passed. The reference ({origin}):")
    print()
    print("".join(ref).rstrip("\n"))
    print()
    diff = list(difflib.unified_diff(mine, ref, fromfile=i18n.render(i18n.tr("내 코드", "yours")) +
                                     f": {ex.shown(target)}", tofile=origin))
    if diff:
        say("내 코드 → 모범 답안 (diff):", "yours → the reference (diff):")
        print("".join(d if d.endswith("\n") else d + "\n" for d in diff).rstrip("\n"))
    else:
        say("내 코드가 모범 답안과 똑같습니다.", "your code is the same as the reference.")
    return 0
