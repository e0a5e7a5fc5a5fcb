"""Graders for ch09.plots (chapter progress; no checklist item maps to plots alone).

A matplotlib Figure cannot leave the submission's process: `dldrill.childkit.ch09:figure_data`
turns it into plain data there (each axes' title, labels, lines' x/y data and labels, images'
arrays, texts, legend), and the grader checks it here: the number of axes, one line per model
with exactly the history's values at x = 1..epochs, the confusion matrix drawn as given (rows =
true classes), titles and axis labels present. The Agg backend is used (no window).
"""

import numpy as np

from dldrill.grading import assert_close, failure, grader, tr

MODULE = "ch09.plots"
CHILDKIT = "dldrill.childkit.ch09"
HINT_HISTORY = tr("fig, (ax1, ax2) = plt.subplots(1, 2); 왼쪽 'Loss', 오른쪽 'Accuracy'; 모델마다 "
                  "ax.plot(range(1, n + 1), 값, label=이름)",
                  "fig, (ax1, ax2) = plt.subplots(1, 2); left 'Loss', right 'Accuracy'; per model "
                  "ax.plot(range(1, n + 1), values, label=name)")


def _figure(student, fn: str, *args) -> dict:
    fig = student.call(f"{MODULE}:{fn}", *args)
    try:
        data = student.call(f"{CHILDKIT}:figure_data", fig)
    finally:
        student.call(f"{CHILDKIT}:close_figures")
    if data.get("type") != "Figure":
        raise failure(f"{fn}(...): the returned object", "matplotlib.figure.Figure",
                      str(data.get("type")), tr("plt.subplots()가 준 fig를 돌려주세요",
                                                "return the fig that plt.subplots() gave you"))
    return data


def _main_axes(data: dict) -> list[dict]:
    return [ax for ax in data["axes"] if not ax["colorbar"]]


@grader(points=3)
def test_plot_history_draws_one_line_per_model(student, rng):
    histories = {
        "MLP": {"loss": list(rng.uniform(0.5, 2.0, 5)), "acc": list(rng.uniform(0.3, 0.9, 5))},
        "CNN": {"loss": list(rng.uniform(0.1, 1.0, 5)), "acc": list(rng.uniform(0.6, 0.99, 5))},
        "ResNet": {"loss": list(rng.uniform(0.1, 1.0, 3)), "acc": list(rng.uniform(0.6, 0.99, 3))},
    }
    what = "plot_history({'MLP': 5 epochs, 'CNN': 5 epochs, 'ResNet': 3 epochs})"
    axes = _main_axes(_figure(student, "plot_history", histories))
    if len(axes) != 2:
        raise failure(f"{what}: number of axes", "2 (loss, accuracy side by side)", str(len(axes)),
                      HINT_HISTORY)
    for ax, key, title in ((axes[0], "loss", "loss"), (axes[1], "acc", "accuracy")):
        where = f"{what}: the {title} axes"
        if title not in ax["title"].lower():
            raise failure(f"{where}: title", repr(title.capitalize()), repr(ax["title"]), HINT_HISTORY)
        if not ax["xlabel"] or not ax["ylabel"]:
            raise failure(f"{where}: axis labels", "'epoch' and the quantity",
                          f"{ax['xlabel']!r}, {ax['ylabel']!r}", HINT_HISTORY)
        labels = [line["label"] for line in ax["lines"]]
        if labels != list(histories):
            raise failure(f"{where}: the lines' labels, in order", str(list(histories)),
                          str(labels), HINT_HISTORY)
        if not ax["legend"] or sorted(ax["legend"]) != sorted(histories):
            raise failure(f"{where}: legend", str(list(histories)), str(ax["legend"]),
                          tr("ax.legend()를 부르세요", "call ax.legend()"))
        for line, (name, history) in zip(ax["lines"], histories.items(), strict=True):
            n = len(history[key])
            assert_close(line["x"], np.arange(1, n + 1, dtype=np.float64), rtol=0, atol=0,
                         what=f"{where}: x data of {name!r}", hint=HINT_HISTORY)
            assert_close(line["y"], np.asarray(history[key]), rtol=1e-12, atol=0,
                         what=f"{where}: y data of {name!r}", hint=HINT_HISTORY)


@grader(points=2)
def test_plot_confusion_draws_the_matrix_as_given(student, rng):
    cm = rng.integers(0, 50, (4, 4))
    cm[0, 3] = 97  # far from symmetric: a transposed drawing shows
    what = "plot_confusion(cm (4, 4))"
    hint = tr("ax.imshow(cm) 그대로 (행 = 정답); ax.text(p, t, cm[t, p])로 칸마다 개수",
              "ax.imshow(cm) as given (rows = true classes); ax.text(p, t, cm[t, p]) in every cell")
    axes = _main_axes(_figure(student, "plot_confusion", cm))
    if len(axes) != 1:
        raise failure(f"{what}: number of axes (besides a colour bar)", "1", str(len(axes)), hint)
    ax = axes[0]
    if len(ax["images"]) != 1:
        raise failure(f"{what}: images", "1 (imshow)", str(len(ax["images"])), hint)
    image = ax["images"][0]
    if image.shape != cm.shape:
        raise failure(f"{what}: image shape", str(cm.shape), str(image.shape), hint)
    assert_close(image, cm.astype(np.float64), rtol=0, atol=0, what=f"{what}: the image data",
                 hint=hint)
    if not ax["title"] or "pred" not in ax["xlabel"].lower() or "true" not in ax["ylabel"].lower():
        raise failure(f"{what}: title and axis labels", "a title, x 'predicted', y 'true'",
                      f"{ax['title']!r}, {ax['xlabel']!r}, {ax['ylabel']!r}", hint)
    counts = sorted(ax["texts"])
    expected = sorted(str(v) for v in cm.flatten())
    if counts != expected:
        raise failure(f"{what}: the numbers written in the cells", f"{len(expected)} counts of cm",
                      f"{len(counts)} texts: {counts[:6]}...", hint)
