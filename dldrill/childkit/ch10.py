"""Generic pieces for the ch10 graders, built *inside* the submission's process.

Models only (seeded, plain torch): a small language-model head whose output layer shares the
embedding's weight, a model that runs differently once exported to TorchScript, and a way to
freeze parameters by name. Nothing here knows an exercise's answer; the grader decides from the
values that come back. Only the ch10 graders import this module (it imports torch).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def tied_lm(vocab: int, dim: int, seed: int = 0) -> Any:
    """`nn.Sequential(Embedding(vocab, dim), LayerNorm(dim), Linear(dim, vocab))` whose Linear
    weight *is* the embedding's weight (weight tying, as in GPT-2): `model.parameters()` yields
    it once, `named_modules()` reaches it twice. Seeded; the global RNG is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        emb, norm, head = nn.Embedding(vocab, dim), nn.LayerNorm(dim), nn.Linear(dim, vocab)
        head.weight = emb.weight
    return nn.Sequential(emb, norm, head)


def freeze(model: Any, prefixes: list[str]) -> Any:
    """`requires_grad_(False)` on every parameter whose name starts with one of `prefixes`."""
    for name, param in model.named_parameters():
        if any(name.startswith(p) for p in prefixes):
            param.requires_grad_(False)
    return model


class ExportProbe(torch.nn.Module):
    """Linear(in_dim, out_dim), plus 1.0 on the output when running as TorchScript."""

    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.lin = torch.nn.Linear(in_dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.lin(x)
        if torch.jit.is_scripting() or torch.jit.is_tracing():
            y = y + 1.0
        return y


def export_probe(in_dim: int, out_dim: int, seed: int = 0) -> ExportProbe:
    """A Linear(in_dim, out_dim) model that adds 1.0 to its output when it runs as TorchScript
    (compiled by `torch.jit.script`, or recorded by `torch.jit.trace`), and not when it runs as
    plain Python: exported and eager outputs differ by exactly 1 everywhere."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ExportProbe(in_dim, out_dim)
