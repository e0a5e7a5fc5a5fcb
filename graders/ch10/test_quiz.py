"""Graders for ch10.quiz: one point per question (interview-qa for i01-i12, bert-gpt for b1-b4).

The answer key is kept here as salted hashes only, sha256(SALT + question id + letter), so that
no file of the kit shows an answer in plain text; a learner's letter is hashed the same way and
compared. Letters are compared after `strip().lower()`; the format test wants lowercase a-d for
exactly the quiz's question ids.

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- quiz: every answer one option off (answers copied against the wrong question order)
  (test_bert_gpt_answer, test_interview_answer; ch10_quiz_all_shifted)
- quiz: BERT's attention taken as left-only (causal), GPT's direction (test_bert_gpt_answer;
  ch10_quiz_bert_left_only)
- quiz: PyTorch's Dropout taken to scale by (1-p) at inference (the classic form, not inverted
  dropout) (test_interview_answer; ch10_quiz_dropout_classic)
- quiz: the LR finder's pick taken as the lr of the lowest loss (test_interview_answer;
  ch10_quiz_lr_at_minimum)
- quiz: answers written as uppercase letters ('C'): the right options, the wrong format
  (test_answers_cover_every_question; ch10_quiz_uppercase)
"""

import hashlib

import pytest

from dldrill.grading import failure, grader, tr

SALT = "dldrill/ch10/quiz/7f3c1a"
KEY = {
    "i01": "8457593dc99968bc8eb97ce07d18d22dc4bb40ef1b3b50349628a7f31864c08b",
    "i02": "7dba5444a1014508e3cac3670be709042714cdebe1600576359b68378cd88380",
    "i03": "df025be93df0cad135a9d9ac0d43ef9b675782435c66272800170b2c98dd328b",
    "i04": "0635c46a09a88f433f746f51cdc6a71fd6b8f225fc6569933cd332fcc7eda8cf",
    "i05": "a042a08c3fca18e1a77bfddf12918f92501ed637787bada1618690f7b2b8ca63",
    "i06": "a9b2907812c8f0420924a2b5b77a765f8f3ef9ba7ed3a47f55cdcb9e241f8005",
    "i07": "fcdfbe4575f4701d17a13b8d2b7cafb448a2fbc87eeb59a8fcff98ab1cd9a786",
    "i08": "91de05ca90eba0f8f30df013247539c5521280a448b727595eb7ca87bcbc22c1",
    "i09": "b14d7090d5854157eb965d2a54cf58c6b95c08d88d3dcdd94d5297c7ed1431ba",
    "i10": "20e3337d150d5eeac3f857a938de3df80535964ce204400c1d2641bfdc4dd97b",
    "i11": "8d39964f3e0f3bed71354c757e1c97b5f2a325f0ae980aa4425e4ce19b11f030",
    "i12": "c53614f38cc8742cd3cf80e588911a4989777d7f9c6d7d716345f350f9d14eea",
    "b1": "5f5d6d9dca2389fd3c59cbb41e949bb27b534d6163ec455bb2b50dd3c7554c3c",
    "b2": "4b79d092ab35757885ceaa7a82a2151571af42cf3905de104ff8b42dd61ba602",
    "b3": "9c3274be26a4c67c08c5ac65fe7896b5803ccf2efe13c8b122a755795bd895bc",
    "b4": "c7d9297110b81b8ab6c75635359bf7d305398ecab6a401183d7af3ef5bca14a4",
}
INTERVIEW = [q for q in KEY if q.startswith("i")]
BERT_GPT = [q for q in KEY if q.startswith("b")]
TARGET = "ch10.quiz:ANSWERS"


def _answers(student) -> dict:
    answers = student.get(TARGET)
    if not isinstance(answers, dict):
        raise failure("ch10.quiz.ANSWERS", tr("dict {질문 id: 'a'..'d'}", "a dict {question id: 'a'..'d'}"),
                      repr(answers)[:80], tr('ANSWERS = {"i01": "c", ...} 형태로 적으세요',
                                             'write ANSWERS = {"i01": "c", ...}'))
    return answers


def _check(student, qid: str) -> None:
    answers = _answers(student)
    if qid not in answers:
        raise failure(f"ANSWERS[{qid!r}]", tr("a, b, c, d 중 하나", "one of a, b, c, d"),
                      tr("답이 없습니다", "no answer"),
                      tr(f"python -m ch10.quiz로 문제 {qid}을(를) 확인하세요",
                         f"see question {qid} with python -m ch10.quiz"))
    letter = str(answers[qid]).strip().lower()
    if hashlib.sha256((SALT + qid + letter).encode()).hexdigest() != KEY[qid]:
        raise failure(f"ANSWERS[{qid!r}]", tr("정답", "the right option"), repr(answers[qid])[:20],
                      tr(f"문제 {qid}을(를) 커리큘럼(10장, 6-2)과 ch10.qa의 코드로 다시 확인해 보세요",
                         f"check question {qid} again against the curriculum (chapter 10, 6-2) "
                         f"and what ch10.qa's code shows"))


@grader("interview-qa", points=1)
def test_answers_cover_every_question(student, reference):
    """Exactly the quiz's question ids, each a lowercase letter a-d."""
    assert sorted(reference.get("ch10.quiz:QUESTIONS")) == sorted(KEY)  # the key fits the quiz
    answers = _answers(student)
    hint = tr("QUESTIONS의 id마다 'a', 'b', 'c', 'd' 중 하나를 소문자로",
              "one lowercase letter 'a', 'b', 'c' or 'd' for every id in QUESTIONS")
    if sorted(answers) != sorted(KEY):
        missing = sorted(set(KEY) - set(answers))
        extra = sorted(set(answers) - set(KEY), key=str)
        raise failure("ANSWERS.keys()", str(sorted(KEY)),
                      f"missing {missing}, unknown {extra}", hint)
    bad = {k: v for k, v in answers.items() if v not in ("a", "b", "c", "d")}
    if bad:
        raise failure("ANSWERS values", "'a', 'b', 'c' or 'd'", repr(bad)[:120], hint)


@pytest.mark.parametrize("qid", INTERVIEW)
@grader("interview-qa", points=1)
def test_interview_answer(student, qid):
    _check(student, qid)


@pytest.mark.parametrize("qid", BERT_GPT)
@grader("bert-gpt", points=1)
def test_bert_gpt_answer(student, qid):
    _check(student, qid)
