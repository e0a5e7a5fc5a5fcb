"""Visible tests for ch01.losses — run them with `pytest exercises/ch01`.

Small hand-checked values. The hidden graders also compare with the answer key on random inputs,
check both gradients against central differences, and p = 0 or 1 (finite, no warnings).
"""

import numpy as np

from dldrill.grading import assert_close, tr

from ch01.losses import (
    binary_cross_entropy,
    categorical_cross_entropy,
    mae,
    mse,
    mse_grad,
    rmse,
)


def test_regression_losses_by_hand():
    y, y_hat = np.array([1.0, 2.0, 3.0]), np.array([1.0, 4.0, 0.0])
    assert np.isclose(mse(y, y_hat), (0 + 4 + 9) / 3)
    assert np.isclose(mae(y, y_hat), (0 + 2 + 3) / 3)
    assert np.isclose(rmse(y, y_hat), np.sqrt(13 / 3))


def test_binary_cross_entropy_by_hand_and_at_p_zero():
    assert np.isclose(binary_cross_entropy(np.array([1.0, 0.0]), np.array([0.8, 0.2])),
                      -np.log(0.8))
    assert np.isfinite(binary_cross_entropy(np.array([1.0]), np.array([0.0])))  # clipped


def test_categorical_cross_entropy_is_a_batch_mean():
    y = np.array([[0, 1, 0], [1, 0, 0]], dtype=float)
    p = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])
    assert np.isclose(categorical_cross_entropy(y, p), -(np.log(0.7) + np.log(0.5)) / 2)


def test_mse_grad_has_the_input_shape():
    y, y_hat = np.zeros((2, 3)), np.ones((2, 3))
    assert_close(mse_grad(y, y_hat), np.full((2, 3), 2 / 6), rtol=1e-7, atol=0,
                 hint=tr("∂MSE/∂ŷ = 2(ŷ − y) / (원소 개수)",
                         "∂MSE/∂ŷ = 2(ŷ − y) / (number of elements)"))
