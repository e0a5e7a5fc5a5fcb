"""Visible tests for ch03.data — run them with `pytest exercises/ch03`.

The hidden graders also check that the split is seeded, that the training loader shuffles, and the
batch dtypes.
"""

import numpy as np
import torch

from dldrill.grading import assert_close, tr

from ch03.data import ArrayDataset, make_loaders


def test_array_dataset_len_and_item():
    X = np.arange(12, dtype=np.float64).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 1, 0])
    ds = ArrayDataset(X, y)
    assert len(ds) == 6
    x3, y3 = ds[3]
    assert x3.dtype == torch.float32 and y3.dtype == torch.long
    assert_close(x3, torch.tensor([6.0, 7.0]), atol=1e-5,
                 hint=tr("__getitem__은 (float32 특성, long 레이블) 한 쌍을 돌려줍니다",
                         "__getitem__ returns one (float32 features, long label) pair"))
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
