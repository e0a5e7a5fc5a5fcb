"""Visible tests for ch02.callbacks — run them with `pytest exercises/ch02`.

The callback types and LossHistory on a tiny fit. The hidden graders run your callbacks in a real
fit whose validation loss plateaus at a known epoch: EarlyStopping must stop after its patience
and restore the best weights, ModelCheckpoint must keep the best model, ReduceLROnPlateau must
halve the learning rate down to min_lr.
"""

import keras
import numpy as np

from dldrill.grading import assert_close, tr

from ch02.callbacks import LossHistory, make_callbacks


def test_callback_types(tmp_path):
    names = sorted(type(cb).__name__ for cb in make_callbacks(str(tmp_path / "best.keras")))
    assert names == ["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"]
    with_logs = make_callbacks(str(tmp_path / "best.keras"), log_dir=str(tmp_path / "logs"))
    assert "TensorBoard" in [type(cb).__name__ for cb in with_logs]


def test_loss_history_one_value_per_epoch():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    X, y = np.random.rand(32, 4).astype("float32"), np.random.randint(0, 2, 32)
    hist = LossHistory()
    history = model.fit(X, y, epochs=2, batch_size=8, validation_data=(X, y), callbacks=[hist], verbose=0)
    assert len(hist.losses) == 2 and len(hist.val_losses) == 2, "one value per epoch, not per batch"
    assert_close(hist.losses, history.history["loss"],
                 hint=tr("on_epoch_end에서 logs['loss']를 에폭마다 하나씩 추가하세요",
                         "append logs['loss'] once per epoch, in on_epoch_end"))
