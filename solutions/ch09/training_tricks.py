"""Training tricks from the curriculum's GPU tips (9-3): mixed precision, gradient accumulation,
gradient clipping, and exporting a model (TorchScript, ONNX).

- 혼합 정밀도(Mixed Precision): CUDA에서는 float16 autocast + GradScaler(작은 기울기가 0으로
  사라지지 않게 손실을 키웠다가 되돌림), CPU에서는 bfloat16 autocast (지수 범위가 float32와 같아
  스케일러가 필요 없음). Mixed precision: float16 autocast with a GradScaler on CUDA (the loss is
  scaled up so that small gradients do not underflow, and the gradients unscaled before the step);
  bfloat16 autocast on CPU (float32's exponent range, so no scaler).
- 기울기 누적(Gradient Accumulation): 작은 배치 k개의 손실을 각각 k로 나눠 backward하면 큰 배치
  하나의 기울기와 같습니다. k micro-batches, each loss divided by k, add up to the gradient of one
  big batch (mean-reduced losses).
- 기울기 클리핑: backward 뒤, step 앞에서 전체 노름을 max_norm으로 자릅니다.
- 내보내기: TorchScript(`torch.jit.trace`)와 ONNX, 다시 불러와 출력이 같은지 확인합니다.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from dldrill.devices import resolve_device


def train_step_amp(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor],
                   optimizer: torch.optim.Optimizer, criterion: nn.Module,
                   scaler: Any = None, device: Any = None) -> float:
    """One mixed-precision training step on `batch` = (x, y); returns the loss as a float. / AMP.

    The forward pass and the loss run under `torch.autocast`: dtype float16 on CUDA, bfloat16 on
    CPU. The backward pass and the step run outside it. With a `scaler`
    (`torch.amp.GradScaler("cuda")` on CUDA; a `GradScaler("cpu")` works the same way on any
    device): `scaler.scale(loss).backward()`, `scaler.step(optimizer)`, `scaler.update()`;
    without one, `loss.backward()` and `optimizer.step()`. Gradients are reset (zero_grad)
    first. The model is put in train mode (it may arrive in eval mode). Returns the unscaled
    loss.
    autocast 안에서는 순전파와 손실만, backward와 step은 밖에서.
    Hint / 힌트: `dtype = torch.float16 if device.type == "cuda" else torch.bfloat16`;
    `with torch.autocast(device_type=device.type, dtype=dtype): loss = criterion(model(x), y)`.
    """
    # BEGIN SOLUTION
    device = torch.device(resolve_device(device))
    x, y = (t.to(device) for t in batch)
    model.train()
    optimizer.zero_grad()
    dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    with torch.autocast(device_type=device.type, dtype=dtype):
        loss = criterion(model(x), y)
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        optimizer.step()
    return float(loss.detach().float())
    # END SOLUTION


def accumulated_grads(model: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
                      criterion: nn.Module, accum_steps: int) -> dict[str, torch.Tensor]:
    """Gradients accumulated over `accum_steps` micro-batches, equal to one big batch's. / 누적.

    `batches` yields `accum_steps` pairs (x, y) of equal size; `criterion` is mean-reduced. Starts
    from zero gradients, runs forward + backward on each micro-batch with its loss divided by
    `accum_steps`, and takes no optimizer step. Returns {parameter name: a copy of its .grad}:
    the gradient of the mean loss over all the samples, as if they were one batch.
    손실을 accum_steps로 나누지 않으면 기울기가 accum_steps배가 됩니다.
    Hint / 힌트: `model.zero_grad()`; per micro-batch `(criterion(model(x), y) /
    accum_steps).backward()`; then `{n: p.grad.detach().clone() for n, p in
    model.named_parameters()}`.
    """
    # BEGIN SOLUTION
    model.zero_grad()
    for x, y in batches:
        loss = criterion(model(x), y) / accum_steps
        loss.backward()
    return {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.grad is not None}
    # END SOLUTION


def clip_and_step(model: nn.Module, optimizer: torch.optim.Optimizer, max_norm: float) -> float:
    """Clips the gradients' total norm to `max_norm`, then takes the optimizer step. / 클리핑.

    Call it after `loss.backward()`. The total norm is the 2-norm of all the parameters'
    gradients taken together; when it exceeds `max_norm` every gradient is scaled by
    max_norm / total_norm. Returns the total norm before clipping (a float).
    Hint / 힌트: `torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)` returns that norm;
    clip first, then `optimizer.step()` (step 전에 잘라야 합니다).
    """
    # BEGIN SOLUTION
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return float(total)
    # END SOLUTION


def export_torchscript(model: nn.Module, example: torch.Tensor, path: str | Path) -> str:
    """Saves `model` as TorchScript at `path` (traced with `example`, in eval mode); returns the
    path as a string. `torch.jit.load(path)` gives a module that computes what `model.eval()`
    computes. / TorchScript로 내보내기.

    Hint / 힌트: `model.eval()` first (Dropout off, BatchNorm's running statistics), then
    `torch.jit.trace(model, example)` and `.save(str(path))`.
    """
    # BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
    traced.save(str(path))
    return str(path)
    # END SOLUTION


def export_onnx(model: nn.Module, example: torch.Tensor, path: str | Path) -> str:
    """Saves `model` (eval mode) as ONNX at `path` with a dynamic batch axis; returns the path.
    Needs the `onnx` package. / ONNX로 내보내기.

    Hint / 힌트: `model.eval()`, then `torch.onnx.export(model, (example,), str(path),
    input_names=["x"], output_names=["logits"], dynamic_axes={"x": {0: "batch"}, "logits": {0:
    "batch"}}, dynamo=False)` (the TorchScript-based exporter; `dynamo=True` needs onnxscript).
    """
    # BEGIN SOLUTION
    model.eval()
    torch.onnx.export(model, (example,), str(path), input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)
    return str(path)
    # END SOLUTION
