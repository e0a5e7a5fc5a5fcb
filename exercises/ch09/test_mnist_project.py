"""Visible tests for ch09.mnist_project — run them with `pytest exercises/ch09`.

Quick shape and bookkeeping checks. The hidden graders train your model on 4000 real MNIST
images (3 epochs, a stated CPU budget) and score it on shifted, noisy held-out digits (≥ 95%),
check that training is seeded and lowers the loss, that predict runs in eval mode, and — once
`dldrill data fetch mnist` has cached MNIST and you ran `python -m exercises.ch09.mnist_project` —
score artifacts/mnist.pt on the real test set (≥ 99%).
"""

import numpy as np
import torch

from ch09.mnist_project import build_model, confusion_matrix, misclassified, predict, preprocess


def test_confusion_matrix_rows_are_true_classes():
    cm = confusion_matrix(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]


def test_misclassified_gives_the_wrong_indices():
    assert misclassified(np.array([3, 1, 4, 1]), np.array([3, 2, 4, 0])).tolist() == [1, 3]


def test_preprocess_and_model_shapes():
    X = np.random.default_rng(0).integers(0, 256, (3, 28, 28)).astype(np.uint8)
    x = preprocess(X)
    assert tuple(x.shape) == (3, 1, 28, 28) and x.dtype == torch.float32
    assert abs(float(preprocess(np.zeros((1, 28, 28), np.uint8)).mean()) + 0.1307 / 0.3081) < 1e-4
    torch.manual_seed(0)
    model = build_model().eval()
    with torch.no_grad():
        assert tuple(model(x).shape) == (3, 10)
    pred = predict(model, X)
    assert pred.shape == (3,) and pred.dtype == np.int64
