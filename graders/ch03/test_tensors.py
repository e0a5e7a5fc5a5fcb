"""Graders for ch03.tensors (checklist: pytorch-loop).

Accepted alternatives: pairwise distances by the clamped expansion, einsum for batched_outer,
scatter_ or F.one_hot(...).float() for one_hot (fixtures/submissions/alternatives/ch03_tensors_*).
"""

import numpy as np
import pytest
import torch

from dldrill.grading import assert_close, assert_dtype, assert_shape, failure, grader, to_numpy, tr

MODULE = "ch03.tensors"


def _cdist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")


@pytest.mark.parametrize("n,m,d", [(5, 4, 3), (1, 7, 2), (12, 12, 16)])
@grader("pytorch-loop", points=1)
def test_pairwise_distances_match_cdist(student, rng, n, m, d):
    a = torch.from_numpy(rng.standard_normal((n, d)).astype(np.float32))
    b = torch.from_numpy(rng.standard_normal((m, d)).astype(np.float32) * 2)
    got = student.call(f"{MODULE}:pairwise_distances", a, b)
    what = f"pairwise_distances(a {tuple(a.shape)}, b {tuple(b.shape)})"
    hint = tr("차이의 제곱을 마지막 축으로 더한 뒤 제곱근을 취하세요 (torch.cdist와 같아야 합니다)",
              "sum the squared differences over the last axis, then take the square root "
              "(it must equal torch.cdist)")
    assert_shape(got, (n, m), what, hint)
    assert_dtype(got, torch.float32, what, hint)
    assert_close(got, _cdist(a, b), rtol=1e-4, atol=1e-5, what=what, hint=hint)


@grader("pytorch-loop", points=2)
def test_pairwise_distances_float64_and_identical_points(student, rng):
    a = torch.from_numpy(rng.standard_normal((6, 5)) * 10)
    b = torch.cat([a[:3], torch.from_numpy(rng.standard_normal((4, 5)))])
    hint = tr("제곱합이 반올림 오차로 아주 작은 음수가 되면 sqrt가 NaN입니다: clamp(min=0) 후 sqrt, "
              "또는 차이를 직접 제곱하세요",
              "rounding can make a squared distance a tiny negative number and sqrt gives NaN: "
              "clamp(min=0) before sqrt, or square the differences directly")
    got = student.call(f"{MODULE}:pairwise_distances", a, b)
    what = "pairwise_distances(float64 a (6, 5), b (7, 5)), b[:3] == a[:3]"
    assert_dtype(got, torch.float64, what, tr("입력이 float64이면 결과도 float64여야 합니다",
                                              "float64 inputs give a float64 result"))
    assert_close(got, _cdist(a, b), rtol=1e-9, atol=1e-6, what=what, hint=hint)
    x = torch.from_numpy(rng.standard_normal((40, 8)).astype(np.float32) * 3)
    same = student.call(f"{MODULE}:pairwise_distances", x, x)
    what = "pairwise_distances(x, x), x float32 (40, 8)"
    if not np.isfinite(to_numpy(same)).all():
        raise failure(what, tr("NaN/inf 없는 거리", "finite distances"),
                      tr("NaN/inf 포함", "NaN/inf values"), hint)
    assert_close(torch.diagonal(same), torch.zeros(40), atol=5e-3, what=f"diagonal of {what}",
                 hint=hint)
    assert_close(same, _cdist(x, x), rtol=1e-3, atol=5e-3, what=what, hint=hint)


@grader("pytorch-loop", points=1)
def test_batched_outer(student, rng):
    hint = tr("a를 (B, n, 1), b를 (B, 1, m)으로 바꿔 곱하세요 (또는 einsum 'bi,bj->bij')",
              "reshape a to (B, n, 1) and b to (B, 1, m) and multiply (or einsum 'bi,bj->bij')")
    for B, n, m, dtype in ((4, 3, 5, np.float32), (1, 2, 2, np.float64), (6, 1, 4, np.float64)):
        a = torch.from_numpy(rng.standard_normal((B, n)).astype(dtype))
        b = torch.from_numpy(rng.standard_normal((B, m)).astype(dtype))
        got = student.call(f"{MODULE}:batched_outer", a, b)
        what = f"batched_outer(a {tuple(a.shape)}, b {tuple(b.shape)})"
        assert_shape(got, (B, n, m), what, hint)
        assert_close(got, torch.einsum("bi,bj->bij", a, b), rtol=1e-6, atol=1e-7, what=what,
                     hint=hint)


@grader("pytorch-loop", points=2)
def test_one_hot_values_and_dtype(student):
    labels = torch.tensor([3, 0, 2, 2, 0, 1])
    got = student.call(f"{MODULE}:one_hot", labels, 6)  # classes 4 and 5 never appear
    what = "one_hot(labels=[3, 0, 2, 2, 0, 1], num_classes=6)"
    assert_shape(got, (6, 6), what, tr("열의 수는 레이블의 최댓값이 아니라 num_classes입니다",
                                       "the number of columns is num_classes, not max(labels) + 1"))
    assert_dtype(got, torch.float32, what, tr(
        "결과는 float32여야 합니다: F.one_hot은 int64를 돌려주므로 .float()가 필요합니다",
        "the result must be float32: F.one_hot returns int64, so add .float()"))
    assert_close(got, torch.eye(6)[labels], what=what,
                 hint=tr("행 i의 labels[i]번째 열만 1입니다", "row i has a single 1 at column labels[i]"))
    got = student.call(f"{MODULE}:one_hot", torch.tensor([1]), 2)
    assert_close(got, torch.tensor([[0.0, 1.0]]), what="one_hot([1], 2)")


@grader("pytorch-loop", points=2)
def test_normalize_images_per_channel(student, rng):
    hint = tr("mean/std를 (1, C, 1, 1)로 바꿔 채널 축(1번 축)에 맞추세요",
              "reshape mean and std to (1, C, 1, 1) so that they line up with the channel axis (1)")
    cases = [((2, 3, 4, 5), (0.5, 0.4, 0.3), (0.2, 0.25, 0.3), np.float32),
             # C == H == W: broadcasting over the wrong axis gives no error, only wrong values
             ((2, 3, 3, 3), [0.1, -0.2, 0.7], [1.5, 0.5, 2.0], np.float32),
             ((1, 2, 2, 6), [0.0, 1.0], [1.0, 4.0], np.float64)]
    for shape, mean, std, dtype in cases:
        x = torch.from_numpy(rng.standard_normal(shape).astype(dtype))
        got = student.call(f"{MODULE}:normalize_images", x, mean, std)
        what = f"normalize_images(x {shape}, mean={list(mean)}, std={list(std)})"
        assert_shape(got, shape, what, hint)
        assert_dtype(got, x.dtype, what, tr("입력의 dtype을 유지하세요", "keep the input's dtype"))
        m = torch.tensor(mean, dtype=x.dtype).view(1, -1, 1, 1)
        s = torch.tensor(std, dtype=x.dtype).view(1, -1, 1, 1)
        assert_close(got, (x - m) / s, rtol=1e-5, atol=1e-6, what=what, hint=hint)


@grader("pytorch-loop", points=1)
def test_normalize_images_leaves_input_alone(student, rng):
    x = torch.from_numpy(rng.standard_normal((2, 3, 4, 4)).astype(np.float32))
    # x is the child's own tensor, kept by a functools.partial there (a library object) and
    # read back after the call; the result is checked too, so a function that does nothing fails
    call = student.call("functools:partial", student.get(f"{MODULE}:normalize_images"), x,
                        [0.5, 0.5, 0.5], [0.2, 0.2, 0.2])
    got = call()
    assert_close(got, (x - 0.5) / 0.2, rtol=1e-5, atol=1e-6,
                 what="normalize_images(x (2, 3, 4, 4), mean=[0.5] * 3, std=[0.2] * 3)")
    if not torch.equal(call.args[0], x):  # the child's x after the call, judged here
        raise failure("normalize_images(x, ...)",
                      tr("x는 그대로", "x left as it was"),
                      tr("x가 제자리에서 바뀜 (sub_/div_ 같은 in-place 연산)",
                         "x changed in place (an in-place op such as sub_/div_)"),
                      tr("(x - mean) / std처럼 새 텐서를 만드세요",
                         "build a new tensor, (x - mean) / std"))


@grader("pytorch-loop", points=2)
def test_no_python_loops_on_large_inputs(student, rng):
    """Each call on inputs where a Python loop over elements needs seconds must use at most
    1.5 CPU-seconds. Vectorised code takes milliseconds here (the answer key measured 0.05 CPU-s
    for all four calls together); a loop over rows is fine, one over elements is not."""
    hint = tr("원소마다 도는 파이썬 for 문 대신 브로드캐스팅/인덱싱을 쓰세요",
              "replace the Python for loop over elements by broadcasting or indexing")
    labels = torch.from_numpy(rng.integers(0, 4, size=1_000_000))
    a = torch.from_numpy(rng.standard_normal((600, 8)).astype(np.float32))
    u = torch.from_numpy(rng.standard_normal((200_000, 3)).astype(np.float32))
    x = torch.from_numpy(rng.standard_normal((8, 3, 64, 64)).astype(np.float32))
    student.ready()
    calls = [
        ("one_hot(1,000,000 labels, 4)", "one_hot", (labels, 4), (1_000_000, 4)),
        ("pairwise_distances(600×8, 600×8)", "pairwise_distances", (a, a), (600, 600)),
        ("batched_outer(200,000×3, 200,000×3)", "batched_outer", (u, u), (200_000, 3, 3)),
        ("normalize_images(8×3×64×64)", "normalize_images", (x, [0.1, 0.2, 0.3], [1, 2, 3]),
         (8, 3, 64, 64)),
    ]
    for what, name, args, shape in calls:
        with student.time_limit(1.5, what):
            got = student.call(f"{MODULE}:{name}", *args)
        assert_shape(got, shape, what, hint)
