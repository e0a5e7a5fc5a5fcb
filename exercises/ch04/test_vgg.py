"""Visible tests for ch04.vgg — run them with `pytest exercises/ch04`.

Shape and parameter count of one block, and count_params with a frozen layer; the hidden graders
also compare outputs with the same weights and count nested, shared and BatchNorm models.
"""

import torch
from torch import nn

from ch04.vgg import count_params, vgg_block


def test_vgg_block_shape_and_parameters():
    block = vgg_block(3, 64, 2)
    assert isinstance(block, nn.Sequential)
    assert block(torch.randn(1, 3, 32, 32)).shape == (1, 64, 16, 16)
    assert count_params(block) == (3 * 64 * 9 + 64) + (64 * 64 * 9 + 64)


def test_count_params_trainable_only():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))
    model[0].weight.requires_grad_(False)
    assert count_params(model) == 15 + 6 + 8          # BatchNorm's buffers are not parameters
    assert count_params(model, trainable_only=True) == 3 + 6 + 8
