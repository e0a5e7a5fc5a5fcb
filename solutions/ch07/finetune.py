"""Fine-tuning a pretrained transformer for text classification with the HuggingFace Trainer.

현업 표준: 사전학습 모델 + 토크나이저를 불러와, 데이터를 토큰화하고, TrainingArguments로 학습 설정을
정한 뒤, Trainer가 학습·평가·체크포인트를 맡습니다.
The industry standard: load a pretrained model and its tokenizer, tokenize the data, describe the
run with `TrainingArguments`, and let `Trainer` do the loop, the evaluation and the checkpoints.

The curriculum's settings were written for transformers 4; this kit runs transformers 5, where
`evaluation_strategy` is called `eval_strategy` and `logging_dir` is gone (logs go under
`output_dir`). 설치된 transformers 5에서는 `eval_strategy`, `logging_dir` 없음.

Data here are plain Python sequences of `(text, label)` pairs (no `datasets` library needed): a
small `torch.utils.data.Dataset` of tokenized tensors is enough for the Trainer.
Nothing is ever downloaded: the graders pass a model and a tokenizer that ship offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch


def tokenize_batch(tokenizer: Any, texts: Sequence[str], max_length: int = 128) -> dict:
    """Tokenizes `texts` the curriculum's way: truncation to `max_length` and padding to exactly
    `max_length` (padding="max_length"), as PyTorch tensors.

    Returns the tokenizer's mapping: `input_ids` and `attention_mask` (plus `token_type_ids` for
    BERT-like models), each a torch.int64 tensor (len(texts), max_length).
    토큰화: truncation=True, max_length, padding="max_length", return_tensors="pt".

    Hint / 힌트: call the tokenizer itself on `list(texts)` with those four keyword arguments.
    """
    # BEGIN SOLUTION
    return tokenizer(list(texts), truncation=True, max_length=max_length, padding="max_length",
                     return_tensors="pt")
    # END SOLUTION


def compute_metrics(eval_pred: Any) -> dict[str, float]:
    """Accuracy for the Trainer: {"accuracy": float}.

    `eval_pred` is a `transformers.EvalPrediction` (fields `predictions`, logits (N, C), and
    `label_ids`, (N,)) or a plain `(logits, labels)` tuple. The prediction is the arg-max over the
    class axis (the last one). 평가 함수: 클래스 축(-1)의 argmax와 정답의 일치 비율.

    Hint / 힌트: `logits, labels = eval_pred` works for both (an EvalPrediction unpacks like a
    tuple); `preds = np.asarray(logits).argmax(-1)`; return a Python float.
    """
    # BEGIN SOLUTION
    logits, labels = eval_pred
    if isinstance(logits, tuple):
        logits = logits[0]
    preds = np.asarray(logits).argmax(-1)
    return {"accuracy": float((preds == np.asarray(labels)).mean())}
    # END SOLUTION


def make_training_args(output_dir: str, **overrides: Any) -> Any:
    """The curriculum's `transformers.TrainingArguments`, with `overrides` replacing any setting.

    커리큘럼의 설정 (transformers 5 이름으로): num_train_epochs=3, per_device_train_batch_size=32,
    per_device_eval_batch_size=64, learning_rate=2e-5, weight_decay=0.01, eval_strategy="epoch",
    save_strategy="epoch", load_best_model_at_end=True. Everything else keeps its default.
    Example: `make_training_args(d, num_train_epochs=1)` trains one epoch.

    Hint / 힌트: put the settings in a dict, `update` it with `overrides`, then
    `TrainingArguments(output_dir=output_dir, **settings)` (import it inside the function).
    """
    # BEGIN SOLUTION
    from transformers import TrainingArguments

    settings: dict[str, Any] = {
        "num_train_epochs": 3,
        "per_device_train_batch_size": 32,
        "per_device_eval_batch_size": 64,
        "learning_rate": 2e-5,
        "weight_decay": 0.01,
        "eval_strategy": "epoch",
        "save_strategy": "epoch",
        "load_best_model_at_end": True,
    }
    settings.update(overrides)
    return TrainingArguments(output_dir=output_dir, **settings)
    # END SOLUTION


def finetune(model: Any, tokenizer: Any, train: Sequence[tuple[str, int]],
             eval: Sequence[tuple[str, int]], output_dir: str, *, max_length: int = 128,
             **overrides: Any) -> Any:
    """Fine-tunes `model` on `train` with the HuggingFace `Trainer` and returns the Trainer.

    train / eval: sequences of (text, label) pairs. Steps: tokenize the texts with
    `tokenize_batch(tokenizer, texts, max_length)`; wrap tensors and labels in a
    `torch.utils.data.Dataset` whose items are dicts (`input_ids`, `attention_mask`, ...,
    `labels`); `args = make_training_args(output_dir, **overrides)`; `Trainer(model=model,
    args=args, train_dataset=..., eval_dataset=..., compute_metrics=compute_metrics)`;
    `trainer.train()`; return the trainer (its `.model` is the fine-tuned model).
    (text, label) 쌍 → 토큰화 → Dataset → TrainingArguments → Trainer.train() → trainer 반환.

    Hint / 힌트: a small class inside the function, `__len__` and `__getitem__(i)` returning
    `{k: v[i] for k, v in encodings.items()} | {"labels": labels[i]}`, is all the Trainer needs.
    """
    # BEGIN SOLUTION
    from transformers import Trainer

    class PairsDataset(torch.utils.data.Dataset):
        """(text, label) pairs as tokenized tensors: item i is a dict with `labels`."""

        def __init__(self, pairs: Sequence[tuple[str, int]]):
            texts = [str(text) for text, _ in pairs]
            self.encodings = dict(tokenize_batch(tokenizer, texts, max_length))
            self.labels = torch.tensor([int(label) for _, label in pairs], dtype=torch.long)

        def __len__(self) -> int:
            return len(self.labels)

        def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
            item = {k: v[i] for k, v in self.encodings.items()}
            item["labels"] = self.labels[i]
            return item

    train_ds, eval_ds = PairsDataset(train), PairsDataset(eval)
    args = make_training_args(output_dir, **overrides)
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
                      compute_metrics=compute_metrics)
    trainer.train()
    return trainer
    # END SOLUTION

