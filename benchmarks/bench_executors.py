"""The per-submission cost of the ways into grading: a notebook against the same code as a folder,
and the Dask executor against `--jobs`.

    python benchmarks/bench_executors.py [--copies 10] [--repeat 3] [--skip-dask]

On the issue's trivial assignment (ch01, three perceptron checks: `-k` below), through
`dldrill.grade.run_batch` in this process (no CLI start-up in the figures):
- notebooks: --copies copies of the answer key as chapter notebooks and as folders, each batch
  graded with --jobs 1 (fresh gradebook, the median of --repeat); the difference per submission
  in wall seconds, and the CPU-seconds of the notebook intake alone (`intake.open_submission`),
  which is all that differs. Target: <= 0.3 s per notebook.
- Dask: a LocalCluster of two workers on loopback (processes, one thread each), warmed up (each
  worker's fork server started), against --jobs 2 on the same machine; wall per submission of
  each, their difference, and the round trip of the Dask path without grading (pack, submit,
  unpack on the worker, answer) per submission.
The machine is shared: read the load average printed first, compare figures of one run only.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dldrill.grade import Settings, run_batch  # noqa: E402
from dldrill.intake import ZipLimits, open_submission  # noqa: E402
from dldrill.paths import solutions_root  # noqa: E402

TRIVIAL = "test_perceptron and (step_values or init_creates or predict_one)"


def notebook_json() -> str:
    """ch01's notebook with the answer key in every tagged cell."""
    import nbformat

    from dldrill.notebooks import chapter_notebook

    nb = chapter_notebook("ch01")
    for cell in nb.cells:
        for tag in cell.metadata.get("tags", []):
            if tag.startswith("dldrill:ch"):
                rel = tag.split(":", 1)[1]
                cell.source = f"# dldrill:{rel}\n" + (solutions_root() / rel).read_text()
    return nbformat.writes(nb)


def batch_wall(subs: list[Path], out: Path, jobs: int, remote: object = None) -> float:
    shutil.rmtree(out, ignore_errors=True)
    settings = Settings(out=out, chapters=["ch01"], jobs=jobs, lang="en", timeout=300,
                        select=TRIVIAL, remote=remote, forkserver=remote is None)
    start = time.perf_counter()
    outcomes = run_batch(subs, settings, stream=io.StringIO())
    wall = time.perf_counter() - start
    bad = [o.row["status"] for o in outcomes if o.row["status"] != "graded"]
    if bad:
        sys.exit(f"not graded: {bad[:3]}")
    return wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    n = args.copies
    figures: dict[str, float] = {"load_average_1min_before": os.getloadavg()[0]}
    tmp = Path(tempfile.mkdtemp(prefix="bench-exec-"))
    try:
        folders, notebooks = [], []
        text = notebook_json()
        for i in range(n):
            shutil.copytree(solutions_root() / "ch01", tmp / "folders" / f"s{i:02d}" / "ch01",
                            ignore=shutil.ignore_patterns("__pycache__"))
            folders.append(tmp / "folders" / f"s{i:02d}")
            (tmp / "notebooks").mkdir(exist_ok=True)
            (tmp / "notebooks" / f"s{i:02d}.ipynb").write_text(text)
            notebooks.append(tmp / "notebooks" / f"s{i:02d}.ipynb")
        walls: dict[str, list[float]] = {"folder": [], "notebook": []}
        for _ in range(args.repeat):  # interleaved, so that load changes hit both alike
            walls["folder"].append(batch_wall(folders, tmp / "out", 1))
            walls["notebook"].append(batch_wall(notebooks, tmp / "out", 1))
        folder_s = statistics.median(walls["folder"]) / n
        notebook_s = statistics.median(walls["notebook"]) / n
        start = time.process_time()
        for i in range(20):
            (tmp / "intake" / str(i)).mkdir(parents=True)
            open_submission(notebooks[0], tmp / "intake" / str(i), ZipLimits())
        figures.update(folder_wall_per_submission_s=folder_s, notebook_wall_per_submission_s=notebook_s,
                       notebook_extra_wall_per_submission_s=notebook_s - folder_s,
                       notebook_intake_cpu_s=(time.process_time() - start) / 20)
        print(f"--jobs 1, {n} submissions: folder {folder_s:.3f} s/submission, notebook "
              f"{notebook_s:.3f} s/submission: {notebook_s - folder_s:+.3f} s "
              f"(notebook intake alone {figures['notebook_intake_cpu_s'] * 1000:.1f} ms CPU; "
              "target <= 0.3 s)")
        if not args.skip_dask:
            figures.update(dask_figures(folders, tmp, args.repeat))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}, indent=1))
    return 0


def dask_figures(subs: list[Path], tmp: Path, repeat: int) -> dict[str, float]:
    from distributed import LocalCluster

    from dldrill.executors import connect, pack
    from dldrill.process import ChildResult

    n = len(subs)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        remote = connect(cluster.scheduler_address)
        try:
            batch_wall(subs[:2], tmp / "out", 2, remote)  # warm-up: each worker's fork server
            local, dask = [], []
            for _ in range(repeat):
                local.append(batch_wall(subs, tmp / "out", 2))
                dask.append(batch_wall(subs, tmp / "out", 2, remote))
            local_s, dask_s = statistics.median(local) / n, statistics.median(dask) / n
            # The Dask path's own round trip: pack, send, unpack on a worker, answer — no grading.
            settings = Settings(out=tmp, chapters=["ch01"])
            start = time.perf_counter()
            for sub in subs:
                payload = pack(sub, settings.limits)
                fut = remote.client.submit(_unpack_only, payload, pure=False)
                ChildResult(**fut.result())
            trip = (time.perf_counter() - start) / n
        finally:
            remote.close()
    print(f"--jobs 2 vs Dask (2 workers x 1 thread, loopback), {n} submissions: local "
          f"{local_s:.3f} s/submission, Dask {dask_s:.3f} s/submission: {dask_s - local_s:+.3f} s; "
          f"round trip without grading {trip * 1000:.1f} ms/submission")
    return {"jobs2_wall_per_submission_s": local_s, "dask_wall_per_submission_s": dask_s,
            "dask_extra_wall_per_submission_s": dask_s - local_s, "dask_round_trip_s": trip}


def _unpack_only(payload: bytes) -> dict:
    """What a worker does for a task, minus the grading process."""
    from dldrill.intake import locate, safe_extract

    tmp = Path(tempfile.mkdtemp(prefix="bench-unpack-"))
    try:
        (tmp / "s.zip").write_bytes(payload)
        (tmp / "s").mkdir()
        safe_extract(tmp / "s.zip", tmp / "s", ZipLimits())
        locate(tmp / "s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"code": 0, "stdout": b"", "stderr_tail": b""}


if __name__ == "__main__":
    raise SystemExit(main())
