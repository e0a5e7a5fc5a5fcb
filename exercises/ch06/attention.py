# dldrill:stub 8930e00562e1 · from solutions/ch06/attention.py · 여러분의 파일 / yours to edit
"""Scaled dot-product attention and multi-head self-attention, by hand.

커리큘럼 6-1: 각 위치가 다른 모든 위치와의 관련도를 직접 계산합니다.
The curriculum's 6-1: every position scores its relevance to every other position directly:

    Attention(Q, K, V) = softmax(Q Kᵀ / sqrt(d_k)) V

- Dividing by sqrt(d_k) keeps the scores' spread independent of the head size, so softmax does
  not saturate (d_k로 나누지 않으면 softmax가 한쪽으로 쏠려 기울기가 사라집니다).
- softmax runs over the *keys* (the last axis): each query's weights sum to 1.
- Masks use True/1 = keep (attend), False/0 = hide; hidden scores become a very large negative
  number before softmax, so their weights are exactly 0 (마스크: True/1은 보기, False/0은 가리기).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                                 mask: torch.Tensor | None = None
                                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q kᵀ / sqrt(d_k)) v, and the attention weights. / 스케일드 닷-프로덕트 어텐션.

    Shapes: q (..., T_q, d_k), k (..., T_k, d_k), v (..., T_k, d_v) -> (out (..., T_q, d_v),
    weights (..., T_q, T_k)); leading dims broadcast. `mask` (bool or 0/1, broadcastable to
    (..., T_q, T_k)): True/1 = may attend, False/0 = hidden (its weight is exactly 0). Each row of
    `weights` sums to 1 (as long as it keeps at least one key). Works in float32 and float64 and
    stays differentiable (no `.detach()`, no NumPy).
    가중치의 각 행(쿼리)의 합은 1이고, 가려진 위치의 가중치는 정확히 0입니다.
    Hint / 힌트: `scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)`; then
    `scores.masked_fill(mask == 0, -1e9)`; `torch.softmax(scores, dim=-1)`; `weights @ v`
    (softmax는 키 축, 즉 마지막 축에 대해).
    """
    raise NotImplementedError("TODO(ch06.attention.scaled_dot_product_attention)")


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention: project, split into heads, attend, merge, project. / 멀티헤드 셀프 어텐션.

    Layers (Linear with bias, these names): `W_q, W_k, W_v` (d_model -> d_model) and `out`
    (d_model -> d_model); `dropout` applies to the attention weights. d_k = d_model // n_heads.
    Raises `ValueError` when d_model is not a multiple of n_heads (d_model이 n_heads로 나누어떨어지지
    않으면 ValueError).
    forward: x (B, T, d_model), mask broadcastable to (B, n_heads, T, T) (True/1 = keep; a causal
    (T, T) mask or a padding mask (B, 1, 1, T)) -> (B, T, d_model). Equal to
    `nn.MultiheadAttention(d_model, n_heads, batch_first=True)` given the same weights.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0):
        """Builds W_q, W_k, W_v, out and the dropout. / 네 개의 Linear와 드롭아웃을 만듭니다.

        Hint / 힌트: check `d_model % n_heads` first and `raise ValueError(...)`; keep `n_heads`
        and `d_k = d_model // n_heads` for forward.
        """
        super().__init__()
        raise NotImplementedError("TODO(ch06.attention.MultiHeadSelfAttention.__init__)")

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, d_model) -> (B, T, d_model). / 헤드로 나눠 어텐션한 뒤 다시 합칩니다.

        Hint / 힌트: `self.W_q(x).view(B, T, n_heads, d_k).transpose(1, 2)` gives (B, h, T, d_k)
        — the transpose matters, a plain `view(B, h, T, d_k)` mixes positions and heads; after
        attention, `.transpose(1, 2).contiguous().view(B, T, C)` and `self.out(...)`
        (전치 없이 view만 하면 위치와 헤드가 섞입니다).
        """
        raise NotImplementedError("TODO(ch06.attention.MultiHeadSelfAttention.forward)")
