"""Backends that run a submission's code: a sandboxed child process, or this process.

Both take a request (header + buffers, as made by the codec) and return the response; the
`Submission` API in `api.py` sits on top and is the same for both.

`SandboxBackend` starts `dldrill.sandbox.child` in its own process group with pipes for the
protocol, kills the whole group when a call runs past its time limit, restarts a fresh child on
the next call, and keeps a per-submission time budget. `LocalBackend` (`--inprocess`) calls the
same dispatcher directly: no isolation, no time limits (pytest-timeout still applies), for speed
and for debugging with breakpoints.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dldrill
from dldrill.errors import BudgetExceeded, SubmissionCrashed, SubmissionTimeout
from dldrill.paths import scratch_root
from dldrill.sandbox.codec import pack, unpack
from dldrill.sandbox.dispatch import Dispatcher
from dldrill.sandbox.wire import PeerClosed, read_frame, write_frame

DEFAULT_MEM_BYTES = 6 << 30
DEFAULT_CALL_TIMEOUT = 60.0
START_TIMEOUT = 90.0

_BOOT = (
    "import sys; sys.path.insert(0, {parent!r}); "
    "import dldrill.sandbox.child as c; c.main()"
)


class _Deadline(Exception):
    pass


class _OverMemory(Exception):
    pass


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "unknown exit"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        extra = " — killed, often for using too much memory" if name == "SIGKILL" else ""
        return f"{name}{extra}"
    return f"exit code {code}"


class SandboxBackend:
    """A submission's code in a confined child process; see the module docstring."""

    inprocess = False

    def __init__(
        self,
        submission: Path,
        *,
        device: str = "auto",
        threads: int | None = None,
        mem_bytes: int | None = DEFAULT_MEM_BYTES,
        budget: float | None = None,
        preload: tuple[str, ...] = ("numpy",),
        landlock: bool = True,
        label: str = "student",
    ):
        self.submission = Path(submission).resolve()
        self.device = device
        self.threads = threads or max(1, min(4, os.cpu_count() or 1))
        # CUDA reserves far more address space than it uses, so RLIMIT_AS would break it: on a
        # GPU the child's resident memory is watched instead, and the child killed above it.
        self.mem_bytes = mem_bytes if device == "cpu" else None
        self.rss_limit = None if device == "cpu" else mem_bytes
        self.budget = budget
        self.preload = preload
        self.landlock = landlock
        self.label = label
        self.generation = 0
        self.used = 0.0
        self.confinement: dict = {}
        self.pending_release: list[tuple[int, int]] = []
        self.remote_refs: dict[tuple[int, int], int] = {}  # (generation, id) -> live Remotes
        # chapter module -> generation it was imported in / the error its import raised
        self.imported: dict[str, int] = {}
        self.import_failures: dict[str, Exception] = {}
        self.proc: subprocess.Popen | None = None
        self.scratch: Path | None = None
        self._r = self._w = -1

    # -- process management -------------------------------------------------------------------
    def start(self) -> None:
        if self.proc is not None:
            return
        self.generation += 1
        if self.scratch is None:  # one scratch folder per backend, kept across restarts
            base = scratch_root()
            base.mkdir(parents=True, exist_ok=True)
            self.scratch = Path(tempfile.mkdtemp(prefix="dldrill-sandbox-", dir=base))
        log = open(self.scratch / "output.log", "ab")  # handed to the child
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        threads = str(self.threads)
        config = {
            "fd_in": to_child_r, "fd_out": from_child_w, "submission": str(self.submission),
            "kit_package": str(Path(dldrill.__file__).resolve().parent),
            "scratch": str(self.scratch), "mem_bytes": self.mem_bytes, "threads": self.threads,
            "preload": list(self.preload), "landlock": self.landlock,
        }
        env = dict(os.environ)
        env.update({
            "DLDRILL_SANDBOX_CONFIG": json.dumps(config), "DLDRILL_DEVICE": self.device,
            "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads, "HOME": str(self.scratch),
            "TMPDIR": str(self.scratch), "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "0",
        })
        env.pop("PYTHONPATH", None)
        parent = str(Path(dldrill.__file__).resolve().parent.parent)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-s", "-c", _BOOT.format(parent=parent)],
                pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=env, cwd=self.scratch, start_new_session=True,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
            log.close()
        self._w, self._r = to_child_w, from_child_r
        try:
            head, body = read_frame(self._r, self._waiter(time.monotonic() + START_TIMEOUT))
        except (_Deadline, PeerClosed, OSError):
            code = self._kill()
            raise SubmissionCrashed(f"could not start: {_describe_exit(code)}",
                                    self.log_tail()) from None
        hello, _ = unpack(head, body)
        self.confinement = hello.get("confinement", {})

    def _kill(self) -> int | None:
        proc, self.proc = self.proc, None
        code = None
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            code = proc.wait()
        for fd in (self._r, self._w):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._r = self._w = -1
        self.pending_release.clear()
        return code

    def close(self) -> None:
        if self.proc is not None:
            try:
                write_frame(self._w, pack({"op": "shutdown"}, []))
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def restart(self) -> None:
        self._kill()

    def log_tail(self, size: int = 1500) -> str:
        if self.scratch is None:
            return ""
        try:
            with open(self.scratch / "output.log", "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - size))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- requests -------------------------------------------------------------------------------
    def _rss(self) -> int:
        try:
            with open(f"/proc/{self.proc.pid}/statm") as f:  # type: ignore[union-attr]
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError, AttributeError):
            return 0

    def _waiter(self, deadline: float) -> Callable[[], None]:
        def wait() -> None:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _Deadline()
                ready, _, _ = select.select([self._r], [], [], min(remaining, 0.5))
                if ready:
                    return
                if self.rss_limit and self._rss() > self.rss_limit:
                    raise _OverMemory()

        return wait

    def _writer(self, deadline: float) -> Callable[[], None]:
        def wait() -> None:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _Deadline()
                _, ready, _ = select.select([], [self._w], [], min(remaining, 0.5))
                if ready:
                    return

        return wait

    def request(self, header: dict, buffers: list, timeout: float) -> tuple[dict, list, Any]:
        if self.budget is not None and self.used >= self.budget:
            raise BudgetExceeded(self.budget)
        self.start()
        if self.budget is not None:
            timeout = min(timeout, max(0.1, self.budget - self.used))
        gen = self.generation
        header = dict(header)
        header["release"] = [i for g, i in self.pending_release if g == gen]
        self.pending_release.clear()
        t0 = time.monotonic()
        try:
            write_frame(self._w, pack(header, buffers), self._writer(t0 + timeout))
            head, body = read_frame(self._r, self._waiter(t0 + timeout))
        except _Deadline:
            self._kill()
            raise SubmissionTimeout(timeout, details=self.log_tail()) from None
        except (PeerClosed, BrokenPipeError, ConnectionError):
            tail = self.log_tail()
            code = self._kill()
            raise SubmissionCrashed(_describe_exit(code), tail) from None
        except _OverMemory:
            self._kill()
            limit = (self.rss_limit or 0) / (1 << 30)
            raise SubmissionCrashed(f"killed: used more than {limit:g} GiB of memory",
                                    self.log_tail()) from None
        except BaseException:
            # Interrupted mid-call (pytest-timeout, Ctrl-C): the child's state is unknown.
            self._kill()
            raise
        finally:
            self.used += time.monotonic() - t0
        response, out = unpack(head, body)
        return response, out, None

    def ready(self, timeout: float = START_TIMEOUT) -> None:
        """Waits until the child has imported what it preloads (torch takes a second or two).

        Not counted in the submission's time budget: start-up is the kit's cost, not theirs.
        """
        self.start()
        t0 = time.monotonic()
        try:
            write_frame(self._w, pack({"op": "ping"}, []), self._writer(t0 + timeout))
            read_frame(self._r, self._waiter(t0 + timeout))
        except _Deadline:
            self._kill()
            raise SubmissionTimeout(timeout, "start-up") from None
        except (PeerClosed, BrokenPipeError):
            tail = self.log_tail()
            raise SubmissionCrashed(_describe_exit(self._kill()), tail) from None


class LocalBackend:
    """The same dispatcher in this process (`--inprocess`, and the trusted `reference`)."""

    inprocess = True

    def __init__(self, root: Path | None, import_module: Callable[[str], Any], label: str):
        self.dispatcher = Dispatcher(root.resolve() if root else None, import_module)
        self.label = label
        self.generation = 1
        self.used = 0.0
        self.confinement = {"inprocess": True}
        self.pending_release: list[tuple[int, int]] = []
        self.remote_refs: dict[tuple[int, int], int] = {}  # (generation, id) -> live Remotes
        self.imported: dict[str, int] = {}
        self.import_failures: dict[str, Exception] = {}

    def request(self, header: dict, buffers: list, timeout: float) -> tuple[dict, list, Any]:
        self.dispatcher.table.release([i for _, i in self.pending_release])
        self.pending_release.clear()
        t0 = time.monotonic()
        try:
            return self.dispatcher.handle(header, buffers)
        finally:
            self.used += time.monotonic() - t0

    def ready(self, timeout: float = 0) -> None:
        return None

    def restart(self) -> None:
        return None

    def close(self) -> None:
        return None

    def log_tail(self, size: int = 1500) -> str:
        return ""
