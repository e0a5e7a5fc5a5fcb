"""Visible tests for ch01.activations — run them with `pytest exercises/ch01`.

These are quick sanity checks on small inputs; the hidden graders (`dldrill report`) check more:
random inputs against the reference, derivatives against central differences, and |x| = 1e4.
"""

import numpy as np

from dldrill.grading import assert_close, tr

from ch01.activations import relu, relu_grad, sigmoid, sigmoid_grad, softmax, tanh


def test_relu_keeps_positives_and_zeroes_negatives():
    assert_close(relu(np.array([-2.0, 0.0, 3.0])), np.array([0.0, 0.0, 3.0]), rtol=1e-7, atol=0,
                 hint=tr("음수는 0, 양수는 그대로: np.maximum(0, x)",
                         "negatives become 0, positives stay: np.maximum(0, x)"))


def test_relu_grad_is_a_step():
    assert_close(relu_grad(np.array([-1.0, 2.0])), np.array([0.0, 1.0]), rtol=1e-7, atol=0,
                 hint=tr("x > 0이면 1, 아니면 0 (x = 0에서는 0)",
                         "1 where x > 0, else 0 (0 at x = 0)"))


def test_sigmoid_of_zero_is_one_half_and_it_increases():
    assert_close(sigmoid(np.array([0.0])), np.array([0.5]), rtol=1e-7, atol=0,
                 hint=tr("σ(x) = 1 / (1 + e^(−x)); σ(0) = 0.5",
                         "σ(x) = 1 / (1 + e^(−x)); σ(0) = 0.5"))
    assert_close(sigmoid_grad(np.array([0.0])), np.array([0.25]), rtol=1e-7, atol=0,
                 hint=tr("σ'(x) = σ(x)(1 − σ(x)), x에서의 σ를 쓰세요",
                         "σ'(x) = σ(x)(1 − σ(x)), with σ taken at x"))
    assert_close(sigmoid(np.array([-2.0, 2.0])), np.array([0.11920292, 0.88079708]), rtol=1e-6, atol=0,
                 hint=tr("σ(x) = 1 / (1 + e^(−x)) — 부호를 확인하세요",
                         "σ(x) = 1 / (1 + e^(−x)) — check the sign"))


def test_tanh_is_odd_and_bounded():
    x = np.array([-3.0, 0.0, 3.0])
    assert_close(tanh(x), -tanh(-x), rtol=1e-7, atol=0,
                 hint=tr("tanh는 홀함수입니다: tanh(−x) = −tanh(x)",
                         "tanh is odd: tanh(−x) = −tanh(x)"))
    assert np.all(np.abs(tanh(x)) <= 1)


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    p = softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]))
    assert_close(p.sum(axis=-1), np.array([1.0, 1.0]), rtol=1e-7, atol=0,
                 hint=tr("마지막 축(axis=-1)을 따라 exp를 정규화하세요",
                         "normalise exp along the last axis (axis=-1)"))
    assert_close(p[1], np.array([1 / 3, 1 / 3, 1 / 3]), rtol=1e-7, atol=0,
                 hint=tr("같은 로짓이면 확률도 같습니다 (1/3씩)",
                         "equal logits give equal probabilities (1/3 each)"))
