"""Visible tests for ch06.attention — run them with `pytest exercises/ch06`.

Small hand-checkable cases; the hidden graders compare with torch's own attention (with masks,
float64 gradients) and with nn.MultiheadAttention given your weights.
"""

import math

import pytest
import torch

from dldrill.grading import assert_close, tr

from ch06.attention import MultiHeadSelfAttention, scaled_dot_product_attention


def test_one_key_gives_its_value():
    q, k, v = torch.randn(1, 3, 4), torch.randn(1, 1, 4), torch.randn(1, 1, 5)
    out, weights = scaled_dot_product_attention(q, k, v)
    assert out.shape == (1, 3, 5) and weights.shape == (1, 3, 1)
    assert_close(out, v.expand(1, 3, 5),
                 hint=tr("출력 = softmax(QKᵀ/√d_k) V; 가중치 합이 1이면 같은 V 행이 그대로 나옵니다",
                         "output = softmax(QKᵀ/√d_k) V; weights summing to 1 give back equal V rows"))


def test_scores_are_scaled_by_sqrt_dk():
    q = torch.tensor([[[1.0, 1.0, 1.0, 1.0]]])
    k = torch.tensor([[[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]])
    v = torch.tensor([[[1.0], [0.0]]])
    _, weights = scaled_dot_product_attention(q, k, v)
    # scores 4 / sqrt(4) = 2 and 0 -> softmax
    p = math.exp(2) / (math.exp(2) + 1)
    assert_close(weights, torch.tensor([[[p, 1 - p]]]), atol=1e-6,
                 hint=tr("점수를 √d_k로 나눈 뒤 softmax",
                         "divide the scores by √d_k before the softmax"))


def test_rows_sum_to_one_and_masked_weights_are_zero():
    q, k, v = torch.randn(2, 4, 8), torch.randn(2, 4, 8), torch.randn(2, 4, 8)
    mask = torch.tril(torch.ones(4, 4, dtype=torch.bool))
    _, weights = scaled_dot_product_attention(q, k, v, mask)
    assert_close(weights.sum(-1), torch.ones(2, 4), atol=1e-6,
                 hint=tr("softmax는 마지막 축(키 축)을 따라",
                         "the softmax runs over the last (key) axis"))
    assert (weights[:, ~mask] == 0).all()


def test_multi_head_shapes_and_error():
    mha = MultiHeadSelfAttention(16, 4)
    assert mha(torch.randn(2, 5, 16)).shape == (2, 5, 16)
    assert sum(p.numel() for p in mha.parameters()) == 4 * (16 * 16 + 16)
    with pytest.raises(ValueError):
        MultiHeadSelfAttention(10, 3)
