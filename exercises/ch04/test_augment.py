"""Visible tests for ch04.augment — run them with `pytest exercises/ch04`.

The hidden graders check that every output is the image or its mirror / a window of the padded
image, that all offsets occur, and that the same seed gives the same result.
"""

import torch

from dldrill.grading import assert_close, tr

from ch04.augment import Compose, normalize, random_crop, random_flip


def test_random_flip_keeps_or_mirrors_and_is_reproducible():
    x = torch.randn(16, 1, 2, 3)
    a = random_flip(x, generator=torch.Generator().manual_seed(0))
    b = random_flip(x, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    for n in range(16):
        assert torch.equal(a[n], x[n]) or torch.equal(a[n], x[n].flip(-1))


def test_random_crop_shape():
    x = torch.randn(4, 3, 32, 32)
    out = random_crop(x, 32, padding=4, generator=torch.Generator().manual_seed(0))
    assert out.shape == (4, 3, 32, 32)


def test_normalize_and_compose():
    x = torch.full((1, 2, 2, 2), 3.0)
    out = normalize(x, mean=[1.0, 2.0], std=[2.0, 0.5])
    assert_close(out[0, 0], torch.full((2, 2), 1.0),
                 hint=tr("채널마다 (x − mean[c]) / std[c]",
                         "(x − mean[c]) / std[c] per channel"))
    assert_close(out[0, 1], torch.full((2, 2), 2.0),
                 hint=tr("채널마다 (x − mean[c]) / std[c]",
                         "(x − mean[c]) / std[c] per channel"))
    assert torch.equal(Compose([lambda t: t + 1, lambda t: t * 2])(x), (x + 1) * 2)
