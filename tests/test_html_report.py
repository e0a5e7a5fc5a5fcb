"""`dldrill report --html`: one self-contained page, rendered by headless Chromium (Debian's
`chromium`): the page text holds the checklist, the chapters, every exercise with its hint use and
each failure with expected / got / hint and its mistake name; the screenshot is a real page."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from dldrill import i18n
from dldrill.catalog import Exercise
from dldrill.curriculum import CHAPTERS, CHECKLIST
from dldrill.html_report import render_html
from dldrill.progress import Progress
from dldrill.report import build_report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1200,2000"]


def _rec(module: str, outcome: str, n: int, **extra: str) -> dict:
    return {"nodeid": f"graders/ch04/test_{module}.py::test_{module}_{n}", "chapter": "ch04",
            "module": module, "kind": "grader", "item": "cnn-cifar10", "points": 2.0,
            "earned": 2.0 if outcome == "passed" else 0.0, "outcome": outcome,
            "reason": extra.pop("reason", f"TODO(ch04.{module}.build)" if outcome == "todo" else ""),
            "what": "", "expected": "", "got": "", "hint": "", "duration_s": 0.1, **extra}


def _page(lang: str) -> str:
    records = [_rec("conv", "passed", 0), _rec("conv", "passed", 1), _rec("cnn", "todo", 0),
               _rec("residual", "failed", 0, reason="wrong values", what="residual_block(x)",
                    expected="(2, 8, 5, 5) 블록 출력 <b>x + F(x)</b>", got="F(x) 만",
                    hint="지름길(skip) 연결을 더했나요?", mistake="skip 연결 누락 (mutant ch04-17)")]
    report = build_report(records, ROOT / "exercises", ["ch04"], mode="sandbox", device="cpu",
                          duration=2.5, confinement={})
    exercises = [Exercise("ch04", "conv", "conv2d_naive", ROOT / "exercises/ch04/conv.py"),
                 Exercise("ch04", "cnn", "build", ROOT / "exercises/ch04/cnn.py"),
                 Exercise("ch04", "residual", "residual_block", ROOT / "exercises/ch04/residual.py")]
    progress = Progress(passed={"ch04.conv.conv2d_naive": "2026-12-05T23:59:01Z"},
                        hints={"ch04.conv.conv2d_naive": 2})
    before = i18n.get_lang()
    i18n.set_lang(lang)
    try:
        return render_html(report, exercises, progress)
    finally:
        i18n.set_lang(before)


def test_the_page_asks_for_nothing_from_the_network():
    page = _page("ko")
    assert not re.search(r"<(script|link|img|iframe|object)\b|@import|url\(|\bsrc=|\bhref=", page)
    assert "Content-Security-Policy" in page and "<svg" in page
    assert "&lt;b&gt;x + F(x)&lt;/b&gt;" in page  # text from a submission is escaped


def _chromium(tmp: Path, page: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args,
                           page.as_uri()], capture_output=True, text=True, timeout=120)


def _png_is_a_real_page(png: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values of the pixel data) of a PNG, decoded with zlib."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, i = b"", 8
    while i < len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        if kind == b"IDAT":
            idat += data[i + 8:i + 8 + n]
        i += 12 + n
    pixels = zlib.decompress(idat)
    return width, height, len(set(pixels))


def _page_text(html: str, lang: str) -> None:
    """What a page in `lang` must say (checked on the DOM Chromium built, or on the source)."""
    text = re.sub(r"<[^>]+>", " ", html)
    ko = lang == "ko"
    for item in CHECKLIST:
        assert (item.ko if ko else item.en).replace("&", "&amp;") in text
    for c in CHAPTERS.values():
        assert (c.ko if ko else c.en)[:20].replace("&", "&amp;") in text
    assert "✓ ch04.conv 2/2" in text and "✗ ch04.residual 0/1" in text
    for exercise in ("ch04.conv.conv2d_naive", "ch04.cnn.build", "ch04.residual.residual_block"):
        assert exercise in text
    assert ("2단계까지" if ko else "up to level 2") in text  # hint use from the progress file
    assert ("힌트를 본 연습 문제 1개 / 3개" if ko else "hints used on 1 of 3 exercises") in text
    assert "skip 연결 누락 (mutant ch04-17)" in text  # the mistake's name
    for label, value in ((i18n.EXPECTED, "&lt;b&gt;x + F(x)&lt;/b&gt;"), (i18n.GOT, "F(x) 만"),
                         (i18n.HINT, "지름길(skip) 연결을 더했나요?")):
        assert i18n.render(label, lang) in text and value in text


def test_the_english_page_says_it_in_english():
    _page_text(_page("en"), "en")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium (apt-get install chromium)")
def test_chromium_renders_the_page(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(_page("ko"), encoding="utf-8")
    dom = _chromium(tmp_path, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    _page_text(dom.stdout, "ko")
    shot = tmp_path / "shot.png"
    run = _chromium(tmp_path, page, f"--screenshot={shot}")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    width, height, distinct = _png_is_a_real_page(shot)
    assert (width, height) == (1200, 2000) and distinct > 40 and shot.stat().st_size > 30_000


def test_dldrill_report_html_writes_the_page_with_the_learners_hint_use(tmp_path):
    import sys

    sub = tmp_path / "sub"
    shutil.copytree(ROOT / "exercises" / "ch01", sub / "ch01")
    (sub / ".dldrill").mkdir()
    (sub / ".dldrill" / "progress.txt").write_text("ch01.perceptron.step hints=2\n")
    out = tmp_path / "out.html"
    proc = subprocess.run([sys.executable, "-m", "dldrill", "report", "--lang", "ko", "--chapters",
                           "ch01", "--submission", str(sub), "--html", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"HTML 리포트: {out}" in proc.stderr
    page = out.read_text(encoding="utf-8")
    assert "<code>ch01.perceptron.step</code>" in page and "TODO (아직 작성 전)" in page
    assert "2단계까지" in page and "힌트를 본 연습 문제 1개 /" in page
    assert "퍼셉트론, 활성화 함수 이해" in page and "<svg" in page
