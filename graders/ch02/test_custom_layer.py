"""Graders for ch02.custom_layer (checklist: keras-apis).

ScaledDense is built in the submission inside a `keras.Sequential` and read as plain data
(`dldrill.childkit.ch02:keras_graph`: its variables by name, shape, trainability and value); its
outputs, with random weights set through the model's own `set_weights`, are compared with
`activation(scale * (x @ kernel + bias))` computed here in NumPy. Saving goes through Keras
itself in the submission (`model.save`, `keras.models.load_model(path, custom_objects=...)`) with
the activation given as a function (`keras.activations.tanh`), which Keras 3 cannot serialise for
a layer without its own `get_config`; the predictions before and after come back and are
compared here.

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- ScaledDense without get_config: Keras 3's automatic config drops the name and fails for an
  activation function (test_scaled_dense_config_round_trip,
  test_scaled_dense_survives_save_and_load; ch02_scaled_dense_no_get_config)
- ScaledDense scaling after the activation instead of before it (test_scaled_dense_forward,
  test_scaled_dense_survives_save_and_load; ch02_scaled_dense_scale_after_activation)
- ScaledDense's scale created with trainable=False: it never learns (test_scaled_dense_weights;
  ch02_scaled_dense_scale_frozen)
Also caught without a sample of their own: get_config without the activation (a loaded layer is
linear), a scale applied to the kernel only (the bias unscaled), a scale initialised to zero.
Accepted alternative: keras.ops.multiply, serialize_keras_object with a from_config of its own
(fixtures/submissions/alternatives/ch02_callbacks_layer_saving_other_style.toml).
"""

import numpy as np

from dldrill.grading import assert_close, assert_shape, failure, grader, tr

M = "ch02.custom_layer"
K = "dldrill.childkit.ch02"
B = "dldrill.childkit.builders"

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


@grader(points=1)
def test_scaled_dense_weights(student):
    """kernel (in, units), bias (units,) at zeros, scale () at 1.0; all trainable."""
    layer = student.call(f"{M}:ScaledDense", 3)
    info = student.call(f"{K}:keras_graph", _model(student, layer, 5), weights=True)
    what = "ScaledDense(3) on 5 inputs"
    found = _by_name(_op(info), what)
    for name, shape in (("kernel", [5, 3]), ("bias", [3]), ("scale", [])):
        if list(found[name]["shape"]) != shape:
            raise failure(f"{what}: {name}.shape", str(tuple(shape)), str(tuple(found[name]["shape"])), HINT)
        if not found[name]["trainable"]:
            raise failure(f"{what}: {name}.trainable", "True", "False", HINT)
    assert_close(found["bias"]["value"], np.zeros(3, np.float32), what=f"{what}: initial bias", hint=HINT)
    assert_close(found["scale"]["value"], np.float32(1.0), what=f"{what}: initial scale", hint=HINT)
    if info["trainable_params"] != 5 * 3 + 3 + 1:
        raise failure(f"{what}: trainable parameters", "19", str(info["trainable_params"]), HINT)


@grader(points=2)
def test_scaled_dense_forward(student, rng):
    """activation(scale * (x @ kernel + bias)) with random weights and a negative scale, for
    relu and for no activation."""
    for activation, scale in (("relu", -1.7), (None, 0.6)):
        layer = student.call(f"{M}:ScaledDense", 4, activation=activation)
        model = _model(student, layer, 6)
        info = student.call(f"{K}:keras_graph", model)
        w = _randomize(student, model, info, rng, scale)
        x = rng.standard_normal((5, 6)).astype(np.float32)
        got = student.call(f"{K}:keras_outputs", model, x)
        expected = _act(activation or "linear", scale * (x.astype(np.float64) @ w["kernel"] + w["bias"]))
        what = f"ScaledDense(4, activation={activation!r}) with scale {scale} on x (5, 6)"
        assert_shape(got, (5, 4), what, HINT)
        assert_close(got, expected, rtol=1e-4, atol=1e-5, what=what, hint=HINT)


@grader(points=1)
def test_scaled_dense_config_round_trip(student):
    """get_config has units, activation and the base class's keys (name); from_config rebuilds
    the same layer."""
    layer = student.call(f"{M}:ScaledDense", 4, activation="tanh", name="scaled")
    cfg = layer.get_config()
    what = "ScaledDense(4, activation=\"tanh\", name=\"scaled\").get_config()"
    if not isinstance(cfg, dict):
        raise failure(what, "dict", type(cfg).__name__, HINT_CONFIG)
    for key, value in (("units", 4), ("activation", "tanh"), ("name", "scaled")):
        if _plain_activation(cfg.get(key)) != value:
            got = repr(cfg[key]) if key in cfg else tr("(없음)", "(missing)").render()
            raise failure(f"{what}[{key!r}]", repr(value), got, HINT_CONFIG)
    clone = student.get(f"{M}:ScaledDense").from_config(cfg)
    again = clone.get_config()
    if again != cfg:
        raise failure("ScaledDense.from_config(config).get_config()", str(cfg)[:200], str(again)[:200],
                      HINT_CONFIG)


@grader(points=2)
def test_scaled_dense_survives_save_and_load(student, rng):
    """A model with ScaledDense(3, activation=keras.activations.tanh) saved to .keras and loaded
    back predicts the same."""
    tanh = student.call("keras.activations:get", "tanh")
    layer = student.call(f"{M}:ScaledDense", 3, activation=tanh, name="scaled")
    model = _model(student, layer, 5)
    info = student.call(f"{K}:keras_graph", model)
    w = _randomize(student, model, info, rng, 0.8)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    before = student.call(f"{K}:keras_outputs", model, x)
    assert_close(before, np.tanh(0.8 * (x.astype(np.float64) @ w["kernel"] + w["bias"])), rtol=1e-4,
                 atol=1e-5, what="ScaledDense(3, activation=keras.activations.tanh)(x)", hint=HINT)
    path = student.call(f"{B}:scratch_file", "scaled.keras")
    model.save(path)
    loaded = student.call("keras.models:load_model", path,
                          custom_objects={"ScaledDense": student.get(f"{M}:ScaledDense")})
    linfo = student.call(f"{K}:keras_graph", loaded)
    op = _op(linfo)
    if op["class"] != "ScaledDense":
        raise failure("the loaded model's layer", "ScaledDense", op["class"], HINT_CONFIG)
    after = student.call(f"{K}:keras_outputs", loaded, x)
    assert_close(after, before, rtol=1e-6, atol=1e-6,
                 what="keras.models.load_model(saved model)(x) vs the model before saving",
                 hint=HINT_CONFIG)
