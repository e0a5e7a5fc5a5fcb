"""Graders are tested like products: every sample submission loses exactly what it should.

- mutants (one common mistake each) fail exactly the tests their TOML names, and pass the rest;
- alternatives (correct, written differently) keep every point;
- broken submissions (syntax error, missing module or name, wrong signature, infinite loop, hang at
  import, memory bomb) fail the affected tests with a one-line reason, leave the other modules'
  grades untouched, and the kit prints no traceback of its own.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from dldrill.paths import kit_root
from dldrill.testing.mutants import grader_test_id, load_samples, materialize
from dldrill.testing.runner import SampleRunner

SAMPLES = load_samples()
PARITY = "parity"  # the key of a parity sample's sandboxed run in the results


def _selected_samples(session: pytest.Session) -> list:
    """The samples this run needs: all of them, unless only some samples' own tests were
    selected (`pytest tests/test_samples.py -k ch09`)."""
    mine = [item for item in session.items if item.path.name == Path(__file__).name]
    chosen = [item.callspec.params["sample"] for item in mine
              if hasattr(item, "callspec") and "sample" in item.callspec.params]
    if len(chosen) < len(mine) or not chosen:
        return SAMPLES
    return chosen


@pytest.fixture(scope="session")
def graded(tmp_path_factory, request) -> dict[str, dict]:
    """Every sample graded once, in one batch: mutants and alternatives in forks of a
    pre-imported runner, broken and parity samples through the full sandbox, two at a time.
    (Only the selected ones when nothing else of this file runs.)"""
    runner = SampleRunner(jobs=2)
    futures = {}
    started = time.monotonic()
    samples = _selected_samples(request.session)
    try:
        for sample in samples:
            tmp = tmp_path_factory.mktemp(sample.name)
            try:
                sub = materialize(sample, tmp / "submission")
            except (ValueError, OSError) as err:  # that sample's test fails, not the batch
                failed: Future = Future()
                failed.set_exception(err)
                futures[sample.name] = failed
                continue
            files = sample.graders + sample.also_pass
            futures[sample.name] = runner.submit(sub, files, tmp / "results.json",
                                                 sample.pytest_args, sandbox=sample.sandbox)
            if sample.parity:
                futures[f"{sample.name}:{PARITY}"] = runner.submit(
                    sub, files, tmp / "sandboxed.json", sample.pytest_args, sandbox=True)
        results = {}
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except Exception as err:  # reported by that sample's own test
                results[name] = {"error": f"{type(err).__name__}: {err}"}
    finally:
        runner.close()
    wall = time.monotonic() - started
    print(f"\n{len(samples)} samples graded in {wall:.1f} s "
          f"({wall / max(1, len(samples)):.2f} s per sample, 2 jobs)")
    return results


def test_there_are_enough_samples():
    kinds = [s.kind for s in SAMPLES]
    chapters = {c for s in SAMPLES if s.kind == "mutants" for c in s.chapters}
    assert kinds.count("mutants") >= 12, "at least 12 mutants for ch01/ch03"
    assert kinds.count("alternatives") >= 2
    assert {"ch01", "ch03"} <= chapters


def test_every_grader_test_is_failed_by_some_mutant():
    """A grader that cannot fail is a defect: each grader test has a mutant that it catches."""
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "graders"],
                         cwd=kit_root(), capture_output=True, text=True, check=True).stdout
    collected = [line.strip().split("::", 1) for line in out.splitlines() if "::" in line]
    assert len(collected) >= 20, out[-2000:]
    # Tests that need data, hardware or a package (`needs`) are proved where those exist; the
    # ones this machine cannot run have tests of their own with a stand-in (a fake data cache).
    needs = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "needs",
                            "graders"], cwd=kit_root(), capture_output=True, text=True).stdout
    exempt = {tuple(line.strip().split("::", 1)) for line in needs.splitlines() if "::" in line}
    collected = [c for c in collected if tuple(c) not in exempt]
    killed = {(g, name) for s in SAMPLES if s.kind == "mutants"
              for g in s.graders for name in s.failed}
    killed |= {(g, "*") for s in SAMPLES if s.kind == "mutants" and s.failed == ["*"]
               for g in s.graders}
    missed = [f"{path}::{name}" for path, name in collected
              if (path, name) not in killed and (path, "*") not in killed]
    assert not missed, "grader tests that no mutant fails:\n  " + "\n  ".join(missed)


# The first test waits for the whole batch (the `graded` fixture).
@pytest.mark.timeout(1500)
@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{s.kind}/{s.name}" for s in SAMPLES])
def test_sample_loses_exactly_what_it_should(sample, graded):
    data = graded[sample.name]
    assert "error" not in data, data.get("error")
    records = data["tests"]
    assert records, data["stdout"][-2000:]
    # A test this machine cannot run ("not verifiable here": data, a GPU, a package) is left out.
    records = [r for r in records if not (r["outcome"] == "skipped"
                                          and (r["reason"] or "").startswith("not verifiable here"))]
    in_graders = [r for r in records if any(r["nodeid"].startswith(g) for g in sample.graders)]
    others = [r for r in records if r not in in_graders]
    if sample.kind == "attacks":  # what a student who read the kit tries earns nothing
        assert in_graders, data["stdout"][-2000:]
        earned = [f"{grader_test_id(r)}: {r['outcome']}" for r in in_graders
                  if r["earned"] > 0 and grader_test_id(r) not in sample.may_pass]
        assert not earned, f"{sample.description}\n  points earned by the attack:\n  " + "\n  ".join(earned)
        return
    failed = {grader_test_id(r) for r in in_graders if r["outcome"] != "passed"}
    expected = {grader_test_id(r) for r in in_graders} if sample.failed == ["*"] else set(sample.failed)
    assert failed == expected, (
        f"{sample.description}\n  expected to fail: {sorted(expected)}\n"
        f"  failed: {sorted(failed)}\n"
        + "\n".join(f"  {grader_test_id(r)}: {r['outcome']} {r['reason']}" for r in in_graders))
    for r in in_graders:
        if grader_test_id(r) in expected:
            assert r["outcome"] == "failed", (grader_test_id(r), r["outcome"], r["reason"])
            assert r["reason"] and "\n" not in r["reason"]
            if sample.reason:
                assert sample.reason in r["reason"], (grader_test_id(r), r["reason"])
    for r in others:
        assert r["outcome"] == "passed", (r["nodeid"], r["outcome"], r["reason"])
    lost = sum(r["points"] for r in in_graders if grader_test_id(r) in expected)
    assert sum(r["points"] - r["earned"] for r in records) == lost
    if sample.kind == "broken":
        assert "Traceback (most recent call last)" not in data["stdout"] + data["stderr"]


def test_one_infinite_loop_costs_one_full_call_timeout(graded):
    """After a module's call times out, its later tests get --repeat-timeout per call (and say so)."""
    sample = next(s for s in SAMPLES if s.name == "ch01_backward_infinite_loop")
    data = graded[sample.name]
    reasons = [r["reason"] for r in data["tests"] if r["outcome"] == "failed"
               and r["nodeid"].startswith(sample.graders[0])]
    assert len(reasons) >= 4
    assert "more than 4 CPU-seconds" in reasons[0] and "shortened" not in reasons[0]
    assert all("more than 1 CPU-seconds" in r and "limit shortened" in r for r in reasons[1:]), reasons


def _outcomes(data: dict) -> dict[str, tuple]:
    return {r["nodeid"]: (r["outcome"], r["points"], r["earned"]) for r in data["tests"]}


def test_parity_samples_grade_the_same_in_the_sandbox_and_in_process(graded):
    """One sample per chapter is graded both ways: the same records, test by test."""
    parity = [s for s in SAMPLES if s.parity]
    chapters = {c for s in SAMPLES for c in s.chapters}
    assert chapters <= {c for s in parity for c in s.chapters}, "a parity sample per chapter"
    for sample in parity:
        inprocess, sandboxed = graded[sample.name], graded[f"{sample.name}:{PARITY}"]
        assert inprocess["mode"] == "inprocess" and sandboxed["mode"] == "sandbox"
        assert _outcomes(inprocess) == _outcomes(sandboxed), sample.name
