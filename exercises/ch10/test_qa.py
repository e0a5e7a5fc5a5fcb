"""Visible tests for ch10.qa — run them with `pytest exercises/ch10`.

One quick check per interview question on small, hand-checkable inputs. The hidden graders
compare with PyTorch itself (nn.BatchNorm1d, torch.optim.Adam, prune.l1_unstructured...), check
the claims (sigmoid's gradients vanish, the quantization error bound, the expectation kept) on
more cases, and make sure the TorchScript round trip really happens.
"""

import math

import pytest
import torch

from dldrill.grading import assert_close, tr

from ch10.qa import (
    adam_step,
    attention_cost,
    batchnorm_inference,
    dequantize,
    distillation_loss,
    dropout_expectation,
    export_and_verify,
    global_average_pool,
    gradient_norms,
    magnitude_prune,
    quantize_int8,
    suggest_lr,
    trainable_fraction,
)


def test_q1_sigmoid_gradients_shrink_towards_the_input():
    sig = gradient_norms(8, "sigmoid")
    relu = gradient_norms(8, "relu")
    assert len(sig) == 8 and all(isinstance(v, float) for v in sig)
    assert sig[0] / sig[-1] < 1e-2, "with sigmoid the first layer's gradient is far smaller"
    assert 0.1 < relu[0] / relu[-1] < 10


def test_q2_batchnorm_uses_the_running_statistics():
    x = torch.tensor([[1.0, 2.0], [3.0, 6.0]])
    out = batchnorm_inference(x, torch.tensor([1.0, 2.0]), torch.tensor([4.0, 16.0]),
                              torch.tensor([2.0, 1.0]), torch.tensor([0.0, 1.0]), eps=0.0)
    assert_close(out, torch.tensor([[0.0, 1.0], [2.0, 2.0]]),
                 hint=tr("추론: γ · (x − running_mean) / √(running_var + ε) + β",
                         "inference: γ · (x − running_mean) / √(running_var + ε) + β"))


def test_q3_dropout_keeps_the_mean():
    got = dropout_expectation(0.5, 100_000, torch.Generator().manual_seed(0))
    assert abs(got - 1.0) < 0.02, f"expected about 1.0, got {got}"


def test_q4_first_adam_step_moves_by_lr():
    param, grad = torch.tensor([1.0, -1.0]), torch.tensor([0.5, -2.0])
    p, m, v = adam_step(param, grad, torch.zeros(2), torch.zeros(2), 1, lr=0.1)
    # after bias correction, m_hat / sqrt(v_hat) = sign(grad) on the first step
    assert_close(p, torch.tensor([0.9, -0.9]), atol=1e-6,
                 hint=tr("편향 보정 m̂ = m/(1−β1^t), v̂ = v/(1−β2^t); p −= lr · m̂ / (√v̂ + ε)",
                         "bias correction m̂ = m/(1−β1^t), v̂ = v/(1−β2^t); p −= lr · m̂ / (√v̂ + ε)"))
    assert torch.allclose(m, 0.1 * grad) and torch.allclose(v, 0.001 * grad**2)


def test_q5_gap_shape_and_values():
    x = torch.arange(24.0).reshape(1, 2, 3, 4)
    out = global_average_pool(x)
    assert out.shape == (1, 2)
    assert_close(out, torch.tensor([[5.5, 17.5]]),
                 hint=tr("(N, C, H, W)의 H, W 축(2, 3)에 대한 평균",
                         "the mean over H and W (axes 2, 3) of (N, C, H, W)"))


def test_q6_attention_cost_small_case():
    cost = attention_cost(10, 4)
    assert cost["attention_flops"] == 1600 and cost["rnn_flops"] == 640
    assert cost["attention_sequential_steps"] == 1 and cost["rnn_sequential_steps"] == 10


def test_q7_frozen_backbone():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
    model[0].requires_grad_(False)
    assert math.isclose(trainable_fraction(model), 10 / 30)


def test_q8_steepest_not_lowest():
    lrs = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
    losses = [2.3, 2.2, 1.0, 0.8, 3.0]  # steepest 1e-4 → 1e-3, lowest at 1e-2
    assert suggest_lr(lrs, losses) == pytest.approx(1e-4)


def test_q9_quantize_round_trip_and_zero():
    w = torch.tensor([-1.0, 0.0, 0.5, 2.0])
    q, scale, zero_point = quantize_int8(w)
    assert q.dtype == torch.int8 and isinstance(zero_point, int)
    assert scale == pytest.approx(3.0 / 255)
    back = dequantize(q, scale, zero_point)
    assert (back - w).abs().max() <= scale / 2 + 1e-7
    assert back[1] == 0.0


def test_q9_prune_by_magnitude():
    w = torch.tensor([[-3.0, 0.1], [0.2, -0.05]])
    assert torch.equal(magnitude_prune(w, 0.5), torch.tensor([[-3.0, 0.0], [0.2, 0.0]]))


def test_q9_distillation_equal_logits_leave_only_the_hard_loss():
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    labels = torch.tensor([0])
    ce = torch.nn.functional.cross_entropy(logits, labels)
    got = distillation_loss(logits, logits, labels, T=4.0, alpha=0.5)
    assert_close(got, 0.5 * ce, atol=1e-6,  # KL(p ‖ p) = 0
                 hint=tr("α · T² · KL(soft_teacher ‖ soft_student) + (1 − α) · CE(hard)",
                         "α · T² · KL(soft_teacher ‖ soft_student) + (1 − α) · CE(hard)"))


def test_q10_round_trip_is_faithful():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    diff = export_and_verify(model, torch.randn(5, 3))
    assert isinstance(diff, float) and diff < 1e-5
