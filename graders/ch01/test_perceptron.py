"""Graders for ch01.perceptron (checklist: perceptron-activation).

The initial weights are the learner's choice, so every test that compares numbers with the answer
key first sets `w` and `b` to the same known values on both sides through the handle, or reads
the learner's own starting `w` and `b` back and replays the rule from there in the grader (the
convergence tests): learning AND, OR or a separable set counts only when the mistakes history and
the weights are exactly what the perceptron rule gives from that start. The rule is by hand: the
source is read as text and a library classifier there earns nothing (assert_by_hand).

Also checked: predict returns an int for one sample and an int array for a batch; fit returns
one int per epoch; XOR by hand on the whole truth table (any correct weights pass).
Accepted alternative: zero initial weights, np.where, in-place updates, XOR from NAND/OR
(ch01_perceptron_other_style).
"""

import numpy as np

from dldrill.grading import assert_by_hand, assert_close, assert_shape, failure, grader, tr

MODULE = "ch01.perceptron"
LIBRARY_CLASSIFIERS = ("sklearn", "scipy", "torch", "tensorflow", "keras", "jax", "numpy.linalg")
TRUTH = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)

HINT_RULE = tr("샘플마다 순서대로: ŷ = predict(x_i); w += lr·(y_i − ŷ)·x_i; b += lr·(y_i − ŷ)",
               "per sample, in order: ŷ = predict(x_i); w += lr·(y_i − ŷ)·x_i; b += lr·(y_i − ŷ)")
HINT_INIT = tr("__init__에서 self.w (n_inputs,)와 self.b = 0.0을 만드세요",
               "create self.w (n_inputs,) and self.b = 0.0 in __init__")


def _is_int(v) -> bool:
    """One integer: a Python int, a NumPy integer scalar or a 0-d integer array (not a bool)."""
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return v.dtype.kind in "iu"
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _pair(student, reference, n_inputs, w, b, lr=0.1):
    """The same perceptron on both sides: built with `lr`, then w and b set explicitly."""
    s = student.call(f"{MODULE}:Perceptron", n_inputs, lr=lr, seed=0)
    r = reference.call(f"{MODULE}:Perceptron", n_inputs, lr=lr, seed=0)
    for p in (s, r):
        p.w = np.array(w, dtype=np.float64)
        p.b = float(b)
    return s, r


@grader("perceptron-activation", points=1)
def test_step_values_and_shapes(student, reference, rng):
    hint = tr("z >= 0 이면 1 (0에서도 1), 아니면 0; 배열은 같은 shape으로",
              "1 where z >= 0 (including 0), else 0; an array keeps its shape")
    for z in (-2.5, -1e-9, 0.0, 1e-9, 3.0):
        got = student.call(f"{MODULE}:step", z)
        assert_close(got, reference.call(f"{MODULE}:step", z), what=f"step({z!r})", hint=hint)
    z = rng.standard_normal((4, 5))
    z[0, :2] = 0.0
    assert_close(student.call(f"{MODULE}:step", z), reference.call(f"{MODULE}:step", z),
                 what="step(z), z.shape=(4, 5) with zeros", hint=hint)


@grader("perceptron-activation", points=1)
def test_init_creates_w_and_b(student):
    p = student.call(f"{MODULE}:Perceptron", 5, lr=0.05, seed=1)
    assert_shape(p.w, (5,), what="Perceptron(5).w", hint=HINT_INIT)
    if not isinstance(p.b, (int, float, np.integer, np.floating)):
        raise failure("Perceptron(5).b", tr("숫자 하나 (float)", "a number (float)"),
                      repr(p.b), HINT_INIT)


@grader("perceptron-activation", points=1)
def test_predict_one_sample_and_a_batch(student, reference, rng):
    w, b = rng.standard_normal(3), 0.3
    s, r = _pair(student, reference, 3, w, b)
    X = rng.standard_normal((12, 3))
    X[0] = 0.0
    hint = tr("x @ w + b 에 step: 샘플 하나(1차원)는 int, 배치(2차원)는 (N,) 정수 배열",
              "step(x @ w + b): one sample (1-D) gives an int, a batch (2-D) an int array (N,)")
    one = s.predict(X[2])
    if not _is_int(one):
        raise failure("predict(x) for one sample x (3,)", tr("int 하나 (0 또는 1)",
                      "a single int (0 or 1)"), repr(one), hint)
    for i in (0, 2, 3):
        assert_close(s.predict(X[i]), r.predict(X[i]), what=f"predict(X[{i}])", hint=hint)
    batch = s.predict(X[2:])
    assert_close(batch, r.predict(X[2:]), what="predict(X), X.shape=(10, 3)", hint=hint)
    if np.asarray(batch).dtype.kind not in "iu":
        raise failure("predict(X).dtype", tr("정수 배열", "an integer array"),
                      f"dtype {np.asarray(batch).dtype}", hint)
    s.w, s.b = np.array([1.0, -1.0, 0.0]), 0.0  # z = 0 exactly: step(0) = 1
    assert_close(s.predict(np.array([2.0, 2.0, 5.0])), 1, what="predict(x) where x @ w + b == 0",
                 hint=hint)


@grader("perceptron-activation", points=2)
def test_fit_applies_the_update_rule_in_order(student, reference, rng):
    """w and b after fit equal the answer key's, from the same start: the exact rule, in order."""
    X = rng.standard_normal((15, 3))
    y = rng.integers(0, 2, 15)  # not separable: many updates in every epoch
    w0, b0 = rng.standard_normal(3) * 0.5, -0.2
    for lr, epochs in ((0.1, 1), (0.03, 4)):
        s, r = _pair(student, reference, 3, w0, b0, lr=lr)
        s.fit(X, y, epochs=epochs)
        r.fit(X, y, epochs=epochs)
        assert_close(s.w, r.w, what=f"w after fit(X, y, epochs={epochs}), lr={lr}", hint=HINT_RULE)
        assert_close(s.b, r.b, what=f"b after fit(X, y, epochs={epochs}), lr={lr}", hint=HINT_RULE)


@grader("perceptron-activation", points=1)
def test_fit_counts_mistakes_per_epoch(student, reference, rng):
    X = rng.standard_normal((20, 2))
    y = (X[:, 0] - 0.5 * X[:, 1] > 0.1).astype(int)
    s, r = _pair(student, reference, 2, [-0.3, 0.2], 0.1, lr=0.2)
    got = s.fit(X, y, epochs=6)
    hint = tr("에포크마다 갱신 직전 예측이 틀린 샘플 수를 세어 int 리스트로 돌려주세요",
              "per epoch, count the samples predicted wrong just before their update; "
              "return a list of ints")
    if not isinstance(got, list) or not all(_is_int(v) for v in got):
        raise failure("fit(X, y, epochs=6)", tr("int 6개의 list", "a list of 6 ints"),
                      repr(got)[:80], hint)
    assert_close(got, r.fit(X, y, epochs=6), what="mistakes per epoch from fit", hint=hint)


def _replayed(reference, p, X, y, lr: float, epochs: int):
    """The answer key's fit from the learner's own starting w and b (read back from its
    object), run here: the mistakes and the weights the perceptron rule gives from there."""
    w0 = np.asarray(p.w, dtype=np.float64)
    b0 = p.b
    if w0.shape != (X.shape[1],) or not isinstance(b0, (int, float, np.integer, np.floating)):
        raise failure("Perceptron(...).w, .b before fit", f"w ({X.shape[1]},), b a number",
                      f"w {w0.shape}, b {type(b0).__name__}",
                      HINT_INIT)
    r = reference.call(f"{MODULE}:Perceptron", X.shape[1], lr=lr, seed=0)
    r.w, r.b = w0.copy(), float(b0)
    return r.fit(X, y, epochs=epochs), r


def _check_process(got_errors, p, expected_errors, r, what: str) -> None:
    """fit's own result against the rule replayed here from the same start."""
    hint = tr("선형 분리 가능해도 과정이 규칙대로여야 합니다: " + HINT_RULE.ko
              + " (학습 기록과 가중치는 이 규칙을 그대로 따른 결과여야 합니다)",
              "the process must be the rule even where the data are separable: " + HINT_RULE.en
              + " (the mistakes and the weights must be exactly what the rule gives)")
    if not isinstance(got_errors, list) or len(got_errors) != len(expected_errors):
        raise failure(f"fit(...) on {what}", tr(f"int {len(expected_errors)}개의 list",
                      f"a list of {len(expected_errors)} ints"),
                      repr(got_errors)[:80], hint)
    assert_close(got_errors, expected_errors, what=f"mistakes per epoch of fit on {what}, "
                 "replayed here from the learner's own starting w and b", hint=hint)
    assert_close(p.w, r.w, what=f"w after fit on {what} (the rule replayed from the same start)",
                 hint=hint)
    assert_close(p.b, r.b, what=f"b after fit on {what} (the rule replayed from the same start)",
                 hint=hint)


@grader("perceptron-activation", points=2)
def test_fit_learns_and_and_or(student, reference, rng):
    """The curriculum's example: one perceptron learns AND and OR (its own initial weights);
    the mistakes and the weights are the rule's, replayed here from that start."""
    for name, y in (("AND", np.array([0, 0, 0, 1])), ("OR", np.array([0, 1, 1, 1]))):
        p = student.call(f"{MODULE}:Perceptron", 2, lr=0.1, seed=0)
        expected, r = _replayed(reference, p, TRUTH, y, 0.1, 100)
        errors = p.fit(TRUTH, y, epochs=100)
        hint = tr(f"{name}는 직선 하나로 나뉘므로 규칙이 맞으면 오차가 0이 됩니다",
                  f"{name} is linearly separable: with the right rule the mistakes reach 0")
        got = np.asarray(p.predict(TRUTH))
        assert_close(got, y, what=f"predict on the {name} truth table after fit", hint=hint)
        if not errors or errors[-1] != 0:
            raise failure(f"mistakes in the last epoch of fit on {name}", "0",
                          repr(errors[-1] if errors else errors), hint)
        _check_process(errors, p, expected, r, f"the {name} truth table")
        # and from a start chosen here (wrong on the truth table), so that a start that already
        # separates the data cannot stand in for the rule
        q = student.call(f"{MODULE}:Perceptron", 2, lr=0.1, seed=0)
        w0, b0 = rng.uniform(-1, 0, 2), float(rng.uniform(0.1, 0.5))
        q.w, q.b = w0, b0
        expected, r = _replayed(reference, q, TRUTH, y, 0.1, 100)
        _check_process(q.fit(TRUTH, y, epochs=100), q, expected, r,
                       f"the {name} truth table from w={np.round(w0, 3).tolist()}, "
                       f"b={b0:.3f}")


@grader("perceptron-activation", points=2)
def test_fit_converges_on_a_separable_set(student, reference, rng):
    """60 random points in 3-D, a random plane (offset 0.4) with a margin of 0.2; w = 0, b = 0."""
    true_w = rng.standard_normal(3)
    true_w /= np.linalg.norm(true_w)
    X = rng.uniform(-1, 1, (200, 3))
    z = X @ true_w + 0.4  # the plane misses the origin: the bias must learn too
    keep = np.abs(z) > 0.2
    X, y = X[keep][:60], (z[keep][:60] > 0).astype(int)
    p = student.call(f"{MODULE}:Perceptron", 3, lr=0.5, seed=0)
    p.w = np.zeros(3)
    p.b = 0.0
    expected, r = _replayed(reference, p, X, y, 0.5, 100)
    errors = p.fit(X, y, epochs=100)
    hint = tr("선형 분리 가능한 데이터에서는 퍼셉트론 규칙이 유한 번 안에 수렴합니다",
              "on linearly separable data the perceptron rule converges in finitely many steps")
    if not errors or errors[-1] != 0:
        raise failure("mistakes in the last of 100 epochs (60 separable points)", "0",
                      repr(errors[-1] if errors else errors), hint)
    got = np.asarray(p.predict(X))
    if not np.array_equal(got, y):
        raise failure("predict(X) after fit (60 separable points)", tr("60개 모두 정답",
                      "all 60 right"), f"{int(np.sum(got != y))} wrong", hint)
    _check_process(errors, p, expected, r, "60 separable points")


@grader("perceptron-activation", points=1)
def test_fit_is_written_by_hand(student, reference, rng):
    """The learning rule by hand: no library perceptron or linear classifier (the source of
    ch01/perceptron.py is read as text here, never imported), and a fit that works: one epoch
    from a known state equals the rule (untouched code earns nothing here)."""
    assert_by_hand(student, MODULE, forbidden=LIBRARY_CLASSIFIERS, functions=["Perceptron"],
                   hint=tr("sklearn 등의 분류기 없이 규칙 w += lr·(y − ŷ)·x를 직접 쓰세요",
                           "write the rule w += lr·(y − ŷ)·x yourself, without sklearn or "
                           "another library's classifier"))
    X, y = rng.standard_normal((8, 2)), rng.integers(0, 2, 8)
    s, r = _pair(student, reference, 2, [0.3, -0.2], 0.1, lr=0.2)
    assert_close(s.fit(X, y, epochs=1), r.fit(X, y, epochs=1), what="mistakes of one epoch",
                 hint=HINT_RULE)
    assert_close(s.w, r.w, what="w after one epoch of fit from a known state", hint=HINT_RULE)
    assert_close(s.b, r.b, what="b after one epoch of fit from a known state", hint=HINT_RULE)


@grader("perceptron-activation", points=2)
def test_xor_two_layer_truth_table(student):
    hint = tr("두 개의 은닉 퍼셉트론(예: AND와 NOR)을 출력 퍼셉트론(NOR)으로 합치세요",
              "combine two hidden perceptrons (e.g. AND and NOR) with an output one (NOR)")
    for (x1, x2), expected in zip([(0, 0), (0, 1), (1, 0), (1, 1)], [0, 1, 1, 0], strict=True):
        got = student.call(f"{MODULE}:xor_two_layer", x1, x2)
        if not _is_int(got) or int(got) != expected:
            raise failure(f"xor_two_layer({x1}, {x2})", f"{expected} (int)", repr(got), hint)
