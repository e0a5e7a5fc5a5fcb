"""Visible tests for ch09.cifar_project — run them with `pytest exercises/ch09`.

The hidden graders check normalize against CIFAR_MEAN / CIFAR_STD, that every augmented image is a
crop of the 4-padded image (mirrored left-right or not) with all offsets occurring, labels kept,
the generator deciding; that build_model() maps (N, 3, 32, 32) to (N, 10) and train lowers the
loss on a tiny set and is seeded; and — once CIFAR-10 is cached and you ran
`python -m exercises.ch09.cifar_project` — artifacts/cifar10.pt on the real test set (≥ 90%).
"""

import numpy as np
import torch

from ch09.cifar_project import CIFAR_MEAN, augment, normalize


def test_normalize_per_channel():
    X = np.full((2, 3, 32, 32), 255, dtype=np.uint8)
    x = normalize(X)
    assert x.dtype == torch.float32 and tuple(x.shape) == (2, 3, 32, 32)
    assert abs(float(normalize(X * 0)[0, 0, 0, 0]) + CIFAR_MEAN[0] / 0.2470) < 1e-3


def test_augment_keeps_shapes_and_labels():
    x = torch.rand(6, 3, 32, 32)
    y = torch.arange(6)
    xa, ya = augment(x, y, torch.Generator().manual_seed(0))
    assert tuple(xa.shape) == (6, 3, 32, 32) and ya.tolist() == y.tolist()
    xb, _ = augment(x, y, torch.Generator().manual_seed(0))
    assert torch.equal(xa, xb), "same seed, same augmentation"
