"""Graders for ch03.mlp (checklist: pytorch-loop).

Layer names and declaration order are free (self.net = nn.Sequential(...) as in the curriculum,
one attribute per layer declared in any order, one nn.ReLU or nn.Dropout module used twice, or
F.relu): random weights are set through the learner's own load_state_dict and loaded into the
curriculum model built here, matched by each module's role (kind and sizes); the outputs are
compared in eval mode and, with the same seed, in train mode (the Dropouts' p and places).
No kit code runs in the child (fixtures/submissions/alternatives/ch03_mlp_named_layers.toml,
ch03_pub_mlp_layers_by_kind.toml, ch03_pub_mlp_blocks_list.toml).
"""

import numpy as np
import pytest
import torch

from dldrill.grading import assert_close, assert_shape, failure, grader, tr

MODULE = "ch03.mlp"
HINT_STACK = tr("Linear → BatchNorm1d → ReLU → Dropout → Linear(h, h//2) → BatchNorm1d → ReLU → "
                "Dropout → Linear(h//2, out) 순서 그대로 만드세요",
                "build exactly Linear → BatchNorm1d → ReLU → Dropout → Linear(h, h//2) → "
                "BatchNorm1d → ReLU → Dropout → Linear(h//2, out)")


def _curriculum_mlp(i: int, h: int, o: int, p: float = 0.3) -> torch.nn.Module:
    """The curriculum's model, built here in the grader from plain torch."""
    nn = torch.nn
    return nn.Sequential(nn.Linear(i, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(p),
                         nn.Linear(h, h // 2), nn.BatchNorm1d(h // 2), nn.ReLU(), nn.Dropout(p),
                         nn.Linear(h // 2, o))


def _roles(state: dict, i: int, h: int, o: int) -> dict[str, str]:
    """The learner's state_dict keys -> the curriculum model's, by the role of each module
    (its kind and sizes; the sizes used here make every role unique): names and declaration
    order are the learner's choice."""
    half = h // 2
    linear = {(h, i): "0", (half, h): "4", (o, half): "8"}
    norm = {h: "1", half: "5"}
    modules: dict[str, dict] = {}
    for key, value in state.items():
        prefix, _, leaf = key.rpartition(".")
        modules.setdefault(prefix, {})[leaf] = value
    mapping = {}
    for prefix, entries in modules.items():
        target = None
        if "running_mean" in entries:
            target = norm.pop(int(entries["running_mean"].shape[0]), None)
        elif "weight" in entries and entries["weight"].dim() == 2:
            target = linear.pop(tuple(entries["weight"].shape), None)
        if target is None:
            raise failure(f"MLP({i}, {h}, {o}).state_dict(): module {prefix or '(root)'!r}",
                          tr("커리큘럼의 Linear 3개와 BatchNorm1d 2개 중 하나",
                             "one of the curriculum's three Linear and two BatchNorm1d layers"),
                          ", ".join(f"{k} {tuple(v.shape)}" for k, v in entries.items()),
                          HINT_STACK)
        for leaf in entries:
            mapping[f"{prefix}.{leaf}" if prefix else leaf] = f"{target}.{leaf}"
    if linear or norm:
        missing = [f"Linear{k[::-1]}" for k in linear] + [f"BatchNorm1d({k})" for k in norm]
        raise failure(f"MLP({i}, {h}, {o}).state_dict()", tr("커리큘럼의 층 전부",
                      "every layer of the curriculum"), tr("없음: ", "missing: ").render()
                      + ", ".join(missing), HINT_STACK)
    return mapping


def _same_weights(student, rng, i: int, h: int, o: int, p: float = 0.3):
    """The learner's MLP and the curriculum's, with the same random weights and BatchNorm
    statistics: drawn here, set through the learner's own load_state_dict, and loaded into
    the curriculum model by role."""
    model = student.call(f"{MODULE}:MLP", i, h, o, dropout=p)
    state = dict(model.state_dict())
    new = {}
    for name, v in state.items():
        if v.is_floating_point():
            v = torch.from_numpy(rng.standard_normal(tuple(v.shape)).astype(np.float32))
            if name.endswith("running_var"):
                v = v.abs() + 0.5
        new[name] = v
    mapping = _roles(new, i, h, o)
    model.load_state_dict(new)
    ref = _curriculum_mlp(i, h, o, p)
    ref.load_state_dict({mapping[k]: v for k, v in new.items()})
    return model, ref


@pytest.mark.parametrize("dims", [(20, 32, 5, 0.25), (10, 7, 3, 0.3)],
                         ids=["20-32-5-p0.25", "10-7-3-p0.3"])
@grader("pytorch-loop", points=1)
def test_mlp_layer_stack(student, rng, dims):
    """Train mode with the same weights and the same seed: the learner's outputs equal the
    curriculum model's only when the Dropouts have its p and sit where it has them (the random
    masks are drawn in the same order), and BatchNorm follows each hidden Linear."""
    i, h, o, p = dims
    model, ref = _same_weights(student, rng, i, h, o, p)
    x = torch.from_numpy(rng.standard_normal((16, i)).astype(np.float32))
    model.train()
    student.call("torch:manual_seed", 1234)
    got = model(x)
    ref.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1234)
        with torch.no_grad():
            expected = ref(x)
    what = f"MLP({i}, {h}, {o}, dropout={p}).train()(x (16, {i})), torch.manual_seed(1234) first"
    assert_shape(got, (16, o), what, HINT_STACK)
    assert_close(got, expected, rtol=1e-4, atol=1e-5,
                 what=f"{what}, vs the curriculum model with the same weights and seed",
                 hint=tr("Dropout(dropout)을 각 ReLU 뒤에 두세요 (두 번): " + HINT_STACK.ko,
                         "put a Dropout(dropout) after each ReLU (twice): " + HINT_STACK.en))


@pytest.mark.parametrize("dims", [(64, 32, 10), (784, 256, 10), (10, 7, 3)],
                         ids=["64-32-10", "784-256-10", "10-7-3"])
@grader("pytorch-loop", points=1)
def test_mlp_parameter_count(student, dims):
    i, h, o = dims
    half = h // 2
    expected = (i * h + h) + 2 * h + (h * half + half) + 2 * half + (half * o + o)
    # the parameters themselves come back (the learner's own parameters()), counted here
    got = sum(int(np.prod(tuple(t.shape))) for t in student.call(f"{MODULE}:MLP", i, h, o).parameters())
    if got != expected:
        raise failure(f"MLP{dims}: number of parameters", str(expected), str(got), HINT_STACK)


@grader("pytorch-loop", points=2)
def test_mlp_forward_matches_the_curriculum_model(student, rng):
    """Same weights -> same eval-mode outputs. The learner's model gets random weights and
    BatchNorm statistics through its own load_state_dict; the same values go into the
    curriculum model here, matched by the role of each module (declaration order and names
    are free), and both outputs are compared."""
    i, h, o = 12, 16, 4
    model, ref = _same_weights(student, rng, i, h, o)
    model.eval()
    x = torch.from_numpy(rng.standard_normal((7, i)).astype(np.float32))
    got = model(x)
    what = f"MLP({i}, {h}, {o}).eval()(x (7, {i}))"
    assert_shape(got, (7, o), what, HINT_STACK)
    with torch.no_grad():
        expected = ref.eval()(x)
    assert_close(got, expected, rtol=1e-5, atol=1e-5,
                 what=f"{what} vs the curriculum model with the same weights", hint=tr(
                     "순서를 확인하세요: Linear 다음에 BatchNorm1d, 그다음 ReLU, Dropout",
                     "check the order: Linear, then BatchNorm1d, then ReLU, then Dropout"))


@grader("pytorch-loop", points=1)
def test_mlp_eval_is_deterministic_and_train_uses_dropout(student, rng):
    x = torch.from_numpy(rng.standard_normal((16, 10)).astype(np.float32))
    model = student.call(f"{MODULE}:MLP", 10, 32, 3, dropout=0.5)
    model.eval()
    first, second = model(x), model(x)
    assert_close(second, first, rtol=0, atol=0, what="MLP.eval(): two calls on the same x",
                 hint=tr("eval 모드에서는 Dropout이 꺼져 결과가 같아야 합니다 (nn.Dropout 모듈 사용)",
                         "in eval mode Dropout is off and the outputs are equal (use nn.Dropout "
                         "modules)"))
    model.train()
    if np.array_equal(model(x).detach().numpy(), model(x).detach().numpy()):
        raise failure("MLP(10, 32, 3, dropout=0.5).train(): two calls on the same x",
                      tr("Dropout 때문에 서로 다름", "different (Dropout is on)"),
                      tr("같음", "equal"),
                      tr("dropout 인자로 nn.Dropout(dropout)을 만드세요",
                         "build nn.Dropout(dropout) from the dropout argument"))
    still = student.call(f"{MODULE}:MLP", 10, 32, 3, dropout=0.0)
    still.train()
    assert_close(still(x), still(x), rtol=0, atol=1e-7,
                 what="MLP(10, 32, 3, dropout=0.0).train(): two calls on the same x",
                 hint=tr("dropout 인자를 쓰세요 (0.3을 고정하지 마세요)",
                         "use the dropout argument (not a fixed 0.3)"))
