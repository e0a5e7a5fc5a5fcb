"""Visible tests for ch05.sequences — run them with `pytest exercises/ch05`.

Small worked examples; the hidden graders also check 2-D series, the scaler on several features
and on new data, and that `prepare_series` fits the scaler on the training part only.
"""

import numpy as np

from dldrill.grading import assert_close, tr

from ch05.sequences import MinMaxScaler, create_sequences, prepare_series


def test_create_sequences_window_then_next_value():
    X, y = create_sequences(np.arange(10), seq_len=3)
    assert X.shape == (7, 3) and y.shape == (7,)
    assert X[0].tolist() == [0, 1, 2] and y[0] == 3  # the target comes right after its window
    assert X[-1].tolist() == [6, 7, 8] and y[-1] == 9


def test_minmax_scaler_round_trip():
    data = np.array([[1.0, 10.0], [3.0, 20.0], [2.0, 30.0]])
    scaler = MinMaxScaler().fit(data)
    scaled = scaler.transform(data)
    assert_close(scaled, np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0]]),
                 hint=tr("열마다 (x − min) / (max − min)",
                         "(x − min) / (max − min) per column"))
    assert_close(scaler.inverse_transform(scaled), data,
                 hint=tr("역변환: x · (max − min) + min",
                         "the inverse: x · (max − min) + min"))


def test_prepare_series_scales_on_the_training_part():
    series = np.arange(20.0)  # rising: the test part is above the training maximum
    X_tr, y_tr, X_te, y_te, _ = prepare_series(series, seq_len=4, train_fraction=0.5)
    assert X_tr.shape == (6, 4) and X_te.shape == (10, 4)
    assert y_tr.max() == 1.0  # series[9], the training maximum
    assert y_te.min() > 1.0  # the test targets lie beyond the training range
