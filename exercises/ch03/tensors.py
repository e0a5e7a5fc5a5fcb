# dldrill:stub 9eb14a715e6c · from solutions/ch03/tensors.py · 여러분의 파일 / yours to edit
"""Tensor drills: broadcasting instead of Python loops.

텐서 연산 연습입니다. 원소마다 도는 파이썬 반복문 없이, 브로드캐스팅·행렬 곱·인덱싱만으로 계산하세요.
No Python loop over elements: use broadcasting, matrix products and indexing (a loop over a million
pairs takes seconds; the vectorised version takes milliseconds).

Every function takes and returns `torch.Tensor`s, keeps the input's floating dtype (float32 or
float64) and device, and never changes its inputs in place.
모든 함수는 입력의 dtype(float32/float64)과 device를 유지하고, 입력을 제자리에서 바꾸지 않습니다.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Euclidean distance between every row of `a` and every row of `b`. / 모든 행 쌍의 유클리드 거리.

    Shapes: a (n, d), b (m, d) -> (n, m) with out[i, j] = ||a[i] - b[j]||₂, same dtype as `a`
    (identical rows give exactly 0, never NaN / 같은 행끼리는 NaN 없이 0).
    Hint / 힌트: `a[:, None, :] - b[None, :, :]` has shape (n, m, d); square, sum over the last
    axis, then take the square root (브로드캐스팅으로 (n, m, d) 차이를 만든 뒤 제곱합의 제곱근).
    """
    raise NotImplementedError("TODO(ch03.tensors.pairwise_distances)")


def batched_outer(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Outer product of each pair of vectors in a batch. / 배치의 각 벡터 쌍에 대한 외적.

    Shapes: a (B, n), b (B, m) -> (B, n, m) with out[k, i, j] = a[k, i] * b[k, j].
    Hint / 힌트: give `a` a trailing axis and `b` a middle axis (`unsqueeze`) and multiply; or
    `torch.einsum("bi,bj->bij", a, b)` (크기 1인 축을 추가해 곱하거나 einsum을 쓰세요).
    """
    raise NotImplementedError("TODO(ch03.tensors.batched_outer)")


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """One-hot encoding of integer class labels as float32. / 정수 레이블의 원-핫 인코딩 (float32).

    Shapes: labels (N,) integers in [0, num_classes) -> (N, num_classes) float32, one 1.0 per
    row; always `num_classes` columns, even when the largest class is absent from `labels`.
    Hint / 힌트: start from `torch.zeros(N, C)` and write the ones with `scatter_` or with
    advanced indexing `out[torch.arange(N), labels] = 1` (float32로 만든 0 행렬에 1을 써 넣으세요).
    """
    raise NotImplementedError("TODO(ch03.tensors.one_hot)")


def normalize_images(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Per-channel normalisation (x - mean[c]) / std[c] of a batch of images. / 채널별 정규화.

    Shapes: x (N, C, H, W), mean and std sequences of length C -> (N, C, H, W), same dtype;
    `x` itself is not modified (입력 x는 바뀌지 않아야 합니다).
    Hint / 힌트: turn mean and std into tensors of shape (1, C, 1, 1) (`view(1, -1, 1, 1)`) so
    that they broadcast over N, H and W (채널 축(1번)에 맞춰 (1, C, 1, 1)로 바꾸세요).
    """
    raise NotImplementedError("TODO(ch03.tensors.normalize_images)")
