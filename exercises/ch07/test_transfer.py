"""Visible tests for ch07.transfer — run them with `pytest exercises/ch07`.

On the kit's small CNN pretrained on the digits 0-4 (fixtures/models/ch07_digits_cnn.pt). The
hidden graders also check every strategy's flags by name, that frozen weights stay put after an
optimizer step, the head on another attribute, and that transfer to the digits 5-9 beats
training from scratch with the same small budget.
"""

from dldrill.childkit.ch07 import digits_cnn, pretrained_state

from ch07.transfer import freeze, replace_head, set_strategy, trainable_parameters


def _model():
    return digits_cnn(5, state=pretrained_state())


def _trainable(model):
    return {name for name, p in model.named_parameters() if p.requires_grad}


def test_freeze_and_count():
    model = _model()
    freeze(model.block1)
    assert not any(p.requires_grad for p in model.block1.parameters())
    assert trainable_parameters(model) == sum(p.numel() for p in model.parameters()) - 192


def test_replace_head():
    model = replace_head(_model(), 3)
    assert model.fc.out_features == 3 and model.fc.in_features == 64
    assert model(__import__("torch").zeros(2, 1, 8, 8)).shape == (2, 3)


def test_strategies():
    model = replace_head(_model(), 5)
    set_strategy(model, "feature_extraction")
    assert _trainable(model) == {"fc.weight", "fc.bias"}
    set_strategy(model, "partial", n_unfrozen=1)
    assert {n.split(".")[0] for n in _trainable(model)} == {"block3", "fc"}
    set_strategy(model, "full")
    assert trainable_parameters(model) == sum(p.numel() for p in model.parameters())
