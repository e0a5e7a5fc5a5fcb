"""Graders for ch08.schedulers (checklist: lr-schedulers).

The expected learning rates come from the real schedulers run here, in the grader: a throw-away
optimizer's `param_groups[0]["lr"]` read before each of `n` `scheduler.step()` calls (torch's
StepLR, CosineAnnealingLR, OneCycleLR with anneal_strategy="cos", three_phase=False and
transformers' get_linear_schedule_with_warmup). The grader calls the learner's function itself
for every step of the same schedule (no helper in the submission runs the steps), and the four
schedule tests first require that ch08/schedulers.py (whole, with the submission modules it
imports and the package's __init__.py) use no library scheduler (torch.optim.lr_scheduler,
transformers...): the source is read here, never imported (`assert_by_hand`).

lr_range_test runs in the submission on the digits (dldrill.data.digits_split(0.25, seed=0): the
1348 training images in a loader of batches of 64, no shuffle) with the seeded
Linear(64, 128) · BatchNorm1d · ReLU · Linear(128, 10) and cross-entropy; its learning rates and
losses are compared with the answer key's (from a model that comes in eval mode, and over a
second range that drives the loss to inf and nan), its suggestion with the rule applied here to
its own finite losses, the restored weights with the grader's own copy (from eval and from train
mode, the mode kept), and the suggestion is then used HERE to train a fresh copy of the model
(plain SGD, 3 epochs) and scored on the 449 test images, which never cross.

Correct variants pass: every schedule by recursion as PyTorch computes it, a range test with
np.geomspace (fixtures/submissions/alternatives/ch08_schedulers_recursive.toml).
"""

import math
import warnings

import numpy as np
import torch

from dldrill.childkit import builders
from dldrill.data import digits_split
from dldrill.grading import assert_by_hand, assert_close, failure, grader, tr

MODULE = "ch08.schedulers"
BUILDERS = "dldrill.childkit.builders"

# The schedules are functions of the step written by hand: not the library's schedulers stepped
# `step` times (lr_range_test legitimately uses torch.optim.SGD, so only the schedulers go).
FORBIDDEN = ("torch.optim.lr_scheduler", "torch.optim.swa_utils", "transformers", "diffusers",
             "timm", "pytorch_lightning", "lightning", "tensorflow", "keras", "optax")
HINT_BY_HAND = tr("스케줄은 step의 식으로 직접 계산하세요 (math.cos, ** ...); torch.optim.lr_scheduler나 "
                  "transformers의 스케줄러를 돌려서 읽지 않습니다",
                  "compute each schedule as a formula of the step (math.cos, ** ...), not by "
                  "stepping torch.optim.lr_scheduler or transformers' schedulers")


def _torch_lrs(make, n: int, base_lr: float) -> list[float]:
    """lr before each of n scheduler.step() calls of a real scheduler on a throw-away SGD."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make(opt)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "scheduler.step() before optimizer.step()"
        for _ in range(n):
            out.append(float(opt.param_groups[0]["lr"]))
            opt.step()
            sched.step()
    return out


def _check(student, fn: str, n: int, expected: list[float], kwargs: dict, hint, what: str):
    """The learner's `fn(step, **kwargs)` called by the grader for every step 0..n-1."""
    got = [student.call(f"{MODULE}:{fn}", step, **kwargs) for step in range(n)]
    try:
        got = [float(v) for v in got]
    except (TypeError, ValueError):
        raise failure(f"{what}: type of the values", "float", repr(got[:3])[:100],
                      tr("파이썬 float 하나를 돌려주세요", "return one Python float")) from None
    bad = [i for i in range(n) if not math.isclose(got[i], expected[i], rel_tol=1e-6, abs_tol=1e-12)]
    if bad:
        i = bad[0]
        assert_close(got[i], expected[i], rtol=1e-6, atol=1e-12,
                     what=f"{fn}({i}, {', '.join(f'{k}={v}' for k, v in kwargs.items())}) "
                          f"({what}, step {i} of 0..{n - 1}; {len(bad)} steps differ)", hint=hint)


@grader(points=1)
def test_step_lr_matches_steplr(student):
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/schedulers.py", hint=HINT_BY_HAND)
    S = torch.optim.lr_scheduler.StepLR
    hint = tr("lr = base_lr · gamma ** (step // step_size) (정수 나눗셈)",
              "lr = base_lr · gamma ** (step // step_size) (integer division)")
    for base, size, gamma, n in ((0.1, 7, 0.5, 40), (0.05, 3, 0.1, 12)):
        _check(student, "step_lr", n, _torch_lrs(lambda o, s=size, g=gamma: S(o, s, g), n, base),
               {"base_lr": base, "step_size": size, "gamma": gamma}, hint, "vs StepLR")
    _check(student, "step_lr", 25, _torch_lrs(lambda o: S(o, 10), 25, 0.2),
           {"base_lr": 0.2, "step_size": 10}, hint, "vs StepLR, default gamma 0.1")


@grader(points=2)
def test_cosine_annealing_matches_cosineannealinglr(student):
    """T_max 20 and 7 (with eta_min), over 2.5 periods: past T_max the rate rises again."""
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/schedulers.py", hint=HINT_BY_HAND)
    S = torch.optim.lr_scheduler.CosineAnnealingLR
    hint = tr("lr = eta_min + (base_lr - eta_min)·(1 + cos(π·step/T_max))/2 — 위상은 step/T_max",
              "lr = eta_min + (base_lr - eta_min)·(1 + cos(π·step/T_max))/2 — the phase is "
              "step/T_max")
    for T, base, eta, n in ((20, 0.1, 0.0, 50), (7, 0.3, 0.01, 20)):
        _check(student, "cosine_annealing", n,
               _torch_lrs(lambda o, T=T, eta=eta: S(o, T_max=T, eta_min=eta), n, base),
               {"T_max": T, "base_lr": base, "eta_min": eta}, hint, "vs CosineAnnealingLR")


@grader(points=2)
def test_linear_warmup_decay_matches_transformers(student):
    """warm-up 10 of 50 steps (and past the end: 0), no warm-up, a warm-up of 1 step."""
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/schedulers.py", hint=HINT_BY_HAND)
    from transformers import get_linear_schedule_with_warmup

    hint = tr("step < warmup: base_lr·step/warmup (step 0이면 0); 이후 base_lr·(total-step)/(total-warmup), "
              "0 아래로는 내려가지 않음",
              "step < warmup: base_lr·step/warmup (0 at step 0); then "
              "base_lr·(total-step)/(total-warmup), never below 0")
    for warm, total, base, n in ((10, 50, 0.1, 55), (0, 30, 0.02, 32), (1, 12, 0.5, 12)):
        _check(student, "linear_warmup_decay", n,
               _torch_lrs(lambda o, w=warm, t=total: get_linear_schedule_with_warmup(o, w, t), n,
                          base),
               {"warmup_steps": warm, "total_steps": total, "base_lr": base}, hint,
               "vs transformers.get_linear_schedule_with_warmup")


@grader(points=2)
def test_one_cycle_matches_onecyclelr(student):
    """Every step of three schedules (37 steps: pct_start·total is not a whole number)."""
    assert_by_hand(student, MODULE, forbidden=FORBIDDEN, what="ch08/schedulers.py", hint=HINT_BY_HAND)
    S = torch.optim.lr_scheduler.OneCycleLR
    hint = tr("1단계: step 0 ~ pct_start·total - 1 (정수로 반올림하지 않음), max_lr/div → max_lr 코사인; "
              "2단계: 그 끝 ~ total - 1, max_lr → max_lr/div/final_div 코사인",
              "phase 1 from step 0 to pct_start·total - 1 (not rounded), max_lr/div up to max_lr "
              "along a cosine; phase 2 from there to total - 1, down to max_lr/div/final_div")
    for total, max_lr, kw in ((37, 0.1, {}), (100, 0.5, {"pct_start": 0.25, "div_factor": 10.0,
                                                          "final_div_factor": 100.0}),
                              (20, 1.0, {"pct_start": 0.45})):
        expected = _torch_lrs(lambda o, t=total, m=max_lr, kw=kw: S(
            o, max_lr=m, total_steps=t, anneal_strategy="cos", three_phase=False,
            cycle_momentum=False, **kw), total, max_lr)
        _check(student, "one_cycle", total, expected,
               {"total_steps": total, "max_lr": max_lr, **kw}, hint, "vs OneCycleLR")


# -- lr_range_test --------------------------------------------------------------------------------
RANGE = {"min_lr": 1e-3, "max_lr": 30.0, "steps": 50}
BLOW_UP = {"min_lr": 1e-2, "max_lr": 1e8, "steps": 30}  # the loss reaches inf, then nan


def _range_setup(sub, mode: str = "train"):
    """The digits' training images in a loader, the seeded model (in `mode`), cross-entropy."""
    X_tr, _, y_tr, _ = digits_split(test_fraction=0.25, seed=0)
    model = sub.call(f"{BUILDERS}:seeded_mlp", 64, 128, 10, seed=0)
    getattr(model, mode)()
    loader = sub.call(f"{BUILDERS}:array_loader", X_tr, y_tr, batch_size=64)
    return model, loader, sub.call("torch.nn:CrossEntropyLoss")


def _range_result(value) -> tuple[list, list, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise failure("lr_range_test(...)", "(lrs, losses, suggested_lr)", repr(value)[:100],
                      tr("세 값을 튜플로 돌려주세요", "return the three values as a tuple"))
    lrs, losses, suggested = value
    return [float(v) for v in lrs], [float(v) for v in losses], float(suggested)


def _range_case(student, reference, rng: dict, mode: str) -> None:
    """One range test in the submission and in the answer key, from a model in `mode`."""
    setting = ", ".join(f"{k}={v:g}" for k, v in rng.items()) + f"; the model in {mode} mode"
    lrs, losses, suggested = _range_result(
        student.call(f"{MODULE}:lr_range_test", *_range_setup(student, mode), **rng))
    _, ref_losses, _ = reference.call(f"{MODULE}:lr_range_test", *_range_setup(reference, mode), **rng)
    n = rng["steps"]
    expected_lrs = [rng["min_lr"] * (rng["max_lr"] / rng["min_lr"]) ** (i / (n - 1))
                    for i in range(n)]
    assert_close(lrs, expected_lrs, rtol=1e-6,
                 what=f"lr_range_test({setting})[0]: the learning rates",
                 hint=tr("lrs[i] = min_lr · (max_lr/min_lr) ** (i/(steps-1)), 처음과 끝 포함",
                         "lrs[i] = min_lr · (max_lr/min_lr) ** (i/(steps-1)), both ends included"))
    finite_ref = [v if math.isfinite(v) else math.inf for v in ref_losses]
    stable = int(np.argmin(finite_ref)) + 1  # up to the reference's best step: no blow-up yet
    assert_close(losses[:stable], list(ref_losses[:stable]), rtol=2e-3, atol=1e-5,
                 what=f"lr_range_test({setting})[1][:{stable}]: the loss of each step",
                 hint=tr("스텝마다 lr을 정하고 zero_grad → 손실 → backward → step; 손실은 그 갱신 전의 "
                         "값; 모델이 eval 모드로 와도 train 모드로 바꿔서, 모멘텀 없는 SGD, loader가 끝나면 "
                         "처음부터",
                         "per step: set the lr, zero_grad, loss, backward, step; record the loss "
                         "before that update; switch to train mode even when the model comes in eval "
                         "mode; plain SGD (no momentum); start the loader again when it runs out"))
    finite = [(v, i) for i, v in enumerate(losses) if math.isfinite(v)]
    rule = lrs[min(finite)[1]] / 10 if finite else lrs[0] / 10
    blown = [i for i, v in enumerate(losses) if not math.isfinite(v)]
    assert_close(suggested, rule, rtol=1e-6,
                 what=f"lr_range_test({setting})[2]: suggested_lr vs lrs[argmin(losses)] / 10 of "
                      f"the returned lists" + (f" ({len(blown)} losses are inf/nan)" if blown else ""),
                 hint=tr("가장 낮은 유한한 손실의 학습률을 10으로 나누세요 (nan/inf는 건너뜀: "
                         "np.argmin은 nan을 가장 작은 값으로 고릅니다)",
                         "divide the learning rate of the lowest FINITE loss by 10 (skip nan/inf: "
                         "np.argmin picks a nan as the minimum)"))


@grader(points=3)
def test_lr_range_test_rates_losses_and_suggestion(student, reference):
    """Learning rates geometric from min_lr to max_lr; the loss of each step (before its update)
    as the answer key's until the loss blows up; suggested = lrs[argmin] / 10 of its own finite
    losses. The model comes in EVAL mode (the test must train in train mode), and a second range
    (up to 1e8) drives the loss to inf and nan (the documented 'skip nan/inf' branch).

    Budget: 10 CPU-seconds (the answer key: 0.07 CPU-s for the two range tests plus 1.2 CPU-s
    for torch.optim's first import in a fresh process)."""
    with student.time_limit(10.0, "lr_range_test on the digits (50 + 30 steps)"):
        _range_case(student, reference, RANGE, "eval")
        _range_case(student, reference, BLOW_UP, "train")


@grader(points=2)
def test_lr_range_test_restores_the_model(student):
    """Weights and BatchNorm statistics exactly as before, and the model's mode kept, from a model
    in eval mode and from one in train mode. The weights before are the grader's own copy of
    the seeded model; after, they are read back."""
    hint = tr("시작할 때 copy.deepcopy(model.state_dict())로 저장하고 끝에 model.load_state_dict(...)로 "
              "되돌리세요 (복사 없이 state_dict()만 저장하면 같이 바뀝니다)",
              "save copy.deepcopy(model.state_dict()) first and model.load_state_dict(...) at the "
              "end (a state_dict() kept without a copy changes along with the model)")
    before = builders.seeded_mlp(64, 128, 10, seed=0).state_dict()
    for mode in ("eval", "train"):
        model, loader, crit = _range_setup(student, mode)
        student.call(f"{MODULE}:lr_range_test", model, loader, crit, **RANGE)
        after = student.call(f"{BUILDERS}:state_of", model)
        for key in before:
            if key not in after:
                raise failure("the model's state_dict after lr_range_test", str(list(before)),
                              str(list(after)), hint)
            assert_close(after[key], before[key], rtol=0, atol=0,
                         what=f"the model's {key} after lr_range_test from {mode} mode (vs before)",
                         hint=hint)
        flags = student.call(f"{BUILDERS}:training_flags", model)
        if any(flags) != (mode == "train") or len(set(flags)) != 1:
            raise failure(f"model.training (and its layers') after lr_range_test on a model in "
                          f"{mode} mode", str(mode == "train"), str(flags[0] if flags else None),
                          tr("처음 모드를 기억했다가 model.train(was_training)으로 되돌리세요 "
                             "(항상 train()이나 eval()로 끝내지 말고)",
                             "remember the mode and restore it with model.train(was_training) (not "
                             "always train() or eval() at the end)"))


def _train_here(lr: float, epochs: int = 3) -> float:
    """Plain SGD at `lr` on a fresh copy of the model, here; test accuracy on the held-out set."""
    X_tr, X_te, y_tr, y_te = digits_split(test_fraction=0.25, seed=0)
    model = builders.seeded_mlp(64, 128, 10, seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loader = builders.array_loader(X_tr, y_tr, batch_size=64, shuffle=True, seed=1)
    with torch.random.fork_rng(devices=[]):
        model.train()
        for _ in range(epochs):
            for x, y in loader:
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(torch.as_tensor(X_te, dtype=torch.float32)).argmax(dim=1).numpy()
    return float(np.mean(pred == y_te))


@grader(points=3)
def test_lr_range_test_suggestion_trains_digits(student):
    """Accuracy threshold: the suggested learning rate trains the model to >= 0.90 on held-out digits.

    The training (plain SGD at the suggested rate, 3 epochs of batches of 64, seeded shuffle) and
    the scoring run here on a fresh copy of the model; the answer key's suggestion (0.158)
    gives 0.949, the rate at the lowest loss itself (1.58) 0.639, a tenth of the suggestion
    0.851. The answer key's range test: 0.04 CPU-s, plus 1.2 CPU-s for torch.optim's first
    import in a fresh process; budget 10 CPU-s.
    """
    with student.time_limit(10.0, "lr_range_test on the digits (50 steps)"):
        _, _, suggested = _range_result(
            student.call(f"{MODULE}:lr_range_test", *_range_setup(student), **RANGE))
    if not math.isfinite(suggested) or not 1e-5 <= suggested <= 100:
        raise failure("lr_range_test(...)[2]: suggested_lr", "a learning rate in [1e-5, 100]",
                      repr(suggested), tr("손실이 가장 낮은 학습률의 1/10", "a tenth of the rate at the "
                                          "lowest loss"))
    acc = _train_here(suggested)
    if acc < 0.90:
        raise failure(f"test accuracy on 449 held-out digits after 3 epochs of SGD at the suggested "
                      f"lr={suggested:.4g}", ">= 0.90", f"{acc:.3f}",
                      tr("손실이 가장 낮은 지점의 학습률은 이미 너무 큽니다: 그 1/10을 추천하세요",
                         "the rate at the lowest loss is already too large: suggest a tenth of it"))
