"""Visible tests for ch06.transformer — run them with `pytest exercises/ch06`.

The hidden graders also compare your block with a pre-LN block given the same weights and train
MiniGPT on a small character corpus.
"""

import torch

from dldrill.grading import assert_close, tr

from ch06.transformer import MiniGPT, TransformerBlock, bert_param_count


def test_block_shape():
    block = TransformerBlock(16, 4, 32, dropout=0.0)
    assert block(torch.randn(2, 5, 16)).shape == (2, 5, 16)


def test_minigpt_is_causal():
    torch.manual_seed(0)
    model = MiniGPT(20, d_model=16, n_layers=1, n_heads=2, max_len=8).eval()
    idx = torch.randint(20, (1, 6))
    idx2 = idx.clone()
    idx2[0, 4] = (idx2[0, 4] + 1) % 20
    with torch.no_grad():
        a, b = model(idx), model(idx2)
    assert a.shape == (1, 6, 20)
    assert_close(a[:, :4], b[:, :4], atol=1e-6,
                 hint=tr("인과 마스크: 뒤 토큰이 바뀌어도 앞 위치의 출력은 같아야 합니다",
                         "causal mask: later tokens must not change earlier positions' outputs"))


def test_generate_length_and_reproducibility():
    torch.manual_seed(0)
    model = MiniGPT(20, d_model=16, n_layers=1, n_heads=2, max_len=8).eval()
    idx = torch.zeros(1, 3, dtype=torch.long)
    a = model.generate(idx, 10, generator=torch.Generator().manual_seed(1))
    b = model.generate(idx, 10, generator=torch.Generator().manual_seed(1))
    assert a.shape == (1, 13) and torch.equal(a, b)


def test_bert_base_param_count():
    assert bert_param_count() == 109_482_240
