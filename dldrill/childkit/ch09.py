"""Generic child-side helpers first needed by ch09's graders (raw data only, no exercise answers).

    model = student.call("dldrill.childkit.ch09:load_artifact", "ch09.mnist_project", "mnist.pt")
    data = student.call("dldrill.childkit.ch09:figure_data", fig)       # a Figure as plain data
    spy = student.call("dldrill.childkit.ch09:dtype_spy", model)         # dtypes seen in forward
    student.call("dldrill.childkit.ch09:backward_on", model, x, y)       # fills .grad (graders only)
    grads = student.call("dldrill.childkit.ch09:grads_of", model)

Each returns plain values (lists, dicts, numbers, arrays, tensors) or a module; the grader judges.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np

from dldrill.childkit import grader_only


def _torch() -> Any:
    import torch

    return torch


# -- artifacts ------------------------------------------------------------------------------------
def artifact_path(module: str, filename: str) -> str:
    """`<folder of module>/artifacts/<filename>` for a chapter module of the submission."""
    mod = importlib.import_module(module)
    return str(Path(mod.__file__).resolve().parent / "artifacts" / Path(filename).name)


def load_artifact(module: str, filename: str, builder: str = "build_model") -> Any:
    """`module.<builder>()` with the state_dict saved at `artifacts/<filename>` next to the module
    loaded into it (`torch.load(weights_only=True)`, CPU), in eval mode, moved to the kit's device
    (`dldrill.devices.resolve_device()`: the GPU when grading with --device cuda).

    Raises FileNotFoundError when there is no such file (the learner has not trained yet), and
    the loading error when the saved weights do not fit the model.
    """
    torch = _torch()
    path = Path(artifact_path(module, filename))
    if not path.is_file():
        raise FileNotFoundError(f"no trained weights at {path}: run `python -m exercises."
                                f"{module}` first")
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = getattr(importlib.import_module(module), builder)()
    model.load_state_dict(state)
    model.eval()
    from dldrill.devices import resolve_device

    return model.to(resolve_device(None))


# -- matplotlib -----------------------------------------------------------------------------------
def _text(t: Any) -> str:
    return t.get_text() if t is not None else ""


def figure_data(fig: Any) -> dict:
    """A matplotlib Figure as plain data: `{"axes": [...], "suptitle": str}`.

    Each axes, in `fig.axes` order: `title`, `xlabel`, `ylabel`, `lines` (each `x`, `y` float64
    arrays, `label`), `images` (each the array `imshow` was given, as float64), `texts` (the
    strings of `ax.texts`), `legend` (the legend's labels, or None), `xticklabels`,
    `yticklabels`, and `colorbar` (True for an axes that holds a colour bar).
    """
    fig.canvas.draw()  # tick labels exist only once drawn
    axes = []
    for ax in fig.axes:
        legend = ax.get_legend()
        axes.append({
            "title": ax.get_title(),
            "xlabel": ax.get_xlabel(),
            "ylabel": ax.get_ylabel(),
            "lines": [{"x": np.asarray(line.get_xdata(), dtype=np.float64),
                       "y": np.asarray(line.get_ydata(), dtype=np.float64),
                       "label": str(line.get_label())} for line in ax.get_lines()],
            "images": [np.asarray(im.get_array(), dtype=np.float64) for im in ax.get_images()],
            "texts": [_text(t) for t in ax.texts],
            "legend": [_text(t) for t in legend.get_texts()] if legend is not None else None,
            "xticklabels": [_text(t) for t in ax.get_xticklabels()],
            "yticklabels": [_text(t) for t in ax.get_yticklabels()],
            "colorbar": bool(getattr(ax, "_colorbar", None) is not None
                             or ax.get_label() == "<colorbar>"),
        })
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    return {"axes": axes, "suptitle": suptitle, "type": type(fig).__name__}


def close_figures() -> int:
    """Closes every open pyplot figure; returns how many were open."""
    import matplotlib.pyplot as plt

    n = len(plt.get_fignums())
    plt.close("all")
    return n


# -- torch ----------------------------------------------------------------------------------------
def dtype_spy(model: Any) -> Any:
    """Wraps `model` in a module that records, for every forward call, the dtype each leaf module
    returned and whether autocast was on.

    `wrapper.calls` is a list of dicts: `dtypes` ([(leaf type, output dtype as a string)] in
    execution order), `autocast_cpu` and `autocast_cuda` (`torch.is_autocast_enabled(...)`),
    `training`, `grad_enabled`. Parameters and outputs are the wrapped model's.
    """
    torch = _torch()

    class DtypeSpy(torch.nn.Module):
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner
            self.calls: list[dict] = []
            self._seen: list = []
            for module in inner.modules():
                if not any(True for _ in module.children()):
                    module.register_forward_hook(self._hook)

        def _hook(self, module: Any, args: Any, output: Any) -> None:
            if isinstance(output, torch.Tensor):
                self._seen.append((type(module).__name__, str(output.dtype).removeprefix("torch.")))

        def forward(self, x: Any) -> Any:
            self._seen = []
            out = self.inner(x)
            self.calls.append({
                "dtypes": list(self._seen),
                "autocast_cpu": bool(torch.is_autocast_enabled("cpu")),
                "autocast_cuda": bool(torch.is_autocast_enabled("cuda")),
                "training": bool(self.training),
                "grad_enabled": bool(torch.is_grad_enabled()),
            })
            return out

    return DtypeSpy(model)


@grader_only
def backward_on(model: Any, x: Any, y: Any, scale: float = 1.0) -> float:
    """Zeroes the gradients, then backpropagates `scale` × cross-entropy(model(x), y) (float32);
    returns the loss. For graders that need gradients in place (clipping)."""
    torch = _torch()
    model.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(torch.as_tensor(x, dtype=torch.float32)),
                                             torch.as_tensor(y, dtype=torch.long))
    (loss * scale).backward()
    return float(loss.detach())


def grads_of(model: Any) -> dict:
    """{name: a CPU copy of .grad} for the parameters that have one."""
    return {n: p.grad.detach().cpu().clone() for n, p in model.named_parameters()
            if p.grad is not None}


def micro_batches(X: Any, y: Any, parts: int) -> list:
    """(X, y) split into `parts` consecutive (x, y) tensor pairs of equal size (float32, int64)."""
    torch = _torch()
    xs = torch.as_tensor(np.asarray(X), dtype=torch.float32).chunk(parts)
    ys = torch.as_tensor(np.asarray(y), dtype=torch.long).chunk(parts)
    return list(zip(xs, ys, strict=True))


def onnx_signature(path: str) -> dict:
    """The inputs and outputs of the ONNX model at `path` (read with `onnx.load`): {"inputs":
    [(name, [dim...])], "outputs": [...]}, each dim an int (fixed) or a string (symbolic)."""
    import onnx

    model = onnx.load(path)

    def dims(value: Any) -> list:
        return [d.dim_param if d.dim_param else int(d.dim_value)
                for d in value.type.tensor_type.shape.dim]

    return {"inputs": [(v.name, dims(v)) for v in model.graph.input],
            "outputs": [(v.name, dims(v)) for v in model.graph.output]}
