"""Project 2: CIFAR-10 with a small ResNet and data augmentation (목표: 테스트 정확도 90%+).

커리큘럼 4-3의 잔차 블록으로 만든 작은 ResNet을, 무작위 자르기(패딩 4) + 좌우 뒤집기 증강과
채널별 정규화로 학습합니다. A small ResNet built from the curriculum's residual block (4-3),
trained with the standard CIFAR-10 augmentation — random 32×32 crops of the image padded by 4
pixels, and horizontal flips — and per-channel normalisation.

Images are the cache's format: X (N, 3, 32, 32) uint8 in 0..255, y (N,) int64 in 0..9
(`dldrill.data.load_cifar10(split)`). `normalize` turns them into the model's input,
`augment` makes a random variant of a training batch, `train` and `predict` take uint8 images.
The architecture is yours (`build_model()` maps (N, 3, 32, 32) float32 to (N, 10) logits).

`python -m exercises.ch09.cifar_project` trains on the full CIFAR-10 training set from the kit's
data cache (`dldrill data fetch cifar10` first; a GPU makes it minutes instead of hours) and saves
the state_dict to `artifacts/cifar10.pt`; the `cnn-cifar10` checklist item loads it into your
`build_model()` and scores the real test set — 90% or more passes. The grader runs the model
itself, not `predict`: it traces `build_model()` in eval mode with `torch.jit.trace`, loads the
saved weights into it, and feeds it the test images as `normalize` documents them (so keep
`normalize` exactly as documented, and the forward pass made of standard layers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from dldrill.devices import resolve_device

# CIFAR-10 훈련 세트의 채널별 평균/표준편차 (0~1 스케일, R, G, B) / per-channel statistics
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)
ARTIFACT = Path(__file__).resolve().parent / "artifacts" / "cifar10.pt"


def normalize(X: Any) -> torch.Tensor:
    """uint8 images (N, 3, 32, 32) in 0..255 -> float32 (N, 3, 32, 32): (X/255 - mean) / std per
    channel with CIFAR_MEAN and CIFAR_STD. / 채널별 정규화.

    Hint / 힌트: `torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)` broadcasts over N, H and W.
    """
    # BEGIN SOLUTION
    x = torch.as_tensor(np.asarray(X)).to(torch.float32) / 255.0
    mean = torch.tensor(CIFAR_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - mean) / std
    # END SOLUTION


def augment(x: torch.Tensor, y: torch.Tensor,
            generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """A random variant of a batch: (x_aug, y_aug) with x (N, C, H, W), y (N,). / 증강.

    Each image, independently: zero-padded by 4 pixels on every side, a random H×W window cut
    out (top and left uniform over 0..8, both ends included), then mirrored left-right with
    probability 0.5. Labels are unchanged: y_aug equals y (a flipped cat is still a cat). x is
    not changed in place. All random numbers come from `generator`, so the same seed gives the
    same batch. 라벨은 그대로, 뒤집기는 좌우(너비 축)만.
    Hint / 힌트: `F.pad(x, (4, 4, 4, 4))`, `torch.randint(0, 9, (N,), generator=generator)` for
    the offsets, `torch.rand(N, generator=generator) < 0.5` and `x.flip(-1)` for the mirror.
    """
    # BEGIN SOLUTION
    n, _, h, w = x.shape
    xp = nn.functional.pad(x, (4, 4, 4, 4))
    tops = torch.randint(0, 9, (n,), generator=generator).tolist()
    lefts = torch.randint(0, 9, (n,), generator=generator).tolist()
    out = torch.stack([xp[i, :, t:t + h, s:s + w] for i, (t, s) in enumerate(zip(tops, lefts,
                                                                                 strict=True))])
    flip = (torch.rand(n, generator=generator) < 0.5).view(-1, 1, 1, 1).to(x.device)
    return torch.where(flip, out.flip(-1), out), y.clone()
    # END SOLUTION


class _Residual(nn.Module):
    """3×3 conv-BN-ReLU-3×3 conv-BN plus the input, ReLU after the sum (the curriculum's block)."""

    def __init__(self, ch: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(ch, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(),
            nn.Conv2d(ch, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch))
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(x) + x)


def build_model() -> nn.Module:
    """A small ResNet for 32×32 colour images: (N, 3, 32, 32) float32 -> (N, 10) logits. / ResNet.

    The answer key is a slim "ResNet-9": conv(48) → conv(96)+pool → residual(96) →
    conv(192)+pool → conv(384)+pool → residual(384) → global max pool → Linear(384, 10), every
    conv 3×3 without bias followed by BatchNorm and ReLU; about 30 epochs reach 92-93% on the
    real test set. Raw logits, no softmax. The forward pass must be traceable by
    `torch.jit.trace` and made of standard layers (convolutions, normalisation, activations,
    pooling, linear layers, residual sums): the graders run the traced graph.
    작은 ResNet: 합성곱-BN-ReLU 단계와 잔차 블록(입력을 더한 뒤 ReLU), 마지막에 전역 풀링과 Linear.
    Hint / 힌트: a helper `conv_bn(in_ch, out_ch)` returning Conv2d(3×3, padding=1, bias=False),
    BatchNorm2d, ReLU; a residual block adds its input before the last ReLU.
    """
    # BEGIN SOLUTION
    def _conv_bn(cin: int, cout: int, pool: bool = False) -> list[nn.Module]:
        layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
        return [*layers, nn.MaxPool2d(2)] if pool else layers

    return nn.Sequential(
        *_conv_bn(3, 48), *_conv_bn(48, 96, pool=True), _Residual(96),
        *_conv_bn(96, 192, pool=True), *_conv_bn(192, 384, pool=True), _Residual(384),
        nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(384, 10),
    )
    # END SOLUTION


def train(X: np.ndarray, y: np.ndarray, epochs: int, seed: int = 0, device: Any = None,
          batch_size: int = 128) -> nn.Module:
    """Builds a model with `build_model()` and trains it on (X, y) with augmentation; returns it
    in eval mode. / 증강과 함께 학습.

    X (N, 3, 32, 32) uint8, y (N,) int64. Every batch is normalised and passed through `augment`
    (a generator seeded with `seed`); weights, shuffling and augmentation all come from `seed`, so
    two calls with the same seed give the same model. The training loss goes down.
    Answer key: AdamW(weight_decay=5e-2) with OneCycleLR(max_lr=2e-3) stepped per batch, label
    smoothing 0.1.
    Hint / 힌트: `torch.manual_seed(seed)` before `build_model()`; one
    `torch.Generator().manual_seed(seed)` for the shuffling and for `augment`; per batch
    zero_grad → forward → loss → backward → step → scheduler.step(); `model.eval()` at the end.
    """
    # BEGIN SOLUTION
    device = resolve_device(device)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = build_model().to(device)
    x_all = normalize(X)
    y_all = torch.as_tensor(np.asarray(y), dtype=torch.long)
    n = len(x_all)
    steps = (n + batch_size - 1) // batch_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-2)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, epochs=epochs,
                                                    steps_per_epoch=steps)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb, yb = augment(x_all[idx], y_all[idx], gen)
            optimizer.zero_grad()
            loss = criterion(model(xb.to(device)), yb.to(device))
            loss.backward()
            optimizer.step()
            scheduler.step()
    model.eval()
    return model
    # END SOLUTION


def predict(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """Predicted classes for uint8 images X (N, 3, 32, 32): ndarray (N,) int64. / 예측.

    Eval mode, no graph, batches, no augmentation; the same `normalize` as in training.
    Hint / 힌트: `model.eval()`, `with torch.no_grad():`, `model(normalize(x)).argmax(1)`.
    """
    # BEGIN SOLUTION
    model.eval()
    device = next(model.parameters()).device
    out = []
    with torch.no_grad():
        for start in range(0, len(X), 500):
            out.append(model(normalize(np.asarray(X)[start:start + 500]).to(device)).argmax(1).cpu())
    return torch.cat(out).numpy().astype(np.int64) if out else np.zeros(0, dtype=np.int64)
    # END SOLUTION


def main(epochs: int = 30, path: Path = ARTIFACT) -> float:
    """Trains on the full CIFAR-10 training set from the cache, saves the state_dict to `path`
    and returns the test accuracy. / 전체 CIFAR-10으로 학습해 artifacts/cifar10.pt 저장."""
    from dldrill.data import load_cifar10

    X_train, y_train = load_cifar10("train")
    model = train(X_train, y_train, epochs=epochs, seed=0, batch_size=256)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.cpu() for k, v in model.state_dict().items()}, path)
    X_test, y_test = load_cifar10("test")
    acc = float(np.mean(predict(model, X_test) == y_test))
    print(f"test accuracy {acc:.4f}; weights saved to {path}")
    return acc


if __name__ == "__main__":
    main()
