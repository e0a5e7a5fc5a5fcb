"""Generic child-side helpers for Keras models and callbacks (raw data only, no exercise answers).

    info = student.call("dldrill.childkit.ch02:keras_graph", model)            # layers + wiring
    info = student.call("dldrill.childkit.ch02:keras_graph", model, weights=True)  # + values
    out = student.call("dldrill.childkit.ch02:keras_outputs", model, x)        # NumPy outputs
    cbs = student.call("dldrill.childkit.ch02:callback_summary", callbacks)     # plain attributes
    run = student.call("dldrill.childkit.ch02:scripted_fit", model, X, y, Xv, yv, callbacks,
                       script={"val_loss": [...]}, epochs=20)                  # per-epoch record

Each returns plain values (lists, dicts, numbers, NumPy arrays); the grader judges them. Keras is
imported on use, so importing this module never loads TensorFlow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dldrill.childkit import grader_only
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


def keras_outputs(model: Any, x: Any, training: bool = False) -> np.ndarray:
    """`model(x, training=training)` as a NumPy array (x: a float32 NumPy array)."""
    return np.array(model(np.asarray(x, dtype=np.float32), training=training), copy=True)


def get_weights(model: Any) -> list[np.ndarray]:
    """Copies of `model.get_weights()`, in `model.weights` order."""
    return [np.array(w, copy=True) for w in model.get_weights()]


def keras_file_weights(path: str) -> dict | None:
    """The model saved in the `.keras` file at `path`, loaded with `keras.models.load_model`
    (compile=False): `{"class": its class name, "weights": get_weights()}`; None when there is
    no such file."""
    import os

    import keras

    if not os.path.isfile(path):
        return None
    loaded = keras.models.load_model(path, compile=False)
    return {"class": type(loaded).__name__, "weights": get_weights(loaded)}


_CALLBACK_ATTRS = ("monitor", "patience", "restore_best_weights", "min_delta", "mode", "baseline",
                   "start_from_epoch", "factor", "min_lr", "cooldown", "filepath", "save_best_only",
                   "save_weights_only", "save_freq", "log_dir", "verbose")


def callback_summary(callbacks: Any) -> list[dict] | None:
    """Each callback of the list as `{"class", "module", "attrs"}`, `attrs` holding the usual
    settings it has (monitor, patience, factor, filepath, log_dir...) as plain values. None when
    `callbacks` is not a list or tuple."""
    if not isinstance(callbacks, (list, tuple)):
        return None
    out = []
    for cb in callbacks:
        attrs = {a: plain(getattr(cb, a)) for a in _CALLBACK_ATTRS if hasattr(cb, a)}
        out.append({"class": type(cb).__name__, "module": type(cb).__module__, "attrs": attrs})
    return out


def small_classifier(in_dim: int, classes: int, lr: float = 0.01, seed: int = 0, hidden: int = 0) -> Any:
    """A compiled softmax classifier with SGD(lr), sparse categorical cross-entropy and accuracy,
    weights seeded: `Input(in_dim) · Dense(classes, softmax)`, or with `hidden` > 0
    `Input(in_dim) · Dense(hidden, relu) · BatchNormalization · Dropout(0.2) · Dense(classes,
    softmax)`."""
    import keras

    stack: list = [keras.Input(shape=(in_dim,))]
    if hidden:
        stack += [keras.layers.Dense(hidden, activation="relu",
                                     kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 1)),
                  keras.layers.BatchNormalization(), keras.layers.Dropout(0.2)]
    stack.append(keras.layers.Dense(classes, activation="softmax",
                                    kernel_initializer=keras.initializers.GlorotUniform(seed=seed)))
    model = keras.Sequential(stack)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@grader_only
def scripted_fit(model: Any, X: Any, y: Any, X_val: Any, y_val: Any, callbacks: Any,
                 script: dict, epochs: int, batch_size: int = 16, seed: int = 0) -> dict:
    """`model.fit` with `callbacks`, where the epoch-end values named in `script` are replaced by
    the scripted ones (`script["val_loss"][epoch]`...) before any of `callbacks` sees them, so
    that a plateau happens at a known epoch. Every epoch end is recorded after the callbacks
    ran: the learning rate and a copy of the weights.

    Returns `{"epochs_run", "lr": [per epoch], "weights": [per epoch: list of arrays],
    "final": the weights after fit, "history": History's dict}`.
    """
    import keras

    class Script(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if logs is not None:
                for key, values in script.items():
                    logs[key] = float(values[min(epoch, len(values) - 1)])

    lrs: list[float] = []
    snapshots: list[list[np.ndarray]] = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            lrs.append(float(np.asarray(self.model.optimizer.learning_rate)))
            snapshots.append(get_weights(self.model))

    keras.utils.set_random_seed(seed)
    history = model.fit(np.asarray(X, np.float32), np.asarray(y), epochs=int(epochs),
                        batch_size=int(batch_size), verbose=0, shuffle=False,
                        validation_data=(np.asarray(X_val, np.float32), np.asarray(y_val)),
                        callbacks=[Script(), *list(callbacks), Record()])
    return {"epochs_run": len(snapshots), "lr": lrs, "weights": snapshots,
            "final": get_weights(model), "history": plain(history.history)}
