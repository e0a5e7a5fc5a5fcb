"""Graders for ch09.training_tricks (checklist item from the curriculum's mapping).

Each test builds the same seeded model, data and optimizer in the submission (plain torch from
dldrill.childkit) and here, runs the learner's function there and the answer key here, and
compares numbers: the loss and the weights after a mixed-precision step, the accumulated
gradients against ONE big batch's gradients computed here with autograd, the total norm and the
weights after clipping, and a TorchScript file reloaded in the submission (never here) against the
original model's eval-mode outputs computed here. The CUDA path (float16 + GradScaler) and ONNX are
graded in test_training_tricks_elsewhere.py, where a GPU / the onnx package exists.

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- autocast with float16 on the CPU (bfloat16 is the CPU's mixed precision)
  (test_train_step_amp_autocasts_to_bfloat16_on_cpu; ch09_tricks_float16_on_cpu)
- no autocast at all: everything in float32 (test_train_step_amp_autocasts_to_bfloat16_on_cpu;
  ch09_tricks_no_autocast)
- accumulation without dividing each loss by accum_steps: gradients accum_steps times too big
  (test_accumulated_grads_equal_the_big_batch; ch09_tricks_accum_not_divided)
- accumulation without zeroing the gradients first: an earlier backward leaks in
  (test_accumulated_grads_equal_the_big_batch; ch09_tricks_accum_no_zero_grad)
- clipping after optimizer.step(): the step uses the unclipped gradients
  (test_clip_and_step_clips_before_the_step; ch09_tricks_clip_after_step)
- TorchScript traced in train mode: Dropout and batch statistics frozen into the file
  (test_export_torchscript_reloads_to_the_same_outputs; ch09_tricks_trace_in_train_mode)
"""

import numpy as np
import torch

from dldrill.childkit import builders
from dldrill.grading import assert_close, failure, grader, tr

M = "ch09.training_tricks"
B = "dldrill.childkit.builders"
K = "dldrill.childkit.ch09"


def _data(rng, n: int, d: int = 6, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((n, d)).astype(np.float32)
    return X, rng.integers(0, classes, n)


def _weights_close(got: dict, expected: dict, what: str, hint, rtol=1e-4, atol=1e-6) -> None:
    if list(got) != list(expected):
        raise failure(f"{what}: state_dict keys", str(list(expected)), str(list(got)), hint)
    for key in expected:
        assert_close(got[key], expected[key], rtol=rtol, atol=atol, what=f"{what}: {key}",
                     hint=hint)


@grader(points=3)
def test_train_step_amp_autocasts_to_bfloat16_on_cpu(student, reference, rng):
    """device="cpu", no scaler: the forward runs under autocast in bfloat16 (recorded inside
    forward by a spy), and the step updates the weights as the answer key's does."""
    X, y = _data(rng, 16)
    x, t = torch.from_numpy(X), torch.from_numpy(y)
    hint = tr("CPU에서는 with torch.autocast(device_type='cpu', dtype=torch.bfloat16): 안에서 "
              "순전파와 손실을 계산하세요", "on the CPU compute the forward pass and the loss inside "
              "with torch.autocast(device_type='cpu', dtype=torch.bfloat16):")
    sides = []
    for side in (student, reference):
        model = side.call(f"{B}:seeded_mlp", 6, 16, 3, seed=1, batchnorm=False)
        wrapped = side.call(f"{K}:dtype_spy", model)
        opt = side.call(f"{B}:make_optimizer", wrapped, "sgd", lr=0.5)
        crit = side.call("torch.nn:CrossEntropyLoss")
        loss = side.call(f"{M}:train_step_amp", wrapped, (x, t), opt, crit, device="cpu")
        sides.append((wrapped, loss))
    (mine, got_loss), (ref, expected_loss) = sides
    calls = mine.calls
    what = "train_step_amp(model, batch, optimizer, criterion, device='cpu')"
    if len(calls) != 1:
        raise failure(f"{what}: forward calls", "1", str(len(calls)),
                      tr("한 스텝에 순전파 한 번", "one forward pass per step"))
    linear = [d for kind, d in calls[0]["dtypes"] if kind == "Linear"]
    if not calls[0]["autocast_cpu"] or linear != ["bfloat16", "bfloat16"]:
        raise failure(f"{what}: inside forward", "autocast on, Linear outputs bfloat16",
                      f"autocast {'on' if calls[0]['autocast_cpu'] else 'off'}, Linear outputs "
                      f"{', '.join(linear)}", hint)
    if not calls[0]["training"]:
        raise failure(f"{what}: model.training inside forward", "True", "False",
                      tr("학습 스텝은 train 모드에서", "a training step runs in train mode"))
    assert_close(got_loss, expected_loss, rtol=1e-3, what=f"{what}: the returned loss", hint=hint)
    before = builders.state_of(builders.seeded_mlp(6, 16, 3, seed=1, batchnorm=False))
    after = student.call(f"{B}:state_of", mine)
    if all(torch.equal(torch.as_tensor(after[f"inner.{k}"]), before[k]) for k in before):
        raise failure(f"{what}: the weights after the step", tr("바뀜", "changed").render(),
                      tr("그대로", "unchanged").render(),
                      tr("backward 다음 optimizer.step()", "optimizer.step() after backward"))
    _weights_close(after, reference.call(f"{B}:state_of", ref), f"{what}: the weights after "
                   "the step", tr("autocast 밖에서 loss.backward(), optimizer.step()",
                                  "loss.backward() and optimizer.step() outside autocast"),
                   rtol=1e-3, atol=1e-5)


@grader(points=3)
def test_accumulated_grads_equal_the_big_batch(student, rng):
    """4 micro-batches of 8 (mean-reduced CrossEntropyLoss), accum_steps=4, vs autograd on the
    32 samples as one batch, here. Called twice: the second call starts from zero gradients too."""
    X, y = _data(rng, 32)
    ref = builders.seeded_mlp(6, 16, 3, seed=2, batchnorm=False)
    torch.nn.functional.cross_entropy(ref(torch.from_numpy(X)), torch.from_numpy(y)).backward()
    expected = {n: p.grad.clone() for n, p in ref.named_parameters()}
    model = student.call(f"{B}:seeded_mlp", 6, 16, 3, seed=2, batchnorm=False)
    crit = student.call("torch.nn:CrossEntropyLoss")
    batches = student.call(f"{K}:micro_batches", X, y, 4)
    hint = tr("마이크로배치마다 (criterion(model(x), y) / accum_steps).backward(); 시작할 때 "
              "model.zero_grad()", "per micro-batch (criterion(model(x), y) / accum_steps)"
              ".backward(); model.zero_grad() at the start")
    for call in ("first", "second"):
        got = student.call(f"{M}:accumulated_grads", model, batches, crit, 4)
        if not isinstance(got, dict) or sorted(got) != sorted(expected):
            raise failure(f"accumulated_grads(...) ({call} call): keys", str(sorted(expected)),
                          repr(sorted(got) if isinstance(got, dict) else got)[:200],
                          tr("{파라미터 이름: 기울기 복사본}", "{parameter name: a copy of its grad}"))
        for name in expected:
            assert_close(got[name], expected[name], rtol=1e-4, atol=1e-6,
                         what=f"accumulated_grads(model, 4 micro-batches of 8, criterion, "
                              f"accum_steps=4) ({call} call) vs one batch of 32: grad of {name}",
                         hint=hint)


@grader(points=2)
def test_clip_and_step_clips_before_the_step(student, reference, rng):
    """Gradients of 40 × the loss (total norm about 20), plain SGD lr=1, max_norm=0.5: the
    weights move by exactly 0.5 in norm; the returned number is the norm before clipping."""
    X, y = _data(rng, 24)
    results = []
    for side in (student, reference):
        model = side.call(f"{B}:seeded_mlp", 6, 16, 3, seed=3, batchnorm=False)
        side.call(f"{K}:backward_on", model, X, y, scale=40.0)
        before = side.call(f"{B}:state_of", model)
        opt = side.call(f"{B}:make_optimizer", model, "sgd", lr=1.0)
        norm = side.call(f"{M}:clip_and_step", model, opt, 0.5)
        results.append((norm, before, side.call(f"{B}:state_of", model)))
    (norm, before, after), (ref_norm, _, ref_after) = results
    hint = tr("loss.backward() 뒤, optimizer.step() 전에 clip_grad_norm_(model.parameters(), "
              "max_norm); 그 반환값(자르기 전 노름)을 돌려주세요",
              "clip_grad_norm_(model.parameters(), max_norm) after backward and BEFORE "
              "optimizer.step(); return its result (the norm before clipping)")
    assert_close(norm, ref_norm, rtol=1e-4, what="clip_and_step(model, SGD(lr=1), max_norm=0.5): "
                 "the returned total norm", hint=hint)
    moved = float(np.sqrt(sum(float(((torch.as_tensor(after[k]) - torch.as_tensor(before[k]))
                                     ** 2).sum()) for k in before)))
    assert_close(moved, 0.5, rtol=1e-3, what="norm of the weight change after clip_and_step "
                 "(SGD lr=1, max_norm=0.5)", hint=hint)
    _weights_close(after, ref_after, "the weights after clip_and_step", hint)


@grader(points=2)
def test_export_torchscript_reloads_to_the_same_outputs(student, rng):
    """A model with BatchNorm (running statistics warmed up) and Dropout(0.5), handed over in
    train mode; the file is reloaded with torch.jit.load in the submission (never here) and run on
    new inputs; the outputs must equal the eval-mode model's, computed here."""
    X, _ = _data(rng, 5)
    example, x_new = torch.from_numpy(X[:4]), torch.from_numpy(X[::-1].copy())
    model = student.call(f"{B}:seeded_mlp", 6, 16, 3, seed=4, dropout=0.5, warmup=3)
    model.train()
    path = student.call(f"{B}:scratch_file", "model_ts.pt")
    student.call(f"{M}:export_torchscript", model, example, path)
    loaded = student.call("torch.jit:load", path)
    got = loaded(x_new)
    ref = builders.seeded_mlp(6, 16, 3, seed=4, dropout=0.5, warmup=3)
    ref.eval()
    with torch.no_grad():
        expected = ref(x_new)
    assert_close(got, expected, rtol=1e-5, atol=1e-6,
                 what="torch.jit.load(export_torchscript(model, example, path))(x (5, 6)) vs "
                      "model.eval()(x)",
                 hint=tr("trace 전에 model.eval(): Dropout을 끄고 BatchNorm의 누적 통계를 쓰도록",
                         "model.eval() before tracing: Dropout off, BatchNorm's running "
                         "statistics"))
