"""Graders for ch03.autograd_basics (checklist: pytorch-loop).

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- grad_of calling `.backward()` on x itself: x.grad is filled (and an existing x.grad is added
  to) (test_grad_of_leaves_x_grad_untouched; ch03_grad_of_fills_x_grad)
- no_grad_predict leaving the model in eval mode (the previous mode not restored)
  (test_no_grad_predict_restores_the_mode; ch03_no_grad_predict_no_restore)
- no_grad_predict detaching the output instead of running under torch.no_grad(): the graph is
  still built (test_no_grad_predict_builds_no_graph; ch03_no_grad_predict_detach_only)
- grad_of copying x without requires_grad_(True): autograd.grad has nothing to differentiate
  (test_grad_of_curriculum_example, test_grad_of_matches_central_differences,
  test_grad_of_leaves_x_grad_untouched; ch03_grad_of_copy_without_requires_grad)
- no_grad_predict under torch.no_grad() but without model.eval(): Dropout on, BatchNorm on batch
  statistics (test_no_grad_predict_gives_eval_mode_outputs, test_no_grad_predict_builds_no_graph;
  ch03_no_grad_predict_without_eval)
- no_grad_predict ending with model.train() instead of restoring the previous mode
  (test_no_grad_predict_restores_the_mode[eval]; ch03_no_grad_predict_train_at_end)
Also graded: the curriculum's example, gradients against central differences (float64), eval-mode
outputs (Dropout off, BatchNorm running statistics).
"""

import numpy as np
import pytest
import torch

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

M = "ch03.autograd_basics"
B = "dldrill.childkit.builders"

# NumPy twins of dldrill.childkit.builders.SCALAR_FUNCTIONS, for central differences here.
NUMPY_TWINS = {
    "sin_square": lambda x: np.sum(np.sin(x) * x**2),
    "logsumexp": lambda x: np.log(np.sum(np.exp(x))),
    "product_mix": lambda x: np.sum(x**3) / 3 + np.sum(x[..., :1] * x),
}
HINT_GRAD = tr("x의 복사본에 requires_grad를 켜고 torch.autograd.grad(f(x_copy), x_copy)를 쓰세요",
               "make a copy of x that requires grad and use torch.autograd.grad(f(x_copy), x_copy)")


def _to_list(t):
    return [round(float(v), 6) for v in np.asarray(t).ravel()]


def _fn(sub, name):
    return sub.call(f"{B}:scalar_function", name)


@grader("pytorch-loop", points=1)
def test_grad_of_curriculum_example(student):
    """y = x0**2 + 2*x1 at x = [2, 3] has gradient [4, 2] (curriculum 3-3)."""
    got = student.call(f"{M}:grad_of", _fn(student, "curriculum"), torch.tensor([2.0, 3.0]))
    what = "grad_of(y = x0**2 + 2*x1, x=[2, 3])"
    assert_close(got, torch.tensor([4.0, 2.0]), what=what, hint=HINT_GRAD)


@pytest.mark.parametrize("name,shape", [("sin_square", (5,)), ("logsumexp", (3, 4)),
                                        ("product_mix", (2, 3))])
@grader("pytorch-loop", points=1)
def test_grad_of_matches_central_differences(student, rng, name, shape):
    x = rng.uniform(-2, 2, size=shape)
    got = student.call(f"{M}:grad_of", _fn(student, name), torch.from_numpy(x.copy()))
    what = f"grad_of({name}, x float64 {shape})"
    assert_shape(got, shape, what, tr("기울기는 x와 같은 shape입니다", "the gradient has x's shape"))
    assert_dtype(got, torch.float64, what, tr("x의 dtype(float64)을 유지하세요",
                                              "keep x's dtype (float64)"))
    check_gradient(got, numerical_gradient(NUMPY_TWINS[name], x.copy()), what=what,
                   threshold=1e-7, hint=HINT_GRAD)


@grader("pytorch-loop", points=2)
def test_grad_of_leaves_x_grad_untouched(student):
    """Runs inside the submission: x requires grad, with and without an existing x.grad."""
    grad_of = student.get(f"{M}:grad_of")
    f = _fn(student, "curriculum")
    hint = tr("x.backward 대신 복사본과 torch.autograd.grad를 쓰면 x.grad에 쌓이지 않습니다",
              "use a copy and torch.autograd.grad instead of backward on x: nothing accumulates "
              "in x.grad")
    probe = "dldrill.childkit.probes:grad_side_effects"
    for requires_grad, existing in ((True, None), (True, [7.0, -1.0]), (False, None)):
        out = student.call(probe, grad_of, f, [2.0, 3.0], requires_grad=requires_grad,
                           existing_grad=existing)
        setup = (f"x = tensor([2., 3.], requires_grad={requires_grad})"
                 + (f", x.grad = {existing}" if existing else ""))
        assert_close(out["grad"], torch.tensor([4.0, 2.0], dtype=torch.float64),
                     what=f"grad_of(x0**2 + 2*x1, x) with {setup}", hint=hint)
        want = "None" if existing is None else f"tensor({existing})"
        got_grad = out["x_grad"]
        if existing is None and got_grad is not None:
            raise failure(f"x.grad after grad_of(f, x), {setup}", want,
                          f"tensor({_to_list(got_grad)})", hint)
        if existing is not None:
            if got_grad is None:
                raise failure(f"x.grad after grad_of(f, x), {setup}", want, "None", hint)
            assert_close(got_grad, torch.tensor(existing, dtype=torch.float64),
                         what=f"x.grad after grad_of(f, x), {setup}", hint=hint)
        if not torch.equal(out["x_after"], torch.tensor([2.0, 3.0], dtype=torch.float64)):
            raise failure(f"x after grad_of(f, x), {setup}", "[2.0, 3.0]",
                          tr("x의 값이 바뀜", "x's values changed").render(), hint)


def _model(sub, seed=2):
    """A Linear-BatchNorm-ReLU-Dropout-Linear model whose train and eval outputs differ."""
    return sub.call(f"{B}:seeded_mlp", 6, 16, 4, seed=seed, dropout=0.5, warmup=3)


@grader("pytorch-loop", points=2)
def test_no_grad_predict_gives_eval_mode_outputs(student, reference, rng):
    x = torch.from_numpy(rng.standard_normal((10, 6)).astype(np.float32))
    model, ref_model = _model(student), _model(reference)
    model.train()
    ref_model.train()
    got = student.call(f"{M}:no_grad_predict", model, x)
    expected = reference.call(f"{M}:no_grad_predict", ref_model, x)
    what = "no_grad_predict(model with Dropout(0.5) and BatchNorm1d, x (10, 6))"
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=what, hint=tr(
        "예측 전에 model.eval()을 부르세요: Dropout이 꺼지고 BatchNorm이 누적 통계를 씁니다",
        "call model.eval() before predicting: Dropout switches off and BatchNorm uses its "
        "running statistics"))
    if got.requires_grad:
        raise failure(what, "requires_grad=False", "requires_grad=True", tr(
            "with torch.no_grad(): 안에서 모델을 호출하세요",
            "call the model inside `with torch.no_grad():`"))


@grader("pytorch-loop", points=1)
def test_no_grad_predict_builds_no_graph(student, rng):
    x = torch.from_numpy(rng.standard_normal((5, 6)).astype(np.float32))
    wrapped = student.call(f"{B}:spy", _model(student))
    wrapped.train()
    out = student.call(f"{M}:no_grad_predict", wrapped, x)
    calls = wrapped.calls
    what = "no_grad_predict(model, x): during model.forward"
    hint = tr("출력을 detach하는 것만으로는 그래프가 이미 만들어진 뒤입니다: "
              "with torch.no_grad(): 안에서 호출하세요",
              "detaching the output is too late, the graph was already built: call the model "
              "inside `with torch.no_grad():`")
    if len(calls) != 1:
        raise failure(what, tr("forward 1회", "one forward call").render(),
                      tr(f"{len(calls)}회", f"{len(calls)} calls").render(),
                      tr("모델을 한 번만 호출하세요", "call the model once"))
    if calls[0]["grad_enabled"]:
        raise failure(what, "torch.is_grad_enabled() == False", "True", hint)
    if calls[0]["training"]:
        raise failure(what, "model.training == False", "True",
                      tr("model.eval()을 먼저 부르세요", "call model.eval() first"))
    if out.requires_grad:
        raise failure("no_grad_predict(...).requires_grad", "False", "True", hint)


@pytest.mark.parametrize("start", ["train", "eval"])
@grader("pytorch-loop", points=1)
def test_no_grad_predict_restores_the_mode(student, rng, start):
    x = torch.from_numpy(rng.standard_normal((4, 6)).astype(np.float32))
    model = _model(student)
    model.train(start == "train")
    student.call(f"{M}:no_grad_predict", model, x)
    flags = student.call(f"{B}:training_flags", model)
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
