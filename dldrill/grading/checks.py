"""Checks shared by every chapter's graders; each failure says expected, got, and one hint.

- `assert_close(got, expected, hint=...)`: type, shape, dtype (optional) and values, with the
  worst element and what a common slip would have produced (a transposed result, NaN...).
- `numerical_gradient` / `check_gradient`: float64 central differences and CS231n's relative
  error, with a diagnosis of the usual backprop bugs (a factor of the batch size: the missing
  1/N; -1: a sign error; a transposed gradient; which entries differ).
- `assert_shape`, `assert_dtype`, `assert_raises`.

Arrays of every framework (NumPy, torch, TensorFlow/Keras) are treated alike through the adapter
table in `dldrill.sandbox.arrays`; no framework is imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dldrill.errors import GradingFailure, StudentError, TodoError, failure
from dldrill.grading.diagnose import digest, shape_causes, value_causes
from dldrill.i18n import Text, render, tr
from dldrill.sandbox.arrays import BY_TAG, adapter_of, describe_array, dtype_name, to_numpy

Hint = Text | str | None


def describe(x: Any) -> str:
    """A short description of a value for messages: type, shape, dtype (any framework)."""
    shown = describe_array(x)
    if shown is not None:
        return shown
    if isinstance(x, (int, float, np.generic)) and not isinstance(x, bool):
        return f"{type(x).__name__} {x!r}"
    from dldrill.sandbox.api import type_name

    return type_name(x)


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    return repr(v.item() if isinstance(v, np.generic) else v)


def _kind(x: Any) -> str:
    """"ndarray", "tensor" (torch), "tf", "number", "bool", "sequence" or "other"."""
    adapter = adapter_of(x)
    if adapter is not None:
        return adapter.tag
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(x, (list, tuple)):
        return "sequence"
    return "other"


def assert_shape(got: Any, shape: tuple[int, ...], what: str = "output", hint: Hint = None) -> None:
    if _kind(got) not in BY_TAG:
        raise failure(what, tr(f"shape {shape}인 배열", f"an array of shape {shape}").render(),
                      describe(got), hint)
    if tuple(got.shape) != tuple(shape):
        extra = []
        if tuple(got.shape) == tuple(reversed(shape)) and len(shape) == 2:
            extra.append(render(tr("행과 열이 뒤바뀐 것 같습니다 (전치?)",
                                   "rows and columns look swapped (a transpose?)")))
        causes = [] if extra else shape_causes(tuple(got.shape), tuple(shape))
        raise _diagnosed(what, f"shape {tuple(shape)}", f"shape {tuple(got.shape)}", hint, extra,
                         causes)


def assert_dtype(got: Any, dtype: Any, what: str = "output", hint: Hint = None) -> None:
    """Fails unless `got` (or its dtype) is `dtype`: NumPy, torch and TensorFlow dtypes alike."""
    actual = dtype_name(got) if hasattr(got, "dtype") else type(got).__name__
    want = dtype_name(dtype) if not isinstance(dtype, str) else dtype
    if actual != want:
        raise failure(what, f"dtype {want}", f"dtype {actual}", hint)


def assert_close(got: Any, expected: Any, *, rtol: float = 1e-5, atol: float = 1e-8,
                 what: str = "output", hint: Hint = None, check_dtype: bool = False,
                 equal_nan: bool = False, sizes: tuple[int, ...] = ()) -> None:
    """Fails unless `got` has the kind, shape (and dtype) of `expected` and close values.

    A number is expected to come back as a number (a Python or NumPy scalar, or a 0-d array);
    an ndarray as an ndarray; a tensor as a tensor. The failure names the likely cause where it
    can (`dldrill.grading.diagnose`: a missing bias, a transpose, a factor of N...) and carries
    `got_digest`, the fingerprint of the failing value (`diagnose.digest`), which the
    trusted grading process matches against the catalogued mistakes. `sizes`: the inputs' axis
    lengths, so that a factor N (a sum instead of a mean over N samples) is named even for a
    single number.
    """
    try:
        _assert_close(got, expected, rtol=rtol, atol=atol, what=what, hint=hint,
                      check_dtype=check_dtype, equal_nan=equal_nan, sizes=sizes)
    except GradingFailure as err:
        if not getattr(err, "got_digest", ""):
            err.got_digest = got_digest(got)
        raise


def got_digest(got: Any) -> str:
    """`digest` of a value of any framework ("" for what is not an array or a number)."""
    try:
        if _kind(got) in BY_TAG:
            return digest(to_numpy(got))
        if _kind(got) == "number":
            return digest(np.asarray(got))
    except Exception:  # a value the adapters cannot read has no fingerprint
        return ""
    return ""


def _assert_close(got: Any, expected: Any, *, rtol: float, atol: float, what: str, hint: Hint,
                  check_dtype: bool, equal_nan: bool, sizes: tuple[int, ...]) -> None:
    kind_e, kind_g = _kind(expected), _kind(got)
    if kind_e == "number":
        if kind_g == "number" or (kind_g in BY_TAG and to_numpy(got).ndim == 0):
            pass
        else:
            raise failure(what, tr("숫자 하나 (float)", "a single number (float)").render(),
                          describe(got), hint)
    elif kind_e in BY_TAG and kind_g != kind_e:
        raise failure(what, f"{BY_TAG[kind_e].label} {tuple(expected.shape)}", describe(got), hint)
    elif kind_e == "sequence":
        if kind_g != "sequence" or len(got) != len(expected):
            causes = shape_causes((len(got),), (len(expected),)) if kind_g == "sequence" else []
            raise _diagnosed(what, f"{type(expected).__name__} of length {len(expected)}",
                             describe(got) if kind_g != "sequence" else f"length {len(got)}",
                             hint, [], causes)
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert_close(g, e, rtol=rtol, atol=atol, what=f"{what}[{i}]", hint=hint,
                         check_dtype=check_dtype, equal_nan=equal_nan, sizes=sizes)
        return
    g, e = to_numpy(got), to_numpy(expected)
    if kind_e in BY_TAG:
        assert_shape(got, tuple(e.shape), what, hint)
    if check_dtype:
        assert_dtype(got, expected.dtype if hasattr(expected, "dtype") else type(expected).__name__,
                     what, hint)
    if g.dtype.kind not in "biufc":
        raise failure(what, tr("숫자 배열", "numbers").render(), f"dtype {g.dtype}", hint)
    g64 = g.astype(np.complex128 if g.dtype.kind == "c" else np.float64)
    e64 = e.astype(np.complex128 if e.dtype.kind == "c" else np.float64)
    ok = np.isclose(g64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if ok.all():
        return
    bad = ~ok
    diff = np.abs(g64 - e64)
    diff = np.where(np.isnan(diff), np.inf, diff)
    worst = np.unravel_index(int(np.argmax(np.where(bad, diff, -1))), e.shape) if e.ndim else ()
    extra = []
    if e.ndim:
        extra.append(render(tr(
            f"{int(bad.sum())}/{bad.size}개 원소가 다릅니다 (rtol={rtol:g}, atol={atol:g}); "
            f"가장 큰 차이: 인덱스 {tuple(int(i) for i in worst)}에서 "
            f"기대 {_fmt(e64[worst])}, 실제 {_fmt(g64[worst])}",
            f"{int(bad.sum())}/{bad.size} elements differ (rtol={rtol:g}, atol={atol:g}); "
            f"worst at index {tuple(int(i) for i in worst)}: expected {_fmt(e64[worst])}, "
            f"got {_fmt(g64[worst])}")))
    exp_s = _fmt(e64.item()) if e.ndim == 0 else f"{describe(expected)} {_preview(e64)}"
    got_s = _fmt(g64.item()) if g.ndim == 0 else f"{describe(got)} {_preview(g64)}"
    raise _diagnosed(what, exp_s, got_s, hint, extra, value_causes(g64, e64, rtol, atol, sizes))


def _diagnosed(what: str, expected: str, got: str, hint: Hint, extra: list[str],
               causes: list[Text]) -> GradingFailure:
    """`failure` with the likely causes as lines of the message; the first one also follows the
    `got` text that the report and the gradebook keep."""
    err = failure(what, expected, got, hint, extra + [render(t) for t in causes])
    if causes:
        err.got = f"{err.got} — {render(causes[0])}"
    return err


def _preview(a: np.ndarray, n: int = 4) -> str:
    flat = a.ravel()
    head = ", ".join(_fmt(v) for v in flat[:n])
    return f"[{head}{', ...' if flat.size > n else ''}]"


# -- gradients --------------------------------------------------------------------------------
def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       h: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar function in float64; `x` is restored afterwards."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = float(f(x))
        x[i] = old - h
        fm = float(f(x))
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """CS231n: max |a - b| / max(|a| + |b|, tiny) over the elements."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b)), initial=0.0))


def _diagnose(a: np.ndarray, n: np.ndarray, batch_size: int | None) -> list[Text]:
    notes: list[Text] = []
    if not np.any(a):
        notes.append(tr("기울기가 전부 0입니다 — 계산 결과를 돌려주었나요?",
                        "the gradient is all zeros — did you return what you computed?"))
        return notes
    denom = float(np.vdot(n, n))
    if denom > 0:
        ratio = float(np.vdot(a, n)) / denom
        if relative_error(a, ratio * n) < 1e-4 and abs(ratio - 1) > 1e-3:
            if abs(ratio + 1) < 1e-3:
                notes.append(tr("부호가 반대입니다 (−1배) — 손실의 미분 부호를 확인하세요",
                                "a sign error: the gradient is −1 × the right one"))
            elif batch_size and abs(ratio - batch_size) < 1e-3 * batch_size:
                notes.append(tr(f"정확히 배치 크기({batch_size})배입니다 — 1/N(평균)을 빠뜨렸나요?",
                                f"exactly batch size ({batch_size}) × too large — "
                                "the missing 1/N (sum instead of mean)?"))
            elif batch_size and abs(ratio * batch_size - 1) < 1e-3:
                notes.append(tr(f"정확히 1/{batch_size}배입니다 — N으로 두 번 나누었나요?",
                                f"exactly 1/{batch_size} of the right one — divided by N twice?"))
            elif abs(ratio - 2) < 1e-3 or abs(ratio - 0.5) < 1e-3:
                notes.append(tr(f"정확히 {ratio:g}배입니다 — 손실의 0.5 계수나 제곱의 미분(2x)을 확인하세요",
                                f"exactly {ratio:g} × the right one — check the 0.5 in the loss "
                                "or the 2 from differentiating a square"))
            else:
                notes.append(tr(f"상수배({ratio:.4g})만큼 다릅니다", f"off by a constant factor "
                                f"{ratio:.4g}"))
    if a.ndim == 2 and a.shape == n.shape[::-1] and relative_error(a.T, n) < 1e-5:
        notes.append(tr("전치(transpose)하면 일치합니다", "it matches once transposed"))
    return notes


def check_gradient(analytic: Any, numeric: Any, *, what: str = "gradient",
                   threshold: float = 1e-6, batch_size: int | None = None,
                   hint: Hint = None) -> float:
    """Fails unless CS231n's relative error between the two gradients is below `threshold`.

    Returns the relative error. `batch_size` lets the diagnosis recognise a missing 1/N. A failure
    carries `got_digest`, the fingerprint of the analytic gradient (as `assert_close`'s does).
    """
    try:
        return _check_gradient(analytic, numeric, what=what, threshold=threshold,
                               batch_size=batch_size, hint=hint)
    except GradingFailure as err:
        err.got_digest = got_digest(analytic)
        raise


def _check_gradient(analytic: Any, numeric: Any, *, what: str, threshold: float,
                    batch_size: int | None, hint: Hint) -> float:
    n = np.asarray(to_numpy(numeric), dtype=np.float64)
    if _kind(analytic) not in BY_TAG:
        raise failure(what, f"ndarray shape {n.shape}", describe(analytic), hint)
    a = np.asarray(to_numpy(analytic), dtype=np.float64)
    if a.shape != n.shape:
        notes = []
        if a.shape == n.shape[::-1]:
            notes.append(render(tr("모양이 전치되어 있습니다 — 행렬 곱의 순서(X.T @ δ)를 확인하세요",
                                   "the shape is transposed — check the order of the matrix "
                                   "product (X.T @ delta)")))
        raise failure(what, f"shape {n.shape}", f"shape {a.shape}", hint, notes)
    if not np.isfinite(a).all():
        raise failure(what, tr("유한한 값", "finite values").render(),
                      tr("NaN/inf 포함", "NaN/inf values").render(), hint)
    err = relative_error(a, n)
    if err <= threshold:
        return err
    rel = np.abs(a - n) / np.maximum(1e-12, np.abs(a) + np.abs(n))
    idx = [tuple(int(i) for i in np.unravel_index(k, a.shape))
           for k in np.argsort(-rel, axis=None)[:3] if rel.flat[k] > threshold]
    extra = [render(t) for t in _diagnose(a, n, batch_size)]
    extra.append(render(tr(
        f"상대 오차 {err:.2e} (기준 {threshold:.0e}); 가장 다른 원소: "
        + ", ".join(f"{i}: 해석 {_fmt(a[i])} vs 수치 {_fmt(n[i])}" for i in idx),
        f"relative error {err:.2e} (threshold {threshold:.0e}); most different: "
        + ", ".join(f"{i}: analytic {_fmt(a[i])} vs numerical {_fmt(n[i])}" for i in idx))))
    raise failure(what, tr("중앙 차분 수치 기울기와 일치", "to match the central-difference "
                           "gradient").render(),
                  tr(f"상대 오차 {err:.2e}", f"relative error {err:.2e}").render(), hint, extra)


# -- errors and time ----------------------------------------------------------------------------
def assert_raises(exc_name: str, fn: Callable[..., Any], *args: Any, valid: Callable[[], Any],
                  what: str = "call", hint: Hint = None, **kwargs: Any) -> StudentError:
    """Fails unless the learner's call raises the named built-in exception (or a subclass).

    An error path earns credit only from a function that works: `valid` (required) runs the
    same function on valid input and checks its result (e.g. `lambda: compare(student,
    reference, target, *good_args)`); if it fails, so does this check, before the bad input is
    tried. A stub that raises one exception everywhere, or a class deriving from every
    documented exception, earns nothing. The exception's class is judged here, as the first
    built-in class in the order the child reported (`StudentError.builtin`).
    """
    try:
        valid()
    except (GradingFailure, StudentError) as err:
        if isinstance(err, TodoError):
            raise
        raise failure(what, tr(f"올바른 입력에서는 바르게 동작하고, 잘못된 입력에서 {exc_name} 발생",
                               f"correct results on valid input, and {exc_name} on this input"),
                      tr("올바른 입력에서 실패: ", "fails on valid input: ").render()
                      + _first_line(getattr(err, "reason", "") or str(err)),
                      tr("오류 처리는 함수가 올바른 입력에서 동작할 때에만 점수가 됩니다",
                         "an error path counts only once the function works on valid input")) from None
    try:
        fn(*args, **kwargs)
    except StudentError as err:
        if isinstance(err, TodoError):
            raise
        if err.is_a(exc_name):
            return err
        raise failure(what, tr(f"{exc_name} 발생", f"{exc_name} raised").render(),
                      f"{err.type_name}: {err.message}"[:300], hint) from None
    raise failure(what, tr(f"{exc_name} 발생", f"{exc_name} raised").render(),
                  tr("예외 없이 반환", "returned normally").render(), hint)


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "")[:240]
