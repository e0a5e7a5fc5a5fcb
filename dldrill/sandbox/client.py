"""Backends that run a submission's code: a sandboxed child process, or this process.

Both take a request (header + buffers, as made by the codec) and return the response; the
`Submission` API in `api.py` sits on top and is the same for both.

`SandboxBackend` starts `dldrill.sandbox.child` in its own session (process group) with pipes
for the protocol and a scrubbed environment. Time is the child's **CPU time** (user + system, all
threads, every process of its session), read from the kernel by this process, with the child's
compute threads fixed (one by default): the same submission costs the same seconds on an idle or
a busy machine. A call that uses more than its CPU-seconds, or makes no progress (sleeps, blocks)
for `stall` seconds of wall clock, has its whole session killed; a fresh child serves the next
call. A per-submission budget counts the CPU-seconds of all calls. `LocalBackend`
(`--inprocess`) calls the same dispatcher directly: no isolation, CPU time measured after the
fact, for speed and for debugging with breakpoints.

Why this file is long: `SandboxBackend` is one child's life (start, a call under a CPU deadline,
kill, restart) around state all of it shares, and `LocalBackend` stays next to it so that the
two keep serving the same protocol.
"""

from __future__ import annotations

import contextlib
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
from dldrill.i18n import clean_text
from dldrill.paths import scratch_root
from dldrill.sandbox.codec import pack, unpack
from dldrill.sandbox.dispatch import Dispatcher
from dldrill.sandbox.wire import PeerClosed, read_frame, write_frame

DEFAULT_MEM_BYTES = 6 << 30
DEFAULT_CALL_TIMEOUT = 60.0  # CPU-seconds per call
DEFAULT_STALL = 60.0  # wall seconds without progress before a call counts as hung
SCRATCH_BYTES = 1 << 30  # the child's scratch folder, where it can be a size-limited tmpfs
CHILD_UIDS = (200_000, 1_200_000)  # uids for children where the grader runs as root
# The most one reply may make the grader hold (a frame, and the values decoded from it).
MAX_REPLY = 1 << 30
START_TIMEOUT = 120.0  # wall seconds to import the frameworks (the kit's cost, not counted)
# A call "makes progress" while it gets at least this share of a core; a CPU-bound call on a
# machine shared with four busy processes still gets about 40 % of one.
MIN_PROGRESS_RATE = 0.02
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# What the child's environment keeps from ours; everything else is dropped.
_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES",
             "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "DLDRILL_LANG", "DLDRILL_NO_LANDLOCK")

_BOOT = (
    "import sys; sys.path.insert(0, {parent!r}); "
    "import dldrill.sandbox.child as c; c.main()"
)


class _Deadline(Exception):
    """A wait ran out: `kind` is "cpu" (CPU-seconds used) or "stall" (no progress)."""

    def __init__(self, kind: str = "stall"):
        super().__init__(kind)
        self.kind = kind


class _OverMemory(Exception):
    pass


def _stat_times(pid: int) -> tuple[int, int] | None:
    """(session id, CPU ticks incl. reaped children) of a process from /proc, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read(4096)
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2:].split()
    try:
        return int(fields[3]), sum(int(x) for x in fields[11:15])
    except (IndexError, ValueError):
        return None


class CpuMeter:
    """CPU-seconds used by every process of one session (the child and anything it started).

    Read by the grader from the kernel (`/proc/PID/stat`): nothing the child says counts. The
    leader is read on every look (microseconds); the rest of the session is found by a scan of
    /proc (about a millisecond), done by `refresh()` while a long call is being waited on.
    Processes that end are counted through their parent's reaped-children time.
    """

    def __init__(self, sid: int):
        self.sid = sid
        self.others: set[int] = set()
        self.core: set[int] = set()

    def refresh(self) -> None:
        found = set()
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and int(entry.name) != self.sid:
                st = _stat_times(int(entry.name))
                if st is not None and st[0] == self.sid:
                    found.add(int(entry.name))
        self.others = found

    def adopt_session(self) -> None:
        """Reads every process of the session on each look from now on (call once the child is
        up: where it serves from its own PID namespace, the leader only waits and the serving
        process is its child)."""
        self.refresh()
        self.core = set(self.others)

    def seconds(self) -> float:
        ticks = 0
        for pid in {self.sid, *self.core, *self.others}:
            st = _stat_times(pid)
            if st is not None and st[0] == self.sid:
                ticks += st[1]
        return ticks / _CLK_TCK


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
        stall: float = DEFAULT_STALL,
        scratch_bytes: int = SCRATCH_BYTES,
    ):
        self.submission = Path(submission).resolve()
        self.device = device
        self.threads = max(1, int(threads or 1))
        self.stall = stall
        self.scratch_bytes = scratch_bytes
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
        self.proc: subprocess.Popen | ForkedChild | None = None
        self.meter: CpuMeter | None = None
        self.scratch: Path | None = None
        self._log_dir: Path | None = None
        self.uid = -1
        self._uid_lock = -1
        self._log_fd = -1
        self._r = self._w = -1
        self._hello_pending = False

    # -- process management -------------------------------------------------------------------
    def start(self, wait: bool = True) -> None:
        """Starts the child (where none runs). `wait=False`: returns before the child has said
        hello (its confinement takes a few hundredths of a second, which the caller spends
        collecting tests); the next `start()`, `ready()` or request waits for it."""
        if self.proc is not None:
            if wait and self._hello_pending:
                self._read_hello()
            return
        self.generation += 1
        if self.scratch is None:  # one scratch folder per backend, kept across restarts
            base = scratch_root()
            base.mkdir(parents=True, exist_ok=True)
            self.scratch = Path(tempfile.mkdtemp(prefix="dldrill-sandbox-", dir=base))
            # Where the grader is root, the child runs as a uid of its own (no other process has
            # it), so that everything it starts — even daemons that left its session — can be
            # found and killed, and a fork bomb meets its own process limit.
            self.uid, self._uid_lock = claim_uid(base, os.stat(self.scratch).st_ino)
            # The child's output log lives outside its scratch folder and is only ever used
            # through this descriptor: nothing the child plants at a path is opened by us.
            self._log_dir = Path(tempfile.mkdtemp(prefix="dldrill-log-", dir=base))
            self._log_fd = os.open(self._log_dir / "output.log", os.O_RDWR | os.O_CREAT | os.O_EXCL
                                   | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        config = {
            "fd_in": to_child_r, "fd_out": from_child_w, "submission": str(self.submission),
            "kit_package": str(Path(dldrill.__file__).resolve().parent),
            "scratch": str(self.scratch), "mem_bytes": self.mem_bytes, "threads": self.threads,
            "preload": list(self.preload), "landlock": self.landlock,
            "isolate": self.landlock, "scratch_bytes": self.scratch_bytes, "uid": self.uid,
        }
        env = child_environment(self.scratch, self.device, self.threads)
        parent = str(Path(dldrill.__file__).resolve().parent.parent)
        try:
            if self._may_fork():
                self.proc = _fork_child(config, env, (to_child_r, from_child_w), self._log_fd,
                                        self.scratch, parent)
            else:
                # -I: isolated (no user site, no PYTHON* variables, no current folder on sys.path).
                env["DLDRILL_SANDBOX_CONFIG"] = json.dumps(config)
                self.proc = subprocess.Popen(
                    [sys.executable, "-I", "-c", _BOOT.format(parent=parent)],
                    pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
                    stdout=self._log_fd, stderr=subprocess.STDOUT, env=env, cwd=self.scratch,
                    start_new_session=True,
                )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.meter = CpuMeter(self.proc.pid)
        self._w, self._r = to_child_w, from_child_r
        self._hello_pending = True
        if wait:
            self._read_hello()

    def _read_hello(self) -> None:
        self._hello_pending = False
        assert self.meter is not None
        try:
            head, body = read_frame(self._r, self._waiter(time.monotonic() + START_TIMEOUT),
                                    max_size=MAX_REPLY)
            hello, _ = unpack(head, body)
        except (_Deadline, PeerClosed, OSError, ValueError) as err:
            code = self._kill(grace=0.5 if isinstance(err, PeerClosed) else 0.0)
            raise SubmissionCrashed(f"could not start: {_describe_exit(code)}",
                                    self.log_tail()) from None
        self.meter.adopt_session()
        # What the child says about itself is for display only; nothing depends on it.
        confinement = hello.get("confinement", {})
        self.confinement = confinement if isinstance(confinement, dict) else {}
        self.confinement["started"] = "fork" if isinstance(self.proc, ForkedChild) else "exec"

    def _may_fork(self) -> bool:
        """Whether this child may be forked from the grading process instead of started afresh
        (it then skips an interpreter's start-up and the frameworks' imports). Only while
        `fork_window` is open (the plugin's configure step, before any grader, reference or
        submission module is imported), for the first child of this backend, on the CPU, with
        one compute thread, where the grading process has one thread and the hash seed a fresh
        child would get (PYTHONHASHSEED=0), and where no module of the answer key, the graders
        or the submission is in memory. Anything else, and DLDRILL_NO_FORK=1, starts afresh."""
        if not (FORK_WINDOW["open"] and self.generation == 1 and self.device == "cpu"
                and self.threads == 1 and sys.flags.hash_randomization == 0
                and sys.platform == "linux" and not os.environ.get("DLDRILL_NO_FORK")):
            return False
        # A framework's native runtime is only ever in a child that preloads it anyway (no
        # TensorFlow child beside a loaded torch).
        if any(name in sys.modules and name not in self.preload for name in _RUNTIMES):
            return False
        if any(name in sys.modules for name in _READ_ENV_AT_IMPORT):
            return False
        try:
            if len(os.listdir("/proc/self/task")) != 1:
                return False
        except OSError:
            return False
        torch = sys.modules.get("torch")
        if torch is not None and getattr(torch, "cuda", None) and torch.cuda.is_initialized():
            return False
        from dldrill.paths import kit_root, solutions_root

        private = tuple(str(p) + os.sep for p in (solutions_root().resolve(),
                                                  (kit_root() / "graders").resolve(),
                                                  self.submission))
        installed = (sys.prefix + os.sep, sys.base_prefix + os.sep)
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if (isinstance(file, str) and not file.startswith(installed)
                    and os.path.realpath(file).startswith(private)):
                return False
        return True

    def _kill(self, grace: float = 0.0) -> int | None:
        """Kills the child's session; `grace`: seconds to let it finish exiting first (it
        closed the pipe: its exit status, relayed from its PID namespace, is on the way)."""
        proc, self.proc = self.proc, None
        code = None
        if proc is not None and grace > 0:
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            code = proc.wait()
            kill_uid(self.uid)  # whatever it started outside its session
        for fd in (self._r, self._w):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._r = self._w = -1
        self._hello_pending = False
        self.pending_release.clear()
        return code

    def close(self) -> None:
        if self.proc is not None and self._hello_pending:  # for its confinement report
            with contextlib.suppress(SubmissionCrashed):
                self._read_hello()
        if self.proc is not None:
            try:  # ask politely, with deadlines: a child that does not listen is killed
                write_frame(self._w, pack({"op": "shutdown"}, []),
                            self._writer(time.monotonic() + 1.0))
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired, _Deadline):
                pass
        self._kill()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)  # does not follow symlinks
            shutil.rmtree(self._log_dir, ignore_errors=True)
            os.close(self._log_fd)
            self.scratch = None
            if self._uid_lock >= 0:  # the uid is free for another sandbox once its processes are gone
                os.close(self._uid_lock)
                self._uid_lock = -1

    def log_tail(self, size: int = 1500) -> str:
        """The end of the child's output (through our descriptor; bounded; control characters
        removed)."""
        if self.scratch is None:
            return ""
        try:
            end = os.fstat(self._log_fd).st_size
            data = os.pread(self._log_fd, size, max(0, end - size))
        except OSError:
            return ""
        return clean_text(data.decode("utf-8", "replace"))

    # -- requests -------------------------------------------------------------------------------
    def _rss(self) -> int:
        """Resident memory of the child's whole session (where it serves from a PID namespace,
        the process Popen started only waits; the work is in its descendants)."""
        if self.meter is None:
            return 0
        self.meter.refresh()
        total = 0
        for pid in (self.meter.sid, *self.meter.others):
            try:
                with open(f"/proc/{pid}/statm") as f:
                    total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError, IndexError):
                continue
        return total

    def _waiter(self, deadline: float, cpu_limit: float | None = None,
                cpu_start: float = 0.0) -> Callable[[], None]:
        """A wait function for the pipe: raises _Deadline("cpu") once the call has used more
        than `cpu_limit` CPU-seconds, _Deadline("stall") when it has made no progress (less than
        MIN_PROGRESS_RATE of a core) for `self.stall` seconds, or at the wall `deadline`."""
        samples: list[tuple[float, float]] = []
        tick = [0.02]

        def wait() -> None:
            while True:
                now = time.monotonic()
                remaining = deadline - now
                if remaining <= 0:
                    raise _Deadline("stall")
                ready, _, _ = select.select([self._r], [], [], min(remaining, tick[0]))
                if ready:
                    return
                tick[0] = min(0.25, tick[0] * 2)
                if self.rss_limit and self._rss() > self.rss_limit:
                    raise _OverMemory()
                if cpu_limit is None or self.meter is None:
                    continue
                self.meter.refresh()
                now, used = time.monotonic(), self.meter.seconds() - cpu_start
                if used > cpu_limit:
                    raise _Deadline("cpu")
                samples.append((now, used))
                while len(samples) > 2 and now - samples[1][0] >= self.stall:
                    samples.pop(0)
                t_old, used_old = samples[0]
                if now - t_old >= self.stall and used - used_old < MIN_PROGRESS_RATE * (now - t_old):
                    raise _Deadline("stall")

        return wait

    def _writer(self, deadline: float) -> Callable[[], None]:
        def wait() -> None:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _Deadline("stall")
                _, ready, _ = select.select([], [self._w], [], min(remaining, 0.5))
                if ready:
                    return

        return wait

    def cpu_seconds(self) -> float:
        """CPU-seconds the submission's calls have used so far (start-up not counted)."""
        return self.used

    def request(self, header: dict, buffers: list, timeout: float) -> tuple[dict, list, Any]:
        """Runs one request with a limit of `timeout` CPU-seconds (and the stall safety net)."""
        if self.budget is not None and self.used >= self.budget:
            raise BudgetExceeded(self.budget)
        self.start()
        if self.budget is not None:
            timeout = min(timeout, max(0.05, self.budget - self.used))
        gen = self.generation
        header = dict(header)
        header["release"] = [i for g, i in self.pending_release if g == gen]
        self.pending_release.clear()
        meter = self.meter
        assert meter is not None
        cpu0 = meter.seconds()
        # The wall clock is only a safety net: generous enough for a CPU-bound call to finish
        # on a machine where it gets a small share of a core.
        wall = time.monotonic() + max(self.stall, timeout / MIN_PROGRESS_RATE / 5)
        try:
            write_frame(self._w, pack(header, buffers), self._writer(wall))
            head, body = read_frame(self._r, self._waiter(wall, timeout, cpu0), max_size=MAX_REPLY)
            response, out = unpack(head, body)
        except _Deadline as late:
            used = meter.seconds() - cpu0
            self._kill()
            self.used += used
            kind = late.kind if late.kind == "cpu" else "stall"
            raise SubmissionTimeout(timeout if kind == "cpu" else self.stall, kind=kind,
                                    details=self.log_tail()) from None
        except (PeerClosed, BrokenPipeError, ConnectionError):
            tail = self.log_tail()
            self.used += meter.seconds() - cpu0
            code = self._kill(grace=0.5)
            raise SubmissionCrashed(_describe_exit(code), tail) from None
        except ValueError as err:  # a malformed or oversized reply (CodecError included)
            self.used += meter.seconds() - cpu0
            self._kill()
            raise SubmissionCrashed(f"protocol error: {str(err)[:200]}") from None
        except _OverMemory:
            self._kill()
            limit = (self.rss_limit or 0) / (1 << 30)
            raise SubmissionCrashed(f"killed: used more than {limit:g} GiB of memory",
                                    self.log_tail()) from None
        except BaseException:
            # Interrupted mid-call (pytest-timeout, Ctrl-C): the child's state is unknown.
            self._kill()
            raise
        used = meter.seconds() - cpu0
        self.used += used
        if used > timeout:  # finished, but over its CPU-seconds (between two looks)
            self._kill()
            raise SubmissionTimeout(timeout, kind="cpu", details=self.log_tail())
        return response, out, None

    def ready(self, timeout: float = START_TIMEOUT) -> None:
        """Waits until the child has imported what it preloads (torch takes a second or two).

        Not counted in the submission's time budget: start-up is the kit's cost, not theirs.
        """
        self.start()
        t0 = time.monotonic()
        try:
            write_frame(self._w, pack({"op": "ping"}, []), self._writer(t0 + timeout))
            read_frame(self._r, self._waiter(t0 + timeout), max_size=MAX_REPLY)
        except _Deadline:
            self._kill()
            raise SubmissionTimeout(timeout, "start-up", kind="stall") from None
        except (PeerClosed, BrokenPipeError, ValueError):
            tail = self.log_tail()
            raise SubmissionCrashed(_describe_exit(self._kill(grace=0.5)), tail) from None


class ForkedChild:
    """A child forked by `_fork_child`: enough of `subprocess.Popen` for `SandboxBackend`."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -int(signal.SIGKILL)  # reaped elsewhere: its status is lost
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        try:  # readable when the child exits (Linux 5.3+): no polling delay
            pidfd = os.pidfd_open(self.pid) if self.poll() is None else -1
        except (AttributeError, OSError):
            pidfd = -1
        try:
            delay = 0.0005
            while self.poll() is None:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
                if pidfd >= 0:
                    select.select([pidfd], [], [], 1.0 if left is None else min(left, 1.0))
                else:
                    time.sleep(delay if left is None else min(delay, left))
                    delay = min(delay * 2, 0.02)
        finally:
            if pidfd >= 0:
                os.close(pidfd)
        return self.returncode  # type: ignore[return-value]


def _fork_child(config: dict, env: dict[str, str], pipes: tuple[int, int], log_fd: int,
                scratch: Path, parent: str) -> ForkedChild:
    """The sandboxed child as a fork of this (trusted, still clean) process; see `_may_fork`.
    The fork makes itself fresh (`child.become_fresh`), then confines itself exactly as a
    started one does (`child.serve`)."""
    from dldrill.forkserver import exit_after
    from dldrill.sandbox import child

    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns

        def run() -> None:
            child.become_fresh(env, pipes, log_fd, parent)
            os.chdir(scratch)
            child.serve(config)

        exit_after(run)
    return ForkedChild(pid)


# Native runtimes a forked child may carry only when it preloads them itself.
_RUNTIMES = ("torch", "tensorflow", "jax")
# Libraries that read their settings (caches under HOME, offline switches) from the environment
# once, when imported: loaded in the grading process, a fork would keep the grader's values.
_READ_ENV_AT_IMPORT = ("huggingface_hub", "transformers", "tensorflow", "keras", "matplotlib")
# Open only while the plugin starts the session's children at configure time: see `_may_fork`.
FORK_WINDOW = {"open": False}


@contextlib.contextmanager
def fork_window():
    """Children started inside may be forks of this process (see `SandboxBackend._may_fork`)."""
    FORK_WINDOW["open"] = True
    try:
        yield
    finally:
        FORK_WINDOW["open"] = False


def claim_uid(base: Path, seed: int) -> tuple[int, int]:
    """A uid in CHILD_UIDS that no other live sandbox on this machine holds: (uid, lock fd).

    Each claim is an exclusive `flock` on `base/dldrill-uids/<uid>`, held by this grader for the
    child's life and released by the kernel when the grader ends, however it ends; a uid whose
    file another grader has locked is skipped. (Two children on one uid would kill each other's
    processes on clean-up.) Where locking is impossible, the uid from `seed` alone."""
    import fcntl

    span = CHILD_UIDS[1] - CHILD_UIDS[0]
    folder = base / "dldrill-uids"
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, exist_ok=True)
    for step in range(64):
        uid = CHILD_UIDS[0] + (seed + step * 7919) % span
        try:
            fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                         0o600)
        except OSError:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, fd
        except OSError:
            os.close(fd)
    return CHILD_UIDS[0] + seed % span, -1


def kill_uid(uid: int) -> int:
    """SIGKILLs every process whose real uid is `uid` (a child's own uid; only where we are
    root). Returns how many were signalled."""
    if uid < CHILD_UIDS[0] or os.geteuid() != 0:
        return 0
    killed = 0
    for _ in range(3):  # a fork in flight may add one between two scans
        found = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/status", "rb") as f:
                    status = f.read(4096)
            except OSError:
                continue
            line = next((ln for ln in status.split(b"\n") if ln.startswith(b"Uid:")), b"")
            if line.split()[1:2] == [str(uid).encode()]:
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                    found += 1
                except (ProcessLookupError, PermissionError):
                    pass
        killed += found
        if not found:
            break
    return killed


def child_environment(scratch: Path, device: str, threads: int) -> dict[str, str]:
    """The child's whole environment: a few of ours, the kit's settings, nothing else.

    Compute threads fixed (`threads`), hubs offline, framework caches and configs inside the
    scratch folder, the data cache at the path the grader resolved (read-only in the child).
    """
    from dldrill.paths import data_cache

    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    n = str(threads)
    home = str(scratch)
    env.update({
        "HOME": home, "TMPDIR": home, "DLDRILL_DEVICE": device, "DLDRILL_THREADS": n,
        "DLDRILL_DATA": str(data_cache().resolve()),
        "OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n,
        "TF_NUM_INTRAOP_THREADS": n, "TF_NUM_INTEROP_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
        "KERAS_HOME": f"{home}/.keras", "MPLCONFIGDIR": f"{home}/.matplotlib",
        "MPLBACKEND": "Agg", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HOME": f"{home}/.hf",
        "TOKENIZERS_PARALLELISM": "false", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "0",
    })
    return env


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
        t0 = time.process_time()  # this process's CPU time, all threads
        try:
            return self.dispatcher.handle(header, buffers)
        finally:
            self.used += time.process_time() - t0

    def cpu_seconds(self) -> float:
        return self.used

    def ready(self, timeout: float = 0) -> None:
        return None

    def close(self) -> None:
        return None

    def log_tail(self, size: int = 1500) -> str:
        return ""
