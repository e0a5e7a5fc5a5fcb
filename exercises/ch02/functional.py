# dldrill:stub 74d3601e8431 · from solutions/ch02/functional.py · 여러분의 파일 / yours to edit
"""The curriculum's Functional model: an MLP with a residual (skip) branch joined by `Add`.

Functional API는 층을 함수처럼 호출해 텐서를 연결합니다. 그래서 다중 입력/출력이나 잔차 연결처럼
한 줄로 쌓을 수 없는 구조도 만들 수 있습니다.
In the Functional API each layer is called on a tensor and returns a tensor, so a graph that is
not a single line — several inputs or outputs, a skip connection — is easy to write:

    inputs = keras.Input(shape=(784,))
    x = layers.Dense(256, activation="relu")(inputs)
    ...
    model = keras.Model(inputs=inputs, outputs=outputs)
"""

from __future__ import annotations

import keras
from keras import layers


def build_residual_mlp(input_dim: int = 784, num_classes: int = 10) -> keras.Model:
    """The curriculum's residual MLP, compiled.

    Two branches from the same input, added together (두 갈래를 Add로 합칩니다):

        main:  Dense(256, relu) · Dropout(0.4) · Dense(128, relu)
        skip:  Dense(128, relu)                 (applied to the inputs)
        then:  Add()([main, skip]) · Dense(64, relu) · Dense(num_classes, softmax)

    compiled like `build_mlp`: `Adam(learning_rate=0.001)`, `"sparse_categorical_crossentropy"`,
    `metrics=["accuracy"]`.
    Shapes: model(x (B, input_dim)) -> probabilities (B, num_classes).

    Hint / 힌트: `inputs = keras.Input(shape=(input_dim,))`; the skip branch starts from `inputs`,
    not from the main branch (잔차 갈래는 입력에서 시작합니다); both branches end with 128 units so
    that `layers.Add()([x, skip])` can add them; finish with
    `keras.Model(inputs=inputs, outputs=outputs)` and `compile`.
    """
    raise NotImplementedError("TODO(ch02.functional.build_residual_mlp)")
