"""Visible tests for ch07.lora — run them with `pytest exercises/ch07`.

LoRALinear on small layers and the parameter-count formula. The hidden graders also check the
scale alpha/r with random A and B, merge(), that one training step changes only A and B, dropout
on the LoRA path only, the peft config, and apply_lora on all-MiniLM-L6-v2 against peft itself.
"""

import torch
from torch import nn

from dldrill.grading import assert_close, tr

from ch07.lora import LoRALinear, lora_trainable_params


def test_starts_equal_to_base():
    torch.manual_seed(0)
    base = nn.Linear(6, 4)
    lora = LoRALinear(base, r=2, alpha=4)
    x = torch.randn(3, 6)
    assert_close(lora(x), base(x),
                 hint=tr("B를 0으로 초기화하면 처음엔 원래 층과 같습니다",
                         "with B initialised to zeros it starts as the base layer"))
    trainable = [p for p in lora.parameters() if p.requires_grad]
    assert sum(p.numel() for p in trainable) == 2 * (6 + 4)


def test_merge_is_a_linear():
    torch.manual_seed(0)
    lora = LoRALinear(nn.Linear(6, 4), r=2, alpha=4)
    merged = lora.merge()
    assert isinstance(merged, nn.Linear)
    x = torch.randn(3, 6)
    assert_close(merged(x), lora(x), atol=1e-6,
                 hint=tr("병합: W + (α/r)·B A",
                         "merging: W + (α/r)·B A"))


def test_trainable_params_formula():
    assert lora_trainable_params(768, 12, 8) == 294_912
