"""The side that holds the submission: runs requests and keeps the objects that cannot cross.

One `Dispatcher` serves the sandboxed child (`child.py`) and the in-process backend
(`--inprocess`), so both behave the same: requests name a target (`"ch01.losses:mse"`, a
handle, or a dotted library path such as `"torch.nn:Linear"`), results are encoded by the
codec, and whatever cannot be encoded stays here behind a handle.
"""

from __future__ import annotations

import linecache
import os
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dldrill.errors import todo_tag
from dldrill.sandbox.codec import CodecError, Decoder, Encoder

MAX_MESSAGE = 2000


class ObjectTable:
    """Objects that stay on this side, by handle id (the same object keeps the same id)."""

    def __init__(self) -> None:
        self._by_id: dict[int, Any] = {}
        self._ids: dict[int, int] = {}  # id(obj) -> handle id
        self._next = 1

    def add(self, obj: Any) -> dict:
        hid = self._ids.get(id(obj))
        if hid is None or self._by_id.get(hid) is not obj:
            hid = self._next
            self._next += 1
            self._by_id[hid] = obj
            self._ids[id(obj)] = hid
        return {
            "$": "handle",
            "id": hid,
            "type": f"{type(obj).__module__}.{type(obj).__qualname__}",
            "callable": callable(obj),
        }

    def get(self, node: dict) -> Any:
        hid = node.get("id")
        if node.get("$") != "ref" or hid not in self._by_id:
            raise CodecError(f"unknown object reference {hid!r}")
        return self._by_id[hid]

    def release(self, ids: list[int]) -> None:
        for hid in ids:
            obj = self._by_id.pop(hid, None)
            if obj is not None and self._ids.get(id(obj)) == hid:
                del self._ids[id(obj)]

    def __len__(self) -> int:
        return len(self._by_id)


def resolve(target: str, import_module: Callable[[str], Any]) -> Any:
    """`"pkg.mod:Qual.name"` -> the object. Raises LookupError with a readable message."""
    modname, _, qualname = target.partition(":")
    module = import_module(modname)
    obj = module
    for part in qualname.split(".") if qualname else []:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            where = f"{modname}" + (f".{qualname.rsplit('.', 1)[0]}" if "." in qualname else "")
            raise LookupError(f"{where} has no `{part}` (expected by the curriculum)") from None
    return obj


class Dispatcher:
    def __init__(self, submission_root: Path | None, import_module: Callable[[str], Any]):
        self.root = submission_root
        self.import_module = import_module
        self.table = ObjectTable()
        self._np_errors = np.geterr()

    def _reset_process_state(self) -> None:
        """Process-wide settings a submission may have changed, back to the defaults before each
        call: floating-point error handling, torch's grad mode and default dtype."""
        np.seterr(**self._np_errors)
        torch = sys.modules.get("torch")
        if torch is not None and hasattr(torch, "set_grad_enabled"):
            torch.set_grad_enabled(True)
            torch.set_default_dtype(torch.float32)

    # -- requests ---------------------------------------------------------------------------
    def handle(self, header: dict, buffers: list) -> tuple[dict, list, BaseException | None]:
        """Runs one request; returns (response header, buffers, the exception if one was raised)."""
        self.table.release([i for i in header.get("release", []) if isinstance(i, int)])
        op = header.get("op")
        if op == "ping":
            return {"ok": True, "v": None}, [], None
        decoder = Decoder(buffers, self.table.get)
        record: list[warnings.WarningMessage] = []
        exc: BaseException | None = None
        try:
            args = decoder.decode(header.get("args", []))
            kwargs = decoder.decode(header.get("kwargs", {"$": "dict", "k": [], "v": []}))
            subject = decoder.decode(header["obj"]) if "obj" in header else None
            with warnings.catch_warnings(record=True) as record:
                warnings.simplefilter("always")
                self._reset_process_state()
                value = self._run(op, header, subject, args, kwargs)
        except CodecError as err:
            return {"ok": False, "error": {"type": "ProtocolError", "message": str(err),
                                           "mro": ["ProtocolError"], "tb": ""}}, [], None
        except BaseException as err:  # the learner's code may raise anything
            exc = err
            value = None
        warns = [self._warning(w) for w in record][:20]
        if exc is not None:
            return {"ok": False, "error": self.describe(exc, header), "warnings": warns}, [], exc
        enc = Encoder(self.table.add)
        try:
            node = enc.encode(value)
        except BaseException as err:  # e.g. a tensor subclass that refuses
            return {"ok": False, "error": self.describe(err, header), "warnings": warns}, [], err
        return {"ok": True, "v": node, "warnings": warns}, enc.buffers, None

    def _run(self, op: str, header: dict, subject: Any, args: Any, kwargs: Any) -> Any:
        if op == "call":
            fn = subject if "obj" in header else resolve(str(header["target"]), self.import_module)
            if not callable(fn):
                raise TypeError(f"{header.get('target', type(fn).__name__)} is not callable")
            return fn(*args, **kwargs)
        if op == "import":
            self.import_module(str(header["target"]))
            return None
        if op == "get":  # a module-level object, without calling it
            return resolve(str(header["target"]), self.import_module)
        if op == "getattr":
            return getattr(subject, str(header["name"]))
        if op == "setattr":
            setattr(subject, str(header["name"]), args[0])
            return None
        if op == "getitem":
            return subject[args[0]]
        if op == "len":
            return len(subject)
        if op == "iter":
            return iter(subject)
        if op == "next":
            items, count = [], int(header.get("n", 1))
            for _ in range(count):
                try:
                    items.append(next(subject))
                except StopIteration:
                    return {"items": items, "done": True}
            return {"items": items, "done": False}
        raise ValueError(f"unknown op {op!r}")

    # -- describing failures -----------------------------------------------------------------
    def _rel(self, filename: str) -> str | None:
        if self.root is None:
            return None
        try:
            return os.path.relpath(os.path.realpath(filename), self.root) if (
                os.path.realpath(filename).startswith(str(self.root) + os.sep)) else None
        except ValueError:
            return None

    def _warning(self, w: warnings.WarningMessage) -> dict:
        rel = self._rel(w.filename)
        return {
            "category": w.category.__name__,
            "message": str(w.message)[:300],
            "where": f"{rel or os.path.basename(w.filename)}:{w.lineno}",
        }

    def describe(self, exc: BaseException, header: dict) -> dict:
        """Type, message, the learner's frames as text, and where in their files it happened."""
        message = _safe_str(exc)[:MAX_MESSAGE]
        mro = [c.__name__ for c in type(exc).__mro__ if c is not object]
        frames = traceback.extract_tb(exc.__traceback__)
        mine = [f for f in frames if self._rel(f.filename)]
        where = ""
        if isinstance(exc, SyntaxError) and exc.filename and self._rel(exc.filename):
            where = f"{self._rel(exc.filename)}:{exc.lineno}"
            message = exc.msg or message
        elif mine:
            where = f"{self._rel(mine[-1].filename)}:{mine[-1].lineno}"
        lines = []
        for f in mine or frames[-1:]:
            name = self._rel(f.filename) or os.path.basename(f.filename)
            lines.append(f'  File "{name}", line {f.lineno}, in {f.name}')
            code = f.line or linecache.getline(f.filename, f.lineno or 0).strip()
            if code:
                lines.append(f"    {code}")
        if isinstance(exc, SyntaxError) and exc.text:
            lines.append(f"    {exc.text.rstrip()}")
        lines.append(f"{type(exc).__name__}: {message}")
        tag, link = None, exc
        for _ in range(10):  # a TODO raised further down, then wrapped, is still a TODO
            if link is None:
                break
            if isinstance(link, NotImplementedError) and todo_tag(_safe_str(link)):
                tag = todo_tag(_safe_str(link))
                break
            link = link.__cause__ or link.__context__
        return {"type": type(exc).__name__, "message": message, "mro": mro,
                "tb": "\n".join(lines), "where": where, "todo": tag}


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:  # a learner's __str__ may itself raise
        return f"<{type(exc).__name__} whose message could not be printed>"
