"""Graders for ch03.autograd_basics (checklist: pytorch-loop).

Nothing of the kit runs in the child: the scalar functions are functools.partial objects over
torch functions, x lives in a types.SimpleNamespace and grad_of runs on it through builtins.map,
and what a model's last Linear received during no_grad_predict is recorded by a forward pre-hook
that is a weakref.WeakKeyDictionary's own __setitem__. The grader reads raw values back and
computes what it expects itself (central differences, the eval-mode activations of the same
seeded model built here).

Also graded: the curriculum's example, gradients against central differences (float64), eval-mode
outputs (Dropout off, BatchNorm running statistics).
"""

import functools

import numpy as np
import pytest
import torch

from dldrill.childkit import builders
from dldrill.grading import (
    assert_close,
    assert_dtype,
    assert_shape,
    check_gradient,
    failure,
    grader,
    numerical_gradient,
    tr,
)

MODULE = "ch03.autograd_basics"
BUILDERS = "dldrill.childkit.builders"
FUNCTIONAL = "torch.nn.functional"

# The scalar test functions are library callables (functools.partial over torch functions),
# built the same way in the child and here: no kit code runs in the child, nothing there tells
# them apart from a learner's own f, and the expected gradients are central differences taken
# here. name -> (target, keyword arguments)
FUNCTIONS = {
    "norm3": ("torch.linalg:vector_norm", {"ord": 3}),
    "logsumexp": ("torch:logsumexp", {"dim": (0, 1)}),
    "cross_entropy": (f"{FUNCTIONAL}:cross_entropy", {"target": torch.tensor([2, 0])}),
}
# f(x) = (x0 − 0)² + (x1 − 2)²: at x = [2, 3] its gradient is [4, 2], the curriculum's answer
CURRICULUM = (f"{FUNCTIONAL}:mse_loss", {"target": torch.tensor([0.0, 2.0]), "reduction": "sum"})
HINT_GRAD = tr("x의 복사본에 requires_grad를 켜고 torch.autograd.grad(f(x_copy), x_copy)를 쓰세요",
               "make a copy of x that requires grad and use torch.autograd.grad(f(x_copy), x_copy)")


def _to_list(t):
    return [round(float(v), 6) for v in np.asarray(t).ravel()]


def _fn(sub, spec):
    """functools.partial(<torch function>, **kwargs) built inside `sub`."""
    target, kwargs = spec
    return sub.call("functools:partial", sub.get(target), **kwargs)


def _here(spec):
    """The same function in the grader process."""
    target, kwargs = spec
    module, _, name = target.partition(":")
    fn = functools.reduce(getattr, name.split("."), __import__(module, fromlist=["_"]))
    return functools.partial(fn, **kwargs)


@grader("pytorch-loop", points=1)
def test_grad_of_curriculum_example(student):
    """f(x) = x0² + (x1 − 2)² at x = [2, 3] has gradient [4, 2], like the curriculum's
    y = x0**2 + 2*x1 (curriculum 3-3)."""
    got = student.call(f"{MODULE}:grad_of", _fn(student, CURRICULUM), torch.tensor([2.0, 3.0]))
    what = "grad_of(f = x0**2 + (x1 - 2)**2, x=[2, 3])"
    assert_close(got, torch.tensor([4.0, 2.0]), what=what, hint=HINT_GRAD)


@pytest.mark.parametrize("name,shape", [("norm3", (5,)), ("logsumexp", (3, 4)),
                                        ("cross_entropy", (2, 3))])
@grader("pytorch-loop", points=1)
def test_grad_of_matches_central_differences(student, rng, name, shape):
    x = rng.uniform(-2, 2, size=shape)
    got = student.call(f"{MODULE}:grad_of", _fn(student, FUNCTIONS[name]), torch.from_numpy(x.copy()))
    what = f"grad_of({name}, x float64 {shape})"
    assert_shape(got, shape, what, tr("기울기는 x와 같은 shape입니다", "the gradient has x's shape"))
    assert_dtype(got, torch.float64, what, tr("x의 dtype(float64)을 유지하세요",
                                              "keep x's dtype (float64)"))
    f = _here(FUNCTIONS[name])
    numeric = numerical_gradient(lambda v: float(f(torch.from_numpy(v))), x.copy())
    check_gradient(got, numeric, what=what, threshold=1e-7, hint=HINT_GRAD)


def _lazy_attr(sub, holder, name: str):
    """A one-shot lazy `getattr(holder, name)` inside `sub` (map(getattr, [holder], [name])):
    a map over it hands the learner's function the very object the holder keeps there."""
    return sub.call("builtins:map", sub.get("builtins:getattr"), [holder], [name])


@grader("pytorch-loop", points=2)
def test_grad_of_leaves_x_grad_untouched(student):
    """x lives in the child (in a types.SimpleNamespace), with and without an existing x.grad;
    grad_of runs on that very tensor (through builtins.map) and x.grad and x are read back.
    Only library objects run there: the grader decides."""
    grad_of = student.get(f"{MODULE}:grad_of")
    f = _fn(student, CURRICULUM)
    hint = tr("x.backward 대신 복사본과 torch.autograd.grad를 쓰면 x.grad에 쌓이지 않습니다",
              "use a copy and torch.autograd.grad instead of backward on x: nothing accumulates "
              "in x.grad")
    for requires_grad, existing in ((True, None), (True, [7.0, -1.0]), (False, None)):
        holder = student.call("types:SimpleNamespace", x=torch.tensor(
            [2.0, 3.0], dtype=torch.float64, requires_grad=requires_grad))
        if existing is not None:
            student.call("builtins:next", student.call(
                "builtins:map", student.get("builtins:setattr"), _lazy_attr(student, holder, "x"),
                ["grad"], [torch.tensor(existing, dtype=torch.float64)]))
        grad = student.call("builtins:next", student.call(
            "builtins:map", grad_of, [f], _lazy_attr(student, holder, "x")))
        x_grad = student.call("operator:attrgetter", "x.grad")(holder)
        x_after = holder.x
        setup = (f"x = tensor([2., 3.], requires_grad={requires_grad})"
                 + (f", x.grad = {existing}" if existing else ""))
        assert_close(grad, torch.tensor([4.0, 2.0], dtype=torch.float64),
                     what=f"grad_of(x0**2 + (x1 - 2)**2, x) with {setup}", hint=hint)
        want = "None" if existing is None else f"tensor({existing})"
        if existing is None and x_grad is not None:
            raise failure(f"x.grad after grad_of(f, x), {setup}", want,
                          f"tensor({_to_list(x_grad)})", hint)
        if existing is not None:
            if x_grad is None:
                raise failure(f"x.grad after grad_of(f, x), {setup}", want, "None", hint)
            assert_close(x_grad, torch.tensor(existing, dtype=torch.float64),
                         what=f"x.grad after grad_of(f, x), {setup}", hint=hint)
        if not isinstance(x_after, torch.Tensor) or not torch.equal(
                x_after.detach(), torch.tensor([2.0, 3.0], dtype=torch.float64)):
            raise failure(f"x after grad_of(f, x), {setup}", "[2.0, 3.0]",
                          tr("x의 값이 바뀜", "x's values changed"), hint)


def _model(sub, seed=2):
    """A Linear-BatchNorm-ReLU-Dropout-Linear model whose train and eval outputs differ."""
    return sub.call(f"{BUILDERS}:seeded_mlp", 6, 16, 4, seed=seed, dropout=0.5, warmup=3)


@grader("pytorch-loop", points=2)
def test_no_grad_predict_gives_eval_mode_outputs(student, reference, rng):
    x = torch.from_numpy(rng.standard_normal((10, 6)).astype(np.float32))
    model, ref_model = _model(student), _model(reference)
    model.train()
    ref_model.train()
    got = student.call(f"{MODULE}:no_grad_predict", model, x)
    expected = reference.call(f"{MODULE}:no_grad_predict", ref_model, x)
    what = "no_grad_predict(model with Dropout(0.5) and BatchNorm1d, x (10, 6))"
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=what, hint=tr(
        "예측 전에 model.eval()을 부르세요: Dropout이 꺼지고 BatchNorm이 누적 통계를 씁니다",
        "call model.eval() before predicting: Dropout switches off and BatchNorm uses its "
        "running statistics"))
    if got.requires_grad:
        raise failure(what, "requires_grad=False", "requires_grad=True", tr(
            "with torch.no_grad(): 안에서 모델을 호출하세요",
            "call the model inside `with torch.no_grad():`"))


def _record_last_input(sub, model):
    """Records, inside `sub`, the input of the model's last Linear on each forward call: a
    forward pre-hook that is a weakref.WeakKeyDictionary's own __setitem__ (module -> args).
    Library objects only; the grader reads the recorded tensor back and judges it."""
    record = sub.call("weakref:WeakKeyDictionary")
    last = model[len(model) - 1]
    last.register_forward_pre_hook(sub.call("operator:attrgetter", "__setitem__")(record))
    return record, last


@grader("pytorch-loop", points=1)
def test_no_grad_predict_builds_no_graph(student, rng):
    """The input of the last Linear during no_grad_predict (model.train() before the call):
    no graph (requires_grad False: built under torch.no_grad()), and the eval-mode hidden
    activations computed here from the same seeded model (Dropout off, running statistics)."""
    x = torch.from_numpy(rng.standard_normal((5, 6)).astype(np.float32))
    model = _model(student)
    model.train()
    record, last = _record_last_input(student, model)
    out = student.call(f"{MODULE}:no_grad_predict", model, x)
    seen = record.get(last)
    what = "no_grad_predict(model, x): the input of the model's last Linear during forward"
    hint = tr("출력을 detach하는 것만으로는 그래프가 이미 만들어진 뒤입니다: "
              "with torch.no_grad(): 안에서 호출하세요",
              "detaching the output is too late, the graph was already built: call the model "
              "inside `with torch.no_grad():`")
    if not isinstance(seen, tuple) or not seen or not isinstance(seen[0], torch.Tensor):
        raise failure(what, tr("forward 1회", "one forward call"),
                      tr("호출 없음", "no call"), tr("모델을 호출하세요",
                                                           "call the model"))
    if seen[0].requires_grad:
        raise failure(what, "requires_grad == False (torch.no_grad())", "requires_grad == True",
                      hint)
    here = builders.seeded_mlp(6, 16, 4, seed=2, dropout=0.5, warmup=3).eval()
    with torch.no_grad():
        hidden = here[:-1](x)
    assert_close(seen[0], hidden, rtol=1e-5, atol=1e-6,
                 what=f"{what} (model.train() before the call)",
                 hint=tr("model.eval()을 먼저 부르세요: Dropout이 꺼지고 BatchNorm이 누적 통계를 씁니다",
                         "call model.eval() first: Dropout switches off and BatchNorm uses its "
                         "running statistics"))
    if out.requires_grad:
        raise failure("no_grad_predict(...).requires_grad", "False", "True", hint)


def _training_flags(model) -> list[bool]:
    """`training` of the model and of every submodule, read through handles."""
    return [bool(m.training) for m in model.modules()]


@pytest.mark.parametrize("start", ["train", "eval"])
@grader("pytorch-loop", points=1)
def test_no_grad_predict_restores_the_mode(student, rng, start):
    x = torch.from_numpy(rng.standard_normal((4, 6)).astype(np.float32))
    model = _model(student)
    model.train(start == "train")
    out = student.call(f"{MODULE}:no_grad_predict", model, x)
    here = builders.seeded_mlp(6, 16, 4, seed=2, dropout=0.5, warmup=3).eval()
    with torch.no_grad():  # restoring a mode counts only from a function that predicts
        assert_close(out, here(x), rtol=1e-5, atol=1e-6,
                     what=f"no_grad_predict(model, x) (model.{start}() before)",
                     hint=tr("model.eval()과 torch.no_grad()로 예측하세요",
                             "predict under model.eval() and torch.no_grad()"))
    flags = _training_flags(model)
    want = start == "train"
    if any(flag != want for flag in flags):
        raise failure(f"model.training after no_grad_predict (model.{start}() before)",
                      f"{want} ({start} mode, as before the call)",
                      f"model.training={flags[0]}, submodules in train mode: "
                      f"{sum(flags[1:])}/{len(flags) - 1}",
                      tr("호출 전에 was_training = model.training을 저장했다가 끝에 "
                         "model.train(was_training)으로 되돌리세요",
                         "save was_training = model.training first and call "
                         "model.train(was_training) at the end"))
