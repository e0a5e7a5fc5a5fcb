"""Judging a model by what its forward pass computes, not by how its modules were declared.

The child runs `dldrill.childkit.builders:execution_trace(model, x)`, which returns the leaf
modules in the order they *ran* (with their weights) and the output. Here, in the grader, the
trace is aligned with the reference model's own trace: same kinds of layers with weights, in the
same order, same shapes. The weights can then be loaded into the reference architecture, so that
accuracy is measured in the grader and outputs compared with matched weights. Declaration order,
attribute names, a ReLU module used twice or `F.relu` instead of `nn.ReLU` do not matter.
"""

from __future__ import annotations

from typing import Any

from dldrill.childkit.builders import execution_trace, run_order
from dldrill.grading.checks import Hint, failure
from dldrill.i18n import tr


def _weighted(trace: dict) -> list[dict]:
    """The calls of modules that hold weights or statistics, each module once (its first call)."""
    seen: set[int] = set()
    out = []
    for call in trace["calls"]:
        if not (call["params"] or call["buffers"]) or call["module"] in seen:
            continue
        seen.add(call["module"])
        out.append(call)
    return out


def _signature(call: dict) -> str:
    shapes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in {**call["params"], **call["buffers"]}.items()
                       if hasattr(v, "shape"))
    return f"{call['type']}({shapes})"


def align_weights(got: dict, expected: dict, *, what: str = "model",
                  hint: Hint = None) -> list[tuple[dict, dict]]:
    """Pairs the weighted layers of two traces in execution order; fails with the first mismatch."""
    g, e = _weighted(got), _weighted(expected)
    for i, ec in enumerate(e):
        if i >= len(g):
            raise failure(f"{what}: layer {i + 1} in forward order",
                          _signature(ec), tr("레이어 없음", "no such layer").render(), hint)
        gc = g[i]
        same = gc["type"] == ec["type"] and all(
            k in gc["params"] | gc["buffers"]
            and tuple(gc["params"].get(k, gc["buffers"].get(k)).shape) == tuple(v.shape)
            for k, v in {**ec["params"], **ec["buffers"]}.items() if hasattr(v, "shape"))
        if not same:
            raise failure(f"{what}: layer {i + 1} in forward order", _signature(ec),
                          _signature(gc), hint)
    if len(g) > len(e):
        raise failure(f"{what}: layers with weights", str(len(e)), str(len(g)), hint,
                      [tr("추가 레이어: ", "extra layer: ").render() + _signature(g[len(e)])])
    return list(zip(g, e, strict=False))


def load_by_execution(model: Any, got: dict, *inputs: Any, what: str = "model",
                      hint: Hint = None) -> Any:
    """Copies the weights of a student's trace into `model` (the reference architecture, here).

    `inputs` are the ones the trace was made with; the reference's own trace on them gives the
    order to align with. Returns `model`.
    """
    import torch

    expected = execution_trace(model, *inputs)
    order = run_order(model, *inputs)
    with torch.no_grad():
        for gc, ec in align_weights(got, expected, what=what, hint=hint):
            target = order[ec["module"]]
            for name, value in {**gc["params"], **gc["buffers"]}.items():
                current = getattr(target, name, None)
                if isinstance(current, torch.Tensor):
                    current.copy_(torch.as_tensor(value).to(current.dtype))
    return model
