"""A sandboxed child forked from the grading process is as fresh and as confined as a started one.

`dldrill grade` (and the sample runner) fork each grading process from a warm fork server; that
process forks its sandboxed children at configure time (`SandboxBackend._may_fork`) instead of
starting an interpreter and importing the frameworks again. These tests run in a separate Python
with the fork server's settings (PYTHONHASHSEED=0, one BLAS thread), as the grading process has.
The child is the submission: what it can see of the process it was forked from is attacked here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dldrill.paths import kit_root

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fork start is Linux-only")

PROBE = '''
import os, sys, random

def look():
    import numpy as np
    fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
    return {
        "fds": fds,
        "env_keys": sorted(os.environ),
        "path": list(sys.path),
        "argv": list(sys.argv),
        "meta_path": [type(f).__module__ for f in sys.meta_path],
        "numpy_draw": float(np.random.random()),
        "random_draw": random.random(),
        "uid": os.getuid(),
        "cwd": os.getcwd(),
        "tmp": __import__("tempfile").gettempdir(),
    }

def descriptors():
    """What each descriptor it holds leads to (pipes and sockets by kind only)."""
    out = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        out[int(name)] = target.split(":")[0] if ":" in target else os.path.basename(target)
    return out
'''

SCRIPT = r'''
import json, os, sys
from pathlib import Path
import numpy as np
from dldrill.sandbox.client import SandboxBackend, fork_window
from dldrill.sandbox.api import Submission

np.random.seed(1234)                    # the grader's state, which the child must not share
expected_draw = float(np.random.RandomState(1234).random())
sub = Path(sys.argv[1])
backend = SandboxBackend(sub, device="cpu", preload=("numpy",))
window = sys.argv[2] == "open"
if window:
    with fork_window():
        backend.start()
else:
    backend.start()
student = Submission(backend, "student")
look = student.call("probe:look")
hit = student.call("probe:descriptors")
print(json.dumps({"started": backend.confinement.get("started"), "look": look, "hit": hit,
                  "grader_draw": expected_draw}))
backend.close()
'''


def _run(tmp_path: Path, window: str, **env_extra: str) -> dict:
    sub = tmp_path / "sub"
    sub.mkdir(exist_ok=True)
    (sub / "probe.py").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "DLDRILL_NO_FORK"}
    env.update({"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", **env_extra})
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(sub), window], cwd=kit_root(),
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_forked_child_holds_only_its_own_descriptors(tmp_path):
    forked = _run(tmp_path, "open")
    assert forked["started"] == "fork"
    started = _run(tmp_path, "closed")
    assert started["started"] == "exec"
    # 0 (null), 1 and 2 (the output log), the two protocol pipes and the one listdir opened:
    # nothing of the grading process (its report pipe, sockets, files) is left to write to.
    kinds = sorted(forked["hit"].values())
    assert kinds == sorted(started["hit"].values()), (forked["hit"], started["hit"])
    assert kinds.count("pipe") == 2 and "socket" not in kinds, forked["hit"]


def test_a_forked_child_looks_like_a_started_one(tmp_path):
    forked, started = _run(tmp_path, "open")["look"], _run(tmp_path, "closed")["look"]
    assert forked["env_keys"] == started["env_keys"]          # the scrubbed environment
    assert forked["argv"] == started["argv"] == ["-c"]
    assert forked["path"] == started["path"]                  # no working folder, no pytest paths
    assert not any(m.startswith(("_pytest", "pytest")) for m in forked["meta_path"])
    if os.geteuid() == 0:  # each child runs as a uid of its own, never as the grader's
        from dldrill.sandbox.client import CHILD_UIDS

        assert all(CHILD_UIDS[0] <= d["uid"] < CHILD_UIDS[1] for d in (forked, started))
    assert Path(forked["cwd"]).name.startswith("dldrill-sandbox-")
    # temporary files go to the scratch folder (TMPDIR), not where the grader's went: a fork
    # must not keep tempfile's cached choice (Landlock would refuse the write)
    assert forked["tmp"] == forked["cwd"] and started["tmp"] == started["cwd"]


def test_a_forked_child_cannot_predict_the_graders_random_numbers(tmp_path):
    data = _run(tmp_path, "open")
    assert data["started"] == "fork"
    assert data["look"]["numpy_draw"] != data["grader_draw"]  # reseeded from the kernel
    again = _run(tmp_path, "open")
    assert again["look"]["numpy_draw"] != data["look"]["numpy_draw"]


def test_no_fork_outside_the_window_or_when_asked_not_to(tmp_path):
    assert _run(tmp_path, "closed")["started"] == "exec"
    assert _run(tmp_path, "open", DLDRILL_NO_FORK="1")["started"] == "exec"
    assert _run(tmp_path, "open", PYTHONHASHSEED="random")["started"] == "exec"


def test_a_grading_session_forks_its_child_and_keeps_every_point(tmp_path):
    """`dldrill grade` on the answer key of one module: the grading process is a fork of the fork
    server, its child a fork of it; every test passes, as started afresh."""
    sub = tmp_path / "alice" / "exercises"
    sub.parent.mkdir()
    import shutil

    shutil.copytree(kit_root() / "solutions" / "ch01", sub / "ch01")
    rows = {}
    for label, extra in (("fork", {}), ("exec", {"DLDRILL_NO_FORK": "1"})):
        out = tmp_path / f"out-{label}"
        env = {**os.environ, **extra}
        if not extra:
            env.pop("DLDRILL_NO_FORK", None)
        proc = subprocess.run(
            [sys.executable, "-m", "dldrill", "grade", str(sub.parent), "--out", str(out),
             "--chapters", "ch01", "--lang", "en", "-k", "test_perceptron"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        result = json.loads((out / "alice" / "result.json").read_text())
        assert result["sandbox"]["started"] == label
        rows[label] = {t["nodeid"]: (t["outcome"], t["earned"]) for t in result["tests"]}
    assert rows["fork"] == rows["exec"]
    assert rows["fork"] and all(outcome == "passed" for outcome, _ in rows["fork"].values())
