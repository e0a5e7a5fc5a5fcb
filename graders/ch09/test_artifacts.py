"""Graders for the trained artifacts of ch09 (checklist: mnist-99 and cnn-cifar10), on the REAL
test sets from the kit's data cache.

`python -m exercises.ch09.mnist_project` (and `.cifar_project`) train on the full training set and
save a state_dict to `exercises/ch09/artifacts/mnist.pt` (`cifar10.pt`). Nothing of the
submission's code sees a test image, and nothing it says about one is believed:
- the grader reads the saved file itself from the submission folder (never following a link);
- the child only traces the learner's `build_model()` in eval mode (`torch.jit.trace`, library
  code) and hands back the TorchScript bytes: the architecture, not an answer;
- an artifact process (`dldrill.sandbox.artifacts`: confined like the child, holding no
  submission code, with a CPU budget) loads the weights with `torch.load(weights_only=True)`,
  loads them into the traced architecture (strictly: the file must fit `build_model()`), reports
  the graph's operations, and runs it on the test images preprocessed *here* as the contract
  fixes it (the answer key's `preprocess` / `normalize`, pinned by their own graders);
- the graph may only use standard layers (`FEEDFORWARD_OPS`: convolutions, normalisation,
  activations, pooling, linear layers, residual sums...): a graph that looks its answer up
  (comparisons, indexing, embeddings, file access) is refused;
- the logits come back; the labels, read here, never leave this process; accuracy is computed
  here.
Where the data set is not cached these tests are "not verifiable here" (run `dldrill data fetch
mnist` / `cifar10`), never passed: the MNIST subset cannot stand in for the real test set.

Budgets (CPU-seconds of the artifact process, one thread): the answer key's MNIST CNN takes
about 3 CPU-s for the 10 000 test images (budget 60), its CIFAR ResNet about 60 CPU-s (budget
400; seconds on a GPU). Tracing in the child: well under a CPU-second (budget 20).

Common mistakes these graders catch (proved with a fake cache, tests/test_ch09_artifacts.py):
- no artifact: the training script was never run, or saved elsewhere
- an artifact of untrained or badly trained weights (below 99% / 90%)
- a state_dict that does not fit build_model() (the architecture changed after training)
- a predict that looks the test labels up instead of using the model: the model's own outputs
  are scored, never predict's
"""

import numpy as np
import torch

from dldrill.errors import StudentError
from dldrill.grading import failure, grader, needs, tr
from dldrill.sandbox.artifacts import ArtifactError, torchscript_of, unexpected_ops

ARTIFACTS = "dldrill.sandbox.artifacts"
TRACE_BUDGET = 20.0


def _run_hint(module: str, filename: str):
    return tr(f"`python -m exercises.{module}`로 학습해 artifacts/{filename}을 만드세요",
              f"run `python -m exercises.{module}` to train and write artifacts/{filename}")


def _last_line(err: StudentError) -> str:
    lines = [ln for ln in str(err.message).splitlines() if ln.strip()]
    return (lines[-1] if lines else err.type_name)[:300]


def _logits(student, artifacts, module: str, filename: str, x: torch.Tensor,
            example: tuple[int, ...], chunk: int, budget: float) -> torch.Tensor:
    """The logits of the saved weights in the learner's traced architecture on `x` (already
    preprocessed here), computed in an artifact process; failures name the cause."""
    what = f"artifacts/{filename}"
    try:
        weights = artifacts.submission_file(f"ch09/artifacts/{filename}")
    except ArtifactError as err:
        raise failure(what, tr("제출 폴더 안의 보통 파일", "a regular file inside the submission"),
                      str(err), _run_hint(module, filename)) from None
    if weights is None:
        raise failure(what, tr("학습된 state_dict", "a trained state_dict"),
                      tr(f"파일 없음 (`python -m exercises.{module}`을 실행하지 않았나요?)",
                         f"no such file (was `python -m exercises.{module}` run?)"),
                      _run_hint(module, filename))
    hint_trace = tr("build_model()은 torch.jit.trace로 추적할 수 있는 표준 레이어 모델이어야 합니다",
                    "build_model() must be a model of standard layers that torch.jit.trace "
                    "can trace")
    with student.time_limit(TRACE_BUDGET, f"{module}: trace build_model() in eval mode"):
        try:
            student.call("torch:manual_seed", 0)
            model = student.call(f"{module}:build_model")
            model.eval()
            arch = torchscript_of(student, model, torch.zeros(example))
        except StudentError as err:
            raise failure(f"torch.jit.trace(build_model().eval(), x {example})",
                          tr("추적된 모델", "a traced model"), _last_line(err),
                          hint_trace) from None
    with artifacts.process({"arch.pt": arch, "weights.pt": weights}, "torch", budget=budget,
                           timeout=budget) as proc:
        try:
            state = proc.call("torch:load", proc.path("weights.pt"), map_location="cpu",
                              weights_only=True)
        except StudentError as err:
            raise failure(f"torch.load({what}, weights_only=True)",
                          tr("텐서만 담긴 state_dict", "a state_dict of tensors"),
                          _last_line(err), _run_hint(module, filename)) from None
        if not (isinstance(state, dict) and state and all(
                isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items())):
            raise failure(f"torch.load({what}, weights_only=True)",
                          tr("{이름: 텐서} state_dict", "a {name: tensor} state_dict"),
                          type(state).__name__, tr("torch.save(model.state_dict(), path)로 "
                                                   "저장하세요", "save with "
                                                   "torch.save(model.state_dict(), path)"))
        net = proc.call("torch.jit:load", proc.path("arch.pt"), map_location="cpu")
        bad = unexpected_ops(proc.call(f"{ARTIFACTS}:torchscript_ops", net))
        if bad:
            raise failure("the operations of build_model()'s forward (traced)",
                          tr("표준 레이어 연산 (합성곱, 정규화, 활성화, 풀링, Linear, 잔차 합)",
                             "standard layers (convolution, normalisation, activation, pooling, "
                             "linear, residual sums)"), ", ".join(bad)[:300],
                          tr("비교, 인덱싱, 임베딩, 파일 읽기 없이 계산하는 모델이어야 합니다",
                             "the model must compute its answer: no comparisons, indexing, "
                             "embeddings or file reads"))
        try:
            net.load_state_dict(state)
        except StudentError as err:
            raise failure(f"{what} loaded into build_model()",
                          tr("build_model()에 맞는 state_dict", "a state_dict that fits "
                             "build_model()"), _last_line(err),
                          tr("학습 뒤 모델 구조를 바꾸었다면 다시 학습하세요",
                             "the architecture changed after training: train again")) from None
        logits = proc.call(f"{ARTIFACTS}:forward", net, x, batch=chunk)
    logits = torch.as_tensor(logits)
    if tuple(logits.shape) != (len(x), 10):
        raise failure(f"build_model() with {what} on x {tuple(x.shape)}", f"logits ({len(x)}, 10)",
                      f"shape {tuple(logits.shape)}", tr("출력은 (N, 10) 로짓",
                                                          "the output is (N, 10) logits"))
    return logits


def _accuracy(logits: torch.Tensor, y: np.ndarray) -> float:
    return float(np.mean(logits.float().argmax(1).numpy() == y))


@needs("data:mnist", "dldrill data fetch mnist")
@grader("mnist-99", points=5, module="mnist_project")
def test_mnist_artifact_reaches_99_percent_on_the_test_set(student, reference, artifacts):
    """Accuracy threshold: >= 0.99 on MNIST's test set (10 000 images) with artifacts/mnist.pt."""
    from dldrill.data import load_mnist

    artifacts.prepare("torch")  # its start-up overlaps the reading of the data and the tracing
    X, y = load_mnist("test")
    x = torch.as_tensor(reference.call("ch09.mnist_project:preprocess", X))
    logits = _logits(student, artifacts, "ch09.mnist_project", "mnist.pt", x, (2, 1, 28, 28),
                     1000, 60.0)
    acc = _accuracy(logits, y)
    if acc < 0.99:
        raise failure(f"accuracy of artifacts/mnist.pt on MNIST's {len(y)} test images",
                      ">= 0.99", f"{acc:.4f}",
                      tr("전체 6만 장으로 몇 에폭 더, 이동/회전 증강과 OneCycleLR을 써 보세요",
                         "train a few more epochs on all 60 000 images, with shift/rotation "
                         "augmentation and OneCycleLR"))


@needs("data:cifar10", "dldrill data fetch cifar10")
@grader("cnn-cifar10", points=5, module="cifar_project")
def test_cifar10_artifact_reaches_90_percent_on_the_test_set(student, reference, artifacts):
    """Accuracy threshold: >= 0.90 on CIFAR-10's test set (10 000 images) with
    artifacts/cifar10.pt."""
    from dldrill.data import load_cifar10

    artifacts.prepare("torch")
    X, y = load_cifar10("test")
    x = torch.as_tensor(reference.call("ch09.cifar_project:normalize", X))
    logits = _logits(student, artifacts, "ch09.cifar_project", "cifar10.pt", x, (2, 3, 32, 32),
                     500, 400.0)
    acc = _accuracy(logits, y)
    if acc < 0.90:
        raise failure(f"accuracy of artifacts/cifar10.pt on CIFAR-10's {len(y)} test images",
                      ">= 0.90", f"{acc:.4f}",
                      tr("잔차 블록, 자르기+뒤집기 증강, 30 에폭 안팎의 OneCycleLR (GPU 권장)",
                         "residual blocks, crop + flip augmentation, about 30 epochs of "
                         "OneCycleLR (a GPU helps)"))
