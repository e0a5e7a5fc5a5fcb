"""`dldrill release --out DIR`: the learner's repository, without solutions or graders."""

from __future__ import annotations

import argparse

HELP = "write the learner's repository: exercises, no solutions (for instructors)"
ORDER = 65


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="DIR",
                   help="an empty or new folder, or one an earlier release wrote (then updated)")
    p.add_argument("--chapters", default=None, metavar="ch01,ch03",
                   help="release only these chapters (default: every chapter with graders)")
    p.add_argument("--self-study", action="store_true",
                   help="keep the graders (and a packed answer key) so that `dldrill report` works")
    p.add_argument("--gradescope", action="store_true",
                   help="also write DIR-gradescope/: setup.sh, run_autograder and the kit with its "
                        "graders, to upload to Gradescope (never for learners)")


def run(args: argparse.Namespace) -> int:
    from dldrill.release import run_release

    return run_release(args)
