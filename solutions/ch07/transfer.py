"""Transfer learning: freeze a pretrained network, replace its head, choose how much to train.

거인의 어깨 위에 서기 — 사전학습 모델의 특징 추출기를 재사용하면 적은 데이터로도 좋은 성능을 냅니다.
Standing on the shoulders of giants: reuse a pretrained feature extractor and a small data set is
enough. The curriculum's three strategies (커리큘럼의 세 가지 전략):

    | strategy             | what trains              | data       | when                        |
    | "feature_extraction" | the head only            | very small | similar domain, little data |
    | "partial"            | head + the top few blocks| medium     | a somewhat different domain |
    | "full"               | the whole model          | plenty     | a very different domain     |

"Freezing" a parameter means `requires_grad = False`: autograd computes no gradient for it, so no
optimizer step changes it. (`model.eval()` freezes nothing: it only switches Dropout/BatchNorm
behaviour.) 동결 = requires_grad=False (eval()은 동결이 아닙니다).

The model's *blocks* are its direct children that hold parameters (`model.named_children()`), in
the order they were registered, which for a pretrained backbone is input → output; the last
block is the classification head. "Top" blocks are the ones nearest the head.
블록 = 파라미터를 가진 직계 자식 모듈 (등록 순서 = 입력 → 출력), 마지막 블록이 헤드입니다.
"""

from __future__ import annotations

from torch import nn

STRATEGIES = ("feature_extraction", "partial", "full")


def freeze(module: nn.Module) -> nn.Module:
    """Freezes every parameter of `module` (and of all its submodules): `requires_grad = False`.

    모듈의 모든 파라미터(가중치와 bias, BatchNorm의 weight/bias 포함)를 동결합니다.
    Returns the same module (for chaining). Buffers (BatchNorm running statistics) are not
    parameters and are left alone.

    Hint / 힌트: loop over `module.parameters()` and set `p.requires_grad = False`
    (or `module.requires_grad_(False)`).
    """
    # BEGIN SOLUTION
    for p in module.parameters():
        p.requires_grad = False
    return module
    # END SOLUTION


def replace_head(model: nn.Module, num_classes: int, head_attr: str = "fc") -> nn.Module:
    """Replaces the model's classification head with a fresh `nn.Linear` for `num_classes`.

    헤드 교체: `getattr(model, head_attr)`(예: ResNet의 `fc`)를 같은 입력 크기, 새 클래스 수의 새
    `nn.Linear`로 바꿉니다. The new head keeps the old `in_features`, has `out_features =
    num_classes`, a bias, fresh (PyTorch-default random) weights, and is trainable even if the rest
    of the model is frozen. The model is changed in place and returned.
    Shapes: after the call, model(x) -> logits (B, num_classes).

    Hint / 힌트: `old = getattr(model, head_attr)`;
    `setattr(model, head_attr, nn.Linear(old.in_features, num_classes))`.
    """
    # BEGIN SOLUTION
    old = getattr(model, head_attr)
    new = nn.Linear(old.in_features, num_classes).to(old.weight.device, old.weight.dtype)
    setattr(model, head_attr, new)
    return model
    # END SOLUTION


def set_strategy(model: nn.Module, strategy: str, n_unfrozen: int = 1) -> nn.Module:
    """Sets which parameters train, for one of the three strategies; returns the model.

    - "feature_extraction": only the head (the last block) trains; everything else is frozen.
    - "partial": the head and the `n_unfrozen` blocks just below it (the top of the network)
      train; the lower blocks are frozen. n_unfrozen=0 is feature extraction; n_unfrozen at least
      the number of blocks below the head trains everything.
    - "full": every parameter trains.
    The result does not depend on earlier calls (each call sets every parameter's flag).
    Any other strategy name: ValueError.

    "feature_extraction"은 헤드만, "partial"은 헤드 + 바로 아래 n_unfrozen개 블록(출력 쪽),
    "full"은 전체를 학습합니다. 블록은 파라미터를 가진 직계 자식 모듈입니다 (위 모듈 설명 참조).

    Hint / 힌트: `blocks = [m for _, m in model.named_children() if any(True for _ in
    m.parameters())]`; freeze everything, then set requires_grad = True on `blocks[-1]` (the head)
    and on the `n_unfrozen` blocks before it (`blocks[-1 - n_unfrozen:]`).
    """
    # BEGIN SOLUTION
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    if n_unfrozen < 0:
        raise ValueError("n_unfrozen must be >= 0")
    if strategy == "full":
        model.requires_grad_(True)
        return model
    blocks = [m for _, m in model.named_children() if any(True for _ in m.parameters())]
    keep = 1 if strategy == "feature_extraction" else 1 + n_unfrozen
    freeze(model)
    for block in blocks[-keep:]:
        block.requires_grad_(True)
    return model
    # END SOLUTION


def trainable_parameters(model: nn.Module) -> int:
    """The number of trainable scalars: the sum of `numel()` over parameters with requires_grad.

    학습되는 파라미터 수 (requires_grad=True인 파라미터의 원소 수 합). Returns a Python int.

    Hint / 힌트: `sum(p.numel() for p in model.parameters() if p.requires_grad)`.
    """
    # BEGIN SOLUTION
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))
    # END SOLUTION
