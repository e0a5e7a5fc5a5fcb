"""Graders for ch02.callbacks (checklist: keras-apis).

The callbacks are judged by what they do in a real `fit`, not by their types alone. A small
softmax classifier (`dldrill.childkit.ch02:small_classifier`, SGD) is trained in the submission
with the learner's callbacks; `dldrill.childkit.ch02:scripted_fit` replaces the validation values
of each epoch with a scripted sequence *before* the learner's callbacks see them (so the plateau
comes at a known epoch on every machine) and records, after them, the learning rate and a copy of
the weights at every epoch end. Here the grader compares:

- EarlyStopping: val_loss is best at epoch 3 (1-based) and never improves again, so with
  patience 5 the run ends after epoch 8 and the weights are those recorded at epoch 3;
- ModelCheckpoint: val_accuracy is best at epoch 5, so the file (in the submission's scratch
  folder, `dldrill.childkit.builders:scratch_file`) holds the weights recorded at epoch 5;
- ReduceLROnPlateau alone, on a flat val_loss from 4e-7: halved after 3 epochs without
  improvement, then clipped at min_lr 1e-7;
- LossHistory: one float per epoch, equal to what `fit`'s History holds, lists started afresh
  by each `fit`.

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- ModelCheckpoint left on its default monitor (val_loss) instead of val_accuracy
  (test_model_checkpoint_keeps_the_best_model; ch02_checkpoint_monitors_val_loss)
- EarlyStopping without restore_best_weights: the model keeps the last epoch's weights
  (test_early_stopping_restores_best_weights; ch02_early_stopping_no_restore)
- EarlyStopping with ReduceLROnPlateau's patience (3): the run stops two epochs early
  (test_early_stopping_stops_after_patience; ch02_early_stopping_patience_three)
- LossHistory recording in on_train_batch_end: one value per batch, not per epoch
  (test_loss_history_records_every_epoch; ch02_loss_history_per_batch)
- ReduceLROnPlateau with factor 0.1 (the Keras default) instead of 0.5 (test_reduce_lr_on_plateau;
  ch02_reduce_lr_factor_tenth)
- TensorBoard(log_dir="./logs") copied from the curriculum: the log_dir argument is ignored
  (test_make_callbacks_settings; ch02_tensorboard_fixed_log_dir)
Also caught without a sample of their own: ReduceLROnPlateau without min_lr (the rate keeps
halving), ModelCheckpoint without save_best_only (the file holds the last epoch), LossHistory that
never empties its lists (a second fit appends to the first one's).
Note: the tensorboard package is not a dependency of the kit, so no fit here runs a TensorBoard
callback (Keras raises TBNotInstalledError without it); its presence and log_dir are checked.
Accepted alternative: explicit modes, another order, lists made in on_train_begin
(fixtures/submissions/alternatives/ch02_callbacks_layer_saving_other_style.toml).
"""

import weakref

import numpy as np

from dldrill.grading import assert_close, failure, grader, tr

M = "ch02.callbacks"
K = "dldrill.childkit.ch02"
B = "dldrill.childkit.builders"

# val_loss best at epoch index 2; val_accuracy best at epoch index 4.
VAL_LOSS = [1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89] + [0.9 + 0.01 * i for i in range(22)]
VAL_ACC = [0.5, 0.6, 0.55, 0.7, 0.72, 0.71, 0.6, 0.6] + [0.6] * 22
HINT_ES = tr("EarlyStopping(monitor=\"val_loss\", patience=5, restore_best_weights=True)",
             "EarlyStopping(monitor=\"val_loss\", patience=5, restore_best_weights=True)")
HINT_CKPT = tr("ModelCheckpoint(filepath=checkpoint_path, monitor=\"val_accuracy\", "
               "save_best_only=True)",
               "ModelCheckpoint(filepath=checkpoint_path, monitor=\"val_accuracy\", "
               "save_best_only=True)")
HINT_LR = tr("ReduceLROnPlateau(monitor=\"val_loss\", factor=0.5, patience=3, min_lr=1e-7)",
             "ReduceLROnPlateau(monitor=\"val_loss\", factor=0.5, patience=3, min_lr=1e-7)")


def _data(rng, n: int = 64) -> tuple:
    X = rng.standard_normal((n, 4)).astype(np.float32)
    return X, rng.integers(0, 3, n)


def _callbacks(student, **kwargs) -> tuple:
    path = student.call(f"{B}:scratch_file", "best_model.keras")
    callbacks = student.call(f"{M}:make_callbacks", path, **kwargs)
    summary = student.call(f"{K}:callback_summary", callbacks)
    if summary is None:
        raise failure("make_callbacks(path): the result", tr("list", "a list").render(),
                      type(callbacks).__name__, HINT_ES)
    return path, callbacks, summary


# One scripted run per grading session (its backend: `student` itself is made anew for each test).
_RUNS: "weakref.WeakKeyDictionary[object, tuple[dict, str]]" = weakref.WeakKeyDictionary()


def _scripted_run(student) -> tuple[dict, str]:
    """The learner's callbacks in a 30-epoch fit with the scripted validation values. The three
    tests that read it share one run per grading session (its record is plain data here, the
    checkpoint file stays in the submission's scratch folder)."""
    if student.backend in _RUNS:
        return _RUNS[student.backend]
    path, callbacks, _ = _callbacks(student)
    rng = np.random.default_rng(2)
    X, y = _data(rng)
    Xv, yv = _data(rng, 32)
    model = student.call(f"{K}:small_classifier", 4, 3, lr=0.1, seed=0)
    run = student.call(f"{K}:scripted_fit", model, X, y, Xv, yv, callbacks,
                       script={"val_loss": VAL_LOSS, "val_accuracy": VAL_ACC}, epochs=30)
    _RUNS[student.backend] = (run, path)
    return run, path


def _same_weights(got: list, expected: list, what: str, hint) -> None:
    if len(got) != len(expected):
        raise failure(what, f"{len(expected)} arrays", f"{len(got)} arrays", hint)
    for g, e in zip(got, expected, strict=True):
        assert_close(g, e, rtol=0, atol=1e-7, what=what, hint=hint)


def _epoch_of(weights: list, snapshots: list) -> str:
    """Which recorded epoch (1-based) these weights are, for the message."""
    for i, snap in enumerate(snapshots):
        if len(snap) == len(weights) and all(np.array_equal(a, b) for a, b in zip(snap, weights,
                                                                                   strict=True)):
            return tr(f"{i + 1} 에폭의 가중치", f"the weights of epoch {i + 1}").render()
    return tr("기록된 어느 에폭과도 다른 가중치", "weights of no recorded epoch").render()


@grader(points=1)
def test_make_callbacks_settings(student):
    """EarlyStopping, ModelCheckpoint (at checkpoint_path) and ReduceLROnPlateau, in any order;
    TensorBoard(log_dir) only when log_dir is given."""
    path, _, summary = _callbacks(student)
    what = "make_callbacks(checkpoint_path)"
    classes = sorted(c["class"] for c in summary)
    expected = ["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"]
    if classes != expected:
        raise failure(f"{what}: callback classes", str(expected), str(classes),
                      tr("EarlyStopping, ModelCheckpoint, ReduceLROnPlateau 세 개; TensorBoard는 "
                         "log_dir가 주어질 때만",
                         "EarlyStopping, ModelCheckpoint and ReduceLROnPlateau; TensorBoard only "
                         "when log_dir is given"))
    ckpt = next(c for c in summary if c["class"] == "ModelCheckpoint")
    if ckpt["attrs"].get("filepath") != path:
        raise failure(f"{what}: ModelCheckpoint.filepath", repr(path), repr(ckpt["attrs"].get("filepath")),
                      HINT_CKPT)
    log_dir = student.call(f"{B}:scratch_file", "logs")
    _, _, summary = _callbacks(student, log_dir=log_dir)
    what = "make_callbacks(checkpoint_path, log_dir=...)"
    boards = [c for c in summary if c["class"] == "TensorBoard"]
    if len(boards) != 1 or len(summary) != 4:
        raise failure(f"{what}: callback classes", str(sorted([*expected, "TensorBoard"])),
                      str(sorted(c["class"] for c in summary)),
                      tr("log_dir가 주어지면 keras.callbacks.TensorBoard(log_dir=log_dir)를 더하세요",
                         "add keras.callbacks.TensorBoard(log_dir=log_dir) when log_dir is given"))
    if boards[0]["attrs"].get("log_dir") != log_dir:
        raise failure(f"{what}: TensorBoard.log_dir", repr(log_dir), repr(boards[0]["attrs"].get("log_dir")),
                      tr("TensorBoard(log_dir=log_dir)", "TensorBoard(log_dir=log_dir)"))


@grader(points=2)
def test_early_stopping_stops_after_patience(student):
    """val_loss best at epoch 3 and worse afterwards: patience 5 ends the run after epoch 8."""
    run, _ = _scripted_run(student)
    if run["epochs_run"] != 8:
        raise failure("fit(epochs=30, callbacks=make_callbacks(...)) with val_loss best at epoch 3: "
                      "epochs run", "8 (3 + patience 5)", str(run["epochs_run"]), HINT_ES)


@grader(points=2)
def test_early_stopping_restores_best_weights(student):
    """After the run, the model holds the weights of the epoch with the lowest val_loss."""
    run, _ = _scripted_run(student)
    what = "the model's weights after fit (val_loss best at epoch 3)"
    expected = run["weights"][2]
    if not all(np.array_equal(a, b) for a, b in zip(run["final"], expected, strict=False)):
        raise failure(what, tr("3 에폭의 가중치", "the weights of epoch 3").render(),
                      _epoch_of(run["final"], run["weights"]),
                      tr("restore_best_weights=True를 주면 멈출 때 최고 에폭의 가중치로 되돌립니다",
                         "restore_best_weights=True puts back the best epoch's weights"))
    _same_weights(run["final"], expected, what, HINT_ES)


@grader(points=2)
def test_model_checkpoint_keeps_the_best_model(student):
    """The checkpoint file holds the model of the epoch with the highest val_accuracy."""
    run, path = _scripted_run(student)
    saved = student.call(f"{K}:keras_file_weights", path)
    what = "the model in checkpoint_path after fit (val_accuracy best at epoch 5)"
    if saved is None:
        raise failure(what, tr("저장된 .keras 파일", "a saved .keras file").render(),
                      tr("파일 없음", "no file").render(), HINT_CKPT)
    if not all(np.array_equal(a, b) for a, b in zip(saved["weights"], run["weights"][4], strict=False)):
        raise failure(what, tr("5 에폭의 가중치", "the weights of epoch 5").render(),
                      _epoch_of(saved["weights"], run["weights"]),
                      tr("monitor=\"val_accuracy\"와 save_best_only=True: 최고 정확도일 때만 저장",
                         "monitor=\"val_accuracy\" and save_best_only=True: save only at a new best "
                         "accuracy"))
    _same_weights(saved["weights"], run["weights"][4], what, HINT_CKPT)


@grader(points=2)
def test_reduce_lr_on_plateau(student, rng):
    """ReduceLROnPlateau alone, val_loss flat for 12 epochs from lr 4e-7: halved after epochs 4
    and 7 (3 epochs without improvement each), never below min_lr 1e-7."""
    _, callbacks, summary = _callbacks(student)
    idx = [i for i, c in enumerate(summary) if c["class"] == "ReduceLROnPlateau"]
    if len(idx) != 1:
        raise failure("make_callbacks(path): ReduceLROnPlateau callbacks", "1", str(len(idx)), HINT_LR)
    X, y = _data(rng)
    Xv, yv = _data(rng, 32)
    model = student.call(f"{K}:small_classifier", 4, 3, lr=4e-7, seed=0)
    run = student.call(f"{K}:scripted_fit", model, X, y, Xv, yv, [callbacks[idx[0]]],
                       script={"val_loss": [1.0] * 12,
                               "val_accuracy": [0.1 + 0.05 * i for i in range(12)]}, epochs=12)
    expected = np.array([4e-7] * 3 + [2e-7] * 3 + [1e-7] * 6)
    got = np.asarray(run["lr"], dtype=np.float64)
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-5, atol=0):
        raise failure("learning rate at each epoch end (val_loss flat, from 4e-7)",
                      " ".join(f"{v:.1e}" for v in expected), " ".join(f"{v:.1e}" for v in got), HINT_LR)


@grader(points=2)
def test_loss_history_records_every_epoch(student, rng):
    """One float per epoch, equal to History's loss and val_loss; each fit starts afresh."""
    X, y = _data(rng)
    Xv, yv = _data(rng, 32)
    hint = tr("on_epoch_end에서 logs[\"loss\"], logs[\"val_loss\"]를 float로 추가하고 "
              "on_train_begin에서 두 리스트를 비우세요",
              "append float(logs[\"loss\"]) and float(logs[\"val_loss\"]) in on_epoch_end, and empty "
              "both lists in on_train_begin")
    model = student.call(f"{K}:small_classifier", 4, 3, lr=0.1, seed=0)
    hist = student.call(f"{M}:LossHistory")
    history = model.fit(X, y, epochs=3, batch_size=16, validation_data=(Xv, yv), callbacks=[hist],
                        verbose=0, shuffle=False).history
    for attr, key in (("losses", "loss"), ("val_losses", "val_loss")):
        got = getattr(hist, attr)
        what = f"LossHistory().{attr} after fit(epochs=3, 4 batches each)"
        if not isinstance(got, list) or len(got) != 3:
            raise failure(what, tr("에폭마다 하나씩, 3개", "3 values, one per epoch").render(),
                          f"{type(got).__name__} of {len(got) if isinstance(got, list) else '?'}", hint)
        assert_close(np.asarray(got, dtype=np.float64), np.asarray(history[key], dtype=np.float64),
                     rtol=1e-6, atol=1e-7, what=f"{what} vs history.history[{key!r}]", hint=hint)
    model.fit(X, y, epochs=2, batch_size=16, callbacks=[hist], verbose=0, shuffle=False)
    got = (hist.losses, hist.val_losses)
    if not (isinstance(got[0], list) and len(got[0]) == 2 and got[1] == []):
        raise failure("LossHistory after a second fit(epochs=2) without validation data: "
                      "(len(losses), val_losses)", "(2, [])",
                      f"({len(got[0]) if isinstance(got[0], list) else '?'}, {got[1]!r:.60})", hint)
