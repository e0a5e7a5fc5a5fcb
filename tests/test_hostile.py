"""Hostile submissions (`fixtures/submissions/hostile/`), all graded in ONE `dldrill grade` batch.

Each sample is written as an attacker would: monkeypatching the judge, forging result files then
`os._exit(0)`, hunting for the answer key, infinite loops, memory and fork bombs, processes that
try to outlive grading, network, writes outside scratch, output floods, terminal escapes,
symlinks/FIFOs in scratch, and labels looked up in sklearn's digits. Next to them the batch grades
the reference solutions (id `honest`, full marks) and the kit's untouched stubs (`exercises/`, 0).

What must hold after the batch: it finishes; every row is in the gradebook; no hostile row loses
less than its `lose` (the points its hostile parts must cost it, justified in its description);
the kit's tree (graders/, solutions/, exercises/, dldrill/), site-packages, the submission
folders and the test's environment are unchanged; nothing reached the listeners on 127.0.0.1;
no process is left behind; the grading processes (run as root, outside the sandbox) peak under
GRADER_RSS_CAP and every process in the tree (sandboxed children included, whose address space is
capped by the sandbox at 6 GiB) under TREE_RSS_CAP; no terminal control characters reach the
gradebook CSV or feedback.md.

Per-call limits are shortened through PYTEST_ADDOPTS (inherited by each grading process, which
runs pytest): `--call-timeout 5 --repeat-timeout 1`; the reference's digits fit needs ~1.5 CPU-s.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import tomllib
from pathlib import Path

import pytest

from dldrill.paths import kit_root
from dldrill.testing.mutants import Sample, materialize

HOSTILE = kit_root() / "fixtures" / "submissions" / "hostile"
KIT_DIRS = ("graders", "solutions", "exercises", "dldrill")
TCP_PORT, UDP_PORT = 47391, 47392          # the network sample aims at these on 127.0.0.1
GRADER_RSS_CAP = 4 << 30                    # bytes: any root-owned process of the batch
TREE_RSS_CAP = (6 << 30) + (512 << 20)      # bytes: any process at all (sandbox RLIMIT_AS 6 GiB)
PYTEST_ADDOPTS = "--call-timeout 5 --repeat-timeout 1"
OUTSIDE_FILES = [Path(p) for p in ("/tmp/dldrill_hostile_was_here.txt",
                                   "/var/tmp/dldrill_hostile_was_here.txt",
                                   "/dev/shm/dldrill_hostile_was_here.txt", "/tmp/result.json",
                                   "/tmp/results.json", "/tmp/report.json", "/tmp/gradebook.csv",
                                   "/tmp/feedback.md")]
# Findings: sample name -> why its case is expected to fail (kept visible as xfail).
# (none now: the leftover process once seen here — a sandboxed daemon outliving `dldrill grade` —
# is closed by the sandbox's own PID namespace, and the check only counts the batch's processes.)
KNOWN_FINDINGS: dict[str, str] = {}


def load_hostile() -> list[tuple[Sample, float]]:
    out = []
    for path in sorted(HOSTILE.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        sample = Sample(name=path.stem, kind="hostile", path=path, description=data["description"],
                        graders=list(data["graders"]), failed=list(data.get("failed", [])),
                        edits=list(data.get("edit", [])))
        out.append((sample, float(data["lose"])))
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kit_snapshot() -> dict[str, str]:
    """Hashes of the tracked files under KIT_DIRS, plus every other file there (no caches)."""
    root = kit_root()
    tracked = subprocess.run(["git", "ls-files", "-z", *KIT_DIRS], cwd=root, capture_output=True,
                             check=True).stdout.decode().split("\0")
    snap = {rel: _sha(root / rel) for rel in tracked if rel and (root / rel).is_file()}
    for d in KIT_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / d):
            dirnames[:] = [n for n in dirnames if n not in ("__pycache__", ".pytest_cache")]
            for name in filenames:
                rel = (Path(dirpath) / name).relative_to(root).as_posix()
                if rel not in snap and not name.endswith((".pyc", ".pyo")):
                    snap[rel] = "untracked"
    return snap


def folder_snapshot(folder: Path) -> dict[str, str]:
    snap = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [n for n in dirnames if n != "__pycache__"]
        for name in filenames:
            p = Path(dirpath) / name
            snap[p.relative_to(folder).as_posix()] = "link" if p.is_symlink() else _sha(p)
    return snap


def site_snapshot() -> dict[str, str]:
    snap = {}
    for key in ("purelib", "platlib"):
        site = Path(sysconfig.get_paths()[key])
        for p in [*site.glob("*.pth"), site / "sitecustomize.py", site / "numpy" / "__init__.py"]:
            if p.exists():
                snap[str(p)] = _sha(p)
    return snap


def _proc_info(pid: str) -> dict | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    hwm = fields.get("VmHWM", "0 kB").split()[0]
    return {"pid": int(pid), "uid": int(fields["Uid"].split()[0]), "state": fields["State"].strip(),
            "ppid": int(fields["PPid"]), "hwm": int(hwm) * 1024, "cmd": cmd.strip()[:200]}


def _of_batch(pid: int, scratch: Path) -> bool:
    """Whether a process belongs to the batch: the grading side carries DLDRILL_SCRATCH, a
    sandbox child (scrubbed environment) has its HOME in a folder under that root."""
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False
    root = str(scratch).encode()
    return any(v == b"DLDRILL_SCRATCH=" + root or v.startswith(b"HOME=" + root + b"/") for v in env)


def proc_table() -> dict[int, dict]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _proc_info(entry)) is not None:
            table[info["pid"]] = info
    return table


class Watcher:
    """Polls /proc while the batch runs: the peak RSS (VmHWM) of every new process."""

    def __init__(self, before: set[int]):
        self.before = before
        self.peak_root = 0
        self.peak_any = 0
        self.seen: dict[int, dict] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            for pid, info in proc_table().items():
                if pid in self.before:
                    continue
                self.seen[pid] = info
                self.peak_any = max(self.peak_any, info["hwm"])
                if info["uid"] == 0:
                    self.peak_root = max(self.peak_root, info["hwm"])
            self.stop.wait(0.1)


class Listeners:
    """TCP and UDP listeners on 127.0.0.1 recording whatever reaches them."""

    def __init__(self) -> None:
        self.got: list[str] = []
        self.socks: list[socket.socket] = []
        with contextlib.suppress(OSError):
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind(("127.0.0.1", TCP_PORT))
            tcp.listen(8)
            tcp.settimeout(0.2)
            self.socks.append(tcp)
        with contextlib.suppress(OSError):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind(("127.0.0.1", UDP_PORT))
            udp.settimeout(0.2)
            self.socks.append(udp)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.serve, args=(s,), daemon=True) for s in self.socks]
        for t in self.threads:
            t.start()

    def serve(self, sock: socket.socket) -> None:
        while not self.stop.is_set():
            try:
                if sock.type == socket.SOCK_STREAM:
                    conn, addr = sock.accept()
                    with conn:
                        conn.settimeout(1)
                        self.got.append(f"tcp from {addr}: {conn.recv(200)!r}")
                else:
                    data, addr = sock.recvfrom(200)
                    self.got.append(f"udp from {addr}: {data!r}")
            except (TimeoutError, OSError):
                continue

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=2)
        for s in self.socks:
            s.close()


def _check(name: str, ok: bool, message: str, findings: list[str]) -> None:
    """Records a failed check: an xfail when it is a known finding, a failure otherwise."""
    if not ok:
        findings.append(f"{name}: {message}")


@pytest.mark.timeout(900)
def test_hostile_batch(tmp_path):
    samples = load_hostile()
    assert len(samples) >= 13
    subs = tmp_path / "subs"
    expected: dict[str, float] = {}
    folders: dict[str, Path] = {}
    for sample, lose in samples:
        folders[sample.name] = materialize(sample, subs / sample.name)
        expected[sample.name] = lose
    honest = subs / "honest"
    shutil.copytree(kit_root() / "solutions" / "ch01", honest / "ch01",
                    ignore=shutil.ignore_patterns("__pycache__"))
    folders["honest"] = honest
    stubs = kit_root() / "exercises"
    out = tmp_path / "out"

    kit_before = kit_snapshot()
    site_before = site_snapshot()
    subs_before = {sid: folder_snapshot(f) for sid, f in folders.items()}
    outside_before = {p: p.exists() for p in OUTSIDE_FILES}
    env_before = dict(os.environ)
    procs_before = proc_table()
    watcher = Watcher(set(procs_before))
    listeners = Listeners()
    watcher.thread.start()

    # The batch's own scratch root: its processes are told apart from anything else running on
    # the machine (another test session's sandboxes) by it, in their environment.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "PYTEST_ADDOPTS": PYTEST_ADDOPTS, "DLDRILL_SCRATCH": str(scratch)}
    cmd = [sys.executable, "-m", "dldrill", "grade", *map(str, folders.values()), str(stubs),
           "--out", str(out), "--jobs", "2", "--chapters", "ch01", "--lang", "en", "--timeout", "300"]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=kit_root(), env=env, capture_output=True, timeout=800)
    finally:
        elapsed = time.monotonic() - start
        time.sleep(1.0)  # killed processes get a second to die
        watcher.stop.set()
        watcher.thread.join(timeout=5)
        listeners.close()
    print(f"\nbatch: {elapsed:.1f} s, exit {proc.returncode}")
    print(proc.stdout.decode(errors="replace")[-3000:])
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]

    # -- rows ---------------------------------------------------------------------------------
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        rows = {r["path"]: r for r in csv.DictReader(f)}
    assert len(rows) == len(folders) + 1
    findings: list[str] = []
    totals = {}
    for sid, folder in [*folders.items(), ("stubs", stubs)]:
        row = rows.get(str(folder))
        assert row is not None, f"{sid}: no row in the gradebook"
        total = float(row["total"] or 0)
        totals[sid] = (total, row["status"])
        print(f"  {sid:22s} {total:5g} (must lose {expected.get(sid, 0):g})  {row['status'][:90]}")
    full = float(rows[str(folders["honest"])]["max_points"])
    assert full > 0 and totals["honest"] == (full, "graded"), totals["honest"]
    assert totals["stubs"] == (0.0, "graded"), totals["stubs"]
    # Each sample's `lose`: the points its hostile parts must cost it (the rest is the reference).
    expected = {sid: full - lose for sid, lose in expected.items()}
    for sid, max_points in expected.items():
        _check(sid, totals[sid][0] <= max_points,
               f"earned {totals[sid][0]:g} > max_points {max_points:g}", findings)
    with contextlib.closing(__import__("sqlite3").connect(out / "gradebook.sqlite")) as db:
        assert db.execute("select count(*) from submissions").fetchone()[0] == len(folders) + 1

    # -- control characters in what the instructor reads ---------------------------------------
    bad = ("\x1b", "\r", "\x00", "\x08", "\u202e")
    csv_text = (out / "gradebook.csv").read_text(encoding="utf-8")
    _check("escape_sequences", not any(c in csv_text for c in bad), "control chars in the CSV", findings)
    for sid in expected:
        fb = out / sid / "feedback.md"
        if fb.exists():
            text = fb.read_text(encoding="utf-8")
            _check(sid, not any(c in text for c in bad), "control chars in feedback.md", findings)
        res = out / sid / "result.json"
        if res.exists():
            tests = json.loads(res.read_text())["tests"]
            strings = [str(v) for t in tests for v in t.values()]
            _check(sid, not any(c in s for s in strings for c in bad),
                   "control chars in result.json", findings)
            assert sum(t["earned"] for t in tests) <= expected[sid] + 1e-9 or sid in KNOWN_FINDINGS

    # -- nothing changed outside ------------------------------------------------------------
    kit_after = kit_snapshot()
    changed = sorted(k for k in kit_before.keys() | kit_after.keys() if kit_before.get(k) != kit_after.get(k))
    _check("kit", not changed, f"kit tree changed: {changed[:20]}", findings)
    site_after = site_snapshot()
    _check("site-packages", site_after == site_before,
           f"site-packages changed: {sorted(set(site_after.items()) ^ set(site_before.items()))}", findings)
    for sid, folder in folders.items():
        after = folder_snapshot(folder)
        _check(sid, after == subs_before[sid],
               f"submission folder changed: {sorted(set(after) ^ set(subs_before[sid]))[:10]}", findings)
    appeared = [str(p) for p in OUTSIDE_FILES if p.exists() and not outside_before[p]]
    _check("outside", not appeared, f"files appeared: {appeared}", findings)
    assert dict(os.environ) == env_before
    _check("network", not listeners.got, f"reached the test's listeners: {listeners.got}", findings)

    # -- processes and memory ---------------------------------------------------------------
    left = {}
    for _ in range(5):
        left = {pid: info for pid, info in proc_table().items()
                if pid not in procs_before and pid != os.getpid() and info["state"][0] != "Z"
                and info["ppid"] != 2 and _of_batch(pid, scratch)}  # no kernel threads
        if not left:
            break
        time.sleep(1.0)
    for info in left.values():
        parent = _proc_info(str(info["ppid"]))
        with contextlib.suppress(OSError):
            info["home"] = [v for v in Path(f"/proc/{info['pid']}/environ").read_bytes().split(b"\0")
                            if v.startswith(b"HOME=")]
        info["parent"] = parent and {k: parent[k] for k in ("pid", "uid", "state", "ppid", "cmd")}
    _check("processes", not left, f"left behind: {list(left.values())[:10]}", findings)
    for pid, info in left.items():  # the batch's own sandboxed leftovers only (never uid 0)
        if info["uid"] != 0:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(f"peak RSS: grading processes (root) {watcher.peak_root >> 20} MiB, any process "
          f"{max(watcher.peak_any, children_rss) >> 20} MiB (ru_maxrss of children "
          f"{children_rss >> 20} MiB); caps {GRADER_RSS_CAP >> 20} / {TREE_RSS_CAP >> 20} MiB")
    assert watcher.peak_root < GRADER_RSS_CAP
    assert max(watcher.peak_any, children_rss) < TREE_RSS_CAP

    for f in findings:
        print("FINDING", f)
    unknown = [f for f in findings if f.split(":", 1)[0] not in KNOWN_FINDINGS]
    assert not unknown, unknown
    if findings:
        pytest.xfail("; ".join(f"{k}: {KNOWN_FINDINGS[k]}" for k in {f.split(":", 1)[0] for f in findings}))
