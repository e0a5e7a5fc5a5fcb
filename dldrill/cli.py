"""`dldrill` command line. Each subcommand lives in its own module under `dldrill/commands/`.

    dldrill report [--submission PATH] [--json | --json-out FILE] [--device D] [--lang L]
    dldrill grade SUBMISSION... --out DIR [--jobs N] [--chapters ch01,ch03] [--regrade]
    dldrill sync [--check]
    dldrill data fetch mnist|cifar10|nsmc|all [--mirror URL] | data list | data path
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator

from dldrill import __version__, commands, i18n

DESCRIPTION = i18n.tr("dldrill: 딥러닝 커리큘럼의 연습문제, 공개 테스트, 숨은 채점기",
                      "dldrill: exercises, visible tests and hidden graders for the deep-learning "
                      "curriculum")


def _help(text: str | None, lang: str) -> str | None:
    if lang != "ko" or not text or text == argparse.SUPPRESS:
        return text
    from dldrill.commands._help_ko import KO

    return KO.get(text, text)


def _translate(parser: argparse.ArgumentParser, lang: str) -> None:
    """Every help text of `parser` and its subcommands in `lang` (dldrill.commands._help_ko)."""
    for action in parser._actions:
        action.help = _help(action.help, lang)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = _help(choice.help, lang)
            for sub in action.choices.values():
                _translate(sub, lang)


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    lang = lang or i18n.get_lang()
    parser = argparse.ArgumentParser(prog="dldrill", description=DESCRIPTION.render(lang))
    parser.add_argument("--version", action="version", version=f"dldrill {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in commands.modules():
        p = sub.add_parser(name, help=module.HELP, description=_help(module.HELP, lang))
        module.add_arguments(p)
        if name != "data":  # data's own subcommands take --lang
            commands.add_common(p)
        p.set_defaults(func=module.run)
    _translate(parser, lang)
    return parser


def _lang_of(argv: list[str]) -> str:
    """The --lang an argument list asks for (read before argparse, which speaks in it)."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--lang=") else (
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value in i18n.LANGS:
            return value
    return i18n.get_lang()


@contextlib.contextmanager
def _argparse_speaks(lang: str) -> Iterator[None]:
    """argparse's own words (usage, headings, errors) in `lang` while the command line is read."""
    if lang != "ko":
        yield
        return
    from dldrill.commands._help_ko import ARGPARSE_KO

    original = argparse._
    argparse._ = lambda text: ARGPARSE_KO.get(text, original(text))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    lang = _lang_of(argv)
    with _argparse_speaks(lang):
        args = build_parser(lang).parse_args(argv)
    if getattr(args, "lang", None):
        i18n.set_lang(args.lang)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
