"""Learning-rate schedules as functions of the step, and the learning-rate range test.

커리큘럼 8-4의 학습률 스케줄러를 "스텝 → 학습률" 함수로 직접 계산합니다. `step` is 0-based: the
number of `scheduler.step()` calls so far, so `f(0, ...)` is the learning rate of the very first
update and each function equals, at every step, what the named PyTorch / transformers scheduler
puts in `optimizer.param_groups[0]["lr"]`:

    step_lr              torch.optim.lr_scheduler.StepLR(opt, step_size, gamma)
    cosine_annealing     torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max, eta_min)
    linear_warmup_decay  transformers.get_linear_schedule_with_warmup(opt, warmup, total)
    one_cycle            torch.optim.lr_scheduler.OneCycleLR(opt, max_lr, total_steps,
                         pct_start, anneal_strategy="cos", div_factor, final_div_factor,
                         three_phase=False, cycle_momentum=False)

학습 루프에서는 optimizer.step() 다음에 scheduler.step()을 부릅니다 (OneCycleLR·warmup은 배치마다).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
from torch import nn


def step_lr(step: int, base_lr: float, step_size: int, gamma: float = 0.1) -> float:
    """StepLR: multiply the learning rate by `gamma` every `step_size` steps.

    계단식 감소: lr = base_lr · gamma^(step // step_size).
    Hint / 힌트: integer division `step // step_size` counts the completed periods.
    """
    # BEGIN SOLUTION
    return base_lr * gamma ** (step // step_size)
    # END SOLUTION


def cosine_annealing(step: int, T_max: int, base_lr: float, eta_min: float = 0.0) -> float:
    """CosineAnnealingLR: half a cosine from base_lr (step 0) down to eta_min (step T_max).

    코사인 감소: lr = eta_min + (base_lr - eta_min) · (1 + cos(π · step / T_max)) / 2.
    Past T_max it goes back up along the same cosine (period 2·T_max), as PyTorch's does.
    Hint / 힌트: the phase is step / T_max (not (step + 1) / T_max, not step / (T_max - 1)).
    """
    # BEGIN SOLUTION
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * step / T_max)) / 2
    # END SOLUTION


def linear_warmup_decay(step: int, warmup_steps: int, total_steps: int, base_lr: float) -> float:
    """Linear warm-up then linear decay to 0 (transformers' get_linear_schedule_with_warmup).

    워밍업: step < warmup_steps 동안 lr = base_lr · step / warmup_steps (0에서 시작);
    이후 lr = base_lr · (total_steps - step) / (total_steps - warmup_steps), 0 아래로는 내려가지 않음.
    Hint / 힌트: step 0 gives 0, step == warmup_steps gives base_lr, step >= total_steps gives 0;
    use max(1, ...) in the denominators so that warmup_steps = 0 works.
    """
    # BEGIN SOLUTION
    if step < warmup_steps:
        return base_lr * step / max(1, warmup_steps)
    return base_lr * max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))
    # END SOLUTION


def one_cycle(step: int, total_steps: int, max_lr: float, pct_start: float = 0.3,
              div_factor: float = 25.0, final_div_factor: float = 1e4) -> float:
    """OneCycleLR with cosine annealing and two phases (PyTorch's defaults).

    원사이클: initial = max_lr / div_factor에서 max_lr까지 코사인으로 올라갔다가(워밍업),
    min = initial / final_div_factor까지 코사인으로 내려갑니다.
    Phase 1 runs from step 0 to s1 = pct_start · total_steps - 1 (a float), phase 2 from s1 to
    total_steps - 1; within a phase from a to b over steps [s, e]:
    lr = b + (a - b) · (1 + cos(π · (step - s) / (e - s))) / 2.
    Hint / 힌트: step 0 gives max_lr / div_factor, step total_steps - 1 gives the minimum;
    do not round s1 to an integer.
    """
    # BEGIN SOLUTION
    initial = max_lr / div_factor
    minimum = initial / final_div_factor
    end1 = float(pct_start * total_steps) - 1
    end2 = float(total_steps - 1)

    def anneal(start: float, end: float, pct: float) -> float:
        """Cosine from `start` (pct 0) to `end` (pct 1)."""
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)

    if step <= end1:
        return anneal(initial, max_lr, step / end1)
    return anneal(max_lr, minimum, (step - end1) / (end2 - end1))
    # END SOLUTION


def lr_range_test(model: nn.Module, loader: Any, criterion: nn.Module, min_lr: float = 1e-6,
                  max_lr: float = 1.0, steps: int = 100) -> tuple[list[float], list[float], float]:
    """The learning-rate range test (Leslie Smith): train briefly with a growing learning rate.

    학습률 범위 테스트: 학습률을 min_lr에서 max_lr까지 지수적으로 키우며 미니배치마다 한 번씩 학습하고
    손실을 기록합니다. 손실이 가장 낮았던 학습률의 1/10을 추천합니다. 끝나면 모델의 가중치(버퍼 포함)를
    처음 상태로 되돌립니다.
    - lrs[i] = min_lr · (max_lr / min_lr) ** (i / (steps - 1)), i = 0 .. steps-1 (geometric).
    - For each i: take the next batch (x, y) of `loader`, starting over from its beginning when it
      runs out; in train mode, with plain SGD (`torch.optim.SGD(model.parameters(), lr=lrs[i])`,
      no momentum): zero_grad, loss = criterion(model(x), y), backward, step;
      losses[i] = loss.item() (the loss *before* that update).
    - suggested_lr = lrs[k] / 10 where k is the index of the smallest finite loss.
    - Afterwards the model's state_dict (parameters and buffers, e.g. BatchNorm's running
      statistics) is exactly what it was before, and so is its train/eval mode.
    Returns (lrs, losses, suggested_lr): two lists of `steps` floats and a float.
    Hint / 힌트: `saved = copy.deepcopy(model.state_dict())` first and `model.load_state_dict(saved)`
    at the end (state_dict()는 실제 텐서를 가리키므로 복사해야 합니다); set each step's lr with
    `for g in opt.param_groups: g["lr"] = lr`; skip nan/inf losses when picking the minimum.
    """
    # BEGIN SOLUTION
    saved = copy.deepcopy(model.state_dict())
    was_training = model.training
    lrs = [min_lr * (max_lr / min_lr) ** (i / max(1, steps - 1)) for i in range(steps)]
    losses: list[float] = []
    opt = torch.optim.SGD(model.parameters(), lr=lrs[0])
    model.train()
    batches = iter(loader)
    try:
        for lr in lrs:
            try:
                x, y = next(batches)
            except StopIteration:
                batches = iter(loader)
                x, y = next(batches)
            for group in opt.param_groups:
                group["lr"] = lr
            opt.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            opt.step()
            losses.append(float(loss.item()))
    finally:
        model.load_state_dict(saved)
        model.train(was_training)
    finite = [(loss, i) for i, loss in enumerate(losses) if math.isfinite(loss)]
    best = min(finite)[1] if finite else 0
    return lrs, losses, lrs[best] / 10.0
    # END SOLUTION
