"""What a wrong array most likely is, and its fingerprint.

- `value_causes(got, expected, rtol, atol)`: for two float64 arrays of one shape that differ, the
  likely causes a learner can act on — a missing bias (expected − got constant per channel or per
  column), a transposed result, a flipped sign, a factor of 2, ½, N or 1/N (a sum instead of a
  mean over an axis of length N), a shift by one position along an axis.
- `shape_causes(got_shape, expected_shape)`: an off-by-one length, swapped axes.
- `digest(value)`: the fingerprint of a result (shape, RMS and fixed random projections), and
  `same_value(a, b)`: whether two fingerprints are of one value up to float rounding — the same
  mistake written another way matches (`dldrill.grading.fingerprints` maps it to a catalogued
  mistake).

Every message is bilingual (`tr(ko, en)`).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from dldrill.i18n import Text, tr


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _offset_note(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> Text | None:
    """expected − got the same everywhere, or the same along every axis but one (a channel axis
    of an (N, C, ...) result, or the last axis)."""
    d = expected - got
    if d.size < 4 or not np.isfinite(d).all():
        return None
    tol = atol + rtol * float(np.max(np.abs(expected), initial=0.0))
    if float(np.ptp(d)) <= tol:
        c = float(d.flat[0])
        return tr(f"모든 원소에서 기대값 − 결과가 같은 상수({c:.4g})입니다 — "
                  "편향(bias)이나 더할 값을 빠뜨렸나요?",
                  f"expected − got is the same constant ({c:.4g}) everywhere — a missing bias "
                  "or offset?")
    if got.ndim < 2:
        return None
    axes = [1, got.ndim - 1] if got.ndim >= 3 else [got.ndim - 1]
    for axis in dict.fromkeys(axes):
        others = tuple(i for i in range(got.ndim) if i != axis)
        per = d.mean(axis=others, keepdims=True)
        if float(np.max(np.abs(d - per))) <= tol:
            name = tr("채널", "channel") if axis == 1 and got.ndim >= 3 else tr("열(마지막 축)",
                                                                            "column (last axis)")
            return tr(f"기대값 − 결과가 {name.ko}마다 일정합니다 (축 {axis}) — 편향(bias)을 더하지 않았거나 "
                      "잘못 더했나요?",
                      f"expected − got is constant per {name.en} (axis {axis}) — a missing or "
                      "wrong bias?")
    return None


def _factor_note(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
                 sizes: tuple[int, ...] = ()) -> Text | None:
    """got = k × expected for a recognisable k: 2, ½, N or 1/N (N an axis length)."""
    denom = float(np.vdot(expected, expected))
    if denom == 0 or not np.isfinite(got).all():
        return None
    k = float(np.vdot(got, expected)) / denom
    if abs(k - 1) < 1e-6 or abs(k) < 1e-12 or not _close(got, k * expected, max(rtol, 1e-6), atol):
        return None
    if abs(k + 1) < 1e-6:
        return tr("부호만 반대입니다 — 빼는 순서나 마이너스 부호를 확인하세요",
                  "only the sign is flipped — check the order of a subtraction or a minus sign")
    for n in sorted({int(n) for n in (*expected.shape, *sizes) if n > 2}):
        if abs(k - n) < 1e-6 * n:
            return tr(f"정확히 {n}배 큽니다 (N = {n}, 축의 길이) — 평균 대신 합을 구했나요 (1/{n} 빠짐)?",
                      f"exactly {n} × too large (N = {n}, an axis length) — a sum instead of a "
                      f"mean (the missing 1/{n})?")
        if abs(k * n - 1) < 1e-6:
            return tr(f"정확히 1/{n}입니다 (N = {n}, 축의 길이) — 합 대신 평균을 구했거나 {n}으로 두 번 "
                      "나누었나요?",
                      f"exactly 1/{n} of the expected values (N = {n}, an axis length) — a mean "
                      f"instead of a sum, or divided by {n} twice?")
    if abs(k - 2) < 1e-6 or abs(k - 0.5) < 1e-6:
        return tr(f"정확히 {k:g}배입니다 — 0.5 계수나 제곱의 미분(2x)을 확인하세요",
                  f"exactly {k:g} × the expected values — check a factor 0.5 or the 2 from "
                  "differentiating a square")
    if expected.size < 4:
        return None
    return tr(f"기대값의 상수배({k:.4g}배)입니다 — 곱하거나 나누는 상수를 확인하세요",
              f"a constant multiple ({k:.4g} ×) of the expected values — check a scale factor")


def _shift_note(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> Text | None:
    """got equals expected moved by one position along one axis (an off-by-one index)."""
    for axis in range(got.ndim):
        n = got.shape[axis]
        if n < 3:
            continue
        head = [slice(None)] * got.ndim
        tail = [slice(None)] * got.ndim
        head[axis], tail[axis] = slice(1, None), slice(None, -1)
        for a, b, way in ((got[tuple(head)], expected[tuple(tail)], "+1"),
                          (got[tuple(tail)], expected[tuple(head)], "-1")):
            if _close(a, b, rtol, atol):
                return tr(f"축 {axis}을 따라 한 칸({way}) 밀려 있습니다 — 인덱스의 off-by-one?",
                          f"shifted by one position ({way}) along axis {axis} — an off-by-one "
                          "index?")
    return None


def value_causes(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
                 sizes: tuple[int, ...] = ()) -> list[Text]:
    """Likely causes of a mismatch between two arrays of one shape (float64 or complex128).
    `sizes`: more axis lengths N to recognise in a factor N or 1/N (the inputs' axes: a scalar
    loss summed instead of averaged over 7 samples is 7 × too large)."""
    notes: list[Text] = []
    if got.shape != expected.shape or got.dtype.kind == "c" or expected.dtype.kind == "c":
        return notes
    if not np.isfinite(got).all():
        if np.isfinite(expected).all():
            notes.append(tr("결과에 NaN/inf가 있습니다 — 오버플로나 0으로 나누기?",
                            "the result holds NaN/inf — an overflow or a division by zero?"))
        return notes
    if got.ndim >= 2 and got.shape[-1] == got.shape[-2] > 1 and _close(
            got, np.swapaxes(expected, -1, -2), rtol, atol):
        notes.append(tr("마지막 두 축을 전치하면 일치합니다 — 행렬 곱의 순서나 .T를 확인하세요",
                        "it matches once the last two axes are transposed — check a matrix "
                        "product's order or a .T"))
        return notes
    for note in (_factor_note(got, expected, rtol, atol, sizes), _offset_note(got, expected, rtol, atol),
                 _shift_note(got, expected, rtol, atol)):
        if note is not None:
            notes.append(note)
            break
    return notes


def shape_causes(got: tuple[int, ...], expected: tuple[int, ...]) -> list[Text]:
    """Likely causes of a shape mismatch: one axis off by one, axes in another order, an extra
    or missing axis of length 1."""
    got, expected = tuple(got), tuple(expected)
    if len(got) == len(expected):
        off = [i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e]
        if len(off) == 1 and abs(got[off[0]] - expected[off[0]]) == 1:
            i = off[0]
            more = tr("하나 많습니다", "one too many") if got[i] > expected[i] else tr(
                "하나 적습니다", "one too few")
            return [tr(f"축 {i}의 길이가 {more.ko} ({got[i]} ≠ {expected[i]}) — range의 끝, 패딩, "
                       "출력 크기 공식의 +1을 확인하세요 (off-by-one)",
                       f"axis {i} has {more.en} ({got[i]} ≠ {expected[i]}) — check a range end, "
                       "the padding or the +1 of an output-size formula (off-by-one)")]
        if sorted(got) == sorted(expected) and len(off) >= 2:
            return [tr("축의 순서가 다릅니다 — 전치(transpose/permute)가 빠졌거나 잘못되었나요?",
                       "the axes are in another order — a missing or wrong transpose/permute?")]
    elif [n for n in got if n != 1] == [n for n in expected if n != 1]:
        return [tr("길이 1인 축이 더 있거나 빠졌습니다 — keepdims, squeeze/unsqueeze를 확인하세요",
                   "an extra or missing axis of length 1 — check keepdims or a "
                   "squeeze/unsqueeze")]
    return []


def digest(value: Any) -> str:
    """The fingerprint of a numeric array or number: `shape[|non-finite mask]:rms;p1,...,p16`, its
    root mean square and 16 fixed random projections (`Σ r_i x_i / √n`, r ~ N(0, 1) from a fixed
    seed), 7 significant digits each. Two results that differ only by float rounding (the same
    mistake written another way, float32 summed in another order) give fingerprints that
    `same_value` accepts; a different result moves the projections by about its RMS difference.
    "" for anything that is not numbers."""
    a = np.asarray(value)
    if a.dtype.kind not in "biufc":
        return ""
    shape = "x".join(str(int(n)) for n in a.shape) or "scalar"
    if a.dtype.kind == "c":
        a = np.stack([a.real, a.imag], axis=-1)
    x = a.astype(np.float64).ravel()
    finite = np.isfinite(x)
    if not finite.all():
        mask = np.stack([np.isnan(x), np.isposinf(x), np.isneginf(x)])
        shape += "|" + hashlib.sha1(np.packbits(mask).tobytes()).hexdigest()[:12]
        x = np.where(finite, x, 0.0)
    n = max(1, x.size)
    rms = float(np.sqrt(np.dot(x, x) / n))
    proj = np.zeros(PROJECTIONS)
    rng = np.random.default_rng(SEED)
    for start in range(0, x.size, CHUNK):  # bounded memory for big arrays
        part = x[start:start + CHUNK]
        proj += rng.standard_normal((PROJECTIONS, part.size)) @ part
    proj /= np.sqrt(n)
    return f"{shape}:{rms:.7g};" + ",".join(f"{v:.7g}" for v in proj)


PROJECTIONS, SEED, CHUNK = 16, 20240607, 1 << 16
SAME_RTOL = 1e-4  # of the RMS: float32 rounding moves a projection by ~1e-6 of it


def same_value(a: str, b: str, rtol: float = SAME_RTOL) -> bool:
    """Whether two `digest`s are of one value up to float rounding: the same shape and non-finite
    positions, and RMS and projections within `rtol` × the larger RMS."""
    if a == b:
        return bool(a)
    head_a, _, body_a = a.partition(":")
    head_b, _, body_b = b.partition(":")
    if not body_a or head_a != head_b:
        return False
    try:
        va = [float(v) for v in body_a.replace(";", ",").split(",")]
        vb = [float(v) for v in body_b.replace(";", ",").split(",")]
    except ValueError:
        return False
    if len(va) != len(vb):
        return False
    tol = rtol * max(abs(va[0]), abs(vb[0])) + 1e-300
    return all(abs(p - q) <= tol for p, q in zip(va, vb, strict=True))
