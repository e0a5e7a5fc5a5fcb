"""Graders for ch08.optimizers (checklist: lr-schedulers).

Each test builds the same seeded float64 model (Linear(4, 5) · Tanh · Linear(5, 2)) in the
submission and here, runs 100 full-batch steps on a fixed regression problem with the learner's
optimizer in the submission and with `torch.optim` here (Lion: the published update rule, written
out below), and compares the parameters after every step (atol 1e-6), over a grid of settings:
momentum, weight decay, betas, eps, alpha, and two parameter groups with their own learning rate
(and weight decay). The parameters come back through `dldrill.childkit.ch08.optimizer_trajectory`
(raw weights only); the first step that differs is reported.

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- Adam with eps inside the square root: sqrt(v̂ + eps) instead of sqrt(v̂) + eps
  (test_adam_matches_torch, test_optimizers_follow_a_scheduler,
  test_optimizers_resume_from_state_dict, test_optimizers_skip_parameters_without_grad;
  ch08_adam_eps_inside_sqrt)
- Adam without bias correction: m and v are used as they are (the first steps are far too small)
  (test_adam_matches_torch, test_optimizers_follow_a_scheduler,
  test_optimizers_resume_from_state_dict, test_optimizers_skip_parameters_without_grad;
  ch08_adam_no_bias_correction)
- Adam keeps its moments in its own dict (self.moments[p]) instead of self.state[p]: state_dict()
  does not save them, a restart begins from zero (test_optimizers_resume_from_state_dict;
  ch08_adam_state_outside_self_state)
- AdamW with coupled (L2) decay: wd·p added to the gradient, i.e. plain Adam's weight_decay
  (test_adamw_matches_torch, test_optimizers_follow_a_scheduler,
  test_optimizers_resume_from_state_dict, test_optimizers_skip_parameters_without_grad;
  ch08_adamw_coupled_decay)
- Lion updates the moment first and takes the sign of the new m (β2), instead of the β1
  interpolation c (test_lion_matches_the_published_rule, test_optimizers_follow_a_scheduler,
  test_optimizers_resume_from_state_dict; ch08_lion_moment_before_sign)
- RMSprop with eps inside the square root (sqrt(s + eps), the Keras form) instead of sqrt(s) + eps
  (test_optimizers_follow_a_scheduler, test_optimizers_resume_from_state_dict,
  test_optimizers_skip_parameters_without_grad, test_rmsprop_matches_torch;
  ch08_rmsprop_eps_inside_sqrt)
- SGD momentum as an exponential average: buf = momentum·buf + (1 - momentum)·g (torch's dampening
  is 0) (test_optimizers_follow_a_scheduler, test_optimizers_resume_from_state_dict,
  test_optimizers_skip_parameters_without_grad, test_sgd_matches_torch; ch08_sgd_dampened_momentum)
- SGD does not skip parameters whose grad is None (a frozen or unused parameter crashes the step)
  (test_optimizers_skip_parameters_without_grad; ch08_sgd_grad_none_not_skipped)
- SGD keeps the learning rate from __init__ (self.lr) and ignores group['lr']: parameter groups and
  schedulers have no effect (test_optimizers_follow_a_scheduler, test_sgd_matches_torch;
  ch08_sgd_lr_cached)
Correct variants pass: d2l's Adam (bias-corrected moments first), Adam with torch._foreach ops and
the paper's efficient step size, lucidrains' Lion (fixtures/submissions/alternatives/
ch08_pub_adam_d2l_bias_corrected.toml, ch08_adam_foreach_efficient_form.toml,
ch08_pub_lion_lucidrains.toml).
"""

import numpy as np
import torch

from dldrill.childkit import ch08 as kit
from dldrill.grading import assert_close, failure, grader, tr

M = "ch08.optimizers"
K = "dldrill.childkit.ch08"
STEPS = 100

_g = np.random.default_rng(8)
X = _g.standard_normal((16, 4))
Y = np.tanh(X @ _g.standard_normal((4, 2))) + 0.1 * _g.standard_normal((16, 2))

GROUPS = [{"prefix": "0.", "lr": 0.03}, {"prefix": "2."}]  # the first layer with its own lr


class PublishedLion(torch.optim.Optimizer):
    """Lion as published (Chen et al. 2023, Algorithm 2): c = β1·m + (1-β1)·g;
    p ← p - lr·(sign(c) + λ·p); m ← β2·m + (1-β2)·g."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            lr, (b1, b2), wd = group["lr"], group["betas"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                m = self.state[p].setdefault("m", torch.zeros_like(p))
                c = b1 * m + (1 - b1) * p.grad
                p.copy_(p - lr * (torch.sign(c) + wd * p))
                m.copy_(b2 * m + (1 - b2) * p.grad)


REFERENCE = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW,
             "RMSprop": torch.optim.RMSprop, "Lion": PublishedLion}
SOURCE = {name: ("torch.optim." + name if name != "Lion" else "the published Lion rule")
          for name in REFERENCE}


def _setting(kwargs: dict, groups, extra: str = "") -> str:
    parts = [f"{k}={tuple(v) if isinstance(v, list) else v}" for k, v in kwargs.items()]
    if groups:
        parts.append("groups=[" + ", ".join(
            "{" + ", ".join(f"{k}: {v}" for k, v in g.items() if k != "prefix") + "}" if
            len(g) > 1 else "{}" for g in groups) + "]")
    return ", ".join(parts) + extra


def _compare(student, name: str, kwargs: dict, groups=None, hint=None, dtype="float64", atol=1e-6,
             **run) -> None:
    """The learner's trajectory vs the reference's, step by step."""
    cls = student.get(f"{M}:{name}")
    model = student.call(f"{K}:tiny_mlp", seed=1, dtype=dtype)
    got = student.call(f"{K}:optimizer_trajectory", cls, model, X, Y, STEPS, groups=groups,
                       **run, **kwargs)
    expected = kit.optimizer_trajectory(REFERENCE[name], kit.tiny_mlp(seed=1, dtype=dtype), X, Y,
                                        STEPS, groups=groups, **run, **kwargs)
    got = np.asarray(got, dtype=np.float64)
    expected = expected.numpy().astype(np.float64)
    setting = _setting(kwargs, groups, "".join(f", {k}={v}" for k, v in run.items()))
    what = f"{name}({setting}): parameters"
    if got.shape != expected.shape:
        raise failure(f"{what}, {STEPS} steps × all parameters", str(expected.shape), str(got.shape),
                      hint)
    bad = np.flatnonzero(np.abs(got - expected).max(axis=1) > atol)
    if len(bad) == 0:
        return
    k = int(bad[0])
    assert_close(got[k], expected[k], rtol=0, atol=atol,
                 what=f"{what} after step {k + 1} of {STEPS} (vs {SOURCE[name]})", hint=hint)


HINT_SGD = tr("g = grad + wd·p; 첫 step은 buf = g, 이후 buf = momentum·buf + g (감쇠 없음); p -= lr·buf",
              "g = grad + wd·p; buf = g at the first step, then buf = momentum·buf + g (no "
              "dampening); p -= lr·buf")
HINT_ADAM = tr("m, v를 갱신한 뒤 m/(1-β1^t), v/(1-β2^t)로 편향 보정; p -= lr·m̂/(sqrt(v̂)+eps); "
               "Adam의 weight_decay는 기울기에 wd·p를 더합니다",
               "update m and v, then bias-correct m/(1-β1^t), v/(1-β2^t); p -= lr·m̂/(sqrt(v̂)+eps); "
               "Adam's weight_decay adds wd·p to the gradient")
HINT_ADAMW = tr("AdamW는 가중치 감소를 분리합니다: 먼저 p -= lr·wd·p, 그다음 wd 없는 기울기로 Adam 갱신",
                "AdamW decouples the decay: first p -= lr·wd·p, then Adam's update with the plain "
                "gradient (no wd·p in it)")
HINT_RMS = tr("s = α·s + (1-α)·g²; p -= lr·g/(sqrt(s)+eps) (eps는 루트 밖); momentum이면 "
              "buf = momentum·buf + g/(sqrt(s)+eps), p -= lr·buf",
              "s = α·s + (1-α)·g²; p -= lr·g/(sqrt(s)+eps) (eps outside the root); with momentum "
              "buf = momentum·buf + g/(sqrt(s)+eps), p -= lr·buf")
HINT_LION = tr("c = β1·m + (1-β1)·g로 부호를 정하고 p -= lr·(sign(c) + wd·p), 그다음에 m = β2·m + (1-β2)·g",
               "take the sign of c = β1·m + (1-β1)·g, p -= lr·(sign(c) + wd·p), and only then "
               "m = β2·m + (1-β2)·g")


@grader(points=2)
def test_sgd_matches_torch(student):
    for kwargs in ({"lr": 0.1}, {"lr": 0.05, "momentum": 0.9}, {"lr": 0.1, "weight_decay": 0.05},
                   {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01}):
        _compare(student, "SGD", kwargs, hint=HINT_SGD)
    _compare(student, "SGD", {"lr": 0.1, "momentum": 0.9}, GROUPS, hint=HINT_SGD)


@grader(points=3)
def test_adam_matches_torch(student):
    for kwargs in ({}, {"lr": 0.01, "betas": [0.8, 0.99]}, {"lr": 0.02, "eps": 1e-3},
                   {"lr": 0.01, "weight_decay": 0.1}):
        _compare(student, "Adam", kwargs, hint=HINT_ADAM)
    _compare(student, "Adam", {"lr": 0.01}, GROUPS, hint=HINT_ADAM)


@grader(points=3)
def test_adamw_matches_torch(student):
    """The default weight_decay (1e-2), a large one (0.5), and groups with their own decay."""
    for kwargs in ({"lr": 0.01}, {"lr": 0.01, "weight_decay": 0.5, "betas": [0.85, 0.98]}):
        _compare(student, "AdamW", kwargs, hint=HINT_ADAMW)
    _compare(student, "AdamW", {"lr": 0.01, "weight_decay": 0.2},
             [{"prefix": "0.", "lr": 0.03, "weight_decay": 0.0}, {"prefix": "2."}], hint=HINT_ADAMW)


@grader(points=2)
def test_rmsprop_matches_torch(student):
    for kwargs in ({}, {"lr": 0.005, "alpha": 0.9, "eps": 1e-4}, {"lr": 0.005, "momentum": 0.6},
                   {"lr": 0.01, "weight_decay": 0.1}):
        _compare(student, "RMSprop", kwargs, hint=HINT_RMS)
    _compare(student, "RMSprop", {"lr": 0.005}, GROUPS, hint=HINT_RMS)


@grader(points=3)
def test_lion_matches_the_published_rule(student):
    """Lion against Chen et al. (2023): defaults, other betas, weight decay, parameter groups."""
    for kwargs in ({"lr": 1e-3}, {"lr": 2e-3, "betas": [0.95, 0.98]},
                   {"lr": 1e-3, "weight_decay": 0.5}):
        _compare(student, "Lion", kwargs, hint=HINT_LION)
    _compare(student, "Lion", {"lr": 1e-3, "weight_decay": 0.1},
             [{"prefix": "0.", "lr": 3e-3}, {"prefix": "2."}], hint=HINT_LION)


ALL = (("SGD", {"lr": 0.1, "momentum": 0.9}, HINT_SGD), ("Adam", {"lr": 0.01}, HINT_ADAM),
       ("AdamW", {"lr": 0.01}, HINT_ADAMW), ("RMSprop", {"lr": 0.005, "momentum": 0.5}, HINT_RMS),
       ("Lion", {"lr": 1e-3, "weight_decay": 0.1}, HINT_LION))


@grader(points=2)
def test_optimizers_follow_a_scheduler(student):
    """torch's StepLR(step_size=10, gamma=0.5) changes group["lr"] during the 100 steps: every
    optimizer must read its hyper-parameters from self.param_groups at each step."""
    hint = tr('lr은 __init__에서 저장하지 말고 step()마다 group["lr"]에서 읽으세요 (스케줄러가 바꿉니다)',
              'do not keep lr from __init__: read group["lr"] in every step() (schedulers change it)')
    for name, kwargs, _ in ALL:
        _compare(student, name, kwargs, hint=hint,
                 scheduler={"name": "StepLR", "step_size": 10, "gamma": 0.5})


@grader(points=2)
def test_optimizers_resume_from_state_dict(student):
    """After 40 steps the optimizer is replaced by a fresh one that loads the old one's
    state_dict(); the trajectory must go on as if nothing happened."""
    hint = tr('step 수, 모멘텀, 모멘트 같은 버퍼는 self.state[p]에 두세요 (state_dict에 저장됨); '
              'self.m 같은 속성이나 리스트는 저장되지 않습니다',
              'keep the step count, momentum and moments in self.state[p] (saved in state_dict()); '
              'attributes such as self.m or lists are not')
    for name, kwargs, _ in ALL:
        _compare(student, name, kwargs, hint=hint, resume_at=40)


@grader(points=1)
def test_optimizers_skip_parameters_without_grad(student):
    """The first layer's bias never gets a gradient (requires_grad=False): every optimizer leaves
    it alone and updates the rest as torch.optim does."""
    hint = tr("p.grad가 None인 파라미터는 건너뛰세요 (if p.grad is None: continue)",
              "skip parameters whose grad is None (if p.grad is None: continue)")
    for name, kwargs, _ in ALL:
        cls = student.get(f"{M}:{name}")
        model = student.call(f"{K}:set_requires_grad", student.call(f"{K}:tiny_mlp", seed=2),
                             ["0.bias"], False)
        got = np.asarray(student.call(f"{K}:optimizer_trajectory", cls, model, X, Y, 20,
                                      **kwargs))
        ref = kit.set_requires_grad(kit.tiny_mlp(seed=2), ["0.bias"], False)
        expected = kit.optimizer_trajectory(REFERENCE[name], ref, X, Y, 20, **kwargs).numpy()
        assert_close(got, expected, rtol=0, atol=1e-6,
                     what=f"{name}({_setting(kwargs, None)}), first bias frozen: parameters after "
                          f"each of 20 steps", hint=hint)
