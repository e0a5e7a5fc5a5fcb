"""Graders for ch07.lora (checklist: lora).

LoRALinear is judged by behaviour without looking at attribute names: its trainable parameters
must be exactly two matrices shaped like A (r, in) and B (out, r) (either orientation is
accepted; the grader tells them apart by shape), the base layer's parameters must be frozen, and
its outputs are compared with W x + b + (alpha / r) · B A x computed here from the values read
back. The base layer's weights are the grader's own (sent into a torch nn.Linear in the child);
A and B are read back and set through torch's `named_parameters()` / `load_state_dict()` on the
learner's module; two SGD steps run in the child only through torch (SGD, autograd's backward)
and are recomputed here from the state before them. LoRALinear is written by hand: its source
(read here as text, never imported) must not use peft or loralib, whose LoRA layers would pass
every numerical check. make_lora_config and apply_lora (peft on all-MiniLM-L6-v2) are graded in
test_lora_peft.py, which counts toward ch07.lora too.
"""

import numpy as np
import pytest
import torch

from dldrill.grading import assert_by_hand, assert_close, failure, grader, tr, type_name

MODULE = "ch07.lora"
IN, OUT = 12, 7

HINT_AB = tr("A (r × in)는 무작위, B (out × r)는 0으로 시작; 학습되는 파라미터는 A와 B 둘뿐",
             "A (r × in) random, B (out × r) zeros at the start; A and B are the only trainable "
             "parameters")
HINT_SCALE = tr("출력 = base(x) + (alpha / r) · B A x", "output = base(x) + (alpha / r) · B A x")
HINT_BY_HAND = tr("LoRALinear는 torch만으로 직접: A, B를 nn.Parameter로 만들고 forward에서 계산하세요",
                  "write LoRALinear with torch alone: A and B as nn.Parameter, the update "
                  "computed in forward")


def _base_weights(seed: int) -> dict:
    gen = torch.Generator().manual_seed(1000 + seed)
    bound = 1 / np.sqrt(IN)
    return {"weight": (torch.rand(OUT, IN, generator=gen) * 2 - 1) * bound,
            "bias": (torch.rand(OUT, generator=gen) * 2 - 1) * bound}


FORBIDDEN = ("peft", "loralib")


def _assert_lora_linear_by_hand(student) -> None:
    """LoRALinear must not use peft or loralib. The module's other exercises use peft
    legitimately, so only what LoRALinear reaches counts (its definition, the module-level
    helpers it names, an import where the imported name is used there)."""
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, functions=["LoRALinear"],
                   what="ch07.lora:LoRALinear", hint=HINT_BY_HAND)


def _lora(student, r=4, alpha=8, dropout=0.0, seed=0):
    """A torch nn.Linear in the child holding this grader's weights, wrapped by the learner's
    LoRALinear (written by hand: checked first)."""
    _assert_lora_linear_by_hand(student)
    weights = _base_weights(seed)
    base = student.call("torch.nn:Linear", IN, OUT)
    base.load_state_dict(weights)
    student.call("torch:manual_seed", seed + 100)
    lora = student.call(f"{MODULE}:LoRALinear", base, r=r, alpha=alpha, dropout=dropout)
    return lora, weights


def _params(lora) -> dict:
    """{name: Parameter copy} through torch's named_parameters(); copies keep requires_grad."""
    return {name: p for name, p in lora.named_parameters()}


def _trainable(lora) -> dict:
    return {n: p.detach() for n, p in _params(lora).items() if p.requires_grad}


def _a_and_b(trainable: dict, r: int, what: str) -> tuple[str, str]:
    """The names of A (r, in) and B (out, r) among the trainable tensors, whatever their names or
    orientation."""
    shapes = {n: tuple(v.shape) for n, v in trainable.items()}
    a_shapes, b_shapes = {(r, IN), (IN, r)}, {(OUT, r), (r, OUT)}
    a = [n for n, s in shapes.items() if s in a_shapes]
    b = [n for n, s in shapes.items() if s in b_shapes]
    if len(trainable) != 2 or len(a) != 1 or len(b) != 1:
        raise failure(f"{what}: trainable parameters",
                      f"two: A {(r, IN)} and B {(OUT, r)} (in={IN}, out={OUT}, r={r})",
                      str(shapes), HINT_AB)
    return a[0], b[0]


def _as_ab(trainable: dict, names: tuple[str, str], r: int) -> tuple[torch.Tensor, torch.Tensor]:
    A, B = trainable[names[0]], trainable[names[1]]
    return (A if A.shape == (r, IN) else A.T), (B if B.shape == (OUT, r) else B.T)


def _set_ab(lora, r: int, seed: int, what: str, std: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """Random A and B chosen here, put in through load_state_dict(strict=False) and read back."""
    names = _a_and_b(_trainable(lora), r, what)
    gen = torch.Generator().manual_seed(seed)
    values = {n: torch.randn(tuple(_trainable(lora)[n].shape), generator=gen) * std for n in names}
    lora.load_state_dict(values, strict=False)
    got = _trainable(lora)
    if any(not torch.equal(got[n], values[n]) for n in names):
        raise failure(f"{what}: load_state_dict with new A and B, read back",
                      tr("보낸 값", "the values sent"), tr("다른 값", "other values"),
                      tr("A와 B는 모듈의 파라미터여야 합니다 (state_dict에 들어 있게)",
                         "A and B must be parameters of the module (in its state_dict)"))
    return _as_ab(got, names, r)


def _expected(weights: dict, A, B, scale: float, x: np.ndarray) -> torch.Tensor:
    W, b = weights["weight"].double().numpy(), weights["bias"].double().numpy()
    delta = scale * (B.double().numpy() @ A.double().numpy())
    return torch.from_numpy(x.astype(np.float64) @ (W + delta).T + b).float()


def _base_out(weights: dict, x: np.ndarray) -> torch.Tensor:
    W, b = weights["weight"].double().numpy(), weights["bias"].double().numpy()
    return torch.from_numpy(x.astype(np.float64) @ W.T + b).float()


def _backward_in_child(sub, module, x, target) -> None:
    """mse_loss(module(x), target).backward() in the child, chained with builtins.map so that the
    output and the loss never leave it (only torch's own functions run there)."""
    outs = sub.call("builtins:map", module, [x])
    losses = sub.call("builtins:map", sub.get("torch.nn.functional:mse_loss"), outs, [target])
    list(sub.call("builtins:map", sub.call("operator:methodcaller", "backward"), losses))


@grader(points=2)
def test_lora_linear_starts_as_the_base_layer(student, rng):
    lora, weights = _lora(student)
    what = f"LoRALinear(Linear({IN}, {OUT}), r=4, alpha=8)"
    trainable = _trainable(lora)
    A, B = _as_ab(trainable, _a_and_b(trainable, 4, what), 4)
    if not torch.all(B == 0) or torch.all(A == 0):
        raise failure(f"{what}: A and B at the start", "A random (non-zero), B all zeros",
                      f"A {'zeros' if torch.all(A == 0) else 'random'}, "
                      f"B {'zeros' if torch.all(B == 0) else 'non-zero'}", HINT_AB)
    lora.eval()
    x = rng.standard_normal((5, IN)).astype(np.float32)
    got = lora(torch.from_numpy(x))
    expected = _base_out(weights, x)
    assert_close(got, expected, rtol=1e-5, atol=1e-5, what=f"{what}(x (5, {IN})) at the start",
                 hint=tr("B가 0이면 처음 출력은 base(x)와 같습니다",
                         "with B = 0 the output equals base(x) at the start"))


@pytest.mark.parametrize("r, alpha", [(4, 16), (2, 3), (3, 12)], ids=["r4-a16", "r2-a3", "r3-a12"])
@grader(points=1)
def test_lora_linear_output_is_scaled_by_alpha_over_r(student, rng, r, alpha):
    lora, weights = _lora(student, r=r, alpha=alpha, seed=r)
    what = f"LoRALinear(Linear({IN}, {OUT}), r={r}, alpha={alpha}) with random A and B"
    A, B = _set_ab(lora, r, r, what)
    lora.eval()
    x = rng.standard_normal((6, IN)).astype(np.float32)
    got = lora(torch.from_numpy(x))
    assert_close(got, _expected(weights, A, B, alpha / r, x), rtol=1e-4,
                 atol=1e-4, what=f"{what}: output", hint=HINT_SCALE)


def _sgd_here(weights: dict, A, B, flags: dict, scale: float, x, target, lr: float, steps: int):
    """The same SGD steps on W x + b + scale · B A x, here; the base trains only if its flags say
    so (then the test fails on them anyway)."""
    W = weights["weight"].clone().requires_grad_(flags["base"])
    b = weights["bias"].clone().requires_grad_(flags["base"])
    A, B = A.clone().requires_grad_(True), B.clone().requires_grad_(True)
    params = [p for p in (W, b, A, B) if p.requires_grad]
    for _ in range(steps):
        out = x @ W.T + b + scale * (x @ A.T @ B.T)
        grads = torch.autograd.grad(torch.nn.functional.mse_loss(out, target), params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= lr * g
    return A.detach(), B.detach()


@grader(points=2)
def test_lora_linear_trains_only_a_and_b(student, rng):
    """torch.optim.SGD over ALL parameters in the child and two steps of autograd's backward of
    MSE: the base weight and bias never move; A and B end where the same two steps computed
    here from the state before them end (B moves at once, A from the second step: A's gradient
    is 0 while B is 0)."""
    lora, weights = _lora(student, r=4, alpha=8, seed=5)
    before = _params(lora)
    x = torch.from_numpy(rng.standard_normal((16, IN)).astype(np.float32))
    target = torch.from_numpy(rng.standard_normal((16, OUT)).astype(np.float32))
    lr = 0.5
    opt = student.call("torch.optim:SGD", lora.parameters(), lr=lr)
    for _ in range(2):
        opt.zero_grad()
        _backward_in_child(student, lora, x, target)
        opt.step()
    after = _params(lora)
    base_names = [n for n, v in before.items() if tuple(v.shape) in ((OUT, IN), (OUT,))]
    trainable_base = [n for n in base_names if before[n].requires_grad]
    moved = [n for n in base_names if not torch.equal(before[n].detach(), after[n].detach())]
    if trainable_base or moved:
        raise failure("LoRALinear: the base layer's weight and bias",
                      tr("동결 (requires_grad=False), 두 번의 step 후에도 그대로",
                         "frozen (requires_grad=False), unchanged after two steps"),
                      f"trainable: {trainable_base}, changed: {moved}",
                      tr("base.weight.requires_grad_(False)와 bias도", "base.weight.requires_grad_(False), "
                         "and the bias too"))
    trainable0 = {n: p.detach() for n, p in before.items() if p.requires_grad}
    names = _a_and_b(trainable0, 4, "LoRALinear")
    A0, B0 = _as_ab(trainable0, names, 4)
    A1, B1 = _as_ab({n: after[n].detach() for n in names}, names, 4)
    if torch.equal(A0, A1) or torch.equal(B0, B1):
        raise failure("LoRALinear: A and B after two SGD steps", tr("둘 다 변함", "both changed"),
                      f"A {'unchanged' if torch.equal(A0, A1) else 'changed'}, "
                      f"B {'unchanged' if torch.equal(B0, B1) else 'changed'}", HINT_AB)
    A2, B2 = _sgd_here(weights, A0, B0, {"base": False}, 8 / 4, x, target, lr, 2)
    for name, got, want in (("A", A1, A2), ("B", B1, B2)):
        assert_close(got, want, rtol=1e-4, atol=1e-5,
                     what=f"LoRALinear: {name} after two SGD steps vs the same steps computed here",
                     hint=tr("기울기는 forward에서 나옵니다: base(x) + (alpha / r) · B A x 그대로",
                             "the gradients come from forward: exactly base(x) + (alpha / r) · B A x"))


@grader(points=2)
def test_lora_linear_merge_is_an_equivalent_linear(student, rng):
    lora, weights = _lora(student, r=4, alpha=12, seed=7)
    A, B = _set_ab(lora, 4, 7, "LoRALinear(Linear, r=4, alpha=12) with random A and B")
    lora.eval()
    before = _params(lora)
    merged = lora.merge()
    got = {"type": type_name(merged), "in_features": merged.in_features,
           "out_features": merged.out_features, "has_bias": merged.bias is not None}
    want = {"type": "torch.nn.modules.linear.Linear", "in_features": IN, "out_features": OUT,
            "has_bias": True}
    if got != want:
        raise failure("LoRALinear.merge()", str(want), str(got),
                      tr("nn.Linear를 새로 만들어 반환하세요", "build and return a new nn.Linear"))
    hint = tr("W' = W + (alpha / r) · B A, bias는 그대로", "W' = W + (alpha / r) · B A, same bias")
    W = weights["weight"].double() + 3 * (B.double() @ A.double())
    assert_close(torch.as_tensor(merged.weight).detach(), W.float(), rtol=1e-4, atol=1e-5,
                 what="merge().weight vs W + (alpha / r) · B A", hint=hint)
    x = rng.standard_normal((6, IN)).astype(np.float32)
    expected = _expected(weights, A, B, 12 / 4, x)
    assert_close(merged(torch.from_numpy(x)), expected, rtol=1e-4, atol=1e-4,
                 what="merge()(x) vs W x + b + (alpha / r) · B A x", hint=hint)
    after = _params(lora)
    if any(not torch.equal(before[n].detach(), after[n].detach()) for n in before):
        raise failure("LoRALinear after merge()", tr("그대로", "unchanged"),
                      tr("값이 바뀜", "values changed"),
                      tr("merge는 복사본을 만듭니다 (이 모듈은 그대로)",
                         "merge builds copies (this module stays as it was)"))


@grader(points=1)
def test_lora_linear_dropout_only_on_the_lora_path(student, rng):
    """dropout=0.9 in train mode: with B = 0 the output is exactly base(x) (no dropout on the
    base path); with random A and B two calls differ (dropout acts); eval is deterministic."""
    lora, weights = _lora(student, r=4, alpha=8, dropout=0.9, seed=9)
    lora.train()
    x = rng.standard_normal((8, IN)).astype(np.float32)
    expected = _base_out(weights, x)
    hint = tr("dropout은 LoRA 입력에만: base(x) + scale · B A dropout(x)",
              "dropout on the LoRA input only: base(x) + scale · B A dropout(x)")
    student.call("torch:manual_seed", 0)
    assert_close(lora(torch.from_numpy(x)), expected, rtol=1e-5, atol=1e-5,
                 what="LoRALinear(..., dropout=0.9).train()(x) with B = 0", hint=hint)
    _set_ab(lora, 4, 9, "LoRALinear(..., dropout=0.9)")
    first, second = lora(torch.from_numpy(x)), lora(torch.from_numpy(x))
    if torch.equal(first, second):
        raise failure("LoRALinear(..., dropout=0.9).train(): two calls with random A, B",
                      tr("서로 다름 (dropout)", "different (dropout)"),
                      tr("같음", "equal"),
                      tr("nn.Dropout(dropout)을 LoRA 경로에 쓰세요",
                         "use nn.Dropout(dropout) on the LoRA path"))
    lora.eval()
    assert_close(lora(torch.from_numpy(x)), lora(torch.from_numpy(x)), rtol=0, atol=0,
                 what="LoRALinear(..., dropout=0.9).eval(): two calls", hint=hint)


@pytest.mark.parametrize("args", [(768, 12, 8, 2), (384, 6, 8, 2), (1024, 24, 16, 4), (512, 3, 1, 1)],
                         ids=["bert-base", "minilm", "large-4-modules", "tiny"])
@grader(points=1)
def test_lora_trainable_params_formula(student, args):
    hidden, layers, r, n = args
    expected = layers * n * 2 * r * hidden
    got = student.call(f"{MODULE}:lora_trainable_params", hidden, layers, r, n_modules=n)
    if got != expected:
        raise failure(f"lora_trainable_params({hidden}, {layers}, {r}, n_modules={n})",
                      f"{expected:,}", str(got),
                      tr("모듈마다 A (r × hidden) + B (hidden × r) = 2·r·hidden",
                         "each module adds A (r × hidden) + B (hidden × r) = 2·r·hidden"))
