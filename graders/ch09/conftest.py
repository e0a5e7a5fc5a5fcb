"""ch09's shared grader step: the logits of learner models, computed from their traced graphs.

    def test_x(student, artifacts, traced_logits):
        logits = traced_logits(student, artifacts, {"trained": model}, x, "train(...)",
                               hint=HINT_TRACE)

Each model (a handle, put in eval mode here) is traced in the child (`torch.jit.trace`, library
code) and run in an artifact process on `x`, prepared by the grader: the child never sees `x`, and
a graph that is not made of standard layers is refused. Used by test_mnist_project.py and
test_cifar_project.py.
"""

from __future__ import annotations

import pytest
import torch

from dldrill.errors import StudentError
from dldrill.grading import Text, assert_shape, failure, tr
from dldrill.sandbox.artifacts import torchscript_of, unexpected_ops

ARTIFACTS = "dldrill.sandbox.artifacts"
TRACE_BUDGET = 10.0  # CPU-seconds to trace the learner's models in the child
CLASSES = 10


def traced_logits(student, artifacts, models: dict, x: torch.Tensor, what: str, *, hint: Text,
                  batch: int = 500, budget: float = 20.0) -> dict[str, torch.Tensor]:
    """{name: logits (N, 10)} of each model in `models` on `x` (N, C, H, W)."""
    files = {}
    with student.time_limit(TRACE_BUDGET, f"{what}: trace the model"):
        for name, model in models.items():
            model.eval()
            try:
                files[f"{name}.pt"] = torchscript_of(student, model, x[:2])
            except StudentError as err:
                raise failure(f"torch.jit.trace({name} model, x {tuple(x[:2].shape)})",
                              tr("추적된 모델", "a traced model"),
                              str(err.message).splitlines()[-1][:300] if err.message else
                              err.type_name, hint) from None
    out = {}
    with artifacts.process(files, "torch", budget=budget, timeout=budget) as proc:
        for name in models:
            net = proc.call("torch.jit:load", proc.path(f"{name}.pt"), map_location="cpu")
            bad = unexpected_ops(proc.call(f"{ARTIFACTS}:torchscript_ops", net))
            if bad:
                raise failure(f"{what}: the operations of the model's forward (traced)",
                              tr("표준 레이어 연산", "standard layers"), ", ".join(bad)[:300], hint)
            logits = torch.as_tensor(proc.call(f"{ARTIFACTS}:forward", net, x, batch=batch))
            assert_shape(logits, (len(x), CLASSES),
                         f"{what}: the model's output on x {tuple(x.shape)}",
                         tr("출력은 (N, 10) 로짓", "the output is (N, 10) logits"))
            out[name] = logits
    return out


@pytest.fixture
def traced_logits_of():
    """`traced_logits(student, artifacts, models, x, what, hint=...)`: see the module docstring."""
    return traced_logits
