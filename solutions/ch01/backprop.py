"""Backpropagation by hand: a numerical gradient and a two-layer network (NumPy only).

역전파는 출력 오차를 거꾸로 전파하며 연쇄 법칙으로 모든 가중치의 기울기를 구합니다. 직접 구한
기울기가 맞는지는 수치 미분(중앙 차분)과 비교해 확인합니다 (gradient check).
Backprop applies the chain rule from the loss back to every weight; a numerical gradient
(central differences) tells you whether your formulas are right.

The network (the curriculum's SimpleNN, with any sizes):
    z1 = X @ W1 + b1,  a1 = sigmoid(z1)          hidden layer / 은닉층
    z2 = a1 @ W2 + b2, a2 = sigmoid(z2)          output layer / 출력층
    loss = 0.5 * mean over the batch of sum over outputs of (a2 - y)**2
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Given, already written: a sigmoid that never overflows. / 이미 작성된 안정적인 시그모이드.

    Shapes: z (...) -> (...), values in [0, 1]. Use it in `forward`; its derivative is
    s * (1 - s) with s = sigmoid(z).
    Hint / 힌트: nothing to write here / 여기는 작성할 것이 없습니다.
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       h: float = 1e-5) -> np.ndarray:
    """Central differences: grad[i] = (f(x + h·e_i) − f(x − h·e_i)) / (2h), for every element.

    중앙 차분으로 모든 원소의 기울기를 구합니다. x의 원소를 하나씩 *제자리에서* 바꾸어 f를 부르고
    (그래서 f가 x를 인자 대신 클로저로 읽어도 됩니다, 예: `lambda _: net.loss(X, y)`와
    x = net.W1), 부른 뒤에는 원래 값으로 되돌려 놓습니다.
    Perturb x in place, one element at a time (so f may also read x through a closure, e.g.
    `lambda _: net.loss(X, y)` with x = net.W1), and put each element back afterwards.

    Shapes: x float array of any shape (...) -> grad (...), float64, same shape; f(x) -> a number.
    Hint / 힌트: `np.nditer(x, flags=["multi_index"])` visits every index of any shape; keep
    the old value and write it back (원래 값을 저장했다가 다시 넣으세요).
    """
    # BEGIN SOLUTION
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
    # END SOLUTION


class TwoLayerNet:
    """Two fully connected layers with sigmoid activations, trained by gradient descent.

    시그모이드 은닉층과 시그모이드 출력층을 가진 2층 신경망. 역전파로 기울기를 구해 경사하강법으로
    학습합니다.

    Attributes (속성), float64 arrays:
        W1 (n_in, n_hidden), b1 (1, n_hidden), W2 (n_hidden, n_out), b2 (1, n_out).
    """

    def __init__(self, n_in: int, n_hidden: int, n_out: int, seed: int = 0) -> None:
        """Random weights drawn with `seed`, zero biases. / `seed`로 뽑은 가중치, 0 편향.

        The same seed gives the same weights. / 같은 seed면 같은 가중치입니다.
        Hint / 힌트: `rng = np.random.default_rng(seed)`; `rng.standard_normal((n_in, n_hidden))
        * np.sqrt(1 / n_in)` keeps z1 of order 1 (z1이 1 정도의 크기가 되도록).
        """
        # BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        self.W1 = rng.standard_normal((n_in, n_hidden)) * np.sqrt(1.0 / n_in)
        self.b1 = np.zeros((1, n_hidden))
        self.W2 = rng.standard_normal((n_hidden, n_out)) * np.sqrt(1.0 / n_hidden)
        self.b2 = np.zeros((1, n_out))
        # END SOLUTION

    def forward(self, X: np.ndarray) -> np.ndarray:
        """a2 = sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2). / 순전파.

        Shapes: X (N, n_in) -> (N, n_out), values in (0, 1).
        Hint / 힌트: use the given `sigmoid` (stable for large |z|) / 주어진 sigmoid를 쓰세요.
        """
        # BEGIN SOLUTION
        a1 = sigmoid(X @ self.W1 + self.b1)
        return sigmoid(a1 @ self.W2 + self.b2)
        # END SOLUTION

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """0.5 * mean over the batch of the sum over outputs of (forward(X) − y)². / 손실.

        배치 평균입니다: 출력 방향으로 더한 뒤 샘플 수 N으로 나눕니다 (원소 전체 평균이 아닙니다).

        Shapes: X (N, n_in), y (N, n_out) -> float.
        Hint / 힌트: `0.5 * np.sum((out - y) ** 2) / len(X)`.
        """
        # BEGIN SOLUTION
        out = self.forward(X)
        return float(0.5 * np.sum((out - y) ** 2) / X.shape[0])
        # END SOLUTION

    def backward(self, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """Exact gradients of `loss(X, y)`: a dict with keys W1, b1, W2, b2. / 역전파.

        It runs its own forward pass on X (it does not rely on an earlier call to forward).
        X로 순전파부터 스스로 계산합니다. 각 기울기는 해당 매개변수와 같은 shape입니다.

        Shapes: X (N, n_in), y (N, n_out) -> {"W1": (n_in, n_hidden), "b1": (1, n_hidden),
        "W2": (n_hidden, n_out), "b2": (1, n_out)}.
        Hint / 힌트: δ2 = (a2 − y) · a2(1 − a2) / N, dW2 = a1.T @ δ2, db2 = δ2.sum(axis=0,
        keepdims=True), δ1 = (δ2 @ W2.T) · a1(1 − a1), dW1 = X.T @ δ1 (1/N은 한 번만).
        """
        # BEGIN SOLUTION
        n = X.shape[0]
        a1 = sigmoid(X @ self.W1 + self.b1)
        a2 = sigmoid(a1 @ self.W2 + self.b2)
        delta2 = (a2 - y) * a2 * (1.0 - a2) / n
        delta1 = (delta2 @ self.W2.T) * a1 * (1.0 - a1)
        return {
            "W1": X.T @ delta1,
            "b1": delta1.sum(axis=0, keepdims=True),
            "W2": a1.T @ delta2,
            "b2": delta2.sum(axis=0, keepdims=True),
        }
        # END SOLUTION

    def step(self, grads: dict[str, np.ndarray], lr: float) -> None:
        """One gradient-descent step: param −= lr * grads[name] for W1, b1, W2, b2. / 가중치 갱신.

        Shapes: grads as returned by `backward`; returns None.
        Hint / 힌트: `for name in ("W1", "b1", "W2", "b2"):` with `getattr`/`setattr`.
        """
        # BEGIN SOLUTION
        for name in ("W1", "b1", "W2", "b2"):
            setattr(self, name, getattr(self, name) - lr * np.asarray(grads[name]))
        # END SOLUTION

    def fit(self, X: np.ndarray, y: np.ndarray, epochs: int, lr: float) -> list[float]:
        """Full-batch gradient descent: per epoch backward on all of X, then step.

        전체 배치 경사하강법: 에포크마다 X 전체로 backward → step 한 번. 각 에포크의 갱신이 끝난 뒤의
        loss(X, y)를 모아 돌려줍니다.
        Returns loss(X, y) measured after each epoch's update.

        Shapes: X (N, n_in), y (N, n_out) -> a list of `epochs` floats.
        Hint / 힌트: `self.step(self.backward(X, y), lr)` then `self.loss(X, y)`.
        """
        # BEGIN SOLUTION
        history = []
        for _ in range(epochs):
            self.step(self.backward(X, y), lr)
            history.append(self.loss(X, y))
        return history
        # END SOLUTION
