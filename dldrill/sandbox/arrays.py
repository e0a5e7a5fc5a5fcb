"""One table of array types, whatever the framework: NumPy, PyTorch, TensorFlow and Keras.

Each `Adapter` knows how to recognise a framework's array (without importing the framework: a
value can only be a tensor of a framework that is already imported), how to turn it into a
C-ordered ndarray plus a few plain facts (dtype name, device, requires_grad...), and how to
build it back. The codec (crossing the sandbox) and the grading checks (`assert_close`,
`describe`, `to_numpy`, shape checks) both use this table, so every framework's values keep
their exact shape and dtype and are compared alike.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

# dtype kinds allowed in arrays: bool, signed/unsigned ints, floats, complex, fixed-width text.
NP_KINDS = set("biufcUS")
# Framework dtypes that cross (bfloat16 travels as its raw 16-bit pattern).
TENSOR_DTYPES = (
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "int8", "int16", "int32", "int64", "uint8", "bool",
)


def c_array(arr: np.ndarray) -> np.ndarray:
    """A C-contiguous array with exactly the same shape (0-d stays 0-d) and dtype."""
    return arr if arr.flags.c_contiguous else np.array(arr, order="C", copy=True)


def _module_attr(module: str, *path: str) -> Any:
    """`module.path...` if that module is imported (and far enough along), else None."""
    obj = sys.modules.get(module)
    for part in path:
        obj = getattr(obj, part, None)
    return obj


@dataclass(frozen=True)
class Adapter:
    """How one framework's arrays cross the sandbox and enter the checks."""

    tag: str  # the codec's tag, and the kind name checks use ("ndarray", "tensor", "tf")
    label: str  # for messages: "numpy.ndarray", "torch.Tensor", "tf.Tensor"
    matches: Callable[[Any], bool]
    to_numpy: Callable[[Any], np.ndarray]  # exact shape and dtype (bfloat16 as float32 here)
    facts: Callable[[Any], dict]  # plain facts to keep: dtype name, device, grad, variable...
    export: Callable[[Any], tuple[str, np.ndarray]]  # (dtype name, C-ordered raw ndarray)
    build: Callable[[np.ndarray, str, dict], Any]  # (raw ndarray, dtype name, facts) -> value


# -- NumPy ----------------------------------------------------------------------------------------
def _np_export(value: np.ndarray) -> tuple[str, np.ndarray]:
    return value.dtype.str, c_array(value)


NUMPY = Adapter(
    tag="ndarray", label="numpy.ndarray",
    matches=lambda v: isinstance(v, np.ndarray),
    to_numpy=lambda v: v,
    facts=lambda v: {},
    export=_np_export,
    build=lambda arr, dtype, facts: arr,
)


# -- PyTorch --------------------------------------------------------------------------------------
def _is_torch(value: Any) -> bool:
    tensor = _module_attr("torch", "Tensor")
    return tensor is not None and isinstance(value, tensor)


def _torch_export(value: Any) -> tuple[str, np.ndarray]:
    import torch

    name = str(value.dtype).removeprefix("torch.")
    if value.layout != torch.strided or name not in TENSOR_DTYPES or value.is_quantized:
        raise TypeError(f"a {name} {value.layout} tensor cannot cross")
    t = value.detach().cpu().resolve_conj().resolve_neg().contiguous()
    if name == "bfloat16":
        t = t.view(torch.int16)
    return name, c_array(t.numpy())


def _torch_to_numpy(value: Any) -> np.ndarray:
    t = value.detach().cpu()
    if str(t.dtype) == "torch.bfloat16":
        t = t.float()
    return t.resolve_conj().resolve_neg().numpy()


def _torch_facts(value: Any) -> dict:
    import torch

    return {"grad": bool(value.requires_grad), "param": isinstance(value, torch.nn.Parameter),
            "device": str(value.device)}


def _torch_build(arr: np.ndarray, dtype: str, facts: dict) -> Any:
    import torch

    t = torch.from_numpy(arr)
    if dtype == "bfloat16":
        t = t.view(torch.bfloat16)
    if facts.get("param"):
        return torch.nn.Parameter(t, requires_grad=bool(facts.get("grad")))
    if facts.get("grad") and (t.is_floating_point() or t.is_complex()):
        t.requires_grad_(True)
    return t


TORCH = Adapter(
    tag="tensor", label="torch.Tensor", matches=_is_torch, to_numpy=_torch_to_numpy,
    facts=_torch_facts, export=_torch_export, build=_torch_build,
)


# -- TensorFlow and Keras -------------------------------------------------------------------------
def _is_tf(value: Any) -> bool:
    tf_tensor = _module_attr("tensorflow", "Tensor")
    tf_variable = _module_attr("tensorflow", "Variable")
    keras_variable = _module_attr("keras", "Variable")
    kinds = tuple(k for k in (tf_tensor, tf_variable, keras_variable) if isinstance(k, type))
    return bool(kinds) and isinstance(value, kinds)


def _tf_dtype(value: Any) -> str:
    dtype = getattr(value, "dtype", None)
    return str(getattr(dtype, "name", dtype))


def _tf_export(value: Any) -> tuple[str, np.ndarray]:
    name = _tf_dtype(value)
    if name not in TENSOR_DTYPES:
        raise TypeError(f"a {name} TensorFlow value cannot cross")
    arr = np.asarray(value.numpy())  # a 0-d tensor gives a NumPy scalar: keep it 0-d
    if name == "bfloat16":
        arr = arr.view(np.int16)
    return name, c_array(arr)


def _tf_to_numpy(value: Any) -> np.ndarray:
    arr = np.asarray(value.numpy())
    return arr.astype(np.float32) if _tf_dtype(value) == "bfloat16" else arr


def _tf_facts(value: Any) -> dict:
    keras_variable = _module_attr("keras", "Variable")
    tf_variable = _module_attr("tensorflow", "Variable")
    kind = ("keras" if isinstance(keras_variable, type) and isinstance(value, keras_variable)
            else "tf" if isinstance(tf_variable, type) and isinstance(value, tf_variable) else "")
    facts: dict = {"variable": kind}
    if kind:
        facts["trainable"] = bool(getattr(value, "trainable", True))
        facts["name"] = str(getattr(value, "name", ""))[:200]
    return facts


def _tf_build(arr: np.ndarray, dtype: str, facts: dict) -> Any:
    import tensorflow as tf

    t = tf.constant(arr)
    if dtype == "bfloat16":
        t = tf.bitcast(t, tf.bfloat16)
    kind = facts.get("variable")
    if kind == "keras":
        import keras

        return keras.Variable(t, trainable=bool(facts.get("trainable", True)),
                              name=str(facts.get("name") or "variable").split("/")[-1].split(":")[0])
    if kind == "tf":
        return tf.Variable(t, trainable=bool(facts.get("trainable", True)))
    return t


TENSORFLOW = Adapter(
    tag="tf", label="tf.Tensor", matches=_is_tf, to_numpy=_tf_to_numpy, facts=_tf_facts,
    export=_tf_export, build=_tf_build,
)

ADAPTERS: tuple[Adapter, ...] = (NUMPY, TORCH, TENSORFLOW)
BY_TAG = {a.tag: a for a in ADAPTERS}


def adapter_of(value: Any) -> Adapter | None:
    """The adapter for an array of any framework, or None for anything else."""
    for adapter in ADAPTERS:
        if adapter.matches(value):
            return adapter
    return None


def to_numpy(value: Any) -> np.ndarray:
    """An ndarray of an array of any framework (detached, on the CPU, exact shape), or
    `np.asarray` of anything else (numbers, nested lists)."""
    adapter = adapter_of(value)
    return adapter.to_numpy(value) if adapter else np.asarray(value)


def dtype_name(value: Any) -> str:
    """`float32`, whatever the framework (a NumPy, torch or TensorFlow dtype, or a value's)."""
    if isinstance(value, type):  # np.float32, float
        return np.dtype(value).name
    dtype = getattr(value, "dtype", value)
    name = getattr(dtype, "name", None)
    return name if isinstance(name, str) else str(dtype).removeprefix("torch.")


def describe_array(value: Any) -> str | None:
    """`torch.Tensor shape (2, 3) float32` for an array of any framework, else None."""
    adapter = adapter_of(value)
    if adapter is None:
        return None
    return f"{adapter.label} shape {tuple(int(s) for s in value.shape)} {dtype_name(value)}"
