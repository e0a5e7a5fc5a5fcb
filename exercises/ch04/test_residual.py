"""Visible tests for ch04.residual — run them with `pytest exercises/ch04`.

Shapes and exact parameter counts; the hidden graders also compare outputs and input gradients
with the curriculum's block given the same weights, and check that x is not changed in place.
"""

import torch

from ch04.residual import ResidualBlock, SmallResNet


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def test_identity_block_keeps_the_shape_and_has_no_shortcut_parameters():
    block = ResidualBlock(64, 64)
    assert block(torch.randn(2, 64, 8, 8)).shape == (2, 64, 8, 8)
    # conv1 + bn1 + conv2 + bn2, and nothing for the identity shortcut
    assert n_params(block) == 2 * (64 * 64 * 9) + 4 * 64


def test_projection_block_halves_the_map():
    block = ResidualBlock(64, 128, stride=2)
    assert block(torch.randn(2, 64, 8, 8)).shape == (2, 128, 4, 4)
    # + the 1×1 shortcut conv (64*128) and its BatchNorm (2*128)
    assert n_params(block) == 64 * 128 * 9 + 128 * 128 * 9 + 4 * 128 + 64 * 128 + 2 * 128


def test_gradient_reaches_the_input():
    block = ResidualBlock(8, 8).eval()
    x = torch.randn(1, 8, 5, 5, requires_grad=True)
    block(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_small_resnet_shapes():
    assert SmallResNet()(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert SmallResNet(num_classes=5, in_ch=1)(torch.randn(2, 1, 28, 28)).shape == (2, 5)
