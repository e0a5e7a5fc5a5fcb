"""Generic child-side helpers first needed by ch04's graders (raw data only, no exercise answers).

    info = student.call("dldrill.childkit.ch04:keras_summary", model)        # layers as plain data
    losses = student.call("dldrill.childkit.ch04:train_classifier", model, X, y, epochs=2)
    g = student.call("dldrill.childkit.ch04:input_gradient", model, x, upstream)

Each returns plain values (lists, dicts, numbers, tensors); the grader judges them. torch and
Keras are imported on use, so a torch child never loads TensorFlow and the other way round.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dldrill.childkit import grader_only
from dldrill.childkit.builders import plain, shape_of


# -- Keras ---------------------------------------------------------------------------------------
def keras_summary(model: Any) -> dict:
    """A Keras model as plain data.

    `layers`: one dict per entry of `model.layers`, in order: `class` (class name), `config`
    (`layer.get_config()` as plain values), `params` and `trainable_params` (counts of scalars);
    `input_shape`, `output_shape` (None for the batch axis), `params` (total), and `compile`
    (`model.get_compile_config()` as plain values, or None when the model is not compiled).
    """
    layers = []
    for layer in model.layers:
        layers.append({
            "class": type(layer).__name__,
            "config": plain(layer.get_config()),
            "params": int(layer.count_params()) if layer.built else 0,
            "trainable_params": int(sum(int(np.prod(w.shape)) for w in layer.trainable_weights)),
        })
    try:
        compiled = model.get_compile_config()
    except (AttributeError, ValueError):
        compiled = None
    return {
        "layers": layers,
        "input_shape": shape_of(getattr(model, "input_shape", None)),
        "output_shape": shape_of(getattr(model, "output_shape", None)),
        "params": int(model.count_params()),
        "compile": plain(compiled) if compiled else None,
    }


# -- torch ---------------------------------------------------------------------------------------
@grader_only
def train_classifier(model: Any, X: Any, y: Any, epochs: int = 1, batch_size: int = 64,
                     lr: float = 1e-3, seed: int = 0, weight_decay: float = 0.0,
                     one_cycle: bool = False) -> list[float]:
    """Trains `model` in place with a plain loop: AdamW(lr, weight_decay), cross-entropy on raw
    logits, mini-batches of a seeded shuffle, train mode; dropout draws come from `seed` too.
    With `one_cycle`, `OneCycleLR(max_lr=lr)` steps after every batch (the curriculum's recipe).

    X (N, ...) float32 inputs, y (N,) int class labels. Returns the mean training loss of every
    epoch (weighted by batch size). The global RNG is left as it was; the model is left in train
    mode.
    """
    import torch

    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    steps = (len(X) + batch_size - 1) // batch_size
    sched = (torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, epochs=epochs, steps_per_epoch=steps)
             if one_cycle else None)
    losses: list[float] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model.train()
        for _ in range(epochs):
            order = torch.randperm(len(X), generator=gen)
            total = 0.0
            for start in range(0, len(X), batch_size):
                idx = order[start:start + batch_size]
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                total += float(loss.detach()) * len(idx)
            losses.append(total / len(X))
    return losses


@grader_only
def input_gradient(model: Any, x: Any, upstream: Any = None) -> Any:
    """d(sum(model(x) * upstream)) / dx, computed with autograd on a copy of x (x itself is not
    touched). `upstream` defaults to ones. The model's mode is used as it is; its parameters'
    `.grad` are left as they were. Returns a tensor shaped like x."""
    import torch

    x = torch.as_tensor(x).detach().clone().requires_grad_(True)
    out = model(x)
    up = torch.ones_like(out) if upstream is None else torch.as_tensor(upstream).to(out.dtype)
    (grad,) = torch.autograd.grad((out * up).sum(), x)
    return grad.detach()


@grader_only
def freeze(model: Any, prefixes: list[str]) -> Any:
    """Sets `requires_grad = False` on every parameter whose name starts with one of `prefixes`
    (as in transfer learning). Returns the model."""
    for name, p in model.named_parameters():
        if any(name.startswith(pre) for pre in prefixes):
            p.requires_grad_(False)
    return model


def inplace_check(fn: Any, x: Any) -> dict:
    """Runs `fn(x)` (a model or any callable) on a copy of x, without autograd, and reports whether
    that copy changed: `{"changed": bool, "output": the result}`."""
    import torch

    x = torch.as_tensor(x)
    arg = x.detach().clone()
    with torch.no_grad():
        out = fn(arg)
    if isinstance(out, torch.Tensor):
        out = out.detach().clone()
    return {"changed": not torch.equal(arg, x), "output": out}
