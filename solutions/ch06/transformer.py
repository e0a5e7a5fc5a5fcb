"""A pre-LayerNorm Transformer block, a tiny GPT, and BERT's size by hand (the curriculum's 6-2).

GPT = decoder blocks with a causal mask, trained to predict the next token (CLM); BERT = encoder
blocks without it, trained to fill in masked tokens (MLM) (GPT: 인과 마스크 + 다음 토큰 예측, BERT:
양방향 + 마스크 채우기). Each block here is *pre*-LayerNorm, as in GPT-2 and most modern models:
각 블록은 Pre-LayerNorm 구조입니다 (LayerNorm을 하위 층 *앞*에 둡니다):

    x = x + Dropout(Attention(LayerNorm₁(x)))
    x = x + Dropout(FeedForward(LayerNorm₂(x)))      FeedForward = Linear(d, d_ff) · GELU · Linear(d_ff, d)

(The original Transformer and BERT are *post*-LN: `x = LayerNorm(x + Attention(x))`.)
"""

from __future__ import annotations

import torch
from torch import nn


class TransformerBlock(nn.Module):
    """Pre-LN Transformer block: self-attention and feed-forward, each in a residual branch.

    사전 LayerNorm 트랜스포머 블록. Layers, in the order they run: LayerNorm(d_model); the
    multi-head self-attention of `ch06.attention` (Linear W_q, W_k, W_v, out — in this order);
    Dropout; LayerNorm(d_model); Linear(d_model, d_ff) · GELU · Linear(d_ff, d_model); Dropout.
    `causal=True` (GPT) hides the future: position i attends to 0..i only.
    forward: x (B, T, d_model), optional mask broadcastable to (B, n_heads, T, T) (True = keep,
    e.g. a padding mask (B, 1, 1, T)), combined with the causal mask -> (B, T, d_model).
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.1,
                 causal: bool = False):
        """Builds the two LayerNorms, the attention, the feed-forward and the dropouts.

        Hint / 힌트: reuse your attention: `from .attention import MultiHeadSelfAttention`
        (inside the function or at the top of the file); keep `causal` for forward
        (attention.py의 MultiHeadSelfAttention을 재사용하세요).
        """
        super().__init__()
        # BEGIN SOLUTION
        from .attention import MultiHeadSelfAttention

        self.causal = causal
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, n_heads, dropout)
        self.drop1 = nn.Dropout(dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
        self.drop2 = nn.Dropout(dropout)
        # END SOLUTION

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, d_model) -> (B, T, d_model). / 잔차 연결 두 번: 어텐션, 피드포워드.

        Hint / 힌트: with causal, `m = torch.tril(torch.ones(T, T, dtype=torch.bool))` (and
        `m & mask` when a mask is given); then `x = x + self.drop1(self.attn(self.ln1(x), m))` and
        `x = x + self.drop2(self.ff(self.ln2(x)))` — LayerNorm goes *inside* the branch.
        """
        # BEGIN SOLUTION
        if self.causal:
            T = x.size(1)
            causal = torch.tril(torch.ones(T, T, dtype=torch.bool, device=x.device))
            mask = causal if mask is None else causal & mask.bool()
        x = x + self.drop1(self.attn(self.ln1(x), mask))
        return x + self.drop2(self.ff(self.ln2(x)))
        # END SOLUTION


class MiniGPT(nn.Module):
    """A tiny GPT: token + learned position embeddings, causal blocks, LayerNorm, linear head.

    작은 GPT. Layers: Embedding(vocab_size, d_model) for tokens, Embedding(max_len, d_model) for
    positions, `n_layers` × TransformerBlock(d_model, n_heads, 4 * d_model, dropout=0.0,
    causal=True), a final LayerNorm(d_model) and Linear(d_model, vocab_size, bias=False).
    forward: idx (B, T) int64 with T <= max_len -> logits (B, T, vocab_size); the logits at
    position t depend on idx[:, :t+1] only (미래 토큰은 앞 위치의 로짓을 절대 바꾸지 않습니다).
    """

    def __init__(self, vocab_size: int, d_model: int = 64, n_layers: int = 2, n_heads: int = 4,
                 max_len: int = 128):
        """Builds the embeddings, the blocks, the final LayerNorm and the head.

        Hint / 힌트: `nn.ModuleList([TransformerBlock(..., causal=True) for _ in range(n_layers)])`;
        keep `max_len` for generate (생성할 때 마지막 max_len 토큰만 봅니다).
        """
        super().__init__()
        # BEGIN SOLUTION
        self.max_len = max_len
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(max_len, d_model)
        self.blocks = nn.ModuleList([
            TransformerBlock(d_model, n_heads, 4 * d_model, dropout=0.0, causal=True)
            for _ in range(n_layers)
        ])
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        # END SOLUTION

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """idx (B, T) -> logits (B, T, vocab_size). / 토큰 id -> 다음 토큰 로짓.

        Hint / 힌트: `x = tok_emb(idx) + pos_emb(torch.arange(T))`; `x = block(x)` for every
        block (reassign x!); `head(ln_f(x))`.
        """
        # BEGIN SOLUTION
        T = idx.size(1)
        pos = torch.arange(T, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))
        # END SOLUTION

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Samples `max_new_tokens` tokens one at a time. / 토큰을 하나씩 샘플링해 이어 붙입니다.

        idx (B, T) int64 -> (B, T + max_new_tokens), starting with idx. Each step feeds the last
        `max_len` tokens, takes the logits of the last position divided by `temperature`,
        softmax, and draws one token with `torch.multinomial(probs, 1, generator=generator)`:
        the same generator state gives the same tokens (같은 generator 상태 -> 같은 결과).
        Hint / 힌트: loop `max_new_tokens` times; `idx = torch.cat([idx, next_id], dim=1)`.
        """
        # BEGIN SOLUTION
        for _ in range(max_new_tokens):
            context = idx[:, -self.max_len:]
            logits = self(context)[:, -1, :] / temperature
            probs = torch.softmax(logits, dim=-1)
            next_id = torch.multinomial(probs, 1, generator=generator)
            idx = torch.cat([idx, next_id], dim=1)
        return idx
        # END SOLUTION


def bert_param_count(vocab_size: int = 30522, hidden: int = 768, layers: int = 12, heads: int = 12,
                     intermediate: int = 3072, max_position: int = 512, type_vocab: int = 2) -> int:
    """The number of parameters of `transformers.BertModel` for this config, by hand. / BERT 파라미터 수.

    BertModel = embeddings (word, position, token type, LayerNorm) + `layers` encoder layers
    (query, key, value, attention output Linear, LayerNorm; intermediate Linear; output Linear,
    LayerNorm) + the pooler (Linear hidden -> hidden). Every Linear has a bias; every LayerNorm a
    weight and a bias. `heads` does not change the count (heads split the hidden size).
    The defaults (bert-base-uncased) give 109,482,240.
    Hint / 힌트: a Linear(n, m) has n*m + m parameters, a LayerNorm(h) 2*h; do not forget the
    pooler and the LayerNorms (풀러와 LayerNorm도 잊지 마세요).
    """
    # BEGIN SOLUTION
    h = hidden
    embeddings = (vocab_size + max_position + type_vocab) * h + 2 * h
    attention = 4 * (h * h + h) + 2 * h
    feed_forward = (h * intermediate + intermediate) + (intermediate * h + h) + 2 * h
    pooler = h * h + h
    return embeddings + layers * (attention + feed_forward) + pooler
    # END SOLUTION
