"""Graders for ch06.attention (checklist: self-attention).

`scaled_dot_product_attention` is compared with `torch.nn.functional.scaled_dot_product_attention`
(computed here, in the grader) with and without masks, and its float64 autograd gradient with
central differences; `MultiHeadSelfAttention` with `torch.nn.MultiheadAttention` given the
learner's own weights (W_q, W_k, W_v stacked into in_proj, out into out_proj).

Nothing of the kit runs in the child. The weights are drawn here and set through the learner's
own `load_state_dict`; the gradient is taken there by `torch.autograd.functional.vjp` over a
`functools.partial` of the learner's function (library callables), and its values, with the
forward output that came with them and a direct call of the function, are checked here against
the grader's own reference and central differences. Attention is written by hand (curriculum:
"Self-Attention 코드 직접 구현"): every test first reads the learner's source as text
(`assert_by_hand`) and rejects torch's attention (`F.scaled_dot_product_attention`,
`nn.MultiheadAttention` and their relatives) in `ch06.attention` and the `ch06` package. A row
whose keys are all hidden is outside the contract ("as long as it keeps at least one key"): -1e9
(uniform weights) and -inf (NaN) are both accepted, so no test uses one.

Correct variants pass: einsum instead of matmul, heads via reshape + permute, -inf instead of
-1e9 (fixtures/submissions/alternatives/ch06_attention_einsum_permute.toml).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dldrill.grading import (
    assert_by_hand,
    assert_close,
    assert_dtype,
    assert_raises,
    assert_shape,
    check_gradient,
    failure,
    grader,
    numerical_gradient,
    tr,
)

MODULE = "ch06.attention"

# torch's own attention, and anything that computes it for the learner
LIBRARY_ATTENTION = (
    "torch.nn.functional.scaled_dot_product_attention",
    "torch.nn.functional.multi_head_attention_forward",
    "torch.nn.MultiheadAttention",
    "torch.nn.modules.activation.MultiheadAttention",
    "torch.nn.Transformer",
    "torch.nn.TransformerEncoder",
    "torch.nn.TransformerEncoderLayer",
    "torch.nn.TransformerDecoder",
    "torch.nn.TransformerDecoderLayer",
    "torch.nn.modules.transformer",
    "torch.nn.attention",
    "torch._C._nn.scaled_dot_product_attention",
    "torch._native_multi_head_attention",
    "torch._scaled_dot_product_attention_math",
    "torch._fused_sdp_choice",
    "torch.ops",
    "transformers",
)
HINT_BY_HAND = tr("q·kᵀ, sqrt(d_k)로 나누기, 마스크, softmax, ·v를 torch 기본 연산으로 직접 쓰세요 "
                  "(F.scaled_dot_product_attention, nn.MultiheadAttention 금지)",
                  "write q·kᵀ, the division by sqrt(d_k), the mask, softmax and ·v yourself with "
                  "basic torch operations (not F.scaled_dot_product_attention or "
                  "nn.MultiheadAttention)")


def _by_hand(student, *functions: str) -> None:
    """The named definitions of ch06.attention, and the ch06 package that every import of it
    runs first, use no library attention (read as text here, never imported)."""
    assert_by_hand(student, MODULE, forbidden=LIBRARY_ATTENTION, functions=list(functions),
                   hint=HINT_BY_HAND)
    assert_by_hand(student, "ch06", forbidden=LIBRARY_ATTENTION, what="ch06/__init__.py",
                   hint=HINT_BY_HAND)

HINT_SDPA = tr("scores = q @ k.transpose(-2, -1) / math.sqrt(d_k); softmax(scores, dim=-1); weights @ v",
               "scores = q @ k.transpose(-2, -1) / math.sqrt(d_k); softmax(scores, dim=-1); "
               "weights @ v")
HINT_MASK = tr("softmax 전에 scores.masked_fill(mask == 0, -1e9) (True/1 = 보기, False/0 = 가리기)",
               "before softmax, scores.masked_fill(mask == 0, -1e9) (True/1 = keep, False/0 = hide)")


def _t(rng, *shape, dtype=np.float32) -> torch.Tensor:
    return torch.from_numpy(rng.standard_normal(shape).astype(dtype))


def _pair(value, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise failure(what, "(out, weights)", repr(value)[:100],
                      tr("출력과 가중치 두 값을 튜플로 돌려주세요",
                         "return the two tensors as a tuple (out, weights)"))
    return tuple(value)


def _softmax_weights(q, k, mask=None):
    """The expected attention weights, computed here."""
    scores = q.double() @ k.double().transpose(-2, -1) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(torch.as_tensor(mask) == 0, float("-inf"))
    return torch.softmax(scores, dim=-1)


@grader(points=2)
def test_sdpa_matches_torch_without_mask(student, rng):
    """(2, 3, 5, 8) queries against (2, 3, 7, 8) keys and (2, 3, 7, 6) values; and 2-D inputs."""
    _by_hand(student, "scaled_dot_product_attention")
    for shapes in (((2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 6)), ((4, 16), (6, 16), (6, 3))):
        q, k, v = (_t(rng, *s) for s in shapes)
        what = f"scaled_dot_product_attention(q {shapes[0]}, k {shapes[1]}, v {shapes[2]})"
        out, weights = _pair(student.call(f"{MODULE}:scaled_dot_product_attention", q, k, v), what)
        expected = F.scaled_dot_product_attention(q, k, v)
        assert_shape(out, tuple(expected.shape), f"{what}: out", HINT_SDPA)
        assert_close(out, expected, rtol=1e-4, atol=1e-5, what=f"{what}: out", hint=HINT_SDPA)
        assert_close(weights, _softmax_weights(q, k).float(), rtol=1e-4, atol=1e-6,
                     what=f"{what}: weights", hint=HINT_SDPA)


@grader(points=2)
def test_sdpa_matches_torch_with_masks(student, rng):
    """A causal (T, T) bool mask, a (B, 1, 1, T) padding mask and a 0/1 integer mask."""
    _by_hand(student, "scaled_dot_product_attention")
    T = 6
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    padding = (torch.arange(T)[None, :] < torch.tensor([6, 4])[:, None])[:, None, None, :]
    random01 = torch.from_numpy((rng.random((2, 3, T, T)) < 0.6).astype(np.int64))
    random01[..., 0] = 1  # every query keeps at least one key
    cases = [("causal (6, 6) bool", causal), ("padding (2, 1, 1, 6) bool", padding),
             ("random (2, 3, 6, 6) int64 0/1", random01)]
    q, k, v = _t(rng, 2, 3, T, 8), _t(rng, 2, 3, T, 8), _t(rng, 2, 3, T, 5)
    for name, mask in cases:
        what = f"scaled_dot_product_attention(q, k, v (2, 3, 6, ·), mask={name})"
        out, weights = _pair(student.call(f"{MODULE}:scaled_dot_product_attention", q, k, v, mask=mask),
                             what)
        expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask.bool())
        assert_close(out, expected, rtol=1e-4, atol=1e-5, what=f"{what}: out", hint=HINT_MASK)
        assert_close(weights, _softmax_weights(q, k, mask).float(), rtol=1e-4, atol=1e-6,
                     what=f"{what}: weights", hint=HINT_MASK)


@grader(points=1)
def test_sdpa_weights_sum_to_one_and_masked_are_zero(student, rng):
    _by_hand(student, "scaled_dot_product_attention")
    T = 7
    q, k, v = _t(rng, 3, T, 4) * 3, _t(rng, 3, T, 4) * 3, _t(rng, 3, T, 4)
    mask = torch.from_numpy(rng.random((3, T, T)) < 0.5)
    mask[:, :, 3] = True
    _, weights = _pair(student.call(f"{MODULE}:scaled_dot_product_attention", q, k, v, mask=mask),
                       "scaled_dot_product_attention(q, k, v, mask)")
    assert_shape(weights, (3, T, T), "attention weights (3, 7, 7)", HINT_SDPA)
    assert_close(weights.sum(dim=-1), torch.ones(3, T), rtol=0, atol=1e-5,
                 what="attention weights summed over the keys (last axis)",
                 hint=tr("softmax는 키 축(dim=-1)에 대해, 마스크는 softmax *전에* 적용하세요",
                         "softmax over the keys (dim=-1), and apply the mask *before* softmax"))
    hidden = weights[~mask]
    if hidden.abs().max() != 0:
        raise failure("attention weights at masked positions (mask == False)", "exactly 0",
                      f"max {float(hidden.abs().max()):.3g}", HINT_MASK)


@grader(points=2)
def test_sdpa_gradient_float64(student, reference, rng):
    """Autograd gradients of sum(out * G) w.r.t. q, k, v in float64, with a causal mask, against
    central differences (h = 1e-6) of the reference computed here; CS231n relative error < 1e-6.
    The gradient is taken in the child by torch.autograd.functional.vjp over
    functools.partial(<the learner's function>, mask=mask); the forward output that comes back
    with it, and a direct call, must both be the right attention in float64."""
    _by_hand(student, "scaled_dot_product_attention")
    T = 4
    q, k, v = (rng.standard_normal((2, T, 3)) for _ in range(3))
    G = rng.standard_normal((2, T, 3))
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    tq, tk, tv, tG = (torch.from_numpy(a) for a in (q, k, v, G))
    expected = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=mask)
    what = "scaled_dot_product_attention(q, k, v float64 (2, 4, 3), causal mask)"
    out, _ = _pair(student.call(f"{MODULE}:scaled_dot_product_attention", tq, tk, tv, mask=mask), what)
    hint_dtype = tr("float64 입력이면 float64로 계산하세요 (float32로 바꾸지 마세요)",
                    "float64 in, float64 out (no cast to float32)")
    assert_dtype(out, torch.float64, f"{what}: out", hint_dtype)
    assert_close(out, expected, rtol=1e-10, atol=1e-12, what=f"{what}: out", hint=HINT_SDPA)
    fn = student.call("functools:partial", student.get(f"{MODULE}:scaled_dot_product_attention"),
                      mask=mask)
    zeros = torch.zeros(2, T, T, dtype=torch.float64)  # nothing flows back from the weights
    hint = tr("autograd가 끊기지 않게 torch 연산만 쓰세요 (.detach(), .numpy(), .item() 금지); "
              "식을 확인하세요",
              "use torch operations only so autograd can follow (no .detach(), .numpy(), "
              ".item()), and check the formula")
    got = student.call("torch.autograd.functional:vjp", fn, (tq, tk, tv), (tG, zeros))
    if not isinstance(got, (tuple, list)) or len(got) != 2 or not isinstance(got[1], (tuple, list)) \
            or len(got[1]) != 3:
        raise failure("torch.autograd.functional.vjp(scaled_dot_product_attention, (q, k, v))",
                      "(outputs, (dq, dk, dv))", repr(got)[:100], hint)
    (vjp_out, _), grads = _pair(got[0], what), got[1]
    assert_close(vjp_out, expected, rtol=1e-10, atol=1e-12,
                 what=f"{what}: out, under autograd", hint=HINT_SDPA)
    for i, name in enumerate("qkv"):
        def f(x, i=i):
            args = [torch.from_numpy(a) for a in (q, k, v)]
            args[i] = torch.from_numpy(x)
            out, _ = reference.call(f"{MODULE}:scaled_dot_product_attention", *args, mask=mask)
            return float((out * tG).sum())

        numeric = numerical_gradient(f, (q, k, v)[i].copy())
        if grads[i] is None:
            raise failure(f"d sum(out * G) / d{name}", tr("기울기 텐서", "a gradient tensor"),
                          "None", hint)
        check_gradient(grads[i], numeric, what=f"d sum(out * G) / d{name} (float64, causal mask)",
                       hint=hint)


def _mha_from(state: dict, d_model: int, n_heads: int) -> torch.nn.MultiheadAttention:
    """nn.MultiheadAttention (here, in the grader) holding the learner's weights."""
    mha = torch.nn.MultiheadAttention(d_model, n_heads, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([state[f"W_{n}.weight"] for n in "qkv"]))
        mha.in_proj_bias.copy_(torch.cat([state[f"W_{n}.bias"] for n in "qkv"]))
        mha.out_proj.weight.copy_(state["out.weight"])
        mha.out_proj.bias.copy_(state["out.bias"])
    return mha.eval()


HINT_HEADS = tr("view(B, T, h, d_k).transpose(1, 2)로 헤드를 나누고, sqrt(d_k)로 나누고, "
                "transpose(1, 2).contiguous().view(B, T, C)로 합치세요",
                "split heads with view(B, T, h, d_k).transpose(1, 2), divide by sqrt(d_k), "
                "merge with transpose(1, 2).contiguous().view(B, T, C)")
NAMES = [f"{n}.{p}" for n in ("W_q", "W_k", "W_v", "out") for p in ("weight", "bias")]


def _mhsa_check(student, rng, d: int, h: int, mask: str = "none", T: int = 5) -> None:
    """MultiHeadSelfAttention(d, h, dropout=0.25) with random weights drawn here and set through
    its own load_state_dict; in eval mode (built in train mode) its output on x (2, T, d) must be
    nn.MultiheadAttention's with the same weights, computed here."""
    model = student.call(f"{MODULE}:MultiHeadSelfAttention", d, h, dropout=0.25)
    keys = list(dict(model.state_dict()))
    if sorted(keys) != sorted(NAMES):
        raise failure(f"MultiHeadSelfAttention({d}, {h}).state_dict() keys", str(NAMES),
                      str(keys), tr("Linear 네 개를 W_q, W_k, W_v, out 이름으로 만드세요 (bias 포함)",
                                    "build four Linear layers named W_q, W_k, W_v, out "
                                    "(with bias)"))
    # larger weights than the default init, so that a wrong scale or head split shows clearly
    state = {key: _t(rng, *((d, d) if key.endswith("weight") else (d,)))
             * (0.6 if key.endswith("weight") else 0.2) for key in NAMES}
    model.load_state_dict(state)
    x = _t(rng, 2, T, d)
    mha = _mha_from(state, d, h)
    kw, m = {}, None
    if mask == "causal":
        m = torch.tril(torch.ones(T, T, dtype=torch.bool))
        kw = {"attn_mask": ~m}
    elif mask == "padding":
        keep = torch.arange(T)[None, :] < torch.tensor([T, 3])[:, None]
        m = keep[:, None, None, :]
        kw = {"key_padding_mask": ~keep}
    with torch.no_grad():
        expected = mha(x, x, x, need_weights=False, **kw)[0]
    model.eval()
    got = model(x) if m is None else model(x, m)
    what = (f"MultiHeadSelfAttention({d}, {h}, dropout=0.25).eval()(x (2, {T}, {d})"
            f"{'' if m is None else ', ' + mask + ' mask'})")
    assert_shape(got, (2, T, d), what)
    assert_close(got, expected, rtol=1e-4, atol=1e-5, what=f"{what} vs nn.MultiheadAttention",
                 hint=HINT_HEADS)


@pytest.mark.parametrize("mask", ["none", "causal", "padding"])
@grader(points=1)
def test_mhsa_matches_nn_multihead_attention(student, rng, mask):
    """d_model 12, 3 heads (d_k 4), x (2, 5, 12); the learner's weights (drawn here, set by its
    own load_state_dict) copied into nn.MultiheadAttention(12, 3, batch_first=True) here."""
    _by_hand(student, "MultiHeadSelfAttention")
    _mhsa_check(student, rng, 12, 3, mask)


@grader(points=1)
def test_mhsa_rejects_indivisible_heads(student, rng):
    """ValueError for 10 % 3 and 64 % 5, credited only once MultiHeadSelfAttention(12, 3)
    computes the right attention; 4 · (64·64 + 64) parameters for (64, 8), counted here from
    the tensors its own parameters() yields."""
    _by_hand(student, "MultiHeadSelfAttention")
    hint = tr("__init__에서 d_model % n_heads != 0이면 ValueError를 발생시키세요",
              "raise ValueError in __init__ when d_model % n_heads != 0")
    for d, h in ((10, 3), (64, 5)):
        assert_raises("ValueError", student.call, f"{MODULE}:MultiHeadSelfAttention", d, h,
                      valid=lambda: _mhsa_check(student, rng, 12, 3),
                      what=f"MultiHeadSelfAttention({d}, {h})", hint=hint)
    model = student.call(f"{MODULE}:MultiHeadSelfAttention", 64, 8)
    got = sum(int(np.prod(tuple(t.shape))) for t in model.parameters())
    if got != 4 * (64 * 64 + 64):
        raise failure("MultiHeadSelfAttention(64, 8): number of parameters", str(4 * (64 * 64 + 64)),
                      str(got), tr("W_q, W_k, W_v, out: Linear(d_model, d_model) 네 개",
                                   "four Linear(d_model, d_model): W_q, W_k, W_v, out"))
