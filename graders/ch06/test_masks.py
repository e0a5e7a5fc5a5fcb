"""Graders for ch06.masks (checklist: bert-gpt).

The MLM rates are measured on 200 × 400 = 80,000 tokens (about 12,000 chosen): chosen fraction
0.15 ± 0.01 of the non-special tokens, and among the chosen 0.80 / 0.10 / 0.10 ± 0.02 for [MASK],
random and unchanged (a random draw that equals the original counts as unchanged: expected
0.10 + 0.10 / vocab).

Nothing of the kit runs in the child: to see that input_ids is left unchanged, the tensor lives
there in a types.SimpleNamespace and mlm_mask runs on it through functools.partial and
builtins.map; the tensor is read back afterwards.
"""

import pytest
import torch

from dldrill.grading import assert_close, assert_dtype, assert_shape, failure, grader, tr

MODULE = "ch06.masks"
VOCAB, MASK_ID, SPECIAL = 1000, 4, (0, 1, 2)


def _gen(sub, seed: int):
    g = sub.call("torch:Generator")
    g.manual_seed(seed)
    return g


def _ids(rng, shape=(200, 400)) -> torch.Tensor:
    ids = torch.from_numpy(rng.integers(5, VOCAB, size=shape)).long()
    ids[:, 0] = 1           # [CLS]
    ids[:, -1] = 2          # [SEP]
    ids[: shape[0] // 2, -40:-1] = 0   # [PAD] on half the rows
    return ids


def _pair(value, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise failure(what, "(inputs, labels)", repr(value)[:100],
                      tr("(inputs, labels) 두 텐서를 돌려주세요", "return two tensors (inputs, labels)"))
    return tuple(value)


def _mlm(student, ids, seed=0, **kw):
    what = "mlm_mask(input_ids (200, 400), mask_token_id=4, vocab_size=1000, special_ids=(0, 1, 2))"
    inputs, labels = _pair(student.call(f"{MODULE}:mlm_mask", ids, MASK_ID, VOCAB,
                                        special_ids=SPECIAL, generator=_gen(student, seed), **kw),
                           what)
    for name, t in (("inputs", inputs), ("labels", labels)):
        assert_shape(t, tuple(ids.shape), f"{what}: {name}")
        assert_dtype(t, torch.int64, f"{what}: {name}")
    return inputs, labels, what


@pytest.mark.parametrize("T", [1, 5])
@grader(points=1)
def test_causal_mask(student, T):
    got = student.call(f"{MODULE}:causal_mask", T)
    expected = torch.tril(torch.ones(T, T, dtype=torch.bool))
    hint = tr("torch.tril(torch.ones(T, T, dtype=torch.bool)) — 대각선(자기 자신)도 True",
              "torch.tril(torch.ones(T, T, dtype=torch.bool)) — the diagonal (itself) is True")
    assert_dtype(got, torch.bool, f"causal_mask({T})", hint)
    assert_close(got, expected, rtol=0, atol=0, what=f"causal_mask({T})", hint=hint)


@grader(points=1)
def test_padding_mask(student):
    hint = tr("torch.arange(T)[None, :] < lengths[:, None] (실제 토큰이 True)",
              "torch.arange(T)[None, :] < lengths[:, None] (True at real tokens)")
    for lengths in ([3, 5, 1], torch.tensor([2, 0, 6, 6])):
        got = student.call(f"{MODULE}:padding_mask", lengths, 6)
        expected = torch.arange(6)[None, :] < torch.as_tensor(lengths)[:, None]
        shown = lengths if isinstance(lengths, list) else f"tensor({lengths.tolist()})"
        what = f"padding_mask({shown}, 6)"
        assert_dtype(got, torch.bool, what, hint)
        assert_close(got, expected, rtol=0, atol=0, what=what, hint=hint)


@grader(points=2)
def test_mlm_rates_80_10_10(student, rng):
    ids = _ids(rng)
    inputs, labels, what = _mlm(student, ids)
    eligible = ~torch.isin(ids, torch.tensor(SPECIAL))
    chosen = labels != -100
    rate = float(chosen[eligible].float().mean())
    if not 0.14 <= rate <= 0.16:
        raise failure(f"{what}: fraction of non-special tokens chosen (labels != -100)",
                      "0.15 ± 0.01", f"{rate:.4f}",
                      tr("각 토큰을 mask_prob 확률로 고르세요",
                         "choose each token with probability mask_prob"))
    n = int(chosen.sum())
    masked = float((inputs[chosen] == MASK_ID).float().mean())
    same = float((inputs[chosen] == ids[chosen]).float().mean())
    other = 1 - masked - same
    hint = tr("고른 토큰 중 80%는 [MASK], 10%는 무작위 토큰, 10%는 그대로 두세요",
              "of the chosen tokens: 80% [MASK], 10% a random token, 10% unchanged")
    got = f"[MASK] {masked:.3f}, random {other:.3f}, unchanged {same:.3f} (of {n} chosen)"
    if not (0.78 <= masked <= 0.82 and 0.08 <= other <= 0.12 and 0.08 <= same <= 0.12):
        raise failure(f"{what}: what the chosen tokens became", "[MASK] 0.80, random 0.10, "
                      "unchanged 0.10 (± 0.02)", got, hint)
    randoms = inputs[chosen & (inputs != MASK_ID) & (inputs != ids)]
    if randoms.numel() and (int(randoms.min()) < 0 or int(randoms.max()) >= VOCAB
                            or len(torch.unique(randoms)) < 0.5 * min(VOCAB, randoms.numel())):
        raise failure(f"{what}: the random replacement ids", "uniform over [0, 1000)",
                      f"{len(torch.unique(randoms))} distinct ids in [{int(randoms.min())}, "
                      f"{int(randoms.max())}]", tr("torch.randint(vocab_size, ...)로 뽑으세요",
                                                   "draw them with torch.randint(vocab_size, ...)"))


@grader(points=2)
def test_mlm_labels(student, rng):
    ids = _ids(rng)
    inputs, labels, what = _mlm(student, ids, seed=1)
    chosen = labels != -100
    hint = tr("예측할 위치에는 원래 id, 나머지는 -100 (CrossEntropyLoss가 무시)",
              "the original id where a token is predicted, -100 everywhere else "
              "(CrossEntropyLoss ignores it)")
    frac = float(chosen.float().mean())
    if frac > 0.5:
        raise failure(f"{what}: fraction of labels != -100", "about 0.15 × the non-special tokens",
                      f"{frac:.3f}", hint)
    assert_close(labels[chosen], ids[chosen], rtol=0, atol=0,
                 what=f"{what}: labels at the chosen positions", hint=hint)
    assert_close(inputs[~chosen], ids[~chosen], rtol=0, atol=0,
                 what=f"{what}: inputs at positions not chosen (unchanged)",
                 hint=tr("고르지 않은 위치의 입력은 바꾸지 마세요",
                         "leave the positions not chosen unchanged"))
    changed = chosen & (inputs != ids)
    if not bool(changed.any()):
        raise failure(f"{what}: inputs at the chosen positions", tr("대부분 [MASK]나 무작위 id",
                      "mostly [MASK] or a random id"),
                      tr("바뀐 것 없음", "nothing changed"), hint)
    # "any shape works": a 1-D sequence of 3000 ids, no special ids
    flat = torch.from_numpy(rng.integers(5, VOCAB, size=3000)).long()
    what = "mlm_mask(input_ids (3000,) 1-D, mask_token_id=4, vocab_size=1000)"
    f_inputs, f_labels = _pair(student.call(f"{MODULE}:mlm_mask", flat, MASK_ID, VOCAB,
                                            generator=_gen(student, 3)), what)
    shape_hint = tr("input_ids의 shape 그대로 (어떤 shape이든) 처리하세요: input_ids.shape을 쓰세요",
                    "work with input_ids.shape, whatever it is (not a fixed (B, T))")
    for name, t in (("inputs", f_inputs), ("labels", f_labels)):
        assert_shape(t, (3000,), f"{what}: {name}", shape_hint)
    f_chosen = f_labels != -100
    if not 0.12 <= float(f_chosen.float().mean()) <= 0.18:
        raise failure(f"{what}: fraction chosen", "0.15 ± 0.03",
                      f"{float(f_chosen.float().mean()):.3f}", shape_hint)
    assert_close(f_labels[f_chosen], flat[f_chosen], rtol=0, atol=0,
                 what=f"{what}: labels at the chosen positions", hint=hint)
    assert_close(f_inputs[~f_chosen], flat[~f_chosen], rtol=0, atol=0,
                 what=f"{what}: inputs at positions not chosen", hint=hint)


@grader(points=1)
def test_mlm_special_ids_never_chosen(student, rng):
    ids = _ids(rng)
    inputs, labels, what = _mlm(student, ids, seed=2, mask_prob=0.5)
    special = torch.isin(ids, torch.tensor(SPECIAL))
    hint = tr("special_ids 위치의 선택 확률을 0으로 (torch.isin(input_ids, special_ids))",
              "give the special ids probability 0 (torch.isin(input_ids, special_ids))")
    bad_labels = int((labels[special] != -100).sum())
    bad_inputs = int((inputs[special] != ids[special]).sum())
    if bad_labels or bad_inputs:
        raise failure(f"{what} with mask_prob=0.5: special tokens ([CLS] 1, [SEP] 2, [PAD] 0)",
                      tr("절대 선택·변경되지 않음", "never chosen nor changed"),
                      f"{bad_labels} labels != -100, {bad_inputs} inputs changed", hint)


def _lazy_attr(sub, holder, name: str):
    """A one-shot lazy `getattr(holder, name)` inside `sub` (map(getattr, [holder], [name])):
    a map over it hands the learner's function the very object the holder keeps there."""
    return sub.call("builtins:map", sub.get("builtins:getattr"), [holder], [name])


@grader(points=1)
def test_mlm_reproducible_and_input_unchanged(student, rng):
    """input_ids lives in the child (in a types.SimpleNamespace); mlm_mask runs on that very
    tensor through builtins.map and functools.partial (library callables only), and the tensor
    is read back afterwards. Then the same generator seed twice, and another seed."""
    ids = _ids(rng, (20, 50))
    holder = student.call("types:SimpleNamespace", ids=ids.clone())
    call = student.call("functools:partial", student.get(f"{MODULE}:mlm_mask"),
                        mask_token_id=MASK_ID, vocab_size=VOCAB, special_ids=SPECIAL,
                        generator=_gen(student, 5))
    result = student.call("builtins:next", student.call("builtins:map", call,
                                                        _lazy_attr(student, holder, "ids")))
    after = holder.ids
    student.call("torch:manual_seed", 123)
    again = student.call(f"{MODULE}:mlm_mask", ids, MASK_ID, VOCAB, special_ids=SPECIAL,
                         generator=_gen(student, 5))
    what = "mlm_mask(ids, ..., generator=torch.Generator().manual_seed(5)) twice"
    hint = tr("모든 난수 함수(bernoulli, randint)에 generator=generator를 넘기세요",
              "pass generator=generator to every random call (bernoulli, randint)")
    inputs, labels = _pair(result, what)
    assert_close(after, ids, rtol=0, atol=0, what="input_ids after mlm_mask",
                 hint=tr("input_ids.clone()에 작업하세요 (입력을 제자리에서 바꾸지 않기)",
                         "work on input_ids.clone() (do not change the input in place)"))
    again = _pair(again, what)
    assert_close(again[0], inputs, rtol=0, atol=0, what=f"{what}: inputs", hint=hint)
    assert_close(again[1], labels, rtol=0, atol=0, what=f"{what}: labels", hint=hint)
    other = _pair(student.call(f"{MODULE}:mlm_mask", ids, MASK_ID, VOCAB, special_ids=SPECIAL,
                               generator=_gen(student, 6)), what)
    if torch.equal(other[1], labels):
        raise failure("mlm_mask with generator seeds 5 and 6", tr("서로 다른 선택", "different "
                      "choices"), tr("같음", "identical"), hint)
