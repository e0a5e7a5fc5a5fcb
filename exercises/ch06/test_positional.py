"""Visible tests for ch06.positional — run them with `pytest exercises/ch06`."""

import math

import torch

from dldrill.grading import assert_close, tr

from ch06.positional import PositionalEncoding


def test_table_shape_values_and_buffer():
    pe = PositionalEncoding(8, max_len=20, dropout=0.0)
    assert pe.pe.shape == (1, 20, 8)
    assert len(list(pe.parameters())) == 0 and "pe" in dict(pe.named_buffers())
    # position 1: dim 0 = sin(1), dim 1 = cos(1), dim 2 = sin(1 / 10000^(2/8))
    assert abs(pe.pe[0, 1, 0].item() - math.sin(1.0)) < 1e-6
    assert abs(pe.pe[0, 1, 1].item() - math.cos(1.0)) < 1e-6
    assert abs(pe.pe[0, 1, 2].item() - math.sin(1.0 / 10000 ** (2 / 8))) < 1e-6


def test_forward_adds_the_first_T_rows():
    pe = PositionalEncoding(8, max_len=20, dropout=0.1).eval()
    x = torch.randn(2, 5, 8)
    assert_close(pe(x), x + pe.pe[:, :5],
                 hint=tr("forward는 x + pe[:, :seq_len] (저장된 버퍼의 앞부분)",
                         "forward is x + pe[:, :seq_len] (the front of the stored buffer)"))
