"""Visible tests for ch07.finetune — run them with `pytest exercises/ch07`.

compute_metrics on plain arrays (importing transformers' Trainer machinery takes seconds, so the
rest is left to the hidden graders: they tokenize with the all-MiniLM-L6-v2 tokenizer shipped
offline, read back every training setting of make_training_args, and fine-tune MiniLM with your
`finetune` on short English reviews to a stated held-out accuracy). To try make_training_args
yourself: `make_training_args("/tmp/out", num_train_epochs=1).num_train_epochs == 1`.
"""

import numpy as np

from ch07.finetune import compute_metrics


def test_compute_metrics_on_a_tuple():
    logits = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.5]])
    out = compute_metrics((logits, np.array([0, 1, 1])))
    assert abs(out["accuracy"] - 2 / 3) < 1e-9


def test_compute_metrics_uses_the_class_axis():
    logits = np.array([[0.1, 0.2, 3.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    out = compute_metrics((logits, np.array([2, 0, 1, 0])))
    assert abs(out["accuracy"] - 0.75) < 1e-9
