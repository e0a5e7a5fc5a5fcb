"""The API graders use: `student` and `reference` are both `Submission` objects.

    out = student.call("ch01.activations:softmax", x)          # a value (array, float, ...)
    net = student.call("ch01.backprop:TwoLayerNet", 2, 4, 1)   # an object -> a Remote handle
    grads = net.backward(X, y)                                 # methods and attributes work
    model = student.call("torch.nn:Linear", 4, 3)              # library objects built there

Values cross by copy through the codec; objects that cannot be encoded stay on the submission's
side and come back as `Remote` handles. With the sandbox backend the learner's code runs in a
child process; with `--inprocess` (and always for `reference`) it runs here, through the same
code path, so a grader behaves the same in both modes.
"""

from __future__ import annotations

import importlib
import sys
import types
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dldrill.curriculum import is_chapter_module
from dldrill.errors import (
    GradingFailure,
    StaleHandle,
    StudentError,
    SubmissionCrashed,
    SubmissionTimeout,
    TodoError,
    failure,
)
from dldrill.i18n import Text, tr
from dldrill.sandbox.client import DEFAULT_CALL_TIMEOUT
from dldrill.sandbox.codec import Decoder, Encoder

REFERENCE_ALIAS = "dldrill_reference"
MAX_ITEMS = 1 << 20  # items the grader takes from one iteration over a submission's object
IMPORT_TIMEOUT = 20.0


def reference_importer(solutions: Path, alias: str = REFERENCE_ALIAS) -> Any:
    """An import function that maps `chNN.*` onto the solutions folder under a private name."""
    if alias not in sys.modules:
        pkg = types.ModuleType(alias)
        pkg.__path__ = [str(solutions)]
        pkg.__package__ = alias
        sys.modules[alias] = pkg

    def import_module(name: str) -> Any:
        if is_chapter_module(name):
            return importlib.import_module(f"{alias}.{name}")
        return importlib.import_module(name)

    return import_module


def _drop_ref(backend: Any, key: tuple[int, int]) -> None:
    """Releases the object on the other side once no Remote refers to it any more."""
    left = backend.remote_refs.get(key, 0) - 1
    if left > 0:
        backend.remote_refs[key] = left
        return
    backend.remote_refs.pop(key, None)
    backend.pending_release.append(key)


class Remote:
    """An object that lives on the submission's side; attribute access and calls go there."""

    __slots__ = ("__weakref__", "_r_callable", "_r_gen", "_r_id", "_r_sub", "_r_type")

    def __init__(self, sub: Submission, node: dict):
        object.__setattr__(self, "_r_sub", sub)
        object.__setattr__(self, "_r_id", int(node["id"]))
        object.__setattr__(self, "_r_gen", sub.backend.generation)
        object.__setattr__(self, "_r_type", str(node.get("type", "?")))
        object.__setattr__(self, "_r_callable", bool(node.get("callable")))
        key = (self._r_gen, self._r_id)
        refs = sub.backend.remote_refs
        refs[key] = refs.get(key, 0) + 1
        weakref.finalize(self, _drop_ref, sub.backend, key)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.startswith("_r_"):
            raise AttributeError(name)
        return self._r_sub._request("getattr", obj=self, name=name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._r_sub._request("setattr", obj=self, name=name, args=(value,))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._r_sub._request("call", obj=self, args=args, kwargs=kwargs)

    def __iter__(self) -> Iterator[Any]:
        it = self._r_sub._request("iter", obj=self)
        for _ in range(MAX_ITEMS // 64):
            chunk = self._r_sub._request("next", obj=it, n=64)
            if not isinstance(chunk, dict) or not isinstance(chunk.get("items"), list):
                raise SubmissionCrashed("protocol error: a malformed iteration reply")
            yield from chunk["items"]
            if chunk.get("done"):
                return
        raise SubmissionCrashed(f"an iterator that did not end within {MAX_ITEMS} items")

    def __len__(self) -> int:
        try:
            return self._r_sub._request("len", obj=self)
        except StudentError as err:
            if err.is_a("TypeError"):  # lets list(remote) fall back to plain iteration
                raise TypeError(err.message) from None
            raise

    def __getitem__(self, key: Any) -> Any:
        return self._r_sub._request("getitem", obj=self, args=(key,))

    def __repr__(self) -> str:
        return f"<{self._r_sub.label} {self._r_type} #{self._r_id}>"


def type_name(value: Any) -> str:
    """`module.QualName` of a value, looking through a Remote handle."""
    if isinstance(value, Remote):
        return object.__getattribute__(value, "_r_type")
    return f"{type(value).__module__}.{type(value).__qualname__}"


class Submission:
    """One side of grading: the learner's code (`student`) or the answer key (`reference`)."""

    def __init__(self, backend: Any, label: str, *, timeout: float = DEFAULT_CALL_TIMEOUT,
                 forbid_warnings: bool = False, hint: Text | str | None = None):
        self.backend = backend
        self.label = label
        self.timeout = timeout
        self.forbid_warnings = forbid_warnings
        self.hint = hint
        self.last_warnings: list[dict] = []
        self._cpu_deadline: float | None = None  # set inside time_limit: CPU-seconds mark

    # -- configuration ------------------------------------------------------------------------
    def options(self, *, timeout: float | None = None, forbid_warnings: bool | None = None,
                hint: Text | str | None = None) -> Submission:
        """A view of the same submission with other call options."""
        view = Submission(
            self.backend, self.label,
            timeout=self.timeout if timeout is None else timeout,
            forbid_warnings=self.forbid_warnings if forbid_warnings is None else forbid_warnings,
            hint=self.hint if hint is None else hint,
        )
        view._cpu_deadline = self._cpu_deadline
        return view

    @property
    def inprocess(self) -> bool:
        return bool(self.backend.inprocess)

    @contextmanager
    def time_limit(self, seconds: float, what: str = "") -> Iterator[None]:
        """Every call inside may use `seconds` CPU-seconds in all (the child's CPU time, all its
        threads and processes; start-up not counted). Over it: SubmissionTimeout("cpu")."""
        self.backend.ready()
        start = self.backend.cpu_seconds()
        previous, self._cpu_deadline = self._cpu_deadline, start + seconds
        try:
            yield
        except SubmissionTimeout as err:
            if err.kind == "cpu" and self.backend.cpu_seconds() - start >= seconds * 0.98:
                raise SubmissionTimeout(seconds, what, err.details, kind="cpu") from None
            raise  # a call's own shorter limit, or no progress
        finally:
            self._cpu_deadline = previous
        if self.backend.cpu_seconds() - start > seconds:
            raise SubmissionTimeout(seconds, what, kind="cpu")

    def ready(self) -> None:
        self.backend.ready()

    # -- calls --------------------------------------------------------------------------------
    def call(self, target: str, /, *args: Any, **kwargs: Any) -> Any:
        """Calls `"module:qualname"` with the arguments; returns a value or a Remote."""
        return self._request("call", target=target, args=args, kwargs=kwargs)

    new = call

    def get(self, target: str) -> Any:
        """The object `"module:qualname"` itself (a value, or a Remote for functions/classes)."""
        return self._request("get", target=target)

    def _import_once(self, target: str) -> None:
        """Imports a chapter module as its own step, once per child; failures are remembered.

        Code at module level runs on import: a module that hangs or breaks there fails every
        later call at once, with the same reason, instead of costing a timeout per test.
        """
        modname = target.partition(":")[0]
        if not is_chapter_module(modname):
            return
        backend = self.backend
        failures = backend.import_failures
        if modname in failures:
            raise failures[modname]
        imported = backend.imported
        if imported.get(modname) == backend.generation:
            return
        try:
            self._request("import", target=modname, _timeout=min(self.timeout, IMPORT_TIMEOUT))
        except SubmissionTimeout as err:
            failures[modname] = SubmissionTimeout(err.seconds, f"import {modname}", err.details,
                                                  kind=err.kind)
            raise failures[modname] from None
        except TodoError:
            raise
        except StudentError as err:
            failures[modname] = err
            raise
        imported[modname] = backend.generation

    def _on_object(self, value: Any) -> dict:
        if isinstance(value, Remote):
            if object.__getattribute__(value, "_r_sub").backend is not self.backend:
                raise TypeError("a Remote from another submission cannot be passed here")
            if object.__getattribute__(value, "_r_gen") != self.backend.generation:
                raise StaleHandle()
            return {"$": "ref", "id": object.__getattribute__(value, "_r_id")}
        raise TypeError(
            f"cannot send a {type(value).__name__} to the submission; build it there with "
            "student.call('module:Name', ...) and pass the handle"
        )

    def _on_handle(self, node: dict) -> Remote:
        if node.get("$") != "handle":
            raise SubmissionCrashed("protocol error: unexpected reference")
        return Remote(self, node)

    def _request(self, op: str, *, target: str | None = None, obj: Remote | None = None,
                 name: str | None = None, args: tuple = (), kwargs: dict | None = None,
                 n: int | None = None, _timeout: float | None = None) -> Any:
        if op in ("call", "get") and target is not None:
            self._import_once(target)
        enc = Encoder(self._on_object)
        header: dict[str, Any] = {"op": op, "args": enc.encode(list(args)),
                                  "kwargs": enc.encode(dict(kwargs or {}))}
        if target is not None:
            header["target"] = target
        if obj is not None:
            header["obj"] = enc.encode(obj)
        if name is not None:
            header["name"] = name
        if n is not None:
            header["n"] = n
        timeout = self.timeout if _timeout is None else _timeout
        if self._cpu_deadline is not None:
            timeout = min(timeout, max(0.05, self._cpu_deadline - self.backend.cpu_seconds()))
        response, buffers, original = self.backend.request(header, enc.buffers, timeout)
        self.last_warnings = list(response.get("warnings") or [])
        if not response.get("ok"):
            raise self._error(response.get("error") or {}, target, original)
        value = Decoder(buffers, self._on_handle).decode(response.get("v"))
        if self.forbid_warnings and self.last_warnings and op == "call":
            raise warnings_failure(target or "call", self.last_warnings, self.hint)
        return value

    def _error(self, err: dict, target: str | None, original: BaseException | None) -> Exception:
        details = str(err.get("tb", ""))
        if err.get("type") == "ProtocolError":
            return SubmissionCrashed(f"protocol error: {err.get('message')}", details)
        if err.get("todo"):
            exc: Exception = TodoError(str(err["todo"]), details)
        elif err.get("type") == "MemoryError":
            limit = getattr(self.backend, "mem_bytes", None)
            text = f" (limit {limit / (1 << 30):g} GiB)" if limit else ""
            exc = StudentError("MemoryError", f"ran out of memory{text} — a huge allocation?",
                               list(err.get("mro", [])), details, str(err.get("where", "")))
        else:
            message = str(err.get("message", ""))
            if err.get("type") in ("ModuleNotFoundError",) and target:
                missing = target.partition(":")[0]
                if f"'{missing}'" in message or f"'{missing.split('.')[0]}'" in message:
                    message = f"the submission has no {missing.replace('.', '/')}.py"
            exc = StudentError(str(err.get("type", "Exception")), message,
                               list(err.get("mro", [])), details, str(err.get("where", "")))
        if original is not None:
            exc.__cause__ = original
        return exc


def warnings_failure(what: str, warns: list[dict], hint: Text | str | None) -> GradingFailure:
    first = warns[0]
    got = f"{first['category']}: {first['message']} ({first['where']})" + (
        f" (+{len(warns) - 1})" if len(warns) > 1 else "")
    return failure(tr(f"{what}: 경고가 발생하면 안 됩니다", f"{what}: must not emit warnings"),
                   tr("경고 없음 (수치적으로 안정적인 계산)", "no warnings (numerically stable)"),
                   got, hint)
