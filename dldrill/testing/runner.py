"""Grading many sample submissions at the cost of a few: a pre-forked, pre-imported runner.

Importing pytest, NumPy and torch costs a second or two per process, more than most samples'
graders. `SampleRunner` starts one zygote process (`python -m dldrill.testing.runner`) that
imports them once; every sample is then graded by `pytest.main` in a fresh fork of the zygote,
`jobs` at a time, with `--inprocess`: a fork has clean `sys.modules` for the submission's
`chNN` packages, and nothing survives from one sample to the next. Jobs go to the zygote as JSON
lines on its stdin; results come back as JSON lines on its stdout.

That is safe for the kit's own mutants and alternatives (code we wrote). Broken samples, and one
parity sample per chapter, still go through the full sandbox: `run_sandboxed` runs pytest in a
new process, exactly as an instructor would.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from dldrill.paths import kit_root

_PYTEST_BASE = ["-q", "-p", "no:cacheprovider"]


def _args(submission: Path, grader_files: list[str], out_json: Path, extra: list[str]) -> list[str]:
    root = kit_root()
    return [*_PYTEST_BASE, *[str(root / g) for g in grader_files], "--submission",
            str(submission), "--results-json", str(out_json), *extra]


def _read(out_json: Path, stdout: str, stderr: str, code: int) -> dict:
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


def _grade_in_fork(submission: str, grader_files: list[str], out_json: str,
                   extra: list[str]) -> None:
    """Runs in a forked zygote: pytest.main in-process, its output into a log file."""
    import pytest

    log = Path(out_json).with_suffix(".log")
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.chdir(kit_root())
    args = _args(Path(submission), grader_files, Path(out_json), ["--inprocess", *extra])
    code = int(pytest.main(args))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def zygote(jobs: int) -> None:
    """The zygote's loop: read jobs, fork at most `jobs` at a time, report each as it ends."""
    import dldrill.testing.preload  # noqa: F401  (the whole point: import once)

    running: dict[int, tuple[dict, float]] = {}
    queue: list[dict] = []
    pending = b""
    stdin_open = True

    def report(pid: int, status: int) -> None:
        job, started = running.pop(pid)
        print(json.dumps({"id": job["id"], "code": os.waitstatus_to_exitcode(status),
                          "wall_s": round(time.monotonic() - started, 3)}), flush=True)

    while stdin_open or queue or running:
        while queue and len(running) < jobs:
            job = queue.pop(0)
            pid = os.fork()
            if pid == 0:
                try:
                    _grade_in_fork(job["submission"], job["graders"], job["out"], job["extra"])
                finally:
                    os._exit(70)
            running[pid] = (job, time.monotonic())
        # Raw reads (no buffered readline: a buffer holding lines would hide them from select).
        if stdin_open and select.select([0], [], [], 0.05 if running else None)[0]:
            chunk = os.read(0, 1 << 16)
            stdin_open = bool(chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            queue.extend(json.loads(line) for line in lines if line.strip())
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG if (stdin_open or queue) else 0)
            if pid == 0:
                break
            report(pid, status)
            if queue:
                break


class SampleRunner:
    """A zygote for in-process grading and threads for sandboxed runs; see the module docstring."""

    def __init__(self, jobs: int = 2):
        # One compute thread per fork, as in a sandbox child: `jobs` forks share the cores.
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                   MKL_NUM_THREADS="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dldrill.testing.runner", str(jobs)], cwd=kit_root(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.futures: dict[int, tuple[Future, Path]] = {}
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.sandboxed = ThreadPoolExecutor(max_workers=jobs)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            done = json.loads(line)
            with self.lock:
                future, out_json = self.futures.pop(done["id"])
            try:
                log = out_json.with_suffix(".log")
                data = _read(out_json, log.read_text(errors="replace") if log.exists() else "",
                             "", done["code"])
                data["wall_s"] = done["wall_s"]
                future.set_result(data)
            except Exception as err:  # handed to the waiting test
                future.set_exception(err)
        with self.lock:
            for future, _ in self.futures.values():
                future.set_exception(RuntimeError("the sample runner's zygote exited"))

    def submit(self, submission: Path, grader_files: list[str], out_json: Path,
               extra: list[str] | None = None, *, sandbox: bool = False) -> Future:
        if sandbox:
            return self.sandboxed.submit(run_sandboxed, submission, grader_files, out_json, extra)
        future: Future = Future()
        with self.lock:
            job_id = len(self.futures) + id(future)
            self.futures[job_id] = (future, out_json)
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"id": job_id, "submission": str(submission),
                                          "graders": grader_files, "out": str(out_json),
                                          "extra": list(extra or [])}) + "\n")
        self.proc.stdin.flush()
        return future

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=600)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.reader.join(timeout=5)
        self.sandboxed.shutdown(cancel_futures=True)


if __name__ == "__main__":
    zygote(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
