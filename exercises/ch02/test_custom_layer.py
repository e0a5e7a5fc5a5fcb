"""Visible tests for ch02.custom_layer — run them with `pytest exercises/ch02`.

Shapes, weights and the config. The hidden graders also compare the outputs with
activation(scale * (x @ kernel + bias)) for random weights and save and load a model that uses the
layer with an activation function.
"""

import numpy as np

from ch02.custom_layer import ScaledDense


def test_shape_and_weights():
    layer = ScaledDense(3, activation="relu")
    out = np.asarray(layer(np.random.rand(2, 5).astype("float32")))
    assert out.shape == (2, 3)
    assert sorted(tuple(w.shape) for w in layer.trainable_weights) == [(), (3,), (5, 3)]


def test_config():
    config = ScaledDense(4, activation="tanh", name="scaled").get_config()
    assert config["units"] == 4 and config["activation"] == "tanh" and config["name"] == "scaled"
