"""Graders for ch02.persistence (checklist: keras-apis).

The grader builds a small Keras model in the child from plain Keras layers, an object like any
learner's (Input(32) · Dense(64, relu) · BatchNormalization · Dropout(0.2) · Dense(3, softmax),
SGD, sparse categorical cross-entropy, accuracy — 2048 weights in the first kernel, enough for TF
Lite's weight quantization to apply), sets random weights and BatchNorm statistics it chose, and
computes the model's predictions itself, in NumPy. The learner's functions get that model; what
comes back is judged against the grader's own numbers:

- the model they return is called in the child on grader inputs (only NumPy crosses) and must
  predict what the grader computed; a round trip must give a separate model: after the
  original's weights change, the returned model still predicts as before;
- the files they write are submission-made bytes: they come back as bytes and are read as
  *data* in a fresh confined artifact process holding no submission code (zipfile, json, h5py:
  `keras_graph.keras_archive`, `keras_graph.h5_weights`), never in the child (whose
  `load_model` the submission could replace) and never in the grader process: the `.keras` file
  must hold the architecture, the compile settings and exactly the grader's weights; the
  `.weights.h5` file exactly the grader's weights;
- the TF Lite flatbuffer is run by the TF Lite interpreter in a fresh confined artifact process
  (`dldrill.sandbox.artifacts.tflite_run`, with the child's memory limit and a CPU budget) on
  the grader's inputs, and its outputs are compared with the grader's NumPy predictions. Where
  this machine has no working interpreter, or export fails and a plain Keras model's conversion
  fails too (checked in an artifact process), the test reports "not verifiable here" with the
  reason — never a pass. On this kit's TensorFlow 2.21 + Keras 3.15 both
  `TFLiteConverter.from_keras_model` and `from_saved_model` (after `model.export(folder)`)
  convert, and `tf.lite.Interpreter` runs the result (it warns that it moves to the ai_edge_litert
  package).

Accepted alternative: keras.saving.save_model/load_model, a model rebuilt from its config for
the weights, and the curriculum's SavedModel path (`model.export(folder)` then
`TFLiteConverter.from_saved_model`)
(fixtures/submissions/alternatives/ch02_callbacks_layer_saving_other_style.toml).
"""

import numpy as np
import pytest

from dldrill.errors import StudentError, SubmissionError
from dldrill.grading import assert_close, assert_shape, failure, grader, tr, type_name
from dldrill.grading.keras_graph import file_bytes, h5_weights, keras_archive, numpy_of, outputs

MODULE = "ch02.persistence"
BUILDERS = "dldrill.childkit.builders"
ARTIFACTS = "dldrill.sandbox.artifacts"

HINT_SAVE = tr("model.save(path) 후 keras.models.load_model(path)가 돌려준 새 모델을 돌려주세요",
               "model.save(path), then return the new model from keras.models.load_model(path)")
HINT_WEIGHTS = tr("model.save_weights(path); clone = keras.models.clone_model(model); "
                  "clone.load_weights(path); return clone",
                  "model.save_weights(path); clone = keras.models.clone_model(model); "
                  "clone.load_weights(path); return clone")
HINT_TFLITE = tr("tf.lite.TFLiteConverter.from_keras_model(model).convert()의 bytes를 돌려주세요 "
                 "(optimizations를 설정하면 가중치가 양자화됩니다)",
                 "return the bytes of tf.lite.TFLiteConverter.from_keras_model(model).convert() "
                 "(setting optimizations quantizes the weights)")

# Where Keras' saving puts each of the probe model's weights (groups named after the layer's
# class, snake case, numbered in order), in the model's `weights` order.
PATHS = ["layers/dense/vars/0", "layers/dense/vars/1", "layers/batch_normalization/vars/0",
         "layers/batch_normalization/vars/1", "layers/batch_normalization/vars/2",
         "layers/batch_normalization/vars/3", "layers/dense_1/vars/0", "layers/dense_1/vars/1"]
LAYERS = ["InputLayer", "Dense", "BatchNormalization", "Dropout", "Dense"]


# -- the grader's model: built in the child from plain Keras, computed here ---------------------------
def _random(rng) -> list[np.ndarray]:
    """kernel, bias, gamma, beta, moving mean, moving variance, kernel, bias."""
    return [(rng.standard_normal((32, 64)) / np.sqrt(32)).astype(np.float32),
            rng.standard_normal(64).astype(np.float32) * 0.1,
            rng.uniform(0.5, 1.5, 64).astype(np.float32), rng.standard_normal(64).astype(np.float32),
            rng.standard_normal(64).astype(np.float32) * 0.2,
            rng.uniform(0.5, 1.5, 64).astype(np.float32),
            (rng.standard_normal((64, 3)) / 8.0).astype(np.float32),
            rng.standard_normal(3).astype(np.float32) * 0.1]


def _forward(values: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """The probe model in inference mode (dropout off, BatchNorm's moving statistics, epsilon
    1e-3), float64."""
    k1, b1, gamma, beta, mean, var, k2, b2 = (np.asarray(v, np.float64) for v in values)
    h = np.maximum(x.astype(np.float64) @ k1 + b1, 0.0)
    h = (h - mean) / np.sqrt(var + 1e-3) * gamma + beta
    z = h @ k2 + b2
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _model(student, rng) -> tuple:
    """The probe model with the grader's random weights, a probe batch, and the predictions
    computed here (checked against the model in the child once)."""
    layers = [student.call("keras:Input", shape=(32,)),
              student.call("keras.layers:Dense", 64, activation="relu"),
              student.call("keras.layers:BatchNormalization"),
              student.call("keras.layers:Dropout", 0.2),
              student.call("keras.layers:Dense", 3, activation="softmax")]
    model = student.call("keras:Sequential", layers)
    model.compile(optimizer=student.call("keras.optimizers:SGD", learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    values = _random(rng)
    model.set_weights(values)
    x = rng.standard_normal((5, 32)).astype(np.float32)
    expected = _forward(values, x)
    assert_close(outputs(student, model, x), expected, rtol=1e-4, atol=1e-6,
                 what="the grader's Keras model in the submission's process (plain layers) vs its "
                 "predictions computed here", hint=tr("keras 자체를 바꾸지 마세요",
                                                      "leave keras itself as it is"))
    return model, values, x, expected


def _predicts(student, other, x, expected, what: str, hint) -> None:
    got = outputs(student, other, x)
    assert_shape(got, expected.shape, f"{what}(x)", hint)
    assert_close(got, expected, rtol=1e-4, atol=1e-6,
                 what=f"{what}(x) vs the model's predictions (computed here)", hint=hint)


def _separate(student, model, other, x, rng, what: str, hint) -> None:
    """After the original's weights change (its new predictions checked here), `other` predicts
    as it did before."""
    mine = outputs(student, other, x)
    new = _random(rng)
    model.set_weights(new)
    assert_close(outputs(student, model, x), _forward(new, x), rtol=1e-4, atol=1e-6,
                 what="the original model after set_weights(new random weights)", hint=hint)
    after = outputs(student, other, x)
    if after.shape != mine.shape or not np.allclose(after, mine, rtol=1e-6, atol=1e-6):
        raise failure(f"{what}: predictions after the original model's weights changed",
                      tr("그대로 (별개의 모델)", "unchanged (a separate model)"),
                      tr("함께 바뀜 — 같은 객체를 돌려주었나요?",
                         "changed with it — is it the same object?"), hint)


def _same_weights(saved: dict, values: list[np.ndarray], what: str, hint) -> None:
    for path, value in zip(PATHS, values, strict=True):
        got = saved.get(path)
        if got is None or np.shape(got) != value.shape or not np.array_equal(got, value):
            raise failure(f"{what}: {path}", tr(f"모델의 값 그대로, shape {value.shape}",
                                                f"the model's values, shape {value.shape}"),
                          tr("없음", "missing").render() if got is None else
                          tr(f"다른 값, shape {np.shape(got)}",
                             f"other values, shape {np.shape(got)}").render(), hint)


def _check_keras_file(student, artifacts, path: str, values: list[np.ndarray], what: str) -> None:
    """The `.keras` file at `path`, read as data in an artifact process: the probe's layers, a
    compile config with sparse categorical cross-entropy, and exactly the model's weights."""
    archive = keras_archive(artifacts, file_bytes(student, path, what, HINT_SAVE), what, HINT_SAVE)
    config = archive["config"]
    inner = config.get("config") if isinstance(config.get("config"), dict) else {}
    layers = [e.get("class_name") for e in inner.get("layers") or [] if isinstance(e, dict)]
    if layers != LAYERS:
        raise failure(f"{what}: config.json, the model's layers", str(LAYERS), str(layers)[:200],
                      HINT_SAVE)
    compiled = config.get("compile_config") or {}
    loss = compiled.get("loss") if isinstance(compiled, dict) else None
    if loss != "sparse_categorical_crossentropy":
        raise failure(f"{what}: config.json, compile_config['loss']",
                      "'sparse_categorical_crossentropy'", repr(loss)[:100], HINT_SAVE)
    _same_weights(archive["weights"], values, f"{what}: the saved weights", HINT_SAVE)


# -- graders ----------------------------------------------------------------------------------------
@grader(points=2)
def test_save_and_reload_predicts_the_same(student, rng, artifacts):
    """The returned model predicts as the model did, and is compiled (its loss acts as sparse
    categorical cross-entropy); the file holds the architecture, compile settings and weights."""
    model, values, x, expected = _model(student, rng)
    path = student.call(f"{BUILDERS}:scratch_file", "model.keras")
    loaded = student.call(f"{MODULE}:save_and_reload", model, path)
    what = "save_and_reload(model, path)"
    _predicts(student, loaded, x, expected, what, HINT_SAVE)
    _check_keras_file(student, artifacts, path, values, f"{what}: the file at path")
    y = np.array([0, 2, 1, 2])
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.4, 0.4, 0.2]], np.float32)
    loss = float(np.mean(-np.log(p[np.arange(4), y])))
    try:
        got = float(np.asarray(numpy_of(student, loaded.compute_loss, None, y=y, y_pred=p)))
    except StudentError as err:
        got = f"{err.type_name}: {err.message}"[:200]
    if not isinstance(got, float) or not np.isclose(got, loss, rtol=1e-4):
        raise failure(f"{what}.compute_loss(labels, probabilities): compile settings restored",
                      f"{loss:.6f}", str(got), HINT_SAVE)


@grader(points=1)
def test_save_and_reload_returns_a_separate_model(student, rng, artifacts):
    """A model loaded from the file, not the original object: the file holds the model, and the
    returned model does not change when the original does."""
    model, values, x, _ = _model(student, rng)
    path = student.call(f"{BUILDERS}:scratch_file", "model.keras")
    loaded = student.call(f"{MODULE}:save_and_reload", model, path)
    what = "save_and_reload(model, path)"
    _check_keras_file(student, artifacts, path, values, f"{what}: the file at path")
    _separate(student, model, loaded, x, rng, what, HINT_SAVE)


@grader(points=2)
def test_weights_roundtrip(student, rng, artifacts):
    """The returned model predicts like the original, the file holds exactly its weights (read
    as data in an artifact process), and it is a separate model."""
    model, values, x, expected = _model(student, rng)
    path = student.call(f"{BUILDERS}:scratch_file", "model.weights.h5")
    clone = student.call(f"{MODULE}:weights_roundtrip", model, path)
    what = "weights_roundtrip(model, path)"
    _predicts(student, clone, x, expected, what, HINT_WEIGHTS)
    data = file_bytes(student, path, f"{what}: the file at path", HINT_WEIGHTS)
    _same_weights(h5_weights(artifacts, data, f"{what}: the file at path", HINT_WEIGHTS), values,
                  f"{what}: the weights in the file", HINT_WEIGHTS)
    _separate(student, model, clone, x, rng, what, HINT_WEIGHTS)


# -- TF Lite, in an artifact process ----------------------------------------------------------------
def _not_verifiable(artifacts, why: str) -> None:
    """Skips as "not verifiable here" when this machine's TF Lite cannot convert a plain Keras
    model (checked in an artifact process: kit code only, no submission bytes)."""
    try:
        with artifacts.process({"probe.txt": b"plain Keras model"}, "tensorflow", budget=60.0) as proc:
            model = proc.call("keras:Sequential", [proc.call("keras:Input", shape=(3,)),
                                                   proc.call("keras.layers:Dense", 2)])
            proc.call("tensorflow:lite.TFLiteConverter.from_keras_model", model).convert()
    except SubmissionError as err:
        pytest.skip(f"not verifiable here: {why}; the TF Lite converter of this machine's "
                    f"TensorFlow fails on a plain Keras model ({str(err)[:200]})")


@grader(points=2)
def test_export_tflite_predicts_the_same(student, rng, artifacts):
    """The TF Lite interpreter's outputs on the probe batch, in an artifact process, match the
    model's predictions computed here (rtol 1e-4)."""
    model, _, x, expected = _model(student, rng)
    what = "export_tflite(model)"
    try:
        data = student.call(f"{MODULE}:export_tflite", model)
    except StudentError:
        _not_verifiable(artifacts, "export_tflite raised")
        raise
    if not isinstance(data, (bytes, bytearray)):
        raise failure(f"{what}: type", "bytes", type_name(data), HINT_TFLITE)
    if len(data) < 8 or bytes(data[4:8]) != b"TFL3":
        raise failure(f"{what}: a TF Lite flatbuffer (bytes 4..8 = b'TFL3')", "b'TFL3'",
                      repr(bytes(data[4:8])), HINT_TFLITE)
    with artifacts.process({"model.tflite": bytes(data)}, "tensorflow", budget=60.0) as proc:
        try:
            proc.get("tensorflow:lite.Interpreter")
        except StudentError as err:
            pytest.skip(f"not verifiable here: no TF Lite interpreter ({err.type_name}: "
                        f"{err.message[:200]})")
        try:
            got = np.asarray(proc.call(f"{ARTIFACTS}:tflite_run", proc.path("model.tflite"), x))
        except SubmissionError as err:
            raise failure(f"{what}: the TF Lite interpreter on it", tr("실행됨", "runs"),
                          str(err)[:300], HINT_TFLITE) from None
    assert_shape(got, expected.shape, "the TF Lite model's output on x (5, 32)", HINT_TFLITE)
    assert_close(got, expected, rtol=1e-4, atol=1e-5,
                 what="the TF Lite interpreter's outputs vs the model's predictions (computed here)",
                 hint=HINT_TFLITE)
