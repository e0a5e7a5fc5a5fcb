"""`dldrill` command line. Each subcommand lives in its own module under `dldrill/commands/`.

    dldrill report [--submission PATH] [--json | --json-out FILE] [--device D] [--lang L]
    dldrill grade SUBMISSION... --out DIR [--jobs N] [--chapters ch01,ch03] [--regrade]
    dldrill sync [--check]
    dldrill data fetch mnist|cifar10|nsmc|all [--mirror URL] | data list | data path
"""

from __future__ import annotations

import argparse

from dldrill import __version__, commands, i18n

DESCRIPTION = "dldrill: exercises, visible tests and hidden graders for the deep-learning curriculum"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dldrill", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"dldrill {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in commands.modules():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        if name != "data":  # data's own subcommands take --lang
            commands.add_common(p)
        p.set_defaults(func=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "lang", None):
        i18n.set_lang(args.lang)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
