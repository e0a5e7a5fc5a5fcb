"""The curriculum contract in code: chapters, the 16-item checklist and how graders map to it.

This is the one place that knows the table in CURRICULUM.md. Graders declare the checklist item
of each test (`@grader("backprop-gd", points=2)`); `tests/` checks the declaration against
`ITEMS[...].graded_by`, and the report uses both to say what is done, partial, not started, not
available yet (the chapter is not in the kit) or not verifiable here (data or hardware missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

FRAMEWORKS = ("numpy", "torch", "tensorflow", "transformers")
# What a sandbox child imports before the first request, per framework (numpy always).
PRELOAD: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy",),
    # The first torch.optim optimizer imports torch._dynamo lazily (about 1 s): preloaded, that
    # second overlaps the grader's collection.
    "torch": ("numpy", "torch", "torch._dynamo"),
    "tensorflow": ("numpy", "tensorflow", "keras"),
    "transformers": ("numpy", "torch", "torch._dynamo", "transformers"),
}


@dataclass(frozen=True)
class Chapter:
    """A chapter: its modules and the framework its code runs on.

    `framework` is what a sandbox child for this chapter imports; `overrides` names the modules
    or single functions (`"cnn:build_keras_cnn"`) that need another one, so that ch04's torch
    exercises never load TensorFlow and ch01 never loads torch.
    """

    id: str
    ko: str
    en: str
    modules: tuple[str, ...]
    framework: str = "torch"
    overrides: tuple[tuple[str, str], ...] = ()

    def framework_for(self, module: str | None = None, name: str | None = None) -> str:
        """The framework of `module` (or of `module:name`), else the chapter's."""
        table = dict(self.overrides)
        if module and name and f"{module}:{name}" in table:
            return table[f"{module}:{name}"]
        return table.get(module or "", self.framework)


@dataclass(frozen=True)
class Item:
    id: str
    ko: str
    en: str
    # (chapter, module) pairs; module "*" means every module of the chapter.
    graded_by: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # A checklist item the learner declares rather than the graders prove.
    declared: bool = False


CHAPTERS: dict[str, Chapter] = {
    c.id: c
    for c in (
        Chapter("ch01", "딥러닝 개요 & 신경망 기초", "Deep learning basics and neural networks",
                ("perceptron", "activations", "losses", "backprop", "gradient_descent"), "numpy"),
        Chapter("ch02", "TensorFlow / Keras 완전 정복", "TensorFlow / Keras",
                ("sequential", "functional", "callbacks", "custom_layer", "persistence"), "tensorflow"),
        Chapter("ch03", "PyTorch 완전 정복", "PyTorch",
                ("tensors", "autograd_basics", "mlp", "data", "training")),
        Chapter("ch04", "CNN — 이미지 분류", "CNNs for image classification",
                ("conv", "cnn", "residual", "vgg", "augment"),
                overrides=(("cnn:build_keras_cnn", "tensorflow"),)),
        Chapter("ch05", "RNN / LSTM / GRU", "RNN / LSTM / GRU",
                ("sequences", "cells", "models", "text")),
        Chapter("ch06", "Transformer & Attention", "Transformers and attention",
                ("attention", "positional", "masks", "transformer")),
        Chapter("ch07", "Transfer Learning & Fine-tuning", "Transfer learning and fine-tuning",
                ("transfer", "lora", "finetune"),
                overrides=(("lora", "transformers"), ("finetune", "transformers"))),
        Chapter("ch08", "정규화 & 최적화 심화", "Regularization and optimization",
                ("regularization", "optimizers", "schedulers")),
        Chapter("ch09", "실전 프로젝트 (MNIST·CIFAR-10·감성분석)",
                "Projects (MNIST, CIFAR-10, sentiment)",
                ("mnist_project", "cifar_project", "sentiment_service", "training_tricks",
                 "plots"),
                overrides=(("sentiment_service", "transformers"),)),
        Chapter("ch10", "현업 면접 Q&A TOP 10", "Top-10 interview questions", ("qa", "quiz"), "torch"),
    )
}

CHECKLIST: tuple[Item, ...] = (
    Item("perceptron-activation", "퍼셉트론, 활성화 함수 이해", "perceptron and activation functions",
         (("ch01", "perceptron"), ("ch01", "activations"))),
    Item("backprop-gd", "역전파/경사하강법 직접 구현", "backprop and gradient descent by hand",
         (("ch01", "losses"), ("ch01", "backprop"), ("ch01", "gradient_descent"))),
    Item("keras-apis", "Keras Sequential/Functional API 숙달", "Keras Sequential and Functional APIs",
         (("ch02", "*"),)),
    Item("pytorch-loop", "PyTorch 학습 루프 처음부터 작성", "a PyTorch training loop from scratch",
         (("ch03", "*"),)),
    Item("cnn-cifar10", "CNN으로 CIFAR-10 분류 90%+", "CIFAR-10 with a CNN at 90%+",
         (("ch04", "*"), ("ch09", "cifar_project"))),
    Item("lstm-seq", "LSTM으로 시계열/텍스트 처리", "LSTM on time series and text", (("ch05", "*"),)),
    Item("self-attention", "Self-Attention 코드 직접 구현", "self-attention implemented by hand",
         (("ch06", "attention"), ("ch06", "positional"))),
    Item("bert-gpt", "BERT/GPT 구조 설명 가능", "can explain BERT vs GPT",
         (("ch06", "masks"), ("ch06", "transformer"), ("ch10", "quiz"))),
    Item("hf-trainer", "HuggingFace Trainer로 파인튜닝", "fine-tuning with the HF Trainer",
         (("ch07", "finetune"),)),
    Item("lora", "LoRA 적용하여 경량 파인튜닝", "LoRA fine-tuning", (("ch07", "lora"),)),
    Item("mixed-precision", "Mixed Precision Training 적용", "mixed-precision training",
         (("ch09", "training_tricks"),)),
    Item("lr-schedulers", "학습률 스케줄러 적재적소 사용", "learning-rate schedulers",
         (("ch08", "optimizers"), ("ch08", "schedulers"))),
    Item("mnist-99", "MNIST 99%+ 정확도 달성", "MNIST at 99%+", (("ch09", "mnist_project"),)),
    Item("korean-sentiment", "한국어 감성 분석 서비스 구축", "a Korean sentiment-analysis service",
         (("ch09", "sentiment_service"),)),
    Item("interview-qa", "면접 Q&A 10개 자신감 있게 답변", "the 10 interview questions",
         (("ch10", "*"),)),
    Item("portfolio", "GitHub 포트폴리오 프로젝트 업로드", "a portfolio project on GitHub",
         declared=True),
)

ITEMS: dict[str, Item] = {item.id: item for item in CHECKLIST}


def is_chapter_module(name: str) -> bool:
    """`ch04` or `ch04.cnn`: a module of one of the curriculum's chapters."""
    return name.split(".", 1)[0] in CHAPTERS


def items_for_module(chapter: str, module: str) -> list[str]:
    """Checklist items that a grader of `chapter.module` may count toward (possibly none)."""
    return [
        item.id
        for item in CHECKLIST
        if any(c == chapter and m in ("*", module) for c, m in item.graded_by)
    ]
