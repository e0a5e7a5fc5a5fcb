# dldrill:stub afdfb52062ca · from solutions/ch01/gradient_descent.py · 여러분의 파일 / yours to edit
"""Gradient descent three ways — batch, stochastic, mini-batch — on linear regression (NumPy only).

경사하강법의 세 가지 종류:
1. BGD (Batch): 전체 데이터로 한 번 갱신 → 안정적이나 느림
2. SGD (Stochastic): 샘플 1개씩 갱신 → 빠르나 불안정
3. Mini-batch: 배치 단위로 갱신 → 실제 현업 표준
Batch uses all the data per update, SGD one sample, mini-batch a few; all three reach the same
least-squares line on linear regression.

The model is y_hat = X @ w + b and the loss is the MSE, mean((X @ w + b − y)²); its gradient on a
batch of B samples is dw = 2/B · X_bᵀ (X_b @ w + b − y_b), db = 2 · mean(X_b @ w + b − y_b).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def iterate_minibatches(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True,
                        rng: np.random.Generator | None = None
                        ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yields (X_batch, y_batch) pairs that cover every sample exactly once. / 미니배치 생성기.

    모든 샘플이 한 번씩 정확히 한 배치에 들어갑니다. 마지막 배치는 더 작을 수 있습니다 (버리지
    마세요). shuffle=False면 원래 순서 그대로, shuffle=True면 `rng`(없으면 새
    `np.random.default_rng()`)로 섞은 순서입니다. 같은 seed의 rng면 같은 배치가 나옵니다.
    Without shuffle the batches keep the original order; with it, the order comes from `rng`
    (a fresh `np.random.default_rng()` when None), so a seeded rng gives the same batches.
    The last batch may be smaller than batch_size: never drop it.

    Shapes: X (N, ...), y (N, ...) -> batches X_batch (B, ...), y_batch (B, ...), B <= batch_size.
    Hint / 힌트: shuffle an index array once (`rng.permutation(N)`), then slice it with
    `range(0, N, batch_size)` (인덱스를 한 번 섞고 잘라 쓰세요).
    """
    raise NotImplementedError("TODO(ch01.gradient_descent.iterate_minibatches)")


def fit_linear_regression(X: np.ndarray, y: np.ndarray, method: str = "batch", lr: float = 0.01,
                          epochs: int = 100, batch_size: int = 32, seed: int = 0
                          ) -> tuple[np.ndarray, float, list[float]]:
    """Fits y ≈ X @ w + b by gradient descent on the MSE; returns (w, b, losses).

    경사하강법으로 선형 회귀를 학습합니다. w는 0 벡터, b는 0.0에서 시작합니다.
    - "batch": 에포크마다 전체 데이터로 한 번 갱신 / one update per epoch on all the data
    - "sgd": 샘플 하나씩 섞은 순서로 갱신 / one update per sample, in a shuffled order
    - "minibatch": `batch_size`개씩 섞은 순서로 갱신 / one update per batch of `batch_size`
    섞는 순서는 `np.random.default_rng(seed)` 하나로 만듭니다 (`iterate_minibatches`를 쓰세요).
    losses[k]는 k번째 에포크가 끝난 뒤 전체 데이터의 MSE입니다. 모르는 method는 ValueError.
    Shuffling uses one `np.random.default_rng(seed)`; losses[k] is the MSE on all the data after
    epoch k. An unknown method raises ValueError.

    Shapes: X (N, n_features), y (N,) -> w (n_features,), b float, losses list of `epochs` floats.
    Hint / 힌트: the gradient on a batch is dw = 2/B · X_bᵀ(X_b w + b − y_b) and
    db = 2 · mean(X_b w + b − y_b); "batch" is the same with the whole data as one batch
    (배치 하나가 전체 데이터인 경우가 batch 방식입니다).
    """
    raise NotImplementedError("TODO(ch01.gradient_descent.fit_linear_regression)")
