"""LoRA (Low-Rank Adaptation): fine-tune a big model by training a tiny low-rank update.

LoRA는 사전학습 가중치 W를 동결하고, 그 옆에 작은 두 행렬 A (r × in), B (out × r)를 더해
W x + (alpha / r) · B A x 를 계산합니다. 학습되는 것은 A와 B뿐이라 파라미터가 극히 적습니다
(BERT-base에서 query/value에 r=8이면 전체의 0.27%).
LoRA freezes the pretrained weight W and learns a low-rank update beside it:

    h = W x + b + (alpha / r) · B (A (dropout(x)))

with A (r, in_features) random and B (out_features, r) zero at the start, so that the adapted
layer computes exactly the base layer until training moves B. Dropout acts on the LoRA path only.
After training the update can be merged into one ordinary Linear: W' = W + (alpha / r) · B A.

`make_lora_config` / `apply_lora` do the same to a whole HuggingFace model with the `peft`
library (the curriculum's settings); `lora_trainable_params` counts what LoRA trains.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn


class LoRALinear(nn.Module):
    """A frozen `nn.Linear` plus a trainable low-rank update (LoRA).

    동결된 base Linear + 학습되는 저랭크 갱신 B·A (스케일 alpha / r).
    Parameters: base (the pretrained nn.Linear, in_features → out_features; its weight and bias
    are frozen), r (rank), alpha (scale numerator), dropout (probability, LoRA path only).
    Trainable parameters: exactly two, A (r, in_features) drawn at random and B (out_features, r)
    all zeros. Shapes: forward x (..., in_features) -> (..., out_features).
    """

    def __init__(self, base: nn.Linear, r: int = 8, alpha: float = 16, dropout: float = 0.0):
        """Keeps `base` (frozen), creates A (random) and B (zeros), the scale and the dropout.

        Hint / 힌트: `base.weight.requires_grad_(False)` (and the bias);
        `self.lora_A = nn.Parameter(torch.empty(r, base.in_features))` with
        `nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))` (what peft does);
        `self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))`;
        `self.scale = alpha / r`; `self.dropout = nn.Dropout(dropout)`.
        """
        super().__init__()
        # BEGIN SOLUTION
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha = r, alpha
        self.scale = alpha / r
        w = base.weight
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, device=w.device, dtype=w.dtype))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, device=w.device, dtype=w.dtype))
        self.dropout = nn.Dropout(dropout)
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., in_features) -> base(x) + scale · dropout(x) Aᵀ Bᵀ, shape (..., out_features).

        Hint / 힌트: `self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scale`
        — dropout on the LoRA input only, never on the base path (base 경로에는 dropout 없음).
        """
        # BEGIN SOLUTION
        update = self.dropout(x) @ self.lora_A.t() @ self.lora_B.t()
        return self.base(x) + update * self.scale
        # END SOLUTION

    def merge(self) -> nn.Linear:
        """A new plain `nn.Linear` computing the same as this module in eval mode.

        병합: W' = W + (alpha / r) · B A, bias는 그대로. The returned layer has the base's sizes,
        weight W + scale · B A and the base's bias (copies; this module is left unchanged).

        Hint / 힌트: build `nn.Linear(in, out, bias=...)` and copy the merged weight inside
        `torch.no_grad()`.
        """
        # BEGIN SOLUTION
        base = self.base
        merged = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None)
        merged = merged.to(base.weight.device, base.weight.dtype)
        with torch.no_grad():
            merged.weight.copy_(base.weight + self.scale * (self.lora_B @ self.lora_A))
            if base.bias is not None:
                merged.bias.copy_(base.bias)
        return merged
        # END SOLUTION


def make_lora_config() -> Any:
    """The curriculum's `peft.LoraConfig` for sequence classification.

    커리큘럼의 설정: task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16,
    target_modules=["query", "value"], lora_dropout=0.1, bias="none".

    Hint / 힌트: `from peft import LoraConfig, TaskType` inside the function.
    """
    # BEGIN SOLUTION
    from peft import LoraConfig, TaskType

    return LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16,
                      target_modules=["query", "value"], lora_dropout=0.1, bias="none")
    # END SOLUTION


def apply_lora(model: Any, config: Any = None) -> Any:
    """Wraps a HuggingFace model with LoRA adapters: `peft.get_peft_model(model, config)`.

    config=None uses `make_lora_config()`. Returns the PEFT model: only the LoRA matrices (and,
    for SEQ_CLS, the new classifier head) are trainable.
    LoRA 적용: config가 없으면 커리큘럼 설정을 씁니다. 반환값은 PeftModel입니다.

    Hint / 힌트: `from peft import get_peft_model` inside the function.
    """
    # BEGIN SOLUTION
    from peft import get_peft_model

    if config is None:
        config = make_lora_config()
    return get_peft_model(model, config)
    # END SOLUTION


def lora_trainable_params(hidden: int, layers: int, r: int, n_modules: int = 2) -> int:
    """How many parameters LoRA adds to `layers` transformer layers with `n_modules` adapted
    square (hidden × hidden) projections each, at rank r.

    각 모듈마다 A (r × hidden) + B (hidden × r) = 2·r·hidden 개.
    BERT-base (hidden 768, 12 layers) with query and value at r=8: 294,912.
    Returns a Python int.

    Hint / 힌트: per module, A has r·hidden entries and B hidden·r.
    """
    # BEGIN SOLUTION
    return int(layers * n_modules * (r * hidden + hidden * r))
    # END SOLUTION
