"""Generic helpers that graders run *inside* the submission's process (`student.call(...)`).

They build plain-torch pieces (models, loaders, optimizers, spies) and copy state out, and they
return raw data only: every decision is made by the grader in its own process, because a
submission can patch anything in its own. Helpers that do an exercise's kind of work (train, run
a forward pass without a graph, take gradients) are `@grader_only`: the submission's code cannot
call them. This is the only part of `dldrill` (with `sandbox/` and a few plain modules) that the
child may import.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def grader_only(fn: F) -> F:
    """For child-side helpers that do an exercise's kind of work (a training loop, a no-grad
    forward, autograd gradients): callable through the grader's requests only, never from the
    submission's own code, so they cannot stand in for what a learner must write.

    In the sandbox child the direct caller must be the dispatcher; in the grader process (where
    `dldrill.sandbox.child` is never imported) the grader may call them directly.
    """

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if "dldrill.sandbox.child" in sys.modules:
            from dldrill.sandbox.dispatch import Dispatcher

            if sys._getframe(1).f_code is not Dispatcher._run.__code__:
                raise PermissionError(f"dldrill.childkit.{fn.__module__.rsplit('.', 1)[-1]}."
                                      f"{fn.__name__} is for the graders, not for submissions")
        return fn(*args, **kwargs)

    return guarded  # type: ignore[return-value]
