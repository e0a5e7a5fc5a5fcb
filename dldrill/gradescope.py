"""`dldrill grade --gradescope`: one submission on Gradescope's autograder.

Gradescope puts the learner's files in `/autograder/submission` and reads the grade from
`/autograder/results/results.json` (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
The root `/autograder` moves with the environment variable `DLDRILL_AUTOGRADER_ROOT` (for tests
and for trying the autograder on your own machine).

The submission is graded exactly as `dldrill grade` grades one of a batch (`dldrill.grade.run_batch`
on a temporary gradebook): a folder laid out like `exercises/` or a repository root, a single
`.zip` of either (extracted by the same safe intake), or whatever else the intake accepts (such as
notebooks), all through the same sandboxed grading process. results.json then holds:

- `score`: the submission's total points (not-verifiable checks left out, as in the report);
- `execution_time`: whole seconds spent grading;
- `output`: the total and the checklist, in `--lang`;
- `tests[]`: one entry per grader test — `name` (`ch01.activations · test_softmax...`), `number`
  (`1.3`: chapter, position), `score`, `max_score`, `status` (`passed` or `failed`), `output`
  (what was checked, expected vs got and the hint; with `--hidden-detail reason` only the one-line
  reason) and `visibility` (`visible`);
- no leaderboard.

A submission that cannot be graded (refused, crashed, timed out) gets score 0, no tests and its
status as `output`. The exit code is 0 whenever results.json was written (Gradescope shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from dldrill import i18n
from dldrill.i18n import tr
from dldrill.records import one_line

DEFAULT_ROOT = "/autograder"


def autograder_root() -> Path:
    """`/autograder`, or `DLDRILL_AUTOGRADER_ROOT` when set."""
    return Path(os.environ.get("DLDRILL_AUTOGRADER_ROOT") or DEFAULT_ROOT)


def submission_source(folder: Path) -> Path:
    """What to grade in Gradescope's submission folder: the one `.zip` it holds when that is all
    it holds (an uploaded archive), else the folder itself."""
    try:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    except OSError:
        return folder
    if len(entries) == 1 and entries[0].is_file() and not entries[0].is_symlink() \
            and entries[0].suffix.lower() == ".zip":
        return entries[0]
    return folder


def _num(x: float | None) -> float | int:
    x = float(x or 0.0)
    return int(x) if x.is_integer() else round(x, 4)


def _test_output(r: dict, hidden_detail: str) -> str:
    t = i18n.render
    if r["outcome"] == "passed":
        return ""
    if r["outcome"] == "todo":
        return t(tr("아직 구현하지 않음: ", "not implemented yet: ")) + one_line(r["reason"])
    if r["outcome"] == "skipped":
        return t(tr("여기서 확인 불가: ", "not verifiable here: ")) + one_line(r["reason"])
    if hidden_detail != "full" or not (r.get("expected") or r.get("got")):
        return one_line(r["reason"])
    lines = [r["what"]] if r.get("what") else []
    for key, label in (("expected", i18n.EXPECTED), ("got", i18n.GOT), ("hint", i18n.HINT)):
        if r.get(key):
            lines.append(f"{t(label)}: {r[key]}")
    return "\n".join(lines)


def gradescope_tests(report: dict, hidden_detail: str = "full") -> list[dict]:
    """The report's grader tests as Gradescope test cases (see the module docstring)."""
    out = []
    position: dict[str, int] = {}
    for r in report["tests"]:
        chapter = r.get("chapter") or "ch00"
        position[chapter] = position.get(chapter, 0) + 1
        name = r["nodeid"].split("::", 1)[-1]
        skipped = r["outcome"] == "skipped"
        out.append({
            "name": f"{chapter}.{r.get('module') or ''} · {name}",
            "number": f"{int(chapter[2:]) if chapter[2:].isdigit() else 0}.{position[chapter]}",
            "score": _num(r["earned"]),
            "max_score": 0 if skipped else _num(r["points"]),
            "status": "passed" if r["outcome"] == "passed" else "failed",
            "output": _test_output(r, hidden_detail),
            "visibility": "visible",
        })
    return out


def _summary(report: dict) -> str:
    t = i18n.render
    lang = i18n.get_lang()
    tot = report["total"]
    lines = [t(tr("합계", "Total")) + f": {tot['points']:g}/{tot['max_points']:g}"
             f" ({tot.get('percent') or 0:g}%)"]
    for r in report["checklist"]:
        if r.get("max_points"):
            lines.append(f"- {r['ko'] if lang == 'ko' else r['en']}: "
                         f"{r['points']:g}/{r['max_points']:g}")
    return "\n".join(lines)


def results_json(status: str, report: dict | None, seconds: float, hidden_detail: str) -> dict:
    """Gradescope's results object for one graded (or ungradable) submission."""
    if report is None:
        return {"score": 0, "execution_time": round(seconds), "output": one_line(status),
                "visibility": "visible", "tests": []}
    return {"score": _num(report["total"]["points"]), "execution_time": round(seconds),
            "output": _summary(report), "visibility": "visible",
            "tests": gradescope_tests(report, hidden_detail)}


def run_gradescope(args: argparse.Namespace) -> int:
    """`dldrill grade --gradescope`: grades the submission, writes results.json; 0 when written,
    2 on a usage error."""
    from dldrill.grade import GRADED, Settings, run_batch
    from dldrill.report import select_chapters

    try:
        chapters = select_chapters(args.chapters)
    except ValueError as err:
        print(f"dldrill grade: {err}", file=sys.stderr)
        return 2
    lang = args.lang or i18n.get_lang()
    i18n.set_lang(lang)
    root = autograder_root()
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    source = submission_source(root / "submission")
    start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="dldrill-gradescope-"))
    try:
        settings = Settings(out=work / "gradebook", chapters=chapters, jobs=1, regrade=True,
                            lang=lang, hidden_detail=args.hidden_detail, timeout=args.timeout,
                            select=args.select, forkserver=False)
        outcome = run_batch([source], settings)[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = outcome.report if outcome.row["status"] == GRADED else None
    results = results_json(outcome.row["status"], report, time.monotonic() - start,
                           args.hidden_detail)
    (results_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n",
                                              encoding="utf-8")
    print(f"dldrill grade: {results['score']} → {results_dir / 'results.json'}", file=sys.stderr)
    return 0
