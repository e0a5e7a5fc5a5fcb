"""`dldrill mistakes [CHAPTER ...] [-k TEXT]`: the common mistakes the graders catch."""

from __future__ import annotations

import argparse

from dldrill import i18n

HELP = "list the common mistakes the graders catch (the mutant samples; for kit contributors)"
ORDER = 85


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("chapters", nargs="*", metavar="CHAPTER",
                   help="only these chapters (ch08 or ch08,ch09); all by default")
    p.add_argument("-k", dest="text", default="",
                   help="only mistakes whose name or description contains TEXT (e.g. dropout)")


def run(args: argparse.Namespace) -> int:
    import sys

    from dldrill.curriculum import CHAPTERS
    from dldrill.testing.mistakes import catalogue, render

    chapters = tuple(c for spec in args.chapters for c in spec.split(",") if c)
    unknown = [c for c in chapters if c not in CHAPTERS]
    if unknown:
        print(i18n.render(i18n.tr(f"dldrill mistakes: 알 수 없는 챕터 {', '.join(unknown)}",
                                  f"dldrill mistakes: unknown chapter {', '.join(unknown)}")),
              file=sys.stderr)
        return 2
    print(render(catalogue(chapters, args.text)))
    return 0
