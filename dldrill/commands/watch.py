"""`dldrill watch [ch04 | ch04.conv2d_naive]`: re-run the current exercise's tests on every save."""

from __future__ import annotations

import argparse
import os
import sys

from dldrill import i18n

HELP = "re-run the current exercise's visible tests each time you save (Enter mode as fallback)"
ORDER = 23


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", nargs="?", default=None, metavar="CHAPTER|EXERCISE",
                   help="a chapter (ch04) or an exercise (ch04.conv2d_naive); default: the first "
                        "exercise not passed yet")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--poll", action="store_true",
                      help="check the files' modification times instead of file events "
                           "(network or virtual-machine folders); also DLDRILL_WATCH=poll")
    mode.add_argument("--enter", action="store_true",
                      help="run the tests each time you press Enter (no file watching); "
                           "also DLDRILL_WATCH=enter")
    p.add_argument("--max-runs", type=int, default=None, metavar="N",
                   help="stop after N test runs (for scripts; default: until Ctrl+C)")


def run(args: argparse.Namespace) -> int:
    from dldrill import catalog, watch
    from dldrill.curriculum import CHAPTERS, PRELOAD
    from dldrill.paths import exercises_root, kit_root

    kit, root = kit_root(), exercises_root()
    exs = catalog.load()
    first = None
    if args.target:
        chapter = catalog.chapter_of(args.target)
        if chapter is None or "." in args.target:
            try:
                first = catalog.find(args.target, exs)
            except catalog.ExerciseError as err:
                print(err, file=sys.stderr)
                return 2
            chapter = first.chapter
        if chapter not in CHAPTERS:
            print(i18n.render(i18n.tr(f"'{args.target}'는 장이 아닙니다: 장은 ch01–ch10입니다.",
                                      f"'{args.target}' is not a chapter: the chapters are ch01–ch10.")),
                  file=sys.stderr)
            return 2
        exs = [e for e in exs if e.chapter == chapter]
    start = first or watch.current(exs, root)
    if start is None:
        print(i18n.render(i18n.tr("이 범위의 연습문제를 모두 통과했습니다. 숨은 채점: dldrill report",
                                  "every exercise in this scope passes. Hidden graders: dldrill report")))
        return 0

    def out(line: str) -> None:
        print(line, flush=True)

    env_mode = os.environ.get("DLDRILL_WATCH", "").lower()
    chapters = sorted({e.chapter for e in exs})
    # The current exercise's framework (a later one in another chapter imports its own).
    preload = list(PRELOAD[CHAPTERS[start.chapter].framework_for(start.module)])
    print(i18n.render(i18n.tr(f"준비 중: pytest와 {', '.join(preload)}을(를) 한 번만 불러옵니다…",
                              f"getting ready: importing pytest and {', '.join(preload)} once…")),
          flush=True)
    def raw(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    runner = watch.Runner(kit, preload, raw=raw)
    try:
        events = None
        if not (args.enter or env_mode == "enter"):
            folders = [root / c for c in chapters]
            events = watch.file_events(folders, root / ".dldrill", args.poll or env_mode == "poll", out)
        return watch.loop(exs, kit, root, events, runner, out, max_runs=args.max_runs, first=start)
    except KeyboardInterrupt:
        print()
        return 0
    finally:
        runner.close()
