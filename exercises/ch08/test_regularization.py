"""Visible tests for ch08.regularization — run them with `pytest exercises/ch08`.

Quick checks against PyTorch's own layers; the hidden graders also test dropout statistically
and at p = 0 and p = 1, BatchNorm over several steps (running statistics, eval mode, (N, C, L)
input), several normalized shapes, frozen parameters and min_delta.
"""

import torch
import torch.nn.functional as F

from ch08.regularization import BatchNorm1d, EarlyStopping, dropout, l2_penalty, layer_norm


def test_dropout_rescales_kept_entries_and_is_off_in_eval():
    x = torch.rand(10, 20) + 0.5
    out = dropout(x, 0.25, True, generator=torch.Generator().manual_seed(0))
    kept = out != 0
    assert 0 < int(kept.sum()) < x.numel(), "some entries dropped, some kept"
    assert torch.allclose(out[kept], x[kept] / 0.75), "kept entries are x / (1 - p)"
    assert torch.equal(dropout(x, 0.25, False), x), "training=False returns x unchanged"


def test_batchnorm_matches_nn_in_train_then_eval():
    x = torch.randn(8, 3) * 2 + 1
    mine, ref = BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    assert torch.allclose(mine(x), ref(x), atol=1e-5)
    assert torch.allclose(mine.running_var, ref.running_var, atol=1e-6), "unbiased running variance"
    mine.eval()
    ref.eval()
    with torch.no_grad():
        assert torch.allclose(mine(x), ref(x), atol=1e-5), "eval mode uses the running statistics"


def test_layer_norm_matches_functional():
    x, w, b = torch.randn(4, 6), torch.rand(6) + 0.5, torch.randn(6)
    assert torch.allclose(layer_norm(x, w, b), F.layer_norm(x, (6,), w, b), atol=1e-5)


def test_l2_penalty_of_a_linear_layer():
    layer = torch.nn.Linear(3, 2)
    expected = (layer.weight ** 2).sum() + (layer.bias ** 2).sum()
    assert torch.allclose(l2_penalty(layer), expected)


def test_early_stopping_counts_calls_without_improvement():
    es = EarlyStopping(patience=2)
    assert [es.step(v) for v in (1.0, 0.8, 0.9, 0.85)] == [False, False, False, True]
    assert es.best_loss == 0.8
