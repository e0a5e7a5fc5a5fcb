"""The gradebook's CSV files for people: `gradebook.csv` (status code + message, points and maxima
per checklist item and chapter) and `gradebook_canvas.csv` (Canvas's gradebook import layout),
from a gradebook filled by hand (no grading: fast)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from dldrill.curriculum import CHAPTERS, CHECKLIST
from dldrill.gradebook import Gradebook, status_code


def _test(nodeid: str, item: str, points: float, earned: float, outcome: str) -> dict:
    return {"nodeid": nodeid, "chapter": "ch01", "module": "m", "item": item, "points": points,
            "earned": earned, "outcome": outcome, "reason": "", "what": "", "expected": "",
            "got": "", "hint": ""}


@pytest.fixture
def book(tmp_path):
    book = Gradebook(tmp_path / "gradebook.sqlite")
    base = {"path": "/in/x", "graded_at": "2026-01-01T00:00:00+00:00", "duration_s": 1.5}
    book.write({**base, "key": "alice", "id": "alice", "status": "graded", "total_points": 5.0,
                "max_points": 7.0, "percent": 71.4,
                "items": json.dumps({"perceptron-activation": 3.0, "backprop-gd": 2.0}),
                "chapters": json.dumps({"ch01": 5.0})},
               [_test("a1", "perceptron-activation", 3, 3, "passed"),
                _test("a2", "backprop-gd", 4, 2, "failed"),
                _test("a3", "backprop-gd", 9, 0, "skipped")])  # not verifiable: not in the max
    book.write({**base, "key": "bob", "id": "bob", "status": "graded", "total_points": 0.0,
                "max_points": 7.0, "percent": 0.0,
                "items": json.dumps({"perceptron-activation": 0.0, "backprop-gd": 0.0}),
                "chapters": json.dumps({"ch01": 0.0})},
               [_test("b1", "perceptron-activation", 3, 0, "todo"),
                _test("b2", "backprop-gd", 4, 0, "todo")])
    book.write({**base, "key": "evil", "id": "evil", "status": "rejected: =cmd| zip member escapes"},
               None)
    book.write({**base, "key": "alice~2", "id": "alice", "status": "duplicate id"}, None)
    yield book
    book.close()


def test_status_codes():
    assert status_code("graded") == ("graded", "")
    assert status_code("rejected: zip member escapes the folder: ../x") == (
        "rejected", "zip member escapes the folder: ../x")
    assert status_code("unreadable: no such file or folder") == ("unreadable", "no such file or folder")
    assert status_code("not a submission: no chNN/ folders") == ("not_a_submission", "no chNN/ folders")
    assert status_code("duplicate id") == ("duplicate_id", "")
    assert status_code("error: timed out after 5 s") == ("error", "timed out after 5 s")
    assert status_code("something new") == ("error", "something new")


def test_gradebook_csv_has_codes_messages_and_maxima(book):
    rows = list(csv.DictReader(io.StringIO(book.export_csv())))
    names = [i.id for i in CHECKLIST] + list(CHAPTERS)
    header = list(rows[0])
    assert header[:7] == ["id", "path", "status", "message", "total", "max_points", "percent"]
    assert header[7:-2] == [h for n in names for h in (n, f"{n}_max")]
    by_key = {(r["id"], r["status"]): r for r in rows}
    alice = by_key["alice", "graded"]
    assert alice["message"] == ""
    assert (alice["perceptron-activation"], alice["perceptron-activation_max"]) == ("3", "3")
    assert (alice["backprop-gd"], alice["backprop-gd_max"]) == ("2", "4")  # the skipped 9 left out
    assert (alice["ch01"], alice["ch01_max"]) == ("5", "7")
    assert alice["lora"] == alice["lora_max"] == ""  # not graded in this batch
    evil = by_key["evil", "rejected"]
    assert evil["message"] == "'=cmd| zip member escapes"  # never read as a formula
    assert evil["total"] == evil["ch01_max"] == ""
    assert by_key["alice", "duplicate_id"]["message"] == ""


def test_canvas_csv_layout(book, tmp_path):
    book.write_exports(tmp_path)
    assert (tmp_path / "gradebook.csv").read_text() == book.export_csv()
    lines = list(csv.reader((tmp_path / "gradebook_canvas.csv").open()))
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "dldrill ch01"]
    assert lines[1] == ["Points Possible", "", "", "", "", "7"]
    # Graded submissions only: a refused or duplicate one never overwrites a grade with a blank.
    assert lines[2:] == [["alice", "", "", "alice", "", "5"], ["bob", "", "", "bob", "", "0"]]
