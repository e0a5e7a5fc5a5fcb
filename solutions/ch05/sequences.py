"""Time series for recurrent networks: sliding windows and min-max scaling.

시계열을 RNN에 넣으려면 (1) 값을 0~1 범위로 맞추고 (2) 슬라이딩 윈도우로 "과거 seq_len개 → 다음 값"
쌍을 만듭니다. 커리큘럼 5-2의 주가 예측 준비 과정입니다.
Feeding a series to an RNN takes two steps (curriculum 5-2): scale the values to [0, 1], then cut
sliding windows "the last seq_len values -> the next value".

The scaler is fitted on the *training part only*: fitting it on all the data lets the test
period's minimum and maximum leak into training (데이터 누수 / data leakage). `prepare_series` puts
the two steps together the right way: chronological split, fit on the training part, transform
both parts, windows on each.
스케일러는 학습 구간에만 fit 합니다. 전체 데이터로 fit 하면 테스트 구간의 최솟값·최댓값이
학습에 새어 들어갑니다.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def create_sequences(data: Any, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows over a series: each window of `seq_len` steps and the step right after it.

    슬라이딩 윈도우: X[i] = data[i : i+seq_len] (입력 seq_len개), y[i] = data[i+seq_len] (바로 다음 값).
    Shapes: data (T,) or (T, F) -> X (T - seq_len, seq_len) or (T - seq_len, seq_len, F),
    y (T - seq_len,) or (T - seq_len, F); NumPy arrays with the data's dtype. The target is never
    inside its own window (타깃은 윈도우 밖, 바로 다음 시점).
    Raises ValueError when seq_len < 1 or the series has no more than seq_len steps (there would be
    no window with a target).
    Hint / 힌트: `for i in range(len(data) - seq_len)` as in the curriculum, or stack the slices
    with NumPy; convert `data` with `np.asarray` first (먼저 np.asarray로 바꾸세요).
    """
    # BEGIN SOLUTION
    data = np.asarray(data)
    if seq_len < 1 or len(data) <= seq_len:
        raise ValueError(f"need seq_len >= 1 and more than seq_len steps, got seq_len={seq_len} "
                         f"and {len(data)} steps")
    n = len(data) - seq_len
    X = np.stack([data[i:i + seq_len] for i in range(n)])
    y = data[seq_len:seq_len + n].copy()
    return X, y
    # END SOLUTION


class MinMaxScaler:
    """Scales each feature (column) to [0, 1] with the minimum and maximum seen by `fit`.

    특성(열)마다 fit 때 본 최솟값·최댓값으로 (x - min) / (max - min)을 계산합니다.
    Input (N,) is one feature; (N, F) has F features; outputs keep the input's shape (float64).
    After `fit`, `data_min_` and `data_max_` are arrays of shape (F,) ((1,) for 1-D input).
    A constant feature (max == min) is divided by 1 instead of 0 (no NaN / 0으로 나누지 않기).
    `transform` uses the fitted numbers, never the new data's own range: data outside the fitted
    range maps outside [0, 1] (새 데이터의 범위로 다시 fit 하지 마세요). `transform` before `fit`
    raises RuntimeError.
    """

    def __init__(self) -> None:
        self.data_min_: np.ndarray | None = None
        self.data_max_: np.ndarray | None = None

    def fit(self, data: Any) -> MinMaxScaler:
        """Remembers each column's min and max; returns self. / 열마다 최솟값·최댓값을 저장.

        Hint / 힌트: `np.asarray(data, dtype=float).reshape(len(data), -1)`, then `.min(axis=0)`
        and `.max(axis=0)` (열 방향 axis=0).
        """
        # BEGIN SOLUTION
        X = np.asarray(data, dtype=np.float64).reshape(len(data), -1)
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        return self
        # END SOLUTION

    def transform(self, data: Any) -> np.ndarray:
        """(x - min) / (max - min) with the fitted min and max; same shape as `data`. / 변환.

        Hint / 힌트: use `self.data_min_` and `self.data_max_`; replace a zero range by 1
        (범위가 0이면 1로 나누세요).
        """
        # BEGIN SOLUTION
        if self.data_min_ is None or self.data_max_ is None:
            raise RuntimeError("MinMaxScaler: call fit before transform")
        arr = np.asarray(data, dtype=np.float64)
        X = arr.reshape(len(arr), -1)
        span = self.data_max_ - self.data_min_
        span = np.where(span == 0, 1.0, span)
        return ((X - self.data_min_) / span).reshape(arr.shape)
        # END SOLUTION

    def inverse_transform(self, data: Any) -> np.ndarray:
        """Back to the original units: x * (max - min) + min; same shape as `data`. / 역변환.

        Hint / 힌트: undo `transform` step by step, with the same zero-range rule (같은 규칙으로 되돌리기).
        """
        # BEGIN SOLUTION
        if self.data_min_ is None or self.data_max_ is None:
            raise RuntimeError("MinMaxScaler: call fit before inverse_transform")
        arr = np.asarray(data, dtype=np.float64)
        X = arr.reshape(len(arr), -1)
        span = self.data_max_ - self.data_min_
        span = np.where(span == 0, 1.0, span)
        return (X * span + self.data_min_).reshape(arr.shape)
        # END SOLUTION

    def fit_transform(self, data: Any) -> np.ndarray:
        """`fit(data)` then `transform(data)`. / fit 후 transform."""
        return self.fit(data).transform(data)


def prepare_series(series: Any, seq_len: int,
                   train_fraction: float = 0.8) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                         np.ndarray, MinMaxScaler]:
    """Chronological split, scaling fitted on the training part, windows for both parts.

    시간 순서대로 나누고(섞지 않음), 학습 구간에만 스케일러를 fit 한 뒤, 두 구간 모두 변환해
    윈도우를 만듭니다.
    With T = len(series) and n_train = int(T * train_fraction):
    - the scaler is fitted on `series[:n_train]` only (학습 구간만);
    - training windows: `create_sequences(scaled[:n_train], seq_len)`;
    - test windows: `create_sequences(scaled[n_train - seq_len:], seq_len)`, so that the test
      targets are exactly the steps n_train .. T-1, each predicted from the seq_len steps before it
      (테스트 타깃은 정확히 n_train..T-1 시점).
    Shapes: series (T,) or (T, F); returns (X_train, y_train, X_test, y_test, scaler) with the
    shapes of `create_sequences` (float64) and the fitted `MinMaxScaler`.
    Hint / 힌트: `MinMaxScaler().fit(series[:n_train])`, then `scaler.transform(series)` once
    (fit은 학습 구간, transform은 전체).
    """
    # BEGIN SOLUTION
    series = np.asarray(series, dtype=np.float64)
    n_train = int(len(series) * train_fraction)
    scaler = MinMaxScaler().fit(series[:n_train])
    scaled = scaler.transform(series)
    X_train, y_train = create_sequences(scaled[:n_train], seq_len)
    X_test, y_test = create_sequences(scaled[n_train - seq_len:], seq_len)
    return X_train, y_train, X_test, y_test, scaler
    # END SOLUTION
