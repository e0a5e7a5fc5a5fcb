"""Probes that graders run *inside* the submission's process.

The child is the submission: whatever runs there can be replaced by a student who has read the
kit, so nothing here is believed and nothing here knows an answer. ch01 and ch03 need no probe
any more: they build what they pass to the learner's code from library callables
(`functools.partial`, `builtins.map`, `types.SimpleNamespace`, `weakref.WeakKeyDictionary`) that
cannot be told apart from a learner's own, and the grader computes the expected values itself.

What is left returns raw data only:
- `call_and_return_args`: the arguments of a call as they are afterwards. Prefer building
  `functools.partial(fn, *args)` in the child and reading its `.args` back after calling it
  (library code only; see graders/ch03/test_tensors.py); this stays for the graders that still
  use it.
- `loaded_modules`: which top-level modules the child has imported (the kit's own tests).
"""

from __future__ import annotations

from typing import Any


def call_and_return_args(fn: Any, *args: Any, **kwargs: Any) -> dict:
    """Calls `fn(*args, **kwargs)` here; returns `result` and `args`, the positional arguments as
    they are afterwards (arrays by value), so a grader can see what the call did to them in
    place, up to rounding (`mutates_input` says only whether anything changed)."""
    result = fn(*args, **kwargs)
    return {"result": result, "args": list(args)}


def loaded_modules() -> list[str]:
    """The top-level names of every module imported in this process, sorted."""
    import sys

    return sorted({name.split(".", 1)[0] for name in list(sys.modules)})
