"""Graders for ch04.cnn, the PyTorch models (checklist: cnn-cifar10).

Models are judged by what they compute: the learner's model runs in the submission, its weights
come back with `execution_trace` and are loaded here into the answer key's architecture
(`load_by_execution`), so attribute names, declaration order, F.relu vs nn.ReLU do not matter.
build_keras_cnn is graded in test_cnn_keras.py (a TensorFlow child), MNISTNet's accuracy in
test_cnn_training.py; both count toward ch04.cnn.

Accepted alternative: named layers, F.relu and F.max_pool2d in forward
(fixtures/submissions/alternatives/ch04_cnn_functional_forward.toml).
"""

import numpy as np
import torch

from dldrill.grading import assert_close, assert_shape, failure, grader, load_by_execution, tr
from dldrill.paths import solutions_root
from dldrill.sandbox.api import reference_importer

MODULE = "ch04.cnn"
BUILDERS = "dldrill.childkit.builders"

HINT_SIMPLE = tr("Conv2d(1, 16, 3, padding=1) → ReLU → MaxPool2d(2, 2) → Flatten → Linear(16*14*14, 10)",
                 "Conv2d(1, 16, 3, padding=1) → ReLU → MaxPool2d(2, 2) → Flatten → "
                 "Linear(16*14*14, 10)")
HINT_MNIST = tr("(Conv-BN-ReLU)×2 → MaxPool(2) → Dropout2d(0.25) → Conv-BN-ReLU → MaxPool(2) → "
                "Dropout2d(0.25) → Flatten → Linear(128*7*7, 256) → ReLU → Dropout(0.5) → Linear(256, 10)",
                "(Conv-BN-ReLU)×2 → MaxPool(2) → Dropout2d(0.25) → Conv-BN-ReLU → MaxPool(2) → "
                "Dropout2d(0.25) → Flatten → Linear(128*7*7, 256) → ReLU → Dropout(0.5) → "
                "Linear(256, 10)")


def _key():
    """The answer key's ch04.cnn, imported in this trusted process."""
    return reference_importer(solutions_root())("ch04.cnn")


def param_count(model) -> int:
    """The number of scalars in `model.parameters()`, read through the handle (the learner's own
    model answers; nothing of the kit counts in the submission)."""
    return int(sum(int(np.prod(tuple(p.shape))) for p in model.parameters()))


def matched_output(student, model, ref, x, what, hint):
    """Warms the learner's BatchNorm statistics, traces it in eval mode, loads its weights into
    `ref` (the answer key's architecture) and compares the two outputs."""
    model.train()
    model(x * 1.5 + 0.2)
    model.eval()
    trace = student.call(f"{BUILDERS}:execution_trace", model, x)
    load_by_execution(ref, trace, x, what=what, hint=hint)
    ref.eval()
    with torch.no_grad():
        expected = ref(x)
    got = model(x)  # the learner's own forward, not the trace's record of it
    assert_shape(got, tuple(expected.shape), what, hint)
    assert_close(got, expected, rtol=1e-4, atol=1e-5,
                 what=f"{what} vs the curriculum model with the same weights", hint=hint)


@grader("cnn-cifar10", points=1)
def test_simple_cnn_parameter_count(student):
    expected = (16 * 9 + 16) + (16 * 14 * 14 * 10 + 10)
    got = param_count(student.call(f"{MODULE}:SimpleCNN"))
    if got != expected:
        raise failure("SimpleCNN(): number of parameters", f"{expected:,}", f"{got:,}", HINT_SIMPLE)


@grader("cnn-cifar10", points=2)
def test_simple_cnn_forward_matches_the_curriculum_model(student, rng):
    x = torch.from_numpy(rng.standard_normal((3, 1, 28, 28)).astype(np.float32))
    matched_output(student, student.call(f"{MODULE}:SimpleCNN"), _key().SimpleCNN(), x,
                    "SimpleCNN()(x (3, 1, 28, 28))", HINT_SIMPLE)


@grader("cnn-cifar10", points=1)
def test_mnistnet_parameter_count(student):
    expected = ((9 * 32 + 32) + 64 + (9 * 32 * 64 + 64) + 128 + (9 * 64 * 128 + 128) + 256
                + (128 * 7 * 7 * 256 + 256) + (256 * 10 + 10))
    got = param_count(student.call(f"{MODULE}:MNISTNet"))
    if got != expected:
        raise failure("MNISTNet(): number of parameters", f"{expected:,}", f"{got:,}", HINT_MNIST)


@grader("cnn-cifar10", points=2)
def test_mnistnet_forward_matches_the_curriculum_model(student, rng):
    x = torch.from_numpy(rng.standard_normal((4, 1, 28, 28)).astype(np.float32))
    matched_output(student, student.call(f"{MODULE}:MNISTNet"), _key().MNISTNet(), x,
                    "MNISTNet().eval()(x (4, 1, 28, 28))", HINT_MNIST)


@grader("cnn-cifar10", points=1)
def test_mnistnet_dropout_layers(student, rng):
    """Dropout2d(0.25) after each pooling, Dropout(0.5) in the classifier, in this order."""
    model = student.call(f"{MODULE}:MNISTNet")
    model.train()
    x = torch.from_numpy(rng.standard_normal((2, 1, 28, 28)).astype(np.float32))
    trace = student.call(f"{BUILDERS}:execution_trace", model, x)
    got = [(c["type"], c["config"].get("p")) for c in trace["calls"] if "Dropout" in c["type"]]
    expected = [("Dropout2d", 0.25), ("Dropout2d", 0.25), ("Dropout", 0.5)]
    if got != expected:
        raise failure("MNISTNet(): dropout modules in forward order", str(expected), str(got),
                      tr("특징부에는 채널 단위 nn.Dropout2d(0.25), 분류부에는 nn.Dropout(0.5) 모듈을 쓰세요",
                         "use nn.Dropout2d(0.25) modules (whole channels) in the features and "
                         "nn.Dropout(0.5) in the classifier"))
