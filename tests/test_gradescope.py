"""`dldrill grade --gradescope` on a fake /autograder tree (DLDRILL_AUTOGRADER_ROOT): a folder, a
zip and an unusable submission, each into results.json to Gradescope's specification."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dldrill import i18n
from dldrill.gradescope import gradescope_tests, submission_source
from dldrill.paths import exercises_root, solutions_root

SELECT = "softmax or step"  # a few ch01 checks: fast, and enough to tell passed from failed
TEST_KEYS = {"name", "number", "score", "max_score", "status", "output", "visibility"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
IGNORE = shutil.ignore_patterns("__pycache__")


def _autograde(root: Path, *extra: str) -> dict:
    (root / "results").mkdir(parents=True, exist_ok=True)
    res = subprocess.run([sys.executable, "-m", "dldrill", "grade", "--gradescope", "--chapters", "ch01",
                          "-k", SELECT, "--lang", "en", *extra], capture_output=True, text=True,
                         env={**os.environ, "DLDRILL_AUTOGRADER_ROOT": str(root)}, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def _check_spec(results: dict) -> None:
    """The fields Gradescope reads, with the types and values its specification allows."""
    assert set(results) == {"score", "execution_time", "output", "visibility", "tests"}
    assert "leaderboard" not in results
    assert isinstance(results["score"], int | float) and isinstance(results["execution_time"], int)
    assert results["visibility"] in VISIBILITY
    for t in results["tests"]:
        assert set(t) == TEST_KEYS
        assert t["status"] in ("passed", "failed") and t["visibility"] in VISIBILITY
        assert 0 <= t["score"] <= max(t["max_score"], t["score"])


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    return root


def test_folder_submission(tree):
    shutil.copytree(solutions_root() / "ch01", tree / "submission" / "ch01", ignore=IGNORE)
    broken = tree / "submission" / "ch01" / "activations.py"
    broken.write_text(broken.read_text().replace("x - np.max(x, axis=axis, keepdims=True)", "x"))
    results = _autograde(tree)
    _check_spec(results)
    tests = {t["name"]: t for t in results["tests"]}
    assert tests and all(name.startswith("ch01.") for name in tests)
    numbers = [t["number"] for t in results["tests"]]
    assert numbers == [f"1.{i}" for i in range(1, len(numbers) + 1)]
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all(t["score"] == 0 < t["max_score"] for t in failed)
    stable = tests["ch01.activations · test_softmax_huge_logits_are_stable"]
    assert stable["status"] == "failed" and "expected" in stable["output"]
    passed = [t for t in results["tests"] if t["status"] == "passed"]
    assert passed and all(t["score"] == t["max_score"] > 0 and t["output"] == "" for t in passed)
    assert results["score"] == sum(t["score"] for t in results["tests"])
    assert results["output"].startswith(f"Total: {results['score']:g}/")
    # --hidden-detail reason: the one-line reason, no expected/got/hint
    record = {"nodeid": "graders/ch01/test_x.py::test_y", "chapter": "ch01", "module": "x",
              "points": 2.0, "earned": 0.0, "outcome": "failed", "reason": "wrong value",
              "what": "f(x)", "expected": "1.0", "got": "2.0", "hint": "look again"}
    report = {"tests": [record]}
    before = i18n.get_lang()
    i18n.set_lang("en")
    try:
        assert gradescope_tests(report, "reason")[0]["output"] == "wrong value"
        assert gradescope_tests(report, "full")[0]["output"] == (
            "f(x)\nexpected: 1.0\ngot: 2.0\nhint: look again")
    finally:
        i18n.set_lang(before)


def test_zip_submission_and_stubs(tree, tmp_path):
    shutil.copytree(exercises_root() / "ch01", tmp_path / "src" / "exercises" / "ch01", ignore=IGNORE)
    with zipfile.ZipFile(tree / "submission" / "work.zip", "w") as zf:
        for f in sorted((tmp_path / "src").rglob("*")):
            zf.write(f, f.relative_to(tmp_path / "src").as_posix())
    assert submission_source(tree / "submission") == tree / "submission" / "work.zip"
    results = _autograde(tree, "--hidden-detail", "reason")
    _check_spec(results)
    assert results["score"] == 0 and results["tests"]
    assert all(t["status"] == "failed" and t["output"].startswith("not implemented yet: TODO(ch01.")
               for t in results["tests"])


def test_unusable_submission_is_a_message_not_a_crash(tree):
    (tree / "submission" / "notes.txt").write_text("no code here")
    results = _autograde(tree, "--hidden-detail", "reason")
    _check_spec(results)
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("not a submission")


def test_grade_needs_submissions_and_out_without_gradescope(tmp_path):
    res = subprocess.run([sys.executable, "-m", "dldrill", "grade", "--chapters", "ch01"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 2 and "--gradescope" in res.stderr


def test_notebook_submission(tree):
    """A chapter notebook (`dldrill notebook ch01`) uploaded as is goes through the same intake."""
    made = subprocess.run([sys.executable, "-m", "dldrill", "notebook", "ch01", "--out",
                           str(tree / "submission")], capture_output=True, text=True)
    assert made.returncode == 0 and (tree / "submission" / "ch01.ipynb").is_file(), made.stderr
    results = _autograde(tree)
    _check_spec(results)
    assert results["score"] == 0 and results["tests"]
    assert all(t["output"].startswith("not implemented yet: TODO(ch01.") for t in results["tests"])
