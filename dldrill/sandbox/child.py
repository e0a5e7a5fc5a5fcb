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
    cfg = json.loads(os.environ.pop("DLDRILL_SANDBOX_CONFIG"))
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
