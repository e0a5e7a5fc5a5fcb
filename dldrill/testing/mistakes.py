"""The catalogue of common mistakes: the mutant files, printed on demand.

Each mistake a grader catches is recorded once, as a mutant in
`fixtures/submissions/mutants/chNN_*.toml` (its description, the edit that makes it and the grader
tests that must fail). Nothing else lists them: `dldrill mistakes [chNN ...] [-k TEXT]` (or
`python -m dldrill.testing.mistakes [chNN ...]`) prints them, grouped by grader file:

    graders/ch08/test_regularization.py
      ch08_dropout_active_in_eval
        dropout ignores `training`: it still drops (and rescales) in evaluation
        caught by: test_dropout_is_the_identity_in_eval
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from dldrill import i18n
from dldrill.curriculum import CHAPTERS
from dldrill.testing.mutants import Sample, load_samples


def catalogue(chapters: tuple[str, ...] = (), text: str = "",
              root: Path | None = None) -> list[Sample]:
    """The mutants of `chapters` (all when empty) whose name or description contains `text`
    (case-insensitive), by name."""
    wanted = text.lower()
    return [s for s in load_samples(root) if s.kind == "mutants"
            and (not chapters or s.chapters & set(chapters))
            and (wanted in s.name.lower() or wanted in s.description.lower()
                 or wanted in s.description_ko.lower())]


def caught_by(sample: Sample) -> str:
    """The grader tests a mutant must fail, as one line."""
    if sample.failed == ["*"]:
        return "every test of " + ", ".join(Path(g).name for g in sample.graders)
    return ", ".join(sorted(dict.fromkeys(sample.failed)))


def render(samples: list[Sample], width: int = 100) -> str:
    """The catalogue as text: one block per grader file, one entry per mistake."""
    groups: dict[str, list[Sample]] = {}
    for sample in samples:
        groups.setdefault(sample.graders[0] if sample.graders else "?", []).append(sample)
    out: list[str] = []
    for grader in sorted(groups):
        out.append(grader)
        for s in groups[grader]:
            out.append(f"  {s.name}")
            korean = i18n.get_lang() == "ko" and s.description_ko
            out.extend(textwrap.wrap(korean or s.description, width, initial_indent="    ",
                                     subsequent_indent="    "))
            caught = i18n.tr("잡아내는 검사", "caught by").render()
            out.extend(textwrap.wrap(f"{caught}: {caught_by(s)}", width, initial_indent="    ",
                                     subsequent_indent="      "))
    out.append(i18n.tr(f"실수 {len(samples)}개", f"{len(samples)} mistakes").render())
    return "\n".join(out)


if __name__ == "__main__":
    chosen = tuple(a for a in sys.argv[1:] if a in CHAPTERS)
    print(render(catalogue(chosen)))
