"""Visible test for ch10.quiz — the format only (the hidden graders hold the key, hashed).

Print the quiz with `python -m ch10.quiz`.
"""


def test_answers_are_letters_for_every_question():
    from ch10.quiz import ANSWERS, QUESTIONS  # here, so that an unanswered quiz shows as TODO

    assert isinstance(ANSWERS, dict)
    assert sorted(ANSWERS) == sorted(QUESTIONS), "one answer per question id"
    assert all(v in ("a", "b", "c", "d") for v in ANSWERS.values()), "lowercase a, b, c or d"
