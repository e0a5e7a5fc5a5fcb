# dldrill:stub f5bb91745407 · from solutions/ch02/persistence.py · 여러분의 파일 / yours to edit
"""Saving and loading Keras models: the whole model, the weights only, and TF Lite for devices.

모델 저장 방법: (1) 전체 모델 `.keras` 파일 (권장), (2) 가중치만 `.weights.h5`,
(3) 배포용 변환 — 모바일/엣지용 TF Lite.
Three ways to keep a model: the whole model in one `.keras` file (architecture, weights,
compile settings; the recommended format), the weights alone (`.weights.h5` in Keras 3: the code
rebuilds the architecture), and a converted model for deployment (TF Lite, a flatbuffer for
phones and edge devices).
"""

from __future__ import annotations

import keras


def save_and_reload(model: keras.Model, path: str) -> keras.Model:
    """Saves the whole `model` to `path` (a `.keras` file) and returns a *new* model loaded from it.

    The loaded model gives the same predictions as `model`, and is a separate object: changing
    one afterwards does not change the other (불러온 모델은 별개의 객체입니다).

    Hint / 힌트: `model.save(path)`, then `keras.models.load_model(path)`.
    """
    raise NotImplementedError("TODO(ch02.persistence.save_and_reload)")


def weights_roundtrip(model: keras.Model, path: str) -> keras.Model:
    """Saves only the weights of `model` to `path` (ending in `.weights.h5`), builds a fresh model
    with the same architecture and loads the weights from the file into it; returns that model.

    가중치만 저장한 뒤, 같은 구조의 새 모델(`keras.models.clone_model`)을 만들어 파일에서 가중치를
    불러옵니다. The result predicts like `model` and is a separate object.

    Hint / 힌트: `model.save_weights(path)`; `clone = keras.models.clone_model(model)` has the
    architecture with *fresh* random weights; `clone.load_weights(path)`.
    """
    raise NotImplementedError("TODO(ch02.persistence.weights_roundtrip)")


def export_tflite(model: keras.Model) -> bytes:
    """The model converted to TF Lite: the flatbuffer's bytes (what you would write to
    `model.tflite`). Full float32 precision — no quantization — so that the TF Lite interpreter
    gives the same predictions as `model` (within float rounding).

    Hint / 힌트: `import tensorflow as tf`;
    `tf.lite.TFLiteConverter.from_keras_model(model).convert()`. (The curriculum converts a
    SavedModel folder with `from_saved_model`; `model.export(folder)` writes one in Keras 3.)
    Do not set `converter.optimizations` — that quantizes the weights (양자화하지 마세요).
    """
    raise NotImplementedError("TODO(ch02.persistence.export_tflite)")
