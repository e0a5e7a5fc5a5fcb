"""Tiered hints for every exercise, in Korean and English: `dldrill/hints/chNN.toml`.

One table per exercise, keyed by `module.function` (the exercise id without its chapter), with
six strings: `ko1`/`en1` a nudge, `ko2`/`en2` the approach, `ko3`/`en3` a near-solution sketch
(never the solution's own lines)::

    ["conv.conv2d_naive"]
    ko1 = "출력 크기부터 구하세요 …"
    en1 = "Start from the output size …"
    ko2 = "…"
    en2 = "…"
    ko3 = "…"
    en3 = "…"

Read with `tomllib` (standard library): no torch, no numpy; `dldrill hint` answers in
milliseconds. tests/test_hints.py checks that every exercise has all six texts.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
LEVELS = (1, 2, 3)
LANGS = ("ko", "en")
KEYS = tuple(f"{lang}{level}" for level in LEVELS for lang in LANGS)


class HintError(LookupError):
    """No hint file for the chapter, or no table for the exercise."""


def path_for(chapter: str) -> Path:
    """dldrill/hints/ch04.toml."""
    return FOLDER / f"{chapter}.toml"


@lru_cache(maxsize=16)
def load(chapter: str) -> dict[str, dict[str, str]]:
    """The chapter's hint tables: "module.function" -> {"ko1": ..., "en3": ...}; {} when the
    chapter has no hint file yet. Raises HintError when the file is not valid TOML."""
    path = path_for(chapter)
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise HintError(f"{path.name}: not valid TOML: {err}") from err
    return {k: {kk: vv for kk, vv in v.items() if isinstance(vv, str)}
            for k, v in data.items() if isinstance(v, dict)}


def texts(chapter: str, key: str) -> dict[str, str]:
    """The six texts of one exercise (`key` is "module.function"); {} when it has none."""
    return load(chapter).get(key, {})


def get(chapter: str, key: str, level: int, lang: str) -> str:
    """The hint of `level` (1 nudge, 2 approach, 3 sketch) in `lang`; falls back to the other
    language when that one is missing. Raises HintError when the exercise has no such hint."""
    if level not in LEVELS:
        raise HintError(f"level must be 1, 2 or 3, got {level}")
    table = texts(chapter, key)
    for lg in (lang, *(x for x in LANGS if x != lang)):
        text = table.get(f"{lg}{level}", "").strip()
        if text:
            return text
    raise HintError(f"no level-{level} hint for {chapter}.{key} in {path_for(chapter).name}")
