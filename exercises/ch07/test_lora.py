"""Visible tests for ch07.lora — run them with `pytest exercises/ch07`.

LoRALinear on small layers and the parameter-count formula. The hidden graders also check the
scale alpha/r with random A and B, merge(), that one training step changes only A and B, dropout
on the LoRA path only, the peft config, and apply_lora on all-MiniLM-L6-v2 against peft itself.
"""

import torch
from torch import nn

from ch07.lora import LoRALinear, lora_trainable_params


def test_starts_equal_to_base():
    torch.manual_seed(0)
    base = nn.Linear(6, 4)
    lora = LoRALinear(base, r=2, alpha=4)
    x = torch.randn(3, 6)
    assert torch.allclose(lora(x), base(x))
    trainable = [p for p in lora.parameters() if p.requires_grad]
    assert sum(p.numel() for p in trainable) == 2 * (6 + 4)


def test_merge_is_a_linear():
    torch.manual_seed(0)
    lora = LoRALinear(nn.Linear(6, 4), r=2, alpha=4)
    merged = lora.merge()
    assert isinstance(merged, nn.Linear)
    x = torch.randn(3, 6)
    assert torch.allclose(merged(x), lora(x), atol=1e-6)


def test_trainable_params_formula():
    assert lora_trainable_params(768, 12, 8) == 294_912
