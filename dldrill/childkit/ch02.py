"""Generic child-side reader for Keras models (raw data only, no exercise answers).

    info = student.call("dldrill.childkit.ch02:keras_graph", model)            # layers + wiring
    info = student.call("dldrill.childkit.ch02:keras_graph", model, weights=True)  # + values

It returns plain values (lists, dicts, numbers, NumPy arrays) describing the model as it is; it
runs no forward pass, no training, no loading. The child is the submission, so the graders
believe this description only where behaviour confirms it (`dldrill.grading.keras_graph`: the
weights read back are those the grader set, the forward pass with them is the grader's NumPy
model, each Dropout drops what its config says, the compile settings act as they claim).
Keras is imported on use, so importing this module never loads TensorFlow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dldrill.childkit.builders import plain, shape_of


def _graph_model(model: Any) -> Any:
    """The Functional graph behind `model`: itself, or a built Sequential's inner one."""
    if hasattr(model, "operations") and hasattr(model, "inputs"):
        return model
    return getattr(model, "_functional", None)


def _source(tensor: Any) -> list:
    """[operation name, call index] of the call that produced a symbolic tensor."""
    history = getattr(tensor, "_keras_history", None)
    return [str(getattr(getattr(history, "operation", None), "name", None)),
            int(getattr(history, "node_index", 0) or 0)]


def _calls(op: Any) -> list[list[list]]:
    """For each call of `op` in its graph (a layer may be called several times), the calls that
    produced its inputs, as [operation name, call index] pairs, in argument order."""
    return [[_source(t) for t in (getattr(node, "input_tensors", []) or [])]
            for node in (getattr(op, "_inbound_nodes", []) or [])]


def _variable(v: Any, with_value: bool) -> dict:
    entry = {"name": str(getattr(v, "name", "")), "path": str(getattr(v, "path", "")),
             "shape": shape_of(v.shape), "trainable": bool(getattr(v, "trainable", True))}
    if with_value:
        entry["value"] = np.array(v.numpy() if hasattr(v, "numpy") else v, copy=True)
    return entry


def keras_graph(model: Any, weights: bool = False) -> dict:
    """A Keras model as plain data.

    `ops`: one dict per operation of the model's graph, in the graph's order (for a Sequential:
    its layers after an `InputLayer`; unbuilt models: `model.layers`): `class` (class name),
    `module` (the class's module), `name`, `config` (`get_config()` as plain values, or None
    when it fails, with `config_error`), `calls` (per call of the operation in the graph — a
    layer object may be called more than once — the [operation name, call index] pairs that
    produced its inputs), `variables` (name, path, shape, trainable; `value` too with
    `weights=True`). `outputs`: the [operation name, call index] pairs of the model's outputs.
    `variables`: the model's own `model.weights` list in order (the order `set_weights` uses),
    same fields. `params`, `trainable_params`, `input_shape`, `output_shape`, `built`, and
    `compile` (`model.get_compile_config()` as plain values, or None when not compiled).
    """
    graph = _graph_model(model)
    ops = list(graph.operations) if graph is not None else list(getattr(model, "layers", []))
    out_ops = []
    for op in ops:
        try:
            config, error = plain(op.get_config()), None
        except Exception as err:  # reported as data
            config, error = None, f"{type(err).__name__}: {err}"[:500]
        entry = {
            "class": type(op).__name__,
            "module": type(op).__module__,
            "name": str(getattr(op, "name", "")),
            "config": config,
            "calls": _calls(op) if graph is not None else [],
            "variables": [_variable(v, weights) for v in getattr(op, "weights", [])],
        }
        if error:
            entry["config_error"] = error
        out_ops.append(entry)
    try:
        compiled = model.get_compile_config()
    except (AttributeError, ValueError, NotImplementedError):
        compiled = None
    built = bool(getattr(model, "built", False))
    return {
        "ops": out_ops,
        "outputs": [_source(t) for t in (getattr(graph, "outputs", None) or [])] if graph else [],
        "variables": [_variable(v, weights) for v in model.weights],
        "params": int(model.count_params()) if built else 0,
        "trainable_params": int(sum(int(np.prod(w.shape)) for w in model.trainable_weights)),
        "input_shape": shape_of(getattr(model, "input_shape", None)) if built else None,
        "output_shape": shape_of(getattr(model, "output_shape", None)) if built else None,
        "built": built,
        "compile": plain(compiled) if compiled else None,
    }
