"""`dldrill class-report DIR`: what a graded batch says about the class (for instructors)."""

from __future__ import annotations

import argparse
import sys

HELP = "after dldrill grade: the checks failed most, common mistakes, look-alike submissions"
ORDER = 62


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", metavar="DIR", help="the --out folder of a dldrill grade batch")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="where class_report.html and class_report.csv go (default: DIR)")
    p.add_argument("--similarity", type=float, default=0.8, metavar="S",
                   help="flag two submissions whose code is at least this similar (0-1; 0.8)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dldrill import i18n
    from dldrill.class_report import write_report
    from dldrill.i18n import tr

    if not 0 < args.similarity <= 1:
        print("dldrill class-report: --similarity must be in (0, 1]", file=sys.stderr)
        return 2
    try:
        html, csv = write_report(Path(args.folder), Path(args.out) if args.out else None,
                                 args.similarity)
    except FileNotFoundError as err:
        print(f"dldrill class-report: {err}", file=sys.stderr)
        return 2
    print(i18n.render(tr(f"dldrill class-report: {html} · {csv} 작성",
                         f"dldrill class-report: wrote {html} · {csv}")))
    return 0
