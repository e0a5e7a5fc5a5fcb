# dldrill:stub 07b4259289dc · from solutions/ch02/callbacks.py · 여러분의 파일 / yours to edit
"""Callbacks: the hooks that control a `fit` run from the outside.

콜백은 `fit`이 에폭·배치마다 호출하는 객체입니다. 현업에서 거의 항상 쓰는 네 가지:
A callback is an object whose `on_epoch_end`, `on_train_batch_end`... methods `fit` calls as it
trains. The four used almost always in practice:

- `EarlyStopping`: stop when the validation loss has not improved for `patience` epochs, and put
  back the weights of the best epoch (검증 손실이 개선되지 않으면 조기 종료, 최고 가중치 복원);
- `ModelCheckpoint`: save the model whenever the monitored value reaches a new best;
- `ReduceLROnPlateau`: multiply the learning rate by `factor` when progress stalls;
- `TensorBoard`: write logs for `tensorboard --logdir ...`.

    history = model.fit(X, y, validation_split=0.2, epochs=100,
                        callbacks=make_callbacks("best_model.keras"))
"""

from __future__ import annotations

import keras


def make_callbacks(checkpoint_path: str, log_dir: str | None = None) -> list:
    """The curriculum's callbacks, as a list for `fit(..., callbacks=...)`.

    - `EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)`
    - `ModelCheckpoint(filepath=checkpoint_path, monitor="val_accuracy", save_best_only=True)`
    - `ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3, min_lr=1e-7)`
    - `TensorBoard(log_dir=log_dir)` — only when `log_dir` is given (not None).

    `checkpoint_path` ends in `.keras` (the whole model is saved there).

    Hint / 힌트: without `restore_best_weights=True` the model keeps the weights of the *last*
    epoch, which early stopping reaches only after `patience` epochs without improvement
    (restore_best_weights가 없으면 마지막 에폭의 가중치가 남습니다).
    """
    raise NotImplementedError("TODO(ch02.callbacks.make_callbacks)")


class LossHistory(keras.callbacks.Callback):
    """Records the training and validation loss of every epoch.

    에폭이 끝날 때마다 `logs["loss"]`와 `logs["val_loss"]`를 기록하는 콜백.
    After `model.fit(..., validation_data=(Xv, yv), callbacks=[hist])`:
    `hist.losses` is a list of floats, one per epoch (the same values as
    `history.history["loss"]`), and `hist.val_losses` the same for `val_loss` (empty when
    there is no validation data). Both lists start empty at the start of each `fit`.

    Hint / 힌트: override `on_train_begin(self, logs=None)` to reset the lists and
    `on_epoch_end(self, epoch, logs=None)` to append — not `on_train_batch_end`, which runs once
    per *batch* (배치마다가 아니라 에폭마다 기록하세요).
    """

    def __init__(self) -> None:
        super().__init__()
        self.losses: list[float] = []
        self.val_losses: list[float] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Starts both lists afresh (empty).

        Hint / 힌트: assign new empty lists to `self.losses` and `self.val_losses`.
        """
        raise NotImplementedError("TODO(ch02.callbacks.LossHistory.on_train_begin)")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Appends this epoch's `loss` (and `val_loss`, when present) as floats.

        Hint / 힌트: `logs` holds the epoch's averages (`logs["loss"]`, `logs.get("val_loss")`);
        it may be None, so start with `logs = logs or {}`.
        """
        raise NotImplementedError("TODO(ch02.callbacks.LossHistory.on_epoch_end)")
