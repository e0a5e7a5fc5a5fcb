"""`dldrill` command line: report, sync.

    dldrill report [--submission PATH] [--json | --json-out FILE] [--device D] [--lang L]
    dldrill sync [--check]
"""

from __future__ import annotations

import argparse
import sys

from dldrill import __version__, devices, i18n


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=i18n.LANGS, default=None, help="ko (default) or en")


def cmd_sync(args: argparse.Namespace) -> int:
    from dldrill.paths import exercises_root, solutions_root
    from dldrill.stubgen import MarkerError, sync

    try:
        actions = sync(solutions_root(), exercises_root(), check=args.check)
    except MarkerError as err:
        print(f"dldrill sync: {err}", file=sys.stderr)
        return 2
    root = exercises_root().parent
    drift = [a for a in actions if a.status != "unchanged"]
    for a in actions if args.verbose else drift:
        rel = a.path.relative_to(root) if a.path.is_relative_to(root) else a.path
        verb = {"created": "would create", "updated": "would update"}.get(a.status, a.status) \
            if args.check else a.status
        print(f"  {verb:<14} {rel}" + (f"  ({a.detail})" if a.detail else ""))
    n = len(actions)
    if args.check:
        if drift:
            print(f"dldrill sync --check: {len(drift)} of {n} stubs differ from solutions/ "
                  "(run `dldrill sync`)")
            return 1
        print(f"dldrill sync --check: {n} stubs in sync with solutions/")
        return 0
    kept = sum(a.status == "kept-edited" for a in actions)
    print(f"dldrill sync: {n} stubs, "
          f"{sum(a.status in ('created', 'updated') for a in actions)} written, "
          f"{kept} edited by you and left as they are")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from dldrill.report import run_report

    return run_report(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dldrill", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dldrill {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("report", help="grade a submission and show the completion checklist")
    p.add_argument("--submission", default=None, metavar="PATH",
                   help="folder like exercises/ or a repository root (default: exercises/)")
    p.add_argument("--device", choices=devices.CHOICES, default=None)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--json-out", metavar="FILE", help="also write the JSON report to FILE")
    p.add_argument("--inprocess", action="store_true",
                   help="run the submission in this process (no sandbox; for debugging)")
    p.add_argument("--chapters", default=None, metavar="ch01,ch03",
                   help="grade only these chapters")
    p.add_argument("--full", action="store_true",
                   help="show every failed check in full (default: the first two per module)")
    p.add_argument("--portfolio", default=None, metavar="URL",
                   help="declare your GitHub portfolio project (stored in exercises/portfolio.txt)")
    _common(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("sync", help="generate exercises/ stubs from solutions/")
    p.add_argument("--check", action="store_true", help="fail if stubs differ; change nothing")
    p.add_argument("-v", "--verbose", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_sync)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "lang", None):
        i18n.set_lang(args.lang)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
