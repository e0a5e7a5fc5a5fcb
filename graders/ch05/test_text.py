"""Graders for ch05.text (checklist: lstm-seq).
"""

import pytest

from dldrill.grading import failure, grader, tr

MODULE = "ch05.text"

TEXTS = ["정말 재미있다", "재미없다 정말 별로", "정말 좋다 좋다", "별로 재미없다"]
HINT_VOCAB = tr('{"<pad>": 0, "<unk>": 1}로 시작하고, 토큰은 2부터 빈도순 (같은 빈도는 먼저 나온 순서)',
                'start from {"<pad>": 0, "<unk>": 1}; tokens get 2, 3, ... by decreasing count (ties '
                'in order of first appearance)')


def _vocab(value, what):
    if not isinstance(value, dict):
        raise failure(what, "dict token -> id", repr(value)[:100], HINT_VOCAB)
    return value


@grader(points=2)
def test_build_vocab_reserves_pad_and_unk(student, reference):
    for level in ("syllable", "word"):
        what = f"build_vocab({len(TEXTS)} Korean texts, level={level!r})"
        got = _vocab(student.call(f"{MODULE}:build_vocab", TEXTS, level=level), what)
        if got.get("<pad>") != 0 or got.get("<unk>") != 1:
            raise failure(what, '"<pad>" -> 0, "<unk>" -> 1',
                          f'"<pad>" -> {got.get("<pad>")}, "<unk>" -> {got.get("<unk>")}', HINT_VOCAB)
        expected = reference.call(f"{MODULE}:build_vocab", TEXTS, level=level)
        if got != expected:
            raise failure(what, str(expected), str(got), HINT_VOCAB)


@pytest.mark.parametrize("kw", [{"min_freq": 2}, {"max_size": 5}, {"min_freq": 2, "max_size": 4}],
                         ids=["min_freq2", "max_size5", "both"])
@grader(points=1)
def test_build_vocab_orders_by_frequency_and_caps_the_size(student, reference, kw):
    what = f"build_vocab(texts, {', '.join(f'{k}={v}' for k, v in kw.items())}) (syllables)"
    got = _vocab(student.call(f"{MODULE}:build_vocab", TEXTS, **kw), what)
    expected = reference.call(f"{MODULE}:build_vocab", TEXTS, **kw)
    hint = tr("min_freq 이상 등장한 토큰만; max_size는 <pad>, <unk>를 포함한 전체 크기",
              "keep tokens seen at least min_freq times; max_size caps the whole dictionary, "
              "<pad> and <unk> included")
    if got != expected:
        raise failure(what, str(expected), str(got), hint)


@grader(points=2)
def test_encode_unknown_pads_and_truncates(student, reference):
    vocab = reference.call(f"{MODULE}:build_vocab", TEXTS[:2])
    cases = [("정말 재미있다", 10), ("아주 재미있는 영화", 8), ("정말 재미있다 정말 별로", 4), ("", 3)]
    hint = tr("사전에 없는 토큰은 1; 길면 앞쪽 max_len개를 남기고(뒤를 자름), 짧으면 뒤에 0을 채웁니다",
              "unknown tokens -> 1; too long: keep the first max_len tokens (cut the end); too "
              "short: append 0s at the end")
    for text, max_len in cases:
        got = student.call(f"{MODULE}:encode", text, vocab, max_len)
        expected = reference.call(f"{MODULE}:encode", text, vocab, max_len)
        if list(got) != expected:
            raise failure(f"encode({text!r}, vocab, max_len={max_len})", str(expected),
                          str(list(got)), hint)
    student_vocab = _vocab(student.call(f"{MODULE}:build_vocab", TEXTS, level="word"),
                           "build_vocab(texts, level='word')")
    got = student.call(f"{MODULE}:encode", "정말 재미있다 최고", student_vocab, 5, level="word")
    expected = [student_vocab.get("정말"), student_vocab.get("재미있다"), 1, 0, 0]
    if list(got) != expected:
        raise failure("encode('정말 재미있다 최고', your word vocab, 5, level='word')", str(expected),
                      str(list(got)), hint)
