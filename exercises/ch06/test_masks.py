"""Visible tests for ch06.masks — run them with `pytest exercises/ch06`.

The hidden graders also measure the 80/10/10 rates on 80,000 tokens.
"""

import torch

from ch06.masks import causal_mask, mlm_mask, padding_mask


def test_causal_mask_keeps_the_diagonal():
    assert causal_mask(3).tolist() == [[True, False, False], [True, True, False], [True, True, True]]


def test_padding_mask():
    assert padding_mask([2, 3], 4).tolist() == [[True, True, False, False], [True, True, True, False]]


def test_mlm_labels_and_special_ids():
    ids = torch.randint(5, 100, (8, 50))
    ids[:, 0] = 1
    inputs, labels = mlm_mask(ids, 4, 100, mask_prob=0.3, special_ids=(1,),
                              generator=torch.Generator().manual_seed(0))
    chosen = labels != -100
    assert 0 < chosen.sum() < ids.numel()
    assert torch.equal(labels[chosen], ids[chosen])
    assert torch.equal(inputs[~chosen], ids[~chosen])
    assert not chosen[:, 0].any()
    again = mlm_mask(ids, 4, 100, mask_prob=0.3, special_ids=(1,),
                     generator=torch.Generator().manual_seed(0))
    assert torch.equal(again[0], inputs) and torch.equal(again[1], labels)
