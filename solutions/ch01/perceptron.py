"""The perceptron: a weighted sum, a step, and the perceptron learning rule (NumPy only).

퍼셉트론은 생물학적 뉴런을 수학적으로 본뜬 것입니다: 입력에 가중치를 곱해 더하고 편향을 더한 뒤
계단 함수로 0 또는 1을 냅니다. y = step(w1*x1 + ... + wn*xn + b).
A perceptron multiplies its inputs by weights, adds a bias and fires 1 or 0 through a step.

One perceptron draws one straight line, so it learns AND and OR but never XOR; two layers of
perceptrons with hand-set weights do solve XOR (`xor_two_layer`).
퍼셉트론 하나는 직선 하나만 그을 수 있어 AND/OR는 배우지만 XOR는 못 배웁니다. 2층이면 풀 수 있습니다.
"""

from __future__ import annotations

import numpy as np


def step(z: float | np.ndarray) -> int | np.ndarray:
    """Step function: 1 where z >= 0, else 0. / 계단 함수: z >= 0 이면 1, 아니면 0.

    Shapes: a number -> an int (0 or 1); an array (...) -> an int array of the same shape.
    Note that step(0) = 1. / step(0) = 1 입니다.
    Hint / 힌트: `(z >= 0).astype(int)` on an array; `int(...)` turns a 0-d result into a number
    (배열에는 `(z >= 0).astype(int)`, 숫자 하나는 `int(...)`로 돌려주세요).
    """
    # BEGIN SOLUTION
    out = (np.asarray(z) >= 0).astype(np.int64)
    return int(out) if out.ndim == 0 else out
    # END SOLUTION


class Perceptron:
    """A single perceptron trained with the perceptron learning rule. / 퍼셉트론 하나.

    Attributes (속성):
        w: ndarray (n_inputs,) float — the weights, small random numbers drawn with `seed`
           (e.g. N(0, 1) * 0.01) / 가중치, `seed`로 뽑은 작은 난수.
        b: float — the bias, 0.0 at the start / 편향, 처음에는 0.0.
        lr: float — the learning rate / 학습률.
    """

    def __init__(self, n_inputs: int, lr: float = 0.01, seed: int = 0) -> None:
        """Creates `w` (n_inputs,), `b = 0.0` and keeps `lr`. / 가중치, 편향, 학습률을 만듭니다.

        Hint / 힌트: `np.random.default_rng(seed).standard_normal(n_inputs) * 0.01`.
        """
        # BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        self.w = rng.standard_normal(n_inputs) * 0.01
        self.b = 0.0
        self.lr = lr
        # END SOLUTION

    def predict(self, x: np.ndarray) -> int | np.ndarray:
        """step(x · w + b) for one sample or for a batch. / 샘플 하나 또는 배치의 예측.

        Shapes: x (n_inputs,) -> an int (0 or 1); X (N, n_inputs) -> an int array (N,).
        Hint / 힌트: `x @ self.w + self.b` works for both shapes; then apply `step`
        (`x @ self.w + self.b`는 두 경우 모두 맞는 모양을 냅니다).
        """
        # BEGIN SOLUTION
        z = np.asarray(x, dtype=np.float64) @ self.w + self.b
        return step(z)
        # END SOLUTION

    def fit(self, X: np.ndarray, y: np.ndarray, epochs: int = 10) -> list[int]:
        """Trains sample by sample, in order; returns the number of mistakes in each epoch.

        For each sample (x_i, y_i), in the order given: y_hat = predict(x_i), then
        w += lr * (y_i - y_hat) * x_i and b += lr * (y_i - y_hat). An epoch's count is the number
        of samples whose y_hat (made just before its own update) was wrong.
        샘플을 주어진 순서대로 하나씩: 예측 → 오차(y_i − y_hat) → w, b 갱신. 에포크마다 틀린 샘플 수
        (각 샘플의 갱신 직전 예측 기준)를 리스트로 돌려줍니다.

        Shapes: X (N, n_inputs), y (N,) of 0/1 -> a list of `epochs` ints.
        Hint / 힌트: `for xi, yi in zip(X, y):` — the error y_i − y_hat is 0 when the prediction
        is right, so the update does nothing then (맞히면 오차가 0이라 갱신도 0입니다).
        """
        # BEGIN SOLUTION
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        history = []
        for _ in range(epochs):
            mistakes = 0
            for xi, yi in zip(X, y, strict=True):
                error = float(yi) - self.predict(xi)
                if error != 0:
                    mistakes += 1
                self.w = self.w + self.lr * error * xi
                self.b = float(self.b + self.lr * error)
            history.append(mistakes)
        return history
        # END SOLUTION


def xor_two_layer(x1: int, x2: int) -> int:
    """XOR with two layers of hand-set perceptrons (no training). / 손으로 정한 2층 퍼셉트론 XOR.

    a1 = step(w11*x1 + w12*x2 + b1), a2 = step(w21*x1 + w22*x2 + b2) and
    y = step(v1*a1 + v2*a2 + c); returns 1 for (0, 1) and (1, 0), 0 for (0, 0) and (1, 1).
    Choose the weights yourself (e.g. a1 = AND, a2 = NOR, y = NOR(a1, a2)).
    가중치는 직접 정하세요 (예: a1 = AND, a2 = NOR, 출력 = NOR(a1, a2)).

    Shapes: two numbers (0 or 1) -> an int (0 or 1).
    Hint / 힌트: the textbook's first neuron is a1 = F(5x1 + 5x2 − 8) with F = step (AND);
    find a2 (NOR) and the output neuron the same way (교재의 첫 뉴런은 a1 = F(5x1 + 5x2 − 8)).
    """
    # BEGIN SOLUTION
    a1 = step(5 * x1 + 5 * x2 - 8)
    a2 = step(-7 * x1 - 7 * x2 + 3)
    return int(step(-11 * a1 - 11 * a2 + 6))
    # END SOLUTION
