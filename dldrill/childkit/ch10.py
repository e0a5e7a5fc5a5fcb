"""Raw data for the ch10 graders, inside the submission's process: the TorchScript archives that
`torch.jit.load` reads while the learner's `export_and_verify` runs, and the inputs the modules
it loaded were called with.

Nothing here builds, runs or loads a model, and nothing here is handed to the learner's code.
`record_torchscript_loads()` wraps torch's two archive readers (`torch._C.import_ir_module` for a
path, `torch._C.import_ir_module_from_buffer` for a file-like object, the ones `torch.jit.load`
calls) so that each keeps a copy of the bytes it is given, and a global forward pre-hook keeps
a copy of the inputs each module built from those bytes is called with; `recorded_torchscript_loads()`
restores torch and returns the copies. The grader never believes them: it runs each archive
itself, in a fresh confined artifact process holding no submission code
(`dldrill.sandbox.artifacts`), and compares its output with the model's own, computed in the
grader. A submission that replaces these functions can only hand over an archive it made, i.e.
export the model itself. torch is imported on use.
"""

from __future__ import annotations

import collections
from typing import Any

MAX_BYTES = 64 << 20  # an archive larger than this is kept truncated (and then fails to load)
_seen: collections.deque = collections.deque(maxlen=8)
_calls: collections.deque = collections.deque(maxlen=8)
_loaded: list = []  # the C++ modules the wrapped readers returned (while recording)
_original: dict[str, Any] = {}


def record_torchscript_loads() -> None:
    """From now on, keep a copy of every archive `torch.jit.load` reads (the last eight)."""
    import torch

    c = torch._C
    _seen.clear()
    _calls.clear()
    _loaded.clear()
    if _original:
        return
    _original["file"], _original["buffer"] = c.import_ir_module, c.import_ir_module_from_buffer

    def from_file(cu: Any, filename: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            with open(filename, "rb") as f:
                _seen.append(f.read(MAX_BYTES))
        except (OSError, TypeError, ValueError):
            pass
        module = _original["file"](cu, filename, *args, **kwargs)
        _loaded.append(module)
        return module

    def from_buffer(cu: Any, buffer: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            _seen.append(bytes(buffer[:MAX_BYTES]))
        except (TypeError, ValueError):
            pass
        module = _original["buffer"](cu, buffer, *args, **kwargs)
        _loaded.append(module)
        return module

    def on_call(module: Any, args: Any) -> None:
        inner = getattr(module, "_c", None)
        if inner is not None and any(inner is m for m in _loaded):
            _calls.append([a.detach().clone() if isinstance(a, torch.Tensor) else None
                           for a in args])

    c.import_ir_module, c.import_ir_module_from_buffer = from_file, from_buffer
    _original["hook"] = torch.nn.modules.module.register_module_forward_pre_hook(on_call)


def recorded_torchscript_loads() -> dict:
    """Stops recording (torch's readers restored, the hook removed) and returns what was seen
    since `record_torchscript_loads()`: {"archives": [bytes, oldest first], "calls": [[the
    tensor arguments of each call of a loaded module (None for others)], ...]}."""
    import torch

    if _original:
        torch._C.import_ir_module = _original.pop("file")
        torch._C.import_ir_module_from_buffer = _original.pop("buffer")
        _original.pop("hook").remove()
    out = {"archives": list(_seen), "calls": list(_calls)}
    _seen.clear()
    _calls.clear()
    _loaded.clear()
    return out
