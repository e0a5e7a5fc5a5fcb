"""The per-test record: one definition of its fields, where each one goes and how it is checked.

The pytest plugin makes one `TestRecord` per test and keeps it as a plain dict (`as_dict`; it is
what `--results-json` writes). The report's `tests[]` — and so a gradebook's `result.json` and
`feedback.md` — carry the fields marked `report` (`report_row`); the gradebook's `tests` table
has a column for each field with an SQL type (`SQL_COLUMNS`, `sql_columns()`). A report that
came back from a grading process is the submission's output as much as the kit's, so
`TestRecord.checked` validates and cleans each of its rows before anything stores or shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from dldrill.i18n import clean_text


def one_line(text: Any, limit: int = 2000) -> str:
    """Submission text for a single-line cell: control characters removed, line breaks and tabs
    as spaces, at most `limit` characters."""
    out = " ".join(clean_text("" if text is None else str(text)).split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _field(default: Any, check: str, *, report: bool = True, sql: str | None = None) -> Any:
    """A record field: `check` is how a grading process's value is cleaned ("text": control
    characters removed; "line": one line; "number": required; "seconds": a number or None),
    `report` whether the report carries it, `sql` its column type in the gradebook (None: none)."""
    return field(default=default, metadata={"check": check, "report": report, "sql": sql})


@dataclass
class TestRecord:
    """The result of one test (a grader's or a visible one)."""

    __test__ = False  # not a pytest test class

    nodeid: str = _field("", "text", sql="TEXT NOT NULL")
    chapter: str | None = _field(None, "text", sql="TEXT")
    module: str | None = _field(None, "text", sql="TEXT")
    kind: str | None = _field(None, "text", report=False)  # grader | visible | other
    item: str | None = _field(None, "text", sql="TEXT")  # the checklist item it counts for
    points: float = _field(0.0, "number", sql="REAL")
    earned: float = _field(0.0, "number", sql="REAL")
    outcome: str | None = _field(None, "text", sql="TEXT")  # passed failed todo skipped (not run)
    reason: str = _field("", "line", sql="TEXT")  # one line: why it failed or was skipped
    what: str = _field("", "text", sql="TEXT")  # the call or value checked
    expected: str = _field("", "text", sql="TEXT")
    got: str = _field("", "text", sql="TEXT")
    hint: str = _field("", "text", sql="TEXT")
    duration_s: float | None = _field(0.0, "seconds")
    cpu_s: float = _field(0.0, "seconds", report=False)  # CPU-seconds the submission used
    details: str = _field("", "text", report=False)  # the end of the learner's traceback
    mistake: str = _field("", "line", sql="TEXT")  # the catalogued mistake `got` matches
    got_digest: str = _field("", "line", sql="TEXT")  # fingerprint of `got` (shape + rounded values)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def checked(cls, raw: Mapping[str, Any]) -> TestRecord:
        """A report row from a grading process, cleaned; ValueError when a number is missing or
        the row has no nodeid."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if not f.metadata["report"]:
                continue
            value, check = raw.get(f.name), f.metadata["check"]
            if check == "text":
                values[f.name] = clean_text(str(value or ""))
            elif check == "line":
                values[f.name] = one_line(value)
            elif check == "number":
                if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
                    raise ValueError(f"tests[].{f.name} is not a number")
                values[f.name] = float(value)
            else:
                values[f.name] = value if isinstance(value, int | float) and not isinstance(
                    value, bool) else None
        if not values["nodeid"]:
            raise ValueError("a test without a nodeid")
        return cls(**values)

    def report_row(self) -> dict[str, Any]:
        return report_row(self.as_dict())


REPORT_FIELDS = tuple(f.name for f in fields(TestRecord) if f.metadata["report"])
SQL_COLUMNS = tuple(f.name for f in fields(TestRecord) if f.metadata["sql"])


def report_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `record` that the report's `tests[]` carries ("" for a missing one)."""
    return {k: record.get(k, "") for k in REPORT_FIELDS}


def sql_columns(indent: str = "    ") -> str:
    """The gradebook `tests` table's column definitions, one a line."""
    return ",\n".join(f"{indent}{f.name} {f.metadata['sql']}" for f in fields(TestRecord)
                      if f.metadata["sql"])


def sql_types() -> dict[str, str]:
    """{column: SQL type} of the gradebook's `tests` columns that a table made by an older kit may
    lack (nullable ones: `ALTER TABLE ... ADD COLUMN` adds them)."""
    return {f.name: f.metadata["sql"] for f in fields(TestRecord)
            if f.metadata["sql"] and "NOT NULL" not in f.metadata["sql"]}
