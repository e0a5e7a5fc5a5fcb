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
    Hint,
    assert_close,
    assert_dtype,
    assert_raises,
    assert_shape,
    check_gradient,
    describe,
    failure,
    numerical_gradient,
    relative_error,
    to_numpy,
)
from dldrill.grading.source import assert_by_hand
from dldrill.grading.structure import align_weights, load_by_execution
from dldrill.i18n import Text, tr
from dldrill.sandbox.api import Remote, Submission, type_name
from dldrill.sandbox.arrays import adapter_of

__all__ = [
    "GradingFailure",
    "Remote",
    "StudentError",
    "Submission",
    "SubmissionError",
    "Text",
    "TodoError",
    "align_weights",
    "assert_by_hand",
    "assert_close",
    "assert_dtype",
    "assert_raises",
    "assert_shape",
    "check_gradient",
    "compare",
    "describe",
    "failure",
    "grader",
    "load_by_execution",
    "needs",
    "numerical_gradient",
    "relative_error",
    "to_numpy",
    "tr",
    "type_name",
]


AUTO = "auto"


def grader(item: str | None = AUTO, points: float = 1, *, module: str | None = None,
           framework: str | None = None) -> Any:
    """Marks a grader test: the checklist item it counts toward, and its points.

    `item` defaults to the one checklist item the module maps to in `dldrill.curriculum` (None:
    the chapter's progress only; name it when several items map). `module` defaults to the test
    file's name without `test_` (graders/ch01/test_losses.py -> losses). `framework` overrides
    the sandbox child the test needs (default: the curriculum's for the module).
    """
    return pytest.mark.grader(item=item, points=points, module=module, framework=framework)


def compare(student: Submission, reference: Submission, target: str, /, *args: Any,
            rtol: float = 1e-5, atol: float = 1e-8, what: str | None = None, hint: Hint = None,
            check_dtype: bool = False, **kwargs: Any) -> tuple[Any, Any]:
    """Calls `target` on both sides with the same arguments and `assert_close`s the results.

    Returns (got, expected) for further checks. `what` defaults to the call, e.g.
    `softmax(ndarray (4, 10) float64)`.
    """
    got = student.call(target, *args, **kwargs)
    expected = reference.call(target, *args, **kwargs)
    if what is None:
        shown = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
        what = f"{target.rpartition(':')[2]}({', '.join(shown)})"
    sizes = tuple(int(n) for a in (*args, *kwargs.values()) if adapter_of(a) is not None
                  for n in a.shape)  # arrays only: a handle's attributes would run in the child
    assert_close(got, expected, rtol=rtol, atol=atol, what=what, hint=hint,
                 check_dtype=check_dtype, sizes=sizes)
    return got, expected


def needs(resource: str, command: str = "") -> Any:
    """A test that needs a resource this machine may lack ("cuda", "data:mnist", ...).

    Where it is missing the test is skipped as "not verifiable here", with `command`, the way to
    make it verifiable; never passed, never silently failed.
    """
    return pytest.mark.needs(resource=resource, command=command)
