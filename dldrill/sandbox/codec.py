"""Values that cross between the trusted grader process and the submission's process.

A message is a JSON header plus raw byte buffers. Decoding builds only plain data: numbers,
strings, lists, tuples, dicts, NumPy scalars of an allowed dtype, arrays of every framework
(NumPy, torch, TensorFlow/Keras: the adapters in `arrays.py`, each with its exact shape and
dtype), dtypes and devices. No pickle, no `eval`, no import of a name the other side chose.
Anything else is left where it lives and crosses as a *handle* (an integer id plus a type name)
that the other side can pass back or ask about.

A framework is imported only when a value of it arrives, so NumPy-only chapters never pay for
torch, and torch chapters never load TensorFlow.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

import numpy as np

from dldrill.sandbox.arrays import BY_TAG, NP_KINDS, NUMPY, TENSOR_DTYPES, adapter_of

MAX_DEPTH = 48
MAX_DECODED = 1 << 30  # bytes of arrays and bytes one message may decode to
# The facts an array may carry, and their types: anything else in a header is malformed.
_FACTS = {"grad": bool, "param": bool, "device": str, "variable": str, "trainable": bool,
          "name": str}


class CodecError(ValueError):
    """A header that is not well formed (from a broken or hostile peer)."""


def _torch() -> Any:
    import torch

    return torch


def _torch_attr(name: str) -> Any:
    """`torch.<name>` if torch is imported (and far enough along: a background thread may be
    importing it right now), else None. A value can only be a tensor once torch is usable."""
    torch = sys.modules.get("torch")
    return getattr(torch, name, None) if torch is not None else None


class Encoder:
    """Turns a value into (header, buffers); `on_object` decides what to do with the rest."""

    def __init__(self, on_object: Callable[[Any], dict]):
        self.on_object = on_object
        self.buffers: list[bytes | memoryview] = []

    def buffer(self, data: bytes | memoryview) -> int:
        self.buffers.append(data)
        return len(self.buffers) - 1

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return self.on_object(value)
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int) and type(value) is int:
            return value
        if isinstance(value, float) and type(value) is float:
            if math.isfinite(value):
                return value
            return {"$": "float", "v": repr(value)}
        t = type(value)
        if t is list:
            return [self.encode(v, depth + 1) for v in value]
        if t is tuple or (isinstance(value, tuple) and hasattr(value, "_fields")):
            return {"$": "tuple", "v": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict) and t.__module__ in ("builtins", "collections"):
            return {
                "$": "dict",
                "k": [self.encode(k, depth + 1) for k in value],
                "v": [self.encode(v, depth + 1) for v in value.values()],
            }
        adapter = adapter_of(value)
        if adapter is not None:
            return self._array(adapter, value)
        if isinstance(value, np.generic):
            if value.dtype.kind not in NP_KINDS:
                return self.on_object(value)
            return {"$": "np", "dtype": value.dtype.str, "b": self.buffer(value.tobytes())}
        if isinstance(value, complex) and t is complex:
            return {"$": "complex", "v": [repr(value.real), repr(value.imag)]}
        if isinstance(value, np.dtype):
            return {"$": "npdtype", "v": value.str}
        if t in (set, frozenset):
            return {"$": t.__name__, "v": [self.encode(v, depth + 1) for v in value]}
        if t in (bytes, bytearray):
            return {"$": "bytes", "b": self.buffer(bytes(value))}
        if t is slice:
            return {"$": "slice", "v": [self.encode(p, depth + 1) for p in
                                         (value.start, value.stop, value.step)]}
        if value is Ellipsis:
            return {"$": "ellipsis"}
        if isinstance(value, PurePath):
            return {"$": "path", "v": str(value)}
        for attr, tag in (("dtype", "tdtype"), ("device", "tdevice"), ("Size", "tsize")):
            cls = _torch_attr(attr)
            if cls is not None and isinstance(value, cls):
                if tag == "tsize":
                    return {"$": tag, "v": [int(v) for v in value]}
                return {"$": tag, "v": str(value).removeprefix("torch.") if tag == "tdtype"
                        else str(value)}
        if isinstance(value, int):  # int subclasses (IntEnum...) cross as plain values
            return int(value)
        if isinstance(value, float):
            return self.encode(float(value), depth)
        return self.on_object(value)

    def _array(self, adapter: Any, value: Any) -> Any:
        try:
            dtype, arr = adapter.export(value)
        except TypeError:  # a sparse or quantized tensor, an unsupported dtype: stays there
            return self.on_object(value)
        if adapter is NUMPY and (arr.dtype.kind not in NP_KINDS or arr.dtype.hasobject):
            return self.on_object(value)
        facts = {k: v for k, v in adapter.facts(value).items() if k in _FACTS}
        return {"$": "arr", "fw": adapter.tag, "dtype": dtype, "shape": list(arr.shape),
                "b": self.buffer(memoryview(arr.reshape(-1)).cast("B") if arr.size else b""),
                "facts": facts}


class Decoder:
    """Rebuilds a value from (header, buffers); `on_handle` turns handle/ref tags into objects.

    Everything it builds counts against `limit` bytes: one buffer referenced a thousand times
    costs a thousand copies, so a reply cannot make the receiver hold more than that."""

    def __init__(self, buffers: list[bytes | memoryview], on_handle: Callable[[dict], Any],
                 limit: int = MAX_DECODED):
        self.buffers = buffers
        self.on_handle = on_handle
        self.left = limit

    def _spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise CodecError("the reply decodes to more data than the grader holds")

    def _buf(self, index: Any) -> bytes | memoryview:
        if not isinstance(index, int) or not 0 <= index < len(self.buffers):
            raise CodecError("bad buffer index")
        return self.buffers[index]

    @staticmethod
    def _shape(shape: Any) -> tuple[int, ...]:
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise CodecError("bad shape")
        return tuple(shape)

    @staticmethod
    def _dtype(spec: Any) -> np.dtype:
        if not isinstance(spec, str) or len(spec) > 8:
            raise CodecError("bad dtype")
        try:
            dtype = np.dtype(spec)
        except TypeError as exc:
            raise CodecError(f"bad dtype {spec!r}") from exc
        if dtype.kind not in NP_KINDS or dtype.hasobject or dtype.fields is not None:
            raise CodecError(f"dtype {spec!r} is not allowed")
        return dtype

    def _array(self, node: dict, dtype: np.dtype) -> np.ndarray:
        shape = self._shape(node.get("shape"))
        data = self._buf(node.get("b"))
        count = math.prod(shape)
        if len(data) != count * dtype.itemsize:
            raise CodecError("buffer size does not match shape and dtype")
        self._spend(len(data))
        return np.frombuffer(data, dtype=dtype, count=count).reshape(shape).copy()

    def decode(self, node: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH + 2:
            raise CodecError("too deep")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v, depth + 1) for v in node]
        if not isinstance(node, dict):
            raise CodecError(f"unexpected node {type(node).__name__}")
        tag = node.get("$")
        if tag == "tuple":
            return tuple(self.decode(v, depth + 1) for v in node["v"])
        if tag == "dict":
            keys, vals = node["k"], node["v"]
            if not isinstance(keys, list) or not isinstance(vals, list) or len(keys) != len(vals):
                raise CodecError("bad dict")
            pairs = zip(keys, vals, strict=True)
            return {self.decode(k, depth + 1): self.decode(v, depth + 1) for k, v in pairs}
        if tag == "arr":
            return self._framework_array(node)
        if tag == "np":
            dtype = self._dtype(node.get("dtype"))
            data = self._buf(node.get("b"))
            if len(data) != dtype.itemsize:
                raise CodecError("bad scalar")
            return np.frombuffer(data, dtype=dtype, count=1)[0]
        if tag == "float":
            if node.get("v") not in ("nan", "inf", "-inf"):
                raise CodecError("bad float")
            return float(node["v"])
        if tag in ("handle", "ref"):
            return self.on_handle(node)
        if tag == "complex":
            re, im = node["v"]
            return complex(float(re), float(im))
        if tag == "npdtype":
            return self._dtype(node.get("v"))
        if tag in ("set", "frozenset"):
            items = [self.decode(v, depth + 1) for v in node["v"]]
            return set(items) if tag == "set" else frozenset(items)
        if tag == "bytes":
            data = self._buf(node.get("b"))
            self._spend(len(data))
            return bytes(data)
        if tag == "slice":
            return slice(*(self.decode(v, depth + 1) for v in node["v"]))
        if tag == "ellipsis":
            return Ellipsis
        if tag == "path":
            return PurePath(str(node["v"]))
        if tag == "tdtype":
            if node.get("v") not in TENSOR_DTYPES:
                raise CodecError("bad torch dtype")
            return getattr(_torch(), node["v"])
        if tag == "tdevice":
            return _torch().device(str(node["v"]))
        if tag == "tsize":
            return _torch().Size(self._shape(node.get("v")))
        raise CodecError(f"unknown tag {tag!r}")

    def _framework_array(self, node: dict) -> Any:
        adapter = BY_TAG.get(node.get("fw"))  # type: ignore[arg-type]
        if adapter is None:
            raise CodecError("unknown array kind")
        facts = node.get("facts", {})
        if not isinstance(facts, dict) or any(
                k not in _FACTS or not isinstance(v, _FACTS[k]) for k, v in facts.items()):
            raise CodecError("bad array facts")
        dtype = node.get("dtype")
        if adapter is NUMPY:
            return self._array(node, self._dtype(dtype))
        if dtype not in TENSOR_DTYPES:
            raise CodecError("bad tensor dtype")
        raw = self._array(node, np.dtype("int16" if dtype == "bfloat16" else dtype))
        return adapter.build(raw, dtype, facts)


def pack(header: dict, buffers: list[bytes | memoryview]) -> list[bytes | memoryview]:
    """The pieces of one frame: lengths, JSON header, buffers (written without joining)."""
    sizes = [len(b) if isinstance(b, bytes) else b.nbytes for b in buffers]
    head = json.dumps({"h": header, "s": sizes}, separators=(",", ":")).encode()
    total = len(head) + sum(sizes)
    return [len(head).to_bytes(8, "little"), total.to_bytes(8, "little"), head, *buffers]


def encodable(value: Any, depth: int = 0) -> Any:
    """`value` with every string made encodable: JSON's `\\ud800` escapes decode to lone
    surrogates, which no file, terminal or database takes (each becomes U+FFFD)."""
    if isinstance(value, str):
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return value
    if depth > 200:
        raise CodecError("header nested too deeply")
    if isinstance(value, list):
        return [encodable(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {encodable(k, depth + 1): encodable(v, depth + 1) for k, v in value.items()}
    return value


def unpack(head: bytes, body: memoryview) -> tuple[dict, list[memoryview]]:
    """A frame's header (every string encodable) and its buffers."""
    try:
        meta = encodable(json.loads(head))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CodecError("header is not JSON") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("h"), dict):
        raise CodecError("bad frame")
    sizes = meta.get("s")
    if not isinstance(sizes, list) or not all(isinstance(s, int) and s >= 0 for s in sizes):
        raise CodecError("bad buffer sizes")
    if sum(sizes) != len(body):
        raise CodecError("frame length mismatch")
    buffers, offset = [], 0
    for size in sizes:
        buffers.append(body[offset : offset + size])
        offset += size
    return meta["h"], buffers
