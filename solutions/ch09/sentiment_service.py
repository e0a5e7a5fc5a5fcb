"""Project 2 of chapter 9: a Korean sentiment-analysis service. / 한국어 감성 분석 서비스.

커리큘럼 9-2는 `snunlp/KR-FinBert-SC`를 영화 리뷰(NSMC)로 파인튜닝하고 `predict_sentiment(text)`로
"[긍정] 신뢰도: 97.12%"를 출력합니다. 여기서는 그것을 *서비스*로 만듭니다: 학습(train) → 저장(save) →
불러오기(load) → 예측(predict, predict_batch) → HTTP 엔드포인트(serve). 서비스는 실제 사용자가 보내는
지저분한 입력(빈 문자열, 아주 긴 글, 영어·이모지, 문자열이 아닌 값)에도 정해진 대답을 해야 합니다.
Curriculum 9-2 fine-tunes a Korean BERT on movie reviews and prints "[긍정] 신뢰도: 97.12%". Here it
becomes a service: train, save, load, predict one text or a batch, serve over HTTP, and give a
defined answer to the messy input real users send.

One interface, two models (인터페이스 하나, 모델 둘):
- default — the kit's small model, trained from scratch in about a CPU-second, no download and no
  `transformers` import: tokens and their bigrams → `nn.EmbeddingBag` (mean) → dropout →
  `nn.Linear(embed_dim, 2)` (fastText 방식: 토큰과 토큰 쌍의 임베딩 평균 → 선형 분류기).
- `SentimentService(model_name="snunlp/KR-FinBert-SC")` — fine-tunes a Hugging Face model, as in
  the curriculum, read from the local cache only (`local_files_only=True`). Fetch it once with
  `hf download snunlp/KR-FinBert-SC` (the only step that needs the network); a model that is not
  in the cache raises FileNotFoundError naming that command. A local folder works too.
  (허브 모델은 로컬 캐시에서만 읽습니다. 처음 한 번 `hf download 모델이름`으로 받아 두세요.)

Korean tokens the way the field cuts them (한국어 토큰화): morphemes from the kiwipiepy analyzer
(`pip install -e ".[ko]"`; "재미없었다" → 재미없/VA, 었/EP, 다/EF) when it is installed, syllables
(음절: 재, 미, 없, 었, 다) when it is not — `tokenizer="auto" | "morpheme" | "syllable"`.

Labels (레이블): id 0 = "부정" (negative), id 1 = "긍정" (positive), as in NSMC (label 1 = positive).
`train` takes labels as 0/1 or as the strings "부정"/"긍정".

Input rules — `check_text` applies them to every text (입력 규칙, 모든 텍스트에 적용):
- not a `str` (None, 3, b"bytes"): TypeError — decode bytes yourself (bytes는 직접 decode하세요);
- "" or whitespace only: ValueError (빈 문자열·공백만: ValueError);
- longer than MAX_CHARS (1000) characters: only the first MAX_CHARS are read (truncation, as
  `truncation=True` in the curriculum's tokenizer call; 앞의 1000자만 읽습니다);
- no Hangul at all (English, emoji only): no evidence either way, so the probabilities are
  (0.5, 0.5) and the answer is `{"label": "부정", "confidence": 0.5}` (한글이 없으면 판단 근거가
  없으므로 신뢰도 0.5; 동점의 argmax는 첫 클래스). The same answer when a text has Hangul but no
  token the vocabulary knows. Mixed text ("최고예요 👍 best") is judged by what the model knows.
Every error message is bilingual (Korean / English).

Command line (명령줄):

    python -m exercises.ch09.sentiment_service                       # kit model, kit's reviews
    python -m exercises.ch09.sentiment_service --model snunlp/KR-FinBert-SC --epochs 1
    python -m exercises.ch09.sentiment_service --text "정말 재밌어요" --serve 8000

It trains on the kit's 624 Korean reviews (`dldrill.data.korean_reviews()`, or `--data` an NSMC
file such as ratings_train.txt), prints the held-out accuracy of a seeded 80/20 split, saves to
`exercises/ch09/artifacts/`, and with `--serve PORT` answers `POST /predict` with JSON.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

LABELS = ("부정", "긍정")  # id 0 = negative, id 1 = positive (NSMC's convention)
MAX_CHARS = 1000
TOKENIZERS = ("auto", "morpheme", "syllable")
PAD, UNK = "<pad>", "<unk>"
HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")  # syllables and jamo
FETCH_COMMAND = "hf download {name}"
DEFAULT_HUB_MODEL = "snunlp/KR-FinBert-SC"
FORMAT = "dldrill.sentiment/1"
SERVICE_FILE = "dldrill_service.json"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def bilingual(ko: str, en: str) -> str:
    """One message in both languages, Korean first: "ko / en"."""
    return f"{ko} / {en}"


# -- text in ----------------------------------------------------------------------------------
def check_text(text: Any) -> str:
    """The text a service may read, or a clear error. / 서비스가 읽을 텍스트, 아니면 명확한 예외.

    - not a `str` (None, an int, bytes...): TypeError (문자열이 아니면 TypeError);
    - empty or whitespace only: ValueError (비었거나 공백뿐이면 ValueError);
    - otherwise the text cut to its first MAX_CHARS characters (앞의 MAX_CHARS 글자).
    Messages are bilingual: use `bilingual(ko, en)`.
    Hint / 힌트: `isinstance(text, str)`, `text.strip()`, `text[:MAX_CHARS]`.
    """
    # BEGIN SOLUTION
    if not isinstance(text, str):
        raise TypeError(bilingual(f"텍스트는 str이어야 합니다 ({type(text).__name__}를 받음; bytes는 "
                                  ".decode('utf-8')로 바꾸세요)",
                                  f"a text must be a str, got {type(text).__name__} (decode bytes "
                                  "with .decode('utf-8'))"))
    if not text.strip():
        raise ValueError(bilingual("빈 텍스트(또는 공백뿐)는 판단할 수 없습니다",
                                   "an empty (or whitespace-only) text cannot be judged"))
    return text[:MAX_CHARS]
    # END SOLUTION


def has_hangul(text: str) -> bool:
    """Whether `text` holds a Hangul syllable or jamo (한글 음절이나 자모가 있는지)."""
    return HANGUL.search(text) is not None


# -- tokens -----------------------------------------------------------------------------------
def kiwi_available() -> bool:
    """Whether the kiwipiepy morpheme analyzer can be imported (형태소 분석기 설치 여부)."""
    try:
        importlib.import_module("kiwipiepy")
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def kiwi() -> Any:
    """The one `kiwipiepy.Kiwi` analyzer of this process (loading it costs about 2 CPU-seconds)."""
    from kiwipiepy import Kiwi

    return Kiwi()


def resolve_tokenizer(name: str = "auto") -> str:
    """"morpheme" or "syllable": what `name` means on this machine. / 실제로 쓸 토큰화 방식.

    - "auto": "morpheme" when kiwipiepy can be imported, else "syllable" (설치돼 있으면 형태소);
    - "morpheme": ImportError with the install command when kiwipiepy is missing;
    - "syllable": always available (음절은 언제나 가능);
    - anything else: ValueError.
    Hint / 힌트: decide when called, not at import time — `kiwi_available()` tries the import
    inside a try/except ImportError (import 시점이 아니라 호출 시점에 판단하세요).
    """
    # BEGIN SOLUTION
    if name not in TOKENIZERS:
        raise ValueError(bilingual(f"tokenizer는 {TOKENIZERS} 중 하나여야 합니다 ({name!r}를 받음)",
                                   f"tokenizer must be one of {TOKENIZERS}, got {name!r}"))
    if name == "syllable":
        return "syllable"
    if kiwi_available():
        return "morpheme"
    if name == "auto":
        return "syllable"
    raise ImportError(bilingual("형태소 토큰화에는 kiwipiepy가 필요합니다: pip install -e \".[ko]\"",
                                "morpheme tokens need kiwipiepy: pip install -e \".[ko]\""))
    # END SOLUTION


def tokenize(text: str, tokenizer: str = "syllable") -> list[str]:
    """The tokens of `text`. / 텍스트의 토큰 목록.

    - "syllable": every character except whitespace, in order (공백을 뺀 모든 글자):
      "영화가 재미없다" → ["영", "화", "가", "재", "미", "없", "다"];
    - "morpheme": kiwipiepy's morphemes written "form/TAG" (형태/품사), in order:
      "재미없었다" → ["재미없/VA", "었/EP", "다/EF"]; English and emoji keep their own tokens
      ("good/SL", "👍/W_EMOJI");
    - "auto": whichever `resolve_tokenizer("auto")` picks; anything else: ValueError.
    Hangul, Latin letters, digits and emoji all stay: nothing is dropped (아무것도 버리지 않습니다).
    Hint / 힌트: `[f"{t.form}/{t.tag}" for t in kiwi().tokenize(text)]`.
    """
    # BEGIN SOLUTION
    kind = resolve_tokenizer(tokenizer)
    if kind == "morpheme":
        return [f"{t.form}/{t.tag}" for t in kiwi().tokenize(text)]
    return [ch for ch in text if not ch.isspace()]
    # END SOLUTION


def ngram_features(tokens: Sequence[str]) -> list[str]:
    """The tokens followed by every pair of neighbours ("재 미", "미 없"): the bigrams let a bag of
    tokens see "재미 + 없" (negation) and not only "재미" (토큰 쌍이 있어야 부정을 알아봅니다)."""
    return list(tokens) + [f"{a} {b}" for a, b in pairwise(tokens)]


def build_vocab(feature_lists: Sequence[Sequence[str]]) -> dict[str, int]:
    """Feature → id: 0 = "<pad>", 1 = "<unk>" (reserved, as in ch05), then features in order of
    first appearance. At prediction time a feature not in the vocabulary is skipped."""
    vocab = {PAD: 0, UNK: 1}
    for features in feature_lists:
        for f in features:
            if f not in vocab:
                vocab[f] = len(vocab)
    return vocab


class BagOfTokens(nn.Module):
    """fastText-style classifier: mean of the feature embeddings → dropout → Linear(embed_dim, 2).

    forward(ids, offsets): ids (total,) int64, the features of every text one after the other;
    offsets (B,) int64, where each text starts -> logits (B, 2).
    """

    def __init__(self, vocab_size: int, embed_dim: int = 32, dropout: float = 0.2) -> None:
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, mode="mean", padding_idx=0)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(embed_dim, len(LABELS))

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self.embedding(ids, offsets)))


def pack(id_lists: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, offsets) for `BagOfTokens.forward` from one id list per text."""
    lengths = [len(ids) for ids in id_lists]
    offsets = torch.tensor([0, *np.cumsum(lengths[:-1]).tolist()], dtype=torch.long)
    flat = torch.tensor([i for ids in id_lists for i in ids], dtype=torch.long)
    return flat, offsets


@contextmanager
def one_thread() -> Iterator[None]:
    """Runs PyTorch on one thread inside the block, then restores the setting: the kit's model works
    on tensors so small that handing them between threads costs more than it saves (작은 텐서는
    스레드 하나가 더 빠릅니다)."""
    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)


def check_labels(labels: Any, n: int) -> np.ndarray:
    """Labels as an int64 array (n,) of 0/1; "부정"/"긍정" are accepted. ValueError otherwise."""
    values = [LABELS.index(v) if isinstance(v, str) and v in LABELS else v for v in list(labels)]
    arr = np.asarray(values)
    if arr.shape != (n,) or not np.isin(arr, (0, 1)).all():
        raise ValueError(bilingual(f"레이블은 텍스트 {n}개마다 0/1 (또는 '부정'/'긍정') 하나씩이어야 합니다",
                                   f"labels must be one 0/1 (or '부정'/'긍정') per text, {n} in all"))
    return arr.astype(np.int64)


# -- a Hugging Face model (only with model_name) -------------------------------------------------
def load_hub_model(model_name: str, device: Any = None) -> tuple[Any, Any]:
    """(tokenizer, model) for `model_name` from the local cache or a local folder, never the network.

    `AutoTokenizer.from_pretrained(name, local_files_only=True)` and
    `AutoModelForSequenceClassification.from_pretrained(name, num_labels=2, local_files_only=True,
    ignore_mismatched_sizes=True)` (KR-FinBert-SC has a 3-class head; a new 2-class head replaces
    it), built under `torch.manual_seed(0)` so the new head is the same every time, on `device`.
    When the files are not there (transformers raises OSError): FileNotFoundError with a bilingual
    message naming the command that fetches them, `FETCH_COMMAND.format(name=model_name)`.
    캐시에 없으면 받는 명령(`hf download 이름`)을 알려 주는 FileNotFoundError.
    Hint / 힌트: import transformers here, inside the function, so that the kit model never pays
    for it (transformers는 함수 안에서 import); `except OSError as err: raise FileNotFoundError(...)
    from err`.
    """
    # BEGIN SOLUTION
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from dldrill.devices import resolve_device

    hf_logging.set_verbosity_error()
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_name, local_files_only=True)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = AutoModelForSequenceClassification.from_pretrained(
                model_name, num_labels=len(LABELS), local_files_only=True, ignore_mismatched_sizes=True)
    except OSError as err:
        command = FETCH_COMMAND.format(name=model_name)
        raise FileNotFoundError(bilingual(
            f"{model_name} 모델이 로컬 캐시에 없습니다. 네트워크가 되는 곳에서 한 번 받아 두세요: {command}",
            f"{model_name} is not in the local cache. Fetch it once where there is a network: "
            f"{command}")) from err
    return tokenizer, model.to(resolve_device(device)).eval()
    # END SOLUTION


# -- the service ------------------------------------------------------------------------------
class SentimentService:
    """A Korean sentiment classifier you can train, save, load, query and serve. / 감성 분석 서비스.

        svc = SentimentService()                       # tokenizer="auto": morphemes if kiwipiepy
        losses = svc.train(texts, labels, seed=0)      # labels 0/1 (1 = 긍정)
        svc.predict("배우들 연기가 최고였어요")            # {"label": "긍정", "confidence": 0.93}
        svc.save("sentiment.pt")
        svc2 = SentimentService.load("sentiment.pt")   # a classmethod: a new, ready service

    Arguments: `tokenizer` ("auto" | "morpheme" | "syllable", kit model only), `model_name` (a hub
    name or a local folder: fine-tune that model instead), `embed_dim`, `epochs` (default 10 for
    the kit model, 3 for a hub model), `lr` (0.02 / 2e-5), `batch_size` (32), `dropout` (0.2),
    `max_length` (128 subword tokens, hub model), `device` (None = the kit's choice; hub model
    only — the kit's small model always runs on the CPU, where it is fast and bit-reproducible).
    After `train` or `load` the model is in eval mode.
    """

    def __init__(self, tokenizer: str = "auto", model_name: str | Path | None = None, *,
                 embed_dim: int = 32, epochs: int | None = None, lr: float | None = None,
                 batch_size: int = 32, dropout: float = 0.2, max_length: int = 128,
                 device: Any = None) -> None:
        self.model_name = None if model_name is None else str(model_name)
        self.embed_dim = embed_dim
        self.epochs = epochs if epochs is not None else (3 if model_name else 10)
        self.lr = lr if lr is not None else (2e-5 if model_name else 0.02)
        self.batch_size = batch_size
        self.dropout = dropout
        self.max_length = max_length
        self.vocab: dict[str, int] | None = None
        self.model: Any = None
        self.hf_tokenizer: Any = None
        self.history: list[float] = []
        if model_name is None:
            self.tokenizer = resolve_tokenizer(tokenizer)
        else:
            self.tokenizer = "hub"  # the model's own subword tokenizer
            self.hf_tokenizer, self.model = load_hub_model(self.model_name, device)

    @property
    def ready(self) -> bool:
        """Whether the service has a model to predict with (trained or loaded)."""
        return self.model is not None and (self.model_name is not None or self.vocab is not None)

    def train(self, texts: Sequence[str], labels: Any, seed: int = 0) -> list[float]:
        """Trains the model on (texts, labels); returns the mean training loss of every epoch.

        학습 과정 전체가 seed로 결정됩니다: 같은 seed → 같은 가중치 → 같은 예측.
        Everything random follows `seed` (same seed → same weights → same predictions), and the
        global RNG is left as it was (`torch.random.fork_rng`). Texts go through `check_text`;
        labels through `check_labels`. Kit model: features = `ngram_features(tokenize(text,
        self.tokenizer))`, `self.vocab = build_vocab(...)` from the training texts only,
        `BagOfTokens(len(vocab), embed_dim, dropout)` made after `torch.manual_seed(seed)`, Adam(lr),
        cross-entropy, `epochs` passes over shuffled mini-batches (`torch.randperm(n,
        generator=torch.Generator().manual_seed(seed))` each epoch). Hub model: the same loop with
        AdamW(lr, weight_decay=0.01) on the tokenized batches (`truncation=True`,
        `max_length`, the loss from `model(**batch, labels=y).loss`). Ends in eval mode.
        Hint / 힌트: `id_lists, model = self._prepare_kit(texts)` (after seeding) gives the ids and
        a fresh model; `pack(...)` makes a batch. Per batch `optimizer.zero_grad()` → loss →
        `backward()` → `step()`; the epoch loss is the batch losses weighted by batch size (배치
        크기로 가중 평균). Wrap the kit model's work in `one_thread()`.
        """
        # BEGIN SOLUTION
        if isinstance(texts, str):
            raise TypeError(bilingual("texts는 텍스트의 리스트여야 합니다 (str 하나가 아님)",
                                      "texts must be a list of texts, not one str"))
        texts = [check_text(t) for t in texts]
        if not texts:
            raise ValueError(bilingual("학습할 텍스트가 없습니다", "no texts to train on"))
        y = torch.from_numpy(check_labels(labels, len(texts)))
        threads = one_thread() if self.model_name is None else nullcontext()
        with threads, torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if self.model_name is None:
                id_lists, model = self._prepare_kit(texts)
                optimizer = torch.optim.Adam(model.parameters(), lr=self.lr)
            else:
                model = self.model
                optimizer = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=0.01)
            generator = torch.Generator().manual_seed(seed)
            model.train()
            history = []
            for _ in range(self.epochs):
                order = torch.randperm(len(texts), generator=generator).tolist()
                total = 0.0
                for start in range(0, len(texts), self.batch_size):
                    idx = order[start:start + self.batch_size]
                    optimizer.zero_grad()
                    if self.model_name is None:
                        logits = model(*pack([id_lists[i] for i in idx]))
                        loss = nn.functional.cross_entropy(logits, y[idx])
                    else:
                        batch = self._encode_hub([texts[i] for i in idx])
                        loss = model(**batch, labels=y[idx].to(model.device)).loss
                    loss.backward()
                    optimizer.step()
                    total += loss.item() * len(idx)
                history.append(total / len(texts))
            model.eval()
        self.model = model
        self.history = history
        return history
        # END SOLUTION

    def _prepare_kit(self, texts: list[str]) -> tuple[list[list[int]], BagOfTokens]:
        """The training texts' id lists and a fresh BagOfTokens (call after seeding)."""
        features = [ngram_features(tokenize(t, self.tokenizer)) for t in texts]
        self.vocab = build_vocab(features)
        id_lists = [[self.vocab[f] for f in fs] for fs in features]
        return id_lists, BagOfTokens(len(self.vocab), self.embed_dim, self.dropout)

    def _encode_hub(self, texts: list[str]) -> dict[str, torch.Tensor]:
        enc = self.hf_tokenizer(texts, truncation=True, max_length=self.max_length, padding=True,
                                return_tensors="pt")
        return {k: v.to(self.model.device) for k, v in enc.items()}

    def predict(self, text: Any) -> dict[str, Any]:
        """{"label": "긍정" | "부정", "confidence": float in [0.5, 1]} for one text.

        label = the class with the higher probability (softmax of the two logits; a tie goes to
        "부정", id 0); confidence = that probability (예측한 클래스의 확률, 0.5 이상). The input rules
        of the module docstring apply (TypeError, ValueError, truncation, 0.5 without Hangul).
        RuntimeError before `train` or `load`.
        Hint / 힌트: `predict_batch([check_text(text)])[0]` (check first: the error then names no
        index).
        """
        # BEGIN SOLUTION
        return self.predict_batch([check_text(text)])[0]
        # END SOLUTION

    def predict_batch(self, texts: Sequence[Any]) -> list[dict[str, Any]]:
        """`predict` for every text of a list, in one pass: a list of dicts, same order.

        Every text is checked first (`check_text`); a bad one raises its TypeError/ValueError
        (the message says which index) and nothing is predicted. One `str` instead of a list is a
        TypeError (문자열 하나는 리스트가 아닙니다 — 글자마다 예측하지 않도록). [] → [].
        Kit model: the features of a text that the vocabulary does not know are skipped; texts
        with no Hangul or no known feature get (0.5, 0.5). Under `torch.no_grad()`.
        Hint / 힌트: `torch.softmax(logits, dim=-1)`, then argmax and max per row.
        """
        # BEGIN SOLUTION
        if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
            raise TypeError(bilingual("predict_batch에는 텍스트의 리스트를 주세요",
                                      f"predict_batch takes a list of texts, got {type(texts).__name__}"))
        checked = []
        for i, text in enumerate(texts):
            try:
                checked.append(check_text(text))
            except (TypeError, ValueError) as err:
                raise type(err)(f"texts[{i}]: {err}") from None
        if not self.ready:
            raise RuntimeError(bilingual("먼저 train() 하세요 (저장된 모델은 "
                                         "svc = SentimentService.load(path) — load는 새 서비스를 돌려줍니다)",
                                         "train() the service first (or svc = SentimentService.load(path): "
                                         "load returns a new service)"))
        probs = np.full((len(checked), len(LABELS)), 0.5)
        rows, id_lists = [], []
        for i, text in enumerate(checked):
            if not has_hangul(text):
                continue
            if self.model_name is None:
                ids = [self.vocab[f] for f in ngram_features(tokenize(text, self.tokenizer))
                       if f in self.vocab]
                if not ids:
                    continue
                id_lists.append(ids)
            rows.append(i)
        threads = one_thread() if self.model_name is None else nullcontext()
        with threads, torch.no_grad():
            for start in range(0, len(rows), 64):
                part = rows[start:start + 64]
                if self.model_name is None:
                    logits = self.model(*pack(id_lists[start:start + 64]))
                else:
                    logits = self.model(**self._encode_hub([checked[i] for i in part])).logits
                probs[part] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        return [{"label": LABELS[int(np.argmax(p))], "confidence": float(np.max(p))} for p in probs]
        # END SOLUTION

    def save(self, path: str | Path) -> None:
        """Writes everything `load` needs to give the same predictions. / 저장.

        Kit model: one file, `torch.save({"format": FORMAT, "tokenizer": ..., "vocab": ...,
        "config": {embed_dim, dropout, ...}, "state_dict": model.state_dict()}, path)` — the
        vocabulary too: without it the ids mean nothing (어휘 사전이 없으면 id가 의미를 잃습니다).
        Hub model: `path` is a folder: `model.save_pretrained(path)`,
        `hf_tokenizer.save_pretrained(path)` and a small `SERVICE_FILE` (JSON) with the settings.
        RuntimeError before `train` or `load`.
        Hint / 힌트: `state_dict()` holds only tensors; put the vocabulary and the settings beside it
        in the same dict (state_dict에는 텐서만 있습니다 — 어휘 사전과 설정을 같은 dict에 함께).
        """
        # BEGIN SOLUTION
        if not self.ready:
            raise RuntimeError(bilingual("저장할 모델이 없습니다: 먼저 train() 하세요",
                                         "nothing to save: train() the service first"))
        config = {"embed_dim": self.embed_dim, "dropout": self.dropout, "epochs": self.epochs,
                  "lr": self.lr, "batch_size": self.batch_size, "max_length": self.max_length}
        if self.model_name is not None:
            folder = Path(path)
            folder.mkdir(parents=True, exist_ok=True)
            self.model.save_pretrained(folder)
            self.hf_tokenizer.save_pretrained(folder)
            meta = {"format": FORMAT, "model_name": self.model_name, "config": config}
            (folder / SERVICE_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            return
        torch.save({"format": FORMAT, "tokenizer": self.tokenizer, "vocab": dict(self.vocab),
                    "config": config, "state_dict": self.model.state_dict()}, str(path))
        # END SOLUTION

    @classmethod
    def load(cls, path: str | Path) -> SentimentService:
        """A new, ready service from what `save` wrote: `svc = SentimentService.load(path)`.

        A classmethod (클래스 메서드): call it on the class and use what it returns — it does not
        change an existing object. A file → the kit model (`torch.load(path, weights_only=True)`,
        rebuild `BagOfTokens`, `load_state_dict`, eval mode); a folder → the hub model saved
        there. The loaded service predicts exactly as the saved one did.
        Hint / 힌트: `svc = cls(tokenizer=saved["tokenizer"], ...)`, then set `svc.vocab` and
        `svc.model`, and do not forget `model.eval()` (dropout off; 드롭아웃을 끄세요).
        """
        # BEGIN SOLUTION
        path = Path(path)
        if path.is_dir():
            meta = json.loads((path / SERVICE_FILE).read_text(encoding="utf-8"))
            svc = cls(model_name=str(path), **meta["config"])
            svc.model_name = meta["model_name"]
            return svc
        saved = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(saved, dict) or saved.get("format") != FORMAT:
            raise ValueError(bilingual(f"{path}: SentimentService.save로 저장한 파일이 아닙니다",
                                       f"{path}: not a file written by SentimentService.save"))
        config = saved["config"]
        svc = cls(tokenizer=saved["tokenizer"], **config)
        svc.vocab = dict(saved["vocab"])
        model = BagOfTokens(len(svc.vocab), config["embed_dim"], config["dropout"])
        model.load_state_dict(saved["state_dict"])
        svc.model = model.eval()
        return svc
        # END SOLUTION

    def serve(self, host: str = "127.0.0.1", port: int = 8000, block: bool = True) -> Any:
        """A JSON HTTP endpoint (HTTP 엔드포인트). `POST /predict` with `{"text": "..."}` answers
        `{"label", "confidence"}`; with `{"texts": [...]}` a list of them; bad input answers 400
        with `{"error": message}`; `GET /health` answers `{"status": "ok"}`.

        `block=True` serves until Ctrl-C; `block=False` serves from a daemon thread and returns the
        server at once (`server.server_address` has the port, handy with port=0;
        `server.shutdown()` stops it). Try it:
        `curl -s localhost:8000/predict -d '{"text": "정말 재밌어요"}'`.
        """
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        service, lock = self, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            """One request: JSON in, JSON out."""

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                """GET /health."""
                if self.path == "/health":
                    self._reply(200, {"status": "ok"})
                else:
                    self._reply(404, {"error": "GET /health, POST /predict"})

            def do_POST(self) -> None:
                """POST /predict with {"text": ...} or {"texts": [...]}."""
                if self.path != "/predict":
                    self._reply(404, {"error": "POST /predict"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length > 1 << 20:
                    self._reply(413, {"error": "request larger than 1 MiB"})
                    return
                try:
                    body = json.loads(self.rfile.read(length).decode("utf-8"))
                    with lock:
                        if isinstance(body, dict) and "texts" in body:
                            self._reply(200, service.predict_batch(body["texts"]))
                        elif isinstance(body, dict) and "text" in body:
                            self._reply(200, service.predict(body["text"]))
                        else:
                            self._reply(400, {"error": 'send {"text": "..."} or {"texts": [...]}'})
                except (ValueError, TypeError) as err:  # JSON and UTF-8 errors are ValueErrors
                    self._reply(400, {"error": str(err)})

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: no line per request."""

        server = ThreadingHTTPServer((host, port), Handler)
        if not block:
            threading.Thread(target=server.serve_forever, daemon=True).start()
            return server
        print(f"serving http://{host}:{server.server_address[1]}/predict (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return server


# -- command line -----------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> None:
    """Trains on Korean reviews, reports held-out accuracy, saves, predicts, optionally serves."""
    parser = argparse.ArgumentParser(description="Korean sentiment service / 한국어 감성 분석 서비스")
    parser.add_argument("--model", default=None,
                        help=f"a hub model to fine-tune, e.g. {DEFAULT_HUB_MODEL} (cached first)")
    parser.add_argument("--tokenizer", default="auto", choices=TOKENIZERS)
    parser.add_argument("--data", default=None, help="an NSMC-format file (default: the kit's reviews)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="where to save (default: artifacts/)")
    parser.add_argument("--text", action="append", default=[], help="a text to predict (repeatable)")
    parser.add_argument("--serve", type=int, default=None, metavar="PORT")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)

    from dldrill.data import korean_reviews, load_nsmc_tsv

    texts, labels = load_nsmc_tsv(args.data) if args.data else korean_reviews()
    keep = [i for i, t in enumerate(texts) if t.strip()]
    order = np.random.default_rng(args.seed).permutation(keep)
    n_test = len(order) // 5
    test, train = order[:n_test], order[n_test:]
    try:
        svc = SentimentService(tokenizer=args.tokenizer, model_name=args.model, epochs=args.epochs)
    except (FileNotFoundError, ImportError) as err:  # a model not fetched yet, kiwipiepy missing
        raise SystemExit(f"error: {err}") from None
    losses = svc.train([texts[i] for i in train], labels[train], seed=args.seed)
    preds = svc.predict_batch([texts[i] for i in test])
    acc = float(np.mean([LABELS.index(p["label"]) == labels[i] for p, i in zip(preds, test, strict=True)]))
    print(f"tokenizer={svc.tokenizer} train={len(train)} loss {losses[0]:.3f} → {losses[-1]:.3f}; "
          f"held-out accuracy (정확도) {acc:.3f} on {len(test)}")
    out = Path(args.out) if args.out else ARTIFACTS / ("sentiment_hub" if args.model else "sentiment.pt")
    out.parent.mkdir(parents=True, exist_ok=True)
    svc.save(out)
    print(f"saved {out}")
    for text in args.text:
        result = svc.predict(text)
        print(f"[{result['label']}] 신뢰도 {result['confidence']:.2%}  {text}")
    if args.serve is not None:
        svc.serve(args.host, args.serve)


if __name__ == "__main__":
    main()
