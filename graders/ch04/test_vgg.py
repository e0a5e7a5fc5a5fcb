"""Graders for ch04.vgg (checklist: cnn-cifar10).

vgg_block is judged by its output shape, its exact parameter count and its outputs given the same
weights as the answer key's block (weights matched in the order layers run); count_params on
models built in the submission from plain torch, against counts computed here.

Accepted alternative: an OrderedDict of named layers, a loop over named_parameters
(fixtures/submissions/alternatives/ch04_vgg_other_style.toml).
"""

import numpy as np
import pytest
import torch

from dldrill.grading import StudentError, assert_close, assert_shape, failure, grader, load_by_execution, tr
from dldrill.paths import solutions_root
from dldrill.sandbox.api import reference_importer

MODULE = "ch04.vgg"
BUILDERS = "dldrill.childkit.builders"
HINT_BLOCK = tr("num_convs × [Conv2d(3×3, padding=1) → ReLU] 뒤에 MaxPool2d(2, 2); 첫 conv만 in_ch, 나머지는 "
                "out_ch 입력", "num_convs × [Conv2d(3×3, padding=1) → ReLU], then MaxPool2d(2, 2); only "
                "the first conv takes in_ch channels, the others out_ch")


def _key():
    return reference_importer(solutions_root())(MODULE)


def param_count(model) -> int:
    """The number of scalars in `model.parameters()`, read through the handle."""
    return int(sum(int(np.prod(tuple(p.shape))) for p in model.parameters()))


def _block_params(i: int, o: int, n: int) -> int:
    return (9 * i * o + o) + (n - 1) * (9 * o * o + o)


BLOCKS = {"3-64-x2": (3, 64, 2, 32), "64-128-x3": (64, 128, 3, 9), "8-4-x1": (8, 4, 1, 6)}


@pytest.mark.parametrize("case", list(BLOCKS))
@grader("cnn-cifar10", points=1)
def test_vgg_block_output_shape(student, rng, case):
    i, o, n, size = BLOCKS[case]
    x = torch.from_numpy(rng.standard_normal((2, i, size, size)).astype(np.float32))
    block = student.call(f"{MODULE}:vgg_block", i, o, n)
    what = f"vgg_block({i}, {o}, {n})(x (2, {i}, {size}, {size}))"
    try:
        out = block(x)
    except StudentError as err:
        raise failure(what, tr("출력 텐서", "an output tensor"),
                      err.message.splitlines()[0][:200], HINT_BLOCK) from None
    assert_shape(out, (2, o, size // 2, size // 2), what, HINT_BLOCK)


@pytest.mark.parametrize("case", list(BLOCKS))
@grader("cnn-cifar10", points=1)
def test_vgg_block_parameter_count(student, case):
    i, o, n, _ = BLOCKS[case]
    got = param_count(student.call(f"{MODULE}:vgg_block", i, o, n))
    if got != _block_params(i, o, n):
        raise failure(f"vgg_block({i}, {o}, {n}): number of parameters", f"{_block_params(i, o, n):,}",
                      f"{got:,}", HINT_BLOCK)


@grader("cnn-cifar10", points=2)
def test_vgg_block_forward_matches_the_reference(student, rng):
    x = torch.from_numpy(rng.standard_normal((2, 3, 10, 10)).astype(np.float32))
    block = student.call(f"{MODULE}:vgg_block", 3, 5, 2)
    what = "vgg_block(3, 5, 2)(x (2, 3, 10, 10))"
    trace = student.call(f"{BUILDERS}:execution_trace", block, x)
    ref = _key().vgg_block(3, 5, 2)
    load_by_execution(ref, trace, x, what=what, hint=HINT_BLOCK)
    with torch.no_grad():
        expected = ref(x)
    got = block(x)  # the learner's own forward, not the trace's record of it
    assert_shape(got, tuple(expected.shape), what, HINT_BLOCK)
    assert_close(got, expected, rtol=1e-5, atol=1e-6,
                 what=f"{what} vs the reference block with the same weights",
                 hint=tr("conv마다 ReLU를 붙이세요", "put a ReLU after every convolution"))


def _models(student, rng) -> list[tuple[str, object, int]]:
    """(description, model built in the submission from plain torch, its true parameter count);
    the sizes are drawn from `rng`, so no count can be known in advance."""
    i, h, o, k, c = (int(v) for v in rng.integers(3, 13, size=5))
    out = []
    mlp = student.call(f"{BUILDERS}:seeded_mlp", i, h, o)  # Linear · BatchNorm1d · ReLU · Linear
    out.append((f"Sequential(Linear({i}, {h}), BatchNorm1d({h}), ReLU, Linear({h}, {o}))", mlp,
                (i * h + h) + 2 * h + (h * o + o)))
    conv = student.call("torch.nn:Conv2d", c, h, k, bias=False)
    out.append((f"Conv2d({c}, {h}, {k}, bias=False)", conv, c * h * k * k))
    lin = student.call("torch.nn:Linear", h, h)
    tied = student.call("torch.nn:Sequential", lin, student.call("torch.nn:ReLU"), lin)
    out.append((f"Sequential(lin, ReLU, lin), one Linear({h}, {h}) used twice", tied, h * h + h))
    inner = student.call("torch.nn:Sequential", student.call("torch.nn:Linear", i, k),
                         student.call("torch.nn:BatchNorm1d", k))
    nested = student.call("torch.nn:Sequential", inner, student.call("torch.nn:Linear", k, o))
    out.append((f"Sequential(Sequential(Linear({i}, {k}), BatchNorm1d({k})), Linear({k}, {o}))",
                nested, (i * k + k) + 2 * k + (k * o + o)))
    return out


HINT_COUNT = tr("sum(p.numel() for p in model.parameters()) — 버퍼(running_mean 등)는 파라미터가 "
                "아니고, 공유된 파라미터는 한 번만 셉니다",
                "sum(p.numel() for p in model.parameters()): buffers (running_mean...) are not "
                "parameters, and a shared parameter counts once")


@grader("cnn-cifar10", points=1)
def test_count_params_all(student, rng):
    for desc, model, expected in _models(student, rng):
        got = student.call(f"{MODULE}:count_params", model)
        if not isinstance(got, int) or isinstance(got, bool) or got != expected:
            raise failure(f"count_params({desc})", f"{expected:,} (int)", repr(got), HINT_COUNT)


@grader("cnn-cifar10", points=1)
def test_count_params_trainable_only(student):
    """The first Linear and the BatchNorm frozen (requires_grad=False), as in transfer learning."""
    model = student.call(f"{BUILDERS}:seeded_mlp", 10, 16, 3)
    for index in (0, 1):  # nn.Module.requires_grad_ on the layers, through the handle
        model[index].requires_grad_(False)
    desc = "Sequential(Linear(10, 16) frozen, BatchNorm1d(16) frozen, ReLU, Linear(16, 3))"
    hint = tr("trainable_only=True이면 requires_grad인 파라미터만 세세요",
              "with trainable_only=True count only the parameters with requires_grad")
    got = student.call(f"{MODULE}:count_params", model, trainable_only=True)
    if got != 16 * 3 + 3:
        raise failure(f"count_params({desc}, trainable_only=True)", str(16 * 3 + 3), repr(got), hint)
    got = student.call(f"{MODULE}:count_params", model)
    total = (10 * 16 + 16) + 2 * 16 + (16 * 3 + 3)
    if got != total:
        raise failure(f"count_params({desc})", f"{total} (all)", repr(got), HINT_COUNT)
