"""Visible tests for ch01.activations — run them with `pytest exercises/ch01`.

These are quick sanity checks on small inputs; the hidden graders (`dldrill report`) check more:
random inputs against the reference, derivatives against central differences, and |x| = 1e4.
"""

import numpy as np

from ch01.activations import relu, relu_grad, sigmoid, sigmoid_grad, softmax, tanh


def test_relu_keeps_positives_and_zeroes_negatives():
    np.testing.assert_allclose(relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])


def test_relu_grad_is_a_step():
    np.testing.assert_allclose(relu_grad(np.array([-1.0, 2.0])), [0.0, 1.0])


def test_sigmoid_of_zero_is_one_half_and_it_increases():
    np.testing.assert_allclose(sigmoid(np.array([0.0])), [0.5])
    np.testing.assert_allclose(sigmoid_grad(np.array([0.0])), [0.25])
    np.testing.assert_allclose(sigmoid(np.array([-2.0, 2.0])), [0.11920292, 0.88079708], rtol=1e-6)


def test_tanh_is_odd_and_bounded():
    x = np.array([-3.0, 0.0, 3.0])
    np.testing.assert_allclose(tanh(x), -tanh(-x))
    assert np.all(np.abs(tanh(x)) <= 1)


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    p = softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]))
    np.testing.assert_allclose(p.sum(axis=-1), [1.0, 1.0])
    np.testing.assert_allclose(p[1], [1 / 3, 1 / 3, 1 / 3])
