"""Graders for ch07.lora (checklist: lora).

LoRALinear is judged by behaviour without looking at attribute names: its trainable parameters
must be exactly two matrices shaped like A (r, in) and B (out, r) (either orientation is
accepted; the grader tells them apart by shape), the base layer's parameters must be frozen, and
its outputs are compared with W x + b + (alpha / r) · B A x computed here from the values pulled
back. make_lora_config and apply_lora (peft on all-MiniLM-L6-v2) are graded in
test_lora_peft.py, which counts toward ch07.lora too.

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- LoRALinear initialises B at random like A, so the adapted layer differs from the base layer before
  any training (test_lora_linear_dropout_only_on_the_lora_path,
  test_lora_linear_starts_as_the_base_layer; ch07_lora_b_random)
- LoRALinear keeps the base layer trainable, so an optimizer step changes the pretrained weight too
  (test_lora_linear_merge_is_an_equivalent_linear,
  test_lora_linear_output_is_scaled_by_alpha_over_r, test_lora_linear_starts_as_the_base_layer,
  test_lora_linear_trains_only_a_and_b; ch07_lora_base_not_frozen)
- LoRALinear applies dropout to the input of both paths, so the frozen base layer sees dropped
  inputs in training (test_lora_linear_dropout_only_on_the_lora_path;
  ch07_lora_dropout_on_the_base_path)
- LoRALinear.merge adds B @ A to the weight without the alpha / r scale
  (test_lora_linear_merge_is_an_equivalent_linear; ch07_lora_merge_without_scale)
- lora_trainable_params counts one r × hidden matrix per module instead of both A and B
  (test_lora_trainable_params_formula; ch07_lora_params_one_matrix)
- LoRALinear scales the update by r / alpha instead of alpha / r
  (test_lora_linear_merge_is_an_equivalent_linear,
  test_lora_linear_output_is_scaled_by_alpha_over_r; ch07_lora_scale_r_over_alpha)
"""

import numpy as np
import pytest
import torch

from dldrill.grading import assert_close, failure, grader, tr

M = "ch07.lora"
K = "dldrill.childkit.ch07"
IN, OUT = 12, 7

HINT_AB = tr("A (r × in)는 무작위, B (out × r)는 0으로 시작; 학습되는 파라미터는 A와 B 둘뿐",
             "A (r × in) random, B (out × r) zeros at the start; A and B are the only trainable "
             "parameters")
HINT_SCALE = tr("출력 = base(x) + (alpha / r) · B A x", "output = base(x) + (alpha / r) · B A x")


def _base(sub, seed=0, in_features=IN, out_features=OUT):
    sub.call("torch:manual_seed", seed)
    return sub.call("torch.nn:Linear", in_features, out_features)


def _lora(student, r=4, alpha=8, dropout=0.0, seed=0):
    base = _base(student, seed)
    weights = student.call(f"{K}:parameters_of", base)
    student.call("torch:manual_seed", seed + 100)
    lora = student.call(f"{M}:LoRALinear", base, r=r, alpha=alpha, dropout=dropout)
    return lora, weights


def _a_and_b(trainable: dict, r: int, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(A (r, in), B (out, r)) from the trainable tensors, whatever their names or orientation."""
    shapes = {n: tuple(v.shape) for n, v in trainable.items()}
    a_shapes, b_shapes = {(r, IN), (IN, r)}, {(OUT, r), (r, OUT)}
    a = [n for n, s in shapes.items() if s in a_shapes]
    b = [n for n, s in shapes.items() if s in b_shapes]
    if len(trainable) != 2 or len(a) != 1 or len(b) != 1:
        raise failure(f"{what}: trainable parameters",
                      f"two: A {(r, IN)} and B {(OUT, r)} (in={IN}, out={OUT}, r={r})",
                      str(shapes), HINT_AB)
    A, B = trainable[a[0]], trainable[b[0]]
    return (A if A.shape == (r, IN) else A.T), (B if B.shape == (OUT, r) else B.T)


def _expected(weights: dict, A, B, scale: float, x: np.ndarray) -> np.ndarray:
    W, b = weights["weight"].double().numpy(), weights["bias"].double().numpy()
    delta = scale * (B.double().numpy() @ A.double().numpy())
    return torch.from_numpy(x @ (W + delta).T + b).float()


def _base_out(weights: dict, x: np.ndarray) -> torch.Tensor:
    W, b = weights["weight"].double().numpy(), weights["bias"].double().numpy()
    return torch.from_numpy(x.astype(np.float64) @ W.T + b).float()


@grader(points=2)
def test_lora_linear_starts_as_the_base_layer(student, rng):
    lora, weights = _lora(student)
    what = f"LoRALinear(Linear({IN}, {OUT}), r=4, alpha=8)"
    A, B = _a_and_b(student.call(f"{K}:trainable_state", lora), 4, what)
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
    student.call(f"{K}:randomize_trainable", lora, seed=r, std=0.5)
    lora.eval()
    what = f"LoRALinear(Linear({IN}, {OUT}), r={r}, alpha={alpha}) with random A and B"
    A, B = _a_and_b(student.call(f"{K}:trainable_state", lora), r, what)
    x = rng.standard_normal((6, IN)).astype(np.float32)
    got = lora(torch.from_numpy(x))
    assert_close(got, _expected(weights, A, B, alpha / r, x.astype(np.float64)), rtol=1e-4,
                 atol=1e-4, what=f"{what}: output", hint=HINT_SCALE)


@grader(points=2)
def test_lora_linear_trains_only_a_and_b(student, rng):
    """Two SGD steps over ALL parameters: B moves at once (A's gradient is 0 while B is 0), A
    at the second; the base weight and bias never move."""
    lora, _ = _lora(student, r=4, alpha=8, seed=5)
    flags = student.call(f"{K}:requires_grad_flags", lora)
    before = student.call(f"{K}:parameters_of", lora)
    x = rng.standard_normal((16, IN)).astype(np.float32)
    target = rng.standard_normal((16, OUT)).astype(np.float32)
    student.call(f"{K}:sgd_step_all", lora, x, target, lr=0.5)
    student.call(f"{K}:sgd_step_all", lora, x, target, lr=0.5)
    after = student.call(f"{K}:parameters_of", lora)
    base_names = [n for n, v in before.items() if tuple(v.shape) in ((OUT, IN), (OUT,))]
    trainable_base = [n for n in base_names if flags[n]]
    moved = [n for n in base_names if not torch.equal(before[n], after[n])]
    if trainable_base or moved:
        raise failure("LoRALinear: the base layer's weight and bias",
                      tr("동결 (requires_grad=False), 두 번의 step 후에도 그대로",
                         "frozen (requires_grad=False), unchanged after two steps").render(),
                      f"trainable: {trainable_base}, changed: {moved}",
                      tr("base.weight.requires_grad_(False)와 bias도", "base.weight.requires_grad_(False), "
                         "and the bias too"))
    trainable = {n: after[n] for n, f in flags.items() if f}
    A1, B1 = _a_and_b(trainable, 4, "LoRALinear after two steps")
    A0, B0 = _a_and_b({n: before[n] for n in trainable}, 4, "LoRALinear")
    if torch.equal(A0, A1) or torch.equal(B0, B1):
        raise failure("LoRALinear: A and B after two SGD steps", tr("둘 다 변함", "both changed").render(),
                      f"A {'unchanged' if torch.equal(A0, A1) else 'changed'}, "
                      f"B {'unchanged' if torch.equal(B0, B1) else 'changed'}", HINT_AB)


@grader(points=2)
def test_lora_linear_merge_is_an_equivalent_linear(student, rng):
    lora, weights = _lora(student, r=4, alpha=12, seed=7)
    student.call(f"{K}:randomize_trainable", lora, seed=7, std=0.5)
    lora.eval()
    merged = lora.merge()
    info = student.call(f"{K}:module_info", merged)
    want = {"class": "Linear", "in_features": IN, "out_features": OUT, "has_bias": True}
    if {k: info.get(k) for k in want} != want:
        raise failure("LoRALinear.merge()", str(want), str({k: info.get(k) for k in want}),
                      tr("nn.Linear를 새로 만들어 반환하세요", "build and return a new nn.Linear"))
    A, B = _a_and_b(student.call(f"{K}:trainable_state", lora), 4, "LoRALinear")
    x = rng.standard_normal((6, IN)).astype(np.float32)
    expected = _expected(weights, A, B, 12 / 4, x.astype(np.float64))
    hint = tr("W' = W + (alpha / r) · B A, bias는 그대로", "W' = W + (alpha / r) · B A, same bias")
    assert_close(merged(torch.from_numpy(x)), expected, rtol=1e-4, atol=1e-4,
                 what="merge()(x) vs W x + b + (alpha / r) · B A x", hint=hint)


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
    student.call(f"{K}:randomize_trainable", lora, seed=9)
    first, second = lora(torch.from_numpy(x)), lora(torch.from_numpy(x))
    if torch.equal(first, second):
        raise failure("LoRALinear(..., dropout=0.9).train(): two calls with random A, B",
                      tr("서로 다름 (dropout)", "different (dropout)").render(),
                      tr("같음", "equal").render(),
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
    got = student.call(f"{M}:lora_trainable_params", hidden, layers, r, n_modules=n)
    if got != expected:
        raise failure(f"lora_trainable_params({hidden}, {layers}, {r}, n_modules={n})",
                      f"{expected:,}", str(got),
                      tr("모듈마다 A (r × hidden) + B (hidden × r) = 2·r·hidden",
                         "each module adds A (r × hidden) + B (hidden × r) = 2·r·hidden"))
