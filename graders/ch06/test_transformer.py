"""Graders for ch06.transformer (checklist: bert-gpt).

TransformerBlock and MiniGPT are judged by what they compute, with weights chosen here. The
learner's model runs once in the child with a global forward pre-hook that is the bound
`__setitem__` of a dict there (torch's `register_module_forward_pre_hook`, library callables
only): the order in which its leaf modules first ran comes back, with its state_dict keys.
Aligned with a pre-LayerNorm block or a MiniGPT built here from plain torch (same kinds of
layers with weights, in the same order, same shapes; the two embeddings matched by shape), the
same weights go into the learner's model (its own `load_state_dict`, its own names) and into the
one here, and the outputs must agree. A lie about the order only breaks that agreement.
MiniGPT gets the weights of a MiniGPT trained here on a character corpus (the training loop runs
in the grader; the contract has no training function); its logits must be the trained model's and
fit the corpus; its autograd gradients (`torch.func.vjp` over `torch.func.functional_call` of the
learner's model, library callables) must be the ones computed here. `generate` is replayed here
step by step from the learner's own forward and the same generator seed.

No test carries a CPU budget: the child only builds small models and runs a few forward passes
(the answer key needs about 0.2 CPU-s there for the whole file, measured through the sandbox);
the 120 training steps run here (about 1.8 CPU-s of the grader, once per session).
"""

import functools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dldrill.grading import assert_close, assert_shape, failure, grader, tr
from dldrill.grading import type_name as _remote_type

MODULE = "ch06.transformer"

HINT_PRE_LN = tr("Pre-LN: x = x + attn(ln1(x)); x = x + ff(ln2(x)) — LayerNorm은 잔차 가지 *안*, 하위 층 앞",
                 "pre-LN: x = x + attn(ln1(x)); x = x + ff(ln2(x)) — the LayerNorm goes *inside* "
                 "the residual branch, before the sublayer")
HINT_CAUSAL = tr("causal=True이면 torch.tril 마스크로 미래 위치를 가리세요",
                 "with causal=True, hide the future with a torch.tril mask")
HINT_ORDER = tr("실행 순서: LayerNorm, W_q, W_k, W_v, out, LayerNorm, Linear(d, d_ff), Linear(d_ff, d)",
                "order of execution: LayerNorm, W_q, W_k, W_v, out, LayerNorm, Linear(d, d_ff), "
                "Linear(d_ff, d)")


class _PreLNBlock(nn.Module):
    """The expected block, here in the grader: LN, W_q, W_k, W_v, out, LN, Linear, GELU, Linear."""

    def __init__(self, d: int, h: int, d_ff: int, causal: bool):
        super().__init__()
        self.h, self.causal = h, causal
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.W_q, self.W_k, self.W_v, self.out = (nn.Linear(d, d) for _ in range(4))
        self.ff1, self.act, self.ff2 = nn.Linear(d, d_ff), nn.GELU(), nn.Linear(d_ff, d)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        B_, T, C = x.shape
        y = self.ln1(x)
        q, k, v = (lin(y).view(B_, T, self.h, C // self.h).transpose(1, 2)
                   for lin in (self.W_q, self.W_k, self.W_v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(C // self.h)
        keep = torch.ones(T, T, dtype=torch.bool)
        if self.causal:
            keep = torch.tril(keep)
        if mask is not None:
            keep = keep & mask.bool()
        scores = scores.masked_fill(~keep, -1e9)
        att = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B_, T, C)
        x = x + self.out(att)
        return x + self.ff2(self.act(self.ff1(self.ln2(x))))


class _MiniGPT(nn.Module):
    """The expected MiniGPT, here in the grader (the curriculum's layers, pre-LN causal blocks)."""

    def __init__(self, vocab: int, d: int, n_layers: int, h: int, max_len: int):
        super().__init__()
        self.tok_emb, self.pos_emb = nn.Embedding(vocab, d), nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList([_PreLNBlock(d, h, 4 * d, causal=True)
                                     for _ in range(n_layers)])
        self.ln_f, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(idx.size(1)))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


# -- which layer is which: the order forward runs them ------------------------------------------
def _leaves(names: list[str]) -> list[str]:
    """Module names that are not a prefix of another module's name (the root only when alone)."""
    return [n for n in names if not any(o.startswith(n + ".") if n else o for o in names)]


def _kind(type_str: str) -> str:
    return type_str.rsplit(".", 1)[-1]


def _learner_order(student, model, *inputs) -> tuple:
    """model(*inputs) once in the child, with a global forward pre-hook that is the bound
    __setitem__ of a dict kept in a types.SimpleNamespace there (library callables only): the
    dict's keys are the modules in the order they were first called. Returns (output, [(leaf
    name, class name)] in that order)."""
    named, alive = {}, []  # the handles stay alive: a released handle's object gets a new id
    for name, module in model.named_modules():
        alive.append(module)
        named[object.__getattribute__(module, "_r_id")] = (name, _kind(_remote_type(module)))
    leaves = set(_leaves([n for n, _ in named.values()]))
    ns = student.call("types:SimpleNamespace", seen={})
    hook = student.call("operator:attrgetter", "seen.__setitem__")(ns)
    handle = student.call("torch.nn.modules.module:register_module_forward_pre_hook", hook)
    try:
        out = model(*inputs)
    finally:
        handle.remove()
    seen = ns.seen
    order = []
    for key in seen if isinstance(seen, dict) else ():
        entry = named.get(object.__getattribute__(key, "_r_id")) if hasattr(key, "_r_id") else None
        if entry is not None and entry[0] in leaves:
            order.append(entry)
    del alive
    return out, order


def _here_order(model: nn.Module, *inputs) -> list[tuple[str, str]]:
    """The same, for a model here."""
    seen: dict = {}
    names = {id(m): n for n, m in model.named_modules()}
    leaves = set(_leaves(list(names.values())))
    handle = torch.nn.modules.module.register_module_forward_pre_hook(seen.__setitem__)
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        handle.remove()
    return [(names[id(m)], type(m).__name__) for m in seen if names.get(id(m)) in leaves]


def _weighted(order: list[tuple[str, str]], state: dict) -> list[tuple[str, str, dict]]:
    """The leaves that hold state_dict entries, each once: (name, kind, {entry: shape})."""
    out, done = [], set()
    for name, kind in order:
        prefix = f"{name}." if name else ""
        entries = {k[len(prefix):]: tuple(v.shape) for k, v in state.items()
                   if k.startswith(prefix) and "." not in k[len(prefix):]}
        if entries and name not in done:
            done.add(name)
            out.append((name, kind, entries))
    return out


def _sig(layer: tuple) -> str:
    return f"{layer[1]}({', '.join(f'{k} {v}' for k, v in layer[2].items())})"


def _mapping(got: list, expected: list, what: str, hint) -> dict[str, str]:
    """Learner state_dict key -> the model-here key, pairing layers in forward order (the
    Embeddings among themselves by shape: token or position first is the learner's choice)."""
    emb_got = [g for g in got if g[1] == "Embedding"]
    emb_exp = [e for e in expected if e[1] == "Embedding"]
    pairs = []
    for e in emb_exp:
        match = [g for g in emb_got if g[2] == e[2]]
        if not match:
            raise failure(f"{what}: {_sig(e)}", _sig(e), tr("없음", "none"), hint)
        emb_got.remove(match[0])
        pairs.append((match[0], e))
    rest_got = [g for g in got if g[1] != "Embedding"]
    rest_exp = [e for e in expected if e[1] != "Embedding"]
    for i, e in enumerate(rest_exp):
        if i >= len(rest_got):
            raise failure(f"{what}: layer {i + 1} in forward order", _sig(e),
                          tr("레이어 없음", "no such layer"), hint)
        if rest_got[i][1:] != e[1:]:
            raise failure(f"{what}: layer {i + 1} in forward order", _sig(e), _sig(rest_got[i]),
                          hint)
        pairs.append((rest_got[i], e))
    extra = emb_got + rest_got[len(rest_exp):]
    if extra:
        raise failure(f"{what}: layers with weights", str(len(expected)), str(len(got)), hint,
                      [tr("추가 레이어: ", "extra layer: ").render() + _sig(extra[0])])
    mapping = {}
    for g, e in pairs:
        for entry in e[2]:
            mapping[(f"{g[0]}." if g[0] else "") + entry] = (f"{e[0]}." if e[0] else "") + entry
    return mapping


def _matched(student, model, here: nn.Module, x, what: str, hint) -> tuple:
    """Runs the learner's model once on x, aligns it with `here` and returns (the learner's
    state_dict keys -> here's keys, the learner's state_dict)."""
    _, order = _learner_order(student, model, x)
    state = dict(model.state_dict())
    expected_order = _here_order(here, x)
    mapping = _mapping(_weighted(order, state), _weighted(expected_order, here.state_dict()),
                       what, hint)
    unmatched = sorted(k for k, v in state.items() if k not in mapping and v.is_floating_point())
    if unmatched:
        raise failure(f"{what}: state_dict entries", tr("forward가 쓰는 레이어의 가중치만",
                      "only weights of layers forward runs"), ", ".join(unmatched[:4]),
                      hint)
    return mapping, state


def _load_both(student, model, here: nn.Module, mapping: dict, state: dict, values: dict) -> None:
    """values (here's keys) -> here, and through the mapping -> the learner's load_state_dict."""
    here.load_state_dict(values)
    mine = {k: (values[mapping[k]] if k in mapping else v) for k, v in state.items()}
    model.load_state_dict(mine)


def _random_values(here: nn.Module, rng) -> dict:
    values = {}
    for name, v in here.state_dict().items():
        t = torch.from_numpy(rng.standard_normal(tuple(v.shape)).astype(np.float32))
        if name.endswith("weight") and v.ndim == 1:  # LayerNorm gains around 1
            t = t * 0.5 + 1.0
        else:
            t = t * (0.5 if v.ndim == 1 else 0.3)
        values[name] = t
    return values


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
@grader(points=2)
def test_block_matches_pre_ln_with_matched_weights(student, rng, causal):
    """TransformerBlock(16, 4, 32, dropout=0.1, causal=...) in eval mode (built in train mode) on
    x (2, 6, 16), without a mask and with a padding mask (2, 1, 1, 6) (lengths 6 and 4), the
    same random weights in the learner's block and in a pre-LN block built here."""
    model = student.call(f"{MODULE}:TransformerBlock", 16, 4, 32, dropout=0.1, causal=causal)
    x = torch.from_numpy(rng.standard_normal((2, 6, 16)).astype(np.float32))
    what = f"TransformerBlock(16, 4, 32, dropout=0.1, causal={causal})"
    ref = _PreLNBlock(16, 4, 32, causal).eval()
    model.eval()
    mapping, state = _matched(student, model, ref, x, what, HINT_ORDER)
    _load_both(student, model, ref, mapping, state, _random_values(ref, rng))
    pad = (torch.arange(6)[None, :] < torch.tensor([6, 4])[:, None])[:, None, None, :]
    for mask in (None, pad):
        got = (model(x) if mask is None else model(x, pad)).detach()
        shown = f"{what}.eval()(x (2, 6, 16){'' if mask is None else ', padding mask (2, 1, 1, 6)'})"
        assert_shape(got, (2, 6, 16), shown)
        with torch.no_grad():
            expected = ref(x, mask)
        hint = HINT_CAUSAL if causal else HINT_PRE_LN
        if mask is not None:
            hint = tr("주어진 마스크를 (causal이면 인과 마스크와 &로 합쳐) 어텐션에 넘기세요",
                      "pass the given mask to the attention (combined with & with the causal "
                      "mask when causal)")
        assert_close(got, expected, rtol=1e-4, atol=1e-5,
                     what=f"{shown} vs a pre-LN block with the same weights", hint=hint)


@grader(points=1)
def test_block_causal_flag(student, rng):
    """Changing the tokens from position 4 on: with causal=True positions 0-3 do not move; with
    causal=False (BERT) they do."""
    x = torch.from_numpy(rng.standard_normal((2, 8, 16)).astype(np.float32))
    x2 = x.clone()
    x2[:, 4:] += torch.from_numpy(rng.standard_normal((2, 4, 16)).astype(np.float32))
    for causal in (True, False):
        student.call("torch:manual_seed", 0)
        block = student.call(f"{MODULE}:TransformerBlock", 16, 4, 32, dropout=0.0, causal=causal)
        block.eval()
        a, b = block(x).detach(), block(x2).detach()
        what = f"TransformerBlock(16, 4, 32, causal={causal}): outputs 0-3 after changing inputs 4-7"
        moved = float((a[:, :4] - b[:, :4]).abs().max())
        if causal and moved > 1e-5:
            raise failure(what, tr("변화 없음", "unchanged"), f"max change {moved:.3g}",
                          HINT_CAUSAL)
        if not causal and moved < 1e-4:
            raise failure(what, tr("변함 (양방향 어텐션)", "changed (bidirectional attention)"),
                          f"max change {moved:.3g}",
                          tr("causal=False이면 마스크 없이 모든 위치를 봅니다",
                             "with causal=False every position sees every other (no mask)"))


@grader(points=2)
def test_minigpt_is_causal(student, rng):
    """MiniGPT(30, d_model=32, n_layers=2, n_heads=4, max_len=16): changing token 7 never changes
    the logits at positions 0-6, and does change those from 7 on."""
    model = student.call(f"{MODULE}:MiniGPT", 30, d_model=32, n_layers=2, n_heads=4, max_len=16)
    model.eval()
    idx = torch.from_numpy(rng.integers(0, 30, size=(2, 12))).long()
    idx2 = idx.clone()
    idx2[:, 7] = (idx2[:, 7] + 11) % 30
    a, b = model(idx).detach(), model(idx2).detach()
    what = "MiniGPT(30, 32, 2, 4, max_len=16)(idx (2, 12))"
    assert_shape(a, (2, 12, 30), what, tr("출력은 (B, T, vocab_size) 로짓",
                                          "return logits (B, T, vocab_size)"))
    assert_close(b[:, :7], a[:, :7], rtol=0, atol=1e-5,
                 what=f"{what}: logits at positions 0-6 after changing token 7",
                 hint=tr("모든 블록을 causal=True로 만드세요 (미래 토큰을 보면 안 됩니다)",
                         "build every block with causal=True (no peeking at future tokens)"))
    if float((a[:, 7:] - b[:, 7:]).abs().max()) < 1e-5:
        raise failure(f"{what}: logits from position 7 on after changing token 7",
                      tr("변함", "changed"), tr("같음", "unchanged"),
                      tr("로짓은 입력 토큰에 의존해야 합니다", "the logits must depend on the tokens"))


CORPUS = (
    "어텐션은 중요한 것에 집중한다. 트랜스포머는 순서를 모르므로 위치 인코딩을 더한다. "
    "BERT는 양방향으로 보고 가려진 토큰을 채운다. GPT는 왼쪽만 보고 다음 토큰을 예측한다. "
    "attention is all you need. the cat sat on the mat. the dog sat on the log. "
) * 3
STEPS = 120
GPT = {"d_model": 32, "n_layers": 2, "n_heads": 4, "max_len": 64}
HINT_GPT = tr("tok_emb(idx) + pos_emb(arange(T)), 블록마다 x = block(x) (다시 대입), ln_f, head "
              "순서로; 로짓(소프트맥스 전)을 돌려주세요",
              "tok_emb(idx) + pos_emb(arange(T)), x = block(x) for every block (reassign x), "
              "ln_f, head; return logits (before softmax)")


def _corpus_ids() -> tuple[list[str], torch.Tensor]:
    chars = sorted(set(CORPUS))
    return chars, torch.tensor([chars.index(c) for c in CORPUS])


@functools.lru_cache(maxsize=1)
def _trained() -> dict:
    """A MiniGPT (73 symbols, d 32, 2 layers, 4 heads, max_len 64) trained here: 120 Adam steps,
    lr 5e-3, 16 windows of 32 characters at seeded offsets. Its state_dict."""
    chars, ids = _corpus_ids()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two busy processes on two cores otherwise crawl
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = _MiniGPT(len(chars), 32, 2, 4, 64)
            gen = torch.Generator().manual_seed(0)
            opt = torch.optim.Adam(model.parameters(), lr=5e-3)
            for _ in range(STEPS):
                starts = torch.randint(len(ids) - 33, (16,), generator=gen)
                window = torch.stack([ids[s: s + 33] for s in starts.tolist()])
                out = model(window[:, :-1])
                loss = F.cross_entropy(out.reshape(-1, out.size(-1)), window[:, 1:].reshape(-1))
                opt.zero_grad()
                loss.backward()
                opt.step()
    finally:
        torch.set_num_threads(threads)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _gpt_pair(student, rng):
    """The learner's MiniGPT(73, **GPT) and the one here, aligned by forward order."""
    chars, ids = _corpus_ids()
    model = student.call(f"{MODULE}:MiniGPT", len(chars), **GPT)
    model.eval()
    here = _MiniGPT(len(chars), 32, 2, 4, 64).eval()
    x = ids[:40].view(2, 20)
    mapping, state = _matched(student, model, here, x, f"MiniGPT({len(chars)}, 32, 2, 4, 64)",
                              tr("실행 순서: 임베딩 두 개, 블록마다 (LayerNorm, W_q, W_k, W_v, out, "
                                 "LayerNorm, Linear, Linear), LayerNorm, head",
                                 "order of execution: the two embeddings, per block (LayerNorm, "
                                 "W_q, W_k, W_v, out, LayerNorm, Linear, Linear), LayerNorm, head"))
    return model, here, mapping, state


@grader(points=2)
def test_minigpt_matches_the_trained_reference(student, rng):
    """A 525-character Korean/English corpus (73 symbols). A MiniGPT(73, d_model=32, n_layers=2,
    n_heads=4, max_len=64) is trained here (120 Adam steps, lr 5e-3); its weights go into the
    learner's MiniGPT (its own load_state_dict, matched by forward order). Pass: the learner's
    logits on every 32-character window of the corpus equal the trained model's (rtol 1e-4),
    and their cross-entropy, computed here, is < 0.6 nats (about 0.3; a bigram model: 1.2)."""
    chars, ids = _corpus_ids()
    model, here, mapping, state = _gpt_pair(student, rng)
    _load_both(student, model, here, mapping, state, _trained())
    n = (len(ids) - 1) // 32
    x_eval = ids[: n * 32].view(n, 32)
    got = model(x_eval).detach()
    what = "MiniGPT with the trained weights, logits on the corpus (16 × 32 characters)"
    assert_shape(got, (n, 32, len(chars)), what, HINT_GPT)
    with torch.no_grad():
        expected = here(x_eval)
    loss = float(F.cross_entropy(got.reshape(-1, len(chars)), ids[1: n * 32 + 1]))
    if not math.isfinite(loss) or loss >= 0.6:
        raise failure(f"{what}: cross-entropy (nats), computed here", "< 0.6 (the trained model: "
                      f"{float(F.cross_entropy(expected.reshape(-1, len(chars)), ids[1: n * 32 + 1])):.3f})",
                      f"{loss:.3f}", HINT_GPT)
    assert_close(got, expected, rtol=1e-4, atol=1e-4, what=f"{what} vs the trained model here",
                 hint=HINT_GPT)


@grader(points=1)
def test_minigpt_gradients_reach_every_parameter(student, rng):
    """Random weights (drawn here, set by the learner's own load_state_dict); the gradient of
    sum(logits · G) with respect to every parameter, taken in the child by torch.func.vjp over
    torch.func.functional_call(<the learner's model>, params, (idx,)), against autograd on the
    MiniGPT here with the same weights (rtol 1e-4): nothing detached, every layer trained."""
    chars, ids = _corpus_ids()
    model, here, mapping, state = _gpt_pair(student, rng)
    values = _random_values(here, rng)
    _load_both(student, model, here, mapping, state, values)
    idx = ids[100:124].view(2, 12)
    G = torch.from_numpy(rng.standard_normal((2, 12, len(chars))).astype(np.float32))
    params = {name: values[mapping[name]] for name in mapping}
    f = student.call("functools:partial", student.get("torch.func:functional_call"), model,
                     args=(idx,))
    hint = tr("forward에서 .detach()나 torch.no_grad()를 쓰지 마세요; 모든 층을 nn.Module 속성이나 "
              "nn.ModuleList에 두세요",
              "no .detach() or torch.no_grad() in forward; keep every layer in an nn.Module "
              "attribute or an nn.ModuleList")
    result = student.call("torch.func:vjp", f, params)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise failure("torch.func.vjp(functional_call(MiniGPT, params, (idx,)), params)",
                      "(logits, vjp_fn)", repr(result)[:80], hint)
    logits, vjp_fn = result
    here.zero_grad()
    expected_logits = here(idx)
    (expected_logits * G).sum().backward()
    what = "MiniGPT(73, 32, 2, 4, 64) with random weights"
    assert_close(logits, expected_logits.detach(), rtol=1e-4, atol=1e-4,
                 what=f"{what}: logits under torch.func", hint=HINT_GPT)
    grads = vjp_fn(G)
    grads = grads[0] if isinstance(grads, (tuple, list)) and len(grads) == 1 else grads
    if not isinstance(grads, dict):
        raise failure(f"{what}: gradients", "a dict of tensors", repr(grads)[:80], hint)
    here_params = dict(here.named_parameters())
    for name in sorted(params):
        want = here_params[mapping[name]].grad
        got = grads.get(name)
        if got is None or want is None:
            raise failure(f"{what}: d sum(logits · G) / d {name}", "a gradient tensor",
                          repr(got)[:60], hint)
        assert_close(got, want, rtol=1e-4, atol=1e-5,
                     what=f"{what}: d sum(logits · G) / d {name}", hint=hint)


@grader(points=2)
def test_generate_is_reproducible(student, rng):
    """generate on MiniGPT(30, 32, 2, 4, max_len=16), 5 given + 20 new tokens (more than max_len):
    the same generator seed twice, another seed, a nearly greedy temperature, and the whole loop
    replayed here from the learner's own forward (model(idx[:, -16:]) through the handle, the
    last position's logits / temperature, softmax, torch.multinomial with a generator seeded
    alike here)."""
    student.call("torch:manual_seed", 1)
    model = student.call(f"{MODULE}:MiniGPT", 30, d_model=32, n_layers=2, n_heads=4, max_len=16)
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
                      "samples"), tr("같음", "identical"), hint)
    cold_a, cold_b = gen(1, temperature=1e-4), gen(2, temperature=1e-4)
    assert_close(cold_b, cold_a, rtol=0, atol=0,
                 what="generate(..., temperature=1e-4) with two generator seeds (nearly greedy)",
                 hint=tr("로짓을 temperature로 나눈 뒤 softmax하세요",
                         "divide the logits by temperature before the softmax"))
    # the loop itself, replayed here from the learner's forward and the same seed
    got = gen(3, temperature=0.8)
    g_here = torch.Generator().manual_seed(3)
    seq = idx.clone()
    for _ in range(20):
        logits = model(seq[:, -16:]).detach()[:, -1, :] / 0.8
        seq = torch.cat([seq, torch.multinomial(torch.softmax(logits, dim=-1), 1,
                                                generator=g_here)], dim=1)
    assert_close(got, seq, rtol=0, atol=0,
                 what="generate(idx (2, 5), 20, temperature=0.8, generator seeded 3) vs the loop "
                      "replayed here from your forward", hint=tr(
                          "한 토큰씩: 마지막 max_len 토큰으로 forward, 마지막 위치의 로짓 / temperature, "
                          "softmax, torch.multinomial(probs, 1, generator=generator), 이어 붙이기",
                          "one token at a time: forward on the last max_len tokens, the last "
                          "position's logits / temperature, softmax, torch.multinomial(probs, 1, "
                          "generator=generator), append"))


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
    got = student.call(f"{MODULE}:bert_param_count", **config)
    expected = reference.call(f"{MODULE}:bert_param_count", **config)
    if got != expected:
        shown = ", ".join(f"{k}={v}" for k, v in config.items()) or "defaults"
        raise failure(f"bert_param_count({shown})", f"{expected:,}", f"{got!r}", tr(
            "임베딩(단어·위치·타입 + LayerNorm) + 층마다(Q·K·V·출력 Linear, LayerNorm, "
            "FFN 두 Linear, LayerNorm) + 풀러(Linear h→h); 모든 Linear에 bias",
            "embeddings (word, position, type + LayerNorm) + per layer (Q, K, V, output Linear, "
            "LayerNorm, two FFN Linear, LayerNorm) + the pooler (Linear h→h); every Linear has "
            "a bias"))
