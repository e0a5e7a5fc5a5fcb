# dldrill:stub e1c700a121ff · from solutions/ch02/custom_layer.py · 여러분의 파일 / yours to edit
"""A custom Keras layer: Dense with a learned scalar scale, that survives saving and loading.

커스텀 레이어는 `keras.layers.Layer`를 상속해 세 가지를 구현합니다:
A custom layer subclasses `keras.layers.Layer` and implements three methods:

- `build(input_shape)`: create the weights with `self.add_weight(...)` once the input size is
  known (입력 크기를 알게 되었을 때 가중치 생성);
- `call(inputs)`: the forward computation;
- `get_config()`: the constructor arguments as plain values, so that `model.save(...)` and
  `keras.models.load_model(...)` can rebuild the layer (저장·로드를 위한 설정).

Register the class with `@keras.saving.register_keras_serializable(...)` so that
`load_model` finds it by name (or pass `custom_objects={"ScaledDense": ScaledDense}`).
"""

from __future__ import annotations

from typing import Any

import keras


@keras.saving.register_keras_serializable(package="dldrill")
class ScaledDense(keras.layers.Layer):
    """Dense with a learned scalar scale: `activation(scale * (inputs @ kernel + bias))`.

    학습되는 스칼라 `scale`을 곱하는 Dense 층.
    Weights (created in `build`, all trainable): `kernel` (in_features, units), `bias` (units,)
    initialised to zeros, `scale` () — a 0-d scalar — initialised to 1.0.
    Shapes: (B, in_features) -> (B, units).
    Arguments: `units`; `activation` — a name ("relu") or a function
    (`keras.activations.tanh`), None for linear, as in `keras.layers.Dense`; `**kwargs` (name,
    dtype, trainable...) go to the base class.
    """

    def __init__(self, units: int, activation: Any = None, **kwargs: Any) -> None:
        """Stores the arguments; the weights come in `build`.

        Hint / 힌트: call `super().__init__(**kwargs)` first, keep `units`, and turn
        `activation` into a function with `keras.activations.get(activation)` (None -> linear).
        """
        raise NotImplementedError("TODO(ch02.custom_layer.ScaledDense.__init__)")

    def build(self, input_shape: tuple) -> None:
        """Creates `kernel` (input_shape[-1], units), `bias` (units,) and `scale` ().

        Hint / 힌트: `self.add_weight(shape=..., initializer="glorot_uniform", name="kernel")`;
        the scale has shape `()` and `initializer="ones"`.
        """
        raise NotImplementedError("TODO(ch02.custom_layer.ScaledDense.build)")

    def call(self, inputs: Any) -> Any:
        """inputs (B, in_features) -> activation(scale * (inputs @ kernel + bias)) (B, units).

        Hint / 힌트: `keras.ops.matmul(inputs, self.kernel)`; the scale multiplies the whole
        affine output, bias included, before the activation.
        """
        raise NotImplementedError("TODO(ch02.custom_layer.ScaledDense.call)")

    def get_config(self) -> dict:
        """The base config (name, dtype, trainable) plus `units` and `activation`.

        Hint / 힌트: start from `super().get_config()` and add
        `"activation": keras.activations.serialize(self.activation)` — a function object is not
        a plain value (함수 객체는 그대로 저장할 수 없습니다).
        """
        raise NotImplementedError("TODO(ch02.custom_layer.ScaledDense.get_config)")
