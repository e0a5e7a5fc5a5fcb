"""Visible tests for ch08.regularization — run them with `pytest exercises/ch08`.

Quick checks against PyTorch's own layers; the hidden graders also test dropout statistically
and at p = 0 and p = 1, BatchNorm over several steps (running statistics, eval mode, (N, C, L)
input), several normalized shapes, frozen parameters and min_delta.
"""

import torch
import torch.nn.functional as F

from dldrill.grading import assert_close, tr

from ch08.regularization import BatchNorm1d, EarlyStopping, dropout, l2_penalty, layer_norm


def test_dropout_rescales_kept_entries_and_is_off_in_eval():
    x = torch.rand(10, 20) + 0.5
    out = dropout(x, 0.25, True, generator=torch.Generator().manual_seed(0))
    kept = out != 0
    assert 0 < int(kept.sum()) < x.numel(), "some entries dropped, some kept"
    assert_close(out[kept], x[kept] / 0.75,
                 hint=tr("남긴 값은 x / (1 − p)로 키웁니다 (inverted dropout)",
                         "kept entries are x / (1 − p) (inverted dropout)"))
    assert torch.equal(dropout(x, 0.25, False), x), "training=False returns x unchanged"


def test_batchnorm_matches_nn_in_train_then_eval():
    x = torch.randn(8, 3) * 2 + 1
    mine, ref = BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    assert_close(mine(x), ref(x), atol=1e-5,
                 hint=tr("학습 모드: 배치 평균과 편향 분산(1/N)으로 정규화",
                         "train mode: normalise with the batch mean and the biased variance (1/N)"))
    assert_close(mine.running_var, ref.running_var, atol=1e-6,
                 hint=tr("running_var에는 불편 분산(1/(N−1))을 씁니다",
                         "running_var uses the unbiased variance (1/(N−1))"))
    mine.eval()
    ref.eval()
    with torch.no_grad():
        assert_close(mine(x), ref(x), atol=1e-5,
                     hint=tr("평가 모드는 running 통계를 씁니다",
                             "eval mode uses the running statistics"))


def test_layer_norm_matches_functional():
    x, w, b = torch.randn(4, 6), torch.rand(6) + 0.5, torch.randn(6)
    assert_close(layer_norm(x, w, b), F.layer_norm(x, (6,), w, b), atol=1e-5,
                 hint=tr("마지막 축마다 평균·분산(편향, 1/N)으로 정규화한 뒤 w, b 적용",
                         "normalise over the last axis (biased variance, 1/N), then apply w and b"))


def test_l2_penalty_of_a_linear_layer():
    layer = torch.nn.Linear(3, 2)
    expected = (layer.weight ** 2).sum() + (layer.bias ** 2).sum()
    assert_close(l2_penalty(layer), expected,
                 hint=tr("학습되는(requires_grad) 파라미터마다 제곱의 합 Σ p², 동결된 것은 빼세요",
                         "Σ p² over every parameter that requires grad; leave frozen ones out"))


def test_early_stopping_counts_calls_without_improvement():
    es = EarlyStopping(patience=2)
    assert [es.step(v) for v in (1.0, 0.8, 0.9, 0.85)] == [False, False, False, True]
    assert es.best_loss == 0.8
