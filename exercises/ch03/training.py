# dldrill:stub 9cc934aec9c7 · from solutions/ch03/training.py · 여러분의 파일 / yours to edit
"""The standard PyTorch training loop, written from scratch.

커리큘럼 3-5의 표준 학습 루프입니다. 배치마다 다섯 단계:
The curriculum's standard loop (3-5); for every batch, five steps:

    optimizer.zero_grad()              # 1. 기울기 초기화 / reset the gradients
    outputs = model(X_batch)           # 2. 순전파 / forward
    loss = criterion(outputs, y_batch) # 3. 손실 계산 / loss
    loss.backward()                    # 4. 역전파 / backward
    optimizer.step()                   # 5. 가중치 업데이트 / update

Losses and accuracies are averages over *samples*: a batch counts by its size, so an uneven last
batch weighs less (손실과 정확도는 샘플 평균: 배치 크기로 가중합니다). Training runs in
`model.train()`, evaluation in `model.eval()` under `torch.no_grad()`. Models are classifiers
whose outputs are logits (B, C) and whose labels are class indices (B,).
`device=None` means the kit's device choice (`dldrill.devices.resolve_device`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import torch
from torch import nn

from dldrill.devices import resolve_device


def train_one_epoch(model: nn.Module, loader: Any, optimizer: torch.optim.Optimizer,
                    criterion: nn.Module, device: Any = None,
                    clip_norm: float | None = None) -> tuple[float, float]:
    """One pass over `loader` in train mode, updating the model. / 한 에폭 학습.

    Returns (loss, acc): the mean loss per sample (each batch's loss weighted by its size) and
    the fraction of correctly classified samples in [0, 1], both measured on each batch before
    its update. With `clip_norm`, the gradients' total norm is clipped to it before each step.
    반환: (샘플당 평균 손실, 정확도 0~1). clip_norm이 주어지면 step 전에 기울기 노름을 자릅니다.
    Hint / 힌트: `model.train()`, then per batch zero_grad → forward → loss → backward →
    (`torch.nn.utils.clip_grad_norm_`) → step; add `loss.item() * batch_size` and divide by the
    number of samples at the end (배치 평균 손실에 배치 크기를 곱해 더하세요).
    """
    raise NotImplementedError("TODO(ch03.training.train_one_epoch)")


def evaluate(model: nn.Module, loader: Any, criterion: nn.Module,
             device: Any = None) -> tuple[float, float]:
    """Mean loss per sample and accuracy over `loader`, in eval mode, with no graph. / 평가.

    Returns (loss, acc) like `train_one_epoch` (batches weighted by their size) without changing
    the model: eval mode (Dropout off, BatchNorm's running statistics) and `torch.no_grad()`.
    모델을 바꾸지 않고 eval 모드와 no_grad로 (샘플당 평균 손실, 정확도)를 돌려줍니다.
    Hint / 힌트: `model.eval()` and `with torch.no_grad():` around the loop; weight each batch's
    loss by its size, as in training (배치 크기로 가중 평균).
    """
    raise NotImplementedError("TODO(ch03.training.evaluate)")


def fit(model: nn.Module, train_loader: Any, val_loader: Any, epochs: int,
        optimizer: torch.optim.Optimizer, criterion: nn.Module, scheduler: Any = None,
        checkpoint_path: str | Path | None = None, device: Any = None) -> dict[str, list[float]]:
    """Trains for `epochs` epochs, keeps the best weights by validation loss. / 학습 + 최고 모델.

    Each epoch: `train_one_epoch`, then `evaluate` on `val_loader`, then `scheduler.step()`
    (`scheduler.step(val_loss)` for ReduceLROnPlateau) when a scheduler is given. Whenever the
    validation loss is the lowest so far, the model's state_dict is saved: to `checkpoint_path`
    with `torch.save` when given, otherwise as an in-memory copy. At the end the best state_dict
    is loaded back into `model`.
    Returns {"train_loss": [...], "train_acc": [...], "val_loss": [...], "val_acc": [...]}, one
    entry per epoch.
    검증 손실이 가장 낮을 때의 state_dict를 저장하고(경로가 없으면 메모리에 복사), 끝나면 다시 불러옵니다.
    Hint / 힌트: `model.state_dict()` returns live references to the weights: save it to the file or
    keep `copy.deepcopy(model.state_dict())`, and call `model.load_state_dict(...)` after the last
    epoch (state_dict는 복사해 두어야 이후 학습에 덮어쓰이지 않습니다).
    """
    raise NotImplementedError("TODO(ch03.training.fit)")
