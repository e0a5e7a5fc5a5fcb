"""`dldrill grade SUBMISSION... --out DIR`: many submissions into a gradebook (instructors)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

HELP = "grade many submissions into a gradebook (for instructors)"
ORDER = 60


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submissions", nargs="*", metavar="SUBMISSION",
                   help="folders like exercises/, repository roots, .zip files of either, or "
                        "notebooks from dldrill notebook (or folders of them)")
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
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where grading processes run: here (local) or on the workers of a Dask "
                        "cluster (dask, with --scheduler); the gradebook stays here either way")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="the Dask scheduler for --executor dask, e.g. tcp://10.0.0.5:8786")


def run(args: argparse.Namespace) -> int:
    if args.gradescope:
        from dldrill.gradescope import run_gradescope

        return run_gradescope(args)
    if not args.submissions or not args.out:
        import sys

        print("dldrill grade: give SUBMISSION... and --out DIR (or --gradescope)", file=sys.stderr)
        return 2
    from dldrill.grade import run_grade

    if args.executor != "dask":
        return run_grade(args)
    return _run_on_dask(args, run_grade)


def _run_on_dask(args: argparse.Namespace, run_grade: Callable[..., int]) -> int:
    """`--executor dask`: connect to --scheduler, keep as many submissions in flight as the
    cluster has threads (or --jobs, when more), grade, disconnect."""
    import sys

    if not args.scheduler:
        print("dldrill grade: --executor dask needs --scheduler ADDRESS", file=sys.stderr)
        return 2
    try:
        from dldrill.executors import connect

        remote = connect(args.scheduler, forkserver=not args.no_forkserver)
    except ImportError:
        print("dldrill grade: --executor dask needs distributed: "
              "pip install -c constraints.txt 'dldrill[cluster]'", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"dldrill grade: no Dask scheduler at {args.scheduler} ({err})", file=sys.stderr)
        return 2
    try:
        args.jobs = max(args.jobs, remote.threads)
        return run_grade(args, remote)
    finally:
        remote.close()
