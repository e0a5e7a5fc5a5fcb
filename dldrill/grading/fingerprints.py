"""Which catalogued mistake a failed check's result is: the lookup side of mistake fingerprints.

Every catalogued mistake is a mutant (`fixtures/submissions/mutants/*.toml`). Graded on the
graders' fixed inputs (the `rng` fixture is seeded by the test's id), a mutant's failing check
returns one particular wrong value; `assert_close` puts that value's `digest` (shape, RMS and
fixed random projections, `dldrill.grading.diagnose`) on the failure; a learner's result that
equals it up to float rounding (the same mistake written another way) matches. The kit's builder
(`python -m dldrill.testing.fingerprints build`) grades every mutant and writes, per chapter,

    dldrill/fingerprints/chNN.json
    {"graders":  {"graders/ch01/test_losses.py": "<sha256 of the test file when built>"},
     "mistakes": {"ch01_mse_sum_not_mean": "mse sums the squared errors instead of ..."},
     "mistakes_ko": {"ch01_mse_sum_not_mean": "mse가 제곱 오차를 평균하지 않고 더합니다 ..."},
     "tests":    {"graders/ch01/test_losses.py::test_x[mse]": {"<digest>": ["ch01_..."]},
                  "exercises/ch01/test_losses.py::test_y": {...}}}

(`exercises/` keys: the same mutants run by the visible tests, `pytest exercises/chNN`.)

At grading time the trusted grading process computes the digest itself from the decoded value
(nothing the child says is believed) and `mistake_text` names the mistake, in Korean under the
Korean default (`mistakes_ko`, from each mutant's `description_ko`) and in English otherwise.
The tables hold only descriptions, never code, so they ship with every release (unlike the
mutant files).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from dldrill.grading.diagnose import same_value
from dldrill.paths import kit_root

Table = dict[str, Any]


def table_dir() -> Path:
    """Where the chapters' tables are: dldrill/fingerprints/."""
    return Path(__file__).resolve().parent.parent / "fingerprints"


def test_key(grader_file: str, test_id: str) -> str:
    """`graders/chNN/test_x.py::test_name[param]`: a grader test, whatever pytest's rootdir."""
    return f"{grader_file}::{test_id}"


ROOTS = ("graders", "exercises")  # the grader tests, and the visible tests in the kit's exercises/


def key_of(path: Path, nodeid: str) -> str | None:
    """The `test_key` of a collected test (None outside the kit's graders/ and exercises/)."""
    try:
        rel = Path(path).resolve().relative_to(kit_root()).as_posix()
    except ValueError:
        return None
    if rel.split("/")[0] not in ROOTS or "::" not in nodeid:
        return None
    return test_key(rel, nodeid.split("::", 1)[1])


@cache
def load(chapter: str) -> Table:
    """The chapter's table ({} when none was built or it cannot be read)."""
    path = table_dir() / f"{chapter}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def lookup(key: str, digest: str) -> list[str]:
    """The catalogued mutants whose failing check `key` returned the value with this `digest` (up
    to float rounding: `same_value`)."""
    parts = key.split("/")
    if not digest or len(parts) < 3 or parts[0] not in ROOTS:
        return []
    entries = load(parts[1]).get("tests", {}).get(key, {})
    if digest in entries:
        return list(entries[digest])
    names = [n for d, found in entries.items() if same_value(d, digest) for n in found]
    return sorted(dict.fromkeys(names))


def mistake_text(key: str, digest: str) -> str:
    """The description of the catalogued mistake a result matches ("" when none does); several
    mutants with one result are named together."""
    names = lookup(key, digest)
    if not names:
        return ""
    from dldrill import i18n

    table = load(key.split("/")[1])
    english = table.get("mistakes", {})
    korean = table.get("mistakes_ko", {}) if i18n.get_lang() == "ko" else {}
    shown = [str(korean.get(n) or english.get(n, n)) for n in names[:2]]
    more = f" (+{len(names) - 2})" if len(names) > 2 else ""
    return " / ".join(shown) + more
