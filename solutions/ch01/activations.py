"""Activation functions and their derivatives (NumPy only).

활성화 함수는 층 사이에 비선형성을 넣습니다. 활성화 함수가 없으면 층을 아무리 쌓아도 하나의 선형
변환일 뿐입니다. 여기서는 ReLU, Leaky ReLU, Sigmoid, Tanh, Softmax와 그 도함수를 구현합니다.
Activations put non-linearity between layers; without them any stack of layers is one linear map.

Every function works element-wise on an array of any shape (softmax: along `axis`) and must stay
numerically stable: no overflow, NaN or warning for |x| up to 1e4.
모든 함수는 |x| ≤ 1e4 에서도 오버플로, NaN, 경고가 없어야 합니다.
"""

from __future__ import annotations

import numpy as np


def relu(x: np.ndarray) -> np.ndarray:
    """ReLU: max(0, x), element-wise. / ReLU: 원소별 max(0, x).

    Shapes: x (...) -> (...), same shape, float.
    Hint / 힌트: `np.maximum` compares element-wise / `np.maximum`은 원소별로 비교합니다.
    """
    # BEGIN SOLUTION
    return np.maximum(0.0, x)
    # END SOLUTION


def relu_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of ReLU w.r.t. its input: 1 where x > 0, else 0. / ReLU의 도함수.

    Shapes: x (...) -> (...), same shape, float. At x = 0 use 0 (the usual convention).
    Hint / 힌트: a boolean mask converted to float / 불리언 마스크를 float로 바꾸세요.
    """
    # BEGIN SOLUTION
    return (np.asarray(x) > 0).astype(np.float64)
    # END SOLUTION


def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU: x where x >= 0, alpha * x otherwise. / 음수 구간에 작은 기울기 alpha.

    Shapes: x (...) -> (...), same shape.
    Hint / 힌트: `np.where(cond, a, b)` picks element-wise / `np.where`로 원소별 선택.
    """
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    return np.where(x >= 0, x, alpha * x)
    # END SOLUTION


def leaky_relu_grad(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Derivative of Leaky ReLU: 1 where x >= 0, alpha otherwise. / Leaky ReLU의 도함수.

    Shapes: x (...) -> (...), same shape.
    Hint / 힌트: same mask as leaky_relu, with constants instead of x / 같은 조건, 상수 값.
    """
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    return np.where(x >= 0, 1.0, alpha)
    # END SOLUTION


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Sigmoid 1 / (1 + e^-x), stable for |x| up to 1e4. / 큰 |x|에서도 안정적인 시그모이드.

    Shapes: x (...) -> (...), values in [0, 1].
    Hint / 힌트: `1/(1+np.exp(-x))` overflows for x = -1e4; for x < 0 use e^x / (1 + e^x)
    (x < 0 에서는 e^x/(1+e^x) 꼴을 쓰면 exp가 넘치지 않습니다).
    """
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))  # always <= 1: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    # END SOLUTION


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid: s(x) * (1 - s(x)). / 시그모이드 미분 s(x)(1 - s(x)).

    Shapes: x (...) -> (...), values in [0, 0.25].
    Hint / 힌트: reuse your stable `sigmoid` / 안정적인 sigmoid를 재사용하세요.
    """
    # BEGIN SOLUTION
    s = sigmoid(x)
    return s * (1.0 - s)
    # END SOLUTION


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent (e^x - e^-x) / (e^x + e^-x), stable. / 안정적인 tanh.

    Shapes: x (...) -> (...), values in [-1, 1].
    Hint / 힌트: the textbook formula overflows at |x| = 1e4; `np.tanh` or 2·sigmoid(2x) − 1 do not
    (교과서 공식은 |x| = 1e4 에서 넘칩니다).
    """
    # BEGIN SOLUTION
    return np.tanh(np.asarray(x, dtype=np.float64))
    # END SOLUTION


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of tanh: 1 - tanh(x)^2. / tanh의 도함수 1 - tanh²(x).

    Shapes: x (...) -> (...), values in [0, 1].
    Hint / 힌트: reuse `tanh` / tanh를 재사용하세요.
    """
    # BEGIN SOLUTION
    t = tanh(x)
    return 1.0 - t * t
    # END SOLUTION


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along `axis`: e^x_i / sum_j e^x_j; each slice sums to 1. / 합이 1인 확률 분포.

    Shapes: x (..., C) -> (..., C) for axis=-1 (any axis works the same way).
    Hint / 힌트: subtract the max along `axis` first (keepdims=True): same result, no overflow
    (먼저 axis 방향 최댓값을 빼면 결과는 같고 오버플로가 없습니다).
    """
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
    # END SOLUTION
