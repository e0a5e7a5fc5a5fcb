"""Raw data for the ch10 graders, inside the submission's process: the TorchScript archives that
`torch.jit.load` reads while the learner's `export_and_verify` runs.

Nothing here builds, runs or loads a model, and nothing here is handed to the learner's code.
`record_torchscript_loads()` wraps torch's two archive readers (`torch._C.import_ir_module` for a
path, `torch._C.import_ir_module_from_buffer` for a file-like object, the ones `torch.jit.load`
calls) so that each keeps a copy of the bytes it is given; `recorded_torchscript_loads()`
restores them and returns the copies. The grader never believes them: it runs each archive
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
_original: dict[str, Any] = {}


def record_torchscript_loads() -> None:
    """From now on, keep a copy of every archive `torch.jit.load` reads (the last eight)."""
    import torch

    c = torch._C
    _seen.clear()
    if _original:
        return
    _original["file"], _original["buffer"] = c.import_ir_module, c.import_ir_module_from_buffer

    def from_file(cu: Any, filename: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            with open(filename, "rb") as f:
                _seen.append(f.read(MAX_BYTES))
        except (OSError, TypeError, ValueError):
            pass
        return _original["file"](cu, filename, *args, **kwargs)

    def from_buffer(cu: Any, buffer: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            _seen.append(bytes(buffer[:MAX_BYTES]))
        except (TypeError, ValueError):
            pass
        return _original["buffer"](cu, buffer, *args, **kwargs)

    c.import_ir_module, c.import_ir_module_from_buffer = from_file, from_buffer


def recorded_torchscript_loads() -> list[bytes]:
    """Stops recording (torch's readers restored) and returns the archives read since
    `record_torchscript_loads()`, oldest first."""
    import torch

    if _original:
        torch._C.import_ir_module = _original.pop("file")
        torch._C.import_ir_module_from_buffer = _original.pop("buffer")
    out = list(_seen)
    _seen.clear()
    return out
