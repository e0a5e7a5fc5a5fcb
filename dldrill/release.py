"""`dldrill release`: the learner's repository, made from the kit.

    dldrill release --out DIR [--chapters ch01,ch03] [--self-study] [--gradescope]

DIR gets what a learner needs and nothing that gives the answers away: the exercises generated
from `solutions/` (`dldrill.stubgen`, never the instructor's working copy of `exercises/`), the
visible tests, the data and model fixtures (not the sample submissions, which are edits of the
solutions), the `dldrill` package with `pyproject.toml` and `constraints.txt` (so the release
installs itself with the command its README gives), a learner README (Korean first, then
English) and a GitHub Classroom workflow (`.github/workflows/classroom.yml`). No `solutions/`, no
graders. With `--self-study` the graders come too, with the answer key they compare against
packed as `graders/answer-key.zip` (compressed, so no line of it can be read or grepped in the
repository; Python imports it straight from the zip — it is not hidden from a learner who
unpacks it). With `--gradescope`, a second folder `DIR-gradescope/` gets the Gradescope
autograder: `setup.sh`, `run_autograder`, the kit, its graders and answer key (never for
learners).

A folder the release writes is marked by `.dldrill-release.json` (its files and their hashes).
Releasing again into it is idempotent: unchanged files are left alone, files the previous release
wrote and nobody edited are brought up to date or removed, and a file someone edited since is kept
and reported. A non-empty folder without that mark is refused.

`python -m dldrill.release classroom --chapters ...` is the Classroom workflow's grading step:
it runs `dldrill report --json` (or, in a release without graders, the visible tests) and prints
`result=<base64 JSON>` in the format of GitHub Classroom's autograding reporter: one test per
checklist item, its points as `score`, the items' maxima summed as `max_score`.

Why this file is long: it is the release and nothing else — what goes in (stubs, kit, answer
key, templates), writing a folder idempotently, and the Classroom step that the release's own
workflow runs; splitting them would scatter one contract (what a released repository is).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from dldrill import __version__, i18n
from dldrill.curriculum import CHAPTERS, CHECKLIST, items_for_module
from dldrill.i18n import tr

MANIFEST = ".dldrill-release.json"
SCHEMA = "dldrill.release/1"
ANSWER_KEY = "answer-key.zip"
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".mypy_cache"}
# Optional dependencies (pyproject extras) a chapter's exercises and graders need.
CHAPTER_EXTRAS = {"ch02": ("tf",), "ch04": ("tf",), "ch07": ("hf",), "ch09": ("hf", "ko", "plots")}
EXECUTABLE = 0o755
PLAIN = 0o644


class ReleaseError(Exception):
    """A release that cannot be written (the message is for people, in the current language)."""


@dataclass
class Written:
    """What one release did to one folder."""

    out: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited since the last release: left as is
    removed: list[str] = field(default_factory=list)


Files = dict[str, tuple[bytes, int]]  # relative posix path -> (content, mode)


# -- what goes in ----------------------------------------------------------------------------------
def _template(name: str) -> str:
    return resources.files("dldrill").joinpath("release_templates", name).read_text(encoding="utf-8")


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def install_target(chapters: list[str]) -> str:
    """`.` or `.[tf,hf]`: the editable install these chapters need."""
    extras = sorted({e for c in chapters for e in CHAPTER_EXTRAS.get(c, ())})
    return f".[{','.join(extras)}]" if extras else "."


def _tree(root: Path, prefix: str, *, skip_dirs: tuple[str, ...] = ()) -> Files:
    """Every regular file under `root` (never through a link), caches left out, as `prefix/...`."""
    out: Files = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_PARTS
                             and (rel_dir / d).as_posix() not in skip_dirs)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.endswith((".pyc", ".pyo")) or not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            mode = EXECUTABLE if os.access(path, os.X_OK) else PLAIN
            out[f"{prefix}/{(rel_dir / name).as_posix()}"] = (path.read_bytes(), mode)
    return out


def exercise_files(kit: Path, chapters: list[str]) -> Files:
    """The learner's `exercises/`: stubs generated from the solutions, plus the visible tests and
    other files of the kit's `exercises/chNN` that no solution generates (its `artifacts/` folders
    only keep their README)."""
    from dldrill.stubgen import plan

    out: Files = {}
    exercises = kit / "exercises"
    stubs = {p.relative_to(exercises).as_posix(): text
             for p, text in plan(kit / "solutions", exercises)}
    for chapter in chapters:
        for rel, (data, mode) in _tree(exercises / chapter, chapter).items():
            parts = rel.split("/")
            if "artifacts" in parts[:-1] and parts[-1] != "README.md":
                continue
            if rel not in stubs and not (parts[-1].endswith(".py") and parts[-1] != "__init__.py"
                                         and not parts[-1].startswith("test_")):
                out[f"exercises/{rel}"] = (data, mode)
        for rel, text in stubs.items():
            if rel.split("/")[0] == chapter:
                out[f"exercises/{rel}"] = (text.encode(), PLAIN)
    init = exercises / "__init__.py"
    if init.is_file():
        out["exercises/__init__.py"] = (init.read_bytes(), PLAIN)
    return out


def answer_key_zip(kit: Path, chapters: list[str]) -> bytes:
    """The chapters' solutions as a deflated zip (`solutions/chNN/...`), byte-identical from run to
    run (fixed member times), importable by zipimport."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for chapter in chapters:
            for rel, (data, _mode) in sorted(_tree(kit / "solutions" / chapter, chapter).items()):
                if rel.endswith(".py"):
                    info = zipfile.ZipInfo(f"solutions/{rel}", date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, data)
    return buf.getvalue()


def _kit_files(kit: Path) -> Files:
    """What installs and runs the kit: the package, its build files and the fixtures it reads."""
    out: Files = {}
    for name in ("pyproject.toml", "constraints.txt", "conftest.py"):
        out[name] = ((kit / name).read_bytes(), PLAIN)
    # dldrill/testing/ is the kit's own test tooling (mutant specs quote the solutions).
    out.update(_tree(kit / "dldrill", "dldrill", skip_dirs=("testing",)))
    for sub in ("data", "models"):
        if (kit / "fixtures" / sub).is_dir():
            out.update(_tree(kit / "fixtures" / sub, f"fixtures/{sub}"))
    return out


def _chapter_lists(chapters: list[str]) -> tuple[str, str]:
    return (", ".join(f"{c} {CHAPTERS[c].ko}" for c in chapters),
            ", ".join(f"{c} {CHAPTERS[c].en}" for c in chapters))


def learner_files(kit: Path, chapters: list[str], self_study: bool) -> Files:
    """Every file of the learner's release (without its manifest)."""
    ko, en = _chapter_lists(chapters)
    values = {"CHAPTERS": ",".join(chapters), "INSTALL_TARGET": install_target(chapters),
              "CHAPTER_LIST_KO": ko, "CHAPTER_LIST_EN": en, "FIRST_CHAPTER": chapters[0]}
    if self_study:
        values["SELF_STUDY_KO"] = (
            "3. 숨겨진 채점기로 체크리스트 점수를 확인하세요 (자습용 배포판에는 채점기가 들어 있습니다):\n\n"
            "   ```bash\n   dldrill report\n   dldrill report --lang en\n   ```\n")
        values["SELF_STUDY_EN"] = (
            "3. Run the graders and see your checklist score (this self-study release includes "
            "them):\n\n   ```bash\n   dldrill report\n   dldrill report --lang en\n   ```\n")
    else:
        values["SELF_STUDY_KO"] = values["SELF_STUDY_EN"] = ""
    values["CLASSROOM_KO"] = (
        "\nGitHub Classroom 으로 받은 저장소라면, push 할 때마다 `.github/workflows/classroom.yml` 이 "
        "채점하고 체크리스트 항목별 점수를 보고합니다.\n")
    values["CLASSROOM_EN"] = (
        "\nIn a GitHub Classroom repository, `.github/workflows/classroom.yml` grades every push and "
        "reports points per checklist item.\n")
    out = _kit_files(kit)
    out["README.md"] = (_fill(_template("README.learner.md"), values).encode(), PLAIN)
    out[".gitignore"] = (_template("gitignore").encode(), PLAIN)
    out[".github/workflows/classroom.yml"] = (_fill(_template("classroom.yml"), values).encode(),
                                              PLAIN)
    out.update(exercise_files(kit, chapters))
    if self_study:
        for chapter in chapters:
            out.update(_tree(kit / "graders" / chapter, f"graders/{chapter}"))
        out[f"graders/{ANSWER_KEY}"] = (answer_key_zip(kit, chapters), PLAIN)
    return out


def gradescope_files(kit: Path, chapters: list[str], lang: str) -> Files:
    """The Gradescope autograder folder: setup.sh and run_autograder at its root, the kit with the
    chapters' graders and solutions."""
    values = {"CHAPTERS": ",".join(chapters), "INSTALL_TARGET": install_target(chapters),
              "LANG": lang}
    out = _kit_files(kit)
    for chapter in chapters:
        out.update(_tree(kit / "graders" / chapter, f"graders/{chapter}"))
        out.update(_tree(kit / "solutions" / chapter, f"solutions/{chapter}"))
    out["README.md"] = (_fill(_template("README.gradescope.md"), values).encode(), PLAIN)
    out["setup.sh"] = (_fill(_template("setup.sh"), values).encode(), EXECUTABLE)
    out["run_autograder"] = (_fill(_template("run_autograder"), values).encode(), EXECUTABLE)
    return out


# -- writing a folder ------------------------------------------------------------------------------
def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _current(path: Path) -> str | None:
    """The sha256 of the regular file at `path`; None when there is none; a link is refused."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise ReleaseError(i18n.render(tr(f"일반 파일이 아닙니다(링크 등): {path}",
                                          f"not a regular file (a link?): {path}")))
    return _digest(path.read_bytes())


def _write(path: Path, data: bytes, mode: int) -> None:
    """Writes atomically and never through a link: a fresh temporary file renamed over `path`."""
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    if parent.is_symlink() or not parent.is_dir():
        raise ReleaseError(f"{parent}: not a folder")
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def write_folder(out: Path, files: Files, meta: dict) -> Written:
    """Writes `files` into `out` (see the module docstring for what is kept, refused, removed)."""
    result = Written(out)
    marker = out / MANIFEST
    previous: dict[str, str] = {}
    if out.is_symlink():
        raise ReleaseError(f"{out}: a link")
    if out.exists():
        if not out.is_dir():
            raise ReleaseError(f"{out}: not a folder")
        if marker.is_file() and not marker.is_symlink():
            try:
                previous = dict(json.loads(marker.read_text(encoding="utf-8"))["files"])
            except (ValueError, KeyError, TypeError):
                raise ReleaseError(i18n.render(tr(
                    f"{marker} 를 읽을 수 없습니다", f"{marker} is unreadable"))) from None
        elif any(out.iterdir()):
            raise ReleaseError(i18n.render(tr(
                f"{out} 는 비어 있지 않고 dldrill release 가 만든 폴더가 아닙니다 ({MANIFEST} 없음); "
                "빈 폴더나 새 경로를 주세요",
                f"{out} is not empty and was not made by dldrill release (no {MANIFEST}); "
                "give an empty folder or a new path")))
    recorded: dict[str, str] = {}
    for rel, (data, mode) in sorted(files.items()):
        path = out / rel
        want = _digest(data)
        have = _current(path)
        if have == want:
            if stat.S_IMODE(os.lstat(path).st_mode) != mode:
                os.chmod(path, mode)
            result.unchanged.append(rel)
        elif have is None or previous.get(rel) == have:
            _write(path, data, mode)
            result.written.append(rel)
        else:
            result.kept.append(rel)
            recorded[rel] = previous.get(rel, want)
            continue
        recorded[rel] = want
    for rel in sorted(set(previous) - set(files)):
        path = out / rel
        have = _current(path)
        if have is None:
            continue
        if have == previous[rel]:
            path.unlink()
            result.removed.append(rel)
        else:
            result.kept.append(rel)
    _write(marker, (json.dumps({"schema": SCHEMA, **meta, "files": recorded}, indent=1,
                               sort_keys=True) + "\n").encode(), PLAIN)
    return result


def release(out: Path, chapters: list[str], *, self_study: bool = False, gradescope: bool = False,
            lang: str = "ko", kit: Path | None = None) -> list[Written]:
    """Writes the learner's release into `out` (and with `gradescope` the autograder into
    `out-gradescope`); returns what happened in each folder."""
    from dldrill.paths import kit_root

    kit = kit or kit_root()
    missing = [c for c in chapters if not (kit / "solutions" / c).is_dir()]
    if missing:
        raise ReleaseError(i18n.render(tr(
            f"{kit / 'solutions'} 에 {', '.join(missing)} 가 없습니다: 배포판은 키트 저장소에서 만듭니다",
            f"no {', '.join(missing)} in {kit / 'solutions'}: release from the kit's repository")))
    meta = {"kit_version": __version__, "chapters": chapters, "self_study": self_study}
    done = [write_folder(out, learner_files(kit, chapters, self_study), meta)]
    if gradescope:
        target = out.with_name(out.name + "-gradescope")
        done.append(write_folder(target, gradescope_files(kit, chapters, lang),
                                 {**meta, "self_study": False, "gradescope": True}))
    return done


def run_release(args: argparse.Namespace) -> int:
    """The `dldrill release` command: 0 when written, 2 on a usage error or a refused folder."""
    from dldrill.report import select_chapters

    try:
        chapters = select_chapters(args.chapters)
    except ValueError as err:
        print(f"dldrill release: {err}", file=sys.stderr)
        return 2
    start = time.monotonic()
    try:
        done = release(Path(args.out).expanduser().absolute(), chapters,
                       self_study=args.self_study, gradescope=args.gradescope,
                       lang=args.lang or i18n.get_lang())
    except (ReleaseError, OSError) as err:
        print(f"dldrill release: {err}", file=sys.stderr)
        return 2
    for w in done:
        print(i18n.render(tr(
            f"dldrill release: {w.out} — 새로 씀 {len(w.written)}, 그대로 {len(w.unchanged)}, "
            f"삭제 {len(w.removed)}, 수정되어 보존 {len(w.kept)}",
            f"dldrill release: {w.out} — {len(w.written)} written, {len(w.unchanged)} unchanged, "
            f"{len(w.removed)} removed, {len(w.kept)} kept (edited since)")))
        for rel in w.kept:
            print(f"  kept: {rel}")
    print(f"dldrill release: {time.monotonic() - start:.2f} s", file=sys.stderr)
    return 0


# -- GitHub Classroom ------------------------------------------------------------------------------
def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 3)


def classroom_results(report: dict) -> dict:
    """A `dldrill report --json` object in the Classroom reporter's format: one test per checklist
    item the run graded (`score` its points), `max_score` the sum of their maxima."""
    tests = []
    for r in report["checklist"]:
        if not r.get("max_points"):
            continue
        full = r["points"] >= r["max_points"]
        tests.append({"name": f"{r['id']}: {r['ko']} / {r['en']}", "status": "pass" if full else "fail",
                      "score": _num(r["points"]), "message": f"{_num(r['points'])}/{_num(r['max_points'])}",
                      "test_code": "dldrill report", "filename": "", "line_no": 0,
                      "execution_time": ""})
    total = report["total"]
    return {"version": 1, "status": "pass" if all(t["status"] == "pass" for t in tests) else "fail",
            "max_score": _num(total["max_points"]), "tests": tests}


def visible_results(records: list[dict]) -> dict:
    """Visible tests' records (`pytest --results-json`) in the Classroom format, for a release
    without graders: one test per checklist item, one point per visible test of that item."""
    per: dict[str, list[dict]] = {}
    for r in records:
        items = items_for_module(r.get("chapter") or "", r.get("module") or "")
        if r.get("kind") == "visible" and items:
            per.setdefault(items[0], []).append(r)
    tests = []
    for item in CHECKLIST:
        rs = per.get(item.id)
        if not rs:
            continue
        passed = sum(r["outcome"] == "passed" for r in rs)
        tests.append({"name": f"{item.id}: {item.ko} / {item.en}",
                      "status": "pass" if passed == len(rs) else "fail", "score": passed,
                      "message": f"{passed}/{len(rs)} visible tests passed", "test_code": "pytest",
                      "filename": "", "line_no": 0, "execution_time": ""})
    return {"version": 1, "status": "pass" if all(t["status"] == "pass" for t in tests) else "fail",
            "max_score": sum(len(v) for v in per.values()), "tests": tests}


def _error_results(message: str) -> dict:
    return {"version": 1, "status": "error", "max_score": 0,
            "tests": [{"name": "dldrill", "status": "error", "score": 0, "message": message[-2000:],
                       "test_code": "", "filename": "", "line_no": 0, "execution_time": ""}]}


def classroom(argv: list[str]) -> int:
    """`python -m dldrill.release classroom --chapters ch01[,...] [-k EXPR] [--submission PATH]`:
    prints `result=<base64 JSON>` (append it to $GITHUB_OUTPUT) and a summary on stderr."""
    from dldrill.paths import graders_root

    p = argparse.ArgumentParser(prog="python -m dldrill.release classroom")
    p.add_argument("--chapters", required=True)
    p.add_argument("-k", dest="select", default=None)
    p.add_argument("--submission", default=None)
    args = p.parse_args(argv)
    chapters = args.chapters.split(",")
    with tempfile.TemporaryDirectory(prefix="dldrill-classroom-") as tmp:
        if any(any((graders_root() / c).glob("test_*.py")) for c in chapters):
            cmd = [sys.executable, "-m", "dldrill", "report", "--json", "--chapters", args.chapters]
            cmd += ["--submission", args.submission] if args.submission else []
            cmd += ["-k", args.select] if args.select else []
            res = subprocess.run(cmd, capture_output=True, text=True)
            try:
                results = classroom_results(json.loads(res.stdout))
            except (ValueError, KeyError, TypeError):
                results = _error_results(res.stderr or f"dldrill report exited with {res.returncode}")
        else:
            out = Path(tmp) / "visible.json"
            root = Path(args.submission) if args.submission else Path("exercises")
            cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   *(str(root / c) for c in chapters), "--results-json", str(out)]
            cmd += ["-k", args.select] if args.select else []
            res = subprocess.run(cmd, capture_output=True, text=True)
            try:
                results = visible_results(json.loads(out.read_text())["tests"])
            except (OSError, ValueError, KeyError, TypeError):
                results = _error_results(res.stdout + res.stderr)
    score = sum(t["score"] for t in results["tests"])
    print(f"dldrill classroom: {score}/{results['max_score']} points", file=sys.stderr)
    encoded = base64.b64encode(json.dumps(results, ensure_ascii=False).encode()).decode()
    print(f"result={encoded}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] != ["classroom"]:
        sys.exit("usage: python -m dldrill.release classroom --chapters ch01[,...]")
    sys.exit(classroom(sys.argv[2:]))
