"""The answer key's bert_param_count equals transformers.BertModel's parameter count.

The ch06 grader compares a learner's bert_param_count with the reference formula over several
configs; this test proves the formula itself against transformers (skipped only where transformers
is not installed).
"""

from __future__ import annotations

import pytest

CONFIGS = [
    {},
    {"vocab_size": 1000, "hidden": 64, "layers": 2, "heads": 4, "intermediate": 256,
     "max_position": 128, "type_vocab": 2},
    {"vocab_size": 3200, "hidden": 96, "layers": 3, "heads": 6, "intermediate": 200,
     "max_position": 512, "type_vocab": 1},
]


@pytest.mark.parametrize("config", CONFIGS, ids=["bert-base", "tiny", "no-types"])
def test_bert_param_count_matches_transformers(config):
    transformers = pytest.importorskip("transformers")
    from dldrill.paths import solutions_root
    from dldrill.sandbox.api import reference_importer

    module = reference_importer(solutions_root())("ch06.transformer")
    got = module.bert_param_count(**config)
    names = {"vocab_size": "vocab_size", "hidden": "hidden_size", "layers": "num_hidden_layers",
             "heads": "num_attention_heads", "intermediate": "intermediate_size",
             "max_position": "max_position_embeddings", "type_vocab": "type_vocab_size"}
    cfg = transformers.BertConfig(**{names[k]: v for k, v in config.items()})
    model = transformers.BertModel(cfg)
    assert got == sum(p.numel() for p in model.parameters())
    if not config:
        assert got == 109_482_240


