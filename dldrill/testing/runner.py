"""Grading many sample submissions at the cost of a few: forks of one pre-imported process.

Importing pytest, NumPy and torch costs a second or two per process, more than most samples'
graders. `SampleRunner` starts the kit's fork server (`dldrill.forkserver`) with
`dldrill.testing.preload` imported once; every sample is then graded by `python -m pytest ...
--inprocess` run as a fresh fork of it (`dldrill.process.run_child`), `jobs` at a time: a fork
has clean `sys.modules` for the submission's `chNN` packages, and nothing survives from one
sample to the next.

That is safe for the kit's own mutants and alternatives (code we wrote). Broken samples,
attacks and one parity sample per chapter still go through the full sandbox, as `dldrill grade`
runs it: a grading process forked from the same server (without `--inprocess`), whose sandboxed
child is forked from it at configure time where that is safe (`SandboxBackend._may_fork`) and
started afresh otherwise. `run_sandboxed` runs pytest in a new process, as a learner's
`pytest graders --submission` would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from dldrill.forkserver import ForkServer
from dldrill.paths import kit_root
from dldrill.process import Running, run_child

_PYTEST_BASE = ["-q", "-p", "no:cacheprovider"]
FORKED_TIMEOUT = 1800.0  # wall seconds for one forked sample (its graders have CPU budgets)


def _args(submission: Path, grader_files: list[str], out_json: Path, extra: list[str]) -> list[str]:
    root = kit_root()
    return [*_PYTEST_BASE, *[str(root / g) for g in grader_files], "--submission",
            str(submission), "--results-json", str(out_json), *extra]


def _read(out_json: Path, stdout: str, stderr: str, code: int | None) -> dict:
    if not out_json.exists():
        raise RuntimeError(f"pytest wrote no results (exit {code}):\n{stdout[-3000:]}\n"
                           f"{stderr[-3000:]}")
    data = json.loads(out_json.read_text())
    data["stdout"], data["stderr"], data["returncode"] = stdout, stderr, code
    return data


def run_sandboxed(submission: Path, grader_files: list[str], out_json: Path,
                  extra: list[str] | None = None, timeout: float = 900) -> dict:
    """`pytest <grader files> --submission ...` in a new process, sandbox and all."""
    cmd = [sys.executable, "-m", "pytest", *_args(submission, grader_files, out_json, extra or [])]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=kit_root(), capture_output=True, text=True, timeout=timeout)
    data = _read(out_json, proc.stdout, proc.stderr, proc.returncode)
    data["wall_s"] = round(time.monotonic() - started, 3)
    return data


class SampleRunner:
    """Forks of the fork server for in-process grading, threads for sandboxed runs; see the
    module docstring."""

    def __init__(self, jobs: int = 2):
        # One compute thread per fork, as in a sandbox child: `jobs` forks share the cores.
        self.env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                        MKL_NUM_THREADS="1")
        self.server = ForkServer.start(["dldrill.testing.preload"], timeout=600, env=self.env)
        self.running = Running()
        self.forked = ThreadPoolExecutor(max_workers=jobs)
        self.sandboxed = ThreadPoolExecutor(max_workers=jobs)

    def _run_forked(self, submission: Path, grader_files: list[str], out_json: Path,
                    extra: list[str], sandbox: bool = False) -> dict:
        cmd = [sys.executable, "-m", "pytest",
               *_args(submission, grader_files, out_json, [*([] if sandbox else ["--inprocess"]),
                                                           *extra])]
        started = time.monotonic()
        res = run_child(cmd, timeout=FORKED_TIMEOUT, cwd=kit_root(), env=self.env,
                        running=self.running, server=self.server)
        if res.timed_out:
            raise RuntimeError(f"the forked sample ran past {FORKED_TIMEOUT:g} s")
        data = _read(out_json, res.stdout.decode(errors="replace"),
                     res.stderr_tail.decode(errors="replace"), res.code)
        data["wall_s"] = round(time.monotonic() - started, 3)
        return data

    def submit(self, submission: Path, grader_files: list[str], out_json: Path,
               extra: list[str] | None = None, *, sandbox: bool = False) -> Future:
        if sandbox:
            return self.sandboxed.submit(self._run_forked, submission, grader_files, out_json,
                                         list(extra or []), True)
        return self.forked.submit(self._run_forked, submission, grader_files, out_json,
                                  list(extra or []))

    def close(self) -> None:
        self.forked.shutdown(wait=True)
        self.sandboxed.shutdown(cancel_futures=True)
        self.server.close()
