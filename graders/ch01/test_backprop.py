"""Graders for ch01.backprop (checklist: backprop-gd).

numerical_gradient is called in the submission with library callables built there
(functools.partial over np.linalg.norm and np.einsum; a grader cannot send its own Python
function across, and no kit code runs there); the grader takes their central differences
itself. TwoLayerNet's
initial weights are the learner's choice, so every comparison first sets W1, b1, W2, b2 to the
same random values on the learner's net and on the answer key's; backward is then checked
against the central differences of the answer key's loss at those parameters.

Also checked: shapes of the parameters and seeding, forward and loss values (the loss is a batch
mean of the per-sample sums), no overflow warning for large inputs, backward not relying on an
earlier forward, step, fit's loss history, and numerical_gradient through a closure.
Accepted alternative: backward with np.einsum, step in place, numerical_gradient with
x[i] += h / −= 2h / += h (x restored up to rounding) (ch01_backward_einsum).
Accuracy threshold: test_fit_reaches_90_percent_on_digits.
"""

import numpy as np
import pytest

from dldrill.data import digits_split
from dldrill.grading import (
    assert_by_hand,
    assert_close,
    assert_shape,
    check_gradient,
    failure,
    grader,
    numerical_gradient,
    tr,
)

MODULE = "ch01.backprop"
PARAMS = ("W1", "b1", "W2", "b2")
AUTODIFF = ("torch", "jax", "tensorflow", "keras", "autograd", "scipy", "sklearn", "numdifftools",
            "mlxtend")
BY_HAND = ["numerical_gradient", "TwoLayerNet"]
HINT_BY_HAND = tr("연쇄 법칙으로 기울기를 직접 계산하세요 (torch/jax의 자동 미분이나 sklearn의 "
                  "신경망 없이)", "compute the gradients yourself with the chain rule (no "
                  "autodiff from torch/jax, no sklearn network)")

HINT_BACKWARD = tr("δ2 = (a2 − y)·a2(1 − a2)/N, dW2 = a1ᵀδ2, db2 = Σδ2, δ1 = δ2W2ᵀ·a1(1 − a1), "
                   "dW1 = Xᵀδ1, db1 = Σδ1 (1/N은 한 번만)",
                   "δ2 = (a2 − y)·a2(1 − a2)/N, dW2 = a1ᵀδ2, db2 = Σδ2, δ1 = δ2W2ᵀ·a1(1 − a1), "
                   "dW1 = Xᵀδ1, db1 = Σδ1 (the 1/N once)")


def _params(rng, n_in, n_hidden, n_out, scale=1.0) -> dict:
    return {"W1": rng.standard_normal((n_in, n_hidden)) * scale,
            "b1": rng.standard_normal((1, n_hidden)) * 0.5 * scale,
            "W2": rng.standard_normal((n_hidden, n_out)) * scale,
            "b2": rng.standard_normal((1, n_out)) * 0.5 * scale}


def _net(sub, params: dict):
    """A TwoLayerNet built in `sub` whose parameters are then set to copies of `params`."""
    n_in, n_hidden = params["W1"].shape
    net = sub.call(f"{MODULE}:TwoLayerNet", n_in, n_hidden, params["W2"].shape[1], seed=0)
    for name in PARAMS:
        setattr(net, name, params[name].copy())
    return net


def _pair(student, reference, params):
    return _net(student, params), _net(reference, params)


# -- numerical_gradient -----------------------------------------------------------------------
# The test functions f are library callables built in the child (functools.partial over NumPy
# functions): nothing there is the kit's own code, nothing tells them apart from a learner's f,
# and nothing the child reports about them is believed. The grader takes the central
# differences of the same functions itself, with the same h: only central differences at that
# h give those numbers (forward differences, or an analytic gradient, are off by O(h) or O(h²)).
NORMS = {(6,): 3, (3, 4): "nuc", (2, 3, 2): None}  # the `ord` of np.linalg.norm per shape


def _norm(sub, order):
    """f(x) = np.linalg.norm(x, ord=order), built in `sub` as functools.partial."""
    return sub.call("functools:partial", sub.get("numpy.linalg:norm"), ord=order)


def _central(f, x: np.ndarray, h: float) -> np.ndarray:
    """Central differences here, perturbing a copy of x in place like the contract."""
    return numerical_gradient(f, np.array(x, dtype=np.float64), h=h)


def _lazy_attr(sub, holder, name: str):
    """A one-shot lazy `getattr(holder, name)` inside `sub` (map(getattr, [holder], [name])):
    a later map over it sees the very object the holder keeps there, not a copy."""
    return sub.call("builtins:map", sub.get("builtins:getattr"), [holder], [name])


@pytest.mark.parametrize("shape", [(6,), (3, 4), (2, 3, 2)], ids=["1d", "2d", "3d"])
@grader("backprop-gd", points=1)
def test_numerical_gradient_is_central_for_any_shape(student, rng, shape):
    x = rng.uniform(0.5, 1.5, shape)  # where the gradient stays away from 0
    order = NORMS[shape]
    grad = student.call(f"{MODULE}:numerical_gradient", _norm(student, order), x, h=1e-3)
    hint = tr("원소마다 (f(x + h) − f(x − h)) / (2h): 원소 하나에 f를 두 번 부릅니다",
              "per element (f(x + h) − f(x − h)) / (2h): two calls of f per element")
    expected = _central(lambda v: np.linalg.norm(v, ord=order), x, 1e-3)
    check_gradient(grad, expected, threshold=1e-9, hint=hint,
                   what=f"numerical_gradient(f, x, h=1e-3), f = np.linalg.norm(·, ord={order!r}), "
                        f"x.shape={shape}")


@grader("backprop-gd", points=1)
def test_numerical_gradient_uses_h(student, rng):
    x = rng.uniform(0.5, 1.5, (3, 2))
    got = student.call(f"{MODULE}:numerical_gradient", _norm(student, None), x, h=1e-2)
    expected = _central(np.linalg.norm, x, 1e-2)  # central differences at h = 1e-2, here
    assert_close(got, expected, rtol=1e-9, atol=1e-12,
                 what="numerical_gradient(np.linalg.norm, x, h=1e-2)",
                 hint=tr("h 인자를 쓰고 (f(x + h) − f(x − h)) / (2h)로 나누세요",
                         "use the h argument and divide f(x + h) − f(x − h) by 2h"))


@grader("backprop-gd", points=1)
def test_numerical_gradient_restores_x(student, rng):
    """x is the child's own array, kept by a functools.partial there and read back after."""
    x = rng.uniform(0.5, 1.5, (4, 3))
    call = student.call("functools:partial", student.get(f"{MODULE}:numerical_gradient"),
                        _norm(student, "nuc"), x, h=1e-3)
    grad = call()
    check_gradient(grad, _central(lambda v: np.linalg.norm(v, ord="nuc"), x, 1e-3),
                   threshold=1e-9, what="numerical_gradient(f, x, h=1e-3), x (4, 3)")
    assert_close(call.args[1], x, rtol=1e-12, atol=1e-12,
                 what="x after numerical_gradient(f, x)",
                 hint=tr("각 원소를 바꾸기 전 값을 저장했다가 f를 부른 뒤 다시 넣으세요",
                         "keep each element's old value and write it back after calling f"))


@grader("backprop-gd", points=1)
def test_numerical_gradient_through_a_closure(student, rng):
    """f ignores its argument and reads x itself, as in numerical_gradient(lambda _:
    net.loss(X, y), net.W1): here f = partial(np.einsum, "ij,ij,ij,ij->", w, x, x) and x
    is one array in the child, shared by f and by the call (f(·) = Σ w·x²·(its argument))."""
    x = rng.uniform(0.5, 1.5, (3, 3))
    w = rng.uniform(0.5, 2.0, (3, 3))
    spec = "ij,ij,ij,ij->"
    holder = student.call("types:SimpleNamespace", x=x)
    make_f = student.call("functools:partial", student.get("functools:partial"),
                          student.get("numpy:einsum"), spec, w)
    fs = student.call("builtins:map", make_f, _lazy_attr(student, holder, "x"),
                      _lazy_attr(student, holder, "x"))
    runs = student.call("builtins:map", student.get(f"{MODULE}:numerical_gradient"), fs,
                        _lazy_attr(student, holder, "x"), [1e-2])
    grad = student.call("builtins:next", runs)
    mine = np.array(x)
    expected = numerical_gradient(lambda _: np.einsum(spec, w, mine, mine, mine), mine, h=1e-2)
    check_gradient(grad, expected, what="numerical_gradient(lambda _: f(W), W, h=1e-2)",
                   threshold=1e-9,
                   hint=tr("x의 복사본이 아니라 x 자체를 제자리에서 바꾸세요 (f가 x를 클로저로 읽을 수 "
                           "있습니다)", "perturb x itself in place, not a copy (f may read x "
                           "through a closure)"))


# -- TwoLayerNet -------------------------------------------------------------------------------
@grader("backprop-gd", points=1)
def test_init_shapes_and_seed(student):
    hint = tr("W1 (n_in, n_hidden), b1 (1, n_hidden), W2 (n_hidden, n_out), b2 (1, n_out); "
              "np.random.default_rng(seed)로 뽑으세요",
              "W1 (n_in, n_hidden), b1 (1, n_hidden), W2 (n_hidden, n_out), b2 (1, n_out); "
              "draw them with np.random.default_rng(seed)")
    a = student.call(f"{MODULE}:TwoLayerNet", 4, 6, 3, seed=5)
    shapes = {"W1": (4, 6), "b1": (1, 6), "W2": (6, 3), "b2": (1, 3)}
    values = {name: getattr(a, name) for name in PARAMS}
    for name, shape in shapes.items():
        assert_shape(values[name], shape, what=f"TwoLayerNet(4, 6, 3).{name}", hint=hint)
    b = student.call(f"{MODULE}:TwoLayerNet", 4, 6, 3, seed=5)
    c = student.call(f"{MODULE}:TwoLayerNet", 4, 6, 3, seed=6)
    assert_close(b.W1, values["W1"], what="W1 of two nets built with seed=5", hint=hint)
    if np.allclose(c.W1, values["W1"]) or not np.any(values["W1"]):
        raise failure("W1 with seed=5 vs seed=6", tr("서로 다른 난수", "different random values"),
                      tr("같거나 모두 0", "the same, or all zeros"), hint)


@grader("backprop-gd", points=1)
def test_forward_matches_reference(student, reference, rng):
    params = _params(rng, 5, 7, 3)
    s, r = _pair(student, reference, params)
    X = rng.standard_normal((9, 5))
    assert_close(s.forward(X), r.forward(X), what="forward(X), X (9, 5) -> (9, 3)",
                 hint=tr("a1 = sigmoid(X @ W1 + b1), 출력 = sigmoid(a1 @ W2 + b2)",
                         "a1 = sigmoid(X @ W1 + b1), output = sigmoid(a1 @ W2 + b2)"))


@grader("backprop-gd", points=1)
def test_forward_and_loss_stable_for_large_inputs(student, reference, rng):
    params = _params(rng, 4, 5, 2)
    hint = tr("주어진 안정적인 sigmoid를 쓰세요 (1/(1+exp(−z))는 z = −1e4에서 넘칩니다)",
              "use the given stable sigmoid (1/(1+exp(−z)) overflows at z = −1e4)")
    s = _net(student.options(forbid_warnings=True, hint=hint), params)  # warnings fail its calls
    r = _net(reference, params)
    X = rng.standard_normal((6, 4)) * 1e3
    y = rng.uniform(size=(6, 2))
    assert_close(s.forward(X), r.forward(X), what="forward(X) with |X| ~ 1e3", hint=hint)
    assert_close(s.loss(X, y), r.loss(X, y), what="loss(X, y) with |X| ~ 1e3", hint=hint)


@grader("backprop-gd", points=1)
def test_loss_is_half_batch_mean_of_sums(student, reference, rng):
    params = _params(rng, 3, 4, 4)
    s, r = _pair(student, reference, params)
    X, y = rng.standard_normal((10, 3)), rng.uniform(size=(10, 4))
    got = s.loss(X, y)
    hint = tr("0.5 · Σ(출력 − y)² / N: 출력 방향으로 더하고 배치(N)로만 나누세요",
              "0.5 · Σ(out − y)² / N: sum over the outputs, divide by the batch size N only")
    if not isinstance(got, (float, np.floating)):
        raise failure("loss(X, y)", tr("float 하나", "a float"), repr(got)[:60], hint)
    assert_close(got, r.loss(X, y), what="loss(X, y), N = 10, 4 outputs", hint=hint)


@pytest.mark.parametrize("param", PARAMS)
@grader("backprop-gd", points=1)
def test_backward_matches_numerical_gradient(student, reference, rng, param):
    """dL/d<param> from the learner's backward vs central differences of the answer key's loss,
    at the same parameters; N = 8 so that a missing 1/N is recognised."""
    params = _params(rng, 4, 5, 3, scale=0.5)  # sigmoids far from saturation
    s, r = _pair(student, reference, params)
    X, y = rng.standard_normal((8, 4)), rng.uniform(size=(8, 3))
    s.forward(rng.standard_normal((3, 4)))  # another batch first: backward must not reuse it
    grads = s.backward(X, y)
    if not isinstance(grads, dict) or set(grads) != set(PARAMS):
        raise failure("backward(X, y)", tr("키가 W1, b1, W2, b2인 dict", "a dict with keys W1, "
                      "b1, W2, b2"), repr(sorted(grads))[:80] if isinstance(grads, dict)
                      else repr(grads)[:80], HINT_BACKWARD)

    def ref_loss(value: np.ndarray) -> float:
        setattr(r, param, value.copy())
        return r.loss(X, y)

    numeric = numerical_gradient(ref_loss, params[param].copy(), h=1e-5)
    check_gradient(grads[param], numeric, what=f"backward(X, y)['{param}'] vs dL/d{param}",
                   batch_size=len(X), threshold=1e-5, hint=HINT_BACKWARD)


@grader("backprop-gd", points=1)
def test_step_moves_against_the_gradient(student, reference, rng):
    params = _params(rng, 3, 4, 2)
    s, r = _pair(student, reference, params)
    grads = {name: rng.standard_normal(v.shape) for name, v in params.items()}
    s.step(grads, 0.3)
    r.step(grads, 0.3)
    for name in PARAMS:
        assert_close(getattr(s, name), getattr(r, name), what=f"{name} after step(grads, 0.3)",
                     hint=tr("param −= lr * grads[name] (빼기!)", "param −= lr * grads[name] "
                             "(minus!)"))


@grader("backprop-gd", points=2)
def test_fit_matches_the_reference(student, reference, rng):
    params = _params(rng, 4, 6, 2, scale=0.5)
    s, r = _pair(student, reference, params)
    X, y = rng.standard_normal((16, 4)), rng.uniform(size=(16, 2))
    hint = tr("에포크마다 backward(X, y) → step(grads, lr) 한 번, 그 뒤의 loss(X, y)를 기록하세요",
              "per epoch one backward(X, y) → step(grads, lr), then record loss(X, y)")
    got = s.fit(X, y, 5, 0.5)
    if not isinstance(got, list) or len(got) != 5:
        raise failure("fit(X, y, 5, 0.5)", tr("float 5개의 list", "a list of 5 floats"),
                      repr(got)[:80], hint)
    assert_close(got, r.fit(X, y, 5, 0.5), what="losses returned by fit(X, y, 5, 0.5)", hint=hint)
    for name in PARAMS:
        assert_close(getattr(s, name), getattr(r, name), what=f"{name} after fit", hint=hint)


@grader("backprop-gd", points=1)
def test_backprop_is_written_by_hand(student, reference, rng):
    """Backprop and the numerical gradient by hand: no autodiff or ML library in
    numerical_gradient and TwoLayerNet (ch01/backprop.py read as text here, never imported),
    and both working (untouched code earns nothing here): backward equals the answer key's at
    the same parameters, numerical_gradient equals central differences taken here."""
    assert_by_hand(student, MODULE, forbidden=AUTODIFF, functions=BY_HAND, hint=HINT_BY_HAND)
    params = _params(rng, 3, 4, 2, scale=0.5)
    s, r = _pair(student, reference, params)
    X, y = rng.standard_normal((5, 3)), rng.uniform(size=(5, 2))
    got, expected = s.backward(X, y), r.backward(X, y)
    for name in PARAMS:
        assert_close(got[name] if isinstance(got, dict) else got, expected[name],
                     what=f"backward(X, y)['{name}']", hint=HINT_BACKWARD)
    x = rng.uniform(0.5, 1.5, (2, 3))
    check_gradient(student.call(f"{MODULE}:numerical_gradient", _norm(student, None), x, h=1e-3),
                   _central(np.linalg.norm, x, 1e-3), threshold=1e-9,
                   what="numerical_gradient(np.linalg.norm, x, h=1e-3)")


@grader("backprop-gd", points=3)
def test_fit_reaches_90_percent_on_digits(student):
    """Accuracy threshold: >= 0.90 on held-out digits, fit within 10 CPU-seconds.

    Data: the 8×8 digits bundled with scikit-learn (dldrill.data.digits_split(test_fraction=0.25,
    seed=0): 1348 training and 449 test images, pixels scaled to [0, 1]); targets are one-hot
    (1348, 10). The net is TwoLayerNet(64, 32, 10) with its parameters then set from
    np.random.default_rng(0): W1 ~ N(0, 1/64), W2 ~ N(0, 1/32), zero biases. The learner's
    fit(X, y_onehot, epochs=400, lr=4.0) (full batch) trains it; predictions are the argmax of
    the forward pass of the trained W1, b1, W2, b2 on X_test, computed here (the test labels
    and the test forward pass never touch the submission's process). Budget: 10 CPU-seconds of
    the submission's process (one compute thread) for fit; the answer key measured 1.3 CPU-s
    (under a fifth of it) and reaches 0.955. 50 times the work (a loop per sample, needless
    recomputation) does not fit.
    """
    X_tr, X_te, y_tr, y_te = digits_split(test_fraction=0.25, seed=0)
    init = np.random.default_rng(0)
    params = {"W1": init.standard_normal((64, 32)) * np.sqrt(1 / 64), "b1": np.zeros((1, 32)),
              "W2": init.standard_normal((32, 10)) * np.sqrt(1 / 32), "b2": np.zeros((1, 10))}
    assert_by_hand(student, MODULE, forbidden=AUTODIFF, functions=BY_HAND, hint=HINT_BY_HAND)
    net = _net(student, params)
    with student.time_limit(10.0, "fit on the digits (400 full-batch epochs)"):  # CPU-s
        history = net.fit(X_tr, np.eye(10)[y_tr], 400, 4.0)
    # The trained weights come back and the test set is scored here, with the contract's
    # architecture: a submission cannot look the labels up in the digits that sklearn ships.
    trained = {name: np.asarray(getattr(net, name), dtype=np.float64) for name in PARAMS}
    for name in PARAMS:
        assert_shape(trained[name], params[name].shape, what=f"{name} after fit")
    # the history is the learner's own training: its last loss is that of the weights it left
    def sig(z: np.ndarray) -> np.ndarray:
        return 0.5 * (1 + np.tanh(0.5 * z))

    out_tr = sig(sig(X_tr @ trained["W1"] + trained["b1"]) @ trained["W2"] + trained["b2"])
    final = float(0.5 * np.sum((out_tr - np.eye(10)[y_tr]) ** 2) / len(X_tr))
    if not isinstance(history, list) or len(history) != 400:
        raise failure("fit(X, y, 400, 4.0)", tr("float 400개의 list", "a list of 400 floats"),
                      repr(history)[:80], tr("에포크마다 loss(X, y)를 기록하세요",
                                                       "record loss(X, y) every epoch"))
    assert_close(history[-1], final, rtol=1e-6, what="the last loss returned by fit vs the "
                 "loss of the weights it left (computed here)",
                 hint=tr("마지막 step 뒤의 loss(X, y)를 기록하세요",
                         "record loss(X, y) after the epoch's step"))
    hidden = 1 / (1 + np.exp(-(X_te @ trained["W1"] + trained["b1"])))
    out = hidden @ trained["W2"] + trained["b2"]  # argmax is the same before the output sigmoid
    acc = float(np.mean(out.argmax(axis=1) == y_te))
    if acc < 0.90:
        raise failure("test accuracy on 449 held-out digits after fit", ">= 0.90", f"{acc:.3f}",
                      tr("backward가 기울기 검사를 통과하는지, fit이 매 에포크 step을 하는지 확인하세요",
                         "check that backward passes the gradient check and fit steps every epoch"))
