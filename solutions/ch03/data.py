"""The Dataset / DataLoader pattern: arrays in, shuffled mini-batches out.

`Dataset`은 "몇 개인가(`__len__`)"와 "i번째 샘플은 무엇인가(`__getitem__`)"만 알려 주고,
`DataLoader`가 그것을 섞고(shuffle) 배치로 묶습니다. 검증 데이터는 학습 데이터와 겹치면 안 됩니다.
A `Dataset` answers "how many?" and "what is sample i?"; a `DataLoader` shuffles and batches.
Validation samples must never also be training samples.

    dataset = ArrayDataset(X, y)
    train_loader, val_loader = make_loaders(X, y, batch_size=64, val_fraction=0.2, seed=0)
    for X_batch, y_batch in train_loader:
        ...
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Subset


class ArrayDataset(Dataset):
    """A Dataset over arrays X (N, ...) and labels y (N,). / 배열 X와 레이블 y의 Dataset.

    `ds[i]` is the pair `(X[i], y[i])` as tensors: X as float32; y as int64 when its values are
    integers (class labels, for `nn.CrossEntropyLoss`), float32 otherwise. `len(ds)` is N.
    X와 y는 NumPy 배열이든 텐서든 받고, 길이가 다르면 ValueError를 냅니다.
    """

    def __init__(self, X: Any, y: Any):
        """Stores X and y as tensors (텐서로 바꿔 저장합니다); ValueError if their lengths differ.

        Hint / 힌트: `torch.as_tensor(X, dtype=torch.float32)`; integer labels become
        `torch.long` (정수 레이블은 long으로: CrossEntropyLoss가 요구합니다).
        """
        # BEGIN SOLUTION
        X = torch.as_tensor(np.asarray(X) if not isinstance(X, torch.Tensor) else X)
        y = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        self.X = X.to(torch.float32)
        is_int = not (y.is_floating_point() or y.is_complex())
        self.y = y.to(torch.long) if is_int else y.to(torch.float32)
        # END SOLUTION

    def __len__(self) -> int:
        """The number of samples N. / 샘플 수."""
        # BEGIN SOLUTION
        return len(self.X)
        # END SOLUTION

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Sample i as the pair (X[i], y[i]). / i번째 (입력, 정답) 쌍."""
        # BEGIN SOLUTION
        return self.X[i], self.y[i]
        # END SOLUTION


def make_loaders(X: Any, y: Any, batch_size: int = 64, val_fraction: float = 0.2,
                 seed: int = 0) -> tuple[DataLoader, DataLoader]:
    """Splits (X, y) at random into training and validation loaders. / 학습·검증 DataLoader.

    round(N * val_fraction) samples go to validation, the rest to training; no sample is in
    both, together they are all N. The split and the training order depend only on `seed`
    (same seed, same loaders). The training loader shuffles every epoch; the validation loader
    keeps a fixed order. Both yield `(X_batch, y_batch)` with `batch_size` samples per batch
    (the last one may be smaller).
    검증 샘플 수는 round(N * val_fraction), 두 집합은 겹치지 않고 합치면 전체입니다.
    Hint / 힌트: one seeded permutation, `torch.randperm(N, generator=torch.Generator()
    .manual_seed(seed))`, cut into two index sets; wrap them with `Subset`, and give the
    shuffling DataLoader its own seeded `generator` (한 번의 순열을 둘로 나누세요).
    """
    # BEGIN SOLUTION
    dataset = ArrayDataset(X, y)
    n = len(dataset)
    n_val = round(n * val_fraction)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    val_idx, train_idx = order[:n_val].tolist(), order[n_val:].tolist()
    train_loader = DataLoader(Subset(dataset, train_idx), batch_size=batch_size, shuffle=True,
                              generator=torch.Generator().manual_seed(seed + 1))
    val_loader = DataLoader(Subset(dataset, val_idx), batch_size=batch_size, shuffle=False)
    return train_loader, val_loader
    # END SOLUTION
