"""Graders for ch02.persistence (checklist: keras-apis).

A small Keras model (`dldrill.childkit.ch02:small_classifier`: Dense(64) · BatchNormalization
· Dropout · Dense(3) softmax on 32 inputs — 2048 weights in the first kernel, enough for TF Lite's
weight quantization to apply) is built in the submission and given random weights and BatchNorm
statistics; its predictions before and after each round trip come back and are compared here.
The files are checked with Keras itself in the submission (`keras.models.load_model`, a fresh
`clone_model` + `load_weights`), and a round trip must give a separate model: changing the
original's weights afterwards must not change the reloaded one.

TF Lite: the flatbuffer's bytes come back; the TF Lite interpreter runs them here in a separate,
throwaway Python process (never in the grader's own process: the bytes are the submission's), on
the probe inputs, and its outputs are compared with the Keras model's. Where this machine has no
working interpreter, or export fails and the kit's own conversion of a plain Keras model fails
too, the test reports "not verifiable here" with the reason — never a pass. On this kit's
TensorFlow 2.21 + Keras 3.15 both `TFLiteConverter.from_keras_model` and `from_saved_model`
(after `model.export(folder)`) convert, and `tf.lite.Interpreter` runs the result (it warns that
it moves to the ai_edge_litert package).

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- save_and_reload rebuilds the model from its architecture (to_json) after saving: fresh random
  weights (test_save_and_reload_predicts_the_same; ch02_save_and_reload_architecture_only)
- save_and_reload saves the file but returns the original model, not the loaded one
  (test_save_and_reload_returns_a_separate_model; ch02_save_and_reload_returns_model)
- export_tflite with converter.optimizations = [Optimize.DEFAULT]: quantized weights, other
  predictions (test_export_tflite_predicts_the_same; ch02_tflite_quantized)
- weights_roundtrip clones the architecture but never loads the saved weights
  (test_weights_roundtrip; ch02_weights_roundtrip_no_load)
Accepted alternative: keras.saving.save_model/load_model, a model rebuilt from its config for
the weights, and the curriculum's SavedModel path (`model.export(folder)` then
`TFLiteConverter.from_saved_model`)
(fixtures/submissions/alternatives/ch02_callbacks_layer_saving_other_style.toml).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from dldrill.errors import StudentError
from dldrill.grading import assert_close, assert_shape, failure, grader, tr

M = "ch02.persistence"
K = "dldrill.childkit.ch02"
B = "dldrill.childkit.builders"

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


def _model(student, rng) -> tuple:
    """The probe model with random weights, a probe batch, and its predictions."""
    model = student.call(f"{K}:small_classifier", 32, 3, hidden=64)
    info = student.call(f"{K}:keras_graph", model)
    model.set_weights(_random(info, rng))
    x = rng.standard_normal((5, 32)).astype(np.float32)
    return model, info, x, student.call(f"{K}:keras_outputs", model, x)


def _random(info: dict, rng) -> list[np.ndarray]:
    out = []
    for v in info["variables"]:
        shape = tuple(v["shape"])
        if v["name"].endswith("moving_variance"):
            out.append(rng.uniform(0.5, 1.5, shape).astype(np.float32))
        else:
            out.append((rng.standard_normal(shape) / np.sqrt(shape[0] if len(shape) == 2 else 1))
                       .astype(np.float32))
    return out


def _separate(student, model, info, other, x, before, rng, what: str, hint) -> None:
    """Changing `model`'s weights does not change `other`'s predictions."""
    mine = student.call(f"{K}:keras_outputs", other, x)
    model.set_weights(_random(info, rng))
    changed = student.call(f"{K}:keras_outputs", model, x)
    if np.allclose(changed, before, atol=1e-6):  # cannot happen with fresh random weights
        raise failure("new random weights", tr("다른 예측", "other predictions").render(),
                      tr("같은 예측", "the same predictions").render(), hint)
    after = student.call(f"{K}:keras_outputs", other, x)
    if not np.allclose(after, mine, rtol=1e-6, atol=1e-6):
        raise failure(f"{what}: predictions after the original model's weights changed",
                      tr("그대로 (별개의 모델)", "unchanged (a separate model)").render(),
                      tr("함께 바뀜 — 같은 객체를 돌려주었나요?",
                         "changed with it — is it the same object?").render(), hint)


@grader(points=2)
def test_save_and_reload_predicts_the_same(student, rng):
    model, _, x, before = _model(student, rng)
    path = student.call(f"{B}:scratch_file", "model.keras")
    loaded = student.call(f"{M}:save_and_reload", model, path)
    what = "save_and_reload(model, path)"
    got = student.call(f"{K}:keras_outputs", loaded, x)
    assert_shape(got, before.shape, f"{what}(x)", HINT_SAVE)
    assert_close(got, before, rtol=1e-6, atol=1e-6, what=f"{what}(x) vs model(x)", hint=HINT_SAVE)
    again = student.call("keras.models:load_model", path)  # the file itself, read by Keras
    assert_close(student.call(f"{K}:keras_outputs", again, x), before, rtol=1e-6, atol=1e-6,
                 what="keras.models.load_model(path)(x) vs model(x)", hint=HINT_SAVE)
    if not student.call(f"{K}:keras_graph", loaded)["compile"]:
        raise failure(f"{what}: compiled", tr("컴파일 설정까지 복원", "compile settings restored").render(),
                      tr("컴파일되지 않음", "not compiled").render(), HINT_SAVE)


@grader(points=1)
def test_save_and_reload_returns_a_separate_model(student, rng):
    model, info, x, before = _model(student, rng)
    path = student.call(f"{B}:scratch_file", "model.keras")
    loaded = student.call(f"{M}:save_and_reload", model, path)
    _separate(student, model, info, loaded, x, before, rng, "save_and_reload(model, path)", HINT_SAVE)


@grader(points=2)
def test_weights_roundtrip(student, rng):
    """The returned model predicts like the original, the file holds the weights (a fresh clone
    loads them), and it is a separate model."""
    model, info, x, before = _model(student, rng)
    path = student.call(f"{B}:scratch_file", "model.weights.h5")
    clone = student.call(f"{M}:weights_roundtrip", model, path)
    what = "weights_roundtrip(model, path)"
    got = student.call(f"{K}:keras_outputs", clone, x)
    assert_shape(got, before.shape, f"{what}(x)", HINT_WEIGHTS)
    assert_close(got, before, rtol=1e-6, atol=1e-6, what=f"{what}(x) vs model(x)", hint=HINT_WEIGHTS)
    fresh = student.call("keras.models:clone_model", model)
    fresh.load_weights(path)
    assert_close(student.call(f"{K}:keras_outputs", fresh, x), before, rtol=1e-6, atol=1e-6,
                 what="clone_model(model) after load_weights(path): predictions vs model(x)",
                 hint=HINT_WEIGHTS)
    _separate(student, model, info, clone, x, before, rng, what, HINT_WEIGHTS)


# -- TF Lite, in a throwaway process ----------------------------------------------------------------
_RUN_TFLITE = r"""
import sys, warnings
import numpy as np
try:
    import tensorflow as tf
    Interpreter = tf.lite.Interpreter
except Exception as err:
    print(f"no TF Lite interpreter: {type(err).__name__}: {err}"[:400], file=sys.stderr)
    sys.exit(3)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    interp = Interpreter(model_content=open(sys.argv[1], "rb").read())
x = np.load(sys.argv[2])
inp, out = interp.get_input_details(), interp.get_output_details()
if len(inp) != 1 or len(out) != 1:
    print(f"{len(inp)} inputs and {len(out)} outputs, expected 1 and 1", file=sys.stderr)
    sys.exit(4)
interp.resize_tensor_input(inp[0]["index"], list(x.shape))
interp.allocate_tensors()
interp.set_tensor(inp[0]["index"], x.astype(inp[0]["dtype"]))
interp.invoke()
np.save(sys.argv[3], interp.get_tensor(out[0]["index"]))
"""

_CONVERTER_WORKS = r"""
import sys
try:
    import keras
    import tensorflow as tf
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    tf.lite.TFLiteConverter.from_keras_model(model).convert()
except Exception as err:
    print(f"{type(err).__name__}: {err}"[:400], file=sys.stderr)
    sys.exit(3)
"""


def _python(code: str, *args: str, folder: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "VIRTUAL_ENV")}
    env.update({"HOME": folder, "TMPDIR": folder, "KERAS_HOME": f"{folder}/.keras",
                "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "CUDA_VISIBLE_DEVICES": "",
                "OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
                "PYTHONDONTWRITEBYTECODE": "1"})
    return subprocess.run([sys.executable, "-I", "-c", code, *args], cwd=folder, env=env,
                          capture_output=True, timeout=120)


def _last_line(proc: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in proc.stderr.decode(errors="replace").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else f"exit status {proc.returncode}"


@grader(points=2)
def test_export_tflite_predicts_the_same(student, rng):
    """The TF Lite interpreter's outputs on the probe batch match the Keras model's (rtol 1e-4)."""
    model, _, x, before = _model(student, rng)
    what = "export_tflite(model)"
    with tempfile.TemporaryDirectory(prefix="dldrill-tflite-") as folder:
        try:
            data = student.call(f"{M}:export_tflite", model)
        except StudentError:
            check = _python(_CONVERTER_WORKS, folder=folder)
            if check.returncode != 0:
                pytest.skip("not verifiable here: the TF Lite converter of this machine's TensorFlow "
                            f"fails on a plain Keras model ({_last_line(check)})")
            raise
        if not isinstance(data, (bytes, bytearray)):
            raise failure(f"{what}: type", "bytes", type(data).__name__, HINT_TFLITE)
        if len(data) < 8 or bytes(data[4:8]) != b"TFL3":
            raise failure(f"{what}: a TF Lite flatbuffer (bytes 4..8 = b'TFL3')", "b'TFL3'",
                          repr(bytes(data[4:8])), HINT_TFLITE)
        Path(folder, "model.tflite").write_bytes(bytes(data))
        np.save(Path(folder, "x.npy"), x)
        try:
            proc = _python(_RUN_TFLITE, "model.tflite", "x.npy", "y.npy", folder=folder)
        except subprocess.TimeoutExpired:
            raise failure(f"{what}: the TF Lite interpreter on it",
                          tr("120초 안에 끝남", "done in 120 s").render(),
                          tr("시간 초과", "timed out").render(), HINT_TFLITE) from None
        if proc.returncode == 3:
            pytest.skip(f"not verifiable here: {_last_line(proc)}")
        if proc.returncode != 0:
            raise failure(f"{what}: the TF Lite interpreter on it", tr("실행됨", "runs").render(),
                          _last_line(proc), HINT_TFLITE)
        got = np.load(Path(folder, "y.npy"), allow_pickle=False)
    assert_shape(got, before.shape, "the TF Lite model's output on x (5, 32)", HINT_TFLITE)
    assert_close(got, before, rtol=1e-4, atol=1e-5,
                 what="the TF Lite interpreter's outputs vs model(x)", hint=HINT_TFLITE)
