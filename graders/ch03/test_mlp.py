"""Graders for ch03.mlp (checklist: pytorch-loop).

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- BatchNorm1d after the ReLU instead of before it (the same layers, another order)
  (test_mlp_forward_matches_the_curriculum_model; ch03_mlp_bn_after_relu)
- the second hidden layer as wide as the first (hidden_dim instead of hidden_dim // 2)
  (test_mlp_layer_stack, test_mlp_parameter_count, test_mlp_forward_matches_the_curriculum_model;
  ch03_mlp_no_halving)
- the dropout argument ignored (a fixed 0.3) (test_mlp_layer_stack,
  test_mlp_eval_is_deterministic_and_train_uses_dropout; ch03_mlp_fixed_dropout)
Layer names and declaration order are free (self.net = nn.Sequential(...) as in the curriculum,
one attribute per layer declared in any order, one nn.ReLU or nn.Dropout module used twice, or
F.relu): the graders look at the layers in the order forward *runs* them
(dldrill.childkit.builders.execution_trace) and at the outputs given the same weights, matched
layer by layer in that order (fixtures/submissions/alternatives/ch03_mlp_named_layers.toml,
ch03_pub_mlp_layers_by_kind.toml, ch03_pub_mlp_blocks_list.toml).
"""

import numpy as np
import pytest
import torch

from dldrill.grading import (
    assert_close,
    assert_shape,
    failure,
    grader,
    load_by_execution,
    tr,
)

M = "ch03.mlp"
B = "dldrill.childkit.builders"
HINT_STACK = tr("Linear → BatchNorm1d → ReLU → Dropout → Linear(h, h//2) → BatchNorm1d → ReLU → "
                "Dropout → Linear(h//2, out) 순서 그대로 만드세요",
                "build exactly Linear → BatchNorm1d → ReLU → Dropout → Linear(h, h//2) → "
                "BatchNorm1d → ReLU → Dropout → Linear(h//2, out)")


def _expected_stack(i: int, h: int, o: int, p: float) -> list[dict]:
    half = h // 2
    return [
        {"type": "Linear", "in_features": i, "out_features": h},
        {"type": "BatchNorm1d", "num_features": h},
        {"type": "Dropout", "p": p},
        {"type": "Linear", "in_features": h, "out_features": half},
        {"type": "BatchNorm1d", "num_features": half},
        {"type": "Dropout", "p": p},
        {"type": "Linear", "in_features": half, "out_features": o},
    ]


def _row(call: dict) -> dict:
    """A call of execution_trace as a row of _expected_stack (type and the sizes it checks)."""
    keys = {"Linear": ("in_features", "out_features"), "BatchNorm1d": ("num_features",),
            "Dropout": ("p",)}.get(call["type"], ())
    return {"type": call["type"], **{k: call["config"].get(k) for k in keys}}


def _curriculum_mlp(i: int, h: int, o: int, p: float = 0.3) -> torch.nn.Module:
    """The curriculum's model, built here in the grader from plain torch."""
    nn = torch.nn
    return nn.Sequential(nn.Linear(i, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(p),
                         nn.Linear(h, h // 2), nn.BatchNorm1d(h // 2), nn.ReLU(), nn.Dropout(p),
                         nn.Linear(h // 2, o))


def _fmt(rows: list[dict]) -> str:
    def one(r: dict) -> str:
        args = ", ".join(f"{v:g}" if isinstance(v, float) else str(v)
                         for k, v in r.items() if k != "type")
        return f"{r['type']}({args})"

    return " · ".join(one(r) for r in rows)


@pytest.mark.parametrize("dims", [(20, 32, 5, 0.25), (10, 7, 3, 0.3)],
                         ids=["20-32-5-p0.25", "10-7-3-p0.3"])
@grader("pytorch-loop", points=1)
def test_mlp_layer_stack(student, dims):
    i, h, o, p = dims
    model = student.call(f"{M}:MLP", i, h, o, dropout=p)
    model.eval()
    x = torch.zeros(3, i)
    # The leaf modules in the order forward *runs* them (not the order they were declared in):
    # a Dropout or ReLU module used twice counts twice. Activations may be nn.ReLU modules or
    # F.relu calls; their place is checked by the outputs.
    calls = student.call(f"{B}:execution_trace", model, x)["calls"]
    got = [_row(c) for c in calls if c["type"] not in ("ReLU",)]
    expected = _expected_stack(i, h, o, p)
    if got != expected:
        raise failure(f"MLP({i}, {h}, {o}, dropout={p}): layers with parameters or dropout, "
                      "in order", _fmt(expected), _fmt(got), HINT_STACK)


@pytest.mark.parametrize("dims", [(64, 32, 10), (784, 256, 10), (10, 7, 3)],
                         ids=["64-32-10", "784-256-10", "10-7-3"])
@grader("pytorch-loop", points=1)
def test_mlp_parameter_count(student, dims):
    i, h, o = dims
    half = h // 2
    expected = (i * h + h) + 2 * h + (h * half + half) + 2 * half + (half * o + o)
    got = student.call(f"{B}:param_count", student.call(f"{M}:MLP", i, h, o))
    if got != expected:
        raise failure(f"MLP{dims}: number of parameters", str(expected), str(got), HINT_STACK)


@grader("pytorch-loop", points=2)
def test_mlp_forward_matches_the_curriculum_model(student, rng):
    """Same weights -> same eval-mode outputs. The learner's model gets random weights and
    BatchNorm statistics (by its own names), runs once; its weights are then loaded into the
    curriculum model here, matched layer by layer in the order forward ran them (declaration
    order and names are free), and both outputs are compared."""
    i, h, o = 12, 16, 4
    model = student.call(f"{M}:MLP", i, h, o)
    state = []  # in the learner's own state_dict order: only random values, nothing to match yet
    for name, v in student.call(f"{B}:state_of", model).items():
        if v.is_floating_point():
            v = torch.from_numpy(rng.standard_normal(tuple(v.shape)).astype(np.float32))
            if name.endswith("running_var"):
                v = v.abs() + 0.5
        state.append(v)
    student.call(f"{B}:set_state_in_order", model, state)
    model.eval()
    x = torch.from_numpy(rng.standard_normal((7, i)).astype(np.float32))
    trace = student.call(f"{B}:execution_trace", model, x)
    what = f"MLP({i}, {h}, {o}).eval()(x (7, {i}))"
    ref = _curriculum_mlp(i, h, o).eval()
    load_by_execution(ref, trace, x, what=f"MLP({i}, {h}, {o})", hint=HINT_STACK)
    got = trace["output"]
    assert_shape(got, (7, o), what, HINT_STACK)
    with torch.no_grad():
        expected = ref(x)
    assert_close(got, expected, rtol=1e-5, atol=1e-5,
                 what=f"{what} vs the curriculum model with the same weights", hint=tr(
                     "순서를 확인하세요: Linear 다음에 BatchNorm1d, 그다음 ReLU, Dropout",
                     "check the order: Linear, then BatchNorm1d, then ReLU, then Dropout"))


@grader("pytorch-loop", points=1)
def test_mlp_eval_is_deterministic_and_train_uses_dropout(student, rng):
    x = torch.from_numpy(rng.standard_normal((16, 10)).astype(np.float32))
    model = student.call(f"{M}:MLP", 10, 32, 3, dropout=0.5)
    model.eval()
    first, second = model(x), model(x)
    assert_close(second, first, rtol=0, atol=0, what="MLP.eval(): two calls on the same x",
                 hint=tr("eval 모드에서는 Dropout이 꺼져 결과가 같아야 합니다 (nn.Dropout 모듈 사용)",
                         "in eval mode Dropout is off and the outputs are equal (use nn.Dropout "
                         "modules)"))
    model.train()
    if np.array_equal(model(x).detach().numpy(), model(x).detach().numpy()):
        raise failure("MLP(10, 32, 3, dropout=0.5).train(): two calls on the same x",
                      tr("Dropout 때문에 서로 다름", "different (Dropout is on)").render(),
                      tr("같음", "equal").render(),
                      tr("dropout 인자로 nn.Dropout(dropout)을 만드세요",
                         "build nn.Dropout(dropout) from the dropout argument"))
    still = student.call(f"{M}:MLP", 10, 32, 3, dropout=0.0)
    still.train()
    assert_close(still(x), still(x), rtol=0, atol=1e-7,
                 what="MLP(10, 32, 3, dropout=0.0).train(): two calls on the same x",
                 hint=tr("dropout 인자를 쓰세요 (0.3을 고정하지 마세요)",
                         "use the dropout argument (not a fixed 0.3)"))
