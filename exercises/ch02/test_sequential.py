"""Visible tests for ch02.sequential — run them with `pytest exercises/ch02`.

Output shape, softmax rows, the parameter count and the compile settings. The hidden graders also
read the layers in order, compare the outputs with the curriculum's model given the same weights
and train your model on scikit-learn's digits (>= 90% test accuracy within a CPU budget).
"""

import numpy as np

from ch02.sequential import build_mlp


def test_shape_and_softmax_rows():
    model = build_mlp(input_dim=64, num_classes=10)
    probs = np.asarray(model(np.random.rand(4, 64).astype("float32"), training=False))
    assert probs.shape == (4, 10)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5), "the last Dense needs softmax"


def test_parameter_count():
    # Dense 64*128+128, Dense 128*64+64, BatchNormalization 4*64 (2*64 trained), Dense 64*10+10
    model = build_mlp(input_dim=64, num_classes=10)
    assert model.count_params() == 17_482
    assert [type(layer).__name__ for layer in model.layers] == [
        "Dense", "Dropout", "Dense", "BatchNormalization", "Dropout", "Dense"]


def test_compiled():
    model = build_mlp(input_dim=64, num_classes=10)
    assert model.optimizer is not None, "call model.compile(...)"
    assert type(model.optimizer).__name__ == "Adam"
    assert np.isclose(float(model.optimizer.learning_rate), 1e-3)
