"""Bilingual (Korean/English) text for learner-facing messages.

`tr(ko, en)` builds a `Text` that renders in the language chosen with `--lang ko|en`
(or the `DLDRILL_LANG` environment variable); Korean is the default, as in the curriculum.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

LANGS = ("ko", "en")
_state = {"lang": os.environ.get("DLDRILL_LANG", "ko") if os.environ.get("DLDRILL_LANG") in LANGS else "ko"}


def set_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"--lang must be one of {LANGS}, got {lang!r}")
    _state["lang"] = lang
    os.environ["DLDRILL_LANG"] = lang


def get_lang() -> str:
    return _state["lang"]


@dataclass(frozen=True)
class Text:
    """A message in both languages; `str()` renders the current one."""

    ko: str
    en: str

    def render(self, lang: str | None = None) -> str:
        return self.ko if (lang or get_lang()) == "ko" else self.en

    def format(self, **kw: object) -> Text:
        return Text(self.ko.format(**kw), self.en.format(**kw))

    def __str__(self) -> str:
        return self.render()


def tr(ko: str, en: str) -> Text:
    """A learner-facing text: `tr("힌트", "hint")`."""
    return Text(ko, en)


def render(text: Text | str | None, lang: str | None = None) -> str:
    if text is None:
        return ""
    return text.render(lang) if isinstance(text, Text) else str(text)


# Labels shared by every message, so that all graders speak the same way.
EXPECTED = tr("기대값", "expected")
GOT = tr("실제값", "got")
HINT = tr("힌트", "hint")


_CONTROL = {c: None for c in range(32) if chr(c) not in "\n\t"}
_CONTROL.update({c: None for c in range(0x7F, 0xA0)})
_CONTROL.update({c: None for c in (0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                   0x2066, 0x2067, 0x2068, 0x2069)})


def clean_text(text: str) -> str:
    """Text that came from a submission, safe to print: no control characters (escape
    sequences that repaint a terminal, carriage returns that hide a line, bidi overrides) and
    nothing unencodable (a lone surrogate becomes U+FFFD instead of crashing a writer)."""
    text = str(text).translate(_CONTROL)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text
