"""What a kit contributor touches: one exercise is four kinds of file, and nothing else.

The README's "Adding an exercise" walks through it; these tests prove its sentences.
"""

from __future__ import annotations

from dldrill.cli import main
from dldrill.paths import kit_root

ROOT = kit_root()


def test_mistakes_prints_each_mutant_with_its_description_and_tests(capsys):
    assert main(["mistakes", "ch08", "-k", "dropout"]) == 0
    out = capsys.readouterr().out
    assert "graders/ch08/test_regularization.py" in out
    assert "  ch08_dropout_active_in_eval\n" in out
    assert "dropout ignores `training`" in out
    assert "caught by: test_dropout_is_the_identity_in_eval" in out
    mutants = sorted(p.stem for p in (ROOT / "fixtures/submissions/mutants").glob("ch08_*.toml")
                     if "dropout" in p.read_text().split("\n", 1)[0].lower() or "dropout" in p.stem)
    assert all(f"  {name}\n" in out for name in mutants)
    assert out.rstrip().endswith(f"{out.count('caught by:')} mistakes")


def test_mistakes_refuses_an_unknown_chapter(capsys):
    assert main(["mistakes", "ch99"]) == 2
    assert "ch99" in capsys.readouterr().err
