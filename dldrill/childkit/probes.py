"""Probes that graders run *inside* the submission's process.

They observe what the grader process cannot see through copies: what a call did to its
arguments, how often it called a callback, which modules are loaded. They return raw data only
(copies, counts, names); the grader compares and decides, since a submission can patch anything
in its own process.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class CountingFunction:
    """A scalar test function f(x) = sum(sin(x) * x**2) that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, x: np.ndarray) -> float:
        self.calls += 1
        x = np.asarray(x, dtype=np.float64)
        return float(np.sum(np.sin(x) * x**2))


def counting_function() -> CountingFunction:
    return CountingFunction()


def grad_side_effects(grad_of: Any, f: Any, values: Any, requires_grad: bool = True,
                      existing_grad: Any = None) -> dict:
    """Calls `grad_of(f, x)` on a float64 tensor x built here and reports what it did to x.

    `existing_grad` (needs `requires_grad`) is put into `x.grad` first. Returns `grad` (what
    grad_of returned, detached), `x_grad` (x.grad afterwards: None or a copy) and `x_after` (a
    copy of x's values afterwards): raw data, the grader decides.
    """
    import torch

    x = torch.tensor(values, dtype=torch.float64, requires_grad=requires_grad)
    if existing_grad is not None:
        x.grad = torch.tensor(existing_grad, dtype=torch.float64)
    grad = grad_of(f, x)
    return {
        "grad": grad.detach() if isinstance(grad, torch.Tensor) else grad,
        "x_grad": None if x.grad is None else x.grad.detach().clone(),
        "x_after": x.detach().clone(),
    }


def call_and_return_args(fn: Any, *args: Any, **kwargs: Any) -> dict:
    """Calls `fn(*args, **kwargs)` here; returns `result` and `args`, the positional arguments as
    they are afterwards (arrays by value), so a grader can see what the call did to them in
    place, up to rounding (`mutates_input` says only whether anything changed)."""
    result = fn(*args, **kwargs)
    return {"result": result, "args": list(args)}


def closure_gradient(gradient_fn: Any, values: Any, **kwargs: Any) -> dict:
    """Calls `gradient_fn(f, x, **kwargs)` with f(x) = sum(sin(x) * x**2) reading x only through
    a closure, never through its argument, the way `numerical_gradient(lambda _: net.loss(X, y),
    net.W1)` is used. Returns `grad` (what gradient_fn returned) and `calls` (calls to f)."""
    x = np.array(values, dtype=np.float64)
    calls = 0

    def f(_ignored: Any) -> float:
        nonlocal calls
        calls += 1
        return float(np.sum(np.sin(x) * x**2))

    grad = gradient_fn(f, x, **kwargs)
    return {"grad": grad, "calls": calls}


def loaded_modules() -> list[str]:
    """The top-level names of every module imported in this process, sorted."""
    import sys

    return sorted({name.split(".", 1)[0] for name in list(sys.modules)})
