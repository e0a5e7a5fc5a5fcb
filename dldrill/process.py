"""One grading process of `dldrill grade` (or of the sample runner), and its output.

`run_child` runs `python -m dldrill ...` (or `python -m pytest ...`) in a new session: forked
from the fork server (`dldrill.forkserver`) when one is given, else started afresh. Its stdout is
read up to a bound (more kills it), the tail of its stderr is kept, and its whole process group
is killed after the timeout and again once it is done, so that nothing it started lingers.
`Running` holds the processes of a batch, so that an interrupted batch can stop them all.
`validate_report` checks what a `dldrill report --json` process printed before anything uses it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dldrill.forkserver import ForkServer, ServerGone
from dldrill.records import TestRecord

MAX_REPORT_BYTES = 16 * 1024 * 1024   # the most bytes read from a grading process's stdout
STDERR_TAIL = 8192                    # the last bytes of its stderr kept for the status line
# `python -m MODULE ARGS` and what a fork of the fork server runs for it: FUNCTION(ARGS).
FORKABLE = {"dldrill": "dldrill.cli:main", "pytest": "pytest:main"}


@dataclass
class ChildResult:
    """What one grading process left: exit code, stdout (bounded), the tail of stderr."""

    code: int | None
    stdout: bytes
    stderr_tail: bytes
    timed_out: bool = False
    overflow: bool = False


class Running:
    """The grading processes now running, so that an interrupted batch can stop them all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.procs: set[Any] = set()
        self.stopping = False

    def add(self, proc: Any) -> None:
        with self.lock:
            self.procs.add(proc)
            stopping = self.stopping
        if stopping:
            _kill_group(proc)

    def discard(self, proc: Any) -> None:
        with self.lock:
            self.procs.discard(proc)

    def stop_all(self) -> None:
        with self.lock:
            self.stopping = True
            procs = list(self.procs)
        for proc in procs:
            _kill_group(proc)


def _kill_group(proc: Any) -> None:
    """SIGKILL to the grading process's own process group (it leads a new session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _start(cmd: list[str], cwd: Path, env: dict[str, str], server: ForkServer | None) -> Any:
    """A grading process: forked by the fork server when there is one and `cmd` is
    `python -m M ...` for an M in FORKABLE, else started (a new session either way)."""
    target = FORKABLE.get(cmd[2]) if cmd[:2] == [sys.executable, "-m"] and len(cmd) > 2 else None
    if server is not None and target is not None:
        with contextlib.suppress(ServerGone):
            return server.spawn(cmd[3:], cwd=cwd, env=env, target=target)
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True)


def run_child(cmd: list[str], *, timeout: float, cwd: Path, env: dict[str, str],
              running: Running, max_bytes: int = MAX_REPORT_BYTES,
              server: ForkServer | None = None) -> ChildResult:
    """Runs one grading process in a new session: stdout read up to `max_bytes` (more kills it),
    the last bytes of stderr kept, and its whole process group killed after `timeout` seconds
    (and once it is done, so that nothing it started lingers)."""
    proc = _start(cmd, cwd, env, server)
    running.add(proc)
    out = bytearray()
    err = bytearray()
    flags = {"overflow": False}

    def read_out() -> None:
        assert proc.stdout is not None
        while chunk := proc.stdout.read1(65536):
            if len(out) + len(chunk) > max_bytes:
                flags["overflow"] = True
                _kill_group(proc)
                break
            out.extend(chunk)

    def read_err() -> None:
        assert proc.stderr is not None
        while chunk := proc.stderr.read1(65536):
            err.extend(chunk)
            del err[:-STDERR_TAIL]

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err,
                                                                                daemon=True)]
    for t in readers:
        t.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        proc.wait()
    finally:
        _kill_group(proc)
        running.discard(proc)
    for t in readers:
        t.join(timeout=5)
    for pipe in (proc.stdout, proc.stderr):
        with contextlib.suppress(OSError):
            pipe.close()  # type: ignore[union-attr]
    return ChildResult(proc.returncode, bytes(out), bytes(err), timed_out, flags["overflow"])


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ValueError(f"{what} is not a number")
    return float(value)


def validate_report(raw: bytes) -> dict:
    """The grading process's JSON report, checked and cleaned (each test row through
    `TestRecord.checked`); ValueError when malformed."""
    from dldrill.report import SCHEMA

    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not JSON ({err.__class__.__name__})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} object")
    total = data.get("total")
    if not isinstance(total, dict):
        raise ValueError("no total")
    points = _number(total.get("points"), "total.points")
    max_points = _number(total.get("max_points"), "total.max_points")
    for key in ("tests", "checklist", "chapters"):
        if not isinstance(data.get(key), list) or not all(isinstance(x, dict) for x in data[key]):
            raise ValueError(f"{key} is not a list of objects")
    tests = [TestRecord.checked(t).report_row() for t in data["tests"]]
    if abs(sum(t["earned"] for t in tests) - points) > 1e-6 or \
            abs(sum(t["points"] for t in tests if t["outcome"] != "skipped") - max_points) > 1e-6:
        raise ValueError("the total does not add up")
    for row in data["checklist"] + data["chapters"]:
        for k in ("points", "max_points"):
            row[k] = _number(row.get(k, 0.0), k)
    data["tests"] = tests
    return data
