"""Graders for ch01.losses (checklist: backprop-gd).

Losses must come back as one float; the gradients are checked against float64 central
differences of the answer key's loss (CS231n relative error), with the batch size given so that a
missing 1/N is named as such.

Also checked: mse/mae/rmse values, BCE with soft labels and with its eps argument, CCE at p = 0,
the BCE gradient, and that every loss is one number (a float, np.float64 or a 0-d array; not an
array of per-sample losses).
Accepted alternatives: BCE through np.logaddexp on the clipped logit, CCE with np.einsum, rmse
through np.linalg.norm (ch01_losses_logaddexp_einsum).
"""

import numpy as np
import pytest

from dldrill.grading import assert_close, check_gradient, failure, grader, numerical_gradient, tr

MODULE = "ch01.losses"
HINT_FLOAT = tr("np.mean(...)의 결과를 float(...)로 돌려주세요 (배열이 아니라 숫자 하나)",
                "return float(np.mean(...)): one number, not an array")
HINT_CLIP = tr("log 전에 p = np.clip(p, eps, 1 - eps)로 자르세요",
               "clip first: p = np.clip(p, eps, 1 - eps), then take the log")


def _loss(student, reference, name, *args, what, hint=None, **kwargs):
    got = student.call(f"{MODULE}:{name}", *args, **kwargs)
    # One number: a float, a NumPy float scalar, or a 0-d array (np.squeeze of a (1, 1) cost).
    is_number = isinstance(got, (float, np.floating)) or (
        isinstance(got, np.ndarray) and got.ndim == 0 and got.dtype.kind == "f")
    if not is_number:
        raise failure(what, tr("float 하나", "a float"),
                      f"{type(got).__name__} {np.shape(got) if hasattr(got, 'shape') else ''}",
                      HINT_FLOAT)
    assert_close(got, reference.call(f"{MODULE}:{name}", *args, **kwargs), what=what, hint=hint)
    return got


@pytest.mark.parametrize("name", ["mse", "mae", "rmse"])
@grader("backprop-gd", points=1)
def test_regression_losses_values(student, reference, rng, name):
    hint = tr("모든 원소에 대해 평균하세요 (rmse = sqrt(mse))",
              "average over all elements (rmse = sqrt(mse))")
    for shape in ((7,), (5, 3)):
        y, y_hat = rng.standard_normal(shape), rng.standard_normal(shape)
        _loss(student, reference, name, y, y_hat, what=f"{name}(y, y_hat), shape {shape}",
              hint=hint)


@grader("backprop-gd", points=1)
def test_binary_cross_entropy_values(student, reference, rng):
    hint = tr("−mean(y·log p + (1 − y)·log(1 − p)), 모든 원소에 대한 평균",
              "−mean(y·log p + (1 − y)·log(1 − p)) over all elements")
    y = rng.integers(0, 2, (6, 4)).astype(float)
    p = rng.uniform(0.02, 0.98, (6, 4))
    _loss(student, reference, "binary_cross_entropy", y, p, what="binary_cross_entropy(y, p), "
          "shape (6, 4)", hint=hint)
    soft = rng.uniform(0, 1, 9)
    _loss(student, reference, "binary_cross_entropy", soft, rng.uniform(0.05, 0.95, 9),
          what="binary_cross_entropy with soft labels y in [0, 1]", hint=hint)


@grader("backprop-gd", points=2)
def test_bce_is_finite_without_warnings_at_p_0_and_1(student, reference):
    strict = student.options(forbid_warnings=True, hint=HINT_CLIP)
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    p = np.array([0.0, 1.0, 1.0, 0.0, 0.5])
    for kwargs in ({}, {"eps": 1e-7}):
        got = strict.call(f"{MODULE}:binary_cross_entropy", y, p, **kwargs)
        assert_close(got, reference.call(f"{MODULE}:binary_cross_entropy", y, p, **kwargs),
                     what=f"binary_cross_entropy(y, p with 0 and 1{', eps=1e-7' if kwargs else ''})",
                     hint=HINT_CLIP)


@grader("backprop-gd", points=2)
def test_categorical_cross_entropy_values(student, reference, rng):
    hint = tr("샘플마다 클래스 방향으로 더한 뒤(axis=-1) 배치에 대해 평균하세요 — 원소 전체 평균은 "
              "C배 작아집니다", "sum over the classes (axis=-1), then average over the batch — "
              "a mean over all elements is C times too small")
    logits = rng.standard_normal((8, 5))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.eye(5)[rng.integers(0, 5, 8)]
    _loss(student, reference, "categorical_cross_entropy", y, p,
          what="categorical_cross_entropy(y_onehot, p), shape (8, 5)", hint=hint)


@grader("backprop-gd", points=1)
def test_categorical_cross_entropy_at_p_0(student, reference):
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    p = np.array([[0.0, 1.0, 0.0], [0.0, 0.5, 0.5]])  # zeros on wrong and on true classes
    strict = student.options(forbid_warnings=True, hint=HINT_CLIP)
    for kwargs in ({}, {"eps": 1e-4}):
        assert_close(strict.call(f"{MODULE}:categorical_cross_entropy", y, p, **kwargs),
                     reference.call(f"{MODULE}:categorical_cross_entropy", y, p, **kwargs),
                     what=f"categorical_cross_entropy with p = 0 {kwargs or ''}", hint=HINT_CLIP)


@grader("backprop-gd", points=1)
def test_categorical_cross_entropy_single_sample(student, reference, rng):
    """A single sample (C,) counts as a batch of one (the contract): not divided by C."""
    logits = rng.standard_normal(5)
    p = np.exp(logits) / np.exp(logits).sum()
    y = np.eye(5)[2]
    _loss(student, reference, "categorical_cross_entropy", y, p,
          what="categorical_cross_entropy(y_onehot (5,), p (5,)), one sample",
          hint=tr("샘플 하나 (C,)는 배치 1개입니다: y.shape[0]이 아니라 샘플 수(1)로 나누세요 "
                  "(axis=-1로 더한 뒤 평균)",
                  "one sample (C,) is a batch of one: divide by the number of samples (1), not "
                  "by y.shape[0] (sum over axis=-1, then take the mean)"))


@pytest.mark.parametrize("shape", [(10,), (6, 4)], ids=["1d", "2d"])
@grader("backprop-gd", points=1)
def test_mse_grad_matches_central_differences(student, reference, rng, shape):
    y = rng.standard_normal(shape)
    y_hat = y + rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 1.0, shape)
    numeric = numerical_gradient(lambda q: reference.call(f"{MODULE}:mse", y, q), y_hat.copy())
    check_gradient(student.call(f"{MODULE}:mse_grad", y, y_hat), numeric,
                   what=f"mse_grad(y, y_hat) vs d mse/d y_hat, shape {shape}",
                   batch_size=y.size, threshold=1e-6,
                   hint=tr("mean((y − ŷ)²)의 미분은 2(ŷ − y)/N (N = 원소 개수)",
                           "d/dŷ of mean((y − ŷ)²) is 2(ŷ − y)/N, N = the number of elements"))


@pytest.mark.parametrize("shape", [(12,), (5, 3)], ids=["1d", "2d"])
@grader("backprop-gd", points=1)
def test_bce_grad_matches_central_differences(student, reference, rng, shape):
    y = rng.integers(0, 2, shape).astype(float)
    p = rng.uniform(0.05, 0.95, shape)
    numeric = numerical_gradient(lambda q: reference.call(f"{MODULE}:binary_cross_entropy", y, q),
                                 p.copy())
    check_gradient(student.call(f"{MODULE}:binary_cross_entropy_grad", y, p), numeric,
                   what=f"binary_cross_entropy_grad(y, p) vs d BCE/dp, shape {shape}",
                   batch_size=y.size, threshold=1e-6,
                   hint=tr("원소마다 (−y/p + (1 − y)/(1 − p)), 평균이므로 원소 개수로 나누세요",
                           "per element (−y/p + (1 − y)/(1 − p)), divided by the number of "
                           "elements (the mean)"))


@grader("backprop-gd", points=1)
def test_bce_grad_is_finite_at_p_0_and_1(student, reference):
    """The docstring's promise at the edge of the domain: p is clipped like in the loss, so
    p = 0 and p = 1 give finite gradients, without a division-by-zero warning."""
    strict = student.options(forbid_warnings=True, hint=HINT_CLIP)
    y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    p = np.array([[0.0, 1.0, 1.0], [0.0, 0.5, 1.0]])
    for kwargs in ({}, {"eps": 1e-6}):
        what = f"binary_cross_entropy_grad(y, p with 0 and 1{', eps=1e-6' if kwargs else ''})"
        got = strict.call(f"{MODULE}:binary_cross_entropy_grad", y, p, **kwargs)
        if not np.isfinite(np.asarray(got, dtype=np.float64)).all():
            raise failure(what, tr("유한한 값", "finite values"),
                          tr("NaN/inf 포함", "NaN/inf values"), HINT_CLIP)
        assert_close(got, reference.call(f"{MODULE}:binary_cross_entropy_grad", y, p, **kwargs),
                     rtol=1e-9, what=what, hint=HINT_CLIP)
