"""`dldrill report`: grade a submission (your exercises/ by default) against the checklist."""

from __future__ import annotations

import argparse

from dldrill import devices

HELP = "grade your exercises and show the completion checklist"
ORDER = 10


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--submission", default=None, metavar="PATH",
                   help="folder like exercises/ or a repository root (default: exercises/)")
    p.add_argument("--device", choices=devices.CHOICES, default=None,
                   help="where PyTorch code runs: cpu, cuda or auto (default auto)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--json-out", metavar="FILE", help="also write the JSON report to FILE")
    p.add_argument("--html", metavar="FILE", default=None,
                   help="also write the report as one self-contained HTML page to FILE")
    p.add_argument("--inprocess", action="store_true",
                   help="run the submission in this process (no sandbox; for debugging)")
    p.add_argument("--chapters", default=None, metavar="ch01,ch03",
                   help="grade only these chapters")
    p.add_argument("--full", action="store_true",
                   help="show every failed check in full (default: the first two per module)")
    p.add_argument("-k", dest="select", default=None, metavar="EXPR",
                   help="grade only the graders matching this pytest -k expression "
                        "(e.g. 'test_perceptron and predict')")
    p.add_argument("--portfolio", default=None, metavar="URL",
                   help="declare your GitHub portfolio project (stored in exercises/portfolio.txt)")


def run(args: argparse.Namespace) -> int:
    from dldrill.report import run_report

    return run_report(args)
