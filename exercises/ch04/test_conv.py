"""Visible tests for ch04.conv — run them with `pytest exercises/ch04`.

The curriculum's 5×5 example, one comparison with F.conv2d, pooling; the hidden graders add
strides, paddings, rectangular kernels, float64, autograd through your convolution and more sizes.
"""

import torch
import torch.nn.functional as F

from dldrill.grading import assert_close, tr

from ch04.conv import conv2d_naive, conv2d_output_size, max_pool2d_naive

CONV_HINT = tr("출력 (n, o, i, j) = Σ_c,p,q x_pad[n, c, i·s+p, j·s+q] · w[o, c, p, q] + b[o] — "
               "커널을 뒤집지 말고(교차상관), 패딩 후 stride만큼 건너뛰세요",
               "out[n, o, i, j] = Σ_c,p,q x_pad[n, c, i·s+p, j·s+q] · w[o, c, p, q] + b[o] — "
               "no kernel flip (cross-correlation), pad first, then step by the stride")


def test_output_size_examples():
    hint = tr("출력 크기 = ⌊(입력 + 2·패딩 − 커널) / stride⌋ + 1",
              "output size = ⌊(input + 2·padding − kernel) / stride⌋ + 1")
    for args, kw, want in (((32, 32, 3), {"padding": 1}, (32, 32)),   # "same"
                           ((28, 28, 5), {"stride": 2}, (12, 12)), ((5, 5, 3), {}, (3, 3))):
        got = conv2d_output_size(*args, **kw)
        assert_close(tuple(got), want, rtol=0, atol=0, hint=hint,
                     what=f"conv2d_output_size{args + tuple(kw.values())}")


def test_curriculum_checkerboard():
    # The curriculum prints [[4,3,4],[2,4,3],[4,3,4]] for this input and filter; the true
    # result is below (the top-left window equals the filter: five ones, sum 5).
    x = torch.tensor([[1., 0, 1, 0, 1], [0, 1, 0, 1, 0], [1, 0, 1, 0, 1], [0, 1, 0, 1, 0],
                      [1, 0, 1, 0, 1]]).view(1, 1, 5, 5)
    w = torch.tensor([[1., 0, 1], [0, 1, 0], [1, 0, 1]]).view(1, 1, 3, 3)
    assert_close(conv2d_naive(x, w), torch.tensor([[[[5., 0, 5], [0, 5, 0], [5, 0, 5]]]]),
                 atol=1e-5, what="conv2d_naive(checkerboard 5×5, 3×3 filter)", hint=CONV_HINT)


def test_matches_f_conv2d_with_stride_and_padding():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 7, 6, generator=g)
    w = torch.randn(4, 3, 3, 2, generator=g)   # not symmetric: a flipped kernel shows
    b = torch.randn(4, generator=g)
    assert_close(conv2d_naive(x, w, b, stride=2, padding=1), F.conv2d(x, w, b, stride=2, padding=1),
                 atol=1e-5, what="conv2d_naive(x (2, 3, 7, 6), w (4, 3, 3, 2), b, stride=2, padding=1)",
                 hint=CONV_HINT)


def test_max_pool_matches_f_max_pool2d():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 6, 7, generator=g) - 2   # mostly negative values
    assert_close(max_pool2d_naive(x, 2), F.max_pool2d(x, 2), atol=1e-5,
                 what="max_pool2d_naive(x (2, 3, 6, 7), 2)",
                 hint=tr("겹치지 않는 2×2 창마다 최댓값; 남는 마지막 열은 버립니다 (floor)",
                         "the max of each non-overlapping 2×2 window; the leftover last column "
                         "is dropped (floor)"))
