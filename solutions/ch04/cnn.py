"""The curriculum's CNNs: a one-convolution CNN, the MNIST net with BatchNorm, the Keras CIFAR CNN.

CNN의 기본 구성 요소: Conv2D(필터로 특징 맵 추출) · BatchNorm(학습 안정화) · 활성화 · Pooling(공간
크기 축소) · Flatten 또는 GAP(특징 맵을 벡터로) · Dense/Linear(분류).
The building blocks: convolution (feature maps from filters), BatchNorm (stabilises training),
activation, pooling (smaller maps, the strongest features kept), Flatten or global average
pooling (maps -> a vector), and a fully connected classifier.

Outputs of the PyTorch models are raw logits (no softmax; `nn.CrossEntropyLoss` applies
log-softmax). The Keras model ends in a softmax, as in the curriculum.
PyTorch 모델의 출력은 로짓, Keras 모델의 출력은 softmax 확률입니다.

`build_keras_cnn` imports TensorFlow/Keras *inside* the function, so that importing this module
for the PyTorch exercises never loads TensorFlow (TensorFlow는 함수 안에서만 import 하세요).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class SimpleCNN(nn.Module):
    """The smallest CNN for 28×28 grey images: one convolution, one pooling, one linear layer.

    가장 작은 CNN: Conv2d(1, 16, kernel_size=3, stride=1, padding=1) · ReLU · MaxPool2d(2, 2) ·
    Flatten · Linear(16*14*14, 10).
    Shapes: forward x (B, 1, 28, 28) -> logits (B, 10).
    """

    def __init__(self) -> None:
        """Builds the layers (층을 만드세요).

        Hint / 힌트: padding=1 keeps 28×28 after the 3×3 convolution, the 2×2 pooling halves it to
        14×14, so the linear layer takes 16*14*14 = 3136 inputs.
        """
        super().__init__()
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=1, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(16 * 14 * 14, 10)
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 1, 28, 28) -> logits (B, 10).

        Hint / 힌트: pool(relu(conv1(x))), flatten each sample (`x.flatten(1)`, or
        `x.view(x.size(0), -1)`), then the linear layer.
        """
        # BEGIN SOLUTION
        x = self.pool(torch.relu(self.conv1(x)))
        return self.fc1(x.flatten(1))
        # END SOLUTION


class MNISTNet(nn.Module):
    """The curriculum's MNIST CNN: three Conv-BN-ReLU layers, two poolings, an MLP head.

    커리큘럼의 MNIST 모델 (9-1). Feature extractor / 특징 추출부:
        Conv2d(1, 32, 3, padding=1) · BatchNorm2d(32) · ReLU
        · Conv2d(32, 64, 3, padding=1) · BatchNorm2d(64) · ReLU · MaxPool2d(2) · Dropout2d(0.25)
        · Conv2d(64, 128, 3, padding=1) · BatchNorm2d(128) · ReLU · MaxPool2d(2) · Dropout2d(0.25)
    Classifier / 분류부:
        Flatten · Linear(128*7*7, 256) · ReLU · Dropout(0.5) · Linear(256, 10)
    Shapes: forward x (B, 1, 28, 28) -> logits (B, 10); 28 -> 14 -> 7 after the two poolings.
    """

    def __init__(self) -> None:
        """Builds `self.features` and `self.classifier` (두 개의 nn.Sequential을 만드세요).

        Hint / 힌트: BatchNorm2d(c) takes the number of channels of the convolution before it;
        after two 2×2 poolings the 28×28 map is 7×7 with 128 channels: 128*7*7 = 6272 inputs.
        """
        super().__init__()
        # BEGIN SOLUTION
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout2d(0.25),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout2d(0.25),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(128 * 7 * 7, 256), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(256, 10),
        )
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 1, 28, 28) -> logits (B, 10).

        Hint / 힌트: self.classifier(self.features(x)).
        """
        # BEGIN SOLUTION
        return self.classifier(self.features(x))
        # END SOLUTION


def build_keras_cnn(input_shape: tuple[int, int, int] = (32, 32, 3), num_classes: int = 10) -> Any:
    """The curriculum's Keras CNN for CIFAR-10 (4-2), compiled. / 커리큘럼의 Keras CIFAR-10 CNN (컴파일까지).

    A `keras.Sequential` on NHWC images of `input_shape` (Keras is channels-last):
        block 1: Conv2D(32, 3×3, padding="same") · BatchNormalization · Activation("relu")
                 · Conv2D(32, 3×3, "same") · BatchNormalization · Activation("relu")
                 · MaxPooling2D(2×2) · Dropout(0.25)
        block 2: the same with 64 filters, then MaxPooling2D(2×2) · Dropout(0.25)
        block 3: Conv2D(128, 3×3, "same") · BatchNormalization · Activation("relu")
        head:    GlobalAveragePooling2D · Dropout(0.5) · Dense(256, relu) · Dropout(0.5)
                 · Dense(num_classes, softmax)
    Convolutions keep their bias (Keras' default). Compiled with Adam(1e-3),
    "sparse_categorical_crossentropy" and metrics ["accuracy"].
    Output: (B, num_classes) probabilities. GAP replaces Flatten: one average per channel, so the
    head has 128 inputs whatever the image size (Flatten 대신 GAP: 채널마다 평균 하나).
    Hint / 힌트: import inside the function (`import keras` or `from tensorflow import keras`);
    start the list with `keras.Input(shape=input_shape)` (Keras 3 warns about `input_shape=` on
    a layer) and pass every layer to `keras.Sequential([...])`.
    """
    # BEGIN SOLUTION
    import keras
    from keras import layers

    def conv_bn_relu(filters: int) -> list:
        """Conv2D(filters, 3×3, same) · BatchNormalization · relu."""
        return [layers.Conv2D(filters, (3, 3), padding="same"), layers.BatchNormalization(),
                layers.Activation("relu")]

    model = keras.Sequential([
        keras.Input(shape=tuple(input_shape)),
        *conv_bn_relu(32), *conv_bn_relu(32), layers.MaxPooling2D((2, 2)), layers.Dropout(0.25),
        *conv_bn_relu(64), *conv_bn_relu(64), layers.MaxPooling2D((2, 2)), layers.Dropout(0.25),
        *conv_bn_relu(128),
        layers.GlobalAveragePooling2D(),
        layers.Dropout(0.5),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
    # END SOLUTION
