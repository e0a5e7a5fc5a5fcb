"""The instructor's gradebook: `DIR/gradebook.sqlite` (stdlib sqlite3) and its CSV export.

One row per submission in `submissions` (keyed by `key`: the submission id, or for a duplicate
id the id plus its position, so that a duplicate never replaces the first submission's row) and
one row per grader test in `tests` (its columns are `dldrill.records.TestRecord`'s). Each
submission is written in one transaction.
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
from dldrill.records import SQL_COLUMNS, one_line, sql_columns

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

    def export_csv(self) -> str:
        """The gradebook as CSV text: one row per submission, per-item and per-chapter points."""
        rows = sorted(self.previous().values(), key=lambda r: (r["id"], r["key"]))
        items = [i.id for i in CHECKLIST]
        chapters = list(CHAPTERS)
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(["id", "path", "status", "total", "max_points", "percent", *items,
                      *chapters, "duration_s", "graded_at"])
        for r in rows:
            per_item = json.loads(r["items"]) if r["items"] else {}
            per_ch = json.loads(r["chapters"]) if r["chapters"] else {}
            out.writerow([csv_cell(r["id"]), csv_cell(r["path"]), csv_cell(r["status"]),
                          csv_cell(r["total_points"]), csv_cell(r["max_points"]),
                          csv_cell(r["percent"]),
                          *(csv_cell(per_item.get(i)) for i in items),
                          *(csv_cell(per_ch.get(c)) for c in chapters),
                          csv_cell(r["duration_s"]), csv_cell(r["graded_at"])])
        return buf.getvalue()


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
