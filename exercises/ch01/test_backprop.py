"""Visible tests for ch01.backprop — run them with `pytest exercises/ch01`.

The gradient check is the curriculum's way to trust backward(): compare it with
numerical_gradient on a tiny network. The hidden graders also train on the digits.
"""

import numpy as np

from dldrill.grading import assert_close, tr

from ch01.backprop import TwoLayerNet, numerical_gradient


def test_numerical_gradient_of_a_square():
    x = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    assert_close(grad, 2 * x, rtol=1e-6, atol=0,
                 hint=tr("중앙 차분: (f(x+h) − f(x−h)) / 2h, 원소마다",
                         "central differences: (f(x+h) − f(x−h)) / 2h, one element at a time"))
    assert_close(x, np.array([1.0, -2.0, 3.0]), rtol=0, atol=0,
                 hint=tr("각 원소를 바꾼 뒤 원래 값으로 되돌리세요",
                         "put each element back after nudging it"))  # x is put back / x는 원래대로


def test_forward_shape_and_range():
    net = TwoLayerNet(2, 4, 1, seed=42)
    out = net.forward(np.array([[0.0, 0.0], [1.0, 1.0], [0.5, -1.0]]))
    assert out.shape == (3, 1) and np.all((out > 0) & (out < 1))


def test_backward_passes_the_gradient_check():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5, 3)), rng.uniform(size=(5, 2))
    net = TwoLayerNet(3, 4, 2, seed=0)
    grads = net.backward(X, y)
    for name in ("W1", "b1", "W2", "b2"):
        param = getattr(net, name)
        numeric = numerical_gradient(lambda _: net.loss(X, y), param)
        assert grads[name].shape == param.shape, name
        assert_close(grads[name], numeric, rtol=1e-4, atol=1e-8, what=name,
                     hint=tr("역전파: 출력층 δ부터 체인 룰로, 배치 평균(1/N)을 잊지 마세요",
                             "backprop: chain rule from the output δ, with the batch mean (1/N)"))


def test_fit_lowers_the_loss_on_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    losses = TwoLayerNet(2, 4, 1, seed=0).fit(X, y, epochs=200, lr=2.0)
    assert len(losses) == 200 and losses[-1] < losses[0]
