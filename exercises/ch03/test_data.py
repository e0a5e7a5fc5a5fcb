"""Visible tests for ch03.data — run them with `pytest exercises/ch03`.

The hidden graders also check that the split is seeded, that the training loader shuffles, and the
batch dtypes.
"""

import numpy as np
import torch

from ch03.data import ArrayDataset, make_loaders


def assert_close(got, expected, atol=1e-5):
    """A light stand-in for torch.testing.assert_close (whose first call imports a lot)."""
    assert isinstance(got, torch.Tensor), f"expected a tensor, got {type(got).__name__}"
    assert got.shape == expected.shape, f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}"
    assert torch.allclose(got, expected.to(got.dtype), atol=atol), f"expected\n{expected}\ngot\n{got}"


def test_array_dataset_len_and_item():
    X = np.arange(12, dtype=np.float64).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 1, 0])
    ds = ArrayDataset(X, y)
    assert len(ds) == 6
    x3, y3 = ds[3]
    assert x3.dtype == torch.float32 and y3.dtype == torch.long
    assert_close(x3, torch.tensor([6.0, 7.0]))
    assert int(y3) == 1


def test_no_sample_in_both_loaders():
    X = np.arange(100, dtype=np.float64).reshape(100, 1)  # the feature is the sample's id
    y = np.zeros(100, dtype=np.int64)
    train, val = make_loaders(X, y, batch_size=16, val_fraction=0.2, seed=0)
    train_ids = [int(v) for xb, _ in train for v in xb[:, 0]]
    val_ids = [int(v) for xb, _ in val for v in xb[:, 0]]
    assert len(val_ids) == 20 and len(train_ids) == 80
    assert not set(train_ids) & set(val_ids)
    assert sorted(train_ids + val_ids) == list(range(100))
