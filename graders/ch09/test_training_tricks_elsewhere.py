"""Graders for ch09.training_tricks that need what this machine may lack: a CUDA GPU (float16
autocast with a GradScaler) and the `onnx` package (the ONNX export, run with onnx's reference
evaluator in an artifact process). Elsewhere they are "not verifiable here", never passed.

As in test_training_tricks.py, only the learner's function and library code run in the child,
driven through handles; every expected value is computed here (on the GPU too, for the CUDA
step), and the exported ONNX file's bytes are loaded and run in an artifact process (confined,
no submission code; `dldrill.sandbox.artifacts`), never in the child.

Common mistakes these graders catch:
- bfloat16 (the CPU's choice) or no autocast on CUDA, where the curriculum's recipe is float16
  (test_train_step_amp_float16_with_a_grad_scaler_on_cuda)
- the GradScaler passed but not used: loss.backward() and optimizer.step() unscaled, scaler.update()
  never called (test_train_step_amp_float16_with_a_grad_scaler_on_cuda; on the CPU as well:
  test_training_tricks.py::test_train_step_amp_uses_the_grad_scaler_on_cpu)
- ONNX exported with a fixed batch size (no dynamic_axes)
  (test_export_onnx_reloads_to_the_same_outputs)
"""

import numpy as np
import torch

from dldrill.childkit import builders
from dldrill.errors import StudentError
from dldrill.grading import assert_close, failure, grader, needs, tr

MODULE = "ch09.training_tricks"
BUILDERS = "dldrill.childkit.builders"
ARTIFACTS = "dldrill.sandbox.artifacts"


def _cuda_step(X, y, dtype):
    """One documented step on CUDA here: (loss, state after), with a GradScaler("cuda")."""
    model = builders.seeded_mlp(6, 16, 3, seed=1, batchnorm=False).to("cuda")
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    scaler = torch.amp.GradScaler("cuda")
    x, t = torch.from_numpy(X).cuda(), torch.from_numpy(y).cuda()
    model.train()
    opt.zero_grad()
    if dtype is None:
        loss = torch.nn.functional.cross_entropy(model(x), t)
    else:
        with torch.autocast(device_type="cuda", dtype=dtype):
            loss = torch.nn.functional.cross_entropy(model(x), t)
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    return float(loss.detach().float()), {k: v.detach().cpu() for k, v in model.state_dict().items()}


@needs("cuda", "pytest graders --device cuda on a machine with an NVIDIA GPU")
@grader(points=2, module="training_tricks")
def test_train_step_amp_float16_with_a_grad_scaler_on_cuda(student, rng):
    """On CUDA with `torch.amp.GradScaler("cuda")`: the loss and the weights after the step
    equal the step computed here on the GPU under float16 autocast with the scaler (bfloat16 or
    float32 give other numbers), and the scaler took one successful step and was updated."""
    X = (rng.standard_normal((16, 6)) * 3).astype(np.float32)
    y = rng.integers(0, 3, 16)
    model = student.call(f"{BUILDERS}:seeded_mlp", 6, 16, 3, seed=1, batchnorm=False)
    model.to("cuda")
    model.eval()
    opt = student.call("torch.optim:SGD", model.parameters(), lr=0.5)
    crit = student.call("torch.nn:CrossEntropyLoss")
    scaler = student.call("torch.amp:GradScaler", "cuda")
    what = "train_step_amp(model, batch, optimizer, criterion, scaler, device='cuda')"
    hint = tr("CUDA에서는 torch.autocast('cuda', dtype=torch.float16) 안에서 순전파, 그 다음 "
              "scaler.scale(loss).backward(), scaler.step(optimizer), scaler.update()",
              "on CUDA: forward inside torch.autocast('cuda', dtype=torch.float16), then "
              "scaler.scale(loss).backward(), scaler.step(optimizer), scaler.update()")
    loss = student.call(f"{MODULE}:train_step_amp", model, (torch.from_numpy(X), torch.from_numpy(y)),
                        opt, crit, scaler=scaler, device="cuda")
    state = {k: torch.as_tensor(v).cpu() for k, v in model.state_dict().items()}
    expected_loss, expected = _cuda_step(X, y, torch.float16)
    for name, dtype in (("bfloat16 autocast", torch.bfloat16), ("no autocast (float32)", None)):
        other, _ = _cuda_step(X, y, dtype)
        if isinstance(loss, float) and abs(loss - other) <= 1e-6 * abs(other) < \
                abs(loss - expected_loss):
            hint = tr(f"{name}로 계산한 값입니다: CUDA의 레시피는 float16 + GradScaler",
                      f"these are the numbers of {name}: CUDA's recipe is float16 with a "
                      "GradScaler")
    assert_close(loss, expected_loss, rtol=1e-4, atol=0, what=f"{what}: the returned loss",
                 hint=hint)
    for key, value in expected.items():
        assert_close(state[key], value, rtol=1e-4, atol=1e-5,
                     what=f"{what}: {key} after the step", hint=hint)
    tracker = scaler.state_dict().get("_growth_tracker")
    if tracker != 1:
        raise failure(f"{what}: the GradScaler's successful steps", "1", str(tracker), hint)


@needs("pkg:onnx", "pip install -c constraints.txt -e '.[onnx]'")
@grader(points=1, module="training_tricks")
def test_export_onnx_reloads_to_the_same_outputs(student, artifacts, rng):
    """The model (BatchNorm warmed up, Dropout(0.5)) handed over in train mode and exported
    with an example batch of 4; the file's bytes are read back and, in an artifact process,
    its signature read with `onnx.load` and the graph run with onnx's ReferenceEvaluator on a
    batch of 7: a named dynamic batch axis, and the eval-mode model's outputs (computed here)."""
    X = rng.standard_normal((7, 6)).astype(np.float32)
    model = student.call(f"{BUILDERS}:seeded_mlp", 6, 16, 3, seed=4, dropout=0.5, warmup=3)
    model.train()
    path = student.call(f"{BUILDERS}:scratch_file", "model.onnx")
    student.call(f"{MODULE}:export_onnx", model, torch.from_numpy(X[:4]), path)
    f = student.call("builtins:open", path, "rb")
    try:
        data = f.read(64 << 20)
    finally:
        f.close()
    hint = tr("model.eval() 후 내보내고, 배치 축을 dynamic_axes로 여세요",
              "export after model.eval(), with a dynamic batch axis (dynamic_axes)")
    if not isinstance(data, bytes) or not data:
        raise failure("the file at path after export_onnx", "an ONNX file", repr(data)[:80], hint)
    with artifacts.process({"model.onnx": data}, "onnx", budget=20.0) as proc:
        try:
            signature = proc.call(f"{ARTIFACTS}:onnx_signature", proc.path("model.onnx"))
        except StudentError as err:
            raise failure("onnx.load(the exported file)", "an ONNX model",
                          f"{err.type_name}: {str(err.message).splitlines()[-1][:200]}",
                          hint) from None
        batch = [dims[0] if dims else None for _, dims in signature["inputs"]]
        if len(batch) != 1 or not isinstance(batch[0], str):
            raise failure("export_onnx(...): the model's input batch axis",
                          tr("이름 붙은 동적 축 (예: 'batch')",
                             "a named dynamic axis (e.g. 'batch')"),
                          str(signature["inputs"]),
                          tr("dynamic_axes={'x': {0: 'batch'}, 'logits': {0: 'batch'}}",
                             "dynamic_axes={'x': {0: 'batch'}, 'logits': {0: 'batch'}}"))
        session = proc.call("onnx.reference:ReferenceEvaluator", proc.path("model.onnx"))
        got = session.run(None, {signature["inputs"][0][0]: X})[0]
    ref = builders.seeded_mlp(6, 16, 3, seed=4, dropout=0.5, warmup=3)
    ref.eval()
    with torch.no_grad():
        expected = ref(torch.from_numpy(X)).numpy()
    assert_close(np.asarray(got), expected, rtol=1e-4, atol=1e-5,
                 what="onnx ReferenceEvaluator(export_onnx(model, example (4, 6), path))(x (7, 6)) "
                      "vs model.eval()(x)", hint=hint)
