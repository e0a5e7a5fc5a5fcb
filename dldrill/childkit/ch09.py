"""Generic child-side helpers first needed by ch09's graders (raw data only, no exercise answers).

    data = student.call("dldrill.childkit.ch09:figure_data", fig)       # a Figure as plain data
    student.call("dldrill.childkit.ch09:close_figures")

Each returns plain values (lists, dicts, numbers, arrays); the grader judges. Nothing here loads
or runs an artifact, trains, takes gradients or wraps a model: the ch09 graders drive the
learner's objects through handles, compute what they expect themselves, and run exported
artifacts in an artifact process (`dldrill.sandbox.artifacts`), never in the child.
"""

from __future__ import annotations

from typing import Any

import numpy as np


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
