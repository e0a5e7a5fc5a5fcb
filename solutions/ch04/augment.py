"""Data augmentation by hand (no torchvision): flips, random crops, normalisation, composition.

데이터 증강은 훈련 이미지를 조금씩 바꿔(뒤집기, 이동/자르기...) 데이터를 인위적으로 늘려 과적합을
줄입니다. 커리큘럼의 ImageDataGenerator(horizontal_flip, width/height_shift_range)와
torchvision의 RandomHorizontalFlip, RandomCrop(32, padding=4), Normalize, Compose를 직접 만들어 봅니다.
Augmentation changes training images a little (flips, shifts/crops...) so that the model sees
more variety and overfits less: here are hand-made versions of the curriculum's
ImageDataGenerator options and of torchvision's RandomHorizontalFlip, RandomCrop(32, padding=4),
Normalize and Compose.

Every function works on a batch x (N, C, H, W), returns a new tensor of x's dtype and never
changes x in place. Random choices are made per image and come only from the `generator`
argument (a `torch.Generator`; None means torch's global generator), so the same seed gives the
same augmentation (같은 시드의 generator는 같은 결과를 줍니다 — 재현성).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch


def random_flip(x: torch.Tensor, generator: torch.Generator | None = None, p: float = 0.5) -> torch.Tensor:
    """Flips each image left-right with probability p. / 이미지마다 확률 p로 좌우 뒤집기.

    Shapes: x (N, C, H, W) -> (N, C, H, W); image n is either x[n] unchanged or x[n] mirrored
    along the width (the last axis), each image decided independently.
    Hint / 힌트: draw one number per image, `torch.rand(N, generator=generator) < p`, and pick
    between x and `x.flip(-1)` with `torch.where` (mask shape (N, 1, 1, 1)).
    """
    # BEGIN SOLUTION
    flip = torch.rand(x.shape[0], generator=generator) < p
    flip = flip.to(x.device).view(-1, *([1] * (x.dim() - 1)))
    return torch.where(flip, x.flip(-1), x)
    # END SOLUTION


def random_crop(x: torch.Tensor, size: int | tuple[int, int], padding: int = 0,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Pads with zeros, then cuts a random size×size window out of each image. / 패딩 후 무작위 자르기.

    Shapes: x (N, C, H, W) -> (N, C, size_h, size_w). Each image is zero-padded by `padding`
    pixels on all four sides, then a window starting at a random (top, left) is kept, with
    top uniform over 0 .. H + 2*padding - size_h (both ends included) and left likewise, drawn
    per image. `random_crop(x, 32, padding=4)` on 32×32 images is the standard CIFAR-10
    augmentation: a shift of up to 4 pixels in every direction.
    Raises ValueError when the window is larger than the padded image.
    Hint / 힌트: `torch.randint(0, max_offset + 1, (N,), generator=generator)` — randint's upper
    bound is exclusive (상한은 포함되지 않으므로 +1); pad once with `F.pad(x, (p, p, p, p))`.
    """
    # BEGIN SOLUTION
    sh, sw = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    n, _, h, w = x.shape
    max_top, max_left = h + 2 * padding - sh, w + 2 * padding - sw
    if max_top < 0 or max_left < 0:
        raise ValueError(f"crop {sh}×{sw} is larger than the padded image "
                         f"{h + 2 * padding}×{w + 2 * padding}")
    xp = torch.nn.functional.pad(x, (padding, padding, padding, padding)) if padding else x
    tops = torch.randint(0, max_top + 1, (n,), generator=generator).tolist()
    lefts = torch.randint(0, max_left + 1, (n,), generator=generator).tolist()
    windows = [xp[i, :, t:t + sh, lf:lf + sw] for i, (t, lf) in enumerate(zip(tops, lefts, strict=True))]
    return torch.stack(windows)
    # END SOLUTION


def normalize(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Per-channel standardisation (x - mean[c]) / std[c]. / 채널별 정규화.

    Shapes: x (N, C, H, W), mean and std of length C -> (N, C, H, W), x's dtype. MNIST's
    statistics are mean (0.1307,) and std (0.3081,).
    Hint / 힌트: reshape mean and std to (1, C, 1, 1) so that they broadcast over N, H and W
    (평균을 빼고 표준편차로 나눕니다 — 순서 주의).
    """
    # BEGIN SOLUTION
    m = torch.as_tensor(mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    s = torch.as_tensor(std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    return (x - m) / s
    # END SOLUTION


class Compose:
    """Chains transforms: `Compose([f, g, h])(x) == h(g(f(x)))`. / 변환을 순서대로 연결.

    `transforms` is a list of callables taking and returning a batch; they run in list order
    (the first one first). Use `functools.partial` to fix arguments, e.g.
    `Compose([partial(random_crop, size=32, padding=4, generator=g), partial(random_flip,
    generator=g), partial(normalize, mean=m, std=s)])`.
    """

    def __init__(self, transforms: Sequence[Callable[[torch.Tensor], torch.Tensor]]):
        """Keeps the list of transforms (변환 목록을 저장하세요)."""
        # BEGIN SOLUTION
        self.transforms = list(transforms)
        # END SOLUTION

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Applies the transforms in order. Hint / 힌트: `for t in self.transforms: x = t(x)`."""
        # BEGIN SOLUTION
        for t in self.transforms:
            x = t(x)
        return x
        # END SOLUTION
