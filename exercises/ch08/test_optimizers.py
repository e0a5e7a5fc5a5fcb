"""Visible tests for ch08.optimizers — run them with `pytest exercises/ch08`.

A few steps of each optimizer against torch.optim (Lion: the published rule) on a small problem;
the hidden graders compare 100 steps over a grid of settings, with parameter groups, a learning
rate scheduler, a state_dict restart and parameters without a gradient.
(The first optimizer built in a process imports torch._dynamo: about a second.)
"""

import torch

from dldrill.grading import assert_close, tr

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
    assert_close(_run(lambda p: SGD(p, **kw)), _run(lambda p: torch.optim.SGD(p, **kw)),
                 hint=tr("모멘텀: v = μv + g; p −= lr·v (PyTorch 방식, weight decay는 g에 더함)",
                         "momentum: v = μv + g; p −= lr·v (PyTorch's form, weight decay added to g)"))


def test_adam_and_adamw():
    kw = {"lr": 0.01, "weight_decay": 0.1}
    assert_close(_run(lambda p: Adam(p, **kw)), _run(lambda p: torch.optim.Adam(p, **kw)),
                 hint=tr("m, v의 편향 보정: m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)",
                         "bias correction: m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)"))
    assert_close(_run(lambda p: AdamW(p, **kw)), _run(lambda p: torch.optim.AdamW(p, **kw)),
                 hint=tr("AdamW는 감쇠를 기울기가 아니라 가중치에 직접: p −= lr·λ·p",
                         "AdamW decays the weights directly, not through the gradient: p −= lr·λ·p"))


def test_rmsprop():
    kw = {"lr": 0.01, "momentum": 0.5}
    assert_close(_run(lambda p: RMSprop(p, **kw)), _run(lambda p: torch.optim.RMSprop(p, **kw)),
                 hint=tr("v = αv + (1−α)g²; p −= lr·g / (√v + ε)",
                         "v = αv + (1−α)g²; p −= lr·g / (√v + ε)"))


def test_lion_first_step_moves_every_weight_by_lr():
    torch.manual_seed(0)
    before = torch.cat([p.detach().flatten() for p in torch.nn.Linear(3, 1).double().parameters()])
    after = _run(lambda p: Lion(p, lr=1e-3), steps=1)
    # m starts at 0, so c = (1 - β1)·g and the step is -lr·sign(g): exactly lr per weight
    assert_close((after - before).abs(), torch.full_like(after, 1e-3),
                 hint=tr("Lion은 부호만 씁니다: 모든 원소가 정확히 lr만큼 움직입니다",
                         "Lion uses the sign only: every entry moves by exactly lr"))
