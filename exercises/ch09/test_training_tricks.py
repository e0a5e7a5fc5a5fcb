"""Visible tests for ch09.training_tricks — run them with `pytest exercises/ch09`.

The hidden graders record the dtype inside forward (bfloat16 autocast on CPU), compare the step
with the answer key's, compare accumulated gradients with one big batch's, check clipping happens
before the step, and reload your TorchScript file (try it yourself:
`torch.jit.load(export_torchscript(model, x, "m.pt"))(x)`); float16 + GradScaler on a CUDA GPU and ONNX
are graded where they exist.
"""

import torch
from torch import nn

from dldrill.grading import assert_close, tr

from ch09.training_tricks import accumulated_grads, clip_and_step, train_step_amp


class SGD:
    """Plain SGD with the two methods the functions call (torch.optim's first use is slow)."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-self.lr)


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_accumulated_grads_equal_one_big_batch():
    x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
    model = _model()
    nn.functional.cross_entropy(model(x), y).backward()
    big = {n: p.grad.clone() for n, p in model.named_parameters()}
    got = accumulated_grads(model, list(zip(x.chunk(2), y.chunk(2), strict=True)),
                            nn.CrossEntropyLoss(), 2)
    for name, grad in big.items():
        assert_close(got[name], grad, atol=1e-6, what=name,
                     hint=tr("손실을 누적 단계 수로 나눈 뒤 backward (기울기 평균)",
                             "divide the loss by the number of accumulation steps before backward"))


def test_clip_and_step_returns_the_norm_before_clipping():
    model = _model()
    (100 * model(torch.randn(4, 4)).sum()).backward()
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    assert abs(clip_and_step(model, SGD(model.parameters(), 0.1), 1.0) - float(norm)) < 1e-3 * norm
    assert float(torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))) <= 1.0 + 1e-4


def test_train_step_amp_on_cpu_changes_the_weights():
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    loss = train_step_amp(model, (torch.randn(5, 4), torch.tensor([0, 1, 2, 0, 1])),
                          SGD(model.parameters(), 0.5), nn.CrossEntropyLoss(), device="cpu")
    assert isinstance(loss, float) and loss > 0
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
