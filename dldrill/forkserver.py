"""The fork server: grading processes forked from one that has imported once.

Starting a grading process costs a Python start-up plus pytest, NumPy, the kit (about a quarter of
a CPU-second) and, for the PyTorch chapters, torch (about 1.6 CPU-seconds) — more than grading a
small assignment. The fork server is a trusted process, `python -m dldrill.forkserver FD
MODULE...`, started by `dldrill grade` before any submission is looked at (and by the sample
runner, `dldrill.testing.runner`); it imports all of that once and then forks one process per
request. A forked process runs exactly what `python -m dldrill ARGV` would run
(`dldrill.cli:main`), or `python -m pytest ARGV` (`pytest:main`): the request names the function,
which the fork imports and calls with ARGV, in a new session, with its own descriptors,
working folder and environment; it is as fresh as a started one: the server itself never runs
graders or touches a submission. (`dldrill.process.run_child` decides which commands fork.)

Protocol (a Unix socket pair; each message one JSON object, descriptors passed alongside):
    request  {"op": "spawn", "id": N, "target": "module:function", "argv": [...], "cwd": "...",
              "env": {...}}  + fds [out, err]
    replies  {"id": N, "pid": P}  then, when it ends, {"exited": P, "code": C}
             (C negative: killed by signal -C, like subprocess)
The server dies with the process that started it (PDEATHSIG); a forked process dies with the
server.

    server = ForkServer.start(["numpy", "torch"])
    proc = server.spawn(argv, cwd=work, env=env)    # a Popen-like handle: .pid .stdout .stderr
    proc.wait(timeout=60)
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import importlib
import json
import os
import pkgutil
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, NoReturn

MAX_MESSAGE = 1 << 20
# What every grading process imports (measured: the modules a run of ch01's graders adds after
# `import pytest`), imported once in the server. Only the trusted side: nothing of a submission,
# of solutions/ or of graders/.
WARM = [
    "pytest", "pytest_timeout", "dldrill.cli", "dldrill.report", "dldrill.plugin",
    "dldrill.grading", "dldrill.sandbox.client", "dldrill.sandbox.api", "dldrill.data",
    "dldrill.childkit.builders", "dldrill.childkit.probes",
    *(f"_pytest.{m}" for m in ("faulthandler", "helpconfig", "junitxml", "pastebin", "setuponly",
                               "setupplan", "skipping", "threadexception", "tracemalloc",
                               "unittest", "unraisableexception", "warnings")),
    "numpy", "numpy.random", "pdb", "xml.etree.ElementTree", "difflib", "tomllib", "unittest",
    "secrets", "gzip", "faulthandler", "readline", "encodings.unicode_escape", "_pytest._argcomplete",
    "platformdirs", "platformdirs.pytest_plugin",
    # what `dldrill report` adds: every command module (the CLI finds them all), and the sandboxed
    # child's side, which a grading process forks (`SandboxBackend._may_fork`)
    "dldrill.chapters", "dldrill.progress", "dldrill.stub_manifest", "dldrill.stubgen",
    *(f"dldrill.commands.{m.name}" for m in pkgutil.iter_modules(
        [str(Path(__file__).resolve().parent / "commands")]) if not m.name.startswith("_")),
    "dldrill.sandbox.child",
]
DEFAULT_TARGET = "dldrill.cli:main"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if sys.platform == "linux":
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _send(sock: socket.socket, obj: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(obj).encode()
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.sendall(data)


# -- the server ----------------------------------------------------------------------------------
def exit_after(run: Callable[[], object]) -> NoReturn:
    """In a forked process: calls `run()`, then ends the process with its result as the exit code
    (a `SystemExit`'s code; 1, with the traceback on stderr, after any other error), flushing
    Python's streams but never returning or running exit handlers inherited from the parent."""
    code = 1
    try:
        code = int(run() or 0)  # type: ignore[call-overload]
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        with contextlib.suppress(BaseException):
            traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _child(target: str, argv: list[str], cwd: str, env: dict[str, str], out_fd: int, err_fd: int,
           sock: socket.socket, ready_fd: int) -> NoReturn:
    """In the forked process: become what `python -m M ARGV` would be, run `target` (M's
    "module:function") with ARGV, exit with its code."""

    def run() -> object:
        sock.close()
        os.setsid()
        os.write(ready_fd, b"1")  # the server replies with our pid only once we lead a session
        os.close(ready_fd)
        _die_with_parent()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        for fd in (null, out_fd, err_fd):
            if fd > 2:
                os.close(fd)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        sys.argv = [sys.argv[0], *argv]
        module, _, function = target.partition(":")
        return getattr(importlib.import_module(module), function)(argv)

    exit_after(run)


def serve(sock: socket.socket, preload: list[str]) -> None:
    """The server's loop: spawn on request, report exits, end when the socket closes."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C is for `dldrill grade`, which kills us
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception as err:  # only a speed-up
            print(f"dldrill forkserver: preloading {name} failed: {err}", file=sys.stderr)
    _send(sock, {"ready": True})
    children: set[int] = set()
    # A descriptor per child that becomes readable when it exits (Linux 5.3+): an exit is
    # reported at once, not at the next poll (grading a small assignment takes a few tenths of a
    # second; a 50 ms poll was a fifth of it). Where there is none, poll every 50 ms.
    exits: dict[int, int] = {}
    while True:
        waiting = [sock, *exits]
        timeout = 1.0 if not children else (5.0 if len(exits) == len(children) else 0.05)
        ready, _, _ = select.select(waiting, [], [], timeout)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            children.discard(pid)
            for fd in [fd for fd, p in exits.items() if p == pid]:
                del exits[fd]
                os.close(fd)
            _send(sock, {"exited": pid, "code": os.waitstatus_to_exitcode(status)})
        if sock not in ready:
            continue
        data, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 4)
        if not data:
            break
        try:
            req = json.loads(data)
            argv, cwd, env = list(map(str, req["argv"])), str(req["cwd"]), dict(req["env"])
            target = str(req.get("target") or DEFAULT_TARGET)
            out_fd, err_fd = fds
        except (ValueError, KeyError, TypeError):
            for fd in fds:
                os.close(fd)
            _send(sock, {"id": None, "error": "bad request"})
            continue
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(ready_r)
            for fd in exits:  # the other grading processes' exit descriptors stay here
                os.close(fd)
            _child(target, argv, cwd, env, out_fd, err_fd, sock, ready_w)
        os.close(ready_w)
        select.select([ready_r], [], [], 10.0)
        os.close(ready_r)
        os.close(out_fd)
        os.close(err_fd)
        children.add(pid)
        try:
            exits[os.pidfd_open(pid)] = pid
        except (AttributeError, OSError):  # no pidfd here: the 50 ms poll finds it
            pass
        _send(sock, {"id": req.get("id"), "pid": pid})
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    os._exit(0)


# -- the client ----------------------------------------------------------------------------------
class ServerGone(OSError):
    """The fork server is not running (any more)."""


class ForkedProcess:
    """A grading process forked by the server: enough of `subprocess.Popen` for `dldrill grade`
    (pid, stdout, stderr, wait, returncode). It leads its own session (pgid = pid)."""

    def __init__(self, pid: int, stdout: IO[bytes], stderr: IO[bytes]):
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self.ended = threading.Event()

    def wait(self, timeout: float | None = None) -> int:
        if not self.ended.wait(timeout):
            raise subprocess.TimeoutExpired(f"forked grading process {self.pid}", timeout or 0)
        assert self.returncode is not None
        return self.returncode


class ForkServer:
    """The client side, used from `dldrill grade`'s threads."""

    def __init__(self, proc: subprocess.Popen, sock: socket.socket):
        self.proc = proc
        self.sock = sock
        self.lock = threading.Lock()
        self.next_id = 0
        self.started: dict[int, tuple[threading.Event, list]] = {}
        self.procs: dict[int, ForkedProcess] = {}
        self.early_exits: dict[int, int] = {}
        self.alive = True
        self.reader = threading.Thread(target=self._read, daemon=True, name="forkserver-reader")
        self.reader.start()

    @classmethod
    def start(cls, preload: list[str], timeout: float = 120.0,
              env: dict[str, str] | None = None) -> ForkServer:
        """Starts a server that has imported `preload` (and the kit's grading side), in the
        environment `env` (default: this one's; what it imports sees it, a fork gets its own)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        kit = Path(__file__).resolve().parent.parent  # on sys.path first: this kit's dldrill
        # The hash seed and the single compute thread a sandbox child has: a grading process
        # forked from here may then fork its children (`SandboxBackend._may_fork`), and its own
        # NumPy work is as reproducible as theirs.
        env = dict(os.environ if env is None else env, PYTHONHASHSEED="0")
        for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(key, "1")
        proc = subprocess.Popen(
            [sys.executable, "-m", "dldrill.forkserver", str(theirs.fileno()), *WARM, *preload],
            cwd=kit, env=env, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
            start_new_session=True)
        theirs.close()
        ready, _, _ = select.select([ours], [], [], timeout)
        hello = ours.recv(MAX_MESSAGE) if ready else b""
        if not hello or not json.loads(hello).get("ready"):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            ours.close()
            raise ServerGone("the fork server did not start")
        return cls(proc, ours)

    def _read(self) -> None:
        try:
            while True:
                data = self.sock.recv(MAX_MESSAGE)
                if not data:
                    break
                msg = json.loads(data)
                with self.lock:
                    if "exited" in msg:
                        pid, code = int(msg["exited"]), int(msg["code"])
                        proc = self.procs.pop(pid, None)
                        if proc is None:
                            self.early_exits[pid] = code
                        else:
                            proc.returncode = code
                            proc.ended.set()
                    elif msg.get("id") in self.started:
                        event, slot = self.started.pop(msg["id"])
                        slot.append(msg)
                        event.set()
        except (OSError, ValueError):
            pass
        with self.lock:
            self.alive = False
            for event, _slot in self.started.values():
                event.set()
            for proc in self.procs.values():  # their exit status is lost: say so
                proc.returncode = -int(signal.SIGKILL)
                proc.ended.set()
            self.procs.clear()

    def spawn(self, argv: list[str], *, cwd: Path, env: dict[str, str],
              target: str = DEFAULT_TARGET) -> ForkedProcess:
        """Forks a process running `target` ("module:function", default `dldrill ARGV`) with
        ARGV; its stdout and stderr are pipes."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            event, slot = threading.Event(), []
            with self.lock:
                if not self.alive:
                    raise ServerGone("the fork server has stopped")
                self.next_id += 1
                rid = self.next_id
                self.started[rid] = (event, slot)
                _send(self.sock, {"op": "spawn", "id": rid, "target": target, "argv": argv,
                                  "cwd": str(cwd), "env": env}, [out_w, err_w])
        except BaseException:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            os.close(out_w)
            os.close(err_w)
        if not event.wait(30) or not slot or "pid" not in slot[0]:
            os.close(out_r)
            os.close(err_r)
            raise ServerGone("the fork server did not start a grading process")
        pid = int(slot[0]["pid"])
        proc = ForkedProcess(pid, os.fdopen(out_r, "rb"), os.fdopen(err_r, "rb"))
        with self.lock:
            if pid in self.early_exits:
                proc.returncode = self.early_exits.pop(pid)
                proc.ended.set()
            elif not self.alive:
                proc.returncode = -int(signal.SIGKILL)
                proc.ended.set()
            else:
                self.procs[pid] = proc
        return proc

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def main(argv: list[str] | None = None) -> None:
    """The entry point, `python -m dldrill.forkserver FD MODULE...`: import the MODULEs, then
    serve on the socket inherited as descriptor FD (see `ForkServer.start`)."""
    args = sys.argv[1:] if argv is None else argv
    serve(socket.socket(fileno=int(args[0])), args[1:])


if __name__ == "__main__":
    main()
