"""Judging a Keras model from the raw description a child returns (grader side, no TensorFlow).

`dldrill.childkit.ch02:keras_graph(model)` returns, as plain data, every operation of a model's
graph (class, config, variables, the calls that fed it), its parameter counts and its compile
settings; the graders read that here:

- `graph_path(info)`: the operations in the order the graph runs them, input to output, as
  canonical tokens (`"Dense(128)"`, `"relu"`, `"Dropout(0.3)"`); a join of several inputs is one
  token naming the join and its branches, sorted (`"Add[Input · Dense(128) · relu | ...]"`), so
  declaration order and an activation inside Dense or as a layer of its own read the same;
- `first_difference(expected, got)`: the first token where two paths differ, for a message;
- `dense_weights(info, shape, what, hint)`: the kernel and bias of the Dense with that kernel shape;
- `layer_variables(op)`: an operation's variables as float64 arrays by name;
- `randomize_weights(model, info, rng)`: random values set through the learner's `set_weights`;
- `check_compile(cfg, what, hint)`: Adam(0.001), sparse categorical cross-entropy, accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dldrill.grading.checks import failure
from dldrill.i18n import Text, tr


def op_tokens(op: dict) -> list[str]:
    """One operation as canonical tokens: an activation inside Dense or as its own layer reads the
    same; a linear activation is no token."""
    c, cfg = op["class"], op.get("config") or {}
    act = None
    out: list[str] = []
    if c == "Dense":
        out.append(f"Dense({cfg.get('units')}" + ("" if cfg.get("use_bias", True) else ", no bias") + ")")
        act = cfg.get("activation")
    elif c == "Activation":
        act = cfg.get("activation")
    elif c == "ReLU":
        plain = not cfg.get("negative_slope") and cfg.get("max_value") is None and not cfg.get("threshold")
        act = "relu" if plain else f"ReLU({cfg})"
    elif c == "Softmax":
        act = "softmax"
    elif c == "Dropout":
        out.append(f"Dropout({cfg.get('rate')})")
    else:
        out.append(c)
    if isinstance(act, dict):  # a serialized function
        act = act.get("config", act.get("class_name"))
    if act is not None and act != "linear":
        out.append(str(act))
    return out


def graph_path(info: dict, max_ops: int = 200) -> list[str]:
    """The model's operations from its input to its output, as tokens (a join of several inputs
    is one token naming the join and its branches). At most `max_ops` operations are read."""
    ops = {o["name"]: o for o in info["ops"]}

    def back(src: list, budget: list[int]) -> list[str]:
        tokens: list[str] = []
        while budget[0] > 0:
            budget[0] -= 1
            op = ops.get(src[0])
            if op is None:
                return [f"?{src[0]}", *tokens]
            if op["class"] == "InputLayer":
                return ["Input", *tokens]
            calls = op.get("calls") or []
            ins = calls[src[1]] if src[1] < len(calls) else []
            if len(ins) == 1:
                tokens = op_tokens(op) + tokens
                src = ins[0]
                continue
            branches = sorted(" · ".join(back(s, budget)) for s in ins)
            return [f"{op['class']}[{' | '.join(branches)}]", *tokens]
        return ["…", *tokens]

    if len(info["outputs"]) != 1:
        return [f"{len(info['outputs'])} outputs"]
    return back(info["outputs"][0], [max_ops])


def first_difference(expected: list[str], got: list[str]) -> tuple[str, str]:
    """("#i: expected token", "#i: got token") at the first position where the paths differ."""
    i = next((i for i, (e, g) in enumerate(zip(expected, got, strict=False)) if e != g),
             min(len(expected), len(got)))
    e = expected[i] if i < len(expected) else tr("(끝)", "(end)").render()
    g = got[i] if i < len(got) else tr("(끝)", "(end)").render()
    return f"#{i + 1}: {e}", f"#{i + 1}: {g}"


def layer_variables(op: dict) -> dict[str, np.ndarray]:
    """An operation's variables by name, as float64 arrays."""
    return {v["name"]: np.asarray(v["value"], dtype=np.float64) for v in op["variables"]}


def dense_weights(info: dict, shape: tuple[int, int], what: str,
                  hint: Text | str) -> tuple[np.ndarray, np.ndarray]:
    """(kernel (in, out), bias (out,)) of the Dense whose kernel has `shape`; a failure if none."""
    for op in info["ops"]:
        v = layer_variables(op) if op["class"] == "Dense" else {}
        if "kernel" in v and v["kernel"].shape == shape:
            return v["kernel"], v.get("bias", np.zeros(shape[1]))
    raise failure(f"{what}: a Dense layer with a {shape} kernel",
                  f"Dense({shape[1]}) on {shape[0]} inputs", tr("없음", "none").render(), hint)


def randomize_weights(model: Any, info: dict, rng: np.random.Generator) -> None:
    """Random values for every variable of the learner's model (a handle), in its own `weights`
    order: N(0, 1/fan_in), moving variances in [0.5, 2]."""
    values = []
    for v in info["variables"]:
        shape = tuple(v["shape"])
        fan_in = shape[0] if len(shape) == 2 else 1
        if v["name"] == "moving_variance":
            values.append(rng.uniform(0.5, 2.0, shape).astype(np.float32))
        else:
            values.append((rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32))
    model.set_weights(values)


def check_compile(cfg: dict | None, what: str, hint: Text | str) -> None:
    """The curriculum's compile settings: Adam at 0.001, sparse categorical cross-entropy on
    probabilities, an accuracy metric. Raises a failure naming the first that differs."""
    if not cfg:
        raise failure(f"{what}: compiled", tr("컴파일된 모델", "a compiled model").render(),
                      tr("컴파일되지 않음", "not compiled").render(), hint)
    opt = cfg.get("optimizer")
    name = opt.get("class_name") if isinstance(opt, dict) else opt
    lr = (opt.get("config") or {}).get("learning_rate") if isinstance(opt, dict) else None
    if isinstance(lr, (int, float)) and not isinstance(lr, bool):
        lr_ok = bool(np.isclose(float(lr), 1e-3, rtol=1e-5))
    else:
        lr_ok = lr is None and str(name).lower() == "adam"  # the string "adam": default 0.001
    if str(name).lower() != "adam" or not lr_ok:
        raise failure(f"{what}: optimizer", "Adam(learning_rate=0.001)", f"{name}(learning_rate={lr})",
                      hint)
    loss = cfg.get("loss")
    loss_name = loss.get("class_name") if isinstance(loss, dict) else loss
    from_logits = (loss.get("config") or {}).get("from_logits") if isinstance(loss, dict) else False
    if str(loss_name).lower().replace("_", "") != "sparsecategoricalcrossentropy" or from_logits:
        raise failure(f"{what}: loss", "sparse_categorical_crossentropy",
                      f"{loss_name}" + (" (from_logits=True)" if from_logits else ""), hint)
    metrics = cfg.get("metrics") or []
    metrics = metrics if isinstance(metrics, list) else [metrics]
    names = [m.get("class_name") if isinstance(m, dict) else m for m in metrics]
    if not any(str(n).lower() in ("accuracy", "acc", "sparsecategoricalaccuracy") for n in names):
        raise failure(f"{what}: metrics", "['accuracy']", str(names), hint)
