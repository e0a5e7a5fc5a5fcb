"""Graders for ch09.training_tricks (checklist item from the curriculum's mapping).

Nothing runs in the child but the learner's functions and library code driven through handles:
the model is a plain nn.Sequential (`dldrill.childkit.builders:seeded_mlp`, the same layers a
learner would build), the optimizer `torch.optim.SGD` over `model.parameters()`, gradients are
put in place with `torch.autograd.backward(model.parameters(), grads)` where the grads are
computed here, and the weights come back with `model.state_dict()`. Every expected value is
computed here with the grader's own copy of the model:
- train_step_amp: the loss and the weights (and BatchNorm's running statistics) after one step
  from a model handed over in *eval* mode with stale gradients, against the step computed here
  under bfloat16 autocast in train mode; the nearest wrong recipe (float32, float16 autocast,
  eval mode, stale gradients) is named in the failure. With a CPU `GradScaler` (the scaler
  logic does not need CUDA): the same weights, and the scaler stepped and updated once.
- accumulated_grads: against ONE big batch's gradients computed here; no step is taken.
- clip_and_step: gradients of 40 × the loss (set from here), the norm and the weights after the
  step computed here; and small gradients (norm below max_norm) that must not be rescaled.
- export_torchscript: the file's bytes come back and are loaded and run in an artifact process
  (confined, no submission code; `dldrill.sandbox.artifacts`), never in the child, and compared
  with the eval-mode model's outputs computed here.
The CUDA path (float16 + GradScaler) and ONNX are graded in test_training_tricks_elsewhere.py,
where a GPU / the onnx package exists.

Attack that earns nothing here (fixtures/submissions/attacks): the old child-side helpers
(dtype_spy, backward_on) and torch.jit.load replaced at import (ch09_tricks_old_helpers_patched).
"""

import numpy as np
import torch

from dldrill.childkit import builders
from dldrill.grading import assert_close, failure, grader, tr

MODULE = "ch09.training_tricks"
BUILDERS = "dldrill.childkit.builders"
ARTIFACTS = "dldrill.sandbox.artifacts"
# The loss tells the precision apart (bfloat16's rounding moves it by about 4e-4, relative); the
# weights after the step tell the rest (stale gradients, a scaler not unscaled: far off). A
# bfloat16 backward may round one gradient element one step differently on another thread count.
L_RTOL, W_RTOL, W_ATOL = 2e-5, 1e-2, 2e-3
HINT_AMP = tr("CPU에서는 model.train(), optimizer.zero_grad() 뒤 with torch.autocast(device_type='cpu', "
              "dtype=torch.bfloat16): 안에서 순전파와 손실, 밖에서 backward와 step",
              "on the CPU: model.train(), optimizer.zero_grad(), then the forward pass and the loss "
              "inside with torch.autocast(device_type='cpu', dtype=torch.bfloat16):, backward "
              "and step outside")


def _data(rng, n: int, d: int = 6, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((n, d)).astype(np.float32)
    return X, rng.integers(0, classes, n)


def _weights_close(got, expected: dict, what: str, hint, rtol=1e-4, atol=1e-6) -> None:
    if not isinstance(got, dict) or list(got) != list(expected):
        raise failure(f"{what}: state_dict keys", str(list(expected)),
                      str(list(got) if isinstance(got, dict) else type(got).__name__), hint)
    for key in expected:
        assert_close(got[key], expected[key], rtol=rtol, atol=atol, what=f"{what}: {key}",
                     hint=hint)


def _set_grads(student, model, grads: list[torch.Tensor]) -> None:
    """p.grad = g for the child's model, in parameter order: `model.zero_grad()` then
    `torch.autograd.backward(model.parameters(), grads)` (library calls through handles)."""
    model.zero_grad()
    student.call("torch.autograd:backward", model.parameters(), grad_tensors=grads)


def _amp_step(X, y, *, dtype=torch.bfloat16, train=True, stale=None, scaler=False):
    """One step of the documented recipe, here: (loss, state_dict after the step), on one
    thread like the child (`--threads 1`)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _amp_step_here(X, y, dtype=dtype, train=train, stale=stale, scaler=scaler)
    finally:
        torch.set_num_threads(threads)


def _amp_step_here(X, y, *, dtype, train, stale, scaler):
    model = builders.seeded_mlp(6, 16, 3, seed=1, batchnorm=True, warmup=3)
    model.eval()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    if stale is not None:
        for p, g in zip(model.parameters(), stale, strict=True):
            p.grad = g.clone()
    model.train(train)
    if stale is None:
        opt.zero_grad()
    x, t = torch.from_numpy(X), torch.from_numpy(y)
    if dtype is None:
        loss = torch.nn.functional.cross_entropy(model(x), t)
    else:
        with torch.autocast(device_type="cpu", dtype=dtype):
            loss = torch.nn.functional.cross_entropy(model(x), t)
    if scaler:
        gs = torch.amp.GradScaler("cpu")
        gs.scale(loss).backward()
        gs.step(opt)
        gs.update()
    else:
        loss.backward()
        opt.step()
    return float(loss.detach()), {k: v.detach().clone() for k, v in model.state_dict().items()}


def _student_amp_step(student, X, y, stale, scaler=None):
    model = student.call(f"{BUILDERS}:seeded_mlp", 6, 16, 3, seed=1, batchnorm=True, warmup=3)
    model.eval()  # the documented "the model is in train mode" must be the function's doing
    opt = student.call("torch.optim:SGD", model.parameters(), lr=0.5)
    _set_grads(student, model, stale)  # stale gradients: the step must start from zero
    crit = student.call("torch.nn:CrossEntropyLoss")
    batch = (torch.from_numpy(X), torch.from_numpy(y))
    if scaler is None:
        loss = student.call(f"{MODULE}:train_step_amp", model, batch, opt, crit, device="cpu")
    else:
        loss = student.call(f"{MODULE}:train_step_amp", model, batch, opt, crit, scaler=scaler,
                            device="cpu")
    return loss, model.state_dict()


def _diagnosis(got_loss, got_state, X, y, stale):
    """The hint for the nearest wrong recipe, or the general one."""
    candidates = [
        (tr("autocast가 없습니다: 전부 float32로 계산됨", "no autocast: everything ran in float32"),
         _amp_step(X, y, dtype=None)),
        (tr("CPU에서 float16 autocast: CPU의 혼합 정밀도는 bfloat16입니다",
            "float16 autocast on the CPU: the CPU's mixed precision is bfloat16"),
         _amp_step(X, y, dtype=torch.float16)),
        (tr("model.train()을 부르지 않았습니다: eval 모드로 받은 모델이 그대로 (BatchNorm이 누적 통계)",
            "model.train() not called: the model handed over in eval mode stayed there "
            "(BatchNorm on its running statistics)"), _amp_step(X, y, train=False)),
        (tr("optimizer.zero_grad()를 먼저 하지 않았습니다: 남아 있던 기울기가 섞임",
            "no optimizer.zero_grad() first: the gradients already there were added in"),
         _amp_step(X, y, stale=stale)),
    ]
    for hint, (loss, state) in candidates:
        if isinstance(got_loss, (int, float)) and abs(float(got_loss) - loss) <= L_RTOL * abs(loss) \
                and isinstance(got_state, dict) and list(got_state) == list(state) and all(
                    torch.allclose(torch.as_tensor(got_state[k]).float(), v.float(),
                                   rtol=W_RTOL, atol=W_ATOL) for k, v in state.items()):
            return hint
    return HINT_AMP


def _stale(rng) -> list[torch.Tensor]:
    model = builders.seeded_mlp(6, 16, 3, seed=1, batchnorm=True)
    return [torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32))
            for p in model.parameters()]


def _amp_data(rng) -> tuple[np.ndarray, np.ndarray]:
    X, y = _data(rng, 16)
    return X * 3, y  # logits far enough from 0 that bfloat16's rounding shows in the loss


@grader(points=3)
def test_train_step_amp_autocasts_to_bfloat16_on_cpu(student, rng):
    """device="cpu", no scaler, a model with BatchNorm handed over in eval mode with stale
    gradients: the returned loss and the weights and running statistics after the step equal
    one step computed here in train mode, from zero gradients, with the forward pass and the
    loss under bfloat16 autocast (float32, float16 and a missing model.train() or zero_grad()
    each give other numbers: bfloat16's rounding moves this loss by about 4e-4, the tolerance
    is 2e-5; stale gradients and eval mode move the weights and statistics far more than their
    tolerance)."""
    X, y = _amp_data(rng)
    stale = _stale(rng)
    loss, state = _student_amp_step(student, X, y, stale)
    expected_loss, expected_state = _amp_step(X, y)
    what = "train_step_amp(model in eval mode with stale grads, batch, SGD, criterion, device='cpu')"
    hint = _diagnosis(loss, state, X, y, stale)
    if isinstance(loss, bool) or not isinstance(loss, (int, float)):
        raise failure(f"{what}: the returned loss", "a float", type(loss).__name__,
                      tr("float(loss)을 돌려주세요", "return float(loss)"))
    assert_close(loss, expected_loss, rtol=L_RTOL, atol=0, what=f"{what}: the returned loss",
                 hint=hint)
    _weights_close(state, expected_state, f"{what}: the state after the step", hint,
                   rtol=W_RTOL, atol=W_ATOL)


@grader(points=2)
def test_train_step_amp_uses_the_grad_scaler_on_cpu(student, rng):
    """A scaler is passed (`torch.amp.GradScaler("cpu")`: the scaler's logic needs no GPU):
    `scaler.scale(loss).backward()`, `scaler.step(optimizer)`, `scaler.update()`. The weights
    after the step equal the unscaled step computed here (a power-of-two scale is exact), and
    the scaler's state says one successful step was taken and updated (`_growth_tracker` 1)."""
    X, y = _amp_data(rng)
    stale = _stale(rng)
    scaler = student.call("torch.amp:GradScaler", "cpu")
    loss, state = _student_amp_step(student, X, y, stale, scaler=scaler)
    expected_loss, expected_state = _amp_step(X, y, scaler=True)
    what = ("train_step_amp(model, batch, SGD, criterion, scaler=GradScaler('cpu'), "
            "device='cpu')")
    hint = tr("scaler가 있으면 scaler.scale(loss).backward(), scaler.step(optimizer), "
              "scaler.update() — 장치와 상관없이",
              "with a scaler: scaler.scale(loss).backward(), scaler.step(optimizer), "
              "scaler.update() — whatever the device")
    assert_close(loss, expected_loss, rtol=L_RTOL, atol=0,
                 what=f"{what}: the returned loss (unscaled)",
                 hint=tr("돌려주는 손실은 키우기 전의 값", "the loss returned is the unscaled one"))
    _weights_close(state, expected_state, f"{what}: the state after the step", tr(
        "scaler.scale(loss)로 키운 기울기는 scaler.step(optimizer)가 되돌린 뒤 적용합니다 — "
        "optimizer.step()을 직접 부르면 65536배 큰 기울기로 갑니다",
        "scaler.step(optimizer) unscales the gradients of scaler.scale(loss) before stepping — "
        "optimizer.step() itself would use gradients 65536 times too big"), rtol=W_RTOL, atol=W_ATOL)
    scaler_state = scaler.state_dict()
    tracker = scaler_state.get("_growth_tracker") if isinstance(scaler_state, dict) else None
    if tracker != 1:
        raise failure(f"{what}: the GradScaler's successful steps since its last update",
                      "1 (scale, step and update each called once)", repr(tracker)[:80], hint)


@grader(points=3)
def test_accumulated_grads_equal_the_big_batch(student, rng):
    """4 micro-batches of 8 (mean-reduced CrossEntropyLoss), accum_steps=4, vs autograd on the
    32 samples as one batch, here. Called twice: the second call starts from zero gradients too.
    No optimizer step is taken: the weights are unchanged."""
    X, y = _data(rng, 32)
    ref = builders.seeded_mlp(6, 16, 3, seed=2, batchnorm=False)
    before = {k: v.clone() for k, v in ref.state_dict().items()}
    torch.nn.functional.cross_entropy(ref(torch.from_numpy(X)), torch.from_numpy(y)).backward()
    expected = {n: p.grad.clone() for n, p in ref.named_parameters()}
    model = student.call(f"{BUILDERS}:seeded_mlp", 6, 16, 3, seed=2, batchnorm=False)
    crit = student.call("torch.nn:CrossEntropyLoss")
    xs, ys = torch.from_numpy(X).chunk(4), torch.from_numpy(y).chunk(4)
    batches = [(a, b) for a, b in zip(xs, ys, strict=True)]
    hint = tr("마이크로배치마다 (criterion(model(x), y) / accum_steps).backward(); 시작할 때 "
              "model.zero_grad()", "per micro-batch (criterion(model(x), y) / accum_steps)"
              ".backward(); model.zero_grad() at the start")
    for call in ("first", "second"):
        got = student.call(f"{MODULE}:accumulated_grads", model, batches, crit, 4)
        if not isinstance(got, dict) or sorted(got) != sorted(expected):
            raise failure(f"accumulated_grads(...) ({call} call): keys", str(sorted(expected)),
                          repr(sorted(got) if isinstance(got, dict) else got)[:200],
                          tr("{파라미터 이름: 기울기 복사본}", "{parameter name: a copy of its grad}"))
        for name in expected:
            assert_close(got[name], expected[name], rtol=1e-4, atol=1e-6,
                         what=f"accumulated_grads(model, 4 micro-batches of 8, criterion, "
                              f"accum_steps=4) ({call} call) vs one batch of 32: grad of {name}",
                         hint=hint)
    _weights_close(model.state_dict(), before, "the weights after accumulated_grads",
                   tr("optimizer.step()은 하지 않습니다: 기울기만 모읍니다",
                      "no optimizer step: only the gradients are gathered"), rtol=0, atol=0)


def _clip_case(student, X, y, scale: float, max_norm: float):
    """Gradients of `scale` × the loss computed here, set in the child's model; clip_and_step
    with SGD(lr=1); returns (returned norm, state after, expected norm, expected state)."""
    ref = builders.seeded_mlp(6, 16, 3, seed=3, batchnorm=False)
    (scale * torch.nn.functional.cross_entropy(ref(torch.from_numpy(X)),
                                               torch.from_numpy(y))).backward()
    grads = [p.grad.clone() for p in ref.parameters()]
    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))
    factor = min(1.0, max_norm / (total + 1e-6))
    with torch.no_grad():
        for p, g in zip(ref.parameters(), grads, strict=True):
            p -= g * factor
    expected = {k: v.detach().clone() for k, v in ref.state_dict().items()}
    model = student.call(f"{BUILDERS}:seeded_mlp", 6, 16, 3, seed=3, batchnorm=False)
    _set_grads(student, model, grads)
    opt = student.call("torch.optim:SGD", model.parameters(), lr=1.0)
    norm = student.call(f"{MODULE}:clip_and_step", model, opt, max_norm)
    return norm, model.state_dict(), total, expected


@grader(points=2)
def test_clip_and_step_clips_before_the_step(student, rng):
    """Gradients of 40 × the loss (total norm about 20), plain SGD lr=1, max_norm=0.5: the
    weights move by exactly 0.5 in norm; the returned number is the norm before clipping. Then
    gradients of 0.01 × the loss (norm below max_norm): they are used as they are."""
    X, y = _data(rng, 24)
    hint = tr("loss.backward() 뒤, optimizer.step() 전에 clip_grad_norm_(model.parameters(), "
              "max_norm); 그 반환값(자르기 전 노름)을 돌려주세요",
              "clip_grad_norm_(model.parameters(), max_norm) after backward and BEFORE "
              "optimizer.step(); return its result (the norm before clipping)")
    norm, after, total, expected = _clip_case(student, X, y, 40.0, 0.5)
    assert_close(norm, total, rtol=1e-4, what="clip_and_step(model, SGD(lr=1), max_norm=0.5): "
                 "the returned total norm", hint=hint)
    before = builders.seeded_mlp(6, 16, 3, seed=3, batchnorm=False).state_dict()
    if not isinstance(after, dict) or list(after) != list(before):
        raise failure("the state after clip_and_step", str(list(before)), repr(after)[:120], hint)
    moved = float(np.sqrt(sum(float(((torch.as_tensor(after[k]) - before[k]) ** 2).sum())
                              for k in before)))
    assert_close(moved, 0.5, rtol=1e-3, what="norm of the weight change after clip_and_step "
                 "(SGD lr=1, max_norm=0.5)", hint=hint)
    _weights_close(after, expected, "the weights after clip_and_step", hint)
    norm, after, total, expected = _clip_case(student, X, y, 0.01, 0.5)
    what = f"clip_and_step(max_norm=0.5) with gradients of norm {total:.4f} (below max_norm)"
    hint_small = tr("노름이 max_norm 이하면 기울기를 그대로 씁니다 (늘리지 않음)",
                    "at or below max_norm the gradients are used as they are (never scaled up)")
    assert_close(norm, total, rtol=1e-4, what=f"{what}: the returned norm", hint=hint_small)
    _weights_close(after, expected, f"{what}: the weights after the step", hint_small)


def _file_bytes(student, path: str, limit: int = 64 << 20):
    """The bytes of a file the child wrote (`open(path, "rb").read(limit)` through handles)."""
    f = student.call("builtins:open", path, "rb")
    try:
        return f.read(limit)
    finally:
        f.close()


@grader(points=2)
def test_export_torchscript_reloads_to_the_same_outputs(student, artifacts, rng):
    """A model with BatchNorm (running statistics warmed up) and Dropout(0.5), handed over in
    train mode; the file's bytes come back and are loaded with torch.jit.load and run on new
    inputs in an artifact process (never in the child, never unconfined here); the outputs
    must equal the eval-mode model's, computed here."""
    artifacts.prepare("torch")
    X, _ = _data(rng, 5)
    example, x_new = torch.from_numpy(X[:4]), torch.from_numpy(X[::-1].copy())
    model = student.call(f"{BUILDERS}:seeded_mlp", 6, 16, 3, seed=4, dropout=0.5, warmup=3)
    model.train()
    path = student.call(f"{BUILDERS}:scratch_file", "model_ts.pt")
    student.call(f"{MODULE}:export_torchscript", model, example, path)
    what = "torch.jit.load(export_torchscript(model, example, path))(x (5, 6))"
    data = _file_bytes(student, path)
    hint = tr("trace 전에 model.eval(): Dropout을 끄고 BatchNorm의 누적 통계를 쓰도록",
              "model.eval() before tracing: Dropout off, BatchNorm's running statistics")
    if not isinstance(data, bytes) or not data:
        raise failure("the file at path after export_torchscript", tr("TorchScript 파일",
                      "a TorchScript file"), repr(data)[:80],
                      tr("traced.save(str(path))", "traced.save(str(path))"))
    from dldrill.errors import StudentError

    with artifacts.process({"model_ts.pt": data}, "torch", budget=20.0) as proc:
        try:
            loaded = proc.call("torch.jit:load", proc.path("model_ts.pt"), map_location="cpu")
            got = proc.call(f"{ARTIFACTS}:forward", loaded, x_new)
        except StudentError as err:
            raise failure(what, tr("TorchScript로 다시 불러 실행됨", "reloads and runs as "
                                   "TorchScript"),
                          f"{err.type_name}: {str(err.message).splitlines()[-1][:200]}",
                          tr("torch.jit.trace(model, example).save(str(path))",
                             "torch.jit.trace(model, example).save(str(path))")) from None
    ref = builders.seeded_mlp(6, 16, 3, seed=4, dropout=0.5, warmup=3)
    ref.eval()
    with torch.no_grad():
        expected = ref(x_new)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, what=f"{what} vs model.eval()(x)",
                 hint=hint)
