"""Forgiving chapter names everywhere a learner types one (issue: the learner's loop)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dldrill.chapters import ChapterError, missing_chapter_path, normalize, parse
from dldrill.cli import main
from dldrill.paths import kit_root


@pytest.mark.parametrize("typed", ["ch4", "CH04", "4", "04", "ch04", " Ch4 ", "chapter 4"])
def test_every_spelling_of_a_chapter_means_it(typed):
    assert normalize(typed) == "ch04"


def test_a_list_is_deduplicated_and_in_curriculum_order():
    assert parse("4,ch1, CH04 ch2") == ["ch01", "ch02", "ch04"]


@pytest.mark.parametrize("typed, near", [("ch11", "ch10"), ("chh3", "ch03")])
def test_a_chapter_that_does_not_exist_says_did_you_mean_and_lists_the_ten(typed, near):
    with pytest.raises(ChapterError) as err:
        parse(typed)
    text = str(err.value)
    assert near in text and "ch01" in text and "ch10" in text and len(text.splitlines()) == 11


def test_report_with_a_wrong_chapter_is_a_usage_error_in_the_learners_language(capsys):
    assert main(["report", "--chapters", "ch11", "--lang", "ko"]) == 2
    err = capsys.readouterr().err
    assert "없는 장입니다" in err and "ch10" in err


def test_a_pytest_path_with_a_misspelt_chapter_folder_is_explained():
    assert "exercises/ch04" in missing_chapter_path(["exercises/ch4"])
    assert missing_chapter_path(["exercises/ch04"]) is None  # exists: pytest handles it
    proc = subprocess.run([sys.executable, "-m", "pytest", "exercises/ch11", "-q"], cwd=kit_root(),
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DLDRILL_LANG": "en"})
    assert proc.returncode == 4  # a usage error, not a crash and not "no tests ran"
    assert "there is no chapter 'ch11'" in proc.stderr and "ch10" in proc.stderr


def test_sync_check_in_a_learners_repository_does_not_suggest_a_useless_command(tmp_path, capsys,
                                                                                monkeypatch):
    (tmp_path / "exercises").mkdir()  # a released course: exercises/, no solutions/
    monkeypatch.setenv("DLDRILL_ROOT", str(tmp_path))
    assert main(["sync", "--check", "--lang", "en"]) == 0
    err = capsys.readouterr().err
    assert "no solutions/" in err and "run `dldrill sync`" not in err
