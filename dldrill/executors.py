"""`dldrill grade --executor dask --scheduler ADDRESS`: grading on the workers of a Dask cluster.

The instructor's `dldrill grade` keeps everything but the grading process: it reads, extracts and
hashes each submission, decides what a rerun skips, and writes the gradebook. What goes to the
cluster is one task per submission (`grade_on_worker`): the located folder's files packed as a
zip in memory (`pack`), the chapters, language, `-k` and timeout. The worker unpacks it with the
same checks as any zip (`intake.safe_extract`), runs the same grading process `--jobs` runs (the
graders, the submission in its own confined sandbox child; forked from a fork server the worker
keeps), and returns that process's raw output. The instructor validates it (`process.
validate_report`) exactly as for a local process, so a batch graded on the cluster and one graded
with `--jobs` give identical records. A worker whose kit differs from the instructor's (another
graders hash) refuses the task, which becomes that submission's error status.

The workers need the kit installed (`pip install -c constraints.txt 'dldrill[cluster]'`) at the
instructor's version; `distributed` is imported only here.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
import threading
import time
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dldrill.forkserver import ForkServer, ServerGone
from dldrill.grade import Settings, default_child_cmd, forkserver_preload
from dldrill.intake import SKIP_DIRS, Refused, ZipLimits, graders_hash, locate, safe_extract
from dldrill.process import ChildResult, Running, run_child

POLL_S = 0.2             # how often a waiting thread looks at the batch being interrupted
GRACE_S = 120.0          # beyond --timeout, how long the instructor waits for a worker's answer


def pack(folder: Path, limits: ZipLimits) -> bytes:
    """The regular files under `folder` (caches left out; links inside it read as files, the
    intake has refused any that leave it) as zip bytes; Refused past `limits`."""
    buf = io.BytesIO()
    total = members = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if name.endswith((".pyc", ".pyo")) or not stat.S_ISREG(path.stat().st_mode):
                    continue
                data = path.read_bytes()
                total += len(data)
                members += 1
                if total > limits.max_total_bytes or members > limits.max_members:
                    raise Refused("rejected", "submission folder too large to send to a worker")
                zf.writestr(path.relative_to(folder).as_posix(), data)
    return buf.getvalue()


# -- the worker's side ---------------------------------------------------------------------------
_LOCK = threading.Lock()
_SERVERS: dict[tuple[str, ...], ForkServer] = {}
_HASHES: dict[tuple[str, ...], str] = {}


def _worker_server(chapters: list[str]) -> ForkServer | None:
    """This worker's fork server for these chapters' preload, started once (again if it died)."""
    preload = tuple(forkserver_preload(chapters))
    with _LOCK:
        server = _SERVERS.get(preload)
        if server is None or not server.alive or server.proc.poll() is not None:
            try:
                server = ForkServer.start(list(preload))
            except (ServerGone, OSError):
                return None
            _SERVERS[preload] = server
        return server


def grade_on_worker(payload: bytes, chapters: list[str], lang: str, select: str | None,
                    timeout: float, forkserver: bool, expected_hash: str) -> dict[str, Any]:
    """Runs on a Dask worker: grades the zipped submission `payload` in a grading process, as
    `dldrill grade` does locally, and returns that process's ChildResult as a dict. RuntimeError
    when this worker's kit grades differently (its graders hash is not `expected_hash`)."""
    key = tuple(chapters)
    with _LOCK:
        if _HASHES.get(key) != expected_hash:  # first task, or the kit changed since: hash again
            _HASHES[key] = graders_hash(chapters)
        ours = _HASHES[key]
    if ours != expected_hash:
        raise RuntimeError(f"this worker's kit differs from the instructor's (graders hash "
                           f"{ours[:12]} != {expected_hash[:12]}): install the same dldrill version")
    tmp = Path(tempfile.mkdtemp(prefix="dldrill-worker-"))
    try:
        archive = tmp / "submission.zip"
        archive.write_bytes(payload)
        root = tmp / "submission"
        root.mkdir()
        safe_extract(archive, root, ZipLimits())
        folder = locate(root)
        work = tmp / "work"
        work.mkdir()
        cmd = default_child_cmd(folder, chapters, lang) + (["-k", select] if select else [])
        env = {**os.environ, "DLDRILL_LANG": lang}
        server = _worker_server(chapters) if forkserver else None
        res = run_child(cmd, timeout=timeout, cwd=work, env=env, running=Running(), server=server)
        return asdict(res)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- the instructor's side -----------------------------------------------------------------------
class DaskRemote:
    """`Settings.remote` for a Dask cluster: sends one located submission to a worker and waits
    for its grading process's output. Made by `connect`; `close()` when the batch is done."""

    def __init__(self, client: Any, forkserver: bool = True):
        self.client = client
        self.forkserver = forkserver
        self.hashes: dict[tuple[str, ...], str] = {}

    @property
    def threads(self) -> int:
        """Task slots of the cluster now (the batch keeps this many submissions in flight)."""
        return max(1, sum(self.client.nthreads().values()))

    def __call__(self, folder: Path, settings: Settings, running: Running) -> ChildResult:
        key = tuple(settings.chapters)
        if key not in self.hashes:
            self.hashes[key] = graders_hash(settings.chapters)
        payload = pack(folder, settings.limits)
        future = self.client.submit(grade_on_worker, payload, settings.chapters, settings.lang,
                                    settings.select, settings.timeout, self.forkserver,
                                    self.hashes[key], pure=False)
        deadline = time.monotonic() + settings.timeout + GRACE_S
        done = threading.Event()
        future.add_done_callback(lambda _: done.set())
        try:
            while not done.wait(POLL_S):
                if running.stopping:
                    raise RuntimeError("interrupted")
                if time.monotonic() > deadline:
                    return ChildResult(None, b"", b"no answer from the worker", timed_out=True)
            return ChildResult(**future.result())
        finally:
            if not future.done():
                future.cancel()
            future.release()

    def close(self) -> None:
        self.client.close()


def connect(address: str, forkserver: bool = True, timeout: float = 30.0) -> DaskRemote:
    """A DaskRemote on the scheduler at `address` (e.g. `tcp://10.0.0.5:8786`); OSError when it
    cannot be reached, ImportError without `distributed` (the `cluster` extra)."""
    from distributed import Client

    client = Client(address, timeout=timeout, set_as_default=False)
    return DaskRemote(client, forkserver)
