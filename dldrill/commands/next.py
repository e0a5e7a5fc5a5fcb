"""`dldrill next [ch04]`: the first exercise not passed yet, and the command that tests it."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from dldrill import i18n

HELP = "name the next exercise to write and the command that runs its visible tests"
ORDER = 21


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("chapter", nargs="?", default=None, metavar="CHAPTER",
                   help="look only in this chapter (ch04, ch4 or 4); default: all, in order")


def test_command(ex: object, root: object) -> str:
    """`pytest exercises/ch04/test_conv.py -k "test_a or test_b"`, paths as the learner types them."""
    from dldrill import catalog, reach

    assert isinstance(ex, catalog.Exercise)
    args = reach.pytest_args(ex, root)  # type: ignore[arg-type]
    test_file = args[0].split("::", 1)[0]
    args = [ex.shown(Path(test_file)) + a[len(test_file):] if a.startswith(test_file) else a
            for a in args]
    return "pytest " + " ".join(shlex.quote(a) for a in args)


def pending(chapter: str | None) -> tuple[list, list]:
    """(all exercises in scope, those not passed), curriculum order. Raises ExerciseError."""
    from dldrill import catalog, progress
    from dldrill.paths import exercises_root

    exs = catalog.load()
    if chapter:
        wanted = catalog.chapter_of(chapter)
        if wanted is None or not any(e.chapter == wanted for e in exs):
            raise catalog.ExerciseError(i18n.render(i18n.tr(
                f"'{chapter}'는 장이 아닙니다: 장은 ch01–ch10입니다 (예: dldrill next ch04).",
                f"'{chapter}' is not a chapter: the chapters are ch01–ch10 (e.g. dldrill next ch04).")))
        exs = [e for e in exs if e.chapter == wanted]
    done = progress.load(exercises_root()).passed
    return exs, [e for e in exs if e.id not in done]


def run(args: argparse.Namespace) -> int:
    from dldrill import catalog
    from dldrill.paths import exercises_root

    try:
        exs, todo = pending(args.chapter)
    except catalog.ExerciseError as err:
        print(err, file=sys.stderr)
        return 2
    if not todo:
        print(i18n.render(i18n.tr(
            f"모두 통과했습니다 ({len(exs)}/{len(exs)}). 숨은 채점까지 확인하려면: dldrill report",
            f"all passed ({len(exs)}/{len(exs)}). To check with the hidden graders: dldrill report")))
        return 0
    ex = todo[0]
    line = _def_line(ex)
    where = f"{ex.shown()}:{line}" if line else ex.shown()
    print(i18n.render(i18n.tr(f"다음 연습문제: {ex.id}", f"next exercise: {ex.id}")))
    print(i18n.render(i18n.tr(f"  파일:   {where}", f"  file:   {where}")))
    print(i18n.render(i18n.tr(f"  테스트: {test_command(ex, exercises_root())}",
                              f"  tests:  {test_command(ex, exercises_root())}")))
    print(i18n.render(i18n.tr(f"  힌트:   dldrill hint {ex.short}", f"  hint:   dldrill hint {ex.short}")))
    print(i18n.render(i18n.tr(f"  저장할 때마다 테스트: dldrill watch {ex.chapter}",
                              f"  tests on every save: dldrill watch {ex.chapter}")))
    print(i18n.render(i18n.tr(f"  (이 범위에서 {len(exs) - len(todo)}/{len(exs)} 통과)",
                              f"  ({len(exs) - len(todo)}/{len(exs)} passed in this scope)")))
    return 0


def _def_line(ex: object) -> int | None:
    """The line of the exercise's TODO in the learner's file (or of its def), for `file:line`."""
    from dldrill import catalog

    assert isinstance(ex, catalog.Exercise)
    try:
        lines = ex.path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    tag = f"TODO({ex.id})"
    for i, text in enumerate(lines, 1):
        if tag in text:
            return i
    name = ex.name
    for i, text in enumerate(lines, 1):
        if text.lstrip().startswith((f"def {name}(", f"async def {name}(")):
            return i
    return None
