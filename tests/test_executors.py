"""`dldrill grade --executor dask`: a local Dask cluster of two workers on loopback (processes, one
thread each) grades a trivial assignment with the same records as `--jobs 2`; a worker whose kit
differs refuses, as that submission's status."""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dldrill.grade import Settings, run_batch
from dldrill.paths import kit_root, solutions_root

distributed = pytest.importorskip("distributed")

SELECT = "test_perceptron and (step_values or init_creates or predict_one)"


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    # (Starting workers changes this process's environment; tests/conftest.py puts it back.)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as c:
        yield c


def _submissions(root: Path) -> list[Path]:
    good = root / "alice" / "ch01"
    shutil.copytree(solutions_root() / "ch01", good, ignore=shutil.ignore_patterns("__pycache__"))
    strict = root / "bob" / "ch01"
    shutil.copytree(good, strict)
    path = strict / "perceptron.py"
    path.write_text(path.read_text().replace("(np.asarray(z) >= 0)", "(np.asarray(z) > 0)"))
    return [root / "alice", root / "bob"]


def _tables(out: Path) -> tuple[list, list]:
    db = sqlite3.connect(out / "gradebook.sqlite")
    subs = db.execute("SELECT key, status, total_points, max_points, items, chapters, content_hash "
                      "FROM submissions ORDER BY key").fetchall()
    cols = [r[1] for r in db.execute("PRAGMA table_info(tests)")]
    tests = db.execute(f"SELECT {', '.join(cols)} FROM tests ORDER BY submission, nodeid").fetchall()
    db.close()
    return subs, tests


def test_dask_cluster_grades_like_jobs_2(cluster, tmp_path):
    subs = _submissions(tmp_path / "in")
    base = [sys.executable, "-m", "dldrill", "grade", *map(str, subs), "--chapters", "ch01",
            "-k", SELECT, "--lang", "en"]
    local = run_batch(subs, Settings(out=tmp_path / "local", chapters=["ch01"], jobs=2, lang="en",
                                     select=SELECT), stream=io.StringIO())
    dask = subprocess.run([*base, "--out", str(tmp_path / "dask"), "--executor", "dask",
                           "--scheduler", cluster.scheduler_address],
                          capture_output=True, text=True, cwd=kit_root(), timeout=300)
    assert [o.row["status"] for o in local] == ["graded", "graded"]
    assert dask.returncode == 0, dask.stderr
    assert "2 at a time" in dask.stderr  # the cluster's two threads
    local_subs, local_tests = _tables(tmp_path / "local")
    dask_subs, dask_tests = _tables(tmp_path / "dask")
    assert dask_subs == local_subs and dask_tests == local_tests
    assert [s[1] for s in dask_subs] == ["graded", "graded"]
    assert dask_subs[0][2] == dask_subs[0][3] and dask_subs[1][2] < dask_subs[1][3]
    assert len(dask_tests) == 6
    cols = [r[1] for r in sqlite3.connect(tmp_path / "dask" / "gradebook.sqlite").execute(
        "PRAGMA table_info(tests)")]
    failed = [dict(zip(cols, t, strict=True)) for t in dask_tests
              if dict(zip(cols, t, strict=True))["outcome"] == "failed"]
    assert {f["submission"] for f in failed} == {"bob"}
    assert any("step_values" in f["nodeid"] for f in failed)


def test_a_worker_with_another_kit_refuses(cluster, tmp_path):
    from dldrill.executors import connect

    subs = _submissions(tmp_path / "in")[:1]
    remote = connect(cluster.scheduler_address)
    try:
        remote.hashes[("ch01",)] = "0" * 64  # as if the instructor's kit were another version
        settings = Settings(out=tmp_path / "out", chapters=["ch01"], lang="en", timeout=120,
                            select=SELECT, remote=remote, forkserver=False)
        [out] = run_batch(subs, settings, stream=io.StringIO())
    finally:
        remote.close()
    assert out.row["status"].startswith("error: RuntimeError: this worker's kit differs"), out.row


def test_dask_needs_a_scheduler(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dldrill", "grade", str(tmp_path), "--out",
                           str(tmp_path / "out"), "--executor", "dask"],
                          capture_output=True, text=True, cwd=kit_root(), timeout=120)
    assert proc.returncode == 2 and "--executor dask needs --scheduler ADDRESS" in proc.stderr
