"""Trusted building blocks that graders create *inside* the submission's process.

A grader cannot send a model, a loader or a function to the child; it asks for one to be built
there from plain torch, then passes the handle to the learner's code:

    model = student.call("dldrill.childkit.builders:seeded_mlp", 8, 16, 3, seed=0)
    loader = student.call("dldrill.childkit.builders:array_loader", X, y, batch_size=16)
    student.call("ch03.training:train_one_epoch", model, loader, opt, crit)

The same calls on `reference` build identical objects in the grader process (everything here is
seeded and deterministic), so the reference's results are the expected values. Nothing here
knows an answer: these are generic pieces (models, loaders, optimizers, state copies, the trace
of a forward pass), never a chapter's exercise. torch is imported on use.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def _torch() -> Any:
    import torch

    return torch


# -- models -----------------------------------------------------------------------------------
def seeded_mlp(in_dim: int, hidden: int, out_dim: int, seed: int = 0, *, batchnorm: bool = True,
               dropout: float = 0.0, warmup: int = 0) -> Any:
    """`nn.Sequential(Linear, [BatchNorm1d], ReLU, [Dropout], Linear)`, initialised from `seed`.

    BatchNorm gets a perturbed affine transform; `warmup` train-mode passes on seeded random
    batches give it non-trivial running statistics (so that train and eval outputs differ). The
    global RNG is left as it was. Built on the CPU.
    """
    torch = _torch()
    nn = torch.nn
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers: list[Any] = [nn.Linear(in_dim, hidden)]
        if batchnorm:
            bn = nn.BatchNorm1d(hidden)
            with torch.no_grad():
                bn.weight.add_(0.2 * torch.randn(hidden))
                bn.bias.add_(0.2 * torch.randn(hidden))
            layers.append(bn)
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(hidden, out_dim))
        model = nn.Sequential(*layers)
        if warmup:
            model.train()
            with torch.no_grad():
                for _ in range(warmup):
                    model(torch.randn(32, in_dim) * 1.5 + 0.3)
    return model


def training_flags(model: Any) -> list[bool]:
    """`training` of the model and every submodule."""
    return [bool(m.training) for m in model.modules()]


# -- state ------------------------------------------------------------------------------------
def state_of(model: Any) -> dict:
    """A detached CPU copy of `model.state_dict()` (a plain dict name -> tensor)."""
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}






def scratch_file(name: str) -> str:
    """A path for `name` in a fresh temporary folder (in the sandbox: inside its scratch folder,
    which the kit removes; in-process: removed when the process exits)."""
    folder = tempfile.mkdtemp(prefix="dldrill-")
    atexit.register(shutil.rmtree, folder, True)
    return str(Path(folder) / name)


# -- data and training pieces ---------------------------------------------------------------------
def array_loader(X: Any, y: Any, batch_size: int = 16, shuffle: bool = False, seed: int = 0) -> Any:
    """A DataLoader over TensorDataset(float32 X, int64 y); a seeded generator when shuffling."""
    torch = _torch()
    from torch.utils.data import DataLoader, TensorDataset

    ds = TensorDataset(torch.as_tensor(np.asarray(X), dtype=torch.float32),
                       torch.as_tensor(np.asarray(y), dtype=torch.long))
    gen = torch.Generator().manual_seed(seed) if shuffle else None
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, generator=gen)


def make_optimizer(model: Any, name: str = "sgd", lr: float = 0.1, **kwargs: Any) -> Any:
    """`torch.optim.SGD` / `Adam` / `AdamW` over the model's parameters."""
    torch = _torch()
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name]
    return cls(model.parameters(), lr=lr, **kwargs)




# -- what a forward pass does ---------------------------------------------------------------------
_CONFIG_ATTRS = ("in_features", "out_features", "in_channels", "out_channels", "kernel_size",
                 "stride", "padding", "dilation", "groups", "num_features", "normalized_shape",
                 "eps", "momentum", "affine", "p", "negative_slope", "num_embeddings",
                 "embedding_dim", "padding_idx", "input_size", "hidden_size", "num_layers",
                 "bidirectional", "batch_first", "output_size", "dim", "start_dim", "end_dim")


def plain(value: Any, depth: int = 0) -> Any:
    """`value` as plain data that crosses to the grader: numbers, strings and None as they are
    (NumPy scalars as Python ones, enums as their values), tuples and lists as lists, sets as
    sorted lists, dicts with string keys; anything else, and anything nested deeper than 12
    levels, as its repr."""
    import enum

    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if depth > 12:
        return repr(value)
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v, depth + 1) for v in value), key=repr)
    if isinstance(value, (tuple, list)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    return repr(value)


def shape_of(value: Any) -> Any:
    """A shape (any iterable of sizes) as a plain list; None when `value` is not iterable."""
    try:
        return plain(tuple(value))
    except TypeError:
        return None


def execution_trace(model: Any, *inputs: Any) -> dict:
    """Runs `model(*inputs)` once (its current mode, no autograd graph, mode and state kept) and
    records every leaf module *as it runs*, in execution order.

    Returns `{"calls": [...], "output": tensor}`; each call is `type` (class name), `module`
    (the index of that module's first call: a module used twice shares it), `config` (sizes,
    kernel, stride, p...), `params` and `buffers` (CPU copies by local name), `in_shape` and
    `out_shape`. Raw data only: the grader aligns it with the reference and decides.
    """
    torch = _torch()
    calls: list[dict] = []
    first: dict[int, int] = {}
    handles = []

    def hook(module: Any, args: Any, output: Any) -> None:
        key = id(module)
        first.setdefault(key, len(calls))
        x = args[0] if args else None
        calls.append({
            "type": type(module).__name__,
            "module": first[key],
            "config": {a: plain(getattr(module, a)) for a in _CONFIG_ATTRS if hasattr(module, a)},
            "params": {n: p.detach().cpu().clone() for n, p in module.named_parameters(recurse=False)},
            "buffers": {n: b.detach().cpu().clone() for n, b in module.named_buffers(recurse=False)
                        if b is not None},
            "in_shape": list(x.shape) if isinstance(x, torch.Tensor) else None,
            "out_shape": list(output.shape) if isinstance(output, torch.Tensor) else None,
        })

    for module in model.modules():
        if not any(True for _ in module.children()):
            handles.append(module.register_forward_hook(hook))
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
    try:
        with torch.no_grad():
            out = model(*inputs)
    finally:
        for h in handles:
            h.remove()
        model.load_state_dict(saved)  # BatchNorm in train mode updated its running statistics
    return {"calls": calls, "output": out.detach().cpu() if isinstance(out, torch.Tensor) else out}




def run_order(model: Any, *inputs: Any) -> dict[int, Any]:
    """Runs `model(*inputs)` once (no autograd graph; mode and state kept) and returns, for each
    leaf module, the number of its first call -> the module: the numbering `execution_trace`
    uses, so that a trace's entries can be found in a model by the order they ran."""
    torch = _torch()
    order: dict[int, Any] = {}
    count = [0]
    seen: dict[int, int] = {}
    handles = []

    def hook(module: Any, args: Any, output: Any) -> None:
        if id(module) not in seen:
            seen[id(module)] = count[0]
            order[count[0]] = module
        count[0] += 1

    for m in model.modules():
        if not any(True for _ in m.children()):
            handles.append(m.register_forward_hook(hook))
    was = model.training
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
        model.load_state_dict(saved)
        model.train(was)
    return order
