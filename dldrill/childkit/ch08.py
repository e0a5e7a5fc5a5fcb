"""Child-side helpers for ch08's graders: raw data only (names, in-place copies), no exercise's work.

    names = student.call("dldrill.childkit.ch08:module_entries", bn)
    missing = student.call("dldrill.childkit.ch08:load_named", bn, {"weight": w, "bias": b})

Nothing here trains, steps an optimizer, takes a gradient or evaluates a schedule: the graders
drive the learner's optimizers and schedules themselves, call by call through handles, with
gradients and expected values computed in the grader (graders/ch08). What these helpers return
is checked there (names against the contract, loaded values through the outputs they produce).
torch is imported on use.
"""

from __future__ import annotations

from typing import Any


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
