"""The sandboxed child: confines itself, then serves requests against the submission.

Started by `dldrill.sandbox.client.SandboxBackend`; never imported by the grader process. It
reads its settings from the `DLDRILL_SANDBOX_CONFIG` environment variable, talks over two
inherited pipe descriptors, and writes the learner's prints to a log file in its scratch folder.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

from dldrill.sandbox.codec import pack, unpack
from dldrill.sandbox.confine import (
    NOBODY,
    BlockReferenceImports,
    data_grants,
    hide,
    holds_answer_key,
    isolate,
    kit_grants,
    labelled_package_files,
    landlock,
    readable_paths,
    set_rlimits,
)
from dldrill.sandbox.dispatch import Dispatcher
from dldrill.sandbox.wire import PeerClosed, read_frame, write_frame


def _clean_sys_path(kit_root: Path) -> None:
    """No empty entry (the current folder) and, where the kit's repository holds the answer
    key, not the repository itself; the answer key's packages are unimportable either way."""
    sys.path[:] = [p for p in sys.path
                   if p and not (holds_answer_key(kit_root) and Path(p).resolve() == kit_root)]
    sys.meta_path.insert(0, BlockReferenceImports())


def _preload(modules: list[str], threads: int) -> None:
    for name in modules:
        try:
            module = importlib.import_module(name)
        except BaseException as err:  # preloading is only a speed-up; say why it failed
            print(f"dldrill: preloading {name} failed: {type(err).__name__}: {err}",
                  file=sys.stderr)
            continue
        if name == "torch":
            module.set_num_threads(max(1, threads))
            try:
                module.set_num_interop_threads(1)
            except RuntimeError:  # already set, or parallel work has started
                pass


def _die_with_parent() -> None:
    """The grader may be killed outright (a batch's timeout): the child must not outlive it."""
    import ctypes
    import ctypes.util
    import signal

    if sys.platform == "linux":
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before we got here
            os._exit(1)


def _enter_pid_namespace(pipes: tuple[int, int]) -> None:
    """After `isolate` made a PID namespace: fork its first process, which goes on to serve.
    This process stays behind, holding nothing (no pipes) and waiting, and exits as that one
    did. When the namespace's first process dies (it is killed with this one: PDEATHSIG), the
    kernel kills every process the submission started in the namespace, daemons included."""
    import signal

    pid = os.fork()
    if pid == 0:
        _die_with_parent()
        return
    for fd in pipes:
        os.close(fd)
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):  # die the same way, so that the grader names the signal
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def main() -> None:
    """`python -I -c BOOT`: the settings come in the environment."""
    serve(json.loads(os.environ.pop("DLDRILL_SANDBOX_CONFIG")))


def become_fresh(env: dict[str, str], keep: tuple[int, ...], log_fd: int, parent: str) -> None:
    """In a child forked from the grading process (`SandboxBackend.start`, only while that
    process holds nothing of graders, solutions or a submission): become what `python -I -c
    BOOT` would have been, before `serve` confines it. Its own session; descriptors 0 (null),
    1 and 2 (the output log) and `keep` (the protocol pipes), every other one closed (the grading
    process's report pipe among them); default signal handlers, no exit handlers, no pytest
    import hooks or log handlers; the child's environment, with its random generators reseeded
    from the kernel (none of the grader's state is predictable from here)."""
    import atexit
    import faulthandler
    import io
    import logging
    import random
    import signal
    import tempfile

    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    wanted = {0, 1, 2, *keep}
    for name in os.listdir("/proc/self/fd"):
        if name.isdigit() and int(name) not in wanted:
            try:
                os.close(int(name))
            except OSError:
                pass
    for fd in keep:
        os.set_inheritable(fd, True)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        want = {signal.SIGINT: signal.default_int_handler,
                signal.SIGPIPE: signal.SIG_IGN}.get(sig, signal.SIG_DFL)
        try:
            signal.signal(sig, want)
        except (OSError, ValueError, RuntimeError):
            pass
    faulthandler.disable()
    atexit._clear()
    logging.root.handlers.clear()
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False),
                                                 encoding="utf-8")
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True,
                                  write_through=True)
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    sys.meta_path[:] = [f for f in sys.meta_path
                        if not type(f).__module__.startswith(("_pytest", "pytest"))]
    sys.path_importer_cache.clear()
    # What `python -I` puts on sys.path (the interpreter's and the environment's folders), after
    # the kit's parent folder as BOOT puts it first: not the grading process's working folder,
    # nor what pytest inserted.
    sys.path[:] = [parent, *(p for p in sys.path
                             if p.startswith((sys.base_prefix, sys.prefix, "__editable__")))]
    sys.argv = ["-c"]
    sys.dont_write_bytecode = True
    os.environ.clear()
    os.environ.update(env)
    # What was read from the grader's environment and kept: the temporary folder (TMPDIR is the
    # child's scratch folder). Libraries that keep more are never in a forked child's memory
    # (`SandboxBackend._may_fork`).
    tempfile.tempdir = None
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    if "torch" in sys.modules:
        sys.modules["torch"].seed()


def serve(cfg: dict) -> None:
    """Confines this process as `cfg` says, then answers requests until the pipe closes."""
    fd_in, fd_out = int(cfg["fd_in"]), int(cfg["fd_out"])
    submission = Path(cfg["submission"]).resolve()
    kit_package = Path(cfg["kit_package"]).resolve()
    scratch = Path(cfg["scratch"]).resolve()

    _die_with_parent()
    # Confine first, while nothing of the submission is on sys.path: a module the set-up
    # imports cannot be shadowed by one the submission ships.
    _clean_sys_path(kit_package.parent.resolve())
    info: dict = {"rlimits": set_rlimits(cfg.get("mem_bytes"))}
    if cfg.get("isolate", True):
        uid = cfg.get("uid")
        info.update(isolate(scratch, cfg.get("scratch_bytes"),
                            uid if isinstance(uid, int) and uid > 0 else NOBODY))
        if info.get("pid_namespace"):
            _enter_pid_namespace((fd_in, fd_out))
    if cfg.get("landlock", True):
        kit_read, kit_list = kit_grants(kit_package)
        data_read, data_list = data_grants()
        # Labelled copies of evaluation data shipped in packages stay the grader's alone.
        read, pkg_list = hide(readable_paths(submission, kit_package, data_read),
                              labelled_package_files())
        info.update(landlock(read + kit_read, [scratch], kit_list + data_list + pkg_list))
    os.chdir(scratch)
    dispatcher = Dispatcher(submission, importlib.import_module)
    hello = {"ok": True, "hello": True, "pid": os.getpid(),
             "confinement": {k: v for k, v in info.items() if k != "granted"}}
    write_frame(fd_out, pack(hello, []))
    # Preload in this thread, after the hello: the grader process goes on collecting meanwhile,
    # and requests wait in the pipe. (A background thread is not safe: importing torch from two
    # threads at once can deadlock on module locks and leave torch half initialised.)
    _preload(cfg.get("preload", []), int(cfg.get("threads", 1)))
    # Only now can the submission's modules be imported.
    sys.path.insert(0, str(submission))
    while True:
        try:
            head, body = read_frame(fd_in)
        except (PeerClosed, OSError):
            break
        header, buffers = unpack(head, body)
        if header.get("op") == "shutdown":
            break
        response, out_buffers, _ = dispatcher.handle(header, buffers)
        sys.stdout.flush()
        sys.stderr.flush()
        write_frame(fd_out, pack(response, out_buffers))
    os._exit(0)


if __name__ == "__main__":
    main()
