"""ResNet's residual block and a small ResNet built from it.

잔차 연결(skip connection): 블록은 F(x)를 직접 배우는 대신 out = ReLU(F(x) + shortcut(x))를 계산합니다.
덧셈 덕분에 기울기가 shortcut을 따라 입력까지 그대로 전달되어, 깊은 네트워크에서도 기울기 소실이
줄어듭니다.
A residual block computes out = ReLU(F(x) + shortcut(x)) instead of F(x) alone. Through the sum the
gradient reaches the input along the shortcut unchanged, which is why very deep ResNets train.

The block of the curriculum (4-3) / 커리큘럼의 블록:
    F(x)      = BN(conv3×3(ReLU(BN(conv3×3(x, stride)))))      convolutions without bias
    shortcut  = identity (no parameters) when stride == 1 and in_ch == out_ch,
                else 1×1 conv (stride, no bias) · BatchNorm2d — the shapes must match for the sum
    out       = ReLU(F(x) + shortcut(x))                         ReLU after the sum
Shapes: x (B, in_ch, H, W) -> (B, out_ch, ceil(H / stride), ceil(W / stride)).
"""

from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """ResNet's basic block. / ResNet 기본 블록.

    Parameters: in_ch, out_ch, stride=1 (the stride of the first 3×3 convolution and of the 1×1
    shortcut convolution). Layers: conv1 = Conv2d(in_ch, out_ch, 3, stride, padding=1, bias=False),
    bn1, conv2 = Conv2d(out_ch, out_ch, 3, 1, padding=1, bias=False), bn2, one ReLU, and the
    shortcut described in the module docstring.
    Shapes: forward x (B, in_ch, H, W) -> (B, out_ch, H', W') with H' = (H - 1) // stride + 1.
    """

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        """Builds the two conv-BN pairs and the shortcut (두 conv-BN 쌍과 shortcut을 만드세요).

        Hint / 힌트: `nn.Sequential()` with no layers is the identity and has no parameters; build
        the 1×1 Conv2d(in_ch, out_ch, 1, stride, bias=False) + BatchNorm2d(out_ch) only when
        `stride != 1 or in_ch != out_ch` (채널 수나 크기가 다를 때만 1×1 conv로 맞춥니다).
        """
        super().__init__()
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_ch, out_ch, 1, stride, bias=False),
                nn.BatchNorm2d(out_ch),
            )
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, in_ch, H, W) -> (B, out_ch, H', W').

        Hint / 힌트: identity = self.shortcut(x); out = relu(bn1(conv1(x))); out = bn2(conv2(out));
        return relu(out + identity). Do not change x in place (`identity += ...` would: with the
        identity shortcut, identity *is* x) / 입력 x를 제자리에서 바꾸지 마세요.
        """
        # BEGIN SOLUTION
        identity = self.shortcut(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)
        # END SOLUTION


class SmallResNet(nn.Module):
    """A small ResNet for 32×32 (CIFAR-10) or 28×28 (MNIST) images. / 작은 ResNet.

    Layers, in order / 층 구성:
        stem:   Conv2d(in_ch, 16, 3, padding=1, bias=False) · BatchNorm2d(16) · ReLU
        stages: ResidualBlock(16, 16) · ResidualBlock(16, 32, stride=2) · ResidualBlock(32, 64, stride=2)
        head:   global average pooling (`nn.AdaptiveAvgPool2d(1)`) · Flatten · Linear(64, num_classes)
    Shapes: forward x (B, in_ch, H, W) -> logits (B, num_classes), for any H, W >= 4 (the global
    average pooling makes the head independent of the image size).
    """

    def __init__(self, num_classes: int = 10, in_ch: int = 3):
        """Builds the stem, the three residual blocks and the head.

        Hint / 힌트: use `ResidualBlock` from this module; the two stride-2 blocks halve the map
        (32 -> 16 -> 8) while doubling the channels (16 -> 32 -> 64).
        """
        super().__init__()
        # BEGIN SOLUTION
        self.stem = nn.Sequential(
            nn.Conv2d(in_ch, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.layers = nn.Sequential(
            ResidualBlock(16, 16), ResidualBlock(16, 32, stride=2), ResidualBlock(32, 64, stride=2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, in_ch, H, W) -> logits (B, num_classes).

        Hint / 힌트: stem, the blocks, pool to (B, 64, 1, 1), flatten to (B, 64), then fc.
        """
        # BEGIN SOLUTION
        x = self.layers(self.stem(x))
        return self.fc(self.pool(x).flatten(1))
        # END SOLUTION
