"""Visible tests for ch04.conv — run them with `pytest exercises/ch04`.

The curriculum's 5×5 example, one comparison with F.conv2d, pooling; the hidden graders add
strides, paddings, rectangular kernels, float64, autograd through your convolution and more sizes.
"""

import torch
import torch.nn.functional as F

from ch04.conv import conv2d_naive, conv2d_output_size, max_pool2d_naive


def assert_close(got, expected, atol=1e-5):
    assert isinstance(got, torch.Tensor), f"expected a tensor, got {type(got).__name__}"
    assert got.shape == expected.shape, f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}"
    assert torch.allclose(got, expected.to(got.dtype), atol=atol), f"expected\n{expected}\ngot\n{got}"


def test_output_size_examples():
    assert tuple(conv2d_output_size(32, 32, 3, padding=1)) == (32, 32)   # "same"
    assert tuple(conv2d_output_size(28, 28, 5, stride=2)) == (12, 12)
    assert tuple(conv2d_output_size(5, 5, 3)) == (3, 3)


def test_curriculum_checkerboard():
    # The curriculum prints [[4,3,4],[2,4,3],[4,3,4]] for this input and filter; the true
    # result is below (the top-left window equals the filter: five ones, sum 5).
    x = torch.tensor([[1., 0, 1, 0, 1], [0, 1, 0, 1, 0], [1, 0, 1, 0, 1], [0, 1, 0, 1, 0],
                      [1, 0, 1, 0, 1]]).view(1, 1, 5, 5)
    w = torch.tensor([[1., 0, 1], [0, 1, 0], [1, 0, 1]]).view(1, 1, 3, 3)
    assert_close(conv2d_naive(x, w), torch.tensor([[[[5., 0, 5], [0, 5, 0], [5, 0, 5]]]]))


def test_matches_f_conv2d_with_stride_and_padding():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 7, 6, generator=g)
    w = torch.randn(4, 3, 3, 2, generator=g)   # not symmetric: a flipped kernel shows
    b = torch.randn(4, generator=g)
    assert_close(conv2d_naive(x, w, b, stride=2, padding=1), F.conv2d(x, w, b, stride=2, padding=1))


def test_max_pool_matches_f_max_pool2d():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 6, 7, generator=g) - 2   # mostly negative values
    assert_close(max_pool2d_naive(x, 2), F.max_pool2d(x, 2))
