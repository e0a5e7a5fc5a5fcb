"""Regularization by hand: dropout, batch and layer normalization, the L2 penalty, early stopping.

커리큘럼 8-1, 8-2의 과적합 방지 기법을 직접 구현합니다 (Dropout, L2 정규화, Early Stopping,
BatchNorm, LayerNorm). Write them with plain tensor operations (no `F.dropout`, `F.batch_norm`,
`F.layer_norm`, `nn.BatchNorm1d`): the graders compare each one with PyTorch's own.
이 모듈의 함수는 torch 연산만으로 작성하세요; 그레이더가 PyTorch의 구현과 비교합니다.
"""

from __future__ import annotations

import torch
from torch import nn


def dropout(x: torch.Tensor, p: float, training: bool,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Inverted dropout: zero each entry with probability p, scale the kept ones by 1/(1-p).

    역(inverted) 드롭아웃: 학습 중에는 각 원소를 확률 p로 0으로 만들고, 남은 원소를 1/(1-p)배 해서
    기댓값을 그대로 유지합니다. 평가(training=False)에서는 x를 그대로 돌려줍니다.
    Shapes: x any shape -> same shape and dtype. With training=False, or p == 0, the result
    equals x. With p == 1 every entry is 0 (no division by zero). Random draws come from
    `generator` when given (the same seeded generator gives the same mask), else from the global
    RNG. Raises ValueError unless 0 <= p <= 1.
    Hint / 힌트: `keep = torch.rand(x.shape, generator=generator) >= p`, then
    `x * keep / (1 - p)` (평가 시에는 아무것도 하지 않습니다: 스케일은 학습 중에 이미 했습니다).
    """
    # BEGIN SOLUTION
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return torch.zeros_like(x)
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep.to(x.dtype) / (1.0 - p)
    # END SOLUTION


class BatchNorm1d(nn.Module):
    """Batch normalization over the batch axis, written from scratch (= `nn.BatchNorm1d`).

    배치 정규화: 학습 중에는 미니배치의 평균·분산으로 정규화하고 누적 통계(running_mean,
    running_var)를 갱신하며, 평가 중에는 누적 통계로 정규화합니다.
    Shapes: x (N, C) or (N, C, L) -> same shape; statistics per channel C, over N (and L).
    Parameters `weight` (C,) = 1 and `bias` (C,) = 0; buffers `running_mean` (C,) = 0 and
    `running_var` (C,) = 1.
    Train mode: y = (x - mean) / sqrt(var + eps) * weight + bias with the batch's mean and
    *biased* variance; then running = (1 - momentum) * running + momentum * batch_stat, where the
    running variance takes the *unbiased* batch variance (divided by n - 1, n = N or N·L).
    Eval mode: the same formula with running_mean and running_var.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        """Creates the parameters and buffers (파라미터와 버퍼 생성).

        Hint / 힌트: `nn.Parameter(torch.ones(C))`, `self.register_buffer("running_mean",
        torch.zeros(C))` (버퍼는 학습되지 않지만 state_dict에 저장됩니다).
        """
        super().__init__()
        # BEGIN SOLUTION
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (N, C) or (N, C, L) -> the normalized, scaled and shifted x (same shape).

        Hint / 힌트: reduce over dims (0,) or (0, 2); normalize with the biased variance
        (`unbiased=False`) but update running_var with the unbiased one (n / (n - 1) 배); update
        the buffers under `torch.no_grad()` (누적 통계 갱신은 기울기 없이).
        """
        # BEGIN SOLUTION
        if x.dim() not in (2, 3):
            raise ValueError(f"expected (N, C) or (N, C, L) input, got shape {tuple(x.shape)}")
        dims = (0,) if x.dim() == 2 else (0, 2)
        shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
        if self.training:
            mean = x.mean(dim=dims)
            var = x.var(dim=dims, unbiased=False)
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var * n / max(n - 1, 1))
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + self.eps)
        return x_hat * self.weight.reshape(shape) + self.bias.reshape(shape)
        # END SOLUTION


def layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
               eps: float = 1e-5) -> torch.Tensor:
    """Layer normalization over the trailing dims of `weight.shape` (= `F.layer_norm`).

    레이어 정규화: 샘플마다 마지막 차원들(weight.shape와 같은 차원들)의 평균과 (편향) 분산으로
    정규화한 뒤 weight를 곱하고 bias를 더합니다. Transformer에서 주로 씁니다.
    Shapes: x (..., *S), weight and bias S -> same shape as x. With S = (D,) it normalizes the
    last axis; with S = (H, D) the last two together.
    Hint / 힌트: `dims = tuple(range(-len(weight.shape), 0))`; `x.mean(dims, keepdim=True)`,
    `x.var(dims, unbiased=False, keepdim=True)`; (x - mean) / sqrt(var + eps) * weight + bias.
    """
    # BEGIN SOLUTION
    dims = tuple(range(-weight.dim(), 0))
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * weight + bias
    # END SOLUTION


def l2_penalty(model: nn.Module) -> torch.Tensor:
    """The sum of squares of every parameter of `model` that requires grad (a 0-d tensor).

    L2 정규화 항: 학습되는(requires_grad=True) 파라미터 제곱의 합. 손실에 λ·l2_penalty(model)을
    더하면 가중치가 커지지 않도록 벌점을 줍니다 (동결한 파라미터는 빼세요).
    The result stays in the autograd graph, so `(loss + lam * l2_penalty(model)).backward()`
    adds 2·lam·w to each trainable weight's gradient.
    Hint / 힌트: `sum((p ** 2).sum() for p in model.parameters() if p.requires_grad)`; start from
    a 0-d tensor so that a model with no trainable parameter gives tensor(0.).
    """
    # BEGIN SOLUTION
    total = torch.zeros(())
    for p in model.parameters():
        if p.requires_grad:
            total = total + (p ** 2).sum()
    return total
    # END SOLUTION


class EarlyStopping:
    """Stops training when the validation loss has not improved for `patience` calls.

    조기 종료: 검증 손실이 `best_loss - min_delta`보다 작아지면 개선으로 보고 best_loss를 갱신하고
    카운터를 0으로 되돌립니다. 그렇지 않으면(같은 값도 개선이 아님) 카운터를 1 늘리고, 카운터가
    patience에 이르면 True(중단)를 돌려줍니다.
    `best_loss` starts at float('inf'). `step(val_loss)`: an improvement is
    val_loss < best_loss - min_delta (strictly; an equal loss is not one): best_loss = val_loss,
    counter = 0. Otherwise counter += 1 and best_loss is kept. Returns True (stop) when the
    counter has reached `patience`, False otherwise; later calls keep the same rule.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0):
        """Hint / 힌트: keep patience, min_delta, a counter = 0 and best_loss = float('inf')."""
        # BEGIN SOLUTION
        self.patience = patience
        self.min_delta = min_delta
        self.counter = 0
        self.best_loss = float("inf")
        # END SOLUTION

    def step(self, val_loss: float) -> bool:
        """Records one validation loss; True when training should stop. / 중단하면 True.

        Hint / 힌트: `if val_loss < self.best_loss - self.min_delta:` improvement, else count up;
        `return self.counter >= self.patience`.
        """
        # BEGIN SOLUTION
        val_loss = float(val_loss)
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience
        # END SOLUTION
