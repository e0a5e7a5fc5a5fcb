"""Loss functions and their gradients (NumPy only).

손실 함수는 예측이 정답에서 얼마나 먼지를 숫자 하나로 나타냅니다. 회귀에는 MSE/MAE/RMSE, 이진
분류에는 Binary Cross-Entropy, 다중 분류(원-핫)에는 Categorical Cross-Entropy를 씁니다.
A loss turns "how far are the predictions from the targets" into one number.

| loss | formula | averaged over |
|---|---|---|
| mse | mean((y - y_hat)^2) | all elements |
| mae | mean(abs(y - y_hat)) | all elements |
| rmse | sqrt(mse) | all elements |
| binary_cross_entropy | -mean(y*log(p) + (1-y)*log(1-p)) | all elements |
| categorical_cross_entropy | -mean over the batch of sum over classes of y*log(p) | the batch |

Every loss returns a Python float. Probabilities are clipped to [eps, 1 - eps] first, so p = 0 or
p = 1 gives a large but finite loss and no warning.
모든 손실은 float 하나를 돌려줍니다. 확률은 먼저 [eps, 1 - eps]로 잘라서 p = 0, 1에서도 유한합니다.
"""

from __future__ import annotations

import numpy as np


def mse(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Mean squared error over all elements. / 모든 원소에 대한 평균 제곱 오차.

    Shapes: y (...), y_hat (same shape) -> float.
    Hint / 힌트: `np.mean((y - y_hat) ** 2)`, then `float(...)`.
    """
    # BEGIN SOLUTION
    diff = np.asarray(y, dtype=np.float64) - np.asarray(y_hat, dtype=np.float64)
    return float(np.mean(diff**2))
    # END SOLUTION


def mae(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Mean absolute error over all elements. / 모든 원소에 대한 평균 절대 오차.

    Shapes: y (...), y_hat (same shape) -> float.
    Hint / 힌트: `np.abs` then `np.mean` / 절댓값의 평균입니다.
    """
    # BEGIN SOLUTION
    diff = np.asarray(y, dtype=np.float64) - np.asarray(y_hat, dtype=np.float64)
    return float(np.mean(np.abs(diff)))
    # END SOLUTION


def rmse(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Root mean squared error: sqrt(mse). / 평균 제곱 오차의 제곱근.

    Shapes: y (...), y_hat (same shape) -> float.
    Hint / 힌트: reuse `mse` / mse를 재사용하세요.
    """
    # BEGIN SOLUTION
    return float(np.sqrt(mse(y, y_hat)))
    # END SOLUTION


def binary_cross_entropy(y: np.ndarray, p: np.ndarray, eps: float = 1e-12) -> float:
    """-mean(y*log(p) + (1-y)*log(1-p)) over all elements, p clipped to [eps, 1-eps].

    이진 교차 엔트로피: 모든 원소의 평균. log(0)을 피하려고 p를 먼저 [eps, 1-eps]로 자릅니다.

    Shapes: y (...) of 0/1 (or soft labels in [0, 1]), p (same shape) of probabilities -> float.
    Hint / 힌트: `p = np.clip(p, eps, 1 - eps)` before any log (log 전에 잘라야 경고가 없습니다).
    """
    # BEGIN SOLUTION
    y = np.asarray(y, dtype=np.float64)
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
    # END SOLUTION


def categorical_cross_entropy(y_onehot: np.ndarray, p: np.ndarray, eps: float = 1e-12) -> float:
    """-sum over classes of y*log(p), averaged over the batch; p clipped to [eps, 1-eps].

    범주형 교차 엔트로피: 샘플마다 클래스에 대해 더한 뒤, 배치에 대해 평균합니다 (원소 전체 평균이
    아닙니다).

    Shapes: y_onehot (N, C) one-hot, p (N, C) rows of probabilities -> float. A single sample
    (C,) counts as a batch of one.
    Hint / 힌트: `np.sum(y * np.log(p), axis=-1)` gives one number per sample; take the mean of
    those (axis=-1로 더한 다음 평균).
    """
    # BEGIN SOLUTION
    y = np.asarray(y_onehot, dtype=np.float64)
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    return float(-np.mean(np.sum(y * np.log(p), axis=-1)))
    # END SOLUTION


def mse_grad(y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    """Gradient of `mse(y, y_hat)` with respect to y_hat. / mse를 y_hat으로 미분한 기울기.

    Shapes: y (...), y_hat (same shape) -> an array of y_hat's shape.
    Hint / 힌트: d/dy_hat of mean((y − y_hat)²) is 2·(y_hat − y) / (number of elements)
    (평균이므로 원소 개수로 나눕니다).
    """
    # BEGIN SOLUTION
    y = np.asarray(y, dtype=np.float64)
    y_hat = np.asarray(y_hat, dtype=np.float64)
    return 2.0 * (y_hat - y) / y_hat.size
    # END SOLUTION


def binary_cross_entropy_grad(y: np.ndarray, p: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Gradient of `binary_cross_entropy(y, p)` with respect to p. / BCE를 p로 미분한 기울기.

    p is clipped to [eps, 1-eps] first, like in the loss, so p = 0 or 1 stays finite.
    손실과 같이 p를 먼저 잘라서 p = 0, 1에서도 유한합니다.

    Shapes: y (...), p (same shape) -> an array of p's shape.
    Hint / 힌트: per element d/dp = (−y/p + (1 − y)/(1 − p)); the mean adds 1/(number of elements)
    (평균이므로 원소 개수로 나눕니다).
    """
    # BEGIN SOLUTION
    y = np.asarray(y, dtype=np.float64)
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    return (-y / p + (1.0 - y) / (1.0 - p)) / p.size
    # END SOLUTION
