"""Visible tests for ch08.optimizers — run them with `pytest exercises/ch08`.

A few steps of each optimizer against torch.optim (Lion: the published rule) on a small problem;
the hidden graders compare 100 steps over a grid of settings, with parameter groups, a learning
rate scheduler, a state_dict restart and parameters without a gradient.
(The first optimizer built in a process imports torch._dynamo: about a second.)
"""

import torch

from ch08.optimizers import SGD, Adam, AdamW, Lion, RMSprop

X = torch.randn(12, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
Y = X @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64)


def _run(make, steps=5):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1).double()
    opt = make(model.parameters())
    for _ in range(steps):
        opt.zero_grad()
        ((model(X) - Y) ** 2).mean().backward()
        opt.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_sgd_with_momentum_and_weight_decay():
    kw = {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}
    assert torch.allclose(_run(lambda p: SGD(p, **kw)), _run(lambda p: torch.optim.SGD(p, **kw)))


def test_adam_and_adamw():
    kw = {"lr": 0.01, "weight_decay": 0.1}
    assert torch.allclose(_run(lambda p: Adam(p, **kw)), _run(lambda p: torch.optim.Adam(p, **kw)))
    assert torch.allclose(_run(lambda p: AdamW(p, **kw)), _run(lambda p: torch.optim.AdamW(p, **kw)))


def test_rmsprop():
    kw = {"lr": 0.01, "momentum": 0.5}
    assert torch.allclose(_run(lambda p: RMSprop(p, **kw)),
                          _run(lambda p: torch.optim.RMSprop(p, **kw)))


def test_lion_first_step_moves_every_weight_by_lr():
    torch.manual_seed(0)
    before = torch.cat([p.detach().flatten() for p in torch.nn.Linear(3, 1).double().parameters()])
    after = _run(lambda p: Lion(p, lr=1e-3), steps=1)
    # m starts at 0, so c = (1 - β1)·g and the step is -lr·sign(g): exactly lr per weight
    assert torch.allclose((after - before).abs(), torch.full_like(after, 1e-3))
