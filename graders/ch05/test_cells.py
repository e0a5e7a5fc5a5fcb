"""Graders for ch05.cells (checklist: lstm-seq).

The expected values come from PyTorch's own cells built here (nn.RNNCell, nn.LSTMCell) with the
same weights, and from the layers themselves for the parameter counts (nn.RNN / nn.LSTM / nn.GRU).

Accepted alternative: F.linear, einsum and explicit slicing of the gates
(fixtures/submissions/alternatives/ch05_cells_linear_and_slices.toml).

The cells are written by hand: besides the numbers, both cell tests read the submission's source
here (`assert_by_hand`, never importing it) and fail when rnn_cell or lstm_cell (or a helper they
call) uses the library's recurrent cells or layers (nn.RNNCell, nn.LSTMCell, nn.GRUCell, nn.RNN,
nn.LSTM, nn.GRU, torch.lstm_cell, torch._VF...) or dynamic access that could hide one.
"""

import numpy as np
import pytest
import torch
from torch import nn

from dldrill.grading import assert_by_hand, assert_close, assert_raises, assert_shape, failure, grader, tr

MODULE = "ch05.cells"
CELL_LIBRARY = (
    "torch.nn.RNNCell", "torch.nn.LSTMCell", "torch.nn.GRUCell", "torch.nn.RNN", "torch.nn.LSTM",
    "torch.nn.GRU", "torch.nn.RNNBase", "torch.nn.RNNCellBase", "torch.nn.modules.rnn",
    "torch.rnn_tanh_cell", "torch.rnn_relu_cell", "torch.lstm_cell", "torch.gru_cell",
    "torch.rnn_tanh", "torch.rnn_relu", "torch.lstm", "torch.gru", "torch.quantized_lstm_cell",
    "torch.quantized_rnn_tanh_cell", "torch._VF", "torch._C", "torch.ops", "torch.ao",
    "torch.nn.quantized", "tensorflow", "keras", "jax")
HINT_BY_HAND = tr("nn.LSTMCell / nn.RNNCell 없이 행렬곱, 시그모이드, tanh로 직접 계산하세요",
                  "compute it yourself with matrix products, sigmoid and tanh, without "
                  "nn.LSTMCell / nn.RNNCell")


def by_hand(student, module: str, name: str, forbidden, hint) -> None:
    """`assert_by_hand` on one function (and the module-level helpers it reaches)."""
    assert_by_hand(student, module, forbidden=forbidden, functions=[name], what=name, hint=hint)


def cell_by_hand(student, name: str) -> None:
    """`name` (and the module-level helpers it uses) calls no library recurrent cell or layer;
    recurrent_param_count may build layers to check itself."""
    by_hand(student, MODULE, name, CELL_LIBRARY, HINT_BY_HAND)


def _t(rng, *shape, scale=1.0, dtype=np.float32):
    return torch.from_numpy((rng.standard_normal(shape) * scale).astype(dtype))


@pytest.mark.parametrize("B,I,H", [(4, 3, 5), (1, 6, 6)], ids=["B4-I3-H5", "B1-I6-H6"])
@grader(points=1)
def test_rnn_cell_matches_the_formula(student, rng, B, I, H):
    x, h = _t(rng, B, I), _t(rng, B, H)
    W_xh, W_hh, b = _t(rng, I, H, scale=0.5), _t(rng, H, H, scale=0.5), _t(rng, H)
    cell = nn.RNNCell(I, H)
    with torch.no_grad():  # nn.RNNCell keeps (H, I) weights and two biases
        cell.weight_ih.copy_(W_xh.T)
        cell.weight_hh.copy_(W_hh.T)
        cell.bias_ih.copy_(b)
        cell.bias_hh.zero_()
        expected = cell(x, h)
    got = student.call(f"{MODULE}:rnn_cell", x, h, W_xh, W_hh, b)
    cell_by_hand(student, "rnn_cell")
    what = f"rnn_cell(x_t ({B}, {I}), h_prev ({B}, {H}), W_xh ({I}, {H}), W_hh ({H}, {H}), b)"
    hint = tr("h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b): 가중치는 오른쪽에서 곱합니다 (전치 없음)",
              "h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b): the weights multiply from the right "
              "(no transpose)")
    assert_shape(got, (B, H), what, hint)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=what, hint=hint)


@pytest.mark.parametrize("B,I,H,dtype", [(3, 4, 5, "float32"), (2, 3, 2, "float64")],
                         ids=["B3-I4-H5-f32", "B2-I3-H2-f64"])
@grader(points=3)
def test_lstm_cell_matches_nn_lstmcell(student, rng, B, I, H, dtype):
    torch_dtype = getattr(torch, dtype)
    cell = nn.LSTMCell(I, H).to(torch_dtype)
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape))))
    x, h, c = (_t(rng, B, n, dtype=dtype) for n in (I, H, H))
    with torch.no_grad():
        h_exp, c_exp = cell(x, (h, c))
    params = [p.detach().clone() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih,
                                           cell.bias_hh)]
    got = student.call(f"{MODULE}:lstm_cell", x, h, c, *params)
    cell_by_hand(student, "lstm_cell")
    what = f"lstm_cell(x_t ({B}, {I}), h, c ({B}, {H}), nn.LSTMCell({I}, {H})'s weights)"
    if not isinstance(got, tuple) or len(got) != 2:
        raise failure(what, "(h_t, c_t)", repr(got)[:100],
                      tr("(h_t, c_t) 두 텐서를 돌려주세요", "return the two tensors (h_t, c_t)"))
    hint = tr("게이트 순서는 (i, f, g, o): gates.chunk(4, dim=1); g는 tanh, 나머지는 sigmoid; "
              "c_t = f * c_prev + i * g, h_t = o * tanh(c_t)",
              "the gate order is (i, f, g, o): gates.chunk(4, dim=1); tanh for g, sigmoid for the "
              "others; c_t = f * c_prev + i * g, h_t = o * tanh(c_t)")
    tol = 1e-5 if dtype == "float32" else 1e-10
    assert_shape(got[1], (B, H), f"{what}: c_t", hint)
    assert_close(got[1], c_exp, rtol=tol, atol=tol, what=f"{what}: c_t", hint=hint)
    assert_close(got[0], h_exp, rtol=tol, atol=tol, what=f"{what}: h_t", hint=hint)


LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _layer_count(kind: str, I: int, H: int) -> int:
    return sum(p.numel() for p in LAYERS[kind.lower()](I, H).parameters())


HINT_COUNT = tr("게이트 수 × (H·I + H·H + 2·H): PyTorch는 b_ih와 b_hh 두 편향을 둡니다; "
                "rnn 1, lstm 4, gru 3 (kind는 대소문자 구분 없음)",
                "gates × (H·I + H·H + 2·H): PyTorch keeps two biases, b_ih and b_hh; "
                "1 block for rnn, 4 for lstm, 3 for gru (kind in any case)")


def _count_matches(student, kind: str, I: int, H: int) -> None:
    expected = _layer_count(kind, I, H)
    got = student.call(f"{MODULE}:recurrent_param_count", kind, I, H)
    if got != expected or isinstance(got, bool):
        layer = LAYERS[kind.lower()].__name__
        raise failure(f"recurrent_param_count({kind!r}, {I}, {H})",
                      f"{expected} (= nn.{layer}({I}, {H}))", str(got), HINT_COUNT)


@pytest.mark.parametrize("kind,I,H", [("rnn", 3, 8), ("lstm", 1, 64), ("lstm", 10, 7),
                                      ("gru", 5, 16)],
                         ids=["rnn-3-8", "lstm-1-64", "lstm-10-7", "gru-5-16"])
@grader(points=1)
def test_recurrent_param_count_equals_the_layers(student, kind, I, H):
    _count_matches(student, kind, I, H)
    if kind == "rnn":
        assert_raises("ValueError", student.call, f"{MODULE}:recurrent_param_count", "transformer",
                      I, H, valid=lambda: _count_matches(student, "GRU", I, H),
                      what="recurrent_param_count('transformer', ...)",
                      hint=tr("알 수 없는 kind는 ValueError", "an unknown kind raises ValueError"))
