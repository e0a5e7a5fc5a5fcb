"""Graders for ch06.transformer (checklist: bert-gpt).

TransformerBlock is judged by what it computes: the learner's block gets random weights (by its
own names), runs once, and its weights are loaded, layer by layer in the order forward ran them,
into a pre-LayerNorm block built here from plain torch; both outputs must agree. MiniGPT is judged
by behaviour: causality, learning a character corpus (loss computed here from its logits, and the
training curve compared with the reference's under the same seed), reproducible sampling.

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- post-LN (x = LayerNorm(x + Attention(x))) instead of pre-LN
  (test_block_matches_pre_ln_with_matched_weights; ch06_block_post_ln)
- the causal flag ignored: GPT sees the future (test_block_matches_pre_ln_with_matched_weights[causal],
  test_block_causal_flag, test_minigpt_is_causal, test_minigpt_learns_a_character_corpus;
  ch06_block_causal_ignored)
- the blocks' results dropped (`block(x)` without `x = `): a bigram model
  (test_minigpt_learns_a_character_corpus; ch06_minigpt_blocks_not_applied)
- generate ignoring its generator or its temperature (test_generate_is_reproducible;
  ch06_generate_ignores_generator, ch06_generate_ignores_temperature)
- bert_param_count without the pooler, or without the LayerNorms (test_bert_param_count;
  ch06_bert_no_pooler, ch06_bert_no_layernorm)
Budget: test_minigpt_learns_a_character_corpus (answer key: 0.9 CPU-s measured with one
thread for building and 120 Adam steps; budget 10 CPU-s).
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dldrill.childkit.ch06 import train_lm
from dldrill.grading import assert_close, assert_shape, failure, grader, load_by_execution, tr

M = "ch06.transformer"
B = "dldrill.childkit.builders"
K = "dldrill.childkit.ch06"

HINT_PRE_LN = tr("Pre-LN: x = x + attn(ln1(x)); x = x + ff(ln2(x)) — LayerNorm은 잔차 가지 *안*, 하위 층 앞",
                 "pre-LN: x = x + attn(ln1(x)); x = x + ff(ln2(x)) — the LayerNorm goes *inside* "
                 "the residual branch, before the sublayer")
HINT_CAUSAL = tr("causal=True이면 torch.tril 마스크로 미래 위치를 가리세요",
                 "with causal=True, hide the future with a torch.tril mask")


class _PreLNBlock(nn.Module):
    """The expected block, here in the grader: LN, W_q, W_k, W_v, out, LN, Linear, GELU, Linear."""

    def __init__(self, d: int, h: int, d_ff: int, causal: bool):
        super().__init__()
        self.h, self.causal = h, causal
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.W_q, self.W_k, self.W_v, self.out = (nn.Linear(d, d) for _ in range(4))
        self.ff1, self.act, self.ff2 = nn.Linear(d, d_ff), nn.GELU(), nn.Linear(d_ff, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B_, T, C = x.shape
        y = self.ln1(x)
        q, k, v = (lin(y).view(B_, T, self.h, C // self.h).transpose(1, 2)
                   for lin in (self.W_q, self.W_k, self.W_v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(C // self.h)
        if self.causal:
            scores = scores.masked_fill(~torch.tril(torch.ones(T, T, dtype=torch.bool)), -1e9)
        att = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B_, T, C)
        x = x + self.out(att)
        return x + self.ff2(self.act(self.ff1(self.ln2(x))))


def _randomize(student, model, rng) -> None:
    state = []
    for name, v in student.call(f"{B}:state_of", model).items():
        if v.is_floating_point():
            scale = 0.3 if "norm" not in name and "ln" not in name else 0.5
            v = torch.from_numpy(rng.standard_normal(tuple(v.shape)).astype(np.float32)) * scale
            if v.ndim == 1 and v.shape[0] == 16 and name.endswith("weight"):
                v = v + 1.0  # LayerNorm gains around 1
        state.append(v)
    student.call(f"{B}:set_state_in_order", model, state)


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
@grader(points=2)
def test_block_matches_pre_ln_with_matched_weights(student, rng, causal):
    """TransformerBlock(16, 4, 32, dropout=0.0, causal=...) in eval mode on x (2, 6, 16)."""
    model = student.call(f"{M}:TransformerBlock", 16, 4, 32, dropout=0.0, causal=causal)
    _randomize(student, model, rng)
    model.eval()
    x = torch.from_numpy(rng.standard_normal((2, 6, 16)).astype(np.float32))
    trace = student.call(f"{B}:execution_trace", model, x)
    what = f"TransformerBlock(16, 4, 32, dropout=0.0, causal={causal})"
    ref = _PreLNBlock(16, 4, 32, causal).eval()
    load_by_execution(ref, trace, x, what=what, hint=tr(
        "실행 순서: LayerNorm, W_q, W_k, W_v, out, LayerNorm, Linear(d, d_ff), Linear(d_ff, d)",
        "order of execution: LayerNorm, W_q, W_k, W_v, out, LayerNorm, Linear(d, d_ff), "
        "Linear(d_ff, d)"))
    got = trace["output"]
    assert_shape(got, (2, 6, 16), f"{what}(x (2, 6, 16))")
    with torch.no_grad():
        expected = ref(x)
    assert_close(got, expected, rtol=1e-4, atol=1e-5,
                 what=f"{what}(x) vs a pre-LN block with the same weights",
                 hint=HINT_CAUSAL if causal else HINT_PRE_LN)


@grader(points=1)
def test_block_causal_flag(student, rng):
    """Changing the tokens from position 4 on: with causal=True positions 0-3 do not move; with
    causal=False (BERT) they do."""
    x = torch.from_numpy(rng.standard_normal((2, 8, 16)).astype(np.float32))
    x2 = x.clone()
    x2[:, 4:] += torch.from_numpy(rng.standard_normal((2, 4, 16)).astype(np.float32))
    for causal in (True, False):
        student.call("torch:manual_seed", 0)
        block = student.call(f"{M}:TransformerBlock", 16, 4, 32, dropout=0.0, causal=causal)
        block.eval()
        a, b = student.call(f"{K}:forward", block, x), student.call(f"{K}:forward", block, x2)
        what = f"TransformerBlock(16, 4, 32, causal={causal}): outputs 0-3 after changing inputs 4-7"
        moved = float((a[:, :4] - b[:, :4]).abs().max())
        if causal and moved > 1e-5:
            raise failure(what, tr("변화 없음", "unchanged").render(), f"max change {moved:.3g}",
                          HINT_CAUSAL)
        if not causal and moved < 1e-4:
            raise failure(what, tr("변함 (양방향 어텐션)", "changed (bidirectional attention)").render(),
                          f"max change {moved:.3g}",
                          tr("causal=False이면 마스크 없이 모든 위치를 봅니다",
                             "with causal=False every position sees every other (no mask)"))


@grader(points=2)
def test_minigpt_is_causal(student, rng):
    """MiniGPT(30, d_model=32, n_layers=2, n_heads=4, max_len=16): changing token 7 never changes
    the logits at positions 0-6, and does change those from 7 on."""
    model = student.call(f"{M}:MiniGPT", 30, d_model=32, n_layers=2, n_heads=4, max_len=16)
    idx = torch.from_numpy(rng.integers(0, 30, size=(2, 12))).long()
    idx2 = idx.clone()
    idx2[:, 7] = (idx2[:, 7] + 11) % 30
    a = student.call(f"{K}:forward", model, idx)
    b = student.call(f"{K}:forward", model, idx2)
    what = "MiniGPT(30, 32, 2, 4, max_len=16)(idx (2, 12))"
    assert_shape(a, (2, 12, 30), what, tr("출력은 (B, T, vocab_size) 로짓",
                                          "return logits (B, T, vocab_size)"))
    assert_close(b[:, :7], a[:, :7], rtol=0, atol=1e-5,
                 what=f"{what}: logits at positions 0-6 after changing token 7",
                 hint=tr("모든 블록을 causal=True로 만드세요 (미래 토큰을 보면 안 됩니다)",
                         "build every block with causal=True (no peeking at future tokens)"))
    if float((a[:, 7:] - b[:, 7:]).abs().max()) < 1e-5:
        raise failure(f"{what}: logits from position 7 on after changing token 7",
                      tr("변함", "changed").render(), tr("같음", "unchanged").render(),
                      tr("로짓은 입력 토큰에 의존해야 합니다", "the logits must depend on the tokens"))


CORPUS = (
    "어텐션은 중요한 것에 집중한다. 트랜스포머는 순서를 모르므로 위치 인코딩을 더한다. "
    "BERT는 양방향으로 보고 가려진 토큰을 채운다. GPT는 왼쪽만 보고 다음 토큰을 예측한다. "
    "attention is all you need. the cat sat on the mat. the dog sat on the log. "
) * 3
STEPS, SEGMENT = 120, 20


def _corpus_ids() -> tuple[list[str], torch.Tensor]:
    chars = sorted(set(CORPUS))
    return chars, torch.tensor([chars.index(c) for c in CORPUS])


def _eval_loss(logits: torch.Tensor, ids: torch.Tensor, n: int) -> float:
    y = ids[1: n * 32 + 1].view(n, 32)
    return float(F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1)))


@grader(points=3)
def test_minigpt_learns_a_character_corpus(student, reference):
    """A 516-character Korean/English corpus (72 symbols), MiniGPT(72, d_model=32, n_layers=2,
    n_heads=4, max_len=64) after torch.manual_seed(0), trained by the kit's loop
    (dldrill.childkit.ch06.train_lm: 120 Adam steps, lr 5e-3, 16 windows of 32 characters at
    seeded offsets). Pass: cross-entropy on every 32-character window of the corpus, computed
    here from the model's logits, < 0.6 nats (the reference: about 0.3; a bigram model: 1.2), and
    a training curve no worse than the reference's under the same seed (mean loss per 20 steps
    <= 1.5 × the reference's + 0.3). Budget 10 CPU-s (answer key 0.9 CPU-s measured, one thread)."""
    chars, ids = _corpus_ids()
    V, n = len(chars), (len(ids) - 1) // 32
    x_eval = ids[: n * 32].view(n, 32)
    kw = {"d_model": 32, "n_layers": 2, "n_heads": 4, "max_len": 64}
    with student.time_limit(10.0, "MiniGPT: 120 training steps on the corpus"):
        student.call("torch:manual_seed", 0)
        model = student.call(f"{M}:MiniGPT", V, **kw)
        losses = student.call(f"{K}:train_lm", model, ids, STEPS, batch_size=16, block_size=32,
                              lr=5e-3, seed=0)
    final = _eval_loss(student.call(f"{K}:forward", model, x_eval), ids, n)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the child; two busy processes on two cores otherwise crawl
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            ref = reference.call(f"{M}:MiniGPT", V, **kw)
            expected = train_lm(ref, ids, STEPS, batch_size=16, block_size=32, lr=5e-3, seed=0)
    finally:
        torch.set_num_threads(threads)
    hint = tr("블록 출력을 x에 다시 대입하고(x = block(x)), 위치 임베딩을 더하고, "
              "로짓(소프트맥스 전)을 돌려주세요",
              "reassign the blocks' outputs (x = block(x)), add the position embeddings, and "
              "return logits (before softmax)")
    if final >= 0.6 or not math.isfinite(final):
        raise failure("MiniGPT after 120 steps: cross-entropy on the corpus (nats)", "< 0.6 "
                      "(the reference: about 0.3)", f"{final:.3f}", hint)
    got_seg = np.array(losses, dtype=float).reshape(-1, SEGMENT).mean(axis=1)
    exp_seg = np.array(expected).reshape(-1, SEGMENT).mean(axis=1)
    worse = np.nonzero(got_seg > 1.5 * exp_seg + 0.3)[0]
    if len(worse):
        i = int(worse[0])
        raise failure(f"MiniGPT training curve: mean loss of steps {i * SEGMENT}-{(i + 1) * SEGMENT - 1}",
                      f"<= 1.5 × {exp_seg[i]:.3f} + 0.3 (the reference under the same seed)",
                      f"{got_seg[i]:.3f}", hint)


@grader(points=2)
def test_generate_is_reproducible(student, rng):
    """generate on MiniGPT(30, 32, 2, 4, max_len=16), 5 given + 20 new tokens (more than max_len)."""
    student.call("torch:manual_seed", 1)
    model = student.call(f"{M}:MiniGPT", 30, d_model=32, n_layers=2, n_heads=4, max_len=16)
    model.eval()
    idx = torch.from_numpy(rng.integers(0, 30, size=(2, 5))).long()

    def gen(seed, **kw):
        g = student.call("torch:Generator")
        g.manual_seed(seed)
        return model.generate(idx, 20, generator=g, **kw)

    what = "MiniGPT.generate(idx (2, 5), 20, generator=Generator().manual_seed(7))"
    hint = tr("torch.multinomial(probs, 1, generator=generator)로 뽑고, 마지막 max_len 토큰만 넣으세요",
              "draw with torch.multinomial(probs, 1, generator=generator) and feed only the last "
              "max_len tokens")
    first = gen(7)
    assert_shape(first, (2, 25), what, hint)
    assert_close(first[:, :5], idx, rtol=0, atol=0, what=f"{what}: the first 5 tokens", hint=hint)
    if int(first.min()) < 0 or int(first.max()) >= 30:
        raise failure(f"{what}: token ids", "in [0, 30)", f"[{int(first.min())}, {int(first.max())}]",
                      hint)
    student.call("torch:manual_seed", 99)
    assert_close(gen(7), first, rtol=0, atol=0, what=f"{what}, called twice", hint=hint)
    if torch.equal(gen(8), first):
        raise failure("generate with generator seeds 7 and 8", tr("서로 다른 샘플", "different "
                      "samples").render(), tr("같음", "identical").render(), hint)
    cold_a, cold_b = gen(1, temperature=1e-4), gen(2, temperature=1e-4)
    assert_close(cold_b, cold_a, rtol=0, atol=0,
                 what="generate(..., temperature=1e-4) with two generator seeds (nearly greedy)",
                 hint=tr("로짓을 temperature로 나눈 뒤 softmax하세요",
                         "divide the logits by temperature before the softmax"))


CONFIGS = [
    {},
    {"vocab_size": 1000, "hidden": 64, "layers": 2, "heads": 4, "intermediate": 256,
     "max_position": 128, "type_vocab": 2},
    {"vocab_size": 32000, "hidden": 312, "layers": 4, "heads": 12, "intermediate": 1200,
     "max_position": 512, "type_vocab": 1},
    {"vocab_size": 8002, "hidden": 768, "layers": 6, "heads": 12, "intermediate": 3072,
     "max_position": 300, "type_vocab": 3},
]


@pytest.mark.parametrize("config", CONFIGS, ids=["bert-base", "tiny", "no-types", "six-layers"])
@grader(points=1)
def test_bert_param_count(student, reference, config):
    got = student.call(f"{M}:bert_param_count", **config)
    expected = reference.call(f"{M}:bert_param_count", **config)
    if got != expected:
        shown = ", ".join(f"{k}={v}" for k, v in config.items()) or "defaults"
        raise failure(f"bert_param_count({shown})", f"{expected:,}", f"{got!r}", tr(
            "임베딩(단어·위치·타입 + LayerNorm) + 층마다(Q·K·V·출력 Linear, LayerNorm, "
            "FFN 두 Linear, LayerNorm) + 풀러(Linear h→h); 모든 Linear에 bias",
            "embeddings (word, position, type + LayerNorm) + per layer (Q, K, V, output Linear, "
            "LayerNorm, two FFN Linear, LayerNorm) + the pooler (Linear h→h); every Linear has "
            "a bias"))
