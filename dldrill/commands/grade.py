"""`dldrill grade SUBMISSION... --out DIR`: many submissions into a gradebook (instructors)."""

from __future__ import annotations

import argparse

HELP = "grade many submissions into a gradebook (for instructors)"
ORDER = 60


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submissions", nargs="*", metavar="SUBMISSION",
                   help="folders like exercises/, repository roots, or .zip files of either")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="where gradebook.sqlite, gradebook.csv and <id>/ folders go (required "
                        "unless --gradescope)")
    p.add_argument("--gradescope", action="store_true",
                   help="grade /autograder/submission into /autograder/results/results.json "
                        "(Gradescope; the root moves with DLDRILL_AUTOGRADER_ROOT)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded at once")
    p.add_argument("--chapters", default=None, metavar="ch01,ch03", help="grade only these chapters")
    p.add_argument("--regrade", action="store_true", help="grade again even when nothing changed")
    p.add_argument("--timeout", type=float, default=1800.0, metavar="S",
                   help="wall-clock seconds per submission before its grading is killed (1800)")
    p.add_argument("-k", dest="select", default=None, metavar="EXPR",
                   help="grade only the graders matching this pytest -k expression")
    p.add_argument("--no-forkserver", action="store_true",
                   help="start every grading process afresh instead of forking it from one that "
                        "has imported pytest, NumPy and torch once")
    p.add_argument("--hidden-detail", choices=("full", "reason"), default="full",
                   help="feedback.md: expected/got/hint of hidden checks (full) or one-line reasons")


def run(args: argparse.Namespace) -> int:
    if args.gradescope:
        from dldrill.gradescope import run_gradescope

        return run_gradescope(args)
    if not args.submissions or not args.out:
        import sys

        print("dldrill grade: give SUBMISSION... and --out DIR (or --gradescope)", file=sys.stderr)
        return 2
    from dldrill.grade import run_grade

    return run_grade(args)
