"""Visible tests for ch05.text — run them with `pytest exercises/ch05`.

The hidden graders also check min_freq, max_size (the two reserved entries included), word-level
tokens and truncation of long texts.
"""

from ch05.text import build_vocab, encode


def test_build_vocab_reserves_pad_and_unk():
    vocab = build_vocab(["좋다 좋아", "좋다"])  # 좋 ×3, 다 ×2, 아 ×1
    assert vocab["<pad>"] == 0 and vocab["<unk>"] == 1
    assert vocab["좋"] == 2 and vocab["다"] == 3 and vocab["아"] == 4  # by frequency


def test_encode_example_from_the_docstring():
    vocab = {"<pad>": 0, "<unk>": 1, "좋": 2, "다": 3}
    assert encode("좋았다", vocab, 5) == [2, 1, 3, 0, 0]
