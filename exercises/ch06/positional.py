# dldrill:stub b146ac9e60a5 · from solutions/ch06/positional.py · 여러분의 파일 / yours to edit
"""Sinusoidal positional encoding (the curriculum's 6-3).

Self-attention has no notion of order: shuffle the tokens and each one gets the same output,
shuffled. The Transformer therefore adds a position signal to the embeddings:
셀프 어텐션은 순서를 모릅니다. 그래서 임베딩에 위치 정보를 더합니다:

    PE[pos, 2i]   = sin(pos / 10000^(2i / d_model))      (짝수 차원: sin / even dims)
    PE[pos, 2i+1] = cos(pos / 10000^(2i / d_model))      (홀수 차원: cos / odd dims)

The table is fixed, not learned: register it as a *buffer* (it moves with `.to(device)` and is in
the state_dict, but the optimizer never sees it). 학습하지 않는 값이므로 파라미터가 아닌 버퍼로 등록합니다.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class PositionalEncoding(nn.Module):
    """Adds the sinusoidal table to x, then dropout. / 사인·코사인 위치 인코딩을 더하고 드롭아웃.

    Buffer `pe` of shape (1, max_len, d_model) (float32, even d_model), no parameters.
    forward: x (B, T, d_model) with T <= max_len -> dropout(x + pe[:, :T]), same shape.
    """

    def __init__(self, d_model: int, max_len: int = 5000, dropout: float = 0.1):
        """Builds the (1, max_len, d_model) table and the dropout. / 위치 표와 드롭아웃을 만듭니다.

        Hint / 힌트: `position = torch.arange(max_len).unsqueeze(1)` and
        `div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))`;
        `pe[:, 0::2] = sin(position * div_term)`, `pe[:, 1::2] = cos(...)`, then
        `self.register_buffer("pe", pe.unsqueeze(0))` (nn.Parameter가 아니라 버퍼).
        """
        super().__init__()
        raise NotImplementedError("TODO(ch06.positional.PositionalEncoding.__init__)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, d_model) -> dropout(x + pe[:, :T]). / 앞의 T개 위치만 더합니다.

        Hint / 힌트: `self.dropout(x + self.pe[:, : x.size(1)])`.
        """
        raise NotImplementedError("TODO(ch06.positional.PositionalEncoding.forward)")
