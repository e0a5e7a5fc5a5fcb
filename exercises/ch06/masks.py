# dldrill:stub da1f8aa483a9 · from solutions/ch06/masks.py · 여러분의 파일 / yours to edit
"""The masks that make BERT and GPT different (the curriculum's 6-2).

| | BERT (encoder) | GPT (decoder) |
|---|---|---|
| attention | both directions (padding hidden) / 양방향 | left only (causal mask) / 왼쪽만 |
| pre-training | MLM: fill in masked tokens / 마스크 채우기 | CLM: predict the next token / 다음 토큰 |

All masks use True = may attend / is a real token, the convention of `ch06.attention`
(마스크는 True = 볼 수 있음/실제 토큰). `mlm_mask` builds BERT's masked-language-model inputs with the
80/10/10 rule: of the tokens chosen for prediction, 80% become [MASK], 10% a random token, 10%
stay as they are; every other position gets the label -100, which `nn.CrossEntropyLoss`
ignores (예측하지 않는 위치의 레이블은 -100: CrossEntropyLoss가 무시합니다).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def causal_mask(T: int) -> torch.Tensor:
    """GPT's causal mask: position i may attend to positions 0..i. / 인과 마스크 (GPT).

    Returns a (T, T) bool tensor, True on and below the diagonal (each token sees itself and the
    past, never the future / 자기 자신과 과거만 볼 수 있음).
    Hint / 힌트: `torch.tril(torch.ones(T, T, dtype=torch.bool))` — the diagonal is included.
    """
    raise NotImplementedError("TODO(ch06.masks.causal_mask)")


def padding_mask(lengths: Sequence[int] | torch.Tensor, T: int) -> torch.Tensor:
    """BERT's padding mask: True at real tokens, False at padding. / 패딩 마스크 (BERT).

    Shapes: lengths (B,) (a list or an integer tensor, each <= T) -> (B, T) bool with
    out[b, t] = t < lengths[b]. For attention, use `mask[:, None, None, :]` (B, 1, 1, T).
    Hint / 힌트: compare `torch.arange(T)` (1, T) with `lengths` (B, 1) by broadcasting.
    """
    raise NotImplementedError("TODO(ch06.masks.padding_mask)")


def mlm_mask(input_ids: torch.Tensor, mask_token_id: int, vocab_size: int, mask_prob: float = 0.15,
             special_ids: Sequence[int] = (), generator: torch.Generator | None = None
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's masked-language-model corruption with the 80/10/10 rule. / MLM 마스킹 (80/10/10).

    input_ids: (B, T) int64 (any shape works). Each position whose id is not in `special_ids`
    ([CLS], [SEP], [PAD]...) is chosen for prediction with probability `mask_prob`. Returns
    (inputs, labels), both new tensors of input_ids' shape (input_ids is not changed):
    - labels: the original id at chosen positions, -100 everywhere else;
    - inputs: at chosen positions 80% `mask_token_id`, 10% a uniformly random id in
      [0, vocab_size), 10% unchanged; every other position unchanged.
    All randomness comes from `generator` (same generator state -> same result).
    특수 토큰은 절대 고르지 않고, 모든 난수는 generator에서 뽑습니다.
    Hint / 힌트: `torch.bernoulli(probs, generator=generator)` with probs = mask_prob (0 at special
    ids) chooses; among the chosen, a bernoulli(0.8) picks [MASK] and, of the rest, a
    bernoulli(0.5) picks a random id from `torch.randint(vocab_size, ..., generator=generator)`.
    """
    raise NotImplementedError("TODO(ch06.masks.mlm_mask)")
