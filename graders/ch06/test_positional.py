"""Graders for ch06.positional (checklist: self-attention).

The table is compared with the curriculum's formula computed here in float64
(PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...)).

The table is written by hand (checklist self-attention): each test first reads the learner's
source as text and rejects a library's sinusoidal table (transformers' create_sinusoidal_embeddings
and the like). Nothing of the kit runs in the child: parameters and state_dict keys are the
learner's own, read back here.
Correct variants pass: the exponent as 10000 ** (2i / d) in float64, cast to float32
(fixtures/submissions/alternatives/ch06_positional_pow_float64.toml).
"""

import numpy as np
import torch

from dldrill.grading import assert_by_hand, assert_close, assert_shape, failure, grader, tr

MODULE = "ch06.positional"
LIBRARY_TABLES = ("transformers", "diffusers", "timm", "fairseq", "torchtune", "xformers",
                  "torchtext", "torch.nn.modules.transformer")
HINT_BY_HAND = tr("sin/cos 표를 torch.arange, torch.exp, torch.sin, torch.cos로 직접 만드세요 "
                  "(라이브러리의 사인 위치 임베딩 금지)",
                  "build the sin/cos table yourself with torch.arange, torch.exp, torch.sin and "
                  "torch.cos (not a library's sinusoidal embedding)")
HINT_FORMULA = tr("짝수 차원 sin(pos / 10000^(2i/d)), 홀수 차원 cos(같은 값)",
                  "even dims sin(pos / 10000^(2i/d)), odd dims cos(the same angle)")


def _by_hand(student) -> None:
    assert_by_hand(student, MODULE, forbidden=LIBRARY_TABLES, hint=HINT_BY_HAND)
    assert_by_hand(student, "ch06", forbidden=LIBRARY_TABLES, what="ch06/__init__.py",
                   hint=HINT_BY_HAND)


def _table(max_len: int, d: int) -> np.ndarray:
    pos = np.arange(max_len, dtype=np.float64)[:, None]
    angle = pos / np.power(10000.0, np.arange(0, d, 2, dtype=np.float64) / d)
    pe = np.zeros((max_len, d))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe[None]


@grader(points=2)
def test_pe_exact_values(student):
    """d_model 16, max_len 60 (atol 1e-5); the default max_len 5000 with d_model 8 (atol 2e-3:
    float32 angles at position ~5000)."""
    _by_hand(student)
    for d, max_len, atol in ((16, 60, 1e-5), (8, 5000, 2e-3)):
        kwargs = {"max_len": max_len} if max_len != 5000 else {}
        pe = student.call(f"{MODULE}:PositionalEncoding", d, **kwargs).pe
        what = f"PositionalEncoding({d}{', max_len=' + str(max_len) if kwargs else ''}).pe"
        assert_shape(pe, (1, max_len, d), what, tr("pe.unsqueeze(0)으로 (1, max_len, d_model)",
                                                   "pe.unsqueeze(0): (1, max_len, d_model)"))
        assert_close(pe, torch.from_numpy(_table(max_len, d)).float(), rtol=0, atol=atol,
                     what=what, hint=HINT_FORMULA)


@grader(points=1)
def test_pe_is_a_buffer_not_a_parameter(student):
    """Counted here from the tensors its own parameters() yields, and its state_dict keys."""
    _by_hand(student)
    model = student.call(f"{MODULE}:PositionalEncoding", 16, max_len=50)
    n = sum(int(np.prod(tuple(t.shape))) for t in model.parameters())
    state = dict(model.state_dict())
    hint = tr('self.register_buffer("pe", pe.unsqueeze(0)) — nn.Parameter로 만들면 학습됩니다',
              'self.register_buffer("pe", pe.unsqueeze(0)) — an nn.Parameter would be trained')
    if n != 0:
        raise failure("PositionalEncoding(16, max_len=50): number of parameters", "0", str(n), hint)
    if "pe" not in state:
        raise failure("PositionalEncoding(16, max_len=50).state_dict() keys", "['pe']",
                      str(list(state)), hint)


@grader(points=1)
def test_pe_forward_adds_then_dropout(student, rng):
    """Eval mode: x + pe[:, :T], for T = 10 and for T = max_len (the longest input allowed);
    train mode: dropout(0.5) on that sum."""
    _by_hand(student)
    full = torch.from_numpy(rng.standard_normal((2, 40, 16)).astype(np.float32))
    x = torch.from_numpy(rng.standard_normal((3, 10, 16)).astype(np.float32))
    expected = x + torch.from_numpy(_table(10, 16)).float()
    model = student.call(f"{MODULE}:PositionalEncoding", 16, max_len=40, dropout=0.5)
    model.eval()
    assert_close(model(x), expected, rtol=1e-5, atol=1e-5,
                 what="PositionalEncoding(16, max_len=40, dropout=0.5).eval()(x (3, 10, 16))",
                 hint=tr("x + pe[:, :T] (T = x.size(1))", "x + pe[:, :T] with T = x.size(1)"))
    assert_close(model(full), full + torch.from_numpy(_table(40, 16)).float(), rtol=1e-5,
                 atol=1e-5, what="PositionalEncoding(16, max_len=40).eval()(x (2, 40, 16)): "
                 "T = max_len", hint=tr("T = max_len까지 됩니다: pe[:, :T]",
                                        "T may be max_len itself: pe[:, :T]"))
    model.train()
    got = model(x)
    what = "PositionalEncoding(16, dropout=0.5).train()(x): every element 0 or 2 × (x + pe)"
    hint = tr("forward 끝에 self.dropout(...)을 적용하세요", "apply self.dropout(...) at the end of forward")
    zero = got == 0
    scaled = torch.isclose(got, 2 * expected, rtol=1e-5, atol=1e-5)
    if not bool((zero | scaled).all()) or not 0.3 < float(zero.float().mean()) < 0.7:
        raise failure(what, tr("약 절반이 0, 나머지는 2배", "about half zeros, the rest doubled"),
                      f"{float(zero.float().mean()):.2f} zeros, "
                      f"{float((zero | scaled).float().mean()):.2f} of the elements 0 or doubled", hint)
