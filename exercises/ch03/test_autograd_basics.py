"""Visible tests for ch03.autograd_basics — run them with `pytest exercises/ch03`.

The curriculum's own example, and the modes of `no_grad_predict`; the hidden graders also compare
gradients with central differences and check that `x.grad` and the model's mode are left alone.
"""

import torch
from torch import nn

from dldrill.grading import assert_close, tr

from ch03.autograd_basics import grad_of, no_grad_predict


def test_curriculum_example_gradient():
    # y = x0**2 + 2*x1 at x = [2, 3]: dy/dx = [2*x0, 2] = [4, 2]
    grad = grad_of(lambda x: x[0] ** 2 + 2 * x[1], torch.tensor([2.0, 3.0]))
    assert_close(grad, torch.tensor([4.0, 2.0]), atol=1e-5,
                 hint=tr("x를 requires_grad 복사본으로 만들고 torch.autograd.grad(y, x)",
                         "make a requires_grad copy of x and call torch.autograd.grad(y, x)"))


def test_grad_of_does_not_fill_x_grad():
    x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    grad = grad_of(lambda t: (t**2).sum(), x)
    assert_close(grad, 2 * x.detach(), atol=1e-5,
                 hint=tr("x.grad를 채우지 말고 torch.autograd.grad로 기울기만 돌려주세요",
                         "return the gradient from torch.autograd.grad without filling x.grad"))
    assert x.grad is None


def test_no_grad_predict_has_no_graph_and_restores_train_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    model.train()
    x = torch.randn(5, 4)
    out = no_grad_predict(model, x)
    assert out.shape == (5, 2) and not out.requires_grad
    assert model.training, "the model was in train mode before the call"
    model.eval()
    with torch.no_grad():
        assert_close(out, model(x), atol=1e-5,
                     hint=tr("eval() + torch.no_grad()로 예측하고 원래 모드로 되돌리세요",
                             "predict under eval() and torch.no_grad(), then restore the mode"))
