"""Judging a Keras model from what the child carries out (grader side, no TensorFlow).

The child is the submission: whatever it reports is raw data to verify, never a verdict. Two
sources of data, both checked here:

- `dldrill.childkit.ch02:keras_graph(model)`: every operation of a model's graph (class, config,
  variables, the calls that fed it) and its compile settings, as plain data. Used for the
  *diagnosis* (which layer differs, in words), and believed only where behaviour confirms it:
  the variables' values are those the grader set (`set_random_weights` + `check_read_back`),
  the forward pass with them is the grader's own NumPy model, each Dropout drops what its
  config says (`check_dropout`), the compile settings act as they claim (`check_compiled`);
  parameter counts are summed here from the variables' shapes (`params`).
- `numpy_of(student, fn, x, **kw)`: the learner's model, layer or bound method called in the
  child, its result converted to NumPy there, so that only NumPy crosses.

Files the child wrote (a `.keras` zip, a `.weights.h5`) are submission-made bytes: they come back
as bytes (`file_bytes`) and are read as *data* by `keras_archive` / `h5_weights` in a fresh
confined artifact process that holds no submission code (`dldrill.sandbox.artifacts`: zipfile,
json and h5py called there through handles, no Keras deserialisation), never in the grader
process and never in the child.

The graph reader: `graph_path(info)`: the operations in the order the graph runs them, input
to output, as canonical tokens (`"Dense(128)"`, `"relu"`, `"Dropout(0.3)"`); a join of several
inputs is one token naming the join and its branches, sorted (`"Add[Input · Dense(128) · relu |
...]"`), so declaration order and an activation inside Dense or as a layer of its own read the
same; `first_difference(expected, got)`: the first token where two paths differ, for a message;
`dense_weights(info, shape, what, hint)`: the kernel and bias of the Dense with that kernel
shape; `layer_variables(op)`: an operation's variables as float64 arrays by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dldrill.errors import StudentError, SubmissionError
from dldrill.grading.checks import failure
from dldrill.i18n import Text, tr
from dldrill.sandbox.api import type_name


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


def random_weights(info: dict, rng: np.random.Generator) -> list[np.ndarray]:
    """Random float32 values for every variable `info` lists, in the model's own `weights` order
    (the order `set_weights` takes): N(0, 1/fan_in), moving variances in [0.5, 2]."""
    values = []
    for v in info["variables"]:
        shape = tuple(v["shape"])
        fan_in = shape[0] if len(shape) == 2 else 1
        if str(v["name"]).rpartition("/")[2] == "moving_variance":
            values.append(rng.uniform(0.5, 2.0, shape).astype(np.float32))
        else:
            values.append((rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32))
    return values


def check_read_back(info: dict, values: list[np.ndarray], what: str, hint: Text | str) -> None:
    """The variables `info` reports (read after `model.set_weights(values)`, with weights=True)
    hold exactly `values`, in order: the description is of the model the grader drives."""
    got = [np.asarray(v.get("value")) for v in info["variables"]]
    same = len(got) == len(values) and all(
        g.shape == e.shape and np.array_equal(g.astype(np.float32), e) for g, e in zip(got, values,
                                                                                       strict=False))
    if not same:
        raise failure(f"{what}: model.weights after model.set_weights(random values)",
                      tr("설정한 값 그대로", "exactly the values set").render(),
                      tr("다른 값 또는 다른 개수", "other values or another count").render(), hint)


def set_random_weights(student: Any, model: Any, rng: np.random.Generator, what: str,
                       hint: Text | str) -> tuple[dict, list[np.ndarray]]:
    """Random values set through the learner's own `set_weights`, then the model read again with
    its weights, which must be those values. Returns (that description, the values)."""
    info = student.call("dldrill.childkit.ch02:keras_graph", model)
    values = random_weights(info, rng)
    model.set_weights(values)
    info = student.call("dldrill.childkit.ch02:keras_graph", model, weights=True)
    check_read_back(info, values, what, hint)
    return info, values


def params(info: dict) -> tuple[int, int]:
    """(all parameters, trainable ones), summed here from the variables' shapes."""
    total = trainable = 0
    for v in info["variables"]:
        n = int(np.prod(v["shape"])) if v["shape"] else 1
        total += n
        trainable += n if v.get("trainable", True) else 0
    return total, trainable


# -- running the learner's objects in the child, NumPy out ---------------------------------------
def numpy_of(student: Any, fn: Any, x: Any = None, /, **kwargs: Any) -> Any:
    """`fn(x, **kwargs)` run in the child, every tensor of the result turned into a NumPy array
    there (`keras.tree.map_structure(keras.ops.convert_to_numpy, ...)`), so that only NumPy
    crosses and the grader never needs TensorFlow. `fn` is a handle: the learner's model or
    layer, one of its bound methods, or `operator.attrgetter(...)` built there for an attribute.
    Only library functions compose the call (functools.partial, map): no kit code runs there."""
    call = student.call("functools:partial", fn, **kwargs)
    convert = student.call("functools:partial", student.get("keras.tree:map_structure"),
                           student.get("keras.ops:convert_to_numpy"))
    results = student.call("builtins:map", convert, student.call("builtins:map", call, [x]))
    return next(iter(results))


def outputs(student: Any, model: Any, x: np.ndarray) -> np.ndarray:
    """`model(x, training=False)` as a NumPy array (the learner's model called in the child)."""
    return np.asarray(numpy_of(student, model, np.asarray(x, np.float32), training=False))


def check_dropout(student: Any, model: Any, info: dict, what: str, hint: Text | str) -> None:
    """Each Dropout of the graph, called on its own in the child, drops the fraction its config
    says (within 0.03 on 16384 values) and scales the kept ones by 1 / (1 - rate) in training
    mode, and is the identity in inference mode: the rates the graph reports are the ones that
    run."""
    x = np.full((256, 64), 2.0, np.float32)
    for op in info["ops"]:
        if op["class"] != "Dropout":
            continue
        rate = float((op.get("config") or {}).get("rate", -1))
        layer = model.get_layer(op["name"])
        got = np.asarray(numpy_of(student, layer, x, training=True), dtype=np.float64)
        name = f"{what}: Dropout {op['name']!r} (rate {rate}) on 16384 values, training=True"
        if got.shape != x.shape:
            raise failure(f"{name}: shape", str(x.shape), str(got.shape), hint)
        dropped = float(np.mean(got == 0.0))
        kept = got[got != 0.0]
        if not (abs(dropped - rate) <= 0.03 and 0.0 < rate < 1.0
                and np.allclose(kept, 2.0 / (1.0 - rate), rtol=1e-5)):
            raise failure(f"{name}: dropped fraction, kept values",
                          f"{rate:.2f}, {2.0 / (1.0 - rate) if rate < 1 else float('nan'):.4f}",
                          f"{dropped:.3f}, {kept[:1].tolist()}", hint)
        same = np.asarray(numpy_of(student, layer, x, training=False))
        if same.shape != x.shape or not np.array_equal(same, x):
            raise failure(f"{what}: Dropout {op['name']!r}, training=False",
                          tr("입력 그대로", "the input unchanged").render(),
                          tr("다른 값", "other values").render(), hint)


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


# -- compile settings, by what they do ------------------------------------------------------------
def _adam(w: np.ndarray, batches: list[tuple[np.ndarray, np.ndarray]], lr: float = 1e-3,
          beta_1: float = 0.9, beta_2: float = 0.999, eps: float = 1e-7) -> np.ndarray:
    """Keras' Adam on a linear model without bias and the mean squared error, one step per batch
    (float64): g = 2/B Xᵀ(Xw − y); m, v moving averages; w −= lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)."""
    w = w.astype(np.float64)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t, (X, Y) in enumerate(batches, start=1):
        X, Y = X.astype(np.float64), Y.astype(np.float64)
        g = 2.0 / len(X) * X.T @ (X @ w - Y)
        m += (g - m) * (1 - beta_1)
        v += (g * g - v) * (1 - beta_2)
        w = w - lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t) * m / (np.sqrt(v) + eps)
    return w


def check_compiled(student: Any, model: Any, cfg: dict | None, num_classes: int,
                   rng: np.random.Generator, what: str, hint: Text | str) -> None:
    """The curriculum's compile settings, by what they do (after `check_compile` on the settings
    the child reports, for the message):

    - loss: `model.compute_loss(y=labels, y_pred=probabilities)` equals the mean of −log p[label]
      computed here (categorical cross-entropy on integer labels, or from_logits, differ);
    - metrics: `model.compute_metrics(None, labels, probabilities, None)` reports an accuracy equal
      to argmax agreement computed here;
    - optimizer: the model's own optimizer object drives two steps of a linear model the grader
      builds in the child (plain keras layers, MSE): the weights after them are Keras' Adam at
      0.001 computed here.
    """
    check_compile(cfg, what, hint)
    y = rng.integers(0, num_classes, 8)
    p = rng.dirichlet(np.ones(num_classes) * 0.7, 8).astype(np.float32)
    p[:3] = np.eye(num_classes, dtype=np.float32)[y[:3]] * 0.6 + 0.4 / num_classes  # 3+ right
    loss = float(np.mean(-np.log(np.clip(p[np.arange(8), y] / p.sum(axis=1), 1e-7, 1 - 1e-7))))
    try:
        got = np.asarray(numpy_of(student, model.compute_loss, None, y=y, y_pred=p), np.float64)
    except StudentError as err:
        raise failure(f"{what}.compute_loss(y=integer labels (8,), y_pred=probabilities (8, "
                      f"{num_classes}))", f"{loss:.6f}", f"{err.type_name}: {err.message}"[:200],
                      hint) from None
    if got.shape != () or not np.isclose(float(got), loss, rtol=1e-4, atol=1e-6):
        raise failure(f"{what}.compute_loss(y=integer labels, y_pred=probabilities): sparse "
                      "categorical cross-entropy", f"{loss:.6f}", str(got)[:80], hint)
    accuracy = float(np.mean(p.argmax(axis=1) == y))
    metrics = numpy_of(student, model.compute_metrics, None, y=y, y_pred=p, sample_weight=None)
    found = {str(k): float(np.asarray(v)) for k, v in (metrics.items() if isinstance(metrics, dict)
                                                      else []) if np.asarray(v).shape == ()}
    named = [k for k in found if k in ("accuracy", "acc", "sparse_categorical_accuracy")]
    if not named or not all(np.isclose(found[k], accuracy, atol=1e-6) for k in named):
        raise failure(f"{what}.compute_metrics(labels, probabilities): accuracy",
                      f"accuracy = {accuracy:.4f}", str(found)[:200], hint)
    opt = model.optimizer
    dense = student.call("keras.layers:Dense", 1, use_bias=False)
    probe = student.call("keras:Sequential", [student.call("keras:Input", shape=(3,)), dense])
    probe.compile(optimizer=opt, loss="mean_squared_error")
    w0 = np.array([[0.5], [-1.0], [2.0]], np.float32)
    probe.set_weights([w0])
    batches = [(rng.standard_normal((6, 3)).astype(np.float32),
                rng.standard_normal((6, 1)).astype(np.float32)) for _ in range(2)]
    batches[1] = (batches[1][0], batches[1][1] + 40.0)  # a gradient of other signs and sizes
    for X, Y in batches:
        probe.train_on_batch(X, Y)
    got_w = np.asarray(probe.get_weights()[0], np.float64)
    expected = _adam(w0, batches)
    if got_w.shape != expected.shape or not np.allclose(got_w, expected, rtol=1e-4, atol=1e-6):
        raise failure(f"{what}.optimizer: two steps on a linear model (MSE) from known weights",
                      "Adam(learning_rate=0.001): " + " ".join(f"{v:.6f}" for v in expected.ravel()),
                      " ".join(f"{v:.6f}" for v in got_w.ravel()), hint)


# -- files the child wrote, read as data in an artifact process -----------------------------------
def file_bytes(student: Any, path: str, what: str, hint: Text | str) -> bytes:
    """The bytes of the file at `path` in the child (read there with numpy.fromfile, a library
    call; judged only after they are read here as data). A failure when there is no file."""
    try:
        data = student.call("numpy:fromfile", path, dtype="uint8")
    except StudentError:
        raise failure(what, tr("저장된 파일", "a saved file").render(),
                      tr("파일 없음", "no file").render(), hint) from None
    return np.asarray(data, np.uint8).tobytes()


def _datasets(proc: Any, h5: Any, prefix: str) -> dict[str, np.ndarray]:
    """Every dataset under `prefix` of an open h5py File (a handle in the artifact process)."""
    names = proc.call("collections:deque")
    h5.visit(names.append)
    out: dict[str, np.ndarray] = {}
    for name in names:
        name = str(name)
        if name.startswith(prefix):
            node = h5[name]
            if type_name(node).endswith(".Dataset"):
                out[name] = np.asarray(node[()])
    return out


def _archive_failure(what: str, expected: Text | str, err: Exception, hint: Text | str) -> Exception:
    got = f"{err.type_name}: {err.message}" if isinstance(err, StudentError) else str(err)
    return failure(what, expected, got[:300], hint)


def keras_archive(artifacts: Any, data: bytes, what: str, hint: Text | str,
                  budget: float = 30.0) -> dict:
    """A `.keras` file's bytes read as data in a fresh confined artifact process (zipfile, json,
    h5py; no Keras, no submission code): `{"config": config.json parsed, "weights": {h5 path:
    array}}` for the datasets under `layers/` (e.g. `layers/dense/vars/0`: Keras names each
    layer's group after its class, snake case, numbered by order: `dense`, `dense_1`)."""
    expected = tr(".keras 파일 (zip: config.json, model.weights.h5)",
                  "a .keras file (a zip: config.json, model.weights.h5)")
    try:
        with artifacts.process({"model.keras": data}, "numpy", budget=budget) as proc:
            archive = proc.call("zipfile:ZipFile", proc.path("model.keras"))
            config = proc.call("json:loads", archive.read("config.json"))
            h5 = proc.call("h5py:File", proc.call("io:BytesIO", archive.read("model.weights.h5")),
                           "r")
            weights = _datasets(proc, h5, "layers/")
    except (StudentError, SubmissionError) as err:
        raise _archive_failure(what, expected, err, hint) from None
    if not isinstance(config, dict):
        raise failure(what, expected, f"config.json: {type(config).__name__}", hint)
    return {"config": config, "weights": weights}


def h5_weights(artifacts: Any, data: bytes, what: str, hint: Text | str,
               budget: float = 30.0) -> dict[str, np.ndarray]:
    """A `.weights.h5` file's bytes read as data in a fresh confined artifact process (h5py):
    its datasets under `layers/`, by path."""
    try:
        with artifacts.process({"model.weights.h5": data}, "numpy", budget=budget) as proc:
            h5 = proc.call("h5py:File", proc.path("model.weights.h5"), "r")
            return _datasets(proc, h5, "layers/")
    except (StudentError, SubmissionError) as err:
        raise _archive_failure(what, tr("Keras 가중치 파일 (HDF5)", "a Keras weights file (HDF5)"),
                               err, hint) from None
