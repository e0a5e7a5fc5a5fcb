"""Forgiving chapter names: `ch1`, `CH01`, `4`, `ch04.conv` all mean what a learner meant.

    parse("ch1,4")   -> ["ch01", "ch04"]
    parse("ch11")    -> ChapterError: "ch11"은 없는 장입니다 … 장은 ch01–ch10 …

Used by every command that takes `--chapters` and by the pytest plugin when a path names a
chapter folder that does not exist (`pytest exercises/ch11`). Light on purpose: no NumPy, no
torch; only the curriculum table.
"""

from __future__ import annotations

import difflib
import re

from dldrill import i18n
from dldrill.curriculum import CHAPTERS

_FORM = re.compile(r"^\s*(?:ch(?:apter)?)?\s*0*(\d{1,3})\s*$", re.IGNORECASE)


class ChapterError(ValueError):
    """A chapter name that means no chapter; its message (bilingual) lists the ten."""


def chapter_list() -> str:
    """`ch01 퍼셉트론… · ch02 …`: the chapters, one line each, in the current language."""
    return "\n".join(f"  {c.id}  {i18n.render(i18n.tr(c.ko, c.en))}" for c in CHAPTERS.values())


def normalize(token: str) -> str:
    """`ch1` / `CH01` / `4` / `chapter 4` → `ch04`; ChapterError for anything else."""
    match = _FORM.match(token)
    if match:
        cid = f"ch{int(match.group(1)):02d}"
        if cid in CHAPTERS:
            return cid
    guess = difflib.get_close_matches(token.strip().lower(), list(CHAPTERS), n=1, cutoff=0.6)
    near = (i18n.tr(f" {guess[0]}을(를) 말씀하신 건가요?", f" Did you mean {guess[0]}?")
            if guess else i18n.tr("", ""))
    first, last = next(iter(CHAPTERS)), list(CHAPTERS)[-1]
    raise ChapterError(i18n.render(i18n.tr(
        f"'{token.strip()}'은(는) 없는 장입니다.{near.ko} 장은 {first}–{last} 열 개입니다:\n",
        f"there is no chapter '{token.strip()}'.{near.en} The ten chapters are {first}–{last}:\n",
    )) + chapter_list())


def parse(spec: str | None, present: list[str] | None = None) -> list[str]:
    """`--chapters` → chapter ids in curriculum order, without repeats. `None` or "" → `present`
    (or all). A chapter missing from `present` (no graders in this kit) is a ChapterError."""
    present = list(CHAPTERS) if present is None else present
    if not spec or not spec.strip():
        return list(present)
    wanted = {normalize(tok) for tok in re.split(r"[,\s]+", spec) if tok.strip()}
    missing = [c for c in CHAPTERS if c in wanted and c not in present]
    if missing:
        raise ChapterError(i18n.render(i18n.tr(
            f"이 키트에는 {', '.join(missing)}의 채점기가 없습니다 (있는 장: {', '.join(present)})",
            f"no graders for {', '.join(missing)} in this kit (available: {', '.join(present)})")))
    return [c for c in CHAPTERS if c in wanted]


def missing_chapter_path(args: list[str]) -> str | None:
    """For `pytest exercises/ch11` (a chapter folder that does not exist): the message that
    explains the ten chapters, instead of pytest's bare "file or directory not found"."""
    from pathlib import Path

    for arg in args:
        path = arg.split("::", 1)[0]
        parts = Path(path).parts
        if not parts or Path(path).exists():
            continue
        for i, part in enumerate(parts):
            if re.fullmatch(r"(?i)ch(?:apter)?\d+", part) and not Path(*parts[: i + 1]).exists():
                try:
                    good = normalize(part)
                except ChapterError as err:
                    return str(err)
                fixed = str(Path(*parts[:i], good, *parts[i + 1:]))
                return i18n.render(i18n.tr(f"'{path}' 폴더가 없습니다. '{fixed}'을(를) 말씀하신 건가요?",
                                           f"no folder '{path}'. Did you mean '{fixed}'?"))
    return None
