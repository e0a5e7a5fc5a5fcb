"""Visible tests for ch08.schedulers — run them with `pytest exercises/ch08`.

A few values of each schedule (computed from PyTorch's schedulers and transformers' warm-up) and
a small learning-rate range test; the hidden graders compare every step of whole schedules and
run the range test on the digits.
"""

import math

import torch

from ch08.schedulers import cosine_annealing, linear_warmup_decay, lr_range_test, one_cycle, step_lr


def test_step_lr():
    assert [step_lr(s, 0.1, 3, 0.5) for s in (0, 2, 3, 7)] == [0.1, 0.1, 0.05, 0.025]


def test_cosine_annealing():
    assert math.isclose(cosine_annealing(0, 10, 0.1), 0.1)
    assert math.isclose(cosine_annealing(5, 10, 0.1, eta_min=0.02), 0.06)
    assert math.isclose(cosine_annealing(10, 10, 0.1), 0.0, abs_tol=1e-12)


def test_linear_warmup_decay():
    got = [linear_warmup_decay(s, 4, 10, 1.0) for s in (0, 2, 4, 7, 10, 12)]
    assert all(math.isclose(a, b, abs_tol=1e-12) for a, b in zip(got, [0, 0.5, 1, 0.5, 0, 0], strict=True))


def test_one_cycle_starts_low_peaks_and_ends_lower():
    assert math.isclose(one_cycle(0, 100, 0.5), 0.02)             # max_lr / 25
    assert math.isclose(one_cycle(29, 100, 0.5), 0.5)             # pct_start · total - 1
    assert math.isclose(one_cycle(99, 100, 0.5), 0.02 / 1e4)      # the minimum at the last step
    assert math.isclose(one_cycle(5, 37, 0.1), 0.051253513028, rel_tol=1e-9)  # OneCycleLR's value


def test_lr_range_test_restores_the_model():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(64, 5, generator=g)
    y = (X[:, 0] > 0).long()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=16)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    lrs, losses, suggested = lr_range_test(model, loader, torch.nn.CrossEntropyLoss(), 1e-4, 10.0,
                                           steps=9)
    assert len(lrs) == len(losses) == 9 and math.isclose(lrs[4], 1e-4 * 1e5 ** 0.5)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()), "weights restored"
    assert math.isclose(suggested, lrs[min(range(9), key=lambda i: losses[i])] / 10)
