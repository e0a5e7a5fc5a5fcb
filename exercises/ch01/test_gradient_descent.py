"""Visible tests for ch01.gradient_descent — run them with `pytest exercises/ch01`.

The hidden graders also check shuffling with a seeded rng, all three methods against
np.linalg.lstsq, the loss history and an unknown method.
"""

import numpy as np

from dldrill.grading import assert_close, tr

from ch01.gradient_descent import fit_linear_regression, iterate_minibatches


def test_minibatches_keep_order_and_the_smaller_last_batch():
    X, y = np.arange(10).reshape(10, 1), np.arange(10)
    sizes = [len(yb) for _, yb in iterate_minibatches(X, y, 4, shuffle=False)]
    assert sizes == [4, 4, 2]
    first_X, first_y = next(iter(iterate_minibatches(X, y, 4, shuffle=False)))
    assert_close(first_y, np.array([0, 1, 2, 3]), rtol=0, atol=0,
                 hint=tr("섞지 않았다면(shuffle=False) 첫 배치는 처음 batch_size개 샘플입니다",
                         "without shuffling the first batch is the first batch_size samples"))
    assert_close(first_X[:, 0], np.array([0, 1, 2, 3]), rtol=0, atol=0,
                 hint=tr("X와 y를 같은 인덱스로 자르세요",
                         "slice X and y with the same indices"))


def test_shuffled_batches_cover_every_sample_once():
    X, y = np.arange(10).reshape(10, 1), np.arange(10)
    seen = [v for _, yb in iterate_minibatches(X, y, 3, rng=np.random.default_rng(0)) for v in yb]
    assert sorted(seen) == list(range(10))


def test_batch_gradient_descent_finds_the_line():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 2))
    y = X @ np.array([2.0, -1.0]) + 0.5
    w, b, losses = fit_linear_regression(X, y, method="batch", lr=0.1, epochs=200)
    assert_close(w, np.array([2.0, -1.0]), rtol=1e-7, atol=1e-3,
                 hint=tr("w ← w − lr·(2/B)·Xᵀ(Xw + b − y), b ← b − lr·2·mean(Xw + b − y)",
                         "w ← w − lr·(2/B)·Xᵀ(Xw + b − y), b ← b − lr·2·mean(Xw + b − y)"))
    assert abs(b - 0.5) < 1e-3 and len(losses) == 200 and losses[-1] < 1e-6
