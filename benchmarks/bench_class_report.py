"""`dldrill class-report` on a synthetic graded batch: wall and CPU seconds.

    python benchmarks/bench_class_report.py [--submissions 100] [--repeat 3]

`build(folder, n)` makes the batch (also used by tests/test_class_report.py): n submission folders
of ch01 — the answer key, exact copies of it, copies with renamed names and other comments, the
untouched stubs and partial answers — and a gradebook for them written through
`dldrill.gradebook.Gradebook`, with failed checks and catalogued mistakes in known proportions.
Target from the issue: <= 10 s for 100 graded submissions.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dldrill.curriculum import CHAPTERS  # noqa: E402
from dldrill.gradebook import Gradebook  # noqa: E402
from dldrill.intake import content_hash  # noqa: E402
from dldrill.paths import exercises_root, solutions_root  # noqa: E402

CHECKS = [  # (module, test, share of submissions failing it, the catalogued mistake it matches)
    ("perceptron", "test_step_values", 0.6, "step(0) = 0: strict > instead of >="),
    ("losses", "test_cross_entropy_stable", 0.3, "softmax without the max shift"),
    ("backprop", "test_backward_matches_numeric", 0.2, "backward without 1/N"),
    ("activations", "test_relu", 0.0, ""),
]


def _renamed(text: str, salt: int) -> str:
    """The same code with other local names and comments (what a copy meant to hide looks like)."""
    text = re.sub(r"#[^\n]*", f"# my own work {salt}", text)
    for name in ("out", "grad", "loss", "probs", "x", "y", "z", "w", "b"):
        text = re.sub(rf"\b{name}\b", f"{name}_v{salt}", text)
    return text


def build(folder: Path, n: int) -> dict[str, str]:
    """A graded batch of `n` submissions in `folder/out` (sources in `folder/in`); returns each
    submission's kind: key, copy, renamed, stub or partial."""
    chapter = "ch01"
    modules = CHAPTERS[chapter].modules
    kinds: dict[str, str] = {}
    inp = folder / "in"
    book = Gradebook(_fresh(folder / "out") / "gradebook.sqlite")
    for i in range(n):
        sid = f"s{i:03d}"
        dest = inp / sid / chapter
        dest.mkdir(parents=True)
        kind = ("key", "copy", "renamed", "stub", "partial")[i % 5] if i else "key"
        for m in modules:
            sol = (solutions_root() / chapter / f"{m}.py").read_text()
            stub = (exercises_root() / chapter / f"{m}.py").read_text()
            text = {"key": sol, "copy": sol, "renamed": _renamed(sol, i), "stub": stub,
                    "partial": sol if modules.index(m) == i % len(modules) else stub}[kind]
            if kind == "key" and i:
                text += f"\n# submission {i}\n"  # its own answer, same code, other bytes
            (dest / f"{m}.py").write_text(text)
        (dest / "__init__.py").write_text("")
        kinds[sid] = kind
        tests = []
        for j, (module, test, share, mistake) in enumerate(CHECKS):
            failed = (i * 7 + j * 3) % 10 < share * 10
            tests.append({"nodeid": f"graders/{chapter}/test_{module}.py::{test}", "chapter": chapter,
                          "module": module, "item": "backprop-gd", "points": 1.0,
                          "earned": 0.0 if failed else 1.0, "outcome": "failed" if failed else "passed",
                          "reason": f"{test} got the wrong value" if failed else "",
                          "mistake": mistake if failed and i % 2 == 0 else ""})
        earned = sum(t["earned"] for t in tests)
        row = {"key": sid, "id": sid, "path": str(inp / sid),
               "content_hash": content_hash(inp / sid, 1 << 30),
               "graders_hash": "x", "kit_version": "0", "options": "{}", "status": "graded",
               "total_points": earned, "max_points": 4.0, "percent": 25 * earned,
               "items": "{}", "chapters": f'{{"{chapter}": {earned}}}', "duration_s": 1.0,
               "graded_at": "2026-01-01T00:00:00+00:00"}
        book.write(row, tests)
    book.write({"key": "zz-broken", "id": "zz-broken", "path": str(inp / "gone.zip"),
                "status": "unreadable: no such file or folder"}, None)
    book.close()
    return kinds


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--submissions", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from dldrill.class_report import write_report

    tmp = Path(tempfile.mkdtemp(prefix="bench-class-"))
    try:
        build(tmp, args.submissions)
        walls, cpus = [], []
        for _ in range(args.repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            write_report(tmp / "out")
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        print(f"class-report, {args.submissions} graded submissions: wall median "
              f"{statistics.median(walls):.2f} s, CPU median {statistics.median(cpus):.2f} s "
              f"(target <= 10 s)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
