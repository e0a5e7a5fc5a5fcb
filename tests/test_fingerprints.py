"""Mistake fingerprints: a failed check whose result is what a catalogued mutant returns names it.

The tables (dldrill/fingerprints/chNN.json) are built by `python -m dldrill.testing.fingerprints
build`; here: they agree with the mutant files, and a real ch01 mistake, graded through the
sandbox, is named in the terminal and in the record.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dldrill.grading import fingerprints
from dldrill.paths import kit_root
from dldrill.testing.mutants import load_samples, materialize

MUTANTS = {s.name: s for s in load_samples() if s.kind == "mutants"}
TABLES = sorted(fingerprints.table_dir().glob("ch*.json"))


def test_there_is_a_table_for_ch01_and_it_names_mistakes():
    assert fingerprints.table_dir() / "ch01.json" in TABLES
    table = fingerprints.load("ch01")
    assert sum(len(v) for v in table["tests"].values()) >= 40


@pytest.mark.parametrize("path", TABLES, ids=[p.stem for p in TABLES])
def test_every_entry_names_an_existing_mutant_of_its_chapter(path):
    table = json.loads(path.read_text(encoding="utf-8"))
    chapter = path.stem
    for name in table["mistakes"]:
        assert name in MUTANTS, f"{path.name}: {name} has no mutant file; rebuild {chapter}"
    for key, by_digest in table["tests"].items():
        test_file, test_id = key.split("::", 1)
        root, file_chapter = test_file.split("/")[:2]
        assert root in ("graders", "exercises") and file_chapter == chapter, key
        assert (kit_root() / test_file).is_file(), key
        assert test_id.split("[")[0] in (kit_root() / test_file).read_text(), key
        for digest, names in by_digest.items():
            assert ":" in digest and names, key
            for name in names:
                assert name in table["mistakes"], (key, name)
                sample = MUTANTS[name]
                if root == "graders":  # a grader test the mutant must fail
                    assert test_file in sample.graders, (key, name)
                    assert sample.failed == ["*"] or test_id in sample.failed, (key, name)


def test_the_tables_ship_with_a_release_and_need_no_kit_tooling():
    """A release leaves out dldrill/testing/ and the mutant files: the lookup needs neither."""
    from dldrill.release import _kit_files

    shipped = _kit_files(kit_root())
    assert all(f"dldrill/fingerprints/{p.name}" in shipped for p in TABLES)
    assert "from dldrill.testing" not in Path(fingerprints.__file__).read_text()


def test_lookup_names_the_mistake_and_nothing_else():
    table = fingerprints.load("ch01")
    key, by_digest = next(iter(table["tests"].items()))
    digest, names = next(iter(by_digest.items()))
    assert fingerprints.lookup(key, digest) == names
    from dldrill import i18n

    i18n.set_lang("en")
    assert table["mistakes"][names[0]] in fingerprints.mistake_text(key, digest)
    i18n.set_lang("ko")
    assert table["mistakes_ko"][names[0]] in fingerprints.mistake_text(key, digest)
    assert fingerprints.mistake_text(key, "3:0000000000000000") == ""
    assert fingerprints.mistake_text("graders/ch01/test_nothing.py::test_x", digest) == ""
    assert fingerprints.mistake_text(key, "") == ""
    grader = kit_root() / "graders" / "ch01" / "test_losses.py"
    assert fingerprints.key_of(grader, "graders/ch01/test_losses.py::test_a[mse]") == \
        "graders/ch01/test_losses.py::test_a[mse]"
    assert fingerprints.key_of(kit_root() / "exercises" / "ch01" / "test_losses.py",
                               "exercises/ch01/test_losses.py::test_a") == \
        "exercises/ch01/test_losses.py::test_a"
    assert fingerprints.key_of(Path("/tmp/elsewhere/ch01/test_losses.py"), "x::test_a") is None


def _grade(submission: Path, out: Path) -> tuple[str, list[dict]]:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "graders/ch01/test_losses.py", "--submission",
         str(submission), "--results-json", str(out), "-p", "no:cacheprovider", "-q"],
        cwd=kit_root(), capture_output=True, text=True, timeout=300,
        env=dict(os.environ, DLDRILL_LANG="en"))
    return proc.stdout, json.loads(out.read_text())["tests"]


def test_a_real_ch01_mistake_is_named_through_the_sandbox(tmp_path):
    """mse that sums instead of averaging (a catalogued mutant), graded as a learner's code is
    (`dldrill report`, sandboxed): the grading process fingerprints the decoded value and names the
    mistake in the text report and in the JSON's tests[]."""
    sample = MUTANTS["ch01_mse_sum_not_mean"]
    sub = materialize(sample, tmp_path / "sub")
    proc = subprocess.run(
        [sys.executable, "-m", "dldrill", "report", "--submission", str(sub), "--chapters", "ch01",
         "-k", "losses", "--lang", "en", "--json-out", str(tmp_path / "r.json")],
        cwd=kit_root(), capture_output=True, text=True, timeout=300)
    records = json.loads((tmp_path / "r.json").read_text())["tests"]
    failed = [r for r in records if r["outcome"] == "failed"]
    assert {r["nodeid"].split("::")[1] for r in failed} == set(sample.failed)
    for r in failed:
        assert r["mistake"] == sample.description and r["got_digest"], r
    assert f"a catalogued mistake: {sample.description}" in proc.stdout, proc.stdout[-3000:]
    # and in the terminal of `pytest graders/...`
    stdout, _ = _grade(sub, tmp_path / "g.json")
    assert "this is what a catalogued mistake returns: " + sample.description in stdout


def test_an_uncatalogued_mistake_is_not_named(tmp_path):
    """mse times 3 is wrong but no mutant returns it: the failure names no mistake."""
    sample = MUTANTS["ch01_mse_sum_not_mean"]
    sub = materialize(sample, tmp_path / "sub")
    losses = sub / "ch01" / "losses.py"
    losses.write_text(losses.read_text().replace("return float(np.sum(diff**2))",
                                                 "return float(3 * np.mean(diff**2))"))
    stdout, records = _grade(sub, tmp_path / "r.json")
    failed = [r for r in records if r["outcome"] == "failed"]
    assert failed and all(r["got_digest"] and not r["mistake"] for r in failed)
    assert "catalogued mistake" not in stdout


def test_the_visible_tests_name_softmax_without_the_max_shift(tmp_path):
    """`pytest exercises/ch01` on a softmax that skips the max shift: the visible test's failure
    says which catalogued mistake returns exactly that."""
    sample = MUTANTS["ch01_softmax_no_max_shift"]
    sub = materialize(sample, tmp_path / "sub")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "exercises/ch01/test_activations.py", "--submission",
         str(sub), "-p", "no:cacheprovider", "-q", "-W", "ignore::RuntimeWarning"],
        cwd=kit_root(), capture_output=True, text=True, timeout=300,
        env=dict(os.environ, DLDRILL_LANG="en"))
    assert "1 failed" in proc.stdout, proc.stdout[-3000:]
    assert "this is what a catalogued mistake returns: " + sample.description in proc.stdout


def test_the_same_mistake_written_another_way_is_named(tmp_path):
    """A flipped-kernel convolution written with F.conv2d (float32 sums in another order than the
    catalogued mutant's loops): its result matches up to rounding, so the mistake is named."""
    import shutil

    from dldrill.paths import solutions_root

    sub = tmp_path / "sub"
    shutil.copytree(solutions_root() / "ch04", sub / "ch04",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with (sub / "ch04" / "conv.py").open("a") as f:
        f.write("\n\ndef conv2d_naive(x, weight, bias=None, stride=1, padding=0):\n"
                "    import torch.nn.functional as F\n"
                "    return F.conv2d(x, weight.flip(2, 3), bias, stride=stride, padding=padding)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "exercises/ch04/test_conv.py", "--submission", str(sub),
         "-p", "no:cacheprovider", "-q"],
        cwd=kit_root(), capture_output=True, text=True, timeout=300,
        env=dict(os.environ, DLDRILL_LANG="en"))
    assert "1 failed" in proc.stdout, proc.stdout[-3000:]
    described = MUTANTS["ch04_conv_flipped_kernel"].description
    assert "this is what a catalogued mistake returns: " + described in proc.stdout, proc.stdout


def test_a_gradebook_from_before_the_new_record_fields_gains_their_columns(tmp_path):
    import sqlite3

    from dldrill.gradebook import SCHEMA_SQL, SUBMISSION_COLUMNS, Gradebook

    old_schema = SCHEMA_SQL.replace("    mistake TEXT,\n", "").replace("    got_digest TEXT,\n", "")
    assert old_schema != SCHEMA_SQL
    db = sqlite3.connect(tmp_path / "g.db")
    db.executescript(old_schema)
    db.close()
    book = Gradebook(tmp_path / "g.db")
    row = {c: "x" for c in SUBMISSION_COLUMNS} | {"key": "s1"}
    book.write(row, [{"nodeid": "graders/ch01/test_a.py::t", "mistake": "m", "got_digest": "d"}])
    assert list(book.db.execute("SELECT mistake, got_digest FROM tests")) == [("m", "d")]
    book.close()


def test_every_catalogued_mistake_has_a_korean_description():
    missing = [n for n, s in MUTANTS.items() if not re.search(r"[가-힣]", s.description_ko)]
    assert not missing, f"add description_ko to fixtures/submissions/mutants/: {missing[:10]}"


@pytest.mark.parametrize("path", TABLES, ids=[p.stem for p in TABLES])
def test_the_tables_descriptions_are_the_mutant_files(path):
    table = json.loads(path.read_text(encoding="utf-8"))
    for name, text in table["mistakes"].items():
        sample = MUTANTS[name]
        fix = f"run `python -m dldrill.testing.fingerprints describe --chapters {path.stem}`"
        assert text == sample.description, fix
        assert table.get("mistakes_ko", {}).get(name, "") == sample.description_ko, fix
