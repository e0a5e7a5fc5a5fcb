# dldrill:stub 17c8110d7959 · from solutions/ch04/vgg.py · 여러분의 파일 / yours to edit
"""VGG's building block and counting a model's parameters.

VGG(2014)는 3×3 합성곱을 여러 번 쌓고 2×2 최대 풀링으로 크기를 절반으로 줄이는 블록을 반복합니다.
단순하고 이해하기 쉽지만 파라미터가 많습니다 (VGG16 약 1억 3,800만 개). 파라미터 수를 직접 세어
보면 어느 층이 무거운지 알 수 있습니다.
VGG (2014) repeats one block: a few 3×3 convolutions with ReLU, then a 2×2 max pooling that halves
the map. Simple, but heavy (VGG16 has about 138M parameters); counting them shows which layers
weigh the most.
"""

from __future__ import annotations

from torch import nn


def vgg_block(in_ch: int, out_ch: int, num_convs: int) -> nn.Sequential:
    """One VGG block as an `nn.Sequential`. / VGG 블록 하나.

    Layers: num_convs × [Conv2d(·, out_ch, kernel_size=3, padding=1) · ReLU] then
    MaxPool2d(kernel_size=2, stride=2); the first convolution takes in_ch channels, the others
    out_ch. Convolutions keep their bias.
    Shapes: x (B, in_ch, H, W) -> (B, out_ch, H // 2, W // 2).
    Parameters: 9*in_ch*out_ch + out_ch + (num_convs - 1) * (9*out_ch*out_ch + out_ch).
    Hint / 힌트: build a Python list in a loop, setting `in_ch = out_ch` after the first
    convolution, then `nn.Sequential(*layers)` (첫 conv 다음부터 입력 채널은 out_ch).
    """
    raise NotImplementedError("TODO(ch04.vgg.vgg_block)")


def count_params(model: nn.Module, trainable_only: bool = False) -> int:
    """The number of parameters (scalars) of a model. / 모델의 파라미터 개수.

    Counts every element of every parameter once (a parameter shared by two layers counts once);
    with `trainable_only=True`, only those with `requires_grad` (frozen ones are left out, as in
    transfer learning). Buffers such as BatchNorm's running_mean/running_var are not parameters.
    Returns a Python int.
    Hint / 힌트: `sum(p.numel() for p in model.parameters() if ...)`; `state_dict()` would also
    count the buffers (state_dict에는 버퍼도 들어 있습니다).
    """
    raise NotImplementedError("TODO(ch04.vgg.count_params)")
