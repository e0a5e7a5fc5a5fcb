"""The shared checks: messages say expected, got and a hint; the gradient check diagnoses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dldrill import i18n
from dldrill.errors import GradingFailure
from dldrill.grading import (
    assert_close,
    assert_shape,
    check_gradient,
    numerical_gradient,
    relative_error,
    tr,
)


@pytest.fixture(autouse=True)
def english():
    old = i18n.get_lang()
    i18n.set_lang("en")
    yield
    i18n.set_lang(old)


def _message(fn, *args, **kwargs) -> str:
    with pytest.raises(GradingFailure) as err:
        fn(*args, **kwargs)
    return str(err.value)


def test_assert_close_passes_on_equal_and_alternative_types():
    x = np.linspace(0, 1, 6).reshape(2, 3)
    assert_close(x + 1e-12, x)
    assert_close(np.float32(0.5), 0.5)
    assert_close(np.array(2.0), 2.0)
    assert_close(torch.ones(2), torch.ones(2))
    assert_close((1.0, np.ones(2)), (1.0, np.ones(2)))


def test_assert_close_reports_expected_got_worst_element_and_hint():
    expected = np.zeros((3, 4))
    got = expected.copy()
    got[1, 2] = 5.0
    msg = _message(assert_close, got, expected, what="relu(x)", hint=tr("힌트", "use np.maximum"))
    assert "[relu(x)]" in msg and "expected:" in msg and "got:" in msg
    assert "1/12 elements differ" in msg and "(1, 2)" in msg and "hint: use np.maximum" in msg


def test_assert_close_recognises_common_slips():
    a = np.arange(6.0).reshape(2, 3)
    assert "swapped" in _message(assert_close, a.T, a)
    sq = np.arange(9.0).reshape(3, 3)
    assert "transposed" in _message(assert_close, sq.T, sq)
    assert "sign" in _message(assert_close, -(a + 1), a + 1)
    assert "NaN" in _message(assert_close, np.array([np.nan, 1.0]), np.array([0.0, 1.0]))
    assert "a single number" in _message(assert_close, np.ones(3), 1.0)
    assert "torch.Tensor" in _message(assert_close, np.ones(2), torch.ones(2))
    assert "numpy.ndarray" in _message(assert_close, [1.0, 1.0], np.ones(2))


def test_korean_messages():
    i18n.set_lang("ko")
    msg = _message(assert_close, np.ones(2), np.zeros(2), hint=tr("부호를 확인하세요", "sign"))
    assert "기대값" in msg and "실제값" in msg and "힌트: 부호를 확인하세요" in msg


def test_assert_shape():
    assert_shape(np.zeros((2, 3)), (2, 3))
    assert "shape (2, 3)" in _message(assert_shape, np.zeros((3, 3)), (2, 3))


def _loss_and_grad(W, X, y):
    """0.5 * mean over batch of squared error of X @ W, and its exact gradient."""
    r = X @ W - y
    return 0.5 * np.mean(np.sum(r**2, axis=1)), X.T @ r / len(X)


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X, W, y = rng.standard_normal((8, 4)), rng.standard_normal((4, 4)), rng.standard_normal((8, 4))
    numeric = numerical_gradient(lambda w: _loss_and_grad(w, X, y)[0], W.copy())
    return X, W, y, numeric


def test_numerical_gradient_is_accurate_and_restores_x(problem):
    X, W, y, numeric = problem
    exact = _loss_and_grad(W, X, y)[1]
    assert relative_error(numeric, exact) < 1e-7
    before = W.copy()
    numerical_gradient(lambda w: float(np.sum(w**2)), W)
    assert np.array_equal(W, before)


def test_check_gradient_passes_and_diagnoses(problem):
    X, W, y, numeric = problem
    exact = _loss_and_grad(W, X, y)[1]
    assert check_gradient(exact, numeric, batch_size=8) < 1e-6
    assert "missing 1/N" in _message(check_gradient, exact * 8, numeric, batch_size=8)
    assert "divided by N twice" in _message(check_gradient, exact / 8, numeric, batch_size=8)
    assert "sign error" in _message(check_gradient, -exact, numeric)
    assert "exactly 2 ×" in _message(check_gradient, exact * 2, numeric)
    assert "transposed" in _message(check_gradient, exact.T, numeric)
    assert "all zeros" in _message(check_gradient, np.zeros_like(exact), numeric)
    assert "shape" in _message(check_gradient, exact[:2], numeric)
    bad = exact.copy()
    bad[2, 3] += 1.0
    assert "(2, 3)" in _message(check_gradient, bad, numeric)


# -- diagnosis: the likely cause, not only the mismatch --------------------------------------------
@pytest.fixture
def nchw():
    return np.random.default_rng(3).standard_normal((2, 3, 4, 5))


def test_missing_bias_per_channel_and_per_column(nchw):
    bias = np.array([0.5, -1.0, 2.0])
    msg = _message(assert_close, torch.tensor(nchw), torch.tensor(nchw + bias[None, :, None, None]))
    assert "constant per channel (axis 1)" in msg and "missing or wrong bias" in msg
    x = nchw[0, 0]  # (4, 5): a Linear layer's (N, features) output
    assert "constant per column (last axis)" in _message(assert_close, x, x + np.arange(5.0))
    assert "same constant (-0.25) everywhere" in _message(assert_close, x + 0.25, x)


def test_factors_n_one_over_n_and_two(nchw):
    # an axis of length 5: a sum instead of a mean over it, or the mean taken twice
    assert "exactly 5 × too large" in _message(assert_close, nchw * 5, nchw)
    assert "sum instead of a mean (the missing 1/5)" in _message(assert_close, nchw * 5, nchw)
    assert "exactly 1/4 of the expected values" in _message(assert_close, nchw / 4, nchw)
    assert "exactly 2 × the expected values" in _message(assert_close, nchw * 2, nchw)
    assert "exactly 0.5 ×" in _message(assert_close, nchw / 2, nchw)
    assert "a constant multiple (1.7 ×)" in _message(assert_close, nchw * 1.7, nchw)


def test_transposed_sign_and_shift(nchw):
    sq = nchw[:, :, :4, :4]
    assert "last two axes are transposed" in _message(assert_close, np.swapaxes(sq, -1, -2), sq)
    assert "only the sign is flipped" in _message(assert_close, -nchw, nchw)
    shifted = np.concatenate([nchw[..., :1], nchw[..., :-1]], axis=-1)  # got[i] = expected[i - 1]
    assert "shifted by one position (+1) along axis 3" in _message(assert_close, shifted, nchw)


def test_off_by_one_lengths():
    msg = _message(assert_close, np.zeros((2, 3, 5, 5)), np.zeros((2, 3, 4, 4)))
    assert "shape (2, 3, 4, 4)" in msg and "rows" not in msg
    assert "axis 2 has one too many (5 ≠ 4)" in _message(assert_close, np.zeros((2, 3, 5, 4)),
                                                          np.zeros((2, 3, 4, 4)))
    assert "one too few" in _message(assert_close, [1.0, 2.0], [1.0, 2.0, 3.0])
    assert "keepdims" in _message(assert_close, np.zeros((4, 1)), np.zeros(4))


def test_an_unrelated_mismatch_names_no_cause():
    rng = np.random.default_rng(1)
    msg = _message(assert_close, rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))
    lines = msg.splitlines()
    assert len(lines) == 4 and "elements differ" in lines[3], msg  # what, expected, got, worst


def test_diagnosis_in_korean(nchw):
    i18n.set_lang("ko")
    msg = _message(assert_close, nchw, nchw + np.array([1.0, 2.0, 3.0])[None, :, None, None])
    assert "채널마다 일정합니다" in msg and "편향(bias)" in msg
    assert "평균 대신 합" in _message(assert_close, nchw * 5, nchw)


# -- the fingerprint of a failing value --------------------------------------------------------------
def test_the_failure_carries_the_digest_of_got(nchw):
    from dldrill.grading.diagnose import digest, same_value

    with pytest.raises(GradingFailure) as err:
        assert_close(torch.tensor(nchw * 2), torch.tensor(nchw))
    assert err.value.got_digest == digest(nchw * 2) and err.value.got_digest.startswith("2x3x4x5:")
    # float rounding (the same result computed another way, in float32) matches; a change does not
    assert same_value(digest(nchw * 2), digest((nchw * 2).astype(np.float32)))
    assert same_value(digest(nchw * 2), digest(nchw * 2 * (1 + 1e-7)))
    changed = nchw * 2
    changed[0, 0, 0, 0] += 0.05
    assert not same_value(digest(nchw * 2), digest(changed))
    assert not same_value(digest(nchw.reshape(6, 20)), digest(nchw))  # the shape is part of it
    assert not same_value(digest(np.array([np.nan, 1.0])), digest(np.array([1.0, np.nan])))
    assert same_value(digest(np.array([np.nan, 1.0])), digest(np.array([np.nan, 1.0])))
    assert digest("text") == "" and not same_value("", "")
    with pytest.raises(GradingFailure) as err:  # a sequence: the failing element's value
        assert_close([1.0, 2.0], [1.0, 3.0])
    assert err.value.got_digest == digest(np.asarray(2.0))


# -- a visible test's failure in the terminal ---------------------------------------------------------
def test_a_wrong_convolution_fails_the_visible_test_in_a_few_lines(tmp_path):
    """A conv2d_naive that forgets the bias, in a copy of exercises/: the failure is the test's own
    line, expected, got, the worst element, the likely cause and one hint — no tensor dump."""
    import os
    import shutil
    import subprocess
    import sys

    from dldrill.paths import exercises_root, kit_root, solutions_root

    work = tmp_path / "exercises"
    shutil.copytree(exercises_root() / "ch04", work / "ch04",
                    ignore=shutil.ignore_patterns("__pycache__"))
    solution = (solutions_root() / "ch04" / "conv.py").read_text()
    with_bias = "        out = out + bias.to(x.dtype).view(1, -1, 1, 1)\n"
    assert solution.count(with_bias) == 1
    (work / "ch04" / "conv.py").write_text(solution.replace(with_bias, "        out = out\n"))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(work / "ch04" / "test_conv.py"), "--submission",
         str(work), "-p", "no:cacheprovider", "--import-mode=importlib", "-q"],
        cwd=kit_root(), capture_output=True, text=True, timeout=300,
        env=dict(os.environ, DLDRILL_LANG="en"))
    out = proc.stdout
    assert proc.returncode == 1, out[-3000:]
    failure = out[out.index("=== FAILURES ==="):out.index("--- dldrill ---")].splitlines()
    assert len(failure) <= 25, "\n".join(failure)
    text = "\n".join(failure)
    assert "test_conv.py:" in text and "in test_matches_f_conv2d_with_stride_and_padding" in text
    for part in ("expected: torch.Tensor shape (2, 4, 4, 4)", "got: torch.Tensor shape (2, 4, 4, 4)",
                 "elements differ", "constant per channel (axis 1)", "hint: out[n, o, i, j]"):
        assert part in text, text
    assert "tensor([[" not in out  # no dump of the tensors


def test_a_failed_gradient_check_carries_the_digest_of_the_analytic_gradient(problem):
    from dldrill.grading.diagnose import digest

    X, W, y, numeric = problem
    wrong = _loss_and_grad(W, X, y)[1] * len(X)
    with pytest.raises(GradingFailure) as err:
        check_gradient(wrong, numeric, batch_size=len(X))
    assert err.value.got_digest == digest(wrong)


def test_a_scalar_summed_instead_of_averaged_over_the_inputs_n():
    y = np.arange(7.0)
    msg = _message(assert_close, float(np.sum(y**2)), float(np.mean(y**2)), sizes=y.shape)
    assert "exactly 7 × too large" in msg and "the missing 1/7" in msg
    assert "too large" not in _message(assert_close, float(np.sum(y**2)), float(np.mean(y**2)))
