"""Visible tests for ch02.functional — run them with `pytest exercises/ch02`.

Output shape, the parameter count and the Add join. The hidden graders also read the whole graph
(both branches into the Add), compare the outputs with the curriculum's model given the same
weights and train your model on scikit-learn's digits (>= 90% test accuracy).
"""

import numpy as np

from ch02.functional import build_residual_mlp


def test_shape_and_parameter_count():
    model = build_residual_mlp(input_dim=64, num_classes=10)
    probs = np.asarray(model(np.random.rand(3, 64).astype("float32"), training=False))
    assert probs.shape == (3, 10)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # Dense 64*256+256, Dense 256*128+128, skip Dense 64*128+128, Dense 128*64+64, Dense 64*10+10
    assert model.count_params() == 66_762


def test_skip_branch_joined_by_add():
    model = build_residual_mlp(input_dim=64, num_classes=10)
    assert "Add" in [type(layer).__name__ for layer in model.layers], "join the branches with layers.Add()"
    assert model.optimizer is not None, "call model.compile(...)"
