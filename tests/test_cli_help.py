"""`dldrill --help` lists every command, every option has help text, and under the Korean
default all of it (argparse's own words included) is Korean (issue: the learner's loop)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest

from dldrill import commands
from dldrill.cli import build_parser, main
from dldrill.commands._help_ko import KO

HANGUL = re.compile(r"[가-힣]")


def _actions(parser: argparse.ArgumentParser, path: str = "dldrill"):
    for action in parser._actions:
        yield path, action
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield f"{path} {choice.dest}", choice
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{path} {name}")


def test_every_option_of_every_command_has_help_text_with_a_korean_translation():
    missing_help, missing_ko = [], []
    for path, action in _actions(build_parser("en")):
        if isinstance(action, argparse._SubParsersAction):
            continue
        if not action.help:
            missing_help.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
        elif action.help not in KO and action.option_strings != ["--version"]:
            missing_ko.append(action.help)
    assert not missing_help, f"options without help: {missing_help}"
    assert not missing_ko, "add these to dldrill/commands/_help_ko.py:\n" + "\n".join(missing_ko)


def test_dldrill_help_lists_every_command():
    text = build_parser("en").format_help()
    for name, _module in commands.modules():
        assert re.search(rf"^\s+{re.escape(name)}\b", text, re.M), name


def _help(*argv: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "dldrill", *argv], capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "DLDRILL_LANG": "ko"})
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("argv", [["--help"], ["report", "--help"], ["grade", "--help"]])
def test_help_under_the_korean_default_has_no_english_sentence(argv):
    text = _help(*argv)
    assert "사용법:" in text and "옵션" in text
    for line in text.splitlines():
        words = re.sub(r"`[^`]*`|\[[^\]]*\]|\{[^}]*\}|[\w./:<>-]*[./_<>:][\w./:<>-]*", " ", line)
        english = re.findall(r"\b[a-z]{3,}(?: [a-z]{3,}){2,}\b", words)
        assert not english, f"English under --lang ko: {line!r}"


def test_the_english_detector_sees_an_untranslated_help_line():
    line = "  --json                print the report as JSON"
    words = re.sub(r"`[^`]*`|\[[^\]]*\]|\{[^}]*\}|[\w./:<>-]*[./_<>:][\w./:<>-]*", " ", line)
    assert re.findall(r"\b[a-z]{3,}(?: [a-z]{3,}){2,}\b", words)


def test_a_usage_error_is_korean_under_the_korean_default(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--chapters", "--lang", "ko"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "오류" in err and "사용법:" in err and "error:" not in err


def test_english_help_stays_english():
    text = _help("report", "--help", "--lang", "en")
    assert "usage:" in text and "print the report as JSON" in text and not HANGUL.search(text)
