"""Graders for ch04.conv (checklist: cnn-cifar10).

The truth is PyTorch itself, computed here in the grader: the output size of a real convolution,
`F.conv2d`, `F.max_pool2d`, and autograd through `F.conv2d`.

Written with strided slices, window loops or `Tensor.unfold` + einsum, all pass
(fixtures/submissions/alternatives/ch04_conv_unfold_einsum.toml).

"By hand" is checked on the process too: every test of conv2d_naive and max_pool2d_naive also
reads the submission's source here (`assert_by_hand`, never importing it) and fails on the
library's convolution or pooling (F.conv2d, nn.Conv2d, torch.conv2d, F.max_pool2d, ... through
aliases and re-exports) or on dynamic access that could hide one; the rest of ch04 (the CNNs)
uses nn.Conv2d as it should, so only these two functions and the helpers they call are read.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dldrill.grading import StudentError, assert_by_hand, assert_close, assert_shape, failure, grader, tr

MODULE = "ch04.conv"
# Library counterparts of the by-hand exercises (their docstrings: "Do not call F.conv2d or
# nn.Conv2d", "Do not call F.max_pool2d or nn.MaxPool2d"); cutting windows (Tensor.unfold,
# F.unfold, F.pad, slicing) and einsum / matmul stay allowed.
_LOW_LEVEL = ("torch.ops", "torch._C", "torch._VF", "torch._refs", "torch._decomp", "scipy.ndimage",
              "tensorflow", "keras", "jax")
CONV_LIBRARY = tuple(
    [f"torch.nn.functional.conv{d}d" for d in (1, 2, 3)]
    + [f"torch.nn.functional.conv_transpose{d}d" for d in (1, 2, 3)]
    + [f"torch.conv{d}d" for d in (1, 2, 3)] + [f"torch.conv_transpose{d}d" for d in (1, 2, 3)]
    + [f"torch.nn.{kind}{d}d" for kind in ("Conv", "ConvTranspose", "LazyConv", "LazyConvTranspose")
       for d in (1, 2, 3)]
    + ["torch.nn.functional.conv_tbc", "torch.conv_tbc", "torch.convolution", "torch._convolution",
       "torch.nn.modules.conv", "torch.nn.grad", "torch.nn.utils.fusion", "scipy.signal",
       "numpy.convolve", "numpy.correlate", *_LOW_LEVEL])
POOL_LIBRARY = tuple(
    [f"torch.nn.functional.{kind}{d}d" for kind in ("max_pool", "adaptive_max_pool", "lp_pool")
     for d in (1, 2, 3)]
    + [f"torch.nn.functional.{kind}{d}d_with_indices" for kind in ("max_pool", "adaptive_max_pool")
       for d in (1, 2, 3)]
    + [f"torch.nn.{kind}{d}d" for kind in ("MaxPool", "AdaptiveMaxPool", "LPPool", "FractionalMaxPool")
       for d in (1, 2, 3)]
    + [f"torch.{kind}{d}d" for kind in ("max_pool", "adaptive_max_pool") for d in (1, 2, 3)]
    + ["torch.max_pool1d_with_indices", "torch.nn.functional.fractional_max_pool2d",
       "torch.nn.functional.fractional_max_pool3d", "torch.nn.modules.pooling", *_LOW_LEVEL])
HINT_BY_HAND_CONV = tr("F.conv2d / nn.Conv2d 없이 창(슬라이스, Tensor.unfold)과 곱의 합으로 직접 계산하세요",
                       "compute it yourself from windows (slices, Tensor.unfold) and sums of products, "
                       "without F.conv2d / nn.Conv2d")
HINT_BY_HAND_POOL = tr("F.max_pool2d / nn.MaxPool2d 없이 창마다 최댓값(amax, torch.maximum)을 직접 구하세요",
                       "take each window's maximum yourself (amax, torch.maximum), without "
                       "F.max_pool2d / nn.MaxPool2d")


def by_hand(student, module: str, name: str, forbidden, hint) -> None:
    """`assert_by_hand` on one function (and the module-level helpers it reaches)."""
    assert_by_hand(student, module, forbidden=forbidden, functions=[name], what=name, hint=hint)


def conv_by_hand(student):
    """conv2d_naive (and the module-level helpers it uses) calls no library convolution."""
    by_hand(student, MODULE, "conv2d_naive", CONV_LIBRARY, HINT_BY_HAND_CONV)


def pool_by_hand(student):
    by_hand(student, MODULE, "max_pool2d_naive", POOL_LIBRARY, HINT_BY_HAND_POOL)

HINT_SIZE = tr("out = (size + 2·padding − dilation·(k − 1) − 1) // stride + 1 (축마다)",
               "out = (size + 2·padding − dilation·(k − 1) − 1) // stride + 1, per axis")
HINT_CONV = tr("커널을 뒤집지 말고(교차상관), 네 변 모두에 padding만큼 0을 덧붙인 뒤, stride 간격으로 창을 "
               "옮기며 채널 전체에 대한 내적을 구하세요",
               "do not flip the kernel (cross-correlation), pad all four sides with `padding` zeros, "
               "move the window `stride` pixels at a time and take the dot product over all channels")


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


SIZE_CASES = {
    "same-padding": [(32, 32, 3, 1, 1, 1), (28, 28, 5, 1, 2, 1), (5, 5, 3, 1, 0, 1)],
    "stride-floor": [(28, 28, 5, 2, 0, 1), (10, 11, 4, 3, 0, 1), (32, 32, 3, 2, 1, 1),
                     (7, 7, 2, 2, 0, 1)],
    "pairs-dilation": [(15, 15, 3, 2, 1, 2), (7, 9, (3, 2), (2, 1), (1, 0), 1),
                       (20, 13, 3, 1, (2, 0), (2, 3))],
}


@pytest.mark.parametrize("group", list(SIZE_CASES))
@grader("cnn-cifar10", points=1)
def test_conv2d_output_size_matches_real_layers(student, group):
    for h, w, k, s, p, d in SIZE_CASES[group]:
        kh, kw = _pair(k)
        real = F.conv2d(torch.zeros(1, 1, h, w), torch.zeros(1, 1, kh, kw), stride=s, padding=p,
                        dilation=d).shape[-2:]
        got = student.call(f"{MODULE}:conv2d_output_size", h, w, k, stride=s, padding=p, dilation=d)
        what = (f"conv2d_output_size({h}, {w}, kernel_size={k}, stride={s}, padding={p}, "
                f"dilation={d})")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise failure(what, "(out_h, out_w)", repr(got)[:80],
                          tr("(높이, 너비) 튜플을 돌려주세요", "return a tuple (height, width)"))
        if [int(v) for v in got] != list(real) or any(isinstance(v, float) for v in got):
            raise failure(what, str(tuple(real)) + tr(" (nn.Conv2d의 실제 출력)",
                                                      " (a real nn.Conv2d's output)").render(),
                          repr(tuple(got)), HINT_SIZE)


@grader("cnn-cifar10", points=1)
def test_conv2d_naive_curriculum_example(student):
    """The curriculum's 5×5 checkerboard and 3×3 filter: the true result is [[5,0,5],[0,5,0],[5,0,5]]."""
    x = torch.tensor([[1, 0, 1, 0, 1], [0, 1, 0, 1, 0]] * 2 + [[1, 0, 1, 0, 1]],
                     dtype=torch.float32).view(1, 1, 5, 5)
    w = torch.tensor([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=torch.float32).view(1, 1, 3, 3)
    got = student.call(f"{MODULE}:conv2d_naive", x, w)
    conv_by_hand(student)
    what = "conv2d_naive(curriculum's 5×5 input, its 3×3 filter)"
    assert_shape(got, (1, 1, 3, 3), what, HINT_SIZE)
    assert_close(got, torch.tensor([[[[5.0, 0, 5], [0, 5, 0], [5, 0, 5]]]]), atol=1e-6, what=what,
                 hint=tr("각 위치에서 3×3 창과 필터의 원소별 곱을 모두 더하세요 (왼쪽 위 창 = 필터 자신 → 5)",
                         "at each position sum the element-wise product of the 3×3 window and "
                         "the filter (the top-left window equals the filter: 5)"))


CONV_CASES = {
    # N, C_in, H, W, C_out, kernel, stride, padding, bias, dtype
    "c3-o4-k3": (2, 3, 7, 6, 4, (3, 3), 1, 0, True, torch.float64),
    "stride2-pad1": (2, 2, 9, 8, 3, (3, 3), 2, 1, True, torch.float64),
    "rect-kernel-pairs": (1, 3, 8, 7, 2, (3, 2), (2, 1), (1, 0), True, torch.float64),
    "pad2-no-bias": (3, 1, 5, 6, 5, (2, 3), 1, 2, False, torch.float64),
    "float32": (2, 4, 10, 10, 6, (5, 5), 3, 2, True, torch.float32),
}


@pytest.mark.parametrize("case", list(CONV_CASES))
@grader("cnn-cifar10", points=1)
def test_conv2d_naive_matches_f_conv2d(student, rng, case):
    n, c, h, w, o, k, s, p, with_bias, dtype = CONV_CASES[case]
    x = torch.from_numpy(rng.standard_normal((n, c, h, w))).to(dtype)
    weight = torch.from_numpy(rng.standard_normal((o, c, *k))).to(dtype)
    bias = torch.from_numpy(rng.standard_normal(o)).to(dtype) if with_bias else None
    expected = F.conv2d(x, weight, bias, stride=s, padding=p)
    got = student.call(f"{MODULE}:conv2d_naive", x, weight, bias, stride=s, padding=p)
    conv_by_hand(student)
    what = (f"conv2d_naive(x {tuple(x.shape)}, weight {tuple(weight.shape)}, "
            f"bias={f'({o},)' if with_bias else None}, stride={s}, padding={p})")
    assert_shape(got, tuple(expected.shape), what, HINT_SIZE)
    tol = 1e-10 if dtype == torch.float64 else 1e-4
    assert_close(got, expected, rtol=tol, atol=tol, what=what + " vs F.conv2d", hint=HINT_CONV)


@grader("cnn-cifar10", points=1)
def test_conv2d_naive_is_differentiable(student, rng):
    """Autograd through conv2d_naive gives F.conv2d's input gradient (a CNN must train on it).

    The learner's function runs under torch's own `torch.autograd.functional.vjp` in the
    submission (no kit code there): its forward value and its vector-Jacobian product come back
    and are compared here with F.conv2d and autograd through F.conv2d."""
    x = torch.from_numpy(rng.standard_normal((2, 2, 6, 5)))
    weight = torch.from_numpy(rng.standard_normal((3, 2, 3, 3)))
    up = torch.from_numpy(rng.standard_normal((2, 3, 3, 3)))
    fn = student.call("functools:partial", student.get(f"{MODULE}:conv2d_naive"), weight=weight,
                      stride=2, padding=1)
    what = "d(sum(conv2d_naive(x, w, stride=2, padding=1) · g)) / dx"
    hint = tr("torch 연산만 쓰세요: .item(), .numpy(), float()로 값을 꺼내면 그래디언트가 끊깁니다",
              "use torch operations only: .item(), .numpy() or float() cut the gradient")
    try:
        out, got = student.call("torch.autograd.functional:vjp", fn, x, up)
    except StudentError as err:
        raise failure(what, tr("x에 대한 그래디언트", "a gradient for x"),
                      err.message.splitlines()[0][:200], hint) from None
    conv_by_hand(student)
    xr = x.clone().requires_grad_(True)
    forward = F.conv2d(xr, weight, stride=2, padding=1)
    (expected,) = torch.autograd.grad((forward * up).sum(), xr)
    assert_close(out, forward.detach(), rtol=1e-10, atol=1e-10,
                 what="conv2d_naive(x, w, stride=2, padding=1) vs F.conv2d", hint=HINT_CONV)
    assert_close(got, expected, rtol=1e-8, atol=1e-10, what=what, hint=hint)


POOL_CASES = {
    "k2-default-stride": (2, 3, 8, 8, 2, None),
    "k3-s2-overlap": (1, 2, 9, 9, 3, 2),
    "odd-size-floor": (2, 2, 7, 5, 2, None),
    "pairs": (1, 3, 6, 9, (2, 3), (1, 2)),
}


@pytest.mark.parametrize("case", list(POOL_CASES))
@grader("cnn-cifar10", points=1)
def test_max_pool2d_naive_matches_f_max_pool2d(student, rng, case):
    n, c, h, w, k, s = POOL_CASES[case]
    x = torch.from_numpy(rng.standard_normal((n, c, h, w)).astype(np.float32)) - 1.0
    expected = F.max_pool2d(x, k, s)
    got = student.call(f"{MODULE}:max_pool2d_naive", x, k, s) if s is not None else \
        student.call(f"{MODULE}:max_pool2d_naive", x, k)
    pool_by_hand(student)
    what = f"max_pool2d_naive(x {tuple(x.shape)}, kernel_size={k}" + (
        f", stride={s})" if s is not None else ") (stride not given)")
    hint = tr("stride가 None이면 kernel_size와 같습니다; 창마다 최댓값(음수일 수도 있음)을 채널별로 구하세요",
              "stride None means stride = kernel_size; take each window's maximum (it may be "
              "negative), channel by channel")
    assert_shape(got, tuple(expected.shape), what, hint)
    assert_close(got, expected, rtol=0, atol=0, what=what + " vs F.max_pool2d", hint=hint)
