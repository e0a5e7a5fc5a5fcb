"""Exceptions that carry a grading outcome: TODO, a failure in the learner's code, a timeout...

Each one has a one-line `reason` (what the report and the gradebook show) and, where it helps,
`details` (the learner's own traceback, as text). The pytest plugin turns them into outcomes:
`TodoError` -> TODO, every other `SubmissionError` or `GradingFailure` -> failed, with no
traceback from the kit itself.
"""

from __future__ import annotations

import builtins
import re

from dldrill.curriculum import CHAPTERS
from dldrill.i18n import EXPECTED, GOT, HINT, Text, clean_text, render, tr

_IDS = "|".join(CHAPTERS)
TODO_RE = re.compile(rf"TODO\(((?:{_IDS})(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\)")


def todo_tag(message: str) -> str | None:
    """The `chNN.module.name` tag of a stub's NotImplementedError message, if any."""
    m = TODO_RE.search(message or "")
    return m.group(1) if m else None


def is_todo(exc: BaseException | None) -> bool:
    """True for an untouched stub: a NotImplementedError with a TODO(...) tag, here or chained."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, TodoError):
            return True
        if isinstance(exc, NotImplementedError) and todo_tag(str(exc)):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class GradingFailure(AssertionError):
    """A grader's check failed; the message is already formatted for the learner.

    `what` (the call or value checked), `expected`, `got` and `hint` are kept as plain text too,
    for the report's JSON and the gradebook.
    """

    def __init__(self, message: str, reason: str | None = None, *, what: str = "",
                 expected: str = "", got: str = "", hint: str = ""):
        super().__init__(message)
        self.reason = reason or message.strip().splitlines()[0]
        self.what, self.expected, self.got, self.hint = what, expected, got, hint


def failure(what: Text | str, expected: Text | str, got: Text | str, hint: Text | str | None = None,
            extra: list[Text | str] | None = None) -> GradingFailure:
    """The one message format: `[what]`, expected, got, (details), hint. Any part may be a
    bilingual `tr(ko, en)` text; raise what this returns."""
    what, expected, got = render(what), render(expected), render(got)
    lines = [f"[{what}]", f"  {render(EXPECTED)}: {expected}", f"  {render(GOT)}: {got}"]
    lines += [f"  {render(line)}" for line in extra or []]
    if hint:
        lines.append(f"  {render(HINT)}: {render(hint)}")
    reason = f"{what}: {render(EXPECTED)} {expected}, {render(GOT)} {got}"
    return GradingFailure("\n".join(lines), reason=reason, what=what, expected=expected, got=got,
                          hint=render(hint))


class SubmissionError(Exception):
    """The submission could not produce a result (it raised, hung, crashed or ran out of time)."""

    def __init__(self, reason: Text | str, details: str = ""):
        self.reason_text = reason
        self.details = details
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        return render(self.reason_text)

    def __str__(self) -> str:
        return self.reason + (("\n" + self.details) if self.details else "")


class StudentError(SubmissionError):
    """The learner's code raised. `type_name`/`mro` name the exception as the child saw it."""

    def __init__(self, type_name: str, message: str, mro: list[str], details: str = "",
                 where: str = ""):
        # Everything here came from the submission: encodable, no control characters.
        self.type_name = clean_text(type_name)[:200]
        self.message = clean_text(message)
        self.mro = [clean_text(m)[:200] for m in mro[:64]]
        self.where = clean_text(where)[:300]
        details = clean_text(details)
        type_name, message, where = self.type_name, self.message, self.where
        loc = f"{where}: " if where else ""
        first = message.strip().splitlines()[0] if message.strip() else ""
        super().__init__(f"{loc}{type_name}: {first}" if first else f"{loc}{type_name}", details)

    def builtin(self) -> type[BaseException] | None:
        """The built-in exception class the learner's exception is judged as: the first built-in
        name in the class order the child reported. A class that derives from several built-in
        exceptions (`class E(ValueError, TypeError, KeyError)`) counts as the first one only, so
        one exception raised everywhere cannot pass every documented error path."""
        for name in self.mro:
            cls = getattr(builtins, name, None)
            if isinstance(cls, type) and issubclass(cls, BaseException):
                return cls
        return None

    def is_a(self, name_or_type: str | type[BaseException]) -> bool:
        """Whether the learner's exception counts as (a subclass of) the named built-in exception,
        judged here with the grader's own classes (see `builtin`)."""
        wanted = getattr(builtins, name_or_type, None) if isinstance(name_or_type, str) else name_or_type
        if not (isinstance(wanted, type) and issubclass(wanted, BaseException)):
            return False
        first = self.builtin()
        return first is not None and issubclass(first, wanted)


class TodoError(StudentError, NotImplementedError):
    """The learner has not written this part yet (the stub's TODO is still there)."""

    def __init__(self, tag: str, details: str = ""):
        self.tag = tag
        super().__init__("NotImplementedError", f"TODO({tag})",
                         ["NotImplementedError", "RuntimeError", "Exception"], details)


class SubmissionTimeout(SubmissionError):
    """A call ran out of time: `kind` "cpu" (used more than `seconds` CPU-seconds) or "stall"
    (made no progress for `seconds` of wall clock: sleeping, blocked, waiting for input)."""

    def __init__(self, seconds: float, what: str = "", details: str = "", *, kind: str = "cpu"):
        self.seconds = seconds
        self.kind = kind
        self.what = what
        what = f" ({what})" if what else ""
        if kind == "cpu":
            text = tr(f"CPU 시간 {seconds:g}초를 넘게 썼습니다{what} — 무한 루프나 필요보다 훨씬 "
                      "많은 반복이 없는지 확인하세요",
                      f"used more than {seconds:g} CPU-seconds{what} — look for an infinite loop "
                      "or far more iterations than needed")
        else:
            text = tr(f"{seconds:g}초 동안 진전이 없었습니다{what} — sleep, input(), 무언가를 "
                      "기다리며 멈춘 코드가 없는지 확인하세요",
                      f"made no progress for {seconds:g} s{what} — is it sleeping, waiting for "
                      "input or blocked?")
        super().__init__(text, details)


class SubmissionCrashed(SubmissionError):
    def __init__(self, how: str, details: str = ""):
        super().__init__(
            tr(f"제출 코드의 프로세스가 비정상 종료되었습니다 ({how})",
               f"the submission's process died ({how})"),
            details,
        )


class BudgetExceeded(SubmissionError):
    def __init__(self, seconds: float):
        super().__init__(
            tr(f"이 제출물의 전체 시간 예산 {seconds:g}초를 모두 썼습니다; 남은 채점은 건너뜁니다",
               f"the submission used up its total time budget of {seconds:g} s; "
               "the remaining checks were not run")
        )


class StaleHandle(SubmissionError):
    def __init__(self) -> None:
        super().__init__(
            tr("이 객체는 이전 실행(시간 초과/비정상 종료로 재시작됨)에 있던 것이라 더 쓸 수 없습니다",
               "this object lived in a run of the submission that was restarted after a "
               "timeout or crash; it is gone")
        )
