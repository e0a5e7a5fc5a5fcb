"""Visible tests for ch03.mlp — run them with `pytest exercises/ch03`.

Shape and parameter count; the hidden graders also check the order of the layers and compare the
outputs with the curriculum's model given the same weights.
"""

import torch

from dldrill.grading import assert_close, tr

from ch03.mlp import MLP


def test_output_shape():
    model = MLP(784, 256, 10)
    assert model(torch.randn(8, 784)).shape == (8, 10)


def test_parameter_count():
    # Linear 784*256+256, BN 2*256, Linear 256*128+128, BN 2*128, Linear 128*10+10
    model = MLP(784, 256, 10)
    assert sum(p.numel() for p in model.parameters()) == 235_914


def test_eval_mode_is_deterministic():
    model = MLP(20, 16, 3, dropout=0.5).eval()
    x = torch.randn(4, 20)
    assert_close(model(x), model(x), atol=1e-5,
                 hint=tr("eval 모드에서는 같은 입력에 같은 출력 (드롭아웃 꺼짐)",
                         "eval mode gives the same output for the same input (dropout off)"))
