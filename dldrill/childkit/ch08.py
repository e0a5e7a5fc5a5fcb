"""Generic child-side helpers first needed by ch08's graders (raw data only, no exercise answers).

    traj = student.call("dldrill.childkit.ch08:optimizer_trajectory", opt_class, model, X, Y, 100,
                        groups=[{"prefix": "0.", "lr": 0.03}, {"prefix": "2."}], lr=0.1)
    lrs = student.call("dldrill.childkit.ch08:map_steps", fn, range(50), base_lr=0.1)

A class or a function of the submission crosses as a handle (`student.get("chNN.mod:Name")`);
these helpers call it and return plain values (lists, dicts, tensors) for the grader to judge.
torch is imported on use.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from dldrill.childkit import grader_only


def tiny_mlp(in_dim: int = 4, hidden: int = 5, out_dim: int = 2, seed: int = 0,
             dtype: str = "float64") -> Any:
    """`nn.Sequential(Linear(in_dim, hidden), Tanh(), Linear(hidden, out_dim))` from `seed`, in
    `dtype`; the global RNG is left as it was."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(in_dim, hidden), torch.nn.Tanh(),
                                    torch.nn.Linear(hidden, out_dim))
    return model.to(getattr(torch, dtype))


def module_entries(module: Any) -> dict:
    """`{"parameters": {name: requires_grad}, "buffers": [names], "state_dict": [keys]}`."""
    return {"parameters": {n: bool(p.requires_grad) for n, p in module.named_parameters()},
            "buffers": [n for n, _ in module.named_buffers()],
            "state_dict": list(module.state_dict().keys())}


def load_named(module: Any, tensors: dict) -> list[str]:
    """Copies each tensor into the parameter or buffer of that name (shapes must match) and returns
    the names that the module does not have (nothing is copied for them)."""
    import torch

    entries = dict(module.named_parameters())
    entries.update(dict(module.named_buffers()))
    missing = []
    with torch.no_grad():
        for name, value in tensors.items():
            if name not in entries or entries[name] is None:
                missing.append(name)
                continue
            target = entries[name]
            target.copy_(torch.as_tensor(value).to(target.device, target.dtype))
    return missing


def set_requires_grad(module: Any, names: list[str], flag: bool = False) -> Any:
    """Sets `requires_grad = flag` on the named parameters; returns the module."""
    params = dict(module.named_parameters())
    for name in names:
        params[name].requires_grad_(flag)
    return module


def map_steps(fn: Any, steps: Any, *args: Any, **kwargs: Any) -> list:
    """`[fn(step, *args, **kwargs) for step in steps]`, values as they came back."""
    return [fn(int(step), *args, **kwargs) for step in steps]


@grader_only
def parameter_gradients(fn: Any, module: Any) -> dict:
    """Calls `out = fn(module)`, then `out.backward()` on fresh gradients; returns
    `{"output": a copy of out, "grads": {name: a copy of .grad or None}}`; the parameters'
    `.grad` are left as they were."""
    import torch

    saved = {n: p.grad for n, p in module.named_parameters()}
    for p in module.parameters():
        p.grad = None
    try:
        out = fn(module)
        if isinstance(out, torch.Tensor) and out.requires_grad:
            out.backward()
        grads = {n: (None if p.grad is None else p.grad.detach().cpu().clone())
                 for n, p in module.named_parameters()}
    finally:
        for n, p in module.named_parameters():
            p.grad = saved[n]
    return {"output": out.detach().cpu().clone() if isinstance(out, torch.Tensor) else out,
            "grads": grads}


def _param_groups(model: Any, groups: list[dict] | None) -> Any:
    """The model's parameters, or groups of them by name prefix: each spec is
    `{"prefix": "0.", **options}`; parameters are taken in `named_parameters` order."""
    if groups is None:
        return list(model.parameters())
    named = list(model.named_parameters())
    out = []
    for spec in groups:
        options = {k: (tuple(v) if isinstance(v, list) else v) for k, v in spec.items()
                   if k != "prefix"}
        params = [p for n, p in named if n.startswith(spec["prefix"])]
        out.append({"params": params, **options})
    return out


@grader_only
def optimizer_trajectory(factory: Any, model: Any, X: Any, Y: Any, steps: int,
                         groups: list[dict] | None = None, scheduler: dict | None = None,
                         resume_at: int | None = None, **kwargs: Any) -> Any:
    """Runs `steps` full-batch steps of `opt = factory(params_or_groups, **kwargs)` on the mean
    squared error of `model(X)` against `Y` and returns the parameters after every step, a tensor
    (steps, P) (each row: every parameter flattened, in `named_parameters` order).

    Per step: zero_grad, loss, backward, opt.step(), then `sched.step()` when `scheduler` is
    `{"name": "StepLR", **options}` (a `torch.optim.lr_scheduler` class built on opt). With
    `resume_at=k`, after step k the optimizer is replaced by a fresh `factory(...)` that loads a
    deep copy of the old one's `state_dict()` (a checkpoint restart). The model is changed in
    place; `groups` as in `_param_groups`; list values of options become tuples (betas).
    """
    import torch

    dtype = next(model.parameters()).dtype
    X = torch.as_tensor(np.asarray(X)).to(dtype)
    Y = torch.as_tensor(np.asarray(Y)).to(dtype)
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()}

    def build() -> Any:
        return factory(_param_groups(model, groups), **kwargs)

    opt = build()
    sched = None
    if scheduler is not None:
        options = dict(scheduler)
        sched = getattr(torch.optim.lr_scheduler, options.pop("name"))(opt, **options)
    rows = []
    for step in range(steps):
        opt.zero_grad()
        loss = ((model(X) - Y) ** 2).mean()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        rows.append(torch.cat([p.detach().reshape(-1).cpu() for p in model.parameters()]))
        if resume_at is not None and step + 1 == resume_at:
            state = copy.deepcopy(opt.state_dict())
            opt = build()
            opt.load_state_dict(state)
    return torch.stack(rows)
