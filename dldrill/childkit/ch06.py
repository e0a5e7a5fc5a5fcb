"""Generic helpers for the ch06 graders, run *inside* the submission's process.

Raw data only: gradients of a function's output, a plain next-token training loop over a model
the learner built, logits in eval mode. Nothing here knows an exercise's answer; the grader
compares what comes back with the reference, in its own process. torch is imported on use.
"""

from __future__ import annotations

from typing import Any

from dldrill.childkit import grader_only


@grader_only
def vjp(fn: Any, inputs: list, cotangent: Any, output_index: int | None = 0,
        **kwargs: Any) -> list:
    """Autograd gradients of `sum(fn(*inputs, **kwargs)[output_index] * cotangent)`.

    The inputs are copied to float64 leaves that require grad; returns one gradient per input
    (None where the output does not depend on it). `output_index=None`: the output is a tensor.
    """
    import torch

    leaves = [torch.as_tensor(x).detach().clone().to(torch.float64).requires_grad_(True)
              for x in inputs]
    out = fn(*leaves, **kwargs)
    if output_index is not None:
        out = out[output_index]
    (out * torch.as_tensor(cotangent, dtype=torch.float64)).sum().backward()
    return [None if leaf.grad is None else leaf.grad.detach().clone() for leaf in leaves]


@grader_only
def forward(model: Any, *inputs: Any) -> Any:
    """`model(*inputs)` in eval mode under `torch.no_grad()` (the model's mode is restored)."""
    import torch

    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(*inputs)
    finally:
        model.train(was)


@grader_only
def train_lm(model: Any, ids: Any, steps: int, batch_size: int = 16, block_size: int = 32,
             lr: float = 3e-3, seed: int = 0) -> list[float]:
    """Trains a next-token model on a 1-D sequence of token ids with Adam; returns each step's loss.

    Each step draws `batch_size` windows of `block_size + 1` tokens at seeded random offsets:
    the model reads the first `block_size` and is trained with cross-entropy on the next token
    at every position (logits (B, T, V) against the window shifted by one).
    """
    import torch

    data = torch.as_tensor(ids, dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        starts = torch.randint(len(data) - block_size - 1, (batch_size,), generator=gen)
        window = torch.stack([data[s: s + block_size + 1] for s in starts.tolist()])
        x, y = window[:, :-1], window[:, 1:]
        out = model(x)
        loss = torch.nn.functional.cross_entropy(out.reshape(-1, out.size(-1)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    return losses
