# dldrill:stub ea33f601f05f · from solutions/ch04/conv.py · 여러분의 파일 / yours to edit
"""Convolution and max pooling by hand — what `nn.Conv2d` and `nn.MaxPool2d` compute.

합성곱은 필터(커널)를 이미지 위로 밀어 가며(sliding) 겹치는 부분의 원소별 곱을 모두 더하는(내적)
연산입니다. 풀링은 창(window) 안의 최댓값만 남겨 공간 크기를 줄입니다.
A convolution slides a filter (kernel) over the image and, at every position, sums the
element-wise product of the filter and the patch under it (a dot product). Max pooling keeps the
largest value of each window and shrinks the feature map.

What deep-learning libraries call "convolution" is a *cross-correlation*: the kernel is NOT
flipped. `F.conv2d(x, w)[n, o, i, j] = b[o] + Σ_c Σ_u Σ_v x[n, c, i*s + u, j*s + v] * w[o, c, u, v]`
(after zero padding). 딥러닝의 "합성곱"은 커널을 뒤집지 않는 교차상관입니다.

The curriculum's picture / 커리큘럼의 그림: the 5×5 checkerboard input
[[1,0,1,0,1],[0,1,0,1,0],[1,0,1,0,1],[0,1,0,1,0],[1,0,1,0,1]] with the 3×3 filter
[[1,0,1],[0,1,0],[1,0,1]] (stride 1, no padding) gives [[5,0,5],[0,5,0],[5,0,5]]: on the
checkerboard the filter lies exactly on five ones or on none. The output printed in the
curriculum, [[4,3,4],[2,4,3],[4,3,4]], does not follow from that input and filter (check any entry
by hand: the top-left window equals the filter itself, 1+1+1+1+1 = 5).
커리큘럼에 인쇄된 출력 [[4,3,4],[2,4,3],[4,3,4]]는 그 입력과 필터에서 나오지 않습니다 — 왼쪽 위
창은 필터와 똑같아서 1이 다섯 개, 합은 5입니다. 올바른 결과는 [[5,0,5],[0,5,0],[5,0,5]]입니다.

Shapes follow PyTorch: x (N, C_in, H, W), weight (C_out, C_in, kH, kW), bias (C_out,).
`kernel_size`, `stride`, `padding` and `dilation` may each be an int or an (h, w) pair.
"""

from __future__ import annotations

import torch

IntPair = int | tuple[int, int]


def _pair(v: IntPair) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def conv2d_output_size(h: int, w: int, kernel_size: IntPair, stride: IntPair = 1,
                       padding: IntPair = 0, dilation: IntPair = 1) -> tuple[int, int]:
    """Output height and width of a convolution (or pooling) layer. / 합성곱 출력 크기.

    Returns (out_h, out_w) with, per axis,
    out = floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1,
    the formula in the `nn.Conv2d` documentation (same for `nn.MaxPool2d`).
    Example: 32×32, kernel 3, padding 1 ("same") -> (32, 32); 28×28, kernel 5, stride 2 -> (12, 12).
    Hint / 힌트: a dilated kernel spans dilation*(k-1)+1 pixels; count how many start positions,
    stride apart, fit in the padded size (내림 나눗셈 `//` 뒤에 +1을 잊지 마세요).
    """
    raise NotImplementedError("TODO(ch04.conv.conv2d_output_size)")


def conv2d_naive(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
                 stride: IntPair = 1, padding: IntPair = 0) -> torch.Tensor:
    """2-D convolution (cross-correlation) written out by hand, equal to `F.conv2d`. / 합성곱 직접 구현.

    Shapes: x (N, C_in, H, W), weight (C_out, C_in, kH, kW), bias (C_out,) or None
    -> (N, C_out, out_h, out_w) (sizes from `conv2d_output_size`), the dtype of x.
    Zero padding is added on all four sides (`padding` pixels top and bottom, left and right);
    the kernel is not flipped. Do not call `F.conv2d` or `nn.Conv2d` (cutting windows with
    `Tensor.unfold` is fine). The result keeps autograd working (no `.item()` / NumPy inside).
    Hint / 힌트: pad with `F.pad(x, (pw, pw, ph, ph))` (last axis first); then either loop over
    the output positions (i, j) and take the dot product of each window x_pad[:, :, i*s:i*s+kH,
    j*s:j*s+kW] with the filters (`torch.einsum("nchw,ochw->no", ...)`), or loop over the kH×kW
    kernel offsets and add strided slices x_pad[:, :, u:u+s*(out_h-1)+1:s, ...] times w[:, :, u, v].
    """
    raise NotImplementedError("TODO(ch04.conv.conv2d_naive)")


def max_pool2d_naive(x: torch.Tensor, kernel_size: IntPair, stride: IntPair | None = None) -> torch.Tensor:
    """Max pooling by hand, equal to `F.max_pool2d(x, kernel_size, stride)`. / 최대 풀링 직접 구현.

    Shapes: x (N, C, H, W) -> (N, C, out_h, out_w) with the sizes of `conv2d_output_size`
    (no padding; a partial window at the border is dropped, as `nn.MaxPool2d` does).
    `stride=None` means stride = kernel_size (non-overlapping windows, as in `nn.MaxPool2d(2)`).
    Do not call `F.max_pool2d` or `nn.MaxPool2d`.
    Hint / 힌트: each channel is pooled on its own; take the maximum over every window
    x[:, :, i*s:i*s+k, j*s:j*s+k] (`amax(dim=(-2, -1))`), or the element-wise maximum of the k×k
    strided slices (stride를 지정하지 않으면 kernel_size와 같습니다).
    """
    raise NotImplementedError("TODO(ch04.conv.max_pool2d_naive)")
