"""Optimizers by hand, as subclasses of `torch.optim.Optimizer`.

커리큘럼 8-3의 옵티마이저를 직접 구현합니다: SGD(+momentum), Adam, AdamW, RMSprop, Lion.
Each class passes its hyper-parameters to `super().__init__(params, defaults)` and reads them
back from `self.param_groups` in `step()`, so that parameter groups (a different lr per group)
and learning-rate schedulers (which change `group["lr"]`) work as with `torch.optim`. Per-parameter
buffers (momentum, moments, the step count) live in `self.state[p]`, so `state_dict()` and
`load_state_dict()` work too.
하이퍼파라미터는 매 step마다 `group[...]`에서 읽고(스케줄러가 group["lr"]을 바꿉니다), 버퍼는
`self.state[p]`에 두세요. `params` may be an iterable of tensors or of dicts (parameter groups).

The update rules (g = p.grad; parameters whose grad is None are skipped; t counts this
parameter's steps from 1):
- SGD: g += wd·p; with momentum, buf = g at the first step, else buf = momentum·buf + g; p -= lr·buf.
- Adam: g += wd·p (L2, coupled); m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
  m̂ = m / (1-β1^t); v̂ = v / (1-β2^t); p -= lr·m̂ / (sqrt(v̂) + eps).
- AdamW: p -= lr·wd·p (decoupled, before the Adam step, with no wd in g); then Adam.
- RMSprop: g += wd·p; s = α·s + (1-α)·g²; with momentum, buf = momentum·buf + g / (sqrt(s) + eps),
  p -= lr·buf (buf starts at 0); without, p -= lr·g / (sqrt(s) + eps).
- Lion (Chen et al. 2023): c = β1·m + (1-β1)·g; p -= lr·(sign(c) + wd·p); m = β2·m + (1-β2)·g.
Every `step(closure=None)` runs under `torch.no_grad()` and returns closure() when given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch


def _check(lr: float, eps: float = 0.0, betas: tuple[float, float] = (0.0, 0.0)) -> None:
    if lr < 0.0:
        raise ValueError(f"invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"invalid epsilon: {eps}")
    if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
        raise ValueError(f"invalid betas: {betas}")


class SGD(torch.optim.Optimizer):
    """SGD with momentum and L2 weight decay (= `torch.optim.SGD`, dampening 0, no Nesterov).

    모멘텀: 첫 step에서는 buf = g, 이후 buf = momentum·buf + g (g에 곱하는 (1-momentum) 없음).
    """

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0):
        """Hint / 힌트: `super().__init__(params, dict(lr=lr, momentum=momentum,
        weight_decay=weight_decay))`."""
        # BEGIN SOLUTION
        _check(lr)
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))
        # END SOLUTION

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient. / 기울기가 있는 파라미터 갱신.

        Hint / 힌트: for group in self.param_groups: for p in group["params"]: skip p.grad None;
        `state = self.state[p]`; keep the buffer in `state["momentum_buffer"]`.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # BEGIN SOLUTION
        for group in self.param_groups:
            lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                d_p = p.grad
                if wd != 0:
                    d_p = d_p.add(p, alpha=wd)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = d_p.detach().clone()
                    else:
                        buf.mul_(momentum).add_(d_p)
                    d_p = buf
                p.add_(d_p, alpha=-lr)
        # END SOLUTION
        return loss


class Adam(torch.optim.Optimizer):
    """Adam with bias correction and coupled (L2) weight decay (= `torch.optim.Adam`).

    1차·2차 모멘트의 지수이동평균에 편향 보정(1-β^t로 나누기)을 한 뒤 갱신합니다.
    weight_decay는 기울기에 wd·p를 더하는 L2 방식입니다 (AdamW와 다름).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        """Hint / 힌트: store lr, betas, eps, weight_decay as the defaults of every group."""
        # BEGIN SOLUTION
        _check(lr, eps, betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay))
        # END SOLUTION

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam update. / Adam 한 스텝.

        Hint / 힌트: `state["step"]`, `state["exp_avg"]`, `state["exp_avg_sq"]` (zeros_like(p) at
        the first step); divide m by 1 - β1**t and v by 1 - β2**t before the update.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # BEGIN SOLUTION
        for group in self.param_groups:
            lr, (beta1, beta2) = group["lr"], group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if wd != 0:
                    grad = grad.add(p, alpha=wd)
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                t = state["step"]
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                step_size = lr / (1 - beta1 ** t)
                denom = (v.sqrt() / math.sqrt(1 - beta2 ** t)).add_(eps)
                p.addcdiv_(m, denom, value=-step_size)
        # END SOLUTION
        return loss


class AdamW(torch.optim.Optimizer):
    """Adam with decoupled weight decay (= `torch.optim.AdamW`; default weight_decay 1e-2).

    AdamW: 가중치 감소를 기울기에 섞지 않고 파라미터에서 직접 뺍니다 (p -= lr·wd·p, Adam 갱신 전).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2):
        """Hint / 힌트: the same defaults dict as Adam (weight_decay defaults to 1e-2 here)."""
        # BEGIN SOLUTION
        _check(lr, eps, betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay))
        # END SOLUTION

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One AdamW update. / AdamW 한 스텝.

        Hint / 힌트: `p.mul_(1 - lr * wd)` first, then Adam's update with the plain gradient.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # BEGIN SOLUTION
        for group in self.param_groups:
            lr, (beta1, beta2) = group["lr"], group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if wd != 0:
                    p.mul_(1 - lr * wd)
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                t = state["step"]
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                step_size = lr / (1 - beta1 ** t)
                denom = (v.sqrt() / math.sqrt(1 - beta2 ** t)).add_(eps)
                p.addcdiv_(m, denom, value=-step_size)
        # END SOLUTION
        return loss


class RMSprop(torch.optim.Optimizer):
    """RMSprop (= `torch.optim.RMSprop`, not centered).

    제곱 기울기의 지수이동평균 s로 기울기를 나눕니다: p -= lr·g / (sqrt(s) + eps).
    Defaults as in torch: lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0):
        """Hint / 힌트: defaults dict with lr, alpha, eps, weight_decay, momentum."""
        # BEGIN SOLUTION
        _check(lr, eps)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum))
        # END SOLUTION

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RMSprop update. / RMSprop 한 스텝.

        Hint / 힌트: `state["square_avg"]` starts at zeros; with momentum, `state["momentum_buffer"]`
        starts at zeros too; the denominator is sqrt(s) + eps (eps outside the root).
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # BEGIN SOLUTION
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            wd, momentum = group["weight_decay"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if wd != 0:
                    grad = grad.add(p, alpha=wd)
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = torch.zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = torch.zeros_like(p)
                state["step"] += 1
                square_avg = state["square_avg"]
                square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                avg = square_avg.sqrt().add_(eps)
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf.mul_(momentum).addcdiv_(grad, avg)
                    p.add_(buf, alpha=-lr)
                else:
                    p.addcdiv_(grad, avg, value=-lr)
        # END SOLUTION
        return loss


class Lion(torch.optim.Optimizer):
    """Lion, EvoLved Sign Momentum (Chen et al. 2023, "Symbolic Discovery of Optimization
    Algorithms"). / 부호(sign)만 쓰는 옵티마이저: 모멘트 하나만 저장해 메모리가 적게 듭니다.

    c = β1·m + (1-β1)·g; p -= lr·(sign(c) + wd·p); m = β2·m + (1-β2)·g (m starts at 0).
    Defaults: lr=1e-4, betas=(0.9, 0.99), weight_decay=0. Use a 3-10× smaller lr than AdamW.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-4,
                 betas: tuple[float, float] = (0.9, 0.99), weight_decay: float = 0.0):
        """Hint / 힌트: defaults dict with lr, betas, weight_decay."""
        # BEGIN SOLUTION
        _check(lr, 0.0, betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay))
        # END SOLUTION

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Lion update. / Lion 한 스텝.

        Hint / 힌트: the sign uses the interpolation c with β1, the stored moment m is updated
        with β2 *after* the parameter (torch.sign(0) = 0). `state["exp_avg"]` starts at zeros.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # BEGIN SOLUTION
        for group in self.param_groups:
            lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                m = state["exp_avg"]
                c = m.mul(beta1).add_(grad, alpha=1 - beta1)
                p.mul_(1 - lr * wd)
                p.add_(torch.sign(c), alpha=-lr)
                m.mul_(beta2).add_(grad, alpha=1 - beta2)
        # END SOLUTION
        return loss
