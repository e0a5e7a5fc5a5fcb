"""Graders for ch10.qa (checklist: interview-qa): each interview answer judged by its claim.

The truths are computed here in the grader: `nn.BatchNorm1d` in eval mode, `torch.optim.Adam`'s
own steps, `F.adaptive_avg_pool2d`, the FLOP formulas, `torch.nn.utils.prune.l1_unstructured`,
the bound |dequantize(quantize(w)) − w| ≤ scale/2, Hinton's distillation loss (reference, value
and autograd gradient), synthetic LR-finder curves. Nothing the child says is believed, and no
kit helper does an exercise's work there: models are built from torch.nn through handles (a
seeded MLP, and an Embedding/LayerNorm/Linear stack whose Linear shares the embedding's very
Parameter, tied in the child by `setattr` through `builtins.map`), frozen by their own
`requires_grad_`; gradients come from `torch.autograd.functional.vjp` over a `functools.partial`
of the learner's function and are checked, with the value that came with them and a direct call,
against the definition here; inputs that must stay unchanged live in the child (a
`types.SimpleNamespace`) and are read back after the call. `export_and_verify` is judged by its
archive: while it runs, the child keeps a copy of every TorchScript archive `torch.jit.load`
reads and of the inputs the loaded module is called with (`dldrill.childkit.ch10`, raw data);
the archive is then run by the grader in a fresh confined artifact process holding no
submission code (`dldrill.sandbox.artifacts`) and must compute the model's output, computed
here. Every call in the child is small (the answer key needs about 0.2 CPU-s there for the
whole file, TorchScript export included, measured with one thread), so no test carries a CPU
budget; each export test starts one artifact process (about 1 CPU-s of its own).
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torch.nn.utils.prune

from dldrill.childkit import builders
from dldrill.grading import (
    StudentError,
    assert_close,
    assert_raises,
    assert_shape,
    failure,
    grader,
    tr,
)

MODULE = "ch10.qa"
BUILDERS = "dldrill.childkit.builders"
CHILDKIT = "dldrill.childkit.ch10"
ARTIFACTS = "dldrill.sandbox.artifacts"


def _t(rng, *shape, scale=1.0, shift=0.0):
    return torch.from_numpy(rng.standard_normal(shape) * scale + shift).to(torch.float32)


def _lazy_attr(sub, holder, name: str):
    """A one-shot lazy `getattr(holder, name)` inside `sub` (map(getattr, [holder], [name])):
    a map over it hands the learner's function the very object the holder keeps there."""
    return sub.call("builtins:map", sub.get("builtins:getattr"), [holder], [name])


def _call_on_held(sub, target: str, tensors: dict, **kwargs):
    """`target(*tensors.values(), **kwargs)` run in `sub` on tensors that live there, in a
    types.SimpleNamespace (library callables only: functools.partial, builtins.map, next).
    Returns (the result, the tensors as they are afterwards)."""
    holder = sub.call("types:SimpleNamespace", **{k: v.clone() for k, v in tensors.items()})
    call = sub.call("functools:partial", sub.get(target), **kwargs)
    result = sub.call("builtins:next", sub.call(
        "builtins:map", call, *(_lazy_attr(sub, holder, k) for k in tensors)))
    return result, {k: getattr(holder, k) for k in tensors}


# -- Q1 -----------------------------------------------------------------------------------------
HINT_Q1 = tr("docstring의 순서대로 생성기에서 W_1..W_depth, 그다음 x를 뽑고, loss = h.sum()의 "
             "기울기 노름을 입력에 가까운 층부터 돌려주세요",
             "draw W_1..W_depth then x from the generator in the docstring's order, and return the "
             "gradient norms of loss = h.sum(), the layer nearest the input first")


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@grader(points=1)
def test_gradient_norms_match_the_seeded_net(student, reference, activation):
    """Depth 6, width 16, batch 8, seed 3: the norms against the answer key, rtol 1e-3."""
    kw = {"width": 16, "batch": 8, "seed": 3}
    got = student.call(f"{MODULE}:gradient_norms", 6, activation, **kw)
    expected = reference.call(f"{MODULE}:gradient_norms", 6, activation, **kw)
    if not isinstance(got, (list, tuple)):
        raise failure(f"gradient_norms(6, {activation!r})", "a list of 6 floats", repr(got)[:80],
                      HINT_Q1)
    assert_close([float(v) for v in got], expected, rtol=1e-3,
                 what=f"gradient_norms(6, {activation!r}, width=16, batch=8, seed=3)", hint=HINT_Q1)


@grader(points=2)
def test_gradient_norms_sigmoid_vanishes_relu_does_not(student):
    """The claim itself, on the learner's numbers (depth 12, defaults): sigmoid's first-layer norm
    is below 1e-3 × the last layer's; relu's ratio stays within [0.1, 10]."""
    sig = [float(v) for v in student.call(f"{MODULE}:gradient_norms", 12, "sigmoid")]
    relu = [float(v) for v in student.call(f"{MODULE}:gradient_norms", 12, "relu")]
    for name, norms in (("sigmoid", sig), ("relu", relu)):
        if len(norms) != 12 or not all(math.isfinite(v) and v > 0 for v in norms):
            raise failure(f"gradient_norms(12, {name!r})", "12 positive finite floats",
                          repr(norms)[:120], HINT_Q1)
    r_sig, r_relu = sig[0] / sig[-1], relu[0] / relu[-1]
    if not r_sig < 1e-3:
        raise failure("sigmoid, depth 12: norms[0] / norms[-1] (input side / output side)", "< 1e-3",
                      f"{r_sig:.3g}", tr("σ' ≤ 0.25가 층마다 곱해지므로 입력 쪽 기울기가 훨씬 작아야 합니다; "
                                         "입력에 가까운 층이 먼저인가요?",
                                         "σ' ≤ 0.25 multiplies in at every layer, so the input side "
                                         "must be far smaller; is the layer nearest the input first?"))
    if not 0.1 <= r_relu <= 10:
        raise failure("relu, depth 12: norms[0] / norms[-1]", "between 0.1 and 10", f"{r_relu:.3g}",
                      HINT_Q1)


def _norms_check(student, reference) -> None:
    got = student.call(f"{MODULE}:gradient_norms", 4, "tanh", width=8, batch=4, seed=1)
    expected = reference.call(f"{MODULE}:gradient_norms", 4, "tanh", width=8, batch=4, seed=1)
    if not isinstance(got, (list, tuple)) or len(got) != 4:
        raise failure("gradient_norms(4, 'tanh', width=8, batch=4, seed=1)", "a list of 4 floats",
                      repr(got)[:80], HINT_Q1)
    assert_close([float(v) for v in got], expected, rtol=1e-3,
                 what="gradient_norms(4, 'tanh', width=8, batch=4, seed=1)", hint=HINT_Q1)


@grader(points=1)
def test_gradient_norms_rejects_an_unknown_activation(student, reference):
    """ValueError for 'swish', credited once gradient_norms(4, 'tanh', ...) is right."""
    assert_raises("ValueError", lambda: student.call(f"{MODULE}:gradient_norms", 3, "swish"),
                  valid=lambda: _norms_check(student, reference),
                  what="gradient_norms(3, 'swish')",
                  hint=tr("sigmoid, tanh, relu 말고는 ValueError를 내세요",
                          "raise ValueError for anything but sigmoid, tanh, relu"))


# -- Q2 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 4)], ids=["NC", "NCL"])
@grader(points=1)
def test_batchnorm_inference_matches_batchnorm1d_eval(student, rng, shape):
    """Random running statistics and affine parameters, eps = 0.1 (so that where eps goes shows);
    the truth is nn.BatchNorm1d(C, eps=0.1).eval() here. (N, C, L) has L == C, so a broadcast
    along the wrong axis gives wrong numbers rather than an error."""
    C = shape[1]
    x = _t(rng, *shape, scale=2.0, shift=0.5)
    mean, gamma, beta = _t(rng, C), _t(rng, C, shift=1.0), _t(rng, C)
    var = torch.from_numpy(rng.uniform(0.05, 3.0, C)).to(torch.float32)
    bn = torch.nn.BatchNorm1d(C, eps=0.1).eval()
    with torch.no_grad():
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(var)
        bn.weight.copy_(gamma)
        bn.bias.copy_(beta)
        expected = bn(x)
    got = student.call(f"{MODULE}:batchnorm_inference", x, mean, var, gamma, beta, 0.1)
    assert_close(got, expected, rtol=1e-4, atol=1e-5,
                 what=f"batchnorm_inference(x {tuple(shape)}, ..., eps=0.1) vs nn.BatchNorm1d eval",
                 hint=tr("gamma · (x − running_mean) / sqrt(running_var + eps) + beta, 채널 축(1)에 맞춰; "
                         "배치 통계는 쓰지 않습니다",
                         "gamma · (x − running_mean) / sqrt(running_var + eps) + beta along the "
                         "channel axis (1); the batch's own statistics play no part"))


# -- Q3 -----------------------------------------------------------------------------------------
def _gen(sub, seed):
    return sub.call("torch:Generator").manual_seed(seed)


HINT_Q3 = tr("살아남은 값에 1/(1−p)를 곱하세요 (inverted dropout)",
             "multiply the kept units by 1/(1−p) (inverted dropout)")


@grader(points=2)
def test_dropout_keeps_the_expectation(student):
    """n = 200 000 ones: the mean is within 5 standard deviations of 1 for p = 0.2, 0.5, 0.8, it
    is (number kept) / (n(1−p)), and p = 0 gives exactly 1."""
    n = 200_000
    for p in (0.2, 0.5, 0.8):
        got = student.call(f"{MODULE}:dropout_expectation", p, n, _gen(student, 11))
        what = f"dropout_expectation(p={p}, n={n}, generator)"
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            raise failure(what, "a float", repr(got)[:80], HINT_Q3)
        sd = math.sqrt(p / ((1 - p) * n))
        if abs(got - 1.0) > 5 * sd:
            raise failure(what, f"1 ± {5 * sd:.2g} (the input's value)", f"{got:.5g}", HINT_Q3)
        kept = got * n * (1 - p)
        if abs(kept - round(kept)) > 1e-6 * n:
            raise failure(f"{what} × n(1−p): the number of kept units", "a whole number",
                          f"{kept:.6g}", tr("출력은 0 또는 1/(1−p)이어야 합니다",
                                            "every output is 0 or 1/(1−p)"))
    assert_close(student.call(f"{MODULE}:dropout_expectation", 0.0, 1000, _gen(student, 0)), 1.0,
                 rtol=0, atol=1e-12, what="dropout_expectation(p=0.0, n=1000, generator)",
                 hint=HINT_Q3)


@grader(points=1)
def test_dropout_uses_the_generator(student):
    """Two generators seeded alike give the same mean; other seeds give other means."""
    n, p = 5000, 0.5
    a = student.call(f"{MODULE}:dropout_expectation", p, n, _gen(student, 7))
    b = student.call(f"{MODULE}:dropout_expectation", p, n, _gen(student, 7))
    others = {student.call(f"{MODULE}:dropout_expectation", p, n, _gen(student, s)) for s in (1, 2, 3)}
    hint = tr("모든 난수를 generator로 뽑으세요: torch.rand(n, generator=generator)",
              "draw every random number from `generator`: torch.rand(n, generator=generator)")
    if a != b:
        raise failure("dropout_expectation twice with generators seeded 7", "the same value",
                      f"{a!r} and {b!r}", hint)
    if len(others | {a}) < 3:
        raise failure("dropout_expectation with generators seeded 7, 1, 2, 3", "different values",
                      repr(sorted(others | {a})), hint)


def _dropout_check(student) -> None:
    """dropout_expectation(0.25, 4000, generator) is a float within 5 sd of 1 whose kept count
    (value × n(1−p)) is a whole number."""
    got = student.call(f"{MODULE}:dropout_expectation", 0.25, 4000, _gen(student, 4))
    what = "dropout_expectation(p=0.25, n=4000, generator)"
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        raise failure(what, "a float", repr(got)[:80], HINT_Q3)
    kept = got * 4000 * 0.75
    if abs(got - 1.0) > 5 * math.sqrt(0.25 / (0.75 * 4000)) or abs(kept - round(kept)) > 1e-6:
        raise failure(what, "about 1, (number kept) / (n(1−p))", f"{got:.6g}", HINT_Q3)


@grader(points=1)
def test_dropout_rejects_p_outside_0_1(student):
    """ValueError for p = 1 and p = −0.1, credited once p = 0.25 gives a right mean."""
    for p in (1.0, -0.1):
        assert_raises("ValueError", lambda p=p: student.call(
            f"{MODULE}:dropout_expectation", p, 10, _gen(student, 0)),
            valid=lambda: _dropout_check(student),
            what=f"dropout_expectation(p={p}, ...)",
            hint=tr("p는 [0, 1) 범위여야 합니다 (p=1이면 1/(1−p)가 무한대)",
                    "p must be in [0, 1) (p = 1 makes 1/(1−p) infinite)"))


# -- Q4 -----------------------------------------------------------------------------------------
HINT_Q4 = tr("m, v를 갱신한 뒤 (1 − beta**t)로 편향 보정하고, eps는 sqrt 바깥에 더하세요",
             "update m and v, divide by (1 − beta**t) (bias correction), add eps outside the sqrt")


def _torch_adam(param, grad, m, v, t, lr, betas, eps):
    """torch.optim.Adam's t-th step from moments m, v (here, in the grader)."""
    p = param.clone().requires_grad_(True)
    opt = torch.optim.Adam([p], lr=lr, betas=betas, eps=eps)
    if t > 1:
        opt.state[p] = {"step": torch.tensor(float(t - 1)), "exp_avg": m.clone(),
                        "exp_avg_sq": v.clone()}
    p.grad = grad.clone()
    opt.step()
    st = opt.state[p]
    return p.detach().clone(), st["exp_avg"].clone(), st["exp_avg_sq"].clone()


def _check_adam(got, expected, what):
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise failure(what, "(param, m, v)", repr(got)[:80], HINT_Q4)
    for name, g, e in zip(("param", "m", "v"), got, expected, strict=True):
        assert_close(g, e, rtol=1e-5, atol=1e-7, what=f"{what}: {name}", hint=HINT_Q4)


@grader(points=2)
def test_adam_first_step_matches_torch_optim(student, rng):
    """t = 1 from m = v = 0: lr 0.01, betas (0.8, 0.99), eps 1e-6; (3, 4) tensors."""
    param, grad = _t(rng, 3, 4), _t(rng, 3, 4, scale=0.1)
    zeros = torch.zeros(3, 4)
    got = student.call(f"{MODULE}:adam_step", param, grad, zeros, zeros, 1, 0.01, 0.8, 0.99, 1e-6)
    expected = _torch_adam(param, grad, zeros, zeros, 1, 0.01, (0.8, 0.99), 1e-6)
    _check_adam(got, expected, "adam_step(..., t=1) vs torch.optim.Adam's first step")


@grader(points=2)
def test_adam_later_steps_match_torch_optim(student, rng):
    """t = 7 from given moments (kept in the child and read back: the inputs are left
    unchanged), then three chained steps t = 1, 2, 3 from zeros."""
    param, grad = _t(rng, 5), _t(rng, 5, scale=0.3)
    m, v = _t(rng, 5, scale=0.05), torch.from_numpy(rng.uniform(0.001, 0.02, 5)).float()
    got, after = _call_on_held(student, f"{MODULE}:adam_step",
                               {"param": param, "grad": grad, "m": m, "v": v},
                               t=7, lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8)
    expected = _torch_adam(param, grad, m, v, 7, 0.05, (0.9, 0.999), 1e-8)
    _check_adam(got, expected, "adam_step(..., t=7, given m, v) vs torch.optim.Adam's 7th step")
    for name, before in (("param", param), ("grad", grad), ("m", m), ("v", v)):
        assert_close(after[name], before, rtol=0, atol=0,
                     what=f"the {name} passed to adam_step, after the call",
                     hint=tr("입력을 제자리에서 바꾸지 말고 새 텐서를 돌려주세요 (mul_, add_, "
                             "param -= ... 금지)",
                             "return new tensors and leave the inputs as they were (no mul_, "
                             "add_, param -= ...)"))
    p = torch.nn.Parameter(param.clone())
    opt = torch.optim.Adam([p], lr=0.1)
    state = (param, torch.zeros(5), torch.zeros(5))
    for t in (1, 2, 3):
        g = _t(rng, 5)
        p.grad = g.clone()
        opt.step()
        state = student.call(f"{MODULE}:adam_step", state[0], g, state[1], state[2], t, 0.1)
        assert_close(state[0], p.detach(), rtol=1e-5, atol=1e-6,
                     what=f"param after {t} chained adam_step calls (lr=0.1) vs torch.optim.Adam",
                     hint=HINT_Q4)


# -- Q5 -----------------------------------------------------------------------------------------
@grader(points=1)
def test_global_average_pool_matches_adaptive_avg_pool(student, rng):
    for shape in ((2, 3, 4, 5), (1, 8, 7, 7)):
        x = _t(rng, *shape)
        got = student.call(f"{MODULE}:global_average_pool", x)
        what = f"global_average_pool(x {shape})"
        hint = tr("H, W 두 공간 축(dim=(2, 3))의 평균: (N, C, H, W) → (N, C)",
                  "the mean over the two spatial axes, dim=(2, 3): (N, C, H, W) → (N, C)")
        assert_shape(got, shape[:2], what, hint)
        assert_close(got, F.adaptive_avg_pool2d(x, 1).flatten(1), rtol=1e-5, atol=1e-6,
                     what=what, hint=hint)


# -- Q6 -----------------------------------------------------------------------------------------
KEYS = ("attention_flops", "rnn_flops", "attention_sequential_steps", "rnn_sequential_steps",
        "attention_score_entries")
SIZES = [(1, 1), (10, 64), (512, 64), (4096, 768), (7, 300)]


def _cost(student, n, d):
    got = student.call(f"{MODULE}:attention_cost", n, d)
    if not isinstance(got, dict) or sorted(got) != sorted(KEYS):
        raise failure(f"attention_cost({n}, {d}).keys()", str(sorted(KEYS)),
                      str(sorted(got)) if isinstance(got, dict) else repr(got)[:80],
                      tr("docstring의 다섯 키를 그대로 쓰세요", "use the docstring's five keys exactly"))
    for key, value in got.items():
        if not isinstance(value, int) or isinstance(value, bool):
            raise failure(f"attention_cost({n}, {d})[{key!r}]", "a Python int",
                          repr(value)[:60], tr("정수로 돌려주세요", "return Python ints"))
    return got


@grader(points=2)
def test_attention_cost_flops(student):
    """attention 4·n²·d, rnn 4·n·d², scores n² — exact, including n = 4096, d = 768."""
    hint = tr("곱셈-덧셈 하나 = 2 FLOPs; QKᵀ와 (가중치)·V가 각각 n²·d번, "
              "RNN은 스텝마다 d×d 행렬-벡터 곱 두 번",
              "a multiply-add is 2 FLOPs; QKᵀ and (weights)·V take n²·d each, an RNN step two "
              "(d, d) matrix-vector products")
    for n, d in SIZES:
        got = _cost(student, n, d)
        expected = {"attention_flops": 4 * n * n * d, "rnn_flops": 4 * n * d * d,
                    "attention_score_entries": n * n}
        for key, value in expected.items():
            if got[key] != value:
                raise failure(f"attention_cost(n={n}, d={d})[{key!r}]", str(value), str(got[key]),
                              hint)


@grader(points=1)
def test_attention_cost_sequential_steps(student):
    """Self-attention: 1 step whatever n; an RNN: n steps."""
    for n, d in SIZES:
        got = _cost(student, n, d)
        for key, value in (("attention_sequential_steps", 1), ("rnn_sequential_steps", n)):
            if got[key] != value:
                raise failure(f"attention_cost(n={n}, d={d})[{key!r}]", str(value), str(got[key]),
                              tr("어텐션은 모든 위치를 한 번에(1), RNN은 h_{t−1}을 기다리며 n번",
                                 "attention computes every position at once (1); an RNN waits for "
                                 "h_{t−1}, n times"))


# -- Q7 -----------------------------------------------------------------------------------------
HINT_Q7 = tr("model.parameters()의 p.numel()을 더하세요 (requires_grad인 것 / 전체)",
             "sum p.numel() over model.parameters() (those with requires_grad / all)")


def _tied_lm(sub, vocab: int, dim: int):
    """nn.Sequential(Embedding(vocab, dim), LayerNorm(dim), Linear(dim, vocab)) built in `sub`
    from torch.nn through handles, the Linear's weight *being* the embedding's (weight tying, as
    in GPT-2): `setattr(head, "weight", emb.weight)` runs there through builtins.map, so the very
    Parameter is shared. Plain torch.nn objects: nothing tells them from a learner's own."""
    emb = sub.call("torch.nn:Embedding", vocab, dim)
    norm = sub.call("torch.nn:LayerNorm", dim)
    head = sub.call("torch.nn:Linear", dim, vocab)
    sub.call("builtins:next", sub.call("builtins:map", sub.get("builtins:setattr"), [head],
                                        ["weight"], _lazy_attr(sub, emb, "weight")))
    return sub.call("torch.nn:Sequential", emb, norm, head)


def _fraction(student, model, what, expected):
    got = student.call(f"{MODULE}:trainable_fraction", model)
    assert_close(got, expected, rtol=1e-9, what=what, hint=HINT_Q7)


@grader(points=2)
def test_trainable_fraction_counts_elements(student):
    """MLP 6→16→3 with BatchNorm: everything trainable, then the first Linear frozen
    (feature extraction): (16·2 + 16·3 + 3) / (6·16 + 16 + 16·2 + 16·3 + 3)."""
    model = student.call(f"{BUILDERS}:seeded_mlp", 6, 16, 3, seed=0)
    _fraction(student, model, "trainable_fraction(MLP with BatchNorm, all trainable)", 1.0)
    model[0].requires_grad_(False)
    _fraction(student, model, "trainable_fraction(MLP, first Linear frozen)", 83 / 195)


@grader(points=1)
def test_trainable_fraction_counts_a_shared_weight_once(student):
    """Embedding(50, 8) whose weight the output Linear(8, 50) shares, plus LayerNorm(8): 466
    parameters; with the embedding frozen, 66 of them train."""
    model = _tied_lm(student, 50, 8)
    model[0].requires_grad_(False)
    _fraction(student, model, "trainable_fraction(tied embedding/output weight frozen)", 66 / 466)


@grader(points=1)
def test_trainable_fraction_without_parameters(student):
    model = student.call("torch.nn:ReLU")
    _fraction(student, model, "trainable_fraction(nn.ReLU())", 0.0)


# -- Q8 -----------------------------------------------------------------------------------------
def _curve(log_lr, steep_at, blowup_at):
    """A synthetic LR-finder loss: a smooth drop centred at `steep_at` (log10 lr), a blow-up
    after `blowup_at`."""
    drop = 2.0 / (1 + np.exp(-3.0 * (log_lr - steep_at)))
    return 2.5 - drop + 0.8 * np.exp(4.0 * (log_lr - blowup_at))


HINT_Q8 = tr("구간마다 (손실 차이) / (log lr 차이)를 구하고 가장 음수인 구간의 시작 lr을 고르세요 "
             "(최소 손실 지점이 아닙니다)",
             "per segment, (loss difference) / (log lr difference); pick the start lr of the most "
             "negative segment (not the lr of the lowest loss)")


@grader(points=2)
def test_suggest_lr_is_the_steepest_point_not_the_minimum(student, reference):
    """Evenly spaced log10 lr in [-6, 0]: steepest near 1e-4, the minimum loss near 1e-2; lrs as a
    list, as an array and as a tensor."""
    log_lr = np.linspace(-6, 0, 61)
    lrs, losses = 10 ** log_lr, _curve(log_lr, -4.0, -1.0)
    expected = reference.call(f"{MODULE}:suggest_lr", lrs, losses)
    for kind, args in (("lists", (lrs.tolist(), losses.tolist())), ("arrays", (lrs, losses)),
                       ("tensors", (torch.from_numpy(lrs), torch.from_numpy(losses)))):
        got = student.call(f"{MODULE}:suggest_lr", *args)
        assert_close(got, expected, rtol=1e-9,
                     what=f"suggest_lr(61 lrs in [1e-6, 1] as {kind}, a curve with its minimum "
                          f"near 1e-2)", hint=HINT_Q8)


@grader(points=2)
def test_suggest_lr_divides_by_the_log_spacing(student, reference, rng):
    """Unevenly spaced lrs: dense where the loss falls (about 1e-3), sparse elsewhere, with a
    little noise; the slope must be per unit of log(lr), not per index."""
    log_lr = np.sort(np.concatenate([np.linspace(-6, -3.6, 6), np.linspace(-3.5, -2.5, 40),
                                     np.linspace(-2.3, 0, 6)]))
    losses = _curve(log_lr, -3.0, -0.5) + rng.normal(0, 0.002, log_lr.size)
    lrs = 10 ** log_lr
    got = student.call(f"{MODULE}:suggest_lr", lrs, losses)
    assert_close(got, reference.call(f"{MODULE}:suggest_lr", lrs, losses), rtol=1e-9,
                 what="suggest_lr(52 unevenly spaced lrs, dense around 1e-3)", hint=HINT_Q8)


@grader(points=1)
def test_suggest_lr_returns_the_start_of_the_segment(student):
    """The steepest segment is the last one, 1e-3 → 1e-2: the suggestion is 1e-3, its start;
    with two lrs (the shortest input allowed) the one segment's start."""
    lrs = [1e-5, 1e-4, 1e-3, 1e-2]
    losses = [5.0, 4.9, 4.8, 1.0]
    hint = tr("가장 가파른 구간 i의 시작 lrs[i]를 돌려주세요 (lrs[i+1]이 아니라)",
              "return lrs[i], the start of the steepest segment i (not lrs[i+1])")
    got = student.call(f"{MODULE}:suggest_lr", lrs, losses)
    assert_close(got, 1e-3, rtol=1e-9, what=f"suggest_lr({lrs}, {losses})", hint=hint)
    # the shortest input the docstring allows: two lrs, one segment
    got = student.call(f"{MODULE}:suggest_lr", [1e-4, 1e-2], [3.0, 2.5])
    assert_close(got, 1e-4, rtol=1e-9, what="suggest_lr([1e-4, 1e-2], [3.0, 2.5]) (length 2)",
                 hint=hint)


# -- Q9: quantization -----------------------------------------------------------------------------
HINT_QUANT = tr("scale = (hi − lo)/255 (범위는 0을 포함), zero_point = round(−128 − lo/scale), "
                "q = clamp(round(w/scale) + zero_point, −128, 127)",
                "scale = (hi − lo)/255 (the range includes 0), zero_point = round(−128 − lo/scale), "
                "q = clamp(round(w/scale) + zero_point, −128, 127)")


def _quantized(student, w, what):
    got = student.call(f"{MODULE}:quantize_int8", w)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise failure(what, "(q, scale, zero_point)", repr(got)[:80], HINT_QUANT)
    q, scale, zp = got
    assert_shape(q, tuple(w.shape), f"{what}: q", HINT_QUANT)
    if not isinstance(q, torch.Tensor) or q.dtype != torch.int8:
        raise failure(f"{what}: q", "a torch.int8 tensor", str(getattr(q, "dtype", type(q))),
                      HINT_QUANT)
    if not isinstance(zp, int) or isinstance(zp, bool) or not -128 <= zp <= 127:
        raise failure(f"{what}: zero_point", "a Python int in [-128, 127]", repr(zp)[:60],
                      HINT_QUANT)
    if not isinstance(scale, (int, float)) or not scale > 0:
        raise failure(f"{what}: scale", "a positive float", repr(scale)[:60], HINT_QUANT)
    return q, float(scale), zp


QUANT_CASES = {
    "centred": (0.0, 1.0), "mostly-positive": (1.5, 0.5), "all-negative": (-3.0, 0.4),
    "large": (20.0, 50.0),
}


@pytest.mark.parametrize("case", list(QUANT_CASES))
@grader(points=1)
def test_quantize_int8_error_within_half_a_step(student, rng, case):
    """|(q − zero_point)·scale − w| ≤ scale/2 for every element (dequantized here, not with the
    learner's dequantize), and scale = (max(w.max(), 0) − min(w.min(), 0)) / 255."""
    shift, sd = QUANT_CASES[case]
    w = _t(rng, 6, 20, scale=sd, shift=shift)
    what = f"quantize_int8(w {tuple(w.shape)}, {case}: mean {shift}, sd {sd})"
    q, scale, zp = _quantized(student, w, what)
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    assert_close(scale, (hi - lo) / 255, rtol=1e-5, what=f"{what}: scale", hint=HINT_QUANT)
    err = ((q.to(torch.float64) - zp) * scale - w.to(torch.float64)).abs()
    bound = scale / 2 * (1 + 1e-4) + 1e-7 * float(w.abs().max())
    if float(err.max()) > bound:
        worst = int(err.argmax())
        raise failure(f"{what}: max |dequantize − w| over {w.numel()} elements",
                      f"≤ scale/2 = {scale / 2:.4g}",
                      f"{float(err.max()):.4g} (w = {float(w.flatten()[worst]):.4g}, "
                      f"q = {int(q.flatten()[worst])})",
                      tr("round로 반올림하고(내림 금지), 영점으로 범위를 옮기세요",
                         "round (do not truncate) and shift the range by the zero point"))


@grader(points=1)
def test_quantize_int8_zero_is_exact(student, rng):
    """A ReLU-like tensor (half exact zeros) and an all-zero one (scale 1.0): 0.0 → exactly 0."""
    w = torch.relu(_t(rng, 50, shift=0.3))
    q, scale, zp = _quantized(student, w, "quantize_int8(relu output, exact zeros)")
    back = (q.to(torch.float64) - zp) * scale
    if float(back[w == 0].abs().max()) != 0:
        raise failure("quantize_int8: zeros of w after quantize and dequantize", "exactly 0.0",
                      f"{float(back[w == 0].abs().max()):.4g}",
                      tr("zero_point는 정수(round)여야 0이 정확히 표현됩니다",
                         "a whole-number zero_point (rounded) represents 0 exactly"))
    zeros = torch.zeros(3, 4)
    q, scale, zp = _quantized(student, zeros, "quantize_int8(all zeros)")
    assert_close(scale, 1.0, rtol=0, what="quantize_int8(all zeros): scale",
                 hint=tr("hi == lo이면 scale = 1.0 (0으로 나누지 마세요)",
                         "when hi == lo, scale = 1.0 (no division by zero)"))
    assert_close((q.to(torch.float64) - zp) * scale, zeros.double(), atol=0,
                 what="quantize_int8(all zeros) dequantized", hint=HINT_QUANT)


@grader(points=1)
def test_dequantize_matches_the_formula(student, rng):
    """Random int8 q over the whole range, scale 0.03, zero_point 100 and −100 (int8 arithmetic
    would overflow)."""
    q = torch.from_numpy(rng.integers(-128, 128, (5, 7))).to(torch.int8)
    for zp in (100, -100):
        got = student.call(f"{MODULE}:dequantize", q, 0.03, zp)
        assert_close(got, (q.to(torch.float32) - zp) * 0.03, rtol=1e-6, atol=1e-6, check_dtype=True,
                     what=f"dequantize(q int8 (5, 7), scale=0.03, zero_point={zp})",
                     hint=tr("q를 float32로 바꾼 뒤 (q − zero_point) · scale",
                             "convert q to float32, then (q − zero_point) · scale"))


# -- Q9: pruning --------------------------------------------------------------------------------
HINT_PRUNE = tr("|w|가 가장 작은 k = round(sparsity·numel)개를 0으로 (값이 아니라 크기 기준)",
                "zero the k = round(sparsity·numel) entries of smallest |w| (magnitude, not value)")


def _l1_pruned(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """torch.nn.utils.prune.l1_unstructured's result, here."""
    lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
    with torch.no_grad():
        lin.weight.copy_(w)
    torch.nn.utils.prune.l1_unstructured(lin, "weight", amount=sparsity)
    return lin.weight.detach().clone()


@pytest.mark.parametrize("sparsity", [0.3, 0.5, 0.9, 0.33])
@grader(points=1)
def test_magnitude_prune_matches_l1_unstructured(student, rng, sparsity):
    """w (4, 5) centred on 0.3 (large negative weights exist), against
    torch.nn.utils.prune.l1_unstructured here; 0.33·20 = 6.6 rounds to 7 zeros."""
    w = _t(rng, 4, 5, shift=0.3)
    expected = _l1_pruned(w, sparsity)
    got = student.call(f"{MODULE}:magnitude_prune", w, sparsity)
    what = f"magnitude_prune(w (4, 5), sparsity={sparsity})"
    assert_shape(got, (4, 5), what, HINT_PRUNE)
    zeros = int((got == 0).sum())
    if zeros != round(sparsity * 20):
        raise failure(f"{what}: number of zeros", str(round(sparsity * 20)), str(zeros), HINT_PRUNE)
    assert_close(got, expected, rtol=0, atol=0, what=what, hint=HINT_PRUNE)


@grader(points=1)
def test_magnitude_prune_extremes(student, rng):
    """sparsity 0 keeps everything, 1 zeroes everything, w itself is left unchanged (it stays in
    the child and is read back), 1.5 raises ValueError (credited once sparsity 0.5 is right)."""
    w = _t(rng, 3, 4)
    got, after = _call_on_held(student, f"{MODULE}:magnitude_prune", {"w": w}, sparsity=0.5)
    assert_close(got, _l1_pruned(w, 0.5), rtol=0, atol=0, what="magnitude_prune(w, 0.5)",
                 hint=HINT_PRUNE)
    assert_close(after["w"], w, rtol=0, atol=0, what="w after magnitude_prune(w, 0.5)",
                 hint=tr("w.clone()에 작업하세요 (입력은 그대로)",
                         "work on w.clone(): w itself stays as it was"))
    assert_close(student.call(f"{MODULE}:magnitude_prune", w, 0.0), w, rtol=0, atol=0,
                 what="magnitude_prune(w, 0.0)", hint=HINT_PRUNE)
    assert_close(student.call(f"{MODULE}:magnitude_prune", w, 1.0), torch.zeros(3, 4), rtol=0, atol=0,
                 what="magnitude_prune(w, 1.0)", hint=HINT_PRUNE)
    assert_raises("ValueError", lambda: student.call(f"{MODULE}:magnitude_prune", w, 1.5),
                  valid=lambda: assert_close(
                      student.call(f"{MODULE}:magnitude_prune", w, 0.5), _l1_pruned(w, 0.5), rtol=0,
                      atol=0, what="magnitude_prune(w, 0.5)", hint=HINT_PRUNE),
                  what="magnitude_prune(w, 1.5)",
                  hint=tr("sparsity는 [0, 1] 범위입니다", "sparsity must be in [0, 1]"))


# -- Q9: distillation -----------------------------------------------------------------------------
HINT_KD = tr("alpha·T²·KL(softmax(교사/T) ‖ softmax(학생/T)) (batchmean) + (1−alpha)·CE(학생, labels)",
             "alpha·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) (batchmean) + "
             "(1−alpha)·CE(student, labels)")


def _kd(s, t, y, T, alpha):
    """Hinton's loss, written here from the definition (float64)."""
    p = torch.softmax(t.double() / T, dim=-1)
    log_q = torch.log_softmax(s.double() / T, dim=-1)
    kl = (p * (torch.log(p) - log_q)).sum(dim=-1).mean()
    ce = -torch.log_softmax(s.double(), dim=-1).gather(1, y[:, None]).mean()
    return float(alpha * T * T * kl + (1 - alpha) * ce)


@pytest.mark.parametrize("T, alpha", [(4.0, 0.7), (2.0, 1.0), (1.0, 0.5), (3.0, 0.0)])
@grader(points=1)
def test_distillation_loss_matches_hinton(student, rng, T, alpha):
    s, t = _t(rng, 6, 5, scale=2.0), _t(rng, 6, 5, scale=3.0)
    y = torch.from_numpy(rng.integers(0, 5, 6))
    got = student.call(f"{MODULE}:distillation_loss", s, t, y, T, alpha)
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        raise failure(f"distillation_loss(..., T={T}, alpha={alpha})", "a scalar tensor",
                      repr(got)[:80], HINT_KD)
    assert_close(float(got), _kd(s, t, y, T, alpha), rtol=1e-4,
                 what=f"distillation_loss(student (6, 5), teacher (6, 5), labels, T={T}, "
                      f"alpha={alpha})", hint=HINT_KD)


@grader(points=1)
def test_distillation_loss_gradient_reaches_the_student(student, rng):
    """d loss / d student_logits by autograd in the child (torch.autograd.functional.vjp over a
    functools.partial of the learner's function, library callables; float64), against the
    gradient of the definition here, and the loss that came with it, and a direct call, against
    the definition's value; T = 3, alpha = 0.6."""
    s, t = rng.standard_normal((4, 6)), torch.from_numpy(rng.standard_normal((4, 6)) * 2)
    y = torch.from_numpy(rng.integers(0, 6, 4))
    direct = student.call(f"{MODULE}:distillation_loss", torch.from_numpy(s), t.double(), y, 3.0, 0.6)
    if not isinstance(direct, torch.Tensor) or direct.numel() != 1:
        raise failure("distillation_loss(student float64 (4, 6), ..., T=3, alpha=0.6)",
                      "a scalar tensor", repr(direct)[:80], HINT_KD)
    assert_close(float(direct.detach()), _kd(torch.from_numpy(s), t, y, 3.0, 0.6), rtol=1e-6,
                 what="distillation_loss(student float64 (4, 6), ..., T=3, alpha=0.6)",
                 hint=HINT_KD)
    fn = student.call("functools:partial", student.get(f"{MODULE}:distillation_loss"),
                      teacher_logits=t.double(), labels=y, T=3.0, alpha=0.6)
    got = student.call("torch.autograd.functional:vjp", fn, (torch.from_numpy(s),),
                       torch.tensor(1.0, dtype=torch.float64))
    leaf = torch.from_numpy(s).requires_grad_(True)
    p = torch.softmax(t / 3.0, dim=-1)
    log_q = torch.log_softmax(leaf / 3.0, dim=-1)
    loss = 0.6 * 9 * (p * (torch.log(p) - log_q)).sum(-1).mean() + 0.4 * F.cross_entropy(leaf, y)
    loss.backward()
    hint = tr("학생 로짓 쪽은 detach하지 말고 torch 연산만 쓰세요 (교사만 상수)",
              "do not detach the student's side; use torch operations only (only the teacher is a "
              "constant)")
    if not isinstance(got, (tuple, list)) or len(got) != 2 or not isinstance(got[1], (tuple, list)):
        raise failure("torch.autograd.functional.vjp(distillation_loss, (student_logits,))",
                      "(loss, (d student_logits,))", repr(got)[:80], hint)
    value, grads = got
    assert_close(float(value), float(loss.detach()), rtol=1e-9,
                 what="distillation_loss(student float64 (4, 6), ..., T=3, alpha=0.6) under "
                      "autograd", hint=HINT_KD)
    if not grads or grads[0] is None:
        raise failure("d distillation_loss / d student_logits", "a gradient tensor", "None", hint)
    assert_close(grads[0], leaf.grad, rtol=1e-6, atol=1e-9,
                 what="d distillation_loss / d student_logits (T=3, alpha=0.6, float64)", hint=hint)


# -- Q10 ----------------------------------------------------------------------------------------
HINT_EXPORT = tr("model.eval() 뒤 torch.jit.script(또는 trace) → torch.jit.save → torch.jit.load, "
                 "그리고 두 출력의 최대 차이",
                 "model.eval(), then torch.jit.script (or trace) → torch.jit.save → torch.jit.load, "
                 "and the largest difference of the two outputs")


def _float(value, what):
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise failure(what, "a Python float", repr(value)[:80], HINT_EXPORT)
    return float(value)


def _exported(student, artifacts, model, x, what: str) -> tuple:
    """Runs export_and_verify(model, x) while the child keeps a copy of every TorchScript archive
    torch.jit.load reads and of the inputs the loaded module is called with
    (dldrill.childkit.ch10: raw data, nothing else); the loaded module must have run on the
    example (an honest mistake, comparing the model with itself, shows here); then runs the last one
    here, in a fresh confined artifact process that holds no submission code, and checks that it
    computes the model's eval-mode output (computed here from the same seeded model). Returns
    (the float export_and_verify returned, the archive's output)."""
    student.call(f"{CHILDKIT}:record_torchscript_loads")
    try:
        got = student.call(f"{MODULE}:export_and_verify", model, x)
    finally:
        archives = student.call(f"{CHILDKIT}:recorded_torchscript_loads")
    got = _float(got, what)
    calls = archives.get("calls") if isinstance(archives, dict) else None
    archives = archives.get("archives") if isinstance(archives, dict) else None
    if not isinstance(archives, list) or not archives or not isinstance(archives[-1], bytes):
        raise failure(f"{what}: the TorchScript archive loaded back by torch.jit.load",
                      tr("torch.jit.load로 읽은 아카이브 하나 이상", "at least one archive read by "
                         "torch.jit.load"), tr("없음 (내보내기도, 다시 불러오기도 없음)",
                                                       "none (no export, no load)"),
                      tr("모델 자신과 비교하지 말고 torch.jit.save → torch.jit.load로 다시 불러온 "
                         "모델과 비교하세요",
                         "do not compare the model with itself: compare it with the model "
                         "torch.jit.save wrote and torch.jit.load read back"))
    ran = [c for c in calls or () if isinstance(c, list) and c and isinstance(c[0], torch.Tensor)
           and tuple(c[0].shape) == tuple(x.shape) and torch.equal(c[0], x)]
    if not ran:
        raise failure(f"{what}: calls of the model loaded back by torch.jit.load",
                      tr("example로 한 번 이상", "at least one, on the example"),
                      tr("불러온 모델을 실행하지 않음", "the loaded model never ran"),
                      tr("불러온 모델의 출력(loaded(example))을 원래 모델의 출력과 비교하세요 "
                         "(모델 자신과 비교하면 항상 0)",
                         "compare the loaded model's output, loaded(example), with the original's "
                         "(comparing the model with itself always gives 0)"))
    try:
        with artifacts.process({"model.pt": archives[-1]}, "torch", budget=20.0) as proc:
            loaded = proc.call("torch.jit:load", proc.path("model.pt"), map_location="cpu")
            out = proc.call(f"{ARTIFACTS}:forward", loaded, x)
    except StudentError as err:
        raise failure(f"{what}: the archive torch.jit.load read, loaded and run here",
                      tr("TorchScript 모델의 출력", "a TorchScript model's output"),
                      f"{err.type_name}: {err.message}"[:200], tr(
                          "torch.jit.script(또는 trace)로 만든 모델을 torch.jit.save로 저장하고 그 파일을 "
                          "torch.jit.load로 읽으세요",
                          "save the torch.jit.script (or trace) model with torch.jit.save and read "
                          "that very file with torch.jit.load")) from None
    return got, out


@grader(points=2)
def test_export_and_verify_faithful_export_is_close(student, artifacts):
    """MLP 6→16→3 with BatchNorm and Dropout(0.5), handed over in train mode: the round trip
    must compare eval-mode outputs, max difference ≤ 1e-5; the archive it loaded back, run here
    in a confined process, gives the model's eval-mode output (computed here)."""
    model = student.call(f"{BUILDERS}:seeded_mlp", 6, 16, 3, seed=2, dropout=0.5, warmup=2)
    model.train()
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((32, 6))).float()
    what = "export_and_verify(MLP with Dropout, handed over in train mode, x (32, 6))"
    hint = tr("먼저 model.eval()을 부르세요: Dropout이 켜져 있으면 출력이 매번 다릅니다",
              "call model.eval() first: with Dropout on, every output differs")
    got, out = _exported(student, artifacts, model, x, what)
    if not 0 <= got <= 1e-5:
        raise failure(what, "≤ 1e-5", f"{got:.4g}", hint)
    here = builders.seeded_mlp(6, 16, 3, seed=2, dropout=0.5, warmup=2).eval()
    with torch.no_grad():
        expected = here(x)
    assert_close(out, expected, rtol=1e-5, atol=1e-6,
                 what=f"{what}: the loaded archive's output (run here) vs the model in eval mode",
                 hint=hint)


@grader(points=2)
def test_export_and_verify_really_exports(student, artifacts):
    """MLP 5→12→4 with BatchNorm (running statistics from 3 warm-up batches), handed over in eval
    mode: export_and_verify must write a TorchScript archive and load it back with torch.jit.load
    (a copy of what torch.jit.load read is kept in the child); that archive, run here in a fresh
    confined process holding no submission code, must compute the model's output (computed here),
    and the returned difference must be the one between the two (≤ 1e-5). Comparing the Python
    model with itself loads nothing and fails."""
    model = student.call(f"{BUILDERS}:seeded_mlp", 5, 12, 4, seed=7, warmup=3)
    model.eval()
    x = torch.from_numpy(np.random.default_rng(1).standard_normal((9, 5))).float()
    what = "export_and_verify(MLP with BatchNorm in eval mode, x (9, 5))"
    got, out = _exported(student, artifacts, model, x, what)
    here = builders.seeded_mlp(5, 12, 4, seed=7, warmup=3).eval()
    with torch.no_grad():
        expected = here(x)
    hint = tr("원래 모델과 torch.jit.load로 다시 불러온 TorchScript 모델의 출력을 비교하세요",
              "compare the original model with the TorchScript model loaded back by "
              "torch.jit.load")
    assert_close(out, expected, rtol=1e-5, atol=1e-6,
                 what=f"{what}: the loaded archive's output (run here) vs the model", hint=hint)
    true_diff = float((out - expected).abs().max())
    if not 0 <= got <= 1e-5 or abs(got - true_diff) > 1e-5:
        raise failure(f"{what}: the returned max |model(x) − loaded(x)|",
                      f"{true_diff:.3g} (≤ 1e-5)", f"{got:.4g}", hint)
