"""Graders for ch01.gradient_descent (checklist: backprop-gd).

The shuffled order is the learner's choice (any use of the rng is fine), so shuffled batches are
graded by behaviour: every sample exactly once per pass, rows of X and y kept together, the same
batches for the same seed. The generators are built inside the submission
(`student.call("numpy.random:default_rng", seed)`) and passed as handles. SGD and mini-batch
updates are checked on data whose rows are all equal, where the order cannot matter, and on a
few samples where every possible order of one epoch is replayed here: the returned (w, b) must be
reachable by exactly the contract's gradient steps and each loss must be the MSE of the weights
after its epoch on that path (a closed-form answer with a made-up history is reachable by no
order). Gradient descent is by hand: the source of fit_linear_regression is read as text and a
least-squares solver or library regressor there earns nothing (assert_by_hand).

Also checked: batch gradient descent matches the answer key exactly (w, b start at zero, the
gradient of the MSE with its 2), and all three methods reach np.linalg.lstsq's solution.
Accepted alternative: rng.shuffle and a while loop, SGD as its own loop over a permutation
(ch01_gradient_descent_other_style).
"""

import itertools

import numpy as np
import pytest

from dldrill.grading import (
    assert_by_hand,
    assert_close,
    assert_raises,
    assert_shape,
    failure,
    grader,
    tr,
)

MODULE = "ch01.gradient_descent"
HINT_COVER = tr("인덱스를 한 번 섞고 range(0, N, batch_size)로 잘라 쓰세요; 마지막의 작은 배치도 "
                "내보내세요", "shuffle an index array once and slice it with "
                "range(0, N, batch_size); yield the smaller last batch too")
HINT_GRAD = tr("배치 B개에 대해 dw = 2/B · X_bᵀ(X_b w + b − y_b), db = 2 · mean(X_b w + b − y_b)",
               "on a batch of B: dw = 2/B · X_bᵀ(X_b w + b − y_b), db = 2 · mean(X_b w + b − y_b)")


CLOSED_FORM = ("numpy.linalg", "numpy.polyfit", "numpy.polynomial", "scipy", "sklearn", "torch",
               "tensorflow", "keras", "jax", "statsmodels")
HINT_BY_HAND = tr("np.linalg.lstsq/solve/inv 같은 닫힌 해나 라이브러리 회귀 없이, 기울기를 직접 계산해 "
                  "갱신하세요", "compute the gradient and update w and b yourself: no closed form "
                  "(np.linalg.lstsq/solve/inv) and no library regressor")


def _ids(n: int) -> tuple[np.ndarray, np.ndarray]:
    """X whose first column is the row number, y = 10 · row number: each sample is traceable."""
    X = np.column_stack([np.arange(n, dtype=float), np.arange(n, dtype=float) ** 2])
    return X, 10.0 * np.arange(n)


def _batches(student, X, y, batch_size, **kwargs) -> list:
    return list(student.call(f"{MODULE}:iterate_minibatches", X, y, batch_size, **kwargs))


def _regression(seed: int = 0, n: int = 200):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3)) * np.array([1.0, 2.0, 0.5]) + np.array([0.5, -1.0, 0.0])
    y = X @ np.array([1.5, -0.7, 2.0]) + 0.8 + 0.1 * rng.standard_normal(n)
    return X, y


def _check_cover(batches, X, y, batch_size, what) -> np.ndarray:
    """Fails unless the batches are (X_b, y_b) pairs with rows kept together, sized batch_size
    except a smaller last one, covering each row once; returns the row order."""
    n = len(X)
    sizes = [len(b[1]) for b in batches] if all(len(b) == 2 for b in batches) else None
    want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != want:
        raise failure(f"batch sizes, {what}", str(want), str(sizes), HINT_COVER)
    order = np.concatenate([np.asarray(xb)[:, 0] for xb, _ in batches]).astype(int)
    ys = np.concatenate([np.asarray(yb) for _, yb in batches])
    if sorted(order.tolist()) != list(range(n)):
        raise failure(f"samples seen in one pass, {what}", tr(f"0..{n - 1} 각각 한 번",
                      f"each of 0..{n - 1} once"),
                      f"{len(set(order.tolist()))} distinct of {len(order)}", HINT_COVER)
    if not np.array_equal(ys, 10.0 * order) or not np.array_equal(
            np.concatenate([np.asarray(xb) for xb, _ in batches]), X[order]):
        raise failure(f"(X_batch, y_batch) pairs, {what}", tr("같은 인덱스의 X 행과 y",
                      "rows of X and y with the same indices"),
                      tr("X와 y가 따로 섞였습니다", "X and y were shuffled apart"),
                      tr("X와 y를 같은 인덱스 배열로 고르세요", "index X and y with the same array"))
    return order


@grader("backprop-gd", points=1)
def test_no_shuffle_keeps_the_order_and_the_uneven_last_batch(student):
    X, y = _ids(23)
    for batch_size in (5, 23, 50):
        what = f"N=23, batch_size={batch_size}, shuffle=False"
        order = _check_cover(_batches(student, X, y, batch_size, shuffle=False), X, y,
                             batch_size, what)
        if not np.array_equal(order, np.arange(23)):
            raise failure(f"order of the samples, {what}", "0, 1, 2, ...",
                          ", ".join(map(str, order[:6])) + ", ...",
                          tr("shuffle=False면 섞지 마세요", "do not shuffle when shuffle=False"))
    X, y = _ids(24)
    _check_cover(_batches(student, X, y, 8, shuffle=False), X, y, 8,
                 "N=24, batch_size=8 (no empty batch at the end)")


@grader("backprop-gd", points=2)
def test_shuffled_batches_cover_every_sample_exactly_once(student):
    X, y = _ids(50)
    rng = student.call("numpy.random:default_rng", 3)
    order = _check_cover(_batches(student, X, y, 8, rng=rng), X, y, 8,
                         "N=50, batch_size=8, shuffle=True")
    if np.array_equal(order, np.arange(50)):
        raise failure("order with shuffle=True", tr("섞인 순서", "a shuffled order"),
                      "0, 1, 2, ...", tr("rng로 인덱스를 섞으세요 (rng.permutation(N))",
                                         "shuffle the indices with the rng (rng.permutation(N))"))
    _check_cover(_batches(student, X, y, 7), X, y, 7, "N=50, batch_size=7, rng=None")


@grader("backprop-gd", points=1)
def test_the_rng_makes_batches_reproducible(student):
    X, y = _ids(40)
    hint = tr("섞을 때 인자로 받은 rng를 쓰세요 (새 rng나 고정 seed가 아니라)",
              "shuffle with the rng you are given (not a new one, not a fixed seed)")
    orders = []
    for seed in (3, 3, 4):
        rng = student.call("numpy.random:default_rng", seed)
        orders.append(np.concatenate([np.asarray(yb) for _, yb in
                                      _batches(student, X, y, 6, rng=rng)]))
    if not np.array_equal(orders[0], orders[1]):
        raise failure("batches from two rngs with seed 3", tr("같은 순서", "the same order"),
                      tr("다른 순서", "different orders"), hint)
    if np.array_equal(orders[0], orders[2]):
        raise failure("batches from rngs with seed 3 and seed 4", tr("다른 순서",
                      "different orders"), tr("같은 순서", "the same order"),
                      hint)


@grader("backprop-gd", points=2)
def test_batch_gd_matches_the_reference(student, reference):
    X, y = _regression(1, n=60)
    hint = tr("w = 0, b = 0.0에서 시작해 에포크마다 전체 데이터로 한 번: " + HINT_GRAD.ko,
              "start from w = 0, b = 0.0 and update once per epoch on all the data: "
              + HINT_GRAD.en)
    for epochs in (1, 25):
        kwargs = dict(method="batch", lr=0.05, epochs=epochs)
        got = student.call(f"{MODULE}:fit_linear_regression", X, y, **kwargs)
        exp = reference.call(f"{MODULE}:fit_linear_regression", X, y, **kwargs)
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise failure("fit_linear_regression(...)", "(w, b, losses)", repr(got)[:80], hint)
        assert_shape(got[0], (3,), what="w", hint=hint)
        assert_close(got[0], exp[0], what=f"w after {epochs} epoch(s) of batch GD, lr=0.05",
                     hint=hint)
        assert_close(got[1], exp[1], what=f"b after {epochs} epoch(s) of batch GD, lr=0.05",
                     hint=hint)
        assert_close(list(got[2]), exp[2], what=f"losses of {epochs} epoch(s) of batch GD",
                     hint=hint)


def _steps_on_equal_rows(x0: np.ndarray, y0: float, lr: float, steps: int):
    """Gradient descent on data whose rows all equal (x0, y0): any batch has the same gradient."""
    w, b = np.zeros_like(x0), 0.0
    for _ in range(steps):
        err = x0 @ w + b - y0
        w, b = w - lr * 2 * err * x0, b - lr * 2 * err
    return w, b


@pytest.mark.parametrize(("method", "batch_size", "updates_per_epoch"),
                         [("sgd", 32, 10), ("minibatch", 4, 3)], ids=["sgd", "minibatch"])
@grader("backprop-gd", points=1)
def test_sgd_and_minibatch_update_once_per_sample_and_per_batch(student, method, batch_size,
                                                                updates_per_epoch):
    """10 equal rows: SGD makes 10 updates an epoch, mini-batches of 4 make 3 (4, 4 and 2)."""
    x0, y0 = np.array([0.6, -0.4, 0.3]), 1.2
    X, y = np.tile(x0, (10, 1)), np.full(10, y0)
    w, b, _ = student.call(f"{MODULE}:fit_linear_regression", X, y, method=method, lr=0.1, epochs=2,
                           batch_size=batch_size, seed=0)
    ew, eb = _steps_on_equal_rows(x0, y0, 0.1, 2 * updates_per_epoch)
    hint = tr(f"{method}: 에포크마다 {'샘플' if method == 'sgd' else '배치'}마다 한 번 갱신, "
              "마지막의 작은 배치 포함; " + HINT_GRAD.ko,
              f"{method}: one update per {'sample' if method == 'sgd' else 'batch'}, the "
              "smaller last batch included; " + HINT_GRAD.en)
    what = f"{method}, batch_size={batch_size}, 10 equal rows, 2 epochs"
    assert_close(w, ew, what=f"w ({what})", hint=hint)
    assert_close(b, eb, what=f"b ({what})", hint=hint)


@pytest.mark.parametrize(("method", "lr", "epochs"),
                         [("batch", 0.05, 300), ("sgd", 0.005, 30), ("minibatch", 0.02, 60)],
                         ids=["batch", "sgd", "minibatch"])
@grader("backprop-gd", points=1)
def test_all_methods_approach_least_squares(student, method, lr, epochs):
    """The outcome of gradient descent; a closed-form solver in its place earns nothing."""
    assert_by_hand(student, MODULE, forbidden=CLOSED_FORM, functions=["fit_linear_regression"],
                   hint=HINT_BY_HAND)
    X, y = _regression(0)
    A = np.column_stack([X, np.ones(len(X))])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    best = float(np.mean((A @ sol - y) ** 2))
    # The same grade on every run, also for code that ignores `seed` and shuffles with the
    # global RNG (that mistake is test_fit_seed_makes_sgd_reproducible's to catch, not luck's).
    student.call("numpy.random:seed", 0)
    w, b, losses = student.call(f"{MODULE}:fit_linear_regression", X, y, method=method, lr=lr,
                                epochs=epochs, batch_size=16, seed=0)
    hint = tr("MSE의 기울기 방향 반대로 이동하세요: " + HINT_GRAD.ko,
              "move against the gradient of the MSE: " + HINT_GRAD.en)
    what = f"{method}, lr={lr}, {epochs} epochs, N=200"
    assert_close(np.append(np.asarray(w, dtype=float), b), sol, rtol=0, atol=0.05,
                 what=f"(w, b) vs np.linalg.lstsq ({what})", hint=hint)
    if not losses or not losses[-1] <= 1.1 * best:
        raise failure(f"final loss ({what})", f"<= 1.1 × {best:.4g} (lstsq)",
                      repr(losses[-1] if losses else losses), hint)


def _epochs_of(method: str, n: int, batch_size: int) -> list[list[np.ndarray]]:
    """Every way one epoch can visit n samples: the batches in order (sizes batch_size, ..., the
    smaller rest), each batch as an index array. The order inside a batch does not matter."""
    size = 1 if method == "sgd" else batch_size
    seen, out = set(), []
    for perm in itertools.permutations(range(n)):
        batches = [perm[s:s + size] for s in range(0, n, size)]
        key = tuple(frozenset(b) for b in batches)
        if key not in seen:
            seen.add(key)
            out.append([np.array(sorted(b)) for b in batches])
    return out


def _replay(X, y, lr: float, epochs: int, candidates) -> list[tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]]:
    """All (w, b) that `epochs` epochs of gradient steps from w = 0, b = 0 can reach, one entry
    per epoch: (W (S, d), B (S,), parent (S,)), parent = the state of the epoch before."""
    W, B = np.zeros((1, X.shape[1])), np.zeros(1)
    out = []
    for _ in range(epochs):
        news = []
        for batches in candidates:
            w, b = W.copy(), B.copy()
            for idx in batches:
                err = w @ X[idx].T + b[:, None] - y[idx]  # (S, len(idx))
                w = w - lr * 2.0 * (err @ X[idx]) / len(idx)
                b = b - lr * 2.0 * err.mean(axis=1)
            news.append((w, b))
        W = np.concatenate([w for w, _ in news])
        B = np.concatenate([b for _, b in news])
        out.append((W, B, np.tile(np.arange(len(news[0][1])), len(news))))
    return out


def _matches(W: np.ndarray, B: np.ndarray, w, b) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    return np.flatnonzero(np.all(np.isclose(W, w, rtol=1e-7, atol=1e-10), axis=1)
                          & np.isclose(B, float(b), rtol=1e-7, atol=1e-10))


REPLAY = {"sgd": (4, 2, 3), "minibatch": (7, 3, 2)}  # n samples, batch_size, epochs (sgd ignores it)


@pytest.mark.parametrize("method", ["sgd", "minibatch"])
@grader("backprop-gd", points=1)
def test_losses_are_the_full_data_mse_after_each_epoch(student, method):
    """The process, not only the outcome: on a few samples every order of one epoch's updates is
    replayed here (4! orders of single samples for SGD; the 140 ways to cut 7 samples into
    batches of 3, 3 and 1), so the returned (w, b) must be reachable by exactly the contract's
    gradient steps, and losses[k] must be the full-data MSE of the weights after epoch k on that
    path. A closed-form answer with a made-up loss history is reachable by no order."""
    n, batch_size, epochs = REPLAY[method]
    rng = np.random.default_rng(11)
    X = rng.standard_normal((n, 2)) * np.array([1.0, 0.6])
    y = X @ np.array([1.2, -0.8]) + 0.5 + 0.3 * rng.standard_normal(n)
    lr = 0.1
    assert_by_hand(student, MODULE, forbidden=CLOSED_FORM, functions=["fit_linear_regression"],
                   hint=HINT_BY_HAND)
    hint = tr("에포크가 끝난 뒤 전체 X, y로 mean((X @ w + b − y)²)를 계산해 추가하세요",
              "after each epoch append mean((X @ w + b − y)²) on all of X and y")
    candidates = _epochs_of(method, n, batch_size)
    replay = _replay(X, y, lr, epochs, candidates)
    unit = tr("샘플" if method == "sgd" else f"{batch_size}개 배치",
              "sample" if method == "sgd" else f"batch of {batch_size}")
    for k in (1, epochs):
        got = student.call(f"{MODULE}:fit_linear_regression", X, y, method=method, lr=lr, epochs=k,
                           batch_size=batch_size, seed=3)
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise failure("fit_linear_regression(...)", "(w, b, losses)", repr(got)[:80], hint)
        w, b, losses = got
        if not isinstance(losses, list) or len(losses) != k or not all(
                isinstance(v, (float, np.floating)) for v in losses):
            raise failure(f"losses from fit_linear_regression(method={method!r}, epochs={k})",
                          tr(f"float {k}개의 list", f"a list of {k} floats"),
                          repr(losses)[:80], hint)
        if not isinstance(b, (int, float, np.integer, np.floating)):
            raise failure("b", tr("숫자 하나 (float)", "a number (float)"),
                          repr(b)[:60], hint)
        W, B, _ = replay[k - 1]
        found = _matches(W, B, w, b)
        what = f"(w, b) after {k} epoch(s) of {method}, N={n}, lr={lr}"
        if not len(found):
            raise failure(what, tr(f"w = 0, b = 0에서 시작해 에포크마다 {unit.ko}마다 한 번씩, 어떤 "
                                   f"순서로든 경사 하강 갱신을 한 결과",
                                   f"the result of one gradient step per {unit.en} in some "
                                   f"order, every epoch, from w = 0 and b = 0"),
                          f"w={np.round(np.asarray(w, dtype=float), 6).tolist()}, b={float(b):.6g}",
                          tr(f"어떤 순서로도 이 값이 나오지 않습니다: 에포크마다 {unit.ko}마다 "
                             "한 번씩 갱신하세요 (닫힌 해나 다른 방법이 아니라); " + HINT_GRAD.ko,
                             f"no order of the updates gives these weights: update once per "
                             f"{unit.en} every epoch (not a closed form, not another method); "
                             + HINT_GRAD.en))
        # the path to each matching end state; losses[j] is the MSE of its state after epoch j
        paths = []
        for end in found:
            idx, path = int(end), []
            for j in range(k - 1, -1, -1):
                Wj, Bj, parent = replay[j]
                path.append(float(np.mean((X @ Wj[idx] + Bj[idx] - y) ** 2)))
                idx = int(parent[idx])
            paths.append(path[::-1])
        if not any(np.allclose(losses, p, rtol=1e-8, atol=1e-12) for p in paths):
            raise failure(f"losses of {k} epoch(s) of {method} vs the MSE of the weights after "
                          "each epoch", str([round(v, 8) for v in paths[0]]),
                          str([round(float(v), 8) for v in losses]),
                          tr("손실 기록은 각 에포크가 끝난 뒤의 가중치로 계산한 전체 데이터의 MSE여야 "
                             "합니다 (배치 손실의 평균이나 만든 값이 아니라): " + hint.ko,
                             "the history must be the full-data MSE of the weights after each "
                             "epoch (not a mean of batch losses, not made-up values): " + hint.en))


@grader("backprop-gd", points=1)
def test_fit_is_written_by_hand(student, reference):
    """Gradient descent by hand: no least-squares solver or library regressor in
    fit_linear_regression (read as text here, never imported), and a function that works:
    three epochs of batch GD equal the answer key's (untouched code earns nothing here)."""
    assert_by_hand(student, MODULE, forbidden=CLOSED_FORM, functions=["fit_linear_regression"],
                   hint=HINT_BY_HAND)
    X, y = _regression(5, n=30)
    got = student.call(f"{MODULE}:fit_linear_regression", X, y, method="batch", lr=0.05, epochs=3)
    exp = reference.call(f"{MODULE}:fit_linear_regression", X, y, method="batch", lr=0.05, epochs=3)
    if not isinstance(got, tuple | list) or len(got) != 3:
        raise failure("fit_linear_regression(...)", "(w, b, losses)", repr(got)[:80], HINT_GRAD)
    assert_close(np.append(np.asarray(got[0], dtype=float), got[1]), np.append(exp[0], exp[1]),
                 what="(w, b) after 3 epochs of batch GD, lr=0.05", hint=HINT_GRAD)


@grader("backprop-gd", points=1)
def test_fit_seed_makes_sgd_reproducible(student):
    assert_by_hand(student, MODULE, forbidden=CLOSED_FORM, functions=["fit_linear_regression"],
                   hint=HINT_BY_HAND)
    X, y = _regression(3, n=30)
    runs = [student.call(f"{MODULE}:fit_linear_regression", X, y, method="sgd", lr=0.01, epochs=2,
                         seed=seed)[0] for seed in (1, 1, 2)]
    hint = tr("np.random.default_rng(seed)를 한 번 만들어 모든 에포크의 섞기에 쓰세요",
              "make one np.random.default_rng(seed) and shuffle every epoch with it")
    assert_close(runs[1], runs[0], rtol=0, atol=0, what="w of two SGD runs with seed=1",
                 hint=hint)
    if np.allclose(runs[0], runs[2], rtol=0, atol=1e-12):
        raise failure("w of SGD runs with seed=1 and seed=2", tr("다른 값", "different values"),
                      tr("같은 값", "the same values"), hint)


@grader("backprop-gd", points=1)
def test_unknown_method_raises_value_error(student, reference):
    X, y = _regression(4, n=20)

    def valid() -> None:  # the same function must work: two epochs of batch GD, as the key's
        kw = dict(method="batch", lr=0.05, epochs=2)
        got = student.call(f"{MODULE}:fit_linear_regression", X, y, **kw)
        exp = reference.call(f"{MODULE}:fit_linear_regression", X, y, **kw)
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise failure("fit_linear_regression(method='batch')", "(w, b, losses)",
                          repr(got)[:80])
        for g, e, name in zip(got, exp, ("w", "b", "losses"), strict=True):
            assert_close(list(g) if name == "losses" else g, e,
                         what=f"{name} of fit_linear_regression(method='batch', epochs=2)")

    assert_raises("ValueError", student.call, f"{MODULE}:fit_linear_regression", X, y,
                  method="adam", lr=0.01, epochs=1, valid=valid,
                  what="fit_linear_regression(method='adam')",
                  hint=tr("batch/sgd/minibatch가 아니면 raise ValueError(...)",
                          "raise ValueError(...) for anything but batch, sgd or minibatch"))
