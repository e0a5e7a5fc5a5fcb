"""The curriculum's first Keras model: a Sequential MLP, compiled and ready for `fit`.

Sequential API는 층을 순서대로 쌓는 가장 빠른 방법입니다. 쌓은 뒤 `compile`로 옵티마이저,
손실 함수, 평가 지표를 정합니다.
The Sequential API stacks layers one after another; `compile` then fixes the optimizer, the
loss and the metrics that `fit` and `evaluate` use.

    model = build_mlp(input_dim=784, num_classes=10)
    model.fit(X_train, y_train, epochs=10, batch_size=256, validation_split=0.2)

Keras 3 (`import keras`, or `from tensorflow import keras` — the same package on TensorFlow
2.16+). Start the stack with `keras.Input(shape=(input_dim,))`: Keras 3 warns about the old
`input_shape=` argument on the first layer.
"""

from __future__ import annotations

import keras
from keras import layers


def build_mlp(input_dim: int = 784, num_classes: int = 10) -> keras.Model:
    """The curriculum's MLP, compiled.

    A `keras.Sequential`, in this order (순서 그대로):

        Input(shape=(input_dim,)) · Dense(128, relu) · Dropout(0.3) · Dense(64, relu)
        · BatchNormalization · Dropout(0.3) · Dense(num_classes, softmax)

    compiled with `Adam(learning_rate=0.001)`, `loss="sparse_categorical_crossentropy"` (integer
    labels 0..num_classes-1) and `metrics=["accuracy"]`.
    Shapes: model(x (B, input_dim)) -> probabilities (B, num_classes), each row summing to 1.

    Hint / 힌트: pass the list of layers to `keras.Sequential([...])` (or `.add()` them one by
    one); the last Dense needs `activation="softmax"` because the loss expects probabilities
    (마지막 층의 softmax를 빠뜨리지 마세요). Return the compiled model.
    """
    # BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(input_dim,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu"),
        layers.BatchNormalization(),
        layers.Dropout(0.3),
        layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
    # END SOLUTION
