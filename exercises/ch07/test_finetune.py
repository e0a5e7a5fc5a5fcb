"""Visible tests for ch07.finetune — run them with `pytest exercises/ch07`.

compute_metrics on a tuple, the training arguments. The hidden graders also tokenize with the
all-MiniLM-L6-v2 tokenizer (shipped offline), read back every training setting, and fine-tune
MiniLM with your `finetune` on short English reviews to a stated held-out accuracy.
"""

import numpy as np

from ch07.finetune import compute_metrics, make_training_args


def test_compute_metrics_on_a_tuple():
    logits = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.5]])
    out = compute_metrics((logits, np.array([0, 1, 1])))
    assert abs(out["accuracy"] - 2 / 3) < 1e-9


def test_training_args(tmp_path):
    args = make_training_args(str(tmp_path), num_train_epochs=1)
    assert args.num_train_epochs == 1
    assert args.learning_rate == 2e-5 and args.per_device_train_batch_size == 32
