"""Child-side helpers for the ch05 graders (generic; no exercise answer is computed here).

`load_weights_by_run(model, inputs, weights)` gives a learner's model *given* weights, matched by
the order in which its leaf modules run (the numbering of `builders.execution_trace`), so that two
models declared differently start from the same numbers. The grader decides which weights go where
(`dldrill.grading.align_weights` on the two traces); this only copies. It runs a forward pass to
number the layers, so it is `@grader_only`: a submission's own code cannot call it.
"""

from __future__ import annotations

from typing import Any

from dldrill.childkit import grader_only
from dldrill.childkit.builders import run_order


@grader_only
def load_weights_by_run(model: Any, inputs: tuple, weights: dict) -> Any:
    """Copies `weights[i]` (a dict local name -> tensor) into the leaf module whose first call is
    call number `i` when `model(*inputs)` runs (no autograd graph; mode and state restored).

    Raises ValueError when a call number, a tensor name or a shape does not match.
    """
    import torch

    order = run_order(model, *inputs)
    with torch.no_grad():
        for index, tensors in weights.items():
            module = order.get(int(index))
            if module is None:
                raise ValueError(f"no leaf module runs as call {index}")
            for name, value in tensors.items():
                current = getattr(module, name, None)
                value = torch.as_tensor(value)
                if not isinstance(current, torch.Tensor) or tuple(current.shape) != tuple(value.shape):
                    raise ValueError(f"{type(module).__name__}.{name}: cannot take a tensor of shape "
                                     f"{tuple(value.shape)}")
                current.copy_(value.to(current.device, current.dtype))
    return model
