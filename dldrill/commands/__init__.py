"""One module per `dldrill` subcommand; `dldrill.cli` finds them here.

A command module defines:

- `HELP`: one line for `dldrill --help`;
- `ORDER` (optional int): where it sits in that list (lower first; default 50);
- `add_arguments(parser)`: its options, each with help text;
- `run(args) -> int`: the exit status.

The module's name is the command's (`class_report.py` is `dldrill class-report`). Keep the
module's top-level imports light (`argparse`, `dldrill.i18n`): every command's module is imported
to build `dldrill --help`, and `dldrill hint` must answer in well under a second. Import heavy
things (torch, pytest, nbformat) inside `run`.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from types import ModuleType

from dldrill import i18n


def add_common(p: argparse.ArgumentParser) -> None:
    """Options every command takes."""
    p.add_argument("--lang", choices=i18n.LANGS, default=None,
                   help="language of messages: ko (default, or DLDRILL_LANG) or en")


def modules() -> list[tuple[str, ModuleType]]:
    """(command name, module) for every command, in `dldrill --help` order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append((info.name.replace("_", "-"), module))
    return sorted(found, key=lambda item: (getattr(item[1], "ORDER", 50), item[0]))
