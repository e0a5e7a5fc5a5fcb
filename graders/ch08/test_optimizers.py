"""Graders for ch08.optimizers (checklist: lr-schedulers).

The grader drives the learner's optimizer itself and believes only parameter values. The
submission holds plain `nn.ParameterList`s with the starting values of a seeded float64 model
(Linear(4, 5) · Tanh · Linear(5, 2)) and the learner's optimizer on them; the reference (torch.optim
here; Lion: the published update rule, written out below) runs first, in the grader, for 100
full-batch steps on a fixed regression problem, and each step's gradients, computed HERE, are sent
and accumulated into the submission's parameters before the learner's `opt.step()` runs. The
parameters after every step come back and are compared with the reference's (atol 1e-6; the first
step that differs is reported), over a grid of settings: momentum, weight decay, betas, eps, alpha,
two parameter groups with their own learning rate (and weight decay), torch's StepLR built on the
learner's optimizer, a restart from its state_dict() (which crosses to the grader and back, as
through a checkpoint), a frozen parameter and one that gets its first gradient late.

"By hand" is checked on the source, read here and never imported (`assert_by_hand`): ch08/
optimizers.py, the submission modules it imports and the package's __init__.py (which runs first)
must not use a library optimizer (torch.optim.SGD/Adam/..., torch.optim._functional, fused
kernels, other packages' optimizers); the base class torch.optim.Optimizer is the contract's.

Correct variants pass: d2l's Adam (bias-corrected moments first), Adam with torch._foreach ops and
the paper's efficient step size, lucidrains' Lion (fixtures/submissions/alternatives/
ch08_pub_adam_d2l_bias_corrected.toml, ch08_adam_foreach_efficient_form.toml,
ch08_pub_lion_lucidrains.toml).
"""

import numpy as np
import torch

from dldrill.grading import assert_by_hand, assert_close, failure, grader, tr

MODULE = "ch08.optimizers"
STEPS = 100

_g = np.random.default_rng(8)
INPUTS = torch.as_tensor(_g.standard_normal((16, 4)))
TARGETS = torch.as_tensor(np.tanh(INPUTS.numpy() @ _g.standard_normal((4, 2)))
                          + 0.1 * _g.standard_normal((16, 2)))

GROUPS = [{"prefix": "0.", "lr": 0.03}, {"prefix": "2."}]  # the first layer with its own lr

# "By hand": the library's optimizers, their functional and fused kernels, and other packages'
# optimizers; the base class torch.optim.Optimizer (and torch._foreach_* ops) stay allowed.
FORBIDDEN = (
    tuple(f"torch.optim.{n}" for n in dir(torch.optim)
          if not n.startswith("__") and n not in ("Optimizer", "optimizer"))
    + tuple(f"torch.{n}" for n in dir(torch) if n.startswith("_fused_"))
    + ("torch.ops", "torch._C", "torch.distributed.optim", "transformers", "timm", "lion_pytorch",
       "torch_optimizer", "pytorch_optimizer", "bitsandbytes", "apex", "deepspeed", "tensorflow",
       "keras", "optax", "jax"))
HINT_BY_HAND = tr("torch.optim.Optimizer를 상속하고 갱신 규칙은 텐서 연산으로 직접 쓰세요 "
                  "(torch.optim.Adam 등 라이브러리 옵티마이저·함수형 API 사용 금지)",
                  "subclass torch.optim.Optimizer and write the update rule with tensor operations "
                  "(not torch.optim.Adam & co., their functional API or fused kernels)")


def _tiny_mlp(seed: int) -> torch.nn.Module:
    """Linear(4, 5) · Tanh · Linear(5, 2) from `seed`, float64; the global RNG is left alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    return model.to(torch.float64)


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


def _compare(student, name: str, kwargs: dict, groups=None, hint=None, atol=1e-6, steps=STEPS,
             seed=1, scheduler: dict | None = None, resume_at: int | None = None,
             frozen: tuple = (), late: tuple = (), late_until: int = 0, what: str = "") -> None:
    """Drives the learner's optimizer `name` in the submission with gradients computed here.

    The reference (torch.optim, or the published Lion) runs first, here, on the seeded model and
    the mean squared error; every step's gradients and parameters are kept. The submission holds
    only plain `nn.ParameterList`s with the same starting values and the learner's optimizer on
    them; for each step the grader's sequence of calls on those handles is: `zero_grad()`,
    `torch.autograd.backward(params, grads_of_this_step)` (the grads computed here),
    `opt.step()`, [`scheduler.step()`], `parameters_to_vector(params)`; the parameters after every
    step come back and the first step that differs from the reference's is reported. (The calls
    go as one `list(itertools.starmap(operator.call, calls))` per run: two requests instead of
    four per step.) `frozen`: parameters with requires_grad=False; `late`: parameters that get no
    gradient (grad None) during the first `late_until` steps; `scheduler`: torch's StepLR built on
    the learner's optimizer; `resume_at=k`: after step k a fresh optimizer loads the old one's
    `state_dict()`, which crosses here and back as through a checkpoint file.
    """
    model = _tiny_mlp(seed)
    named = list(model.named_parameters())
    for n, p in named:
        if n in frozen:
            p.requires_grad_(False)
    specs = groups or [{"prefix": ""}]
    order = [[i for i, (n, _) in enumerate(named) if n.startswith(s["prefix"])] for s in specs]
    options = [{k: (tuple(v) if isinstance(v, list) else v) for k, v in s.items() if k != "prefix"}
               for s in specs]
    flat = [i for idx in order for i in idx]  # the order the parameters come back in
    kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
    trainable = [i for i in flat if named[i][1].requires_grad]
    early = [i for i in trainable if named[i][0] not in late]

    # -- the reference, here: every step's gradients and resulting parameters ----------------
    ref = REFERENCE[name]([p for _, p in named] if groups is None else
                          [{"params": [named[i][1] for i in idx], **o} for idx, o in
                           zip(order, options, strict=True)], **kw)
    ref_sched = (torch.optim.lr_scheduler.StepLR(ref, **scheduler) if scheduler is not None
                 else None)
    grads, expected = [], []
    for k in range(steps):
        withheld = bool(late) and k < late_until
        ref.zero_grad()
        ((model(INPUTS) - TARGETS) ** 2).mean().backward()
        if withheld:
            for i in trainable:
                if named[i][0] in late:
                    named[i][1].grad = None
        grads.append([named[i][1].grad.clone() for i in (early if withheld else trainable)])
        ref.step()
        if ref_sched is not None:
            ref_sched.step()
        expected.append(torch.cat([named[i][1].detach().reshape(-1) for i in flat]).numpy())

    # -- the submission: the same starting values, the learner's optimizer, driven from here --
    start = _tiny_mlp(seed)
    cells = [student.call("torch.nn:ParameterList", [torch.nn.Parameter(
        p.detach().clone(), requires_grad=n not in frozen)]) for n, p in start.named_parameters()]

    def chain(indices):
        return student.call("itertools:chain", *[cells[i] for i in indices])

    def plist(indices):
        return student.call("torch.nn:ParameterList", chain(indices))

    every = plist(flat)
    receivers = [plist(trainable), plist(early) if late else None]
    cls = student.get(f"{MODULE}:{name}")

    def build():
        if groups is None:
            return cls(chain(flat), **kw)
        return cls([{"params": chain(idx), **o} for idx, o in zip(order, options, strict=True)],
                    **kw)

    opt = build()
    sched = (student.call("torch.optim.lr_scheduler:StepLR", opt, **scheduler)
             if scheduler is not None else None)
    zero_grad, backward = every.zero_grad, student.get("torch.autograd:backward")
    read = student.get("torch.nn.utils:parameters_to_vector")
    setting = _setting(kwargs, groups, what)
    got: list = []
    first = 0
    for last in sorted({steps} | ({resume_at} if resume_at is not None else set())):
        step = opt.step
        calls = []
        for k in range(first, last):
            withheld = bool(late) and k < late_until
            calls += [(zero_grad,), (backward, receivers[withheld], grads[k]), (step,)]
            if sched is not None:
                calls.append((sched.step,))
            calls.append((read, every))
        per_step = len(calls) // max(1, last - first)
        results = student.call("builtins:list",
                               student.call("itertools:starmap", student.get("operator:call"), calls))
        got += [results[j] for j in range(per_step - 1, len(results), per_step)]
        first = last
        if last < steps:  # a checkpoint restart
            state = opt.state_dict()
            opt = build()
            opt.load_state_dict(state)
    for k, (mine, theirs) in enumerate(zip(got, expected, strict=True)):
        mine = np.asarray(mine.detach() if isinstance(mine, torch.Tensor) else mine,
                          dtype=np.float64)
        where = f"{name}({setting}): parameters after step {k + 1} of {steps} (vs {SOURCE[name]})"
        if mine.shape != theirs.shape:
            raise failure(where, f"{theirs.shape} values", str(mine.shape), hint)
        if not np.isfinite(mine).all() or np.abs(mine - theirs).max() > atol:
            assert_close(mine, theirs, rtol=0, atol=atol, what=where, hint=hint)


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
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/optimizers.py", hint=HINT_BY_HAND)
    for kwargs in ({"lr": 0.1}, {"lr": 0.05, "momentum": 0.9}, {"lr": 0.1, "weight_decay": 0.05},
                   {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01}):
        _compare(student, "SGD", kwargs, hint=HINT_SGD)
    _compare(student, "SGD", {"lr": 0.1, "momentum": 0.9}, GROUPS, hint=HINT_SGD)


@grader(points=3)
def test_adam_matches_torch(student):
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/optimizers.py", hint=HINT_BY_HAND)
    for kwargs in ({}, {"lr": 0.01, "betas": [0.8, 0.99]}, {"lr": 0.02, "eps": 1e-3},
                   {"lr": 0.01, "weight_decay": 0.1}):
        _compare(student, "Adam", kwargs, hint=HINT_ADAM)
    _compare(student, "Adam", {"lr": 0.01}, GROUPS, hint=HINT_ADAM)


@grader(points=3)
def test_adamw_matches_torch(student):
    """The default weight_decay (1e-2), a large one (0.5), and groups with their own decay."""
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/optimizers.py", hint=HINT_BY_HAND)
    for kwargs in ({"lr": 0.01}, {"lr": 0.01, "weight_decay": 0.5, "betas": [0.85, 0.98]}):
        _compare(student, "AdamW", kwargs, hint=HINT_ADAMW)
    _compare(student, "AdamW", {"lr": 0.01, "weight_decay": 0.2},
             [{"prefix": "0.", "lr": 0.03, "weight_decay": 0.0}, {"prefix": "2."}], hint=HINT_ADAMW)


@grader(points=2)
def test_rmsprop_matches_torch(student):
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/optimizers.py", hint=HINT_BY_HAND)
    for kwargs in ({}, {"lr": 0.005, "alpha": 0.9, "eps": 1e-4}, {"lr": 0.005, "momentum": 0.6},
                   {"lr": 0.01, "weight_decay": 0.1}):
        _compare(student, "RMSprop", kwargs, hint=HINT_RMS)
    _compare(student, "RMSprop", {"lr": 0.005}, GROUPS, hint=HINT_RMS)


@grader(points=3)
def test_lion_matches_the_published_rule(student):
    """Lion against Chen et al. (2023): defaults, other betas, weight decay, parameter groups."""
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/optimizers.py", hint=HINT_BY_HAND)
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
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/optimizers.py", hint=HINT_BY_HAND)
    hint = tr('lr은 __init__에서 저장하지 말고 step()마다 group["lr"]에서 읽으세요 (스케줄러가 바꿉니다)',
              'do not keep lr from __init__: read group["lr"] in every step() (schedulers change it)')
    for name, kwargs, _ in ALL:
        _compare(student, name, kwargs, hint=hint, scheduler={"step_size": 10, "gamma": 0.5},
                 what=", StepLR(step_size=10, gamma=0.5) built on it")


@grader(points=2)
def test_optimizers_resume_from_state_dict(student):
    """After 40 steps the optimizer is replaced by a fresh one that loads the old one's
    state_dict(); the trajectory must go on as if nothing happened."""
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/optimizers.py", hint=HINT_BY_HAND)
    hint = tr('step 수, 모멘텀, 모멘트 같은 버퍼는 self.state[p]에 두세요 (state_dict에 저장됨); '
              'self.m 같은 속성이나 리스트는 저장되지 않습니다',
              'keep the step count, momentum and moments in self.state[p] (saved in state_dict()); '
              'attributes such as self.m or lists are not')
    for name, kwargs, _ in ALL:
        _compare(student, name, kwargs, hint=hint, resume_at=40,
                 what=", restarted from its state_dict() after step 40")


@grader(points=1)
def test_optimizers_skip_parameters_without_grad(student):
    """The first layer's bias never gets a gradient (requires_grad=False) and the last layer's bias
    gets none (grad None) during the first 5 of 20 steps, as a layer unfrozen later: every
    optimizer leaves a parameter without a gradient alone, and a parameter's own step count t
    starts at its first gradient (torch.optim's per-parameter state)."""
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/optimizers.py", hint=HINT_BY_HAND)
    hint = tr("p.grad가 None인 파라미터는 건너뛰고 (if p.grad is None: continue), 단계 수 t는 파라미터마다 "
              "self.state[p]에 두세요 (늦게 기울기를 받기 시작한 파라미터는 t = 1부터)",
              "skip parameters whose grad is None (if p.grad is None: continue) and keep the step "
              "count t per parameter in self.state[p] (a parameter that gets its first gradient "
              "later starts at t = 1)")
    for name, kwargs, _ in ALL:
        _compare(student, name, kwargs, hint=hint, steps=20, seed=2, frozen=("0.bias",),
                 late=("2.bias",), late_until=5,
                 what=", 0.bias frozen, 2.bias without grad for 5 steps")
