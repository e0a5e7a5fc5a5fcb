"""`dldrill class-report DIR`: on a synthetic graded batch (benchmarks/bench_class_report.py's
`build`), the CSV and the HTML page say which checks failed most and which catalogued mistakes
were most common, and flag identical and near-identical submissions; the page, rendered in
headless Chromium, shows that text, fetches nothing, and is a real picture."""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dldrill.paths import kit_root

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _build():
    spec = importlib.util.spec_from_file_location(
        "bench_class_report", kit_root() / "benchmarks" / "bench_class_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    kinds = _build()(tmp, 12)
    proc = subprocess.run([sys.executable, "-m", "dldrill", "class-report", str(tmp / "out"),
                           "--lang", "en"], capture_output=True, text=True, cwd=kit_root(),
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((tmp / "out" / "class_report.csv").open()))
    return {"tmp": tmp, "kinds": kinds, "rows": rows,
            "html": (tmp / "out" / "class_report.html").read_text()}


def test_csv_failed_checks_mistakes_and_lookalikes(batch):
    rows, kinds = batch["rows"], batch["kinds"]
    failed = [r for r in rows if r["section"] == "failed_check"]
    assert [r["name"] for r in failed] == ["perceptron::test_step_values",
                                          "losses::test_cross_entropy_stable",
                                          "backprop::test_backward_matches_numeric"]
    assert [(r["count"], r["of"]) for r in failed] == [("7", "12"), ("4", "12"), ("2", "12")]
    mistakes = [(r["name"], r["count"]) for r in rows if r["section"] == "mistake"]
    assert mistakes[0] == ("step(0) = 0: strict > instead of >=", "4")
    identical = [set(r["submissions"].split()) for r in rows if r["section"] == "identical"]
    copies = {k for k, v in kinds.items() if v == "copy"} | {"s000"}
    assert copies in identical
    stubs = {k for k, v in kinds.items() if v == "stub"}
    assert not any(g <= stubs for g in identical)  # untouched stubs are alike, not copies
    near = [set(r["submissions"].split()) for r in rows if r["section"] == "near_identical"]
    renamed = {k for k, v in kinds.items() if v == "renamed"}
    assert all({"s000", k} in near for k in renamed)  # renaming and new comments do not hide it
    flagged = set().union(*near)
    assert not flagged & stubs and not flagged & {k for k, v in kinds.items() if v == "partial"}


def test_page_is_self_contained(batch):
    html = batch["html"]
    assert "<script" not in html and not re.search(r"\b(src|href)\s*=|url\(|@import", html)
    assert re.findall(r"https?://[^\"' ]+", html) == ["http://www.w3.org/2000/svg"]  # a name only


def _chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp / 'chromium'}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (the page test)")
def test_page_in_headless_chromium(batch):
    tmp, url = batch["tmp"], (batch["tmp"] / "out" / "class_report.html").as_uri()
    dom = _chromium(["--dump-dom", url], tmp).stdout
    for text in ("Class report", "Checks failed most, per chapter", "perceptron::test_step_values",
                 "7/12 (58%)", "step(0) = 0: strict &gt; instead of &gt;=", "Identical content",
                 "Near-identical code", "s000, s001", "<svg"):
        assert text in dom, text
    shot = tmp / "page.png"
    _chromium(["--screenshot=" + str(shot), "--window-size=1200,1600", url], tmp)
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1200, 1600)
        colors = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 50  # text, bars, table shading: not a blank page
    reds = sum(n for n, (r, g, b) in colors if r > 180 and g < 120 and b < 120)
    assert reds > 2000  # the failure bars were drawn


def test_hundred_submissions_within_budget(tmp_path):
    from dldrill.class_report import write_report

    _build()(tmp_path, 100)
    start = time.process_time()
    html, _ = write_report(tmp_path / "out")
    assert time.process_time() - start < 10  # CPU-seconds; the budget is 10 s
    assert "s099" in html.read_text()


def test_similarity_threshold(batch, tmp_path):
    from dldrill.class_report import analyse

    strict = analyse(batch["tmp"] / "out", threshold=0.99)
    renamed = {k for k, v in batch["kinds"].items() if v == "renamed"}
    assert strict.near and not any({a, b} & renamed for a, b, _, _ in strict.near)
    assert all(sim >= 0.99 for _, _, sim, _ in strict.near)


def test_a_real_batch_names_its_catalogued_mistake(tmp_path):
    """End to end: `dldrill grade` on the answer key and a strict-step mutant, then the class
    report names the mutant's catalogued mistake (the records' `mistake`) and the check it fails."""
    import io

    from dldrill.class_report import analyse
    from dldrill.grade import Settings, run_batch
    from dldrill.paths import solutions_root

    subs = []
    for name in ("alice", "bob"):
        shutil.copytree(solutions_root() / "ch01", tmp_path / name / "ch01",
                        ignore=shutil.ignore_patterns("__pycache__"))
        subs.append(tmp_path / name)
    step = tmp_path / "bob" / "ch01" / "perceptron.py"
    step.write_text(step.read_text().replace("(np.asarray(z) >= 0)", "(np.asarray(z) > 0)"))
    settings = Settings(out=tmp_path / "out", chapters=["ch01"], jobs=2, lang="en", timeout=300,
                        select="test_perceptron and (step_values or predict_one)")
    assert [o.row["status"] for o in run_batch(subs, settings, stream=io.StringIO())] == ["graded"] * 2
    ins = analyse(tmp_path / "out")
    [(mistake, who)] = ins.mistakes["ch01"]
    assert who == ["bob"] and "step(0) = 0" in mistake
    assert {c.name for c in ins.checks["ch01"]} >= {"perceptron::test_step_values_and_shapes"}
    assert all(c.who == ["bob"] for c in ins.checks["ch01"])
