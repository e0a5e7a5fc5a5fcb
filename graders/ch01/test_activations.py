"""Graders for ch01.activations (checklist: perceptron-activation).

Accepted alternatives: sigmoid via np.tanh or scipy-free formulas, softmax via log-sum-exp.
"""

import numpy as np
import pytest

from dldrill.grading import assert_close, check_gradient, grader, tr

MODULE = "ch01.activations"
ELEMENTWISE = ["relu", "leaky_relu", "sigmoid", "tanh"]
DERIVATIVES = {"relu_grad": "relu", "leaky_relu_grad": "leaky_relu",
               "sigmoid_grad": "sigmoid", "tanh_grad": "tanh"}


@pytest.mark.parametrize("name", ELEMENTWISE)
@grader("perceptron-activation", points=1)
def test_elementwise_values_and_shape(student, reference, rng, name):
    x = rng.standard_normal((3, 4, 5)) * 3
    assert_close(student.call(f"{MODULE}:{name}", x), reference.call(f"{MODULE}:{name}", x),
                 what=f"{name}(x), x.shape=(3, 4, 5)",
                 hint=tr("원소별로 계산하고 입력과 같은 shape을 돌려주세요",
                         "compute element-wise and return the input's shape"))


@grader("perceptron-activation", points=1)
def test_leaky_relu_uses_alpha(student, reference, rng):
    x = rng.standard_normal(20)
    for alpha in (0.2, 0.01):
        assert_close(student.call(f"{MODULE}:leaky_relu", x, alpha=alpha),
                     reference.call(f"{MODULE}:leaky_relu", x, alpha=alpha),
                     what=f"leaky_relu(x, alpha={alpha})",
                     hint=tr("0.01을 고정하지 말고 alpha 인자를 쓰세요",
                             "use the alpha argument instead of a fixed 0.01"))
        assert_close(student.call(f"{MODULE}:leaky_relu_grad", x, alpha=alpha),
                     reference.call(f"{MODULE}:leaky_relu_grad", x, alpha=alpha),
                     what=f"leaky_relu_grad(x, alpha={alpha})")


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
@grader("perceptron-activation", points=1)
def test_derivatives_match_central_differences(student, reference, rng, name):
    x = rng.uniform(-4, 4, size=(6, 7))
    x[np.abs(x) < 1e-2] = 0.5  # stay away from the kink of relu / leaky_relu
    f = DERIVATIVES[name]
    h = 1e-6
    numeric = (reference.call(f"{MODULE}:{f}", x + h) - reference.call(f"{MODULE}:{f}", x - h)) / (2 * h)
    got = student.call(f"{MODULE}:{name}", x)
    check_gradient(got, numeric, what=f"{name}(x) vs d{f}/dx", threshold=1e-6,
                   hint=tr(f"{f}의 도함수를 원소별로 계산하세요 (tanh′ = 1 − tanh², σ′ = σ(1 − σ))",
                           f"differentiate {f} element-wise (tanh′ = 1 − tanh², σ′ = σ(1 − σ))"))


@grader("perceptron-activation", points=2)
def test_sigmoid_and_tanh_stable_at_1e4(student, reference):
    x = np.array([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4])
    strict = student.options(forbid_warnings=True, hint=tr(
        "x < 0에서는 exp(x)/(1+exp(x))를 쓰면 exp(-x)가 넘치지 않습니다",
        "for x < 0 use exp(x)/(1+exp(x)) so that exp(-x) never overflows"))
    for name in ("sigmoid", "tanh", "sigmoid_grad", "tanh_grad"):
        assert_close(strict.call(f"{MODULE}:{name}", x), reference.call(f"{MODULE}:{name}", x),
                     what=f"{name}(±1e4)", atol=1e-12)


@grader("perceptron-activation", points=1)
def test_softmax_is_a_distribution_per_row(student, reference, rng):
    x = rng.standard_normal((8, 10)) * 5
    got = student.call(f"{MODULE}:softmax", x)
    assert_close(got, reference.call(f"{MODULE}:softmax", x), what="softmax(x), x.shape=(8, 10)",
                 hint=tr("행마다 exp를 그 행의 합으로 나누세요 (keepdims=True)",
                         "divide exp by its own row's sum (keepdims=True)"))
    assert_close(np.sum(got, axis=-1), np.ones(8), what="softmax(x).sum(axis=-1)")


@grader("perceptron-activation", points=1)
def test_softmax_respects_axis(student, reference, rng):
    x = rng.standard_normal((5, 3, 4))
    for axis in (0, 1):
        assert_close(student.call(f"{MODULE}:softmax", x, axis=axis),
                     reference.call(f"{MODULE}:softmax", x, axis=axis),
                     what=f"softmax(x, axis={axis}), x.shape=(5, 3, 4)",
                     hint=tr("max와 sum 모두 axis 인자를 따라 계산하세요",
                             "take both the max and the sum along `axis`"))


@grader("perceptron-activation", points=2)
def test_softmax_huge_logits_are_stable(student, reference):
    x = np.array([[1e4, 1e4 - 1, 0.0], [-1e4, 0.0, 1e3], [1000.0, 1000.0, 1000.0]])
    got = student.options(forbid_warnings=True, hint=tr(
        "exp 전에 행의 최댓값을 빼세요: softmax(x) = softmax(x − max(x))",
        "subtract the row max before exp: softmax(x) = softmax(x − max(x))")).call(
        f"{MODULE}:softmax", x)
    assert_close(got, reference.call(f"{MODULE}:softmax", x), what="softmax(logits up to 1e4)",
                 atol=1e-12)
