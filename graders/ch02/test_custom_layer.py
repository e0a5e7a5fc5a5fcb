"""Graders for ch02.custom_layer (checklist: keras-apis).

ScaledDense is built in the submission inside a `keras.Sequential` the grader builds there from
plain Keras, and read as plain data (`dldrill.childkit.ch02:keras_graph`: its variables by name,
shape, trainability and value) for the diagnosis; what the grader relies on it checks by
behaviour: the outputs, with random weights set through the model's own `set_weights`, against
`activation(scale * (x @ kernel + bias))` computed here in NumPy (only NumPy crosses); the
initial values against the outputs they give; trainability by one SGD step of the grader's
model (`train_on_batch`, MSE) from known weights, every weight's update computed here.

Saving and loading: `model.save(path)` runs in the child (Keras calls the learner's
`get_config`), with the activation given as a function (`keras.activations.tanh`), which Keras 3
cannot serialise for a layer without its own `get_config`. The file's bytes come back and are
read as data in a fresh confined artifact process holding no submission code (zipfile, json,
h5py: `keras_graph.keras_archive`), never in the child, whose `load_model` the submission could
replace: the saved layer config (class, units, activation, name) and the saved weights are checked
here. Loading is then what `load_model` does with that config: the learner's
`ScaledDense.from_config(saved config)` is called in the child with the grader's copy of it, given
the saved weights, and its outputs are compared here with the NumPy ones.

Also caught without a sample of their own: get_config without the activation (a loaded layer is
linear), a scale applied to the kernel only (the bias unscaled), a scale initialised to zero.
Accepted alternative: keras.ops.multiply, serialize_keras_object with a from_config of its own
(fixtures/submissions/alternatives/ch02_callbacks_layer_saving_other_style.toml).
"""

import numpy as np

from dldrill.errors import StudentError
from dldrill.grading import assert_close, assert_shape, failure, grader, tr
from dldrill.grading.keras_graph import file_bytes, keras_archive, outputs

MODULE = "ch02.custom_layer"
CHILDKIT = "dldrill.childkit.ch02"
BUILDERS = "dldrill.childkit.builders"

HINT = tr("build에서 kernel (in, units), bias (units,) 0으로, scale ()을 1.0으로 만들고(모두 학습 대상) "
          "call은 activation(scale * (x @ kernel + bias))",
          "build kernel (in, units), bias (units,) at zeros and scale () at 1.0, all trainable; "
          "call returns activation(scale * (x @ kernel + bias))")
HINT_CONFIG = tr("get_config는 super().get_config()에 units와 "
                 "keras.activations.serialize(self.activation)를 더해 돌려줍니다",
                 "get_config returns super().get_config() plus units and "
                 "keras.activations.serialize(self.activation)")


def _model(student, layer, in_dim: int):
    """A Sequential holding just `layer`, built for `in_dim` inputs (in the submission)."""
    return student.call("keras:Sequential", [student.call("keras:Input", shape=(in_dim,)), layer])


def _op(info: dict) -> dict:
    ops = [o for o in info["ops"] if o["class"] != "InputLayer"]
    if len(ops) != 1:
        raise failure("Sequential([Input, ScaledDense(...)]): layers", "1",
                      str([o["class"] for o in ops]), HINT)
    return ops[0]


def _by_name(op: dict, what: str) -> dict:
    found = {}
    for v in op["variables"]:
        name = v["name"].rpartition("/")[2]
        found[name] = v
    if set(found) != {"kernel", "bias", "scale"}:
        raise failure(f"{what}: weights by name", "['bias', 'kernel', 'scale']", str(sorted(found)), HINT)
    return found


def _plain_activation(value):
    """An activation as its name: "tanh", or Keras' serialized function {"class_name": "function",
    "config": "tanh", ...} (`serialize_keras_object`), read the same."""
    if isinstance(value, dict) and value.get("class_name") == "function":
        return value.get("config")
    return value


def _act(name: str, z: np.ndarray) -> np.ndarray:
    return {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh, "linear": lambda v: v}[name](z)


def _randomize(student, model, info: dict, rng, scale: float) -> dict:
    """Random kernel and bias, the given scale; set through the model's own set_weights order.
    Returns the values by name."""
    values, named = [], {}
    for v in info["variables"]:
        name = v["name"].rpartition("/")[2]
        shape = tuple(v["shape"])
        arr = np.asarray(scale if name == "scale" else rng.standard_normal(shape), np.float32).reshape(shape)
        values.append(arr)
        named[name] = arr.astype(np.float64)
    model.set_weights(values)
    return named


def _sgd_step(w: dict, x: np.ndarray, t: np.ndarray, lr: float) -> dict:
    """One SGD step of y = scale * (x @ kernel + bias) on Keras' mean squared error (mean over
    units, then over the batch), float64."""
    z = x @ w["kernel"] + w["bias"]
    dy = 2.0 * (w["scale"] * z - t) / t.size
    grads = {"kernel": w["scale"] * x.T @ dy, "bias": w["scale"] * dy.sum(axis=0),
             "scale": np.sum(dy * z)}
    return {k: w[k] - lr * grads[k] for k in ("kernel", "bias", "scale")}


@grader(points=1)
def test_scaled_dense_weights(student, rng):
    """kernel (in, units), bias (units,) at zeros, scale () at 1.0, the initial values confirmed by
    the outputs they give; all trainable: one SGD step of the grader's model moves each by the
    gradient computed here."""
    layer = student.call(f"{MODULE}:ScaledDense", 3)
    model = _model(student, layer, 5)
    info = student.call(f"{CHILDKIT}:keras_graph", model, weights=True)
    what = "ScaledDense(3) on 5 inputs"
    found = _by_name(_op(info), what)
    for name, shape in (("kernel", [5, 3]), ("bias", [3]), ("scale", [])):
        if list(found[name]["shape"]) != shape:
            raise failure(f"{what}: {name}.shape", str(tuple(shape)), str(tuple(found[name]["shape"])), HINT)
    assert_close(found["bias"]["value"], np.zeros(3, np.float32), what=f"{what}: initial bias", hint=HINT)
    assert_close(found["scale"]["value"], np.float32(1.0), what=f"{what}: initial scale", hint=HINT)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    kernel = np.asarray(found["kernel"]["value"], np.float64)
    assert_close(outputs(student, model, x), x.astype(np.float64) @ kernel, rtol=1e-4, atol=1e-5,
                 what=f"{what}(x) with its initial weights: x @ kernel (bias 0, scale 1)", hint=HINT)
    # Trainable, by what training does: one SGD step from known weights.
    w = _randomize(student, model, info, rng, 1.3)
    model.compile(optimizer=student.call("keras.optimizers:SGD", learning_rate=0.1),
                  loss="mean_squared_error")
    t = rng.standard_normal((4, 3)).astype(np.float32)
    model.train_on_batch(x, t)
    after = student.call(f"{CHILDKIT}:keras_graph", model, weights=True)
    got = {n: np.asarray(v["value"], np.float64) for n, v in _by_name(_op(after), what).items()}
    expected = _sgd_step(w, x.astype(np.float64), t.astype(np.float64), 0.1)
    for name in ("kernel", "bias", "scale"):
        if np.allclose(got[name], w[name], rtol=0, atol=1e-7) and not np.allclose(
                expected[name], w[name], rtol=0, atol=1e-7):
            raise failure(f"{what}: {name} after one SGD step (MSE, lr 0.1) from {name} = "
                          + (f"{float(w[name]):.2f}" if name == "scale" else "random values"),
                          tr("기울기만큼 바뀜 (학습 대상)", "moved by its gradient (trainable)"),
                          tr("그대로 (학습되지 않음)", "unchanged (not trained)"),
                          tr("add_weight(..., trainable=True): kernel, bias, scale 모두 학습됩니다",
                             "add_weight(..., trainable=True): kernel, bias and scale all learn"))
        assert_close(got[name], expected[name], rtol=1e-4, atol=1e-6,
                     what=f"{what}: {name} after one SGD step (MSE, lr 0.1) vs the step computed here",
                     hint=HINT)


@grader(points=2)
def test_scaled_dense_forward(student, rng):
    """activation(scale * (x @ kernel + bias)) with random weights and a negative scale, for
    relu and for no activation."""
    for activation, scale in (("relu", -1.7), (None, 0.6)):
        layer = student.call(f"{MODULE}:ScaledDense", 4, activation=activation)
        model = _model(student, layer, 6)
        info = student.call(f"{CHILDKIT}:keras_graph", model)
        w = _randomize(student, model, info, rng, scale)
        x = rng.standard_normal((5, 6)).astype(np.float32)
        got = outputs(student, model, x)
        expected = _act(activation or "linear", scale * (x.astype(np.float64) @ w["kernel"] + w["bias"]))
        what = f"ScaledDense(4, activation={activation!r}) with scale {scale} on x (5, 6)"
        assert_shape(got, (5, 4), what, HINT)
        assert_close(got, expected, rtol=1e-4, atol=1e-5, what=what, hint=HINT)


def _rebuilt_predicts(student, layer, in_dim: int, values: dict, activation: str, x: np.ndarray,
                      what: str) -> None:
    """`layer` (a rebuilt ScaledDense) in the grader's Sequential, given `values` by name through
    its own set_weights order: its outputs on x against activation(scale * (x @ kernel + bias))
    computed here."""
    model = _model(student, layer, in_dim)
    info = student.call(f"{CHILDKIT}:keras_graph", model)
    order = [v["name"].rpartition("/")[2] for v in info["variables"]]
    if sorted(order) != ["bias", "kernel", "scale"]:
        raise failure(f"{what}: weights by name", "['bias', 'kernel', 'scale']", str(sorted(order)),
                      HINT_CONFIG)
    model.set_weights([np.asarray(values[n], np.float32) for n in order])
    expected = _act(activation, float(values["scale"]) * (x.astype(np.float64) @ values["kernel"]
                                                          + values["bias"]))
    got = outputs(student, model, x)
    assert_shape(got, expected.shape, f"{what}(x {x.shape})", HINT_CONFIG)
    assert_close(got, expected, rtol=1e-4, atol=1e-5,
                 what=f"{what}(x) vs {activation}(scale * (x @ kernel + bias)) computed here",
                 hint=HINT_CONFIG)


@grader(points=1)
def test_scaled_dense_config_round_trip(student, rng):
    """get_config has units, activation and the base class's keys (name); from_config rebuilds
    the same layer: the same config, and a tanh layer of 4 units by its outputs."""
    layer = student.call(f"{MODULE}:ScaledDense", 4, activation="tanh", name="scaled")
    cfg = layer.get_config()
    what = "ScaledDense(4, activation=\"tanh\", name=\"scaled\").get_config()"
    if not isinstance(cfg, dict):
        raise failure(what, "dict", type(cfg).__name__, HINT_CONFIG)
    for key, value in (("units", 4), ("activation", "tanh"), ("name", "scaled")):
        if _plain_activation(cfg.get(key)) != value:
            got = repr(cfg[key]) if key in cfg else tr("(없음)", "(missing)").render()
            raise failure(f"{what}[{key!r}]", repr(value), got, HINT_CONFIG)
    clone = student.get(f"{MODULE}:ScaledDense").from_config(cfg)
    again = clone.get_config()
    if again != cfg:
        raise failure("ScaledDense.from_config(config).get_config()", str(cfg)[:200], str(again)[:200],
                      HINT_CONFIG)
    # scale 1: what this test judges is the config (units, activation), not the formula.
    values = {"kernel": rng.standard_normal((6, 4)), "bias": rng.standard_normal(4), "scale": 1.0}
    _rebuilt_predicts(student, clone, 6, values, "tanh", rng.standard_normal((5, 6)).astype(np.float32),
                      "ScaledDense.from_config(config)")


def _saved_layer(archive: dict, what: str) -> dict:
    """The one ScaledDense entry of a saved Sequential's config.json."""
    layers = ((archive["config"].get("config") or {}).get("layers") or []) if isinstance(
        archive["config"].get("config"), dict) else []
    found = [entry for entry in layers if isinstance(entry, dict)
             and entry.get("class_name") == "ScaledDense"]
    if len(found) != 1 or not isinstance(found[0].get("config"), dict):
        raise failure(f"{what}: config.json, the model's layers",
                      tr("ScaledDense 하나", "one ScaledDense"),
                      str([e.get("class_name") for e in layers if isinstance(e, dict)])[:200],
                      HINT_CONFIG)
    return found[0]["config"]


@grader(points=2)
def test_scaled_dense_survives_save_and_load(student, rng, artifacts):
    """A model with ScaledDense(3, activation=keras.activations.tanh) saved to .keras: the file
    (read as data in a fresh confined process) holds the layer's units, activation, name and
    weights; the learner's from_config on that saved config, given the saved weights, predicts
    as the model did before saving."""
    tanh = student.call("keras.activations:get", "tanh")
    layer = student.call(f"{MODULE}:ScaledDense", 3, activation=tanh, name="scaled")
    model = _model(student, layer, 5)
    info = student.call(f"{CHILDKIT}:keras_graph", model)
    w = _randomize(student, model, info, rng, 0.8)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    before = outputs(student, model, x)
    assert_close(before, np.tanh(0.8 * (x.astype(np.float64) @ w["kernel"] + w["bias"])), rtol=1e-4,
                 atol=1e-5, what="ScaledDense(3, activation=keras.activations.tanh)(x)", hint=HINT)
    path = student.call(f"{BUILDERS}:scratch_file", "scaled.keras")
    what = "model.save(path) with ScaledDense(3, activation=keras.activations.tanh, name=\"scaled\")"
    try:
        model.save(path)
    except StudentError as err:
        raise failure(what, tr("저장됨", "saved"), f"{err.type_name}: {err.message}"[:300],
                      HINT_CONFIG) from None
    archive = keras_archive(artifacts, file_bytes(student, path, what, HINT_CONFIG), what, HINT_CONFIG)
    cfg = _saved_layer(archive, what)
    for key, value in (("units", 3), ("activation", "tanh"), ("name", "scaled")):
        if _plain_activation(cfg.get(key)) != value:
            got = repr(cfg[key])[:100] if key in cfg else tr("(없음)", "(missing)").render()
            raise failure(f"{what}: the saved layer config[{key!r}]", repr(value), got, HINT_CONFIG)
    saved = {}
    for name, value in archive["weights"].items():
        if name.startswith("layers/scaled_dense/"):
            for key in ("kernel", "bias", "scale"):
                if np.shape(value) == np.shape(w[key]):
                    saved[key] = np.asarray(value, np.float64)
    for key in ("kernel", "bias", "scale"):
        if key not in saved or not np.array_equal(saved[key], w[key]):
            raise failure(f"{what}: the saved {key}",
                          tr("저장 전 값 그대로", "its value before saving"),
                          tr("없음", "missing").render() if key not in saved else
                          tr("다른 값", "other values").render(), HINT_CONFIG)
    loaded = student.get(f"{MODULE}:ScaledDense").from_config(cfg)
    _rebuilt_predicts(student, loaded, 5, saved, "tanh", x,
                      "ScaledDense.from_config(the saved config) with the saved weights")
