"""Autograd: gradients without writing derivatives, and predictions without a graph.

`requires_grad=True`인 텐서로 계산하면 PyTorch가 연산 그래프를 기록하고, `backward()`나
`torch.autograd.grad`가 그 그래프를 거꾸로 따라가며 기울기를 구합니다. 평가할 때는 그래프가 필요
없으므로 `model.eval()`과 `torch.no_grad()`로 메모리와 시간을 아낍니다.
With `requires_grad=True` PyTorch records the operations and autograd walks them backwards; for
evaluation no graph is needed, so `model.eval()` and `torch.no_grad()` save memory and time.

Curriculum example / 커리큘럼 예제: y = x0**2 + 2*x1 at x = [2, 3] gives dy/dx = [4, 2].
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def grad_of(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The gradient of the scalar `f(x)` at `x`, by autograd. / 스칼라 f(x)의 x에서의 기울기.

    Shapes: x (...) floating -> (...), same shape and dtype as x. `x` is left as it was: its
    `.grad` stays None if it was None and keeps its old value otherwise (x.grad를 건드리지 마세요).
    Hint / 힌트: work on a copy, `x.detach().clone().requires_grad_(True)`, and ask
    `torch.autograd.grad(f(x_copy), x_copy)` instead of calling `.backward()` on x itself
    (복사본에 requires_grad를 켜고 torch.autograd.grad를 쓰면 x.grad에 쌓이지 않습니다).
    """
    # BEGIN SOLUTION
    x_copy = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        y = f(x_copy)
        (grad,) = torch.autograd.grad(y, x_copy)
    return grad
    # END SOLUTION


def no_grad_predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's outputs in eval mode with no autograd graph; its mode is restored afterwards.

    평가 모드(eval)에서 그래프 없이 예측하고, 호출 전의 모드(train/eval)를 되돌려 놓습니다.
    Shapes: x (B, ...) -> model(x) (B, ...), with `requires_grad == False`; x is moved to the
    device of the model's parameters. Dropout is off and BatchNorm uses its running statistics.
    Hint / 힌트: remember `model.training` first, then `model.eval()` and `with torch.no_grad():`,
    and finally `model.train(was_training)` (호출 전 model.training을 기억했다가 복원하세요).
    """
    # BEGIN SOLUTION
    was_training = model.training
    param = next(model.parameters(), None)
    if param is not None:
        x = x.to(param.device)
    model.eval()
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        model.train(was_training)
    return out
    # END SOLUTION
