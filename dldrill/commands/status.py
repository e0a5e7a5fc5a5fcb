"""`dldrill status [--all]`: per-chapter progress bars from the learner's progress file.

Columns are padded by display width (Hangul and other wide characters take two cells), and the
bar's characters are narrow in every terminal (East Asian width N), so the bars line up under a
Korean title as under an English one.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata

from dldrill import i18n

HELP = "show per-chapter progress bars (passed exercises / all), and hint use"
ORDER = 22
BAR = 20


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("chapter", nargs="?", default=None, metavar="CHAPTER",
                   help="show only this chapter (ch04, ch4 or 4)")
    p.add_argument("--all", action="store_true",
                   help="also list every exercise: ✓ passed (and when), hint level used")


def width(text: str) -> int:
    """Terminal cells `text` takes: wide and full-width characters (Hangul, CJK) take two,
    combining marks none."""
    cells = 0
    for c in text:
        if unicodedata.combining(c):
            continue
        cells += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    return cells


def pad(text: str, cells: int) -> str:
    """`text` followed by spaces up to `cells` terminal cells."""
    return text + " " * max(0, cells - width(text))


def bar(done: int, total: int, cells: int = BAR) -> str:
    """`▰▰▰▱▱▱…`: `cells` characters, the filled part rounded down (full only when all done)."""
    full, empty = "▰", "▱"
    enc = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        (full + empty).encode(enc)
    except (UnicodeEncodeError, LookupError):
        full, empty = "#", "-"
    n = cells * done // total if total else 0
    return full * n + empty * (cells - n)


def run(args: argparse.Namespace) -> int:
    from dldrill import catalog, progress
    from dldrill.curriculum import CHAPTERS
    from dldrill.paths import exercises_root

    exs = catalog.load()
    if args.chapter:
        wanted = catalog.chapter_of(args.chapter)
        if wanted not in CHAPTERS:
            print(i18n.render(i18n.tr(f"'{args.chapter}'는 장이 아닙니다: 장은 ch01–ch10입니다.",
                                      f"'{args.chapter}' is not a chapter: the chapters are ch01–ch10.")),
                  file=sys.stderr)
            return 2
        exs = [e for e in exs if e.chapter == wanted]
    root = exercises_root()
    state = progress.load(root)
    chapters = list(dict.fromkeys(e.chapter for e in exs))
    titles = {c: i18n.render(i18n.tr(CHAPTERS[c].ko, CHAPTERS[c].en)) for c in chapters}
    title_cells = max((width(t) for t in titles.values()), default=0)
    total_done = sum(e.id in state.passed for e in exs)
    hinted = [e for e in exs if state.hints.get(e.id)]
    print(i18n.render(i18n.tr(
        f"진도: {total_done}/{len(exs)} 통과 · 힌트를 본 연습문제 {len(hinted)}개",
        f"progress: {total_done}/{len(exs)} passed · exercises with hints seen: {len(hinted)}")))
    for c in chapters:
        mine = [e for e in exs if e.chapter == c]
        done = sum(e.id in state.passed for e in mine)
        hint_n = sum(1 for e in mine if state.hints.get(e.id))
        hint_txt = i18n.render(i18n.tr(f"  힌트 {hint_n}", f"  hints {hint_n}")) if hint_n else ""
        mark = " ✓" if done == len(mine) else ""
        print(f"{c}  {pad(titles[c], title_cells)}  {bar(done, len(mine))}  "
              f"{done:>3}/{len(mine):<3}{mark}{hint_txt}".rstrip())
        if args.all:
            name_cells = max(width(e.hint_key) for e in mine)
            for e in mine:
                when = state.passed.get(e.id, "")
                level = state.hints.get(e.id, 0)
                tick = "✓" if when else " "
                extra = i18n.render(i18n.tr(f"  힌트 {level}단계", f"  hint level {level}")) if level else ""
                print(f"    {tick} {pad(e.hint_key, name_cells)}  {when}{extra}".rstrip())
    left = [e for e in exs if e.id not in state.passed]
    if left:
        print(i18n.render(i18n.tr(f"다음: {left[0].short}  (자세히: dldrill next)",
                                  f"next: {left[0].short}  (details: dldrill next)")))
    print(i18n.render(i18n.tr(f"기록 파일: {progress.state_path(root)}",
                              f"state file: {progress.state_path(root)}")))
    return 0
