# dldrill:stub d8baef23bce2 · from solutions/ch05/text.py · 여러분의 파일 / yours to edit
"""Text to numbers: tokens, a vocabulary with reserved ids, fixed-length id sequences.

텍스트 → 숫자 변환 파이프라인 (커리큘럼 5-3): 토큰으로 자르고, 어휘 사전을 만들고, 길이를 맞춘 id 목록으로.
The text pipeline of curriculum 5-3: split into tokens, build a vocabulary, encode each text as a
fixed-length list of ids that an `nn.Embedding(padding_idx=0)` can read.

Two token levels, both fine for Korean (한국어에 모두 쓸 수 있는 두 단위):
- "syllable" (default, 음절): every character except whitespace — "재미없다" -> 재, 미, 없, 다.
  Small vocabulary, robust to endings such as 좋았다 / 좋아요 (어미 변화에 강함).
- "word" (어절): `text.split()` — "재미 없다" -> 재미, 없다.
Reserved ids: 0 = "<pad>" (padding), 1 = "<unk>" (a token not in the vocabulary).
예약 id: 0은 패딩, 1은 사전에 없는 토큰.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

PAD, UNK = "<pad>", "<unk>"


def tokenize(text: str, level: str = "syllable") -> list[str]:
    """Tokens of `text`: syllables (every non-space character) or whitespace words. / 토큰화.

    level "syllable": `[ch for ch in text if not ch.isspace()]`; level "word": `text.split()`;
    anything else raises ValueError.
    """
    if level == "syllable":
        return [ch for ch in text if not ch.isspace()]
    if level == "word":
        return text.split()
    raise ValueError(f"level must be 'syllable' or 'word', got {level!r}")


def build_vocab(texts: Iterable[str], min_freq: int = 1, max_size: int | None = None,
                level: str = "syllable") -> dict[str, int]:
    """A token -> id dictionary: 0 = "<pad>", 1 = "<unk>", then tokens by frequency.

    어휘 사전: 0은 "<pad>", 1은 "<unk>"로 예약하고, 2부터 빈도가 높은 토큰 순서로 id를 줍니다.
    - tokens come from `tokenize(text, level)`; counts are over all texts;
    - a token is kept when it occurs at least `min_freq` times (min_freq 이상 등장한 토큰만);
    - ids 2, 3, ... in decreasing count; equal counts keep the order of first appearance
      (같은 빈도는 처음 등장한 순서대로);
    - `max_size` caps the whole dictionary, the two reserved entries included
      (len(vocab) <= max_size; 예약 토큰 포함).
    Hint / 힌트: `collections.Counter` keeps first-appearance order for equal counts, and
    `Counter.most_common()` sorts stably (같은 빈도의 순서가 유지됩니다).
    """
    raise NotImplementedError("TODO(ch05.text.build_vocab)")


def encode(text: str, vocab: dict[str, int], max_len: int, level: str = "syllable") -> list[int]:
    """`text` as exactly `max_len` ids: unknown tokens -> 1, cut at the end, padded with 0 at the end.

    정확히 max_len개의 id 목록: 사전에 없는 토큰은 1(<unk>), 너무 길면 앞쪽 max_len개만 남기고(뒤를 자름),
    짧으면 뒤에 0(<pad>)을 채웁니다.
    Example (syllables): vocab {"<pad>": 0, "<unk>": 1, "좋": 2, "다": 3}, "좋았다", max_len 5
    -> [2, 1, 3, 0, 0].
    Hint / 힌트: `[vocab.get(t, vocab["<unk>"]) for t in tokenize(text, level)][:max_len]`, then
    append zeros (뒤에 0을 채우세요).
    """
    raise NotImplementedError("TODO(ch05.text.encode)")


def encode_batch(texts: Iterable[str], vocab: dict[str, int], max_len: int,
                 level: str = "syllable") -> list[list[int]]:
    """`encode` for every text: N lists of `max_len` ids (wrap with `torch.tensor` for a batch)."""
    return [encode(text, vocab, max_len, level) for text in texts]
