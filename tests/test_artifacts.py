"""The artifact process (dldrill.sandbox.artifacts): submission-made files run confined.

An exported artifact is code in disguise: a TorchScript forward can call `torch.from_file` on any
path. These tests build such artifacts the way a student who read the kit would, and prove that
the artifact process (a) is confined like the submission's child (Landlock, limits), (b) keeps a
hostile artifact from reading the answer key or writing outside its scratch folder, (c) stops a
CPU burner at its budget and a memory bomb at its limit, and (d) gives the grader the right
answer on a good artifact, sandboxed and in-process alike. The grader's own reading of a
submission's files never follows a link.
"""

from __future__ import annotations

import io
import os
import pickle
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from dldrill.errors import StudentError, SubmissionCrashed, SubmissionTimeout
from dldrill.paths import solutions_root
from dldrill.sandbox.artifacts import (
    ArtifactError,
    ArtifactRunner,
    artifact_process,
    read_submission_file,
)
from dldrill.sandbox.client import SandboxBackend

A = "dldrill.sandbox.artifacts"
ANSWER_KEY_FILE = solutions_root() / "ch09" / "mnist_project.py"


def _saved(module: torch.nn.Module) -> bytes:
    buf = io.BytesIO()
    torch.jit.save(module, buf)
    return buf.getvalue()


class ReadsTheAnswerKey(torch.nn.Module):
    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.from_file(self.path, False, 64, dtype=torch.uint8)


class WritesOutside(torch.nn.Module):
    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = torch.from_file(self.path, True, 16, dtype=torch.uint8)
        t.fill_(65)
        return t


class BurnsCpu(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(1_000_000_000):
            x = x * 1.0000001 + 1e-9
        return x


class EatsMemory(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ones(3 << 30, dtype=torch.float32) + x.sum()  # 12 GiB, touched


def _good() -> tuple[torch.nn.Module, bytes]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                                torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                                torch.nn.Dropout(0.5), torch.nn.Linear(4 * 4 * 4, 3)).eval()
    return model, _saved(torch.jit.trace(model, torch.zeros(2, 1, 8, 8)))


def _landlock() -> bool:
    with artifact_process({"x.bin": b"0"}, "numpy") as proc:
        return bool(proc.confinement.get("landlock"))


@pytest.fixture(scope="module")
def has_landlock() -> bool:
    return _landlock()


@pytest.mark.parametrize("inprocess", [False, True], ids=["sandboxed", "inprocess"])
def test_a_good_artifact_gives_the_graders_answer(inprocess):
    model, data = _good()
    x = torch.randn(5, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    with artifact_process({"model.pt": data}, "torch", inprocess=inprocess, budget=20) as proc:
        loaded = proc.call("torch.jit:load", proc.path("model.pt"), map_location="cpu")
        ops = proc.call(f"{A}:torchscript_ops", loaded)
        got = proc.call(f"{A}:forward", loaded, x, batch=2)
        assert os.listdir(proc.folder) == ["model.pt"]
    with torch.no_grad():
        expected = model(x)
    assert isinstance(got, torch.Tensor) and got.shape == (5, 3)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
    assert "aten::_convolution" in ops and "aten::from_file" not in ops


def test_the_artifact_process_is_confined_like_the_child(tmp_path, has_landlock):
    sub = tmp_path / "sub"
    sub.mkdir()
    child = SandboxBackend(sub, device="cpu", mem_bytes=3 << 30, preload=("numpy",))
    try:
        child.start()
        child_conf = dict(child.confinement)
    finally:
        child.close()
    with artifact_process({"x.bin": b"0"}, "numpy", mem_bytes=3 << 30) as proc:
        conf = proc.confinement
        assert conf.get("rlimits", {}).get("RLIMIT_AS") == 3 << 30
        same = {k for k in child_conf if k not in ("uid", "granted", "refused", "pid")}
        assert {k: conf.get(k) for k in same} == {k: child_conf[k] for k in same}
        if has_landlock:
            with pytest.raises(StudentError) as err:
                proc.call("builtins:open", str(ANSWER_KEY_FILE), "rb")
            assert err.value.is_a("PermissionError")
            # nothing of the kit's judging code either
            with pytest.raises(StudentError):
                proc.call("dldrill.grading:tr", "a", "b")


def test_an_artifact_that_reads_the_answer_key_is_stopped(has_landlock):
    data = _saved(torch.jit.script(ReadsTheAnswerKey(str(ANSWER_KEY_FILE))))
    # The attack is real: loaded unconfined (in this process), it reads the answer key.
    leaked = torch.jit.load(io.BytesIO(data))(torch.zeros(1))
    assert bytes(leaked.tolist()) == ANSWER_KEY_FILE.read_bytes()[:64]
    if not has_landlock:
        pytest.skip("no Landlock on this kernel: file confinement not enforced")
    with artifact_process({"model.pt": data}, "torch", budget=20) as proc:
        loaded = proc.call("torch.jit:load", proc.path("model.pt"))
        assert "aten::from_file" in proc.call(f"{A}:torchscript_ops", loaded)
        with pytest.raises(StudentError) as err:
            proc.call(f"{A}:forward", loaded, torch.zeros(1))
        assert "from_file" in err.value.message  # the read failed; nothing came back


def test_an_artifact_that_writes_outside_its_scratch_is_stopped(tmp_path, has_landlock):
    if not has_landlock:
        pytest.skip("no Landlock on this kernel: file confinement not enforced")
    target = tmp_path / "planted.bin"
    data = _saved(torch.jit.script(WritesOutside(str(target))))
    with artifact_process({"model.pt": data}, "torch", budget=20) as proc:
        loaded = proc.call("torch.jit:load", proc.path("model.pt"))
        with pytest.raises(StudentError):
            proc.call(f"{A}:forward", loaded, torch.zeros(1))
    assert not target.exists()


def test_a_cpu_burning_artifact_is_stopped_at_its_budget():
    data = _saved(torch.jit.script(BurnsCpu()))
    t0 = time.monotonic()
    with artifact_process({"model.pt": data}, "torch", budget=2.0) as proc:
        loaded = proc.call("torch.jit:load", proc.path("model.pt"))
        with pytest.raises(SubmissionTimeout) as err:
            proc.call(f"{A}:forward", loaded, torch.zeros(3))
        assert err.value.kind == "cpu"
        assert proc.cpu_seconds() < 4.0
    assert time.monotonic() - t0 < 120


def test_a_memory_bombing_artifact_meets_the_limit():
    data = _saved(torch.jit.script(EatsMemory()))
    with artifact_process({"model.pt": data}, "torch", mem_bytes=2 << 30, budget=30) as proc:
        loaded = proc.call("torch.jit:load", proc.path("model.pt"))
        with pytest.raises((StudentError, SubmissionCrashed)):
            proc.call(f"{A}:forward", loaded, torch.zeros(3))
        assert proc.confinement.get("rlimits", {}).get("RLIMIT_AS") == 2 << 30


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch /tmp/dldrill-artifact-pwned",))


def test_saved_weights_load_as_tensors_only(tmp_path):
    model, _ = _good()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    evil = pickle.dumps({"weight": _Exploit()})
    with artifact_process({"w.pt": buf.getvalue(), "evil.pt": evil}, "torch", budget=20) as proc:
        state = proc.call("torch:load", proc.path("w.pt"), map_location="cpu", weights_only=True)
        assert isinstance(state, dict) and sorted(state) == sorted(model.state_dict())
        for k, v in model.state_dict().items():
            torch.testing.assert_close(state[k], v)
        with pytest.raises(StudentError):
            proc.call("torch:load", proc.path("evil.pt"), weights_only=True)
    assert not Path("/tmp/dldrill-artifact-pwned").exists()


def test_artifact_names_cannot_be_importable():
    for bad in ("numpy.py", "x.so", "../x.pt", "sub/x.pt", "x.pyc", ".hidden.pt", "x"):
        with pytest.raises(ArtifactError):
            with artifact_process({bad: b"0"}, "numpy", inprocess=True):
                pass


def test_submission_files_are_read_without_following_links(tmp_path):
    sub = tmp_path / "sub"
    (sub / "ch09" / "artifacts").mkdir(parents=True)
    (sub / "ch09" / "artifacts" / "mnist.pt").write_bytes(b"weights")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "cifar10.pt").write_bytes(b"someone else's")
    (sub / "ch09" / "artifacts" / "cifar10.pt").symlink_to(outside / "cifar10.pt")
    (sub / "ch08").symlink_to(outside, target_is_directory=True)
    runner = ArtifactRunner(submission=sub)
    assert runner.submission_file("ch09/artifacts/mnist.pt") == b"weights"
    assert runner.submission_file("ch09/artifacts/none.pt") is None
    assert runner.submission_file("ch07/artifacts/none.pt") is None
    with pytest.raises(ArtifactError):
        runner.submission_file("ch09/artifacts/cifar10.pt")
    with pytest.raises(ArtifactError):
        runner.submission_file("ch08/cifar10.pt")
    for bad in ("../outside/cifar10.pt", "/etc/passwd", "ch09/../ch09/artifacts/mnist.pt"):
        with pytest.raises(ArtifactError):
            runner.submission_file(bad)
    with pytest.raises(ArtifactError):
        read_submission_file(sub, "ch09/artifacts/mnist.pt", max_bytes=3)
    assert np.frombuffer(runner.submission_file("ch09/artifacts/mnist.pt"), np.uint8).size == 7


def test_a_prepared_process_is_handed_out_once_with_only_its_files(tmp_path):
    model, data = _good()
    x = torch.randn(3, 1, 8, 8, generator=torch.Generator().manual_seed(2))
    runner = ArtifactRunner(submission=tmp_path)
    try:
        runner.prepare("torch")
        first = runner._warm["torch"][1]
        with runner.process({"model.pt": data}, "torch", budget=20) as proc:
            assert proc.backend is first and os.listdir(proc.folder) == ["model.pt"]
            loaded = proc.call("torch.jit:load", proc.path("model.pt"))
            got = proc.call(f"{A}:forward", loaded, x)
        assert first.proc is None  # closed once used
        with runner.process({"other.pt": data}, "torch", budget=20) as proc:
            assert proc.backend is not first and os.listdir(proc.folder) == ["other.pt"]
    finally:
        runner.close()
    with torch.no_grad():
        torch.testing.assert_close(got, model(x), rtol=1e-5, atol=1e-6)
