"""`dldrill report` on untouched stubs answers from `dldrill/stub_manifest.json` without starting
pytest or a framework: at most 5x the CPU-seconds of a bare `import torch` measured in the same
run; the manifest matches the graders and the stubs; a touched chapter runs for real; the
recalled records are the ones a real run gives."""

from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from dldrill import stub_manifest
from dldrill.curriculum import CHAPTERS

ROOT = Path(__file__).resolve().parent.parent
REGENERATE = "regenerate it: python -m dldrill.stub_manifest --write"


def _manifest() -> dict:
    manifest = stub_manifest.load()
    assert manifest, f"dldrill/stub_manifest.json is missing; {REGENERATE}"
    return manifest


def test_the_manifest_is_up_to_date_with_the_graders_and_the_stubs():
    manifest = _manifest()
    in_kit = [c for c in CHAPTERS if (ROOT / "graders" / c).is_dir()]
    assert sorted(manifest["chapters"]) == sorted(in_kit), REGENERATE
    collected = {t["nodeid"]: t for t in stub_manifest.collect(ROOT, in_kit)}
    for c in in_kit:
        entry = manifest["chapters"][c]
        assert entry["graders"] == stub_manifest.grader_hashes(ROOT / "graders", c), (
            f"graders/{c} changed; {REGENERATE}")
        assert entry["stubs"] == stub_manifest.stub_hashes(ROOT / "exercises" / c), (
            f"exercises/{c} changed; {REGENERATE}")
        for t in entry["tests"]:
            now = collected.pop(t["nodeid"], None)
            assert now is not None, f"{t['nodeid']} is gone; {REGENERATE}"
            assert {k: now[k] for k in now if k != "chapter"} == {k: t[k] for k in now
                                                                  if k != "chapter"}, REGENERATE
            tag = re.search(r"TODO\(([\w.]+)\)", t["reason"])
            if t["outcome"] == "todo":  # the stub function the test reaches is still a stub
                parts = tag.group(1).split(".")
                stub = ROOT / "exercises" / parts[0] / f"{parts[1]}.py"
                assert f'"TODO({tag.group(1)})"' in stub.read_text(), (t["nodeid"], REGENERATE)
    assert not collected, f"new grader tests {sorted(collected)[:3]}; {REGENERATE}"


def _cpu_wall(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime), wall


def test_report_on_untouched_stubs_costs_at_most_5x_a_bare_torch_import():
    """Paired in this test: CPU-seconds (what a busy machine inflates least) within 5x; the wall
    ratio is in the message (benchmarks/bench.py --stubs-only reports both, median of 3)."""
    torch_cpu, torch_wall = _cpu_wall([sys.executable, "-c", "import torch"])
    report_cpu, report_wall = _cpu_wall([sys.executable, "-m", "dldrill", "report"])
    cpu_ratio, wall_ratio = report_cpu / torch_cpu, report_wall / torch_wall
    assert cpu_ratio <= 5.0, (f"CPU {report_cpu:.2f} / {torch_cpu:.2f} s = {cpu_ratio:.2f} x; "
                              f"wall {report_wall:.2f} / {torch_wall:.2f} s = {wall_ratio:.2f} x")


def _report_json(sub: Path, *args: str) -> tuple[dict, str]:
    proc = subprocess.run([sys.executable, "-m", "dldrill", "report", "--json", "--submission",
                           str(sub), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout), proc.stderr


def _key(report: dict) -> list[tuple]:
    return sorted((t["nodeid"], t["module"], t["item"], t["points"], t["outcome"], t["reason"])
                  for t in report["tests"])


def test_recalled_records_are_a_real_runs_and_a_touched_chapter_runs(tmp_path):
    sub = tmp_path / "sub"
    for c in ("ch01", "ch05"):
        shutil.copytree(ROOT / "exercises" / c, sub / c)
    recalled, _ = _report_json(sub, "--chapters", "ch01,ch05")
    assert all(t["duration_s"] == 0 for t in recalled["tests"])  # nothing ran
    # a comment added to one ch01 file: ch01 runs for real (what its checks cost), ch05 does not;
    # the code is still the stubs', so a real run's records are the recalled ones
    path = sub / "ch01" / "losses.py"
    path.write_text(path.read_text() + "\n# my notes\n")
    touched, _ = _report_json(sub, "--chapters", "ch01,ch05", "--inprocess")
    ch01 = [t for t in touched["tests"] if t["chapter"] == "ch01"]
    ch05 = [t for t in touched["tests"] if t["chapter"] == "ch05"]
    assert ch01 and all(t["duration_s"] > 0 for t in ch01)  # ran
    assert ch05 and all(t["duration_s"] == 0 for t in ch05)  # recalled
    assert _key(touched) == _key(recalled)
    assert touched["checklist"] == recalled["checklist"] and touched["total"] == recalled["total"]


def test_what_this_machine_lacks_is_decided_when_the_report_runs(monkeypatch):
    """Recalled records skip as a real run would here: without TensorFlow every ch02 check is
    not verifiable (with the install command); with the data sets present, ch09's data checks
    have no recalled outcome, so ch09 runs for real."""
    import importlib.util

    manifest = _manifest()
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorflow" else real_find_spec(name, *a))
    ch02 = stub_manifest.records(manifest, "ch02")
    assert ch02 and all(r["outcome"] == "skipped" and r["reason"].startswith(
        "not verifiable here: tensorflow is not installed (run: pip install -c constraints.txt")
        for r in ch02)
    monkeypatch.setattr(importlib.util, "find_spec", real_find_spec)
    chapters = ["ch05", "ch09"]
    assert stub_manifest.untouched_chapters(ROOT / "exercises", chapters, ROOT / "graders",
                                            manifest) == chapters
    monkeypatch.setattr(stub_manifest, "_missing", lambda resource: "")
    assert stub_manifest.untouched_chapters(ROOT / "exercises", chapters, ROOT / "graders",
                                            manifest) == ["ch05"]
