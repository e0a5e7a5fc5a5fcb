"""Graders for ch05.sequences (checklist: lstm-seq).

Error paths count only once the same function works on valid input (`assert_raises(valid=...)`):
stubs whose every call raises the documented exception earn nothing
(attacks/ch05_scaler_always_raises.toml).

The scaler prepare_series returns only feeds the learner's own next steps (inverse_transform of
the forecasts), so it is pinned here to the contract: its data_min_ / data_max_ are the training
part's, and its inverse_transform maps y_test back to the series' own values.
"""

import numpy as np
import pytest

from dldrill.grading import assert_close, assert_raises, assert_shape, failure, grader, tr

MODULE = "ch05.sequences"
HINT_WINDOW = tr("X[i] = data[i : i+seq_len], y[i] = data[i+seq_len] (윈도우 바로 다음 값), "
                 "i = 0 .. len(data)-seq_len-1",
                 "X[i] = data[i : i+seq_len], y[i] = data[i+seq_len] (the step right after the "
                 "window), for i = 0 .. len(data)-seq_len-1")


@pytest.mark.parametrize("shape,seq_len,dtype", [((30,), 5, np.float64), ((12, 3), 4, np.float32),
                                                 ((8,), 7, np.float64)],
                         ids=["T30-len5", "T12xF3-len4", "T8-len7"])
@grader(points=1)
def test_create_sequences_windows_and_targets(student, rng, shape, seq_len, dtype):
    data = rng.standard_normal(shape).astype(dtype)
    n = shape[0] - seq_len
    got = student.call(f"{MODULE}:create_sequences", data, seq_len)
    if not isinstance(got, tuple) or len(got) != 2:
        raise failure("create_sequences(...)", "(X, y)", repr(got)[:100], HINT_WINDOW)
    X, y = got
    what = f"create_sequences(data {shape}, seq_len={seq_len})"
    assert_shape(X, (n, seq_len, *shape[1:]), f"{what}: X", HINT_WINDOW)
    assert_shape(y, (n, *shape[1:]), f"{what}: y", HINT_WINDOW)
    expected_X = np.stack([data[i:i + seq_len] for i in range(n)])
    assert_close(X, expected_X, rtol=0, atol=0, what=f"{what}: X", hint=HINT_WINDOW)
    assert_close(y, data[seq_len:], rtol=0, atol=0, what=f"{what}: y", hint=HINT_WINDOW)
    for name, value in (("X", X), ("y", y)):
        if np.asarray(value).dtype != data.dtype:
            raise failure(f"{what}: {name}.dtype", str(data.dtype), str(np.asarray(value).dtype),
                          tr("데이터의 dtype을 그대로 두세요 (np.asarray, np.stack은 유지합니다)",
                             "keep the data's dtype (np.asarray and np.stack keep it)"))

    def works():  # the same function on valid input, checked, before its error path counts
        got_X, got_y = student.call(f"{MODULE}:create_sequences", data[:seq_len + 1], seq_len)
        assert_close(got_X, data[None, :seq_len], rtol=0, atol=0,
                     what=f"create_sequences(data of {seq_len + 1} steps, seq_len={seq_len}): X",
                     hint=HINT_WINDOW)
        assert_close(got_y, data[seq_len:seq_len + 1], rtol=0, atol=0,
                     what=f"create_sequences(data of {seq_len + 1} steps, seq_len={seq_len}): y",
                     hint=HINT_WINDOW)

    no_window = tr("타깃이 있는 윈도우가 하나도 없거나 seq_len < 1이면 ValueError",
                   "no window has a target, or seq_len < 1: raise ValueError")
    assert_raises("ValueError", student.call, f"{MODULE}:create_sequences", data[:seq_len], seq_len,
                  valid=works, what=f"create_sequences(data of {seq_len} steps, seq_len={seq_len})",
                  hint=no_window)
    assert_raises("ValueError", student.call, f"{MODULE}:create_sequences", data, 0, valid=works,
                  what=f"create_sequences(data {shape}, seq_len=0)", hint=no_window)


@grader(points=2)
def test_minmax_scaler_per_feature_and_round_trip(student, rng):
    data = rng.standard_normal((40, 3)) * np.array([1.0, 10.0, 0.1]) + np.array([0.0, 50.0, -3.0])
    scaler = student.call(f"{MODULE}:MinMaxScaler")
    scaler.fit(data)
    got = scaler.transform(data)
    hint = tr("열(특성)마다 따로: (x - 열의 min) / (열의 max - 열의 min), axis=0",
              "one min and max per column (feature): (x - min) / (max - min) with axis=0")
    assert_shape(got, (40, 3), "MinMaxScaler().fit(data (40, 3)).transform(data)", hint)
    expected = (data - data.min(0)) / (data.max(0) - data.min(0))
    assert_close(got, expected, rtol=1e-9, atol=1e-12,
                 what="MinMaxScaler().fit(data (40, 3)).transform(data)", hint=hint)
    back = scaler.inverse_transform(got)
    assert_close(back, data, rtol=1e-9, atol=1e-9, what="inverse_transform(transform(data))",
                 hint=tr("x * (max - min) + min", "x * (max - min) + min"))
    series = rng.standard_normal(25) * 4 + 7
    one = student.call(f"{MODULE}:MinMaxScaler")
    one.fit(series)
    got1 = one.transform(series)
    assert_shape(got1, (25,), "MinMaxScaler().fit(series (25,)).transform(series)",
                 tr("1차원 입력은 1차원으로 돌려주세요", "a 1-D input gives a 1-D output"))
    assert_close(got1, (series - series.min()) / (series.max() - series.min()), rtol=1e-9,
                 atol=1e-12, what="MinMaxScaler on a 1-D series", hint=hint)
    for name, value in (("data_min_", data.min(0)), ("data_max_", data.max(0))):
        assert_close(getattr(scaler, name), value, rtol=0, atol=0,
                     what=f"MinMaxScaler().fit(data (40, 3)).{name}",
                     hint=tr("fit은 열마다 최솟값·최댓값을 data_min_, data_max_ (모양 (F,))에 저장합니다",
                             "fit keeps each column's min and max in data_min_ and data_max_ "
                             "(shape (F,))"))
    assert_shape(one.data_min_, (1,), "MinMaxScaler().fit(series (25,)).data_min_",
                 tr("1차원 입력이면 data_min_의 모양은 (1,)", "a 1-D input gives data_min_ of shape (1,)"))
    flat = student.call(f"{MODULE}:MinMaxScaler")
    const = np.column_stack([np.full(6, 2.5), np.arange(6.0)])
    flat.fit(const)
    assert_close(flat.transform(const), np.column_stack([np.zeros(6), np.arange(6.0) / 5]),
                 rtol=1e-9, atol=1e-12, what="MinMaxScaler on a constant column",
                 hint=tr("범위가 0인 열은 1로 나누세요 (NaN 금지)",
                         "divide a zero-range column by 1 (no NaN)"))


@grader(points=2)
def test_minmax_scaler_transform_uses_the_fitted_range(student, rng):
    train = rng.uniform(0.0, 10.0, size=(30, 1))
    train[0, 0], train[1, 0] = 0.0, 10.0
    new = np.array([[-5.0], [5.0], [20.0]])
    scaler = student.call(f"{MODULE}:MinMaxScaler")
    scaler.fit(train)
    assert_close(scaler.transform(new), np.array([[-0.5], [0.5], [2.0]]), rtol=1e-9, atol=1e-12,
                 what="fit on values in [0, 10], then transform([[-5], [5], [20]])",
                 hint=tr("transform은 fit 때 저장한 min/max를 씁니다: 범위 밖 값은 [0, 1] 밖으로",
                         "transform uses the min and max saved by fit: values outside that range "
                         "map outside [0, 1]"))


@grader(points=1)
def test_minmax_scaler_refuses_transform_before_fit(student, rng):
    data = rng.uniform(-2.0, 3.0, size=(12, 2))

    def works():
        fitted = student.call(f"{MODULE}:MinMaxScaler")
        fitted.fit(data)
        assert_close(fitted.transform(data), (data - data.min(0)) / (data.max(0) - data.min(0)),
                     rtol=1e-9, atol=1e-12, what="MinMaxScaler().fit(data).transform(data)",
                     hint=tr("(x - min) / (max - min), 열마다", "(x - min) / (max - min), per column"))

    assert_raises("RuntimeError", student.call(f"{MODULE}:MinMaxScaler").transform, data, valid=works,
                  what="MinMaxScaler().transform(data) before fit",
                  hint=tr("fit 전에 transform하면 RuntimeError (data_min_이 None)",
                          "transform before fit raises RuntimeError (data_min_ is still None)"))


@grader(points=3)
def test_prepare_series_fits_on_the_training_part_only(student, rng):
    """A rising series: the test period goes above the training maximum."""
    T, seq_len = 60, 6
    series = np.linspace(0.0, 3.0, T) + 0.1 * rng.standard_normal(T)
    got = student.call(f"{MODULE}:prepare_series", series, seq_len, train_fraction=0.75)
    if not isinstance(got, tuple) or len(got) != 5:
        raise failure("prepare_series(...)", "(X_train, y_train, X_test, y_test, scaler)",
                      repr(got)[:100], HINT_WINDOW)
    X_tr, y_tr, X_te, y_te, scaler = got
    n_train = 45
    lo, hi = series[:n_train].min(), series[:n_train].max()
    scaled = (series - lo) / (hi - lo)
    leak = tr("스케일러는 학습 구간 series[:n_train]에만 fit 하세요. 전체로 fit 하면 테스트 구간의 최댓값이 "
              "새어 들어갑니다 (데이터 누수)",
              "fit the scaler on the training part series[:n_train] only; fitting on all the data "
              "leaks the test period's maximum into training (data leakage)")
    what = "prepare_series(rising series of 60, seq_len=6, train_fraction=0.75)"
    assert_shape(X_tr, (n_train - seq_len, seq_len), f"{what}: X_train", HINT_WINDOW)
    assert_shape(X_te, (T - n_train, seq_len), f"{what}: X_test", HINT_WINDOW)
    assert_close(y_te, scaled[n_train:], rtol=1e-9, atol=1e-12,
                 what=f"{what}: y_test (the scaled steps 45..59)", hint=leak)
    assert_close(X_tr, np.stack([scaled[i:i + seq_len] for i in range(n_train - seq_len)]),
                 rtol=1e-9, atol=1e-12, what=f"{what}: X_train", hint=leak)
    assert_close(y_tr, scaled[seq_len:n_train], rtol=1e-9, atol=1e-12, what=f"{what}: y_train",
                 hint=HINT_WINDOW)
    assert_close(X_te, np.stack([scaled[i - seq_len:i] for i in range(n_train, T)]), rtol=1e-9,
                 atol=1e-12, what=f"{what}: X_test", hint=HINT_WINDOW)
    # The scaler goes on to the learner's own code (forecasts back to the series' units): pinned.
    what_scaler = f"{what}: the returned scaler"
    for name, value in (("data_min_", [lo]), ("data_max_", [hi])):
        assert_close(getattr(scaler, name), np.array(value), rtol=0, atol=0,
                     what=f"{what_scaler}.{name}", hint=leak)
    assert_close(scaler.inverse_transform(y_te), series[n_train:], rtol=1e-9, atol=1e-12,
                 what=f"{what_scaler}.inverse_transform(y_test) vs series[45:]", hint=leak)
