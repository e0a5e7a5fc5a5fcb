"""The hint files: every exercise has a nudge, an approach and a sketch in Korean and English,
and no sketch gives away a line of the answer key."""

from __future__ import annotations

import re

import pytest

from dldrill import catalog, hints
from dldrill.curriculum import CHAPTERS
from dldrill.paths import kit_root

HANGUL = re.compile(r"[\uac00-\ud7a3]")
EXERCISES = catalog.load()


@pytest.mark.parametrize("chapter", list(CHAPTERS))
def test_every_exercise_has_six_hints(chapter: str) -> None:
    exs = [e for e in EXERCISES if e.chapter == chapter]
    assert exs, f"{chapter} has no exercises in the catalog"
    problems = []
    for ex in exs:
        table = hints.texts(chapter, ex.hint_key)
        if not table:
            problems.append(f"{ex.id}: no [\"{ex.hint_key}\"] table in {hints.path_for(chapter).name}")
            continue
        for key in hints.KEYS:
            text = table.get(key, "").strip()
            if not text:
                problems.append(f"{ex.id}: {key} is missing or empty")
            elif key.startswith("ko") and not HANGUL.search(text):
                problems.append(f"{ex.id}: {key} has no Korean (Hangul) text")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("chapter", list(CHAPTERS))
def test_no_sketch_copies_a_solution_line(chapter: str) -> None:
    solutions = kit_root() / "solutions"
    if not solutions.is_dir():
        pytest.skip("no solutions/ in this copy of the kit (a released course)")
    copies = []
    for ex in (e for e in EXERCISES if e.chapter == chapter):
        table = hints.texts(chapter, ex.hint_key)
        lines = [ln.strip() for ln in catalog.solution_body(ex, solutions)]
        for key in ("ko3", "en3"):
            sketch = table.get(key, "")
            copies += [f"{ex.id} {key}: {ln!r}" for ln in lines if len(ln) > 40 and ln in sketch]
    assert not copies, "level-3 hints copy answer-key lines verbatim:\n" + "\n".join(copies)


def test_no_table_names_an_exercise_that_does_not_exist() -> None:
    ids = {e.id for e in EXERCISES}
    strays = [f"{c}.{key}" for c in CHAPTERS for key in hints.load(c) if f"{c}.{key}" not in ids]
    assert not strays, f"hint tables for no exercise (typo or renamed function?): {strays}"


def test_loader_reads_levels_falls_back_and_refuses(tmp_path, monkeypatch) -> None:
    (tmp_path / "ch99.toml").write_text(
        '["conv.f"]\nko1 = "넛지"\nen1 = "nudge"\nko2 = "접근"\nen3 = "sketch"\n', encoding="utf-8")
    (tmp_path / "ch98.toml").write_text('["x.f"\nko1 = ', encoding="utf-8")
    monkeypatch.setattr(hints, "FOLDER", tmp_path)
    hints.load.cache_clear()
    try:
        assert hints.get("ch99", "conv.f", 1, "ko") == "넛지"
        assert hints.get("ch99", "conv.f", 1, "en") == "nudge"
        assert hints.get("ch99", "conv.f", 2, "en") == "접근"  # no en2: the Korean one
        assert hints.get("ch99", "conv.f", 3, "ko") == "sketch"
        with pytest.raises(hints.HintError):
            hints.get("ch99", "conv.g", 1, "ko")
        with pytest.raises(hints.HintError):
            hints.get("ch99", "conv.f", 4, "ko")
        with pytest.raises(hints.HintError, match="not valid TOML"):
            hints.load("ch98")
        assert hints.load("ch97") == {}
    finally:
        hints.load.cache_clear()
