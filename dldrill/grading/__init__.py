"""What a grader module imports: the `grader` marker, shared checks, bilingual hints.

    from dldrill.grading import grader, assert_close, tr

    @grader("perceptron-activation", points=2)
    def test_softmax_rows_sum_to_one(student, reference, rng):
        x = rng.standard_normal((4, 10))
        got = student.call("ch01.activations:softmax", x)
        assert_close(got, reference.call("ch01.activations:softmax", x),
                     hint=tr("행마다 합이 1이 되도록 exp를 정규화하세요", "normalize exp by its row sum"))

`student` runs the learner's code (sandboxed unless `--inprocess`); `reference` runs the
solutions in this trusted process. Expected values and labels stay here; only inputs cross.
"""

from __future__ import annotations

from typing import Any

import pytest

from dldrill.errors import GradingFailure, StudentError, SubmissionError, TodoError
from dldrill.grading.checks import (
    assert_close,
    assert_dtype,
    assert_raises,
    assert_shape,
    check_gradient,
    describe,
    failure,
    numerical_gradient,
    relative_error,
    time_budget,
    to_numpy,
)
from dldrill.i18n import Text, tr
from dldrill.sandbox.api import Remote, Submission, type_name

__all__ = [
    "GradingFailure", "Remote", "StudentError", "Submission", "SubmissionError", "Text",
    "TodoError", "assert_close", "assert_dtype", "assert_raises", "assert_shape",
    "check_gradient", "describe", "failure", "grader", "needs", "numerical_gradient",
    "relative_error", "time_budget", "to_numpy", "tr", "type_name",
]


def grader(item: str | None, points: float = 1, *, module: str | None = None) -> Any:
    """Marks a grader test: the checklist item it counts toward (None: chapter only), its points.

    `module` defaults to the test file's name without `test_` (graders/ch01/test_losses.py ->
    losses).
    """
    return pytest.mark.grader(item=item, points=points, module=module)


def needs(resource: str, command: str = "") -> Any:
    """A test that needs a resource this machine may lack ("cuda", "data:mnist", ...).

    Where it is missing the test is skipped as "not verifiable here", with `command`, the way to
    make it verifiable; never passed, never silently failed.
    """
    return pytest.mark.needs(resource=resource, command=command)
