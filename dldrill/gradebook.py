"""The instructor's gradebook: `DIR/gradebook.sqlite` (stdlib sqlite3) and its CSV export.

One row per submission in `submissions` (keyed by `key`: the submission id, or for a duplicate
id the id plus its position, so that a duplicate never replaces the first submission's row) and
one row per grader test in `tests` (its columns are `dldrill.records.TestRecord`'s). Each
submission is written in one transaction.

Two CSV files are made from it for people: `gradebook.csv` (`export_csv`: per submission a short
status code with its message in its own column, total, and points with the maximum for each
checklist item and chapter) and `gradebook_canvas.csv` (`export_canvas_csv`: the columns Canvas's
gradebook import reads, one assignment column per graded chapter and a "Points Possible" row).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

from dldrill.curriculum import CHAPTERS, CHECKLIST
from dldrill.records import SQL_COLUMNS, one_line, sql_columns, sql_types

SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS submissions (
    key TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT,
    graders_hash TEXT,
    kit_version TEXT,
    options TEXT,
    status TEXT NOT NULL,
    total_points REAL,
    max_points REAL,
    percent REAL,
    items TEXT,
    chapters TEXT,
    duration_s REAL,
    graded_at TEXT
);
CREATE TABLE IF NOT EXISTS tests (
    submission TEXT NOT NULL REFERENCES submissions(key) ON DELETE CASCADE,
{sql_columns()},
    PRIMARY KEY (submission, nodeid)
);
"""

SUBMISSION_COLUMNS = ("key", "id", "path", "content_hash", "graders_hash", "kit_version", "options",
                      "status", "total_points", "max_points", "percent", "items", "chapters",
                      "duration_s", "graded_at")
TEST_COLUMNS = SQL_COLUMNS
GRADED = "graded"


def csv_cell(value: Any) -> Any:
    """A CSV cell: numbers as they are, text on one line and never read as a spreadsheet formula."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f"{value:g}"
    text = one_line(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


class Gradebook:
    """The SQLite gradebook in one folder; used from one thread."""

    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite3.connect(str(path), isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(SCHEMA_SQL)
        have = {row[1] for row in self.db.execute("PRAGMA table_info(tests)")}
        for name, sql_type in sql_types().items():  # a gradebook from before a record field
            if name not in have:
                self.db.execute(f"ALTER TABLE tests ADD COLUMN {name} {sql_type}")

    def close(self) -> None:
        self.db.close()

    def previous(self) -> dict[str, dict]:
        """Every submission row, by key."""
        cur = self.db.execute(f"SELECT {', '.join(SUBMISSION_COLUMNS)} FROM submissions")
        return {row[0]: dict(zip(SUBMISSION_COLUMNS, row, strict=True)) for row in cur}

    def forget_duplicates(self, ids: set[str]) -> None:
        """Removes the duplicate-id rows a previous run left for these ids."""
        with self._transaction():
            for sid in ids:
                self.db.execute("DELETE FROM submissions WHERE id = ? AND key != id", (sid,))

    def write(self, row: dict, tests: list[dict] | None) -> None:
        """Writes one submission's row and (when given) replaces its test rows, in one transaction."""
        values = [row.get(c) for c in SUBMISSION_COLUMNS]
        with self._transaction():
            self.db.execute(
                f"INSERT OR REPLACE INTO submissions ({', '.join(SUBMISSION_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(SUBMISSION_COLUMNS))})", values)
            if tests is not None:
                self.db.execute("DELETE FROM tests WHERE submission = ?", (row["key"],))
                self.db.executemany(
                    f"INSERT OR REPLACE INTO tests (submission, {', '.join(TEST_COLUMNS)}) "
                    f"VALUES (?, {', '.join('?' * len(TEST_COLUMNS))})",
                    [(row["key"], *(t.get(c) for c in TEST_COLUMNS)) for t in tests])

    def _transaction(self) -> _Tx:
        return _Tx(self.db)

    def tests_of(self, key: str) -> list[dict]:
        cur = self.db.execute(f"SELECT {', '.join(TEST_COLUMNS)} FROM tests WHERE submission = ? "
                              "ORDER BY rowid", (key,))
        return [dict(zip(TEST_COLUMNS, r, strict=True)) for r in cur]

    def item_maxima(self) -> dict[str, dict[str, float]]:
        """key -> {checklist item or chapter: the points it could earn}: the sum of its tests'
        points, tests not verifiable here (skipped) left out, as the report counts them."""
        out: dict[str, dict[str, float]] = {}
        cur = self.db.execute(
            "SELECT submission, item, chapter, SUM(points) FROM tests WHERE outcome != 'skipped' "
            "OR outcome IS NULL GROUP BY submission, item, chapter")
        for key, item, chapter, points in cur:
            per = out.setdefault(key, {})
            for name in (item, chapter):
                if name:
                    per[name] = per.get(name, 0.0) + (points or 0.0)
        return out

    def export_csv(self) -> str:
        """The gradebook as CSV text: one row per submission — id, path, `status` (a short code,
        see `status_code`), `message` (the rest of the status), total, max_points, percent, then
        for each checklist item and each chapter its points and `<name>_max` (empty when the
        submission was not graded), duration_s, graded_at."""
        rows = sorted(self.previous().values(), key=lambda r: (r["id"], r["key"]))
        maxima = self.item_maxima()
        names = [i.id for i in CHECKLIST] + list(CHAPTERS)
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(["id", "path", "status", "message", "total", "max_points", "percent",
                      *(h for n in names for h in (n, f"{n}_max")), "duration_s", "graded_at"])
        for r in rows:
            earned = {**_json_dict(r["items"]), **_json_dict(r["chapters"])}
            graded = r["status"] == GRADED
            most = maxima.get(r["key"], {})
            code, message = status_code(r["status"])
            cells: list[Any] = []
            for n in names:
                cells += [earned.get(n), most.get(n, 0.0) if graded and n in earned else None]
            out.writerow([csv_cell(r["id"]), csv_cell(r["path"]), code, csv_cell(message),
                          csv_cell(r["total_points"]), csv_cell(r["max_points"]),
                          csv_cell(r["percent"]), *(csv_cell(c) for c in cells),
                          csv_cell(r["duration_s"]), csv_cell(r["graded_at"])])
        return buf.getvalue()

    def write_exports(self, folder: Path) -> None:
        """Writes `gradebook.csv` and `gradebook_canvas.csv` into `folder` (see `write_private`)."""
        write_private(folder / "gradebook.csv", self.export_csv())
        write_private(folder / "gradebook_canvas.csv", self.export_canvas_csv())

    def export_canvas_csv(self) -> str:
        """The gradebook in the layout of Canvas's gradebook import (Grades → Import): the
        columns Student, ID, SIS User ID, SIS Login ID, Section, then one assignment column per
        chapter graded in this gradebook (`dldrill ch01`), a "Points Possible" row under the
        header, and one row per graded submission, its id as Student and SIS Login ID (name
        submissions by the learners' Canvas login ids). Submissions that were not graded (and
        duplicate ids) are left out, so an import never overwrites a grade with a blank."""
        rows = sorted((r for r in self.previous().values() if r["status"] == GRADED),
                      key=lambda r: r["id"])
        maxima = self.item_maxima()
        earned = {r["key"]: _json_dict(r["chapters"]) for r in rows}
        chapters = [c for c in CHAPTERS if any(c in e for e in earned.values())]
        possible = {c: max((maxima.get(r["key"], {}).get(c, 0.0) for r in rows
                            if c in earned[r["key"]]), default=0.0) for c in chapters}
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                      *(f"dldrill {c}" for c in chapters)])
        out.writerow(["Points Possible", "", "", "", "", *(csv_cell(possible[c]) for c in chapters)])
        for r in rows:
            sid = csv_cell(r["id"])
            out.writerow([sid, "", "", sid, "", *(csv_cell(earned[r["key"]].get(c))
                                                  for c in chapters)])
        return buf.getvalue()


def _json_dict(text: str | None) -> dict[str, float]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# The status codes of gradebook.csv's `status` column, by the prefix of a row's full status.
STATUS_CODES = (("graded", "graded"), ("duplicate id", "duplicate_id"), ("rejected", "rejected"),
                ("unreadable", "unreadable"), ("not a submission", "not_a_submission"),
                ("error", "error"))


def status_code(status: str | None) -> tuple[str, str]:
    """(code, message) of a row's status: `rejected: zip member escapes …` is ("rejected", "zip
    member escapes …"); a status no code names is ("error", the whole status)."""
    text = status or ""
    for prefix, code in STATUS_CODES:
        if text == prefix or text.startswith(prefix + ":"):
            return code, text[len(prefix):].lstrip(": ").strip()
    return "error", text


class _Tx:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on an exception."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")


def write_private(path: Path, text: str) -> None:
    """Writes `text` to `path` atomically and without following a link: a fresh file created
    exclusively next to it (O_NOFOLLOW), then renamed over the old name (a rename replaces a link
    itself, never its target)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def private_dir(path: Path) -> Path:
    """Makes `path` a real folder (never a link to one) and returns it."""
    try:
        os.mkdir(path, 0o755)
    except FileExistsError:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            raise NotADirectoryError(f"{path} exists and is not a folder") from None
    return path
