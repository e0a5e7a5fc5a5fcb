"""The text report (`dldrill report`): what would make a check verifiable, honest progress per
item, Korean all the way under --lang ko, and columns that line up in display width.

Built from hand-made records through `build_report` (milliseconds), plus one real run of
`dldrill report` on the untouched stubs and of the visible tests' terminal summary."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dldrill import i18n
from dldrill.curriculum import CHAPTERS, CHECKLIST
from dldrill.render import render_text, width
from dldrill.report import build_report

ROOT = Path(__file__).resolve().parent.parent
DATA_SKIP = ("not verifiable here: the cifar10 data set is not cached "
             "(run: dldrill data fetch cifar10)")
GPU_SKIP = ("not verifiable here: no CUDA GPU (use --device cuda on one) "
            "(run: pytest graders --device cuda on a machine with an NVIDIA GPU)")
PKG_SKIP = ("not verifiable here: tensorflow is not installed "
            "(run: pip install -c constraints.txt -e '.[tf]')")


def _rec(chapter: str, module: str, item: str, outcome: str, n: int = 0, points: float = 2.0,
         reason: str = "", **detail: str) -> dict:
    return {"nodeid": f"graders/{chapter}/test_{module}.py::test_{module}_{n}", "chapter": chapter,
            "module": module, "kind": "grader", "item": item, "points": points,
            "earned": points if outcome == "passed" else 0.0, "outcome": outcome,
            "reason": reason or ("" if outcome != "todo" else f"TODO({chapter}.{module}.f)"),
            "what": detail.get("what", ""), "expected": detail.get("expected", ""),
            "got": detail.get("got", ""), "hint": detail.get("hint", ""), "duration_s": 0.1,
            "mistake": detail.get("mistake", "")}


def conv_written() -> list[dict]:
    """ch04.conv written and passing, the rest of ch04 TODO, ch09's CIFAR-10 check without data,
    one AMP check without a GPU, one ch02 check without TensorFlow, one ch03 failure."""
    recs = [_rec("ch04", "conv", "cnn-cifar10", "passed", i) for i in range(4)]
    recs += [_rec("ch04", m, "cnn-cifar10", "todo", i) for m in ("cnn", "residual", "vgg", "augment")
             for i in range(2)]
    recs += [_rec("ch09", "cifar_project", "cnn-cifar10", "todo"),
             _rec("ch09", "cifar_project", "cnn-cifar10", "skipped", 1, 5.0, DATA_SKIP),
             _rec("ch09", "training_tricks", "mixed-precision", "skipped", 0, 3.0, GPU_SKIP),
             _rec("ch02", "sequential", "keras-apis", "skipped", 0, 2.0, PKG_SKIP),
             _rec("ch02", "sequential", "keras-apis", "skipped", 1, 2.0, PKG_SKIP),
             _rec("ch03", "mlp", "pytorch-loop", "failed", 0, 2.0, "wrong shape",
                  what="mlp(x)", expected="모양 (4, 3)", got="모양 (3, 4)",
                  hint="전치했나요?", mistake="가중치를 전치하지 않음")]
    return recs


def _report(records: list[dict]) -> dict:
    return build_report(records, ROOT / "exercises", ["ch02", "ch03", "ch04", "ch09"],
                        mode="sandbox", device="cpu", duration=1.25, confinement={})


@pytest.fixture(params=["ko", "en"])
def lang(request):
    before = i18n.get_lang()
    i18n.set_lang(request.param)
    yield request.param
    i18n.set_lang(before)


def test_each_missing_thing_is_shown_once_with_its_command(lang):
    text = render_text(_report(conv_written()))
    for command in ("dldrill data fetch cifar10", "pip install -c constraints.txt -e '.[tf]'",
                    "dldrill report --device cuda"):
        assert text.count(f"→ {command}") == 2, (command, text)  # under its item and in the list
    section = text.split(i18n.render(i18n.tr("확인하려면 (이 컴퓨터에 없는 것)",
                                             "To verify the rest (missing on this machine)")))[1]
    assert section.count("→ ") == 3
    assert ("2 checks, 4 pts" if lang == "en" else "채점 2개, 4점") in section  # the two ch02 checks


def test_progress_per_item_is_by_exercise_module_not_a_percentage(lang):
    report = _report(conv_written())
    row = next(r for r in report["checklist"] if r["id"] == "cnn-cifar10")
    assert [(m["module"], m["status"]) for m in row["modules"]] == [
        ("conv", "done"), ("cnn", "not_started"), ("residual", "not_started"),
        ("vgg", "not_started"), ("augment", "not_started"), ("cifar_project", "not_started")]
    text = render_text(report)
    line = next(ln for ln in text.splitlines() if "ch04.conv" in ln)
    assert "✓ ch04.conv 4/4  ☐ ch04.cnn 0/2" in line
    label = row["ko" if lang == "ko" else "en"]
    item_line = next(ln for ln in text.splitlines() if label in ln).split(label, 1)[1]
    assert "%" not in item_line  # no percentage that reads as progress on accuracy
    assert ("1/6 modules done" if lang == "en" else "모듈 1/6 완료") in item_line
    assert re.search(r"\? ch09\.cifar_project: .*→ dldrill data fetch cifar10", text)
    failed = next(r for r in report["checklist"] if r["id"] == "pytorch-loop")
    assert [m["status"] for m in failed["modules"]] == ["failed"]
    assert "✗ ch03.mlp 0/1" in render_text(report)


def status_columns(text: str) -> set[int]:
    """The display column where each checklist row's status starts (after the padded label)."""
    return {width(m.group(1)) for ln in text.splitlines()
            if (m := re.match(r"^( +\d+ [☑◐☐·?✗-] .*?  +)\S", ln))}


def bar_columns(text: str) -> set[int]:
    """The display column where each chapter's progress bar starts."""
    return {width(ln[:m.start()]) for ln in text.splitlines()
            if re.match(r"^  ch\d\d ", ln) and (m := re.search(r"[█░]{10}|·{10}", ln))}


def test_columns_line_up_in_display_width(lang):
    text = render_text(_report(conv_written()))
    rows = [ln for ln in text.splitlines() if re.match(r"^ +\d+ [☑◐☐·?✗-] ", ln)]
    assert len(rows) == len(CHECKLIST)
    assert len(status_columns(text)) == 1, status_columns(text)
    assert len(bar_columns(text)) == 1, bar_columns(text)
    assert len([ln for ln in text.splitlines() if re.match(r"^  ch\d\d ", ln)]) == len(CHAPTERS)


# -- Korean all the way --------------------------------------------------------------------------
# Words that are names, not English prose: technical names and tags a Korean text keeps.
ALLOWED = {"TODO", "cpu", "cuda", "CUDA", "GPU", "CPU", "mnist", "cifar10", "tensorflow", "onnx",
           "kiwipiepy", "transformers", "dldrill", "pytest", "pip", "passed", "failed"} - {
    "passed", "failed"}
_COMMAND = re.compile(r"(?:dldrill|pip|pytest|python) [^·()→—]*")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[./:\[\]'\"=<>-]+[\w.\[\]'\"<>/-]*)+")


def english_fragments(text: str) -> list[str]:
    """Latin words in `text` that are not a command, a path, an identifier, a curriculum title
    or an allowed technical name: English left in a Korean text."""
    for title in [i.ko for i in CHECKLIST] + [c.ko for c in CHAPTERS.values()]:
        text = text.replace(title, " ")
    text = _COMMAND.sub(" ", text)
    text = re.sub(r"ch\d\d/\w+\.py: [\w., ]+", " ", text)  # a file's functions to write
    text = re.sub(r"\b[A-Za-z_][\w.]*\([^)]*\)", " ", text)  # a call: mlp(x)
    text = re.sub(r"(?:/[\w.+-]+)+/?", " ", text)  # paths
    text = _NAME.sub(" ", text)  # ch04.conv, test_x[1], TODO(ch01.a.b), '.[tf]'
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]*", text)  # ch04 or cifar10 is a name, not prose
    return [w for w in words if w not in ALLOWED and not re.search(r"[\d_]", w)]


def test_the_english_detector_finds_english():
    assert english_fragments("합계: 0/63 passed (0 passed, 29 TODO)") == ["passed", "passed"]
    assert english_fragments("모드 sandbox · 장치 cpu · 3/4 pts") == ["sandbox", "pts"]
    assert english_fragments("→ dldrill data fetch mnist · ch04.conv ✓ · test_conv2d[1]") == []


def test_synthetic_report_is_korean_under_ko():
    before = i18n.get_lang()
    i18n.set_lang("ko")
    try:
        text = render_text(_report(conv_written()), full=True)
    finally:
        i18n.set_lang(before)
    assert "8/24점" in text and "(통과 4, TODO 8, 실패 0)" in text
    assert not english_fragments(text), english_fragments(text)


def test_report_and_visible_summary_on_stubs_are_korean(tmp_path):
    sub = tmp_path / "sub"
    for c in ("ch01", "ch05", "ch09"):
        shutil.copytree(ROOT / "exercises" / c, sub / c)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DLDRILL_LANG": "ko"}
    proc = subprocess.run([sys.executable, "-m", "dldrill", "report", "--lang", "ko", "--submission",
                           str(sub), "--chapters", "ch01,ch05,ch09"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + "\n" + proc.stderr
    # untouched stubs are not run (dldrill/stub_manifest.json answers for them)
    assert re.search(r"ch05: 손대지 않은 스텁 — TODO \d+, 확인 불가 0 \(실행 생략\)", proc.stderr)
    assert "통과" in out and "TODO" in out
    bad = english_fragments(out)
    assert not bad, (bad, out)
    vis = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--lang", "ko",
                          str(sub / "ch01" / "test_perceptron.py"), "--submission", str(sub)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    # the dldrill section of the terminal summary, up to pytest's own closing line
    section = vis.stdout.split(" dldrill ", 1)[1].split("\n", 1)[1].split("=====", 1)[0]
    assert "ch01: 통과 0, TODO" in section and "perceptron.py" in section
    bad = english_fragments(section)
    assert not bad, (bad, section)


def _tmux_lines(tmp_path: Path, text: str, columns: int) -> list[str]:
    """`text` printed in a real terminal (tmux) `columns` wide: the screen's lines, wrapped where
    the terminal itself found the line full."""
    import time

    src = tmp_path / "report.txt"
    src.write_text(text + "\nEND-OF-REPORT\n")
    # A server of its own for each call (a name never used before: a server just killed may
    # still hold its socket), with its socket folder in tmp_path.
    sock = f"dldrill-{os.getpid()}-{time.monotonic_ns()}"
    tmux = ["tmux", "-u", "-L", sock, "-f", "/dev/null"]
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "xterm-256color",
           "HOME": str(tmp_path), "TMUX_TMPDIR": str(tmp_path)}
    for attempt in range(3):  # "server exited unexpectedly" happens on a loaded machine
        started = subprocess.run([*tmux, "new-session", "-d", "-x", str(columns), "-y", "400",
                                  f"cat {src}; sleep 60"], env=env, timeout=30,
                                 capture_output=True, text=True)
        if started.returncode == 0:
            break
        time.sleep(0.5 * (attempt + 1))
    assert started.returncode == 0, started.stderr
    try:
        for _ in range(600):  # up to a minute: the suite's own grading may load the cores
            shown = subprocess.run([*tmux, "capture-pane", "-p", "-S", "-", "-E", "-"],
                                   capture_output=True, text=True, env=env, timeout=30).stdout
            if "END-OF-REPORT" in shown:
                return shown.splitlines()
            time.sleep(0.1)
        raise AssertionError("tmux never showed the report")
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, timeout=30, check=False)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")
def test_columns_line_up_in_a_real_terminal(tmp_path):
    """A pane exactly as wide as the padded label column: a terminal that counts Hangul as two
    cells wraps every row right where its status starts (and every chapter row at its bar)."""
    before = i18n.get_lang()
    i18n.set_lang("ko")
    try:
        text = render_text(_report(conv_written()))
    finally:
        i18n.set_lang(before)
    for columns, pattern in ((status_columns(text).pop(), r"^( +\d+ [☑◐☐·?✗-] .*?  +)\S"),
                             (bar_columns(text).pop(), r"^(  ch\d\d .*?  +)[█░·]{10}")):
        rows = [m for ln in text.splitlines() if (m := re.match(pattern, ln))]
        assert len(rows) >= 10
        screen = _tmux_lines(tmp_path, text, columns)
        for m in rows:
            first, rest = m.group(1).rstrip(), m.string[len(m.group(1)):]
            i = screen.index(next(s for s in screen if s.rstrip() == first))
            assert screen[i + 1].startswith(rest[:8]), (columns, screen[i:i + 2], rest[:8])


def test_no_colour_when_piped_and_colour_on_a_terminal(monkeypatch):
    from io import StringIO

    from dldrill.render import print_report

    text = render_text(_report(conv_written()))
    piped = StringIO()
    print_report(text, file=piped)
    assert piped.getvalue() == text + "\n"  # plain, and no line re-wrapped

    class Tty(StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    tty = Tty()
    print_report(text, file=tty)
    assert "\x1b[" in tty.getvalue() and re.sub(r"\x1b\[[0-9;]*m", "", tty.getvalue()) == text + "\n"


def test_a_long_check_shows_its_progress_on_a_terminal(monkeypatch):
    """`dldrill report` on a terminal: a check that runs for seconds (training) shows its name
    and the seconds so far while it runs."""
    import time
    from io import StringIO

    from dldrill.report import LONG_CHECK_S, _Collector

    err = StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    i18n_before = i18n.get_lang()
    i18n.set_lang("ko")
    try:
        collector = _Collector(show_progress=True, live=True)
        collector.chapter, collector.total = "ch09", 35
        collector.pytest_runtest_logstart("graders/ch09/test_mnist_project.py::test_trains", None)
        collector.current_start -= LONG_CHECK_S + 4
        deadline = time.monotonic() + 30
        while "test_trains" not in err.getvalue() and time.monotonic() < deadline:
            time.sleep(0.1)
        collector.finished.set()
    finally:
        i18n.set_lang(i18n_before)
    assert re.search(r"ch09 … 0/35 · test_trains \d+초 실행 중", err.getvalue()), err.getvalue()


def test_the_report_and_feedback_name_the_functions_to_write(lang):
    from dldrill.render import feedback_markdown

    records = [_rec("ch04", "cnn", "cnn-cifar10", "todo", 0, reason="TODO(ch04.cnn.SimpleCNN.forward)"),
               _rec("ch04", "cnn", "cnn-cifar10", "todo", 1, reason="TODO(ch04.cnn.build_vgg)"),
               _rec("ch04", "conv", "cnn-cifar10", "todo", 0, reason="TODO(ch04.conv.conv2d_naive)")]
    report = _report(records)
    text = render_text(report)
    section = text.split("TODO" + ("에서 멈춘 곳)" if lang == "ko" else ")"), 1)[1]
    assert "  ch04/conv.py: conv2d_naive\n  ch04/cnn.py: SimpleCNN.forward, build_vgg" in section
    feedback = feedback_markdown("alice", "graded", report, "full")
    assert "ch04.cnn: " in feedback and "`SimpleCNN.forward`, `build_vgg`" in feedback
    assert ("작성할 함수" if lang == "ko" else "functions to write") in feedback
    failed = feedback_markdown("bob", "graded", _report(conv_written()), "full")
    assert ": ` 가중치를 전치하지 않음 `" in failed  # the catalogued mistake, as code
