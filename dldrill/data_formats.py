"""The file formats of the cached data sets, as the loaders of `dldrill.data` read them.

- MNIST's IDX files (`read_idx`), gzipped or not;
- CIFAR-10's python batches (`read_cifar_batch`). These are pickles; they are read by an
  unpickler that resolves no name but NumPy's array reconstruction (`_BatchUnpickler`), so a
  file that names anything else is refused before anything it names is called;
- NSMC's TSV is read by `dldrill.data.load_nsmc_tsv`.

The writers of these formats, and a small offline cache built with them, are for tests:
`dldrill.testing.fake_data`.
"""

from __future__ import annotations

import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST_BATCH = "test_batch"
CIFAR_LABEL_NAMES = ("airplane", "automobile", "bird", "cat", "deer",
                     "dog", "frog", "horse", "ship", "truck")
NSMC_FILES = {"train": "ratings_train.txt", "test": "ratings_test.txt"}

_MAX_FILE = 512 << 20  # no data file of these sets is larger (the CIFAR batches are 31 MB)


class FormatError(ValueError):
    """A data file is not in the format its name promises (truncated, wrong header, unsafe)."""


def _split(split: str) -> str:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return split


# ----------------------------------------------------------------------------------------- IDX

_IDX_TYPES = {0x08: np.dtype(np.uint8)}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Reads an IDX file (gzipped when its name ends in `.gz`): the array of its header's shape,
    e.g. (N, 28, 28) uint8 for images, (N,) uint8 for labels. Only unsigned-byte IDX (type 0x08)
    is accepted; a truncated or oversized file raises FormatError."""
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) != 4 or head[:2] != b"\0\0" or head[2] not in _IDX_TYPES or not 1 <= head[3] <= 4:
                raise FormatError(f"{path}: not an unsigned-byte IDX file (magic {head.hex()})")
            ndim = head[3]
            dims = struct.unpack(f">{ndim}I", f.read(4 * ndim))
            count = int(np.prod(dims, dtype=np.int64))
            if count > _MAX_FILE:
                raise FormatError(f"{path}: header claims {dims}, larger than any MNIST file")
            body = f.read(count + 1)
    except (OSError, EOFError, struct.error) as err:
        if isinstance(err, FileNotFoundError | PermissionError):
            raise
        raise FormatError(f"{path}: unreadable IDX file ({err})") from err
    if len(body) != count:
        raise FormatError(f"{path}: {len(body)} data bytes for a header of shape {dims} "
                          f"({count} bytes){' (truncated)' if len(body) < count else ''}")
    return np.frombuffer(body, dtype=_IDX_TYPES[head[2]]).reshape(dims).copy()


# ------------------------------------------------------------------------------- CIFAR batches

_RECONSTRUCT = np.ndarray(0).__reduce__()[0]  # numpy's own _reconstruct (numpy.core or numpy._core)


class _NdarrayName:
    """What `numpy.ndarray` resolves to: a name `_reconstruct` accepts, never itself callable
    (so a pickle cannot allocate an array of a shape it makes up)."""


def _reconstruct(subtype: object, shape: object, dtype: object) -> np.ndarray:
    """`_reconstruct` as an ndarray's pickle calls it: an empty array that BUILD then fills
    (NumPy checks that the data BUILD brings fills the shape it gives)."""
    if not isinstance(subtype, _NdarrayName) or shape != (0,):
        raise FormatError("the pickle reconstructs something other than a plain NumPy array")
    return _RECONSTRUCT(np.ndarray, (0,), dtype)


_ALLOWED = {("numpy.core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy", "ndarray"): _NdarrayName(), ("numpy", "dtype"): np.dtype}


class _BatchUnpickler(pickle.Unpickler):
    """An unpickler that resolves no name but NumPy's array reconstruction and `numpy.dtype`
    (the Python documentation's "restricting globals" pattern): everything else a batch holds is
    built by pickle itself — dicts, lists, str, bytes, ints. A pickle that names anything else
    (`os.system`, `builtins.eval`, ...) is refused before it is called."""

    def find_class(self, module: str, name: str) -> object:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise FormatError(f"the pickle refers to {module}.{name}, which is not allowed")
        return found


def read_cifar_batch(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch (`data_batch_1`, `test_batch`, ...), read by `_BatchUnpickler`
    (Python 2 strings as latin-1, as torchvision reads them): (X (N, 3, 32, 32) uint8, channels
    first as stored, y (N,) int64 in 0..9). Anything else raises FormatError."""
    path = Path(path)
    if path.stat().st_size > _MAX_FILE:
        raise FormatError(f"{path}: too large for a CIFAR-10 batch")
    try:
        with open(path, "rb") as f:
            batch = _BatchUnpickler(f, encoding="latin1").load()
    except FormatError as err:
        raise FormatError(f"{path}: {err}") from None
    except Exception as err:  # a truncated or malformed pickle: pickle's and NumPy's errors
        raise FormatError(f"{path}: not a readable pickle ({type(err).__name__}: {err})") from None
    if not isinstance(batch, dict):
        raise FormatError(f"{path}: not a CIFAR-10 batch (no dict)")
    batch = {k.decode("latin-1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise FormatError(f"{path}: 'data' is not a (N, 3072) uint8 array")
    if not isinstance(labels, list) or len(labels) != len(data) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 9 for v in labels):
        raise FormatError(f"{path}: 'labels' is not a list of {len(data)} labels in 0..9")
    return data.reshape(-1, 3, 32, 32).copy(), np.array(labels, dtype=np.int64)
