"""Visible tests for ch04.cnn — run them with `pytest exercises/ch04`.

Shapes and parameter counts of the PyTorch models. The hidden graders compare the outputs with the
curriculum's models given the same weights, train your MNISTNet on real MNIST images (>= 95%
accuracy within a CPU budget) and check build_keras_cnn layer by layer (in TensorFlow, which these
quick tests never import).
"""

import torch

from ch04.cnn import MNISTNet, SimpleCNN


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def test_simple_cnn_shape_and_parameters():
    model = SimpleCNN()
    assert model(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    assert n_params(model) == 31_530  # conv 16*9+16, fc 3136*10+10


def test_mnistnet_shape_and_parameters():
    model = MNISTNet().eval()
    assert model(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    assert n_params(model) == 1_701_578
