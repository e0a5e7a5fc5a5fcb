"""Graders for ch02.callbacks (checklist: keras-apis).

The callbacks are judged by what they do, driven here step by step as `fit` drives them — no
training loop of the kit's runs in the child. The grader builds a small softmax classifier in the
child from plain Keras layers (Input(4) · Dense(3, softmax), SGD, sparse categorical
cross-entropy, accuracy: an object like any learner's), hands it to the learner's callbacks
(`set_model`, `set_params`) and calls their hooks itself: `on_train_begin`, then per epoch
`on_epoch_begin`, the batch hooks, `on_epoch_end(epoch, logs)` with validation values the grader
chooses (so a plateau comes at a known epoch), and `on_train_end`. Before each epoch's end it sets
new random weights (what an epoch of training would do); after it reads back the model's
`stop_training` flag and learning rate. Whatever the run leaves — the model's weights, the
learning rates, the epoch the stop came, the checkpoint file's weights — is compared here with
what the grader computed for the contract's settings:

- EarlyStopping: val_loss best at epoch 3 (1-based) and never better again (while the training
  loss keeps improving, so monitoring `loss` shows): patience 5 stops the run after epoch 8, and
  the model then holds the weights set at epoch 3; a flat val_loss (an equal value is no
  improvement) stops after epoch 6 with epoch 1's weights; a run that ends before patience runs
  out still ends with the best epoch's weights;
- ModelCheckpoint: val_accuracy best at epoch 5 (val_loss best at epoch 3), so the file holds the
  weights set at epoch 5. The file's bytes come back and are read by the grader in a fresh
  confined process holding no submission code (`dldrill.sandbox.artifacts`), never in the child;
- ReduceLROnPlateau: the rate halves after 3 epochs without a better val_loss (0.1 → 0.05 at
  epoch 6), and stops at min_lr 1e-7 (1.5e-7 → 1e-7 on a flat val_loss);
- LossHistory: the hooks of two fits, with grader-chosen logs (batch and validation hooks too):
  one float per epoch, the epoch's loss and val_loss, lists started afresh by each fit.

Also caught without a sample of their own: LossHistory that never empties its lists (a second fit
appends to the first one's), mode="max" on val_loss, a ModelCheckpoint at another path.
Note: the tensorboard package is not a dependency of the kit, so no hook of a TensorBoard callback
runs here (Keras raises TBNotInstalledError without it): its presence and log_dir are read from
the child and not verified by behaviour.
Accepted alternative: explicit modes, another order, lists made in on_train_begin
(fixtures/submissions/alternatives/ch02_callbacks_layer_saving_other_style.toml).
"""

import weakref

import numpy as np

from dldrill.errors import StudentError
from dldrill.grading import Remote, assert_close, failure, grader, tr, type_name
from dldrill.grading.keras_graph import file_bytes, keras_archive, numpy_of

MODULE = "ch02.callbacks"
BUILDERS = "dldrill.childkit.builders"

# Scenario A: val_loss best at epoch index 2, val_accuracy best at index 4, the training loss
# improving throughout.
VAL_LOSS = [1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89] + [0.9 + 0.01 * i for i in range(22)]
VAL_ACC = [0.5, 0.6, 0.55, 0.7, 0.72, 0.71, 0.6, 0.6] + [0.6] * 22
LOSS = [1.2 - 0.02 * i for i in range(30)]
ACC = [0.4 + 0.01 * i for i in range(30)]
HINT_ES = tr("EarlyStopping(monitor=\"val_loss\", patience=5, restore_best_weights=True)",
             "EarlyStopping(monitor=\"val_loss\", patience=5, restore_best_weights=True)")
HINT_CKPT = tr("ModelCheckpoint(filepath=checkpoint_path, monitor=\"val_accuracy\", "
               "save_best_only=True)",
               "ModelCheckpoint(filepath=checkpoint_path, monitor=\"val_accuracy\", "
               "save_best_only=True)")
HINT_LR = tr("ReduceLROnPlateau(monitor=\"val_loss\", factor=0.5, patience=3, min_lr=1e-7)",
             "ReduceLROnPlateau(monitor=\"val_loss\", factor=0.5, patience=3, min_lr=1e-7)")
HINT_LIST = tr("EarlyStopping, ModelCheckpoint, ReduceLROnPlateau 세 개의 리스트; TensorBoard는 "
               "log_dir가 주어질 때만",
               "a list of EarlyStopping, ModelCheckpoint and ReduceLROnPlateau; TensorBoard only "
               "when log_dir is given")


# -- the grader's own model in the child, and the callbacks' hooks driven from here -------------------
def _model(student, lr: float):
    """Input(4) · Dense(3, softmax), SGD(lr), sparse categorical cross-entropy, accuracy, built in
    the child from plain Keras; its compiled metrics built (so `mode="auto"` can tell that
    val_accuracy is maximised), stop_training False."""
    dense = student.call("keras.layers:Dense", 3, activation="softmax")
    model = student.call("keras:Sequential", [student.call("keras:Input", shape=(4,)), dense])
    model.compile(optimizer=student.call("keras.optimizers:SGD", learning_rate=lr),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    p = np.full((2, 3), 1 / 3, np.float32)
    numpy_of(student, model.compute_metrics, None, y=np.array([0, 1]), y_pred=p, sample_weight=None)
    return model


def _weights(rng, epochs: int) -> list[list[np.ndarray]]:
    """Random weights for each epoch, all different."""
    return [[rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)]
            for _ in range(epochs)]


def _hook(callbacks: list, name: str, *args) -> None:
    for cb in callbacks:
        getattr(cb, name)(*args)


def _drive(student, callbacks: list, lr: float, logs: list[dict], weights: list, what: str) -> dict:
    """The hooks of `fit(epochs=len(logs))` on the learner's callbacks, with the grader's model:
    epoch e sets `weights[e]`, runs two batches and ends with `logs[e]`; the run ends when the
    model's stop_training is set. Returns the epochs run, the learning rate and stop flag read
    after each epoch's end, and the model's weights after on_train_end."""
    model = _model(student, lr)
    rate = student.call("operator:attrgetter", "optimizer.learning_rate")
    epochs = len(logs)
    for cb in callbacks:
        cb.set_model(model)
        cb.set_params({"verbose": 0, "epochs": epochs, "steps": 2})
    model.stop_training = False
    lrs: list[float] = []
    try:
        _hook(callbacks, "on_train_begin", None)
        for epoch in range(epochs):
            _hook(callbacks, "on_epoch_begin", epoch, None)
            model.set_weights(weights[epoch])
            for batch in range(2):
                _hook(callbacks, "on_train_batch_begin", batch, None)
                _hook(callbacks, "on_train_batch_end", batch,
                      {"loss": logs[epoch]["loss"], "accuracy": logs[epoch]["accuracy"]})
            _hook(callbacks, "on_epoch_end", epoch, dict(logs[epoch]))
            lrs.append(float(numpy_of(student, rate, model)))
            if model.stop_training is True:
                break
        _hook(callbacks, "on_train_end", dict(logs[len(lrs) - 1]))
    except StudentError as err:
        raise failure(f"{what}: the callbacks' hooks, called as fit calls them",
                      tr("오류 없이 실행", "run without an error"),
                      f"{err.type_name}: {err.message}"[:300], HINT_LIST) from None
    return {"epochs_run": len(lrs), "lr": lrs, "final": [np.asarray(w) for w in model.get_weights()]}


def _logs(val_loss: list[float], val_acc: list[float], epochs: int) -> list[dict]:
    return [{"loss": LOSS[e], "accuracy": ACC[e], "val_loss": val_loss[e], "val_accuracy": val_acc[e]}
            for e in range(epochs)]


def _callbacks(student, **kwargs) -> tuple:
    path = student.call(f"{BUILDERS}:scratch_file", "best_model.keras")
    callbacks = student.call(f"{MODULE}:make_callbacks", path, **kwargs)
    if not isinstance(callbacks, list) or not all(isinstance(c, Remote) for c in callbacks):
        raise failure("make_callbacks(path): the result",
                      tr("콜백 객체의 list", "a list of callback objects"),
                      type_name(callbacks) if not isinstance(callbacks, list) else
                      "[" + ", ".join(type_name(c) for c in callbacks)[:200] + "]", HINT_LIST)
    return path, callbacks


# One run of scenario A per grading session (its backend: `student` itself is made anew for each
# test); plain data only: the record and the checkpoint file's bytes.
_RUNS: "weakref.WeakKeyDictionary[object, tuple[dict, list, bytes | None]]" = weakref.WeakKeyDictionary()


def _scenario_a(student) -> tuple[dict, list, bytes | None]:
    """The learner's callbacks driven for up to 30 epochs of scenario A, from lr 0.1."""
    if student.backend in _RUNS:
        return _RUNS[student.backend]
    path, callbacks = _callbacks(student)
    weights = _weights(np.random.default_rng(2), 30)
    run = _drive(student, callbacks, 0.1, _logs(VAL_LOSS, VAL_ACC, 30), weights,
                 "fit(epochs=30, callbacks=make_callbacks(path))")
    try:
        data = np.asarray(student.call("numpy:fromfile", path, dtype="uint8"), np.uint8).tobytes()
    except StudentError:
        data = None
    _RUNS[student.backend] = (run, weights, data)
    return run, weights, data


def _epoch_of(got: list, weights: list) -> str:
    """Which epoch's weights (1-based) these are, for the message."""
    for i, snap in enumerate(weights):
        if len(snap) == len(got) and all(np.array_equal(np.asarray(a), b) for a, b in zip(got, snap,
                                                                                         strict=True)):
            return tr(f"{i + 1} 에폭의 가중치", f"the weights of epoch {i + 1}").render()
    return tr("어느 에폭과도 다른 가중치", "weights of no epoch").render()


def _same_weights(got: list, expected: list, what: str, hint, weights: list) -> None:
    same = len(got) == len(expected) and all(
        np.asarray(g).shape == e.shape and np.array_equal(np.asarray(g, np.float32), e)
        for g, e in zip(got, expected, strict=False))
    if not same:
        raise failure(what, _epoch_of(expected, weights), _epoch_of(got, weights), hint)


def _checkpoint_weights(artifacts, data: bytes, what: str) -> list[np.ndarray]:
    """[kernel, bias] of the grader's Dense in a `.keras` file's bytes, read as data in a fresh
    confined artifact process (`keras_graph.keras_archive`)."""
    weights = keras_archive(artifacts, data, what, HINT_CKPT)["weights"]
    return [weights.get("layers/dense/vars/0"), weights.get("layers/dense/vars/1")]


@grader(points=1)
def test_make_callbacks_settings(student, rng, artifacts):
    """Three callbacks without log_dir; ModelCheckpoint writes the model to checkpoint_path (one
    epoch driven; its file holds that epoch's weights); TensorBoard(log_dir) added only when
    log_dir is given."""
    path, callbacks = _callbacks(student)
    what = "make_callbacks(checkpoint_path)"
    names = sorted(type_name(c).rpartition(".")[2] for c in callbacks)
    expected = ["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"]
    if names != expected:
        raise failure(f"{what}: callback classes", str(expected), str(names), HINT_LIST)
    weights = _weights(rng, 1)
    _drive(student, callbacks, 0.1, _logs([1.0], [0.5], 1), weights, what)
    data = file_bytes(student, path, f"{what}: the file at checkpoint_path after one epoch", HINT_CKPT)
    _same_weights(_checkpoint_weights(artifacts, data, f"{what}: the file at checkpoint_path"),
                  weights[0], f"{what}: the model in checkpoint_path after one epoch", HINT_CKPT,
                  weights)
    log_dir = student.call(f"{BUILDERS}:scratch_file", "logs")
    _, callbacks = _callbacks(student, log_dir=log_dir)
    what = "make_callbacks(checkpoint_path, log_dir=...)"
    boards = [c for c in callbacks if type_name(c).rpartition(".")[2] == "TensorBoard"]
    if len(boards) != 1 or len(callbacks) != 4:
        raise failure(f"{what}: callback classes", str(sorted([*expected, "TensorBoard"])),
                      str(sorted(type_name(c).rpartition(".")[2] for c in callbacks)),
                      tr("log_dir가 주어지면 keras.callbacks.TensorBoard(log_dir=log_dir)를 더하세요",
                         "add keras.callbacks.TensorBoard(log_dir=log_dir) when log_dir is given"))
    got = boards[0].log_dir
    if got != log_dir:
        raise failure(f"{what}: TensorBoard.log_dir", repr(log_dir), repr(got)[:200],
                      tr("TensorBoard(log_dir=log_dir)", "TensorBoard(log_dir=log_dir)"))


@grader(points=2)
def test_early_stopping_stops_after_patience(student, rng):
    """val_loss best at epoch 3 and worse afterwards (the training loss still improving):
    patience 5 ends the run after epoch 8; a flat val_loss (equal is no improvement) ends it
    after epoch 6."""
    run, _, _ = _scenario_a(student)
    if run["epochs_run"] != 8:
        raise failure("fit(epochs=30, callbacks=make_callbacks(...)) with val_loss best at epoch 3 "
                      "(loss improving every epoch): epochs run", "8 (3 + patience 5)",
                      str(run["epochs_run"]), HINT_ES)
    _, callbacks = _callbacks(student)
    flat = _drive(student, callbacks, 0.1, _logs([1.0] * 12, [0.5] * 12, 12), _weights(rng, 12),
                  "fit(epochs=12, callbacks=make_callbacks(...))")
    if flat["epochs_run"] != 6:
        raise failure("fit(epochs=12, callbacks=make_callbacks(...)) with val_loss 1.0 at every "
                      "epoch: epochs run", tr("6 (1 + patience 5: 같은 값은 개선이 아님)",
                                               "6 (1 + patience 5: an equal value is no "
                                               "improvement)"),
                      str(flat["epochs_run"]), HINT_ES)


@grader(points=2)
def test_early_stopping_restores_best_weights(student, rng):
    """After the run, the model holds the weights of the epoch with the lowest val_loss: when
    early stopping ends it, and when the epochs run out first."""
    run, weights, _ = _scenario_a(student)
    hint = tr("restore_best_weights=True를 주면 훈련이 끝날 때 최고 에폭의 가중치로 되돌립니다",
              "restore_best_weights=True puts back the best epoch's weights when training ends")
    _same_weights(run["final"], weights[2], "the model's weights after the run (val_loss best at "
                  "epoch 3, stopped after epoch 8)", hint, weights)
    _, callbacks = _callbacks(student)
    short = _weights(rng, 4)
    run = _drive(student, callbacks, 0.1, _logs([1.0, 0.7, 0.8, 0.9], [0.5] * 4, 4), short,
                 "fit(epochs=4, callbacks=make_callbacks(...))")
    _same_weights(run["final"], short[1], "the model's weights after fit(epochs=4) with val_loss "
                  "best at epoch 2 (no early stop)", hint, short)


@grader(points=2)
def test_model_checkpoint_keeps_the_best_model(student, artifacts):
    """The checkpoint file holds the model of the epoch with the highest val_accuracy (read in
    a fresh confined process)."""
    _, weights, data = _scenario_a(student)
    what = "the model in checkpoint_path after the run (val_accuracy best at epoch 5)"
    if data is None:
        raise failure(what, tr("저장된 .keras 파일", "a saved .keras file"),
                      tr("파일 없음", "no file"), HINT_CKPT)
    saved = _checkpoint_weights(artifacts, data, "checkpoint_path")
    _same_weights(saved, weights[4], what,
                  tr("monitor=\"val_accuracy\"와 save_best_only=True: 최고 정확도일 때만 저장",
                     "monitor=\"val_accuracy\" and save_best_only=True: save only at a new best "
                     "accuracy"), weights)


def _expected_lrs(val_loss: list[float], lr: float, epochs: int) -> np.ndarray:
    """The learning rate after each epoch's end under the contract's ReduceLROnPlateau
    (monitor val_loss, factor 0.5, patience 3, min_lr 1e-7; Keras' min_delta 1e-4, no cooldown),
    computed here."""
    best, wait, out = None, 0, []
    for value in val_loss[:epochs]:
        if best is None or value < best - 1e-4:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= 3:
                if np.float32(lr) > np.float32(1e-7):
                    lr = max(lr * 0.5, 1e-7)
                wait = 0
        out.append(lr)
    return np.array(out)


@grader(points=2)
def test_reduce_lr_on_plateau(student, rng):
    """val_loss best at epoch 3: the rate halves after every 3 epochs without improvement (0.1 →
    0.05 at epoch 6...); on a flat val_loss from 1.5e-7 it stops at min_lr 1e-7. Compared over the
    epochs each run lasted, at least up to the first reduction."""
    run, _, _ = _scenario_a(student)
    # Compared over the epochs the run lasted (when it stops is another test's concern), at least
    # up to the first reduction.
    got = np.asarray(run["lr"], dtype=np.float64)
    expected = _expected_lrs(VAL_LOSS, 0.1, max(len(got), 6))
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-5, atol=0):
        raise failure("learning rate after each epoch (val_loss best at epoch 3, from 0.1)",
                      " ".join(f"{v:.3g}" for v in expected), " ".join(f"{v:.3g}" for v in got),
                      HINT_LR)
    _, callbacks = _callbacks(student)
    flat = _drive(student, callbacks, 1.5e-7, _logs([1.0] * 12, [0.5] * 12, 12), _weights(rng, 12),
                  "fit(epochs=12, callbacks=make_callbacks(...))")
    got = np.asarray(flat["lr"], dtype=np.float64)
    expected = _expected_lrs([1.0] * 12, 1.5e-7, max(len(got), 4))
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-5, atol=0):
        raise failure("learning rate after each epoch (val_loss flat, from 1.5e-7; min_lr 1e-7)",
                      " ".join(f"{v:.2e}" for v in expected), " ".join(f"{v:.2e}" for v in got),
                      HINT_LR)


@grader(points=2)
def test_loss_history_records_every_epoch(student, rng):
    """The hooks of fit(epochs=3) with validation (4 batches, validation hooks too), then of a
    second fit(epochs=2) without: one float per epoch, the epoch's loss and val_loss; each fit
    starts afresh."""
    hint = tr("on_epoch_end에서 logs[\"loss\"], logs[\"val_loss\"]를 float로 추가하고 "
              "on_train_begin에서 두 리스트를 비우세요",
              "append float(logs[\"loss\"]) and float(logs[\"val_loss\"]) in on_epoch_end, and empty "
              "both lists in on_train_begin")
    model = _model(student, 0.1)
    hist = student.call(f"{MODULE}:LossHistory")
    hist.set_model(model)
    runs = []
    for epochs, validation in ((3, True), (2, False)):
        hist.set_params({"verbose": 0, "epochs": epochs, "steps": 4})
        losses = [float(v) for v in rng.uniform(0.2, 2.0, epochs)]
        val_losses = [float(v) for v in rng.uniform(0.2, 2.0, epochs)] if validation else []
        hist.on_train_begin(None)
        for epoch in range(epochs):
            hist.on_epoch_begin(epoch, None)
            for batch in range(4):
                hist.on_train_batch_begin(batch, None)
                hist.on_train_batch_end(batch, {"loss": float(rng.uniform(0.2, 2.0)), "accuracy": 0.5})
            logs = {"loss": losses[epoch], "accuracy": float(rng.uniform())}
            if validation:
                hist.on_test_begin(None)
                for batch in range(2):
                    hist.on_test_batch_begin(batch, None)
                    hist.on_test_batch_end(batch, {"loss": float(rng.uniform(0.2, 2.0))})
                hist.on_test_end({"loss": val_losses[epoch]})
                logs.update(val_loss=val_losses[epoch], val_accuracy=float(rng.uniform()))
            hist.on_epoch_end(epoch, logs)
        hist.on_train_end(None)
        runs.append((epochs, validation, losses, val_losses, hist.losses, hist.val_losses))
    for epochs, validation, losses, val_losses, got_losses, got_val in runs:
        fit = (f"fit(epochs={epochs}, 4 batches each" + (", validation_data=...)" if validation
                                                          else ") without validation data"))
        for attr, expected, got in (("losses", losses, got_losses), ("val_losses", val_losses, got_val)):
            what = f"LossHistory().{attr} after {fit}" + (tr(" (두 번째 fit)", " (a second fit)").render()
                                                          if not validation else "")
            if not isinstance(got, list) or len(got) != len(expected):
                raise failure(what, tr(f"에폭마다 하나씩, {len(expected)}개",
                                       f"{len(expected)} values, one per epoch"),
                              f"{type(got).__name__} of {len(got) if isinstance(got, list) else '?'}"
                              + (f": {got!r:.80}" if isinstance(got, list) else ""), hint)
            if expected:
                assert_close(np.asarray(got, dtype=np.float64), np.asarray(expected), rtol=1e-6,
                             atol=1e-7, what=f"{what} vs the logs of each epoch's end", hint=hint)
