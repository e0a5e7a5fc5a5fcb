"""Graders for ch02.functional (checklist: keras-apis).

The child is the submission, so nothing it reports is believed until behaviour confirms it. The
model's graph is read as plain data (`dldrill.childkit.ch02:keras_graph`: every operation with
its class, config, variables and the calls that fed it, plus the compile settings) for the
diagnosis, from the output back to the input: the layers after the join, the join itself (it
must be `Add`: `layers.Add()([x, skip])`, `layers.add(...)` or `x + skip`) and the two branches
into it, in either order — declaring the skip branch first, or an activation as its own layer
(Activation("relu"), layers.ReLU()), reads the same. Then it is verified: random weights set
through the learner's own `set_weights` must read back unchanged, and the learner's model, called
in the child on grader inputs (only NumPy crosses), must give the curriculum's model computed
here in NumPy with those weights (each Dense recognised by its kernel's shape, all different);
the Dropout, called on its own in training mode, must drop the fraction its config says;
parameter counts are summed here from the variables' shapes. The compile settings are verified
by what they do (`compute_loss`, `compute_metrics`, and the model's optimizer driving two steps
of a linear model the grader builds in the child, against Keras' Adam at 0.001 computed here).
Accuracy: the learner's model is trained in the submission on the training part of
scikit-learn's digits (Keras `fit`, the learner's compile settings,
keras.utils.set_random_seed(0)); its weights come back as raw arrays, are confirmed to be the
model's, and the test part is scored here, in NumPy — the test images never cross, and the child
cannot read sklearn's labelled copy (Landlock).

Budget: the answer key's build + fit (10 epochs, batch 32, 1347 images) takes 1.7 CPU-s in a
plain one-thread process (time.process_time()) and 1.8-2.6 CPU-s for the whole test through the
sandbox (cpu_s of runs on the 2-core dev machine at load 9-16; the test's cpu_s also counts the
checks after the fit); the budget is 15 CPU-s, more than five times the highest. Test accuracy 0.982.

Also caught without a sample of their own: the skip branch starting from the main branch instead
of the inputs, an unused skip branch (Keras drops it from the graph), the wrong dropout rate.
Accepted alternative: the skip branch declared first, `layers.add`, ReLU/Softmax layers, loss and
metric objects, `Adam()` at its default 0.001
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
    outputs,
    params,
    set_random_weights,
)

MODULE = "ch02.functional"
CHILDKIT = "dldrill.childkit.ch02"
BUDGET = 15.0  # CPU-seconds for build_residual_mlp(64, 10) + 10 epochs of fit (answer key: at most 2.6)

HINT = tr("inputs → Dense(256, relu) → Dropout(0.4) → Dense(128, relu)을 본 갈래, inputs → "
          "Dense(128, relu)를 잔차 갈래로 두고 Add()([x, skip]) → Dense(64, relu) → "
          "Dense(num_classes, softmax)",
          "main branch inputs → Dense(256, relu) → Dropout(0.4) → Dense(128, relu), skip branch "
          "inputs → Dense(128, relu), joined by Add()([x, skip]) → Dense(64, relu) → "
          "Dense(num_classes, softmax)")
HINT_COMPILE = tr("model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), "
                  "loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])를 호출한 뒤 "
                  "model을 돌려주세요",
                  "call model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), "
                  "loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"]) and return "
                  "the model")


# -- reading the graph ------------------------------------------------------------------------------
def _expected(num_classes: int) -> list[str]:
    main = "Input · Dense(256) · relu · Dropout(0.4) · Dense(128) · relu"
    skip = "Input · Dense(128) · relu"
    return [f"Add[{' | '.join(sorted([main, skip]))}]", "Dense(64)", "relu", f"Dense({num_classes})",
            "softmax"]


def _params(input_dim: int, num_classes: int) -> int:
    return ((input_dim * 256 + 256) + (256 * 128 + 128) + (input_dim * 128 + 128) + (128 * 64 + 64)
            + (64 * num_classes + num_classes))


def _build(student, **kwargs) -> tuple:
    shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    model = student.call(f"{MODULE}:build_residual_mlp", **kwargs)
    return model, student.call(f"{CHILDKIT}:keras_graph", model), f"build_residual_mlp({shown})"


# -- the curriculum's model, computed here ----------------------------------------------------------
def curriculum_forward(info: dict, x: np.ndarray, input_dim: int, num_classes: int, what: str) -> np.ndarray:
    """The curriculum's residual MLP in inference mode (dropout off), float64, with the learner's
    weights; each Dense found by its kernel's shape."""
    k1, b1 = dense_weights(info, (input_dim, 256), what, HINT)
    k2, b2 = dense_weights(info, (256, 128), what, HINT)
    ks, bs = dense_weights(info, (input_dim, 128), what, HINT)
    k3, b3 = dense_weights(info, (128, 64), what, HINT)
    k4, b4 = dense_weights(info, (64, num_classes), what, HINT)
    main = np.maximum(np.maximum(x @ k1 + b1, 0.0) @ k2 + b2, 0.0)
    skip = np.maximum(x @ ks + bs, 0.0)
    h = np.maximum((main + skip) @ k3 + b3, 0.0)
    z = h @ k4 + b4
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _verified(student, model, input_dim: int, num_classes: int, rng, what: str) -> dict:
    """Random weights set through the learner's `set_weights` and read back; the model's outputs
    on grader inputs against the curriculum's model computed here with them."""
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
def test_build_residual_mlp_graph(student, rng):
    """The layers after the join, the join (Add) and both branches into it: types, units,
    activations and the dropout rate, confirmed by behaviour (the forward pass with random
    weights, the Dropout in training mode); defaults and 64 inputs."""
    for kwargs in ({}, {"input_dim": 64, "num_classes": 10}):
        model, info, what = _build(student, **kwargs)
        expected, got = _expected(kwargs.get("num_classes", 10)), graph_path(info)
        if got != expected:
            e, g = first_difference(expected, got)
            raise failure(f"{what}: the graph read from the output back to the input (first "
                          "difference)", e, g, HINT,
                          [tr("기대한 전체: ", "expected in full: ").render() + " · ".join(expected),
                           tr("받은 전체: ", "got in full: ").render() + " · ".join(got)])
        info = _verified(student, model, kwargs.get("input_dim", 784), kwargs.get("num_classes", 10),
                         rng, what)
        check_dropout(student, model, info, what, HINT)


@grader(points=1)
def test_build_residual_mlp_parameter_count(student, rng):
    """Parameters summed here from the variables' shapes, which the forward pass with random
    weights confirms; input and output shapes by a call."""
    for input_dim, num_classes in ((784, 10), (64, 10), (20, 3)):
        model, info, what = _build(student, input_dim=input_dim, num_classes=num_classes)
        n = _params(input_dim, num_classes)
        if params(info)[0] != n:
            raise failure(f"{what}.count_params()", f"{n:,}", f"{params(info)[0]:,}", HINT)
        if list(info["input_shape"] or []) != [None, input_dim]:
            raise failure(f"{what}.input_shape", f"(None, {input_dim})", str(info["input_shape"]), HINT)
        if list(info["output_shape"] or []) != [None, num_classes]:
            raise failure(f"{what}.output_shape", f"(None, {num_classes})", str(info["output_shape"]),
                          HINT)
        _verified(student, model, input_dim, num_classes, rng, what)


@grader(points=2)
def test_build_residual_mlp_forward_matches_the_curriculum_model(student, rng):
    """Random weights in the learner's model (read back unchanged); its inference outputs against
    the curriculum's model computed here with the same weights (the skip branch added, not
    concatenated)."""
    model, _, what = _build(student, input_dim=12, num_classes=5)
    _verified(student, model, 12, 5, rng, what)


@grader(points=1)
def test_build_residual_mlp_is_compiled(student, rng):
    """Adam(0.001), sparse categorical cross-entropy and accuracy, by what they do (see
    `keras_graph.check_compiled`)."""
    model, info, what = _build(student, input_dim=64, num_classes=10)
    check_compiled(student, model, info["compile"], 10, rng, what, HINT_COMPILE)


@grader(points=2)
def test_build_residual_mlp_learns_digits(student, rng):
    """>= 0.90 test accuracy on scikit-learn's digits after 10 epochs of fit, scored here with
    the weights read back (see the module docstring: answer key at most 2.6 CPU-s, budget 15
    CPU-s)."""
    _, info, what = _build(student, input_dim=64, num_classes=10)
    if graph_path(info) != _expected(10) or params(info)[0] != _params(64, 10):  # before training
        raise failure(f"{what}: the architecture, checked before training",
                      " · ".join(_expected(10)), " · ".join(graph_path(info)), HINT)
    X_tr, X_te, y_tr, y_te = digits_split()
    with student.time_limit(BUDGET, "build_residual_mlp(64, 10) + fit(10 epochs, batch 32) on digits"):
        student.call("keras.utils:set_random_seed", 0)
        model = student.call(f"{MODULE}:build_residual_mlp", input_dim=64, num_classes=10)
        model.fit(X_tr.astype(np.float32), y_tr, epochs=10, batch_size=32, verbose=0)
    info = student.call(f"{CHILDKIT}:keras_graph", model, weights=True)
    what = "build_residual_mlp(input_dim=64, num_classes=10) after fit"
    probe = rng.uniform(0.0, 16.0, (8, 64)).astype(np.float32)  # the weights are the model's
    assert_close(outputs(student, model, probe), curriculum_forward(info, probe.astype(np.float64),
                                                                    64, 10, what),
                 rtol=1e-4, atol=1e-5, what=f"{what}: model(x) vs the curriculum model with the "
                 "weights read back", hint=HINT)
    probs = curriculum_forward(info, X_te, 64, 10, what)
    acc = float(np.mean(probs.argmax(axis=1) == y_te))
    if not acc >= 0.90:
        raise failure(f"{what}: test accuracy on {len(y_te)} digits", ">= 0.90", f"{acc:.3f}", HINT)
