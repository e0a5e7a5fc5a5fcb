"""Graders for ch09.training_tricks that need what this machine may lack: a CUDA GPU (float16
autocast with a GradScaler) and the `onnx` package (the ONNX export, reloaded with onnx's
reference evaluator in the submission). Elsewhere they are "not verifiable here", never passed.

Common mistakes these graders catch:
- bfloat16 (the CPU's choice) or no autocast on CUDA, where the curriculum's recipe is float16
  (test_train_step_amp_float16_with_a_grad_scaler_on_cuda)
- the GradScaler passed but not used: loss.backward() and optimizer.step() unscaled, scaler.update()
  never called (test_train_step_amp_float16_with_a_grad_scaler_on_cuda)
- ONNX exported with a fixed batch size (no dynamic_axes)
  (test_export_onnx_reloads_to_the_same_outputs)
"""

import numpy as np
import torch

from dldrill.childkit import builders
from dldrill.grading import assert_close, failure, grader, needs, tr

M = "ch09.training_tricks"
B = "dldrill.childkit.builders"
K = "dldrill.childkit.ch09"


@needs("cuda", "pytest graders --device cuda on a machine with an NVIDIA GPU")
@grader(points=2, module="training_tricks")
def test_train_step_amp_float16_with_a_grad_scaler_on_cuda(student, rng):
    X = rng.standard_normal((16, 6)).astype(np.float32)
    y = rng.integers(0, 3, 16)
    model = student.call(f"{B}:seeded_mlp", 6, 16, 3, seed=1, batchnorm=False)
    model.to("cuda")
    wrapped = student.call(f"{K}:dtype_spy", model)
    opt = student.call(f"{B}:make_optimizer", wrapped, "sgd", lr=0.5)
    crit = student.call("torch.nn:CrossEntropyLoss")
    scaler = student.call("torch.amp:GradScaler", "cuda")
    what = "train_step_amp(model, batch, optimizer, criterion, scaler, device='cuda')"
    hint = tr("CUDA에서는 torch.autocast('cuda', dtype=torch.float16) 안에서 순전파, 그 다음 "
              "scaler.scale(loss).backward(), scaler.step(optimizer), scaler.update()",
              "on CUDA: forward inside torch.autocast('cuda', dtype=torch.float16), then "
              "scaler.scale(loss).backward(), scaler.step(optimizer), scaler.update()")
    loss = student.call(f"{M}:train_step_amp", wrapped, (torch.from_numpy(X), torch.from_numpy(y)),
                        opt, crit, scaler=scaler, device="cuda")
    calls = wrapped.calls
    linear = [d for kind, d in calls[-1]["dtypes"] if kind == "Linear"] if calls else []
    if not calls or not calls[-1]["autocast_cuda"] or linear != ["float16", "float16"]:
        raise failure(f"{what}: inside forward", "CUDA autocast on, Linear outputs float16",
                      str(calls[-1] if calls else "no forward call")[:200], hint)
    tracker = scaler.state_dict()["_growth_tracker"]
    if tracker != 1:
        raise failure(f"{what}: the GradScaler's successful steps", "1", str(tracker), hint)
    ref = builders.seeded_mlp(6, 16, 3, seed=1, batchnorm=False)
    with torch.no_grad():
        expected = torch.nn.functional.cross_entropy(ref(torch.from_numpy(X)), torch.from_numpy(y))
    assert_close(loss, float(expected), rtol=2e-2, what=f"{what}: the returned loss", hint=hint)


@needs("pkg:onnx", "pip install onnx")
@grader(points=1, module="training_tricks")
def test_export_onnx_reloads_to_the_same_outputs(student, rng):
    X = rng.standard_normal((7, 6)).astype(np.float32)
    model = student.call(f"{B}:seeded_mlp", 6, 16, 3, seed=4, dropout=0.5, warmup=3)
    model.train()
    path = student.call(f"{B}:scratch_file", "model.onnx")
    student.call(f"{M}:export_onnx", model, torch.from_numpy(X[:4]), path)
    signature = student.call(f"{K}:onnx_signature", path)
    batch = [dims[0] if dims else None for _, dims in signature["inputs"]]
    if len(batch) != 1 or not isinstance(batch[0], str):
        raise failure("export_onnx(...): the model's input batch axis",
                      tr("이름 붙은 동적 축 (예: 'batch')", "a named dynamic axis (e.g. 'batch')").render(),
                      str(signature["inputs"]),
                      tr("dynamic_axes={'x': {0: 'batch'}, 'logits': {0: 'batch'}}",
                         "dynamic_axes={'x': {0: 'batch'}, 'logits': {0: 'batch'}}"))
    session = student.call("onnx.reference:ReferenceEvaluator", path)
    names = session.input_names
    got = session.run(None, {names[0]: X})[0]
    ref = builders.seeded_mlp(6, 16, 3, seed=4, dropout=0.5, warmup=3)
    ref.eval()
    with torch.no_grad():
        expected = ref(torch.from_numpy(X)).numpy()
    assert_close(np.asarray(got), expected, rtol=1e-4, atol=1e-5,
                 what="onnx ReferenceEvaluator(export_onnx(model, example (4, 6), path))(x (7, 6)) "
                      "vs model.eval()(x)",
                 hint=tr("model.eval() 후 내보내고, 배치 축을 dynamic_axes로 여세요",
                         "export after model.eval(), with a dynamic batch axis (dynamic_axes)"))
