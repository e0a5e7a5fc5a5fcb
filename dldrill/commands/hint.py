"""`dldrill hint ch04.conv2d_naive [--level 1|2|3]`: a nudge, the approach, then a sketch."""

from __future__ import annotations

import argparse
import sys

from dldrill import i18n

HELP = "show a hint for one exercise (level 1 nudge, 2 approach, 3 sketch; next level by default)"
ORDER = 20

LEVEL_NAMES = {1: i18n.tr("실마리", "nudge"), 2: i18n.tr("접근 방법", "approach"),
               3: i18n.tr("풀이 스케치", "sketch")}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("exercise", metavar="EXERCISE", nargs="?", default=None,
                   help="chNN.function or chNN.module.function, e.g. ch04.conv2d_naive "
                        "(default: the exercise `dldrill next` names)")
    p.add_argument("--level", type=int, choices=(1, 2, 3), default=None,
                   help="1 a nudge, 2 the approach, 3 a near-solution sketch "
                        "(default: one level above the last one shown, starting at 1)")


def run(args: argparse.Namespace) -> int:
    from dldrill import catalog, hints, progress
    from dldrill.paths import exercises_root

    root = exercises_root()
    try:
        if args.exercise:
            ex = catalog.find(args.exercise)
        else:
            done = progress.load(root).passed
            ex = next((e for e in catalog.load() if e.id not in done), None)
            if ex is None:
                print(i18n.render(i18n.tr("모두 통과했습니다: 힌트가 필요 없네요.",
                                          "everything passes: no hint needed.")))
                return 0
    except catalog.ExerciseError as err:
        print(err, file=sys.stderr)
        return 2
    shown = progress.load(root).hints.get(ex.id, 0)
    level = args.level or min(3, shown + 1)
    try:
        text = hints.get(ex.chapter, ex.hint_key, level, i18n.get_lang())
    except hints.HintError:
        print(i18n.render(i18n.tr(
            f"{ex.id}: 아직 힌트가 없습니다 ({hints.path_for(ex.chapter).name}). 함수의 docstring에 "
            "있는 힌트를 먼저 읽어 보세요.",
            f"{ex.id}: no hint yet ({hints.path_for(ex.chapter).name}). Read the hint in the "
            "function's docstring first.")), file=sys.stderr)
        return 1
    title = i18n.tr(f"힌트 {level}/3 · {LEVEL_NAMES[level].ko}", f"hint {level}/3 · {LEVEL_NAMES[level].en}")
    print(f"{ex.id}  ({ex.shown()})  —  {i18n.render(title)}")
    print()
    print(text.strip())
    print()
    if level < 3:
        print(i18n.render(i18n.tr(
            f"더 필요하면: dldrill hint {ex.short}  (다음: {level + 1}단계)",
            f"need more: dldrill hint {ex.short}  (next: level {level + 1})")))
    else:
        print(i18n.render(i18n.tr("마지막 단계의 힌트입니다. 테스트: dldrill next",
                                  "that was the last level. Tests: dldrill next")))
    try:
        progress.record_hint(root, ex.id, level)
    except OSError as err:
        print(i18n.render(i18n.tr(f"(힌트 사용을 기록하지 못했습니다: {err})",
                                  f"(could not record the hint: {err})")), file=sys.stderr)
    return 0
