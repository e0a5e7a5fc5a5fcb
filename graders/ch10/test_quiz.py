"""Graders for ch10.quiz: one point per question (interview-qa for i01-i12, bert-gpt for b1-b4).

The answer key is kept here as salted hashes only, sha256(SALT + question id + letter), so that
no file of the kit shows an answer in plain text; a learner's letter is hashed the same way and
compared. Letters are compared after `strip().lower()`; the format test wants lowercase a-d for
exactly the quiz's question ids.
"""

import hashlib

import pytest

from dldrill.grading import failure, grader, tr

SALT = "dldrill/ch10/quiz/7f3c1a"
KEY = {
    "i01": "00e35bf4a30154e05db46c7ece2b2bbe20a640179a5d74537daac27c72b4fed0",
    "i02": "c97dec209db706926a844dad76518f9179a83a347682ce8fd80333c2c3051c25",
    "i03": "0cc9091a113317fcc6598a1fbe6a900c3a51feb5c2250dfe0bc6a2b86a84ee93",
    "i04": "0635c46a09a88f433f746f51cdc6a71fd6b8f225fc6569933cd332fcc7eda8cf",
    "i05": "a042a08c3fca18e1a77bfddf12918f92501ed637787bada1618690f7b2b8ca63",
    "i06": "a9b2907812c8f0420924a2b5b77a765f8f3ef9ba7ed3a47f55cdcb9e241f8005",
    "i07": "fcdfbe4575f4701d17a13b8d2b7cafb448a2fbc87eeb59a8fcff98ab1cd9a786",
    "i08": "91de05ca90eba0f8f30df013247539c5521280a448b727595eb7ca87bcbc22c1",
    "i09": "fe31d4a50dba1c8149709b945b195718ddace83940ac6653db9244cdc5819ec6",
    "i10": "20e3337d150d5eeac3f857a938de3df80535964ce204400c1d2641bfdc4dd97b",
    "i11": "8d39964f3e0f3bed71354c757e1c97b5f2a325f0ae980aa4425e4ce19b11f030",
    "i12": "c53614f38cc8742cd3cf80e588911a4989777d7f9c6d7d716345f350f9d14eea",
    "b1": "1e7bf726e51e97678dc585ef69749dfa2763b1889cf3f93036d17db9944aa91a",
    "b2": "9e6f119e4d164101deb5ff035391e7fe35524785fb656b9b91c6e3dad4baee83",
    "b3": "7b19fafdafd30013e77f0e1f59c22682068622155b03f35ed1b625858b827629",
    "b4": "808864e815f4c6c482178855745c9128a1345ffc3d5893177e70164d8f4ba269",
}
INTERVIEW = [q for q in KEY if q.startswith("i")]
BERT_GPT = [q for q in KEY if q.startswith("b")]
TARGET = "ch10.quiz:ANSWERS"


def _answers(student) -> dict:
    answers = student.get(TARGET)
    if not isinstance(answers, dict):
        raise failure("ch10.quiz.ANSWERS", tr("dict {질문 id: 'a'..'d'}", "a dict {question id: 'a'..'d'}"),
                      repr(answers)[:80], tr('ANSWERS = {"i01": "<a-d>", ...} 형태로 적으세요',
                                             'write ANSWERS = {"i01": "<a-d>", ...}'))
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
