# dldrill:stub 84c67c2b3892 · from solutions/ch09/plots.py · 여러분의 파일 / yours to edit
"""Plots of a project's results: training curves of several models, and a confusion matrix.

학습 곡선(손실·정확도)을 모델별로 나란히 그리고, 혼동 행렬을 이미지로 그립니다. 함수는
matplotlib Figure를 돌려주고 화면에 띄우지 않습니다(`fig.savefig(...)`로 저장). The functions
return a matplotlib Figure and never show it (save it with `fig.savefig(...)`); they work with the
non-interactive Agg backend.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def plot_history(histories: dict[str, dict[str, list[float]]]) -> Any:
    """Loss and accuracy curves side by side, one line per model. / 학습 곡선.

    `histories` maps a model's name to its history, a dict with "loss" and "acc" lists (one value
    per epoch; histories may have different lengths). Returns a Figure with two axes: the left
    titled "Loss", the right "Accuracy"; x label "epoch" on both, y labels "loss" and
    "accuracy"; in each, one line per model, in the dict's order, with x = 1, 2, ..., number of
    epochs and y = the values, labelled with the model's name (a legend shows them).
    Hint / 힌트: `fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))`;
    `ax1.plot(epochs, h["loss"], label=name)`; `ax.set_title`, `set_xlabel`, `set_ylabel`,
    `ax.legend()`. Import `matplotlib.pyplot` inside the function.
    """
    raise NotImplementedError("TODO(ch09.plots.plot_history)")


def plot_confusion(cm: np.ndarray, class_names: list[str] | None = None) -> Any:
    """A confusion matrix (C, C) as an image, rows = true classes. / 혼동 행렬 그림.

    Returns a Figure with one axes (a colour bar may add a second): the matrix drawn with
    `imshow` exactly as given (row t, column p = true t predicted p, not transposed, not
    normalised), the title "Confusion matrix", x label "predicted", y label "true", tick labels
    `class_names` (default "0", "1", ...) and the count written in every cell.
    Hint / 힌트: `fig, ax = plt.subplots()`; `ax.imshow(cm, cmap="Blues")`;
    `ax.text(p, t, str(cm[t, p]), ha="center", va="center")` — x is the column, y the row.
    """
    raise NotImplementedError("TODO(ch09.plots.plot_confusion)")
