"""Graders for the trained artifacts of ch09 (checklist: mnist-99 and cnn-cifar10), on the REAL
test sets from the kit's data cache.

`python -m exercises.ch09.mnist_project` (and `.cifar_project`) train on the full training set and
save a state_dict to `exercises/ch09/artifacts/mnist.pt` (`cifar10.pt`). Here the submission
loads that file with `torch.load(weights_only=True)` into its own `build_model()`
(`dldrill.childkit.ch09:load_artifact`), the grader sends the test images (only the images cross:
the test labels are read here, and the sandbox makes the label files unreadable to submissions),
the learner's `predict` returns classes, and the grader scores them. Where the data set is not
cached these tests are "not verifiable here" (run `dldrill data fetch mnist` / `cifar10`), never
passed: the MNIST subset cannot stand in for the real test set.

Budgets: predict on the 10 000 test images — the answer key's MNIST CNN takes about 3 CPU-s
(budget 60), its CIFAR ResNet about 60 CPU-s on one CPU thread (budget 400; seconds on a GPU).

Common mistakes these graders catch (proved with a fake cache, tests/test_ch09_artifacts.py):
- no artifact: the training script was never run, or saved elsewhere
- an artifact of untrained or badly trained weights (below 99% / 90%)
- a state_dict that does not fit build_model() (the architecture changed after training)
"""

import numpy as np

from dldrill.grading import failure, grader, needs, tr

K = "dldrill.childkit.ch09"


def _accuracy(student, module: str, filename: str, X: np.ndarray, y: np.ndarray, chunk: int,
              budget: float) -> float:
    timed = student.options(timeout=budget * 2)
    run = tr(f"`python -m exercises.{module}`로 학습해 artifacts/{filename}을 만드세요",
             f"run `python -m exercises.{module}` to train and write artifacts/{filename}")
    with timed.time_limit(budget, f"{module}: load artifacts/{filename} and predict {len(X)} "
                                  "test images"):
        try:
            model = timed.call(f"{K}:load_artifact", module, filename)
        except Exception as err:  # no file, or weights that do not fit build_model()
            raise failure(f"artifacts/{filename} loaded into build_model()",
                          tr("학습된 state_dict", "a trained state_dict").render(),
                          str(err).splitlines()[-1][:300], run) from None
        preds = []
        for start in range(0, len(X), chunk):
            part = np.asarray(timed.call(f"{module}:predict", model, X[start:start + chunk]))
            if part.shape != (len(X[start:start + chunk]),):
                raise failure(f"predict(model, X ({len(X[start:start + chunk])}, ...))",
                              f"shape ({len(X[start:start + chunk])},)", f"shape {part.shape}",
                              tr("샘플마다 클래스 하나", "one class per sample"))
            preds.append(part.astype(np.int64))
    return float(np.mean(np.concatenate(preds) == y))


@needs("data:mnist", "dldrill data fetch mnist")
@grader("mnist-99", points=5, module="mnist_project")
def test_mnist_artifact_reaches_99_percent_on_the_test_set(student):
    """Accuracy threshold: >= 0.99 on MNIST's test set (10 000 images) with artifacts/mnist.pt."""
    from dldrill.data import load_mnist

    X, y = load_mnist("test")
    acc = _accuracy(student, "ch09.mnist_project", "mnist.pt", X, y, 2000, 60.0)
    if acc < 0.99:
        raise failure(f"accuracy of artifacts/mnist.pt on MNIST's {len(y)} test images",
                      ">= 0.99", f"{acc:.4f}",
                      tr("전체 6만 장으로 몇 에폭 더, 이동/회전 증강과 OneCycleLR을 써 보세요",
                         "train a few more epochs on all 60 000 images, with shift/rotation "
                         "augmentation and OneCycleLR"))


@needs("data:cifar10", "dldrill data fetch cifar10")
@grader("cnn-cifar10", points=5, module="cifar_project")
def test_cifar10_artifact_reaches_90_percent_on_the_test_set(student):
    """Accuracy threshold: >= 0.90 on CIFAR-10's test set (10 000 images) with
    artifacts/cifar10.pt."""
    from dldrill.data import load_cifar10

    X, y = load_cifar10("test")
    acc = _accuracy(student, "ch09.cifar_project", "cifar10.pt", X, y, 1000, 400.0)
    if acc < 0.90:
        raise failure(f"accuracy of artifacts/cifar10.pt on CIFAR-10's {len(y)} test images",
                      ">= 0.90", f"{acc:.4f}",
                      tr("잔차 블록, 자르기+뒤집기 증강, 30 에폭 안팎의 OneCycleLR (GPU 권장)",
                         "residual blocks, crop + flip augmentation, about 30 epochs of "
                         "OneCycleLR (a GPU helps)"))
