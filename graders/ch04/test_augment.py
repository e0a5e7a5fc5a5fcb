"""Graders for ch04.augment (checklist: cnn-cifar10).

Random transforms are judged by their properties, not by one way of drawing numbers: every output
image is the input or its mirror (random_flip), or a window of the zero-padded input
(random_crop, the offsets found here by search); both outcomes / all offsets up to the largest
occur; the same seed gives the same result whatever the global RNG does (the draws come from the
`generator` argument), another seed another result.

Accepted alternative: other ways to draw the same distributions (per-image loops, bernoulli,
index_select) (fixtures/submissions/alternatives/ch04_augment_other_draws.toml).

No kit code runs in the submission: whether normalize changes its input is read back from the
copy of x that a `functools.partial` holds there (and the result must be right too, so a
function that returns x untouched earns nothing; attacks/ch04_augment_inplace_helper.toml).
"""

import numpy as np
import pytest
import torch

from dldrill.grading import assert_close, assert_dtype, assert_raises, assert_shape, failure, grader, tr

MODULE = "ch04.augment"
HINT_GEN = tr("모든 난수는 generator 인자에서: torch.rand(N, generator=generator) 처럼 넘기세요",
              "draw every random number from the generator argument, e.g. "
              "torch.rand(N, generator=generator)")


def _gen(student, seed: int):
    return student.call("torch:Generator").manual_seed(seed)


def _images(rng, n, c, h, w, dtype=np.float32) -> torch.Tensor:
    return torch.from_numpy(rng.standard_normal((n, c, h, w)).astype(dtype))


@grader("cnn-cifar10", points=2)
def test_random_flip_keeps_or_mirrors_each_image(student, rng):
    x = _images(rng, 400, 2, 3, 4)
    out = student.call(f"{MODULE}:random_flip", x, generator=_gen(student, 0))
    what = "random_flip(x (400, 2, 3, 4), generator)"
    hint = tr("이미지마다 따로 정해, 너비 축(마지막 축)으로 뒤집으세요: x.flip(-1)",
              "decide per image and mirror along the width (the last axis): x.flip(-1)")
    assert_shape(out, tuple(x.shape), what, hint)
    out = torch.as_tensor(out)
    same = (out == x).flatten(1).all(1)
    mirrored = (out == x.flip(-1)).flatten(1).all(1)
    bad = torch.nonzero(~(same | mirrored)).flatten().tolist()
    if bad:
        raise failure(f"{what}: image {bad[0]}", tr("x[n] 또는 x[n].flip(-1)",
                                                   "x[n] or x[n].flip(-1)"),
                      tr("둘 다 아님", "neither"), hint)
    rate = float(mirrored.float().mean())
    if not 0.4 <= rate <= 0.6:
        raise failure(f"{what}: fraction of mirrored images", "about 0.5", f"{rate:.3f}", tr(
            "이미지마다 확률 0.5로 뒤집으세요 (torch.rand(N) < p)",
            "flip each image with probability 0.5 (torch.rand(N) < p)"))


@grader("cnn-cifar10", points=1)
def test_random_flip_is_reproducible(student, rng):
    x = _images(rng, 64, 1, 2, 5)
    results = []
    for seed, global_seed in ((3, 0), (3, 99), (4, 0)):
        student.call("torch:manual_seed", global_seed)
        results.append(torch.as_tensor(
            student.call(f"{MODULE}:random_flip", x, generator=_gen(student, seed))))
    assert_close(results[1], results[0], rtol=0, atol=0,
                 what="random_flip(x, Generator seeded 3), after torch.manual_seed(0) vs (99)",
                 hint=HINT_GEN)
    if torch.equal(results[2], results[0]):
        raise failure("random_flip(x (64 images), seed 4) vs seed 3", tr("다름", "different"),
                      tr("같음", "equal"), HINT_GEN)


def _offsets(out: torch.Tensor, x: torch.Tensor, size: tuple[int, int], padding: int, what: str,
             hint) -> list[tuple[int, int]]:
    """The (top, left) of each output image in the zero-padded input, found by search."""
    xp = torch.nn.functional.pad(x, (padding,) * 4)
    sh, sw = size
    found = []
    for n in range(len(x)):
        hit = None
        for t in range(xp.shape[-2] - sh + 1):
            for left in range(xp.shape[-1] - sw + 1):
                if torch.equal(out[n], xp[n, :, t:t + sh, left:left + sw]):
                    hit = (t, left)
                    break
            if hit:
                break
        if hit is None:
            raise failure(f"{what}: image {n}", tr("0으로 패딩한 x[n]의 한 창",
                                                  "a window of the zero-padded x[n]"),
                          tr("어느 창과도 다름", "no window matches"), hint)
        found.append(hit)
    return found


HINT_CROP = tr("네 변에 padding만큼 0을 붙이고, 이미지마다 top ∈ [0, H + 2p − size] (양 끝 포함), left도 "
               "같게 뽑으세요: torch.randint(0, max + 1, ...)",
               "pad all four sides with zeros, then draw per image top in [0, H + 2p − size] (both "
               "ends included) and left likewise: torch.randint(0, max + 1, ...)")
CROPS = {"square-pad2": (160, 1, 6, 6, 6, 2), "rect-no-pad": (120, 2, 5, 8, (3, 6), 0)}


@pytest.mark.parametrize("case", list(CROPS))
@grader("cnn-cifar10", points=2)
def test_random_crop_cuts_windows_of_the_padded_image(student, rng, case):
    n, c, h, w, size, pad = CROPS[case]
    sh, sw = (size, size) if isinstance(size, int) else size
    x = _images(rng, n, c, h, w) + 3.0  # no zeros inside the images: the padding is recognisable
    what = f"random_crop(x ({n}, {c}, {h}, {w}), size={size}, padding={pad}, generator)"
    hint = HINT_CROP
    out = student.call(f"{MODULE}:random_crop", x, size, padding=pad, generator=_gen(student, 1))
    assert_shape(out, (n, c, sh, sw), what, hint)
    found = _offsets(torch.as_tensor(out), x, (sh, sw), pad, what, hint)
    tops, lefts = {t for t, _ in found}, {left for _, left in found}
    for axis, got, top in (("top", tops, h + 2 * pad - sh), ("left", lefts, w + 2 * pad - sw)):
        if got != set(range(top + 1)):
            raise failure(f"{what}: the {axis} offsets drawn over {n} images",
                          str(list(range(top + 1))), str(sorted(got)), hint)


@grader("cnn-cifar10", points=1)
def test_random_crop_refuses_a_window_larger_than_the_padded_image(student, rng):
    """The documented error: a window larger than the padded image raises ValueError (once the
    same function crops correctly)."""
    x = _images(rng, 6, 1, 4, 5) + 3.0

    def works():
        out = student.call(f"{MODULE}:random_crop", x, (6, 7), padding=1, generator=_gen(student, 2))
        what = "random_crop(x (6, 1, 4, 5), size=(6, 7), padding=1, generator)"
        assert_shape(out, (6, 1, 6, 7), what, HINT_CROP)
        _offsets(torch.as_tensor(out), x, (6, 7), 1, what, HINT_CROP)

    assert_raises("ValueError", student.call, f"{MODULE}:random_crop", x, 7, padding=1,
                  generator=_gen(student, 2), valid=works,
                  what="random_crop(x (6, 1, 4, 5), size=7, padding=1): 7 > 4 + 2·1",
                  hint=tr("창이 패딩한 이미지보다 크면 (H + 2·padding < size) ValueError",
                          "a window larger than the padded image (H + 2·padding < size) raises "
                          "ValueError"))


@grader("cnn-cifar10", points=1)
def test_random_crop_is_reproducible(student, rng):
    x = _images(rng, 32, 1, 6, 6)
    results = []
    for seed, global_seed in ((5, 0), (5, 99), (6, 0)):
        student.call("torch:manual_seed", global_seed)
        results.append(torch.as_tensor(student.call(f"{MODULE}:random_crop", x, 6, padding=2,
                                                    generator=_gen(student, seed))))
    assert_close(results[1], results[0], rtol=0, atol=0,
                 what="random_crop(x, 6, padding=2, Generator seeded 5), after torch.manual_seed(0) "
                      "vs (99)", hint=HINT_GEN)
    if torch.equal(results[2], results[0]):
        raise failure("random_crop(x (32 images), 6, padding=2): seed 6 vs seed 5",
                      tr("다름", "different"), tr("같음", "equal"), HINT_GEN)


HINT_NORM = tr("(x − mean[c]) / std[c], mean과 std를 (1, C, 1, 1)로 바꿔 브로드캐스팅",
               "(x − mean[c]) / std[c], with mean and std reshaped to (1, C, 1, 1)")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@grader("cnn-cifar10", points=1)
def test_normalize_per_channel(student, rng, dtype):
    x = _images(rng, 4, 3, 5, 6, dtype) * 0.3 + 0.5
    mean, std = [0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]  # CIFAR-10's statistics
    got = student.call(f"{MODULE}:normalize", x, mean, std)
    what = f"normalize(x (4, 3, 5, 6) {x.dtype}, CIFAR-10 mean, std)"
    expected = (x - torch.tensor(mean, dtype=x.dtype).view(1, 3, 1, 1)) / torch.tensor(
        std, dtype=x.dtype).view(1, 3, 1, 1)
    assert_shape(got, tuple(x.shape), what, HINT_NORM)
    assert_dtype(got, x.dtype, what, tr("입력의 dtype을 유지하세요", "keep the input's dtype"))
    assert_close(got, expected, rtol=1e-6, atol=1e-6, what=what, hint=HINT_NORM)


@grader("cnn-cifar10", points=1)
def test_normalize_leaves_x_unchanged(student, rng):
    x = _images(rng, 2, 1, 4, 4)
    # The submission keeps its copy of x inside a functools.partial; after the call that copy is
    # read back (only torch and the standard library run there besides the learner's code).
    call = student.call("functools:partial", student.get(f"{MODULE}:normalize"), x, mean=[0.1307],
                        std=[0.3081])
    out = call()
    assert_close(out, (x - 0.1307) / 0.3081, rtol=1e-6, atol=1e-6,
                 what="normalize(x (2, 1, 4, 4), (0.1307,), (0.3081,))", hint=HINT_NORM)
    if not torch.equal(torch.as_tensor(call.args[0]), x):
        raise failure("normalize(x, (0.1307,), (0.3081,)): x after the call",
                      tr("그대로", "unchanged"), tr("바뀜", "changed"),
                      tr("sub_/div_ 같은 제자리 연산 대신 (x - m) / s로 새 텐서를 만드세요",
                         "make a new tensor, (x - m) / s, instead of in-place sub_ / div_"))


@grader("cnn-cifar10", points=1)
def test_compose_applies_in_order(student, rng):
    x = _images(rng, 2, 1, 3, 3)
    square = student.get("torch:square")
    add_one = student.call("functools:partial", student.get("torch:add"), other=1.0)
    halve = student.call("functools:partial", student.get("torch:mul"), other=0.5)
    pipeline = student.call(f"{MODULE}:Compose", [square, add_one, halve])
    got = pipeline(x)
    assert_close(got, (x ** 2 + 1.0) * 0.5, rtol=1e-6, atol=1e-6,
                 what="Compose([torch.square, add 1, multiply by 0.5])(x)",
                 hint=tr("목록의 첫 변환부터 차례로: for t in self.transforms: x = t(x)",
                         "first transform first: for t in self.transforms: x = t(x)"))
    empty = student.call(f"{MODULE}:Compose", [])
    assert_close(empty(x), x, rtol=0, atol=0, what="Compose([])(x)",
                 hint=tr("빈 목록이면 x를 그대로 돌려주세요", "with no transforms return x"))
