# dldrill:stub 0d2dd69f3241 · from solutions/ch03/mlp.py · 여러분의 파일 / yours to edit
"""The curriculum's multi-layer perceptron as an `nn.Module`.

`nn.Module`을 상속해 `__init__`에서 층을 만들고 `forward`에서 연결합니다. 커리큘럼의 층 구성을
그대로 따르세요:
Subclass `nn.Module`, build the layers in `__init__`, connect them in `forward`. The stack, in
this order:

    Linear(input_dim, hidden_dim) · BatchNorm1d(hidden_dim) · ReLU · Dropout(dropout)
    · Linear(hidden_dim, hidden_dim // 2) · BatchNorm1d(hidden_dim // 2) · ReLU · Dropout(dropout)
    · Linear(hidden_dim // 2, output_dim)

The output is raw logits (no softmax: `nn.CrossEntropyLoss` applies log-softmax itself).
출력은 소프트맥스 전의 로짓입니다 (CrossEntropyLoss가 log-softmax를 포함합니다).
"""

from __future__ import annotations

import torch
from torch import nn


class MLP(nn.Module):
    """Multi-layer perceptron: two hidden blocks (Linear-BN-ReLU-Dropout) and a linear output.

    다층 퍼셉트론: (Linear · BatchNorm1d · ReLU · Dropout) 두 블록과 출력 Linear.
    Shapes: forward x (B, input_dim) -> logits (B, output_dim).
    Parameters: input_dim, hidden_dim, output_dim, dropout=0.3 (the probability of both Dropouts).
    """

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int, dropout: float = 0.3):
        """Builds the layers in the curriculum's order (커리큘럼 순서대로 층을 만듭니다).

        Hint / 힌트: put the nine layers in one `nn.Sequential` stored as `self.net`; the second
        Linear maps hidden_dim to hidden_dim // 2 (두 번째 Linear의 출력은 hidden_dim // 2).
        """
        super().__init__()
        raise NotImplementedError("TODO(ch03.mlp.MLP.__init__)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, input_dim) -> logits (B, output_dim).

        Hint / 힌트: pass x through the layers built in `__init__` (self.net(x)).
        """
        raise NotImplementedError("TODO(ch03.mlp.MLP.forward)")
