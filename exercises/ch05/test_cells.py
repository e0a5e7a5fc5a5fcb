"""Visible tests for ch05.cells — run them with `pytest exercises/ch05`.

Your cells against PyTorch's own (same weights); the hidden graders use more shapes, float64 and
every kind of layer for the parameter counts.
"""

import torch
from torch import nn

from dldrill.grading import assert_close, tr

from ch05.cells import lstm_cell, recurrent_param_count, rnn_cell


def test_rnn_cell_formula():
    g = torch.Generator().manual_seed(0)
    x, h = torch.randn(2, 3, generator=g), torch.randn(2, 4, generator=g)
    W_xh, W_hh = torch.randn(3, 4, generator=g), torch.randn(4, 4, generator=g)
    b = torch.randn(4, generator=g)
    out = rnn_cell(x, h, W_xh, W_hh, b)
    assert out.shape == (2, 4)
    assert_close(out, torch.tanh(x @ W_xh + h @ W_hh + b),
                 hint=tr("h_t = tanh(x_t W_xh + h_{t−1} W_hh + b)",
                         "h_t = tanh(x_t W_xh + h_{t−1} W_hh + b)"))


def test_lstm_cell_equals_nn_lstmcell():
    torch.manual_seed(0)
    cell = nn.LSTMCell(3, 5)
    x, h, c = torch.randn(2, 3), torch.randn(2, 5), torch.randn(2, 5)
    with torch.no_grad():
        h_exp, c_exp = cell(x, (h, c))
        h_t, c_t = lstm_cell(x, h, c, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    assert torch.allclose(c_t, c_exp, atol=1e-6) and torch.allclose(h_t, h_exp, atol=1e-6)


def test_lstm_param_count_is_four_rnns():
    assert recurrent_param_count("lstm", 10, 20) == sum(p.numel() for p in nn.LSTM(10, 20).parameters())
    assert recurrent_param_count("lstm", 10, 20) == 4 * recurrent_param_count("rnn", 10, 20)
