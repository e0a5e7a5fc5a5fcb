"""Graders for ch02.sequential (checklist: keras-apis).

The child is the submission, so nothing it reports is believed until behaviour confirms it. The
model's graph is read as plain data (`dldrill.childkit.ch02:keras_graph`: every operation with
its class, config, variables and the calls that fed it, plus the compile settings) for the
diagnosis: the layers in the order the graph *runs* them, input to output; an activation inside
Dense or as its own layer (Activation("relu"), layers.ReLU(), layers.Softmax()) reads the same,
and so do `keras.Sequential([...])`, `.add()` one layer at a time and `input_shape=` on the first
layer. Then it is verified: random weights and BatchNorm statistics are set through the learner's
own `set_weights` and must read back unchanged; the learner's model, called in the child on
grader inputs (only NumPy crosses), must give the curriculum's model computed here in NumPy with
those weights; each Dropout, called on its own in training mode, must drop the fraction its
config says; parameter counts are summed here from the variables' shapes. The compile settings
are verified by what they do: `compute_loss` and `compute_metrics` on grader probabilities
against the values computed here, and the model's optimizer object driving two steps of a linear
model the grader builds in the child, against Keras' Adam at 0.001 computed here.

Accuracy: the learner's model is trained in the submission on the training part of
scikit-learn's digits (Keras `fit`, the learner's compile settings, keras.utils.set_random_seed(0));
its weights come back as raw arrays, are confirmed to be the model's (its outputs on grader
inputs are the curriculum model's with them) and the test part is scored here, in NumPy — the
test images never cross, and the child cannot read sklearn's labelled copy (Landlock).

Budget: the answer key's build + fit (10 epochs, batch 32, 1347 images) takes 1.6 CPU-s in a
plain one-thread process (time.process_time()) and 1.5-2.0 CPU-s for the whole test through the
sandbox (cpu_s of runs on the 2-core dev machine at load 9-16; the test's cpu_s also counts the
checks after the fit); the budget is 15 CPU-s, more than five times the highest. Test accuracy 0.971.

Also caught without a sample of their own: a wrong dropout rate (test_build_mlp_layers and the
architecture check of test_build_mlp_learns_digits), a Dense without its activation anywhere in
the stack, a wrong learning rate, metrics left out, num_classes or input_dim ignored.
Accepted alternative: the curriculum's `input_shape=` on the first Dense with `.add()` and
`from tensorflow import keras`, an activation as its own Activation layer
(fixtures/submissions/alternatives/ch02_models_other_style.toml).
"""

import numpy as np

from dldrill.data import digits_split
from dldrill.grading import assert_close, assert_shape, failure, grader, tr
from dldrill.grading.keras_graph import (
    check_compiled,
    check_dropout,
    dense_weights,
    first_difference,
    graph_path,
    layer_variables,
    outputs,
    params,
    set_random_weights,
)

MODULE = "ch02.sequential"
CHILDKIT = "dldrill.childkit.ch02"
BUDGET = 15.0  # CPU-seconds for build_mlp(64, 10) + 10 epochs of fit (answer key: at most 2.6)

HINT = tr("Input(shape=(input_dim,)) → Dense(128, relu) → Dropout(0.3) → Dense(64, relu) → "
          "BatchNormalization → Dropout(0.3) → Dense(num_classes, softmax), 이 순서 그대로",
          "exactly Input(shape=(input_dim,)) → Dense(128, relu) → Dropout(0.3) → Dense(64, relu) → "
          "BatchNormalization → Dropout(0.3) → Dense(num_classes, softmax)")
HINT_COMPILE = tr("model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), "
                  "loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])를 호출한 뒤 "
                  "model을 돌려주세요",
                  "call model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), "
                  "loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"]) and return "
                  "the model")


# -- reading the graph ------------------------------------------------------------------------------
def _expected(num_classes: int) -> list[str]:
    return ["Input", "Dense(128)", "relu", "Dropout(0.3)", "Dense(64)", "relu", "BatchNormalization",
            "Dropout(0.3)", f"Dense({num_classes})", "softmax"]


def _params(input_dim: int, num_classes: int) -> int:
    return (input_dim * 128 + 128) + (128 * 64 + 64) + 4 * 64 + (64 * num_classes + num_classes)


def _build(student, **kwargs) -> tuple:
    shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    model = student.call(f"{MODULE}:build_mlp", **kwargs)
    return model, student.call(f"{CHILDKIT}:keras_graph", model), f"build_mlp({shown})"


# -- the curriculum's model, computed here ----------------------------------------------------------
def curriculum_forward(info: dict, x: np.ndarray, input_dim: int, num_classes: int, what: str) -> np.ndarray:
    """The curriculum's MLP in inference mode (dropout off, BatchNorm with its moving statistics,
    epsilon 1e-3 as Keras' default), float64, with the learner's weights."""
    k1, b1 = dense_weights(info, (input_dim, 128), what, HINT)
    k2, b2 = dense_weights(info, (128, 64), what, HINT)
    k3, b3 = dense_weights(info, (64, num_classes), what, HINT)
    bn = [layer_variables(op) for op in info["ops"] if op["class"] == "BatchNormalization"]
    if len(bn) != 1 or not {"gamma", "beta", "moving_mean", "moving_variance"} <= set(bn[0]):
        raise failure(f"{what}: BatchNormalization layers", "1", str(len(bn)), HINT)
    g = bn[0]
    h = np.maximum(x @ k1 + b1, 0.0)
    h = np.maximum(h @ k2 + b2, 0.0)
    h = (h - g["moving_mean"]) / np.sqrt(g["moving_variance"] + 1e-3) * g["gamma"] + g["beta"]
    z = h @ k3 + b3
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _verified(student, model, input_dim: int, num_classes: int, rng, what: str) -> dict:
    """Random weights set through the learner's `set_weights` and read back; the model's outputs
    on grader inputs against the curriculum's model computed here with them. Returns the
    description with the weights."""
    info, _ = set_random_weights(student, model, rng, what, HINT)
    x = rng.standard_normal((6, input_dim)).astype(np.float32)
    got = outputs(student, model, x)
    expected = curriculum_forward(info, x.astype(np.float64), input_dim, num_classes, what)
    assert_shape(got, expected.shape, f"{what}(x (6, {input_dim}), training=False)", HINT)
    assert_close(got, expected, rtol=1e-4, atol=1e-5,
                 what=f"{what}(x, training=False) vs the curriculum model with the same weights",
                 hint=HINT)
    return info


# -- graders ----------------------------------------------------------------------------------------
@grader(points=2)
def test_build_mlp_layers(student, rng):
    """Layer types, order, units, activations and dropout rates, confirmed by behaviour (the
    forward pass with random weights, each Dropout in training mode); exact parameter counts for
    the defaults (784 inputs, 10 classes) and for 64 inputs."""
    for kwargs in ({}, {"input_dim": 64, "num_classes": 10}):
        model, info, what = _build(student, **kwargs)
        input_dim, num_classes = kwargs.get("input_dim", 784), kwargs.get("num_classes", 10)
        expected, got = _expected(num_classes), graph_path(info)
        if got != expected:
            e, g = first_difference(expected, got)
            raise failure(f"{what}: layers from input to output (first difference)", e, g, HINT,
                          [tr("기대한 전체: ", "expected in full: ").render() + " · ".join(expected),
                           tr("받은 전체: ", "got in full: ").render() + " · ".join(got)])
        n = _params(input_dim, num_classes)
        total, trainable = params(info)
        if total != n:
            raise failure(f"{what}.count_params()", f"{n:,}", f"{total:,}", HINT)
        if trainable != n - 2 * 64:  # BatchNormalization's moving mean and variance are not trained
            raise failure(f"{what}: trainable parameters", f"{n - 2 * 64:,}", f"{trainable:,}", HINT)
        info = _verified(student, model, input_dim, num_classes, rng, what)
        check_dropout(student, model, info, what, HINT)


@grader(points=1)
def test_build_mlp_other_sizes(student, rng):
    model, info, what = _build(student, input_dim=20, num_classes=3)
    hint = tr("keras.Input(shape=(input_dim,))로 시작하고 마지막 Dense는 num_classes개, softmax",
              "start with keras.Input(shape=(input_dim,)); the last Dense has num_classes units "
              "and softmax")
    if list(info["input_shape"] or []) != [None, 20]:
        raise failure(f"{what}.input_shape", "(None, 20)", str(info["input_shape"]), hint)
    if list(info["output_shape"] or []) != [None, 3]:
        raise failure(f"{what}.output_shape", "(None, 3)", str(info["output_shape"]), hint)
    if params(info)[0] != _params(20, 3):
        raise failure(f"{what}.count_params()", f"{_params(20, 3):,}", f"{params(info)[0]:,}", hint)
    x = rng.random((4, 20)).astype(np.float32)
    probs = outputs(student, model, x)
    assert_shape(probs, (4, 3), f"{what}(x (4, 20))", hint)
    assert_close(probs.sum(axis=1), np.ones(4), rtol=1e-4, atol=1e-4,
                 what=f"{what}(x): each row's sum (softmax probabilities)", hint=hint)
    _verified(student, model, 20, 3, rng, what)


@grader(points=2)
def test_build_mlp_forward_matches_the_curriculum_model(student, rng):
    """Random weights and BatchNorm statistics in the learner's model (read back unchanged); its
    inference outputs against the curriculum's model computed here with the same weights."""
    model, _, what = _build(student, input_dim=12, num_classes=5)
    _verified(student, model, 12, 5, rng, what)


@grader(points=1)
def test_build_mlp_is_compiled(student, rng):
    """Adam(0.001), sparse categorical cross-entropy and accuracy, by what they do (see
    `keras_graph.check_compiled`)."""
    model, info, what = _build(student, input_dim=64, num_classes=10)
    check_compiled(student, model, info["compile"], 10, rng, what, HINT_COMPILE)


@grader(points=2)
def test_build_mlp_learns_digits(student, rng):
    """>= 0.90 test accuracy on scikit-learn's digits after 10 epochs of fit, scored here with
    the weights read back (see the module docstring: answer key at most 2.6 CPU-s, budget 15
    CPU-s)."""
    _, info, what = _build(student, input_dim=64, num_classes=10)
    if graph_path(info) != _expected(10) or params(info)[0] != _params(64, 10):  # before training
        raise failure(f"{what}: the architecture, checked before training",
                      " · ".join(_expected(10)), " · ".join(graph_path(info)), HINT)
    X_tr, X_te, y_tr, y_te = digits_split()
    with student.time_limit(BUDGET, "build_mlp(64, 10) + fit(10 epochs, batch 32) on digits"):
        student.call("keras.utils:set_random_seed", 0)
        model = student.call(f"{MODULE}:build_mlp", input_dim=64, num_classes=10)
        model.fit(X_tr.astype(np.float32), y_tr, epochs=10, batch_size=32, verbose=0)
    info = student.call(f"{CHILDKIT}:keras_graph", model, weights=True)
    what = "build_mlp(input_dim=64, num_classes=10) after fit"
    probe = rng.uniform(0.0, 16.0, (8, 64)).astype(np.float32)  # the weights are the model's
    assert_close(outputs(student, model, probe), curriculum_forward(info, probe.astype(np.float64),
                                                                    64, 10, what),
                 rtol=1e-4, atol=1e-5, what=f"{what}: model(x) vs the curriculum model with the "
                 "weights read back", hint=HINT)
    probs = curriculum_forward(info, X_te, 64, 10, what)
    acc = float(np.mean(probs.argmax(axis=1) == y_te))
    if not acc >= 0.90:
        raise failure(f"{what}: test accuracy on {len(y_te)} digits", ">= 0.90", f"{acc:.3f}", HINT)
