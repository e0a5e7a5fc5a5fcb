"""Data that ships offline: the 8×8 handwritten digits bundled inside scikit-learn.

`load_digits()` reads scikit-learn's own `digits.csv.gz` with NumPy (no sklearn import, which
costs about a second), so tests stay fast. Nothing is downloaded, ever, at test time.
"""

from __future__ import annotations

import gzip
import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np


def _digits_file() -> Path:
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("scikit-learn is not installed; it ships the digits data set")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    if not path.exists():
        raise FileNotFoundError(f"digits data not found at {path}")
    return path


@lru_cache(maxsize=1)
def _raw_digits() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(_digits_file(), "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1], data[:, -1].astype(np.int64)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """(X, y): X (1797, 64) float64 pixel values scaled to [0, 1], y (1797,) int64 in 0..9."""
    X, y = _raw_digits()
    return X / 16.0, y.copy()


def train_test_split(X: np.ndarray, y: np.ndarray, test_fraction: float = 0.25,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A seeded shuffle split: (X_train, X_test, y_train, y_test), stratification not needed."""
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = round(len(X) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def digits_split(test_fraction: float = 0.25, seed: int = 0):
    """The digits set, split under a seed: (X_train, X_test, y_train, y_test)."""
    X, y = load_digits()
    return train_test_split(X, y, test_fraction, seed)
