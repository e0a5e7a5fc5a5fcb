"""Graders for ch09.cifar_project (checklist: cnn-cifar10; the real test set's 90% is scored by
test_artifacts.py).

What runs here: `normalize` against the answer key (CIFAR_MEAN / CIFAR_STD per channel: it feeds
train, predict and the saved model, and test_artifacts.py scores artifacts with the contract's),
`augment` judged by its properties (every output image is a 32×32 window of the input padded by 4
zeros, mirrored left-right or not; all offsets 0..8 and both outcomes occur; labels unchanged;
the generator decides), and `train`'s process on a tiny synthetic CIFAR-shaped set (classes are
colours under noise): `build_model()` maps (N, 3, 32, 32) float32 to (N, 10) logits, the loss
goes down, the same seed gives the same weights (`state_dict()` through the handle) whatever the
global RNG did, and the model comes back in eval mode. The logits are not taken from the child:
the fresh and the trained model are traced there (`torch.jit.trace`, library code) and run in an
artifact process (confined, no submission code; `dldrill.sandbox.artifacts`) on images
normalised here; their graphs may only use standard layers; the loss is computed here.

Budget: train(48 images, epochs=3, seed=0, batch_size=16) takes the answer key 2.1-3.4 CPU-s
(one thread, time.process_time(); loss 2.30 → 1.12); the budget for it is 20 CPU-s. Tracing the
two models: 0.1 CPU-s (budget 10); the artifact process's forward passes: under a CPU-second
(budget 20).
"""

import numpy as np
import torch

from dldrill.grading import assert_close, assert_dtype, assert_shape, failure, grader, tr

MODULE = "ch09.cifar_project"
ARTIFACTS = "dldrill.sandbox.artifacts"
HINT_TRACE = tr("build_model()은 torch.jit.trace로 추적할 수 있는 표준 레이어 모델이어야 합니다",
                "build_model() must be a model of standard layers that torch.jit.trace can "
                "trace")
HINT_GEN = tr("모든 난수는 generator 인자에서: torch.randint(..., generator=generator)",
              "draw every random number from the generator argument, e.g. "
              "torch.randint(..., generator=generator)")
HINT_AUG = tr("이미지마다 4픽셀 0-패딩 후 32×32 창(top, left ∈ 0..8)을 자르고, 확률 0.5로 좌우(x.flip(-1)) "
              "뒤집으세요; 라벨은 그대로",
              "per image: pad 4 zero pixels, cut a 32×32 window (top, left in 0..8), mirror "
              "left-right (x.flip(-1)) with probability 0.5; labels unchanged")


def _gen(student, seed: int):
    return student.call("torch:Generator").manual_seed(seed)


@grader("cnn-cifar10", points=1)
def test_normalize_uses_the_cifar_mean_and_std(student, reference, rng):
    X = rng.integers(0, 256, (4, 3, 32, 32)).astype(np.uint8)
    got = student.call(f"{MODULE}:normalize", X)
    what = "normalize(X (4, 3, 32, 32) uint8)"
    hint = tr("(X/255 − CIFAR_MEAN[c]) / CIFAR_STD[c], 채널마다",
              "(X/255 − CIFAR_MEAN[c]) / CIFAR_STD[c], per channel")
    assert_shape(got, (4, 3, 32, 32), what, hint)
    assert_dtype(got, "float32", what, hint)
    assert_close(got, reference.call(f"{MODULE}:normalize", X), rtol=1e-5, atol=1e-5, what=what,
                 hint=hint)


def _match(out: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For each image: found (bool), its offset index top*9+left, mirrored (bool)."""
    n, _, h, w = x.shape
    xp = torch.nn.functional.pad(x, (4, 4, 4, 4))
    found = torch.zeros(n, dtype=torch.bool)
    offset = torch.full((n,), -1)
    mirrored = torch.zeros(n, dtype=torch.bool)
    for top in range(9):
        for left in range(9):
            window = xp[:, :, top:top + h, left:left + w]
            for flip in (False, True):
                cand = window.flip(-1) if flip else window
                hit = (out == cand).flatten(1).all(1) & ~found
                found |= hit
                offset[hit] = top * 9 + left
                mirrored[hit] = flip
    return found, offset, mirrored


@grader("cnn-cifar10", points=3)
def test_augment_crops_and_flips_each_image(student, rng):
    n = 400
    x = torch.from_numpy(rng.standard_normal((n, 3, 32, 32)).astype(np.float32)) + 3.0
    y = torch.from_numpy(rng.integers(0, 10, n))
    what = f"augment(x ({n}, 3, 32, 32), y ({n},), generator)"
    result = student.call(f"{MODULE}:augment", x, y, generator=_gen(student, 0))
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise failure(what, "(x_aug, y_aug)", repr(result)[:80], HINT_AUG)
    out, y_out = (torch.as_tensor(v) for v in result)
    assert_shape(out, (n, 3, 32, 32), f"{what}: x_aug", HINT_AUG)
    assert_close(y_out, y, rtol=0, atol=0, what=f"{what}: y_aug",
                 hint=tr("라벨은 바뀌지 않습니다 (이미지 순서 그대로)",
                         "labels are unchanged (in the images' order)"))
    found, offset, mirrored = _match(out, x)
    bad = torch.nonzero(~found).flatten().tolist()
    if bad:
        raise failure(f"{what}: image {bad[0]}", tr("4픽셀 패딩한 x[n]의 32×32 창, 또는 그 좌우 반전",
                                                   "a 32×32 window of x[n] padded by 4, or its "
                                                   "mirror"),
                      tr("어느 것과도 다름", "none of them"), HINT_AUG)
    seen = set(offset.tolist())
    corners = {0, 8, 72, 80}
    if not corners <= seen or len(seen) < 60:
        raise failure(f"{what}: crop offsets seen", tr("0..8 × 0..8 전부 (네 모서리 포함)",
                                                      "all of 0..8 × 0..8, the corners "
                                                      "included"),
                      f"{len(seen)} of 81, corners {sorted(corners & seen)}",
                      tr("top, left는 torch.randint(0, 9, (N,), generator=generator)",
                         "top, left = torch.randint(0, 9, (N,), generator=generator)"))
    rate = float(mirrored.float().mean())
    if not 0.4 <= rate <= 0.6:
        raise failure(f"{what}: fraction of mirrored images", "about 0.5", f"{rate:.3f}",
                      tr("이미지마다 확률 0.5로 뒤집으세요", "mirror each image with probability 0.5"))


@grader("cnn-cifar10", points=1)
def test_augment_is_reproducible(student, rng):
    x = torch.from_numpy(rng.standard_normal((32, 3, 32, 32)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 10, 32))
    outs = []
    for seed, global_seed in ((3, 0), (3, 99), (4, 0)):
        student.call("torch:manual_seed", global_seed)
        outs.append(torch.as_tensor(student.call(f"{MODULE}:augment", x, y,
                                                 generator=_gen(student, seed))[0]))
    assert_close(outs[1], outs[0], rtol=0, atol=0,
                 what="augment(x, y, Generator seeded 3) after torch.manual_seed(0) vs (99)",
                 hint=HINT_GEN)
    if torch.equal(outs[2], outs[0]):
        raise failure("augment(x (32 images), y, seed 4) vs seed 3", tr("다름", "different"),
                      tr("같음", "equal"), HINT_GEN)


def _tiny_set(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-shaped uint8 images whose class is a colour, under strong noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    colors = rng.uniform(40, 215, (10, 3))
    X = colors[y][:, :, None, None] + rng.normal(0, 30, (n, 3, 32, 32))
    return np.clip(X, 0, 255).astype(np.uint8), y.astype(np.int64)


def _loss_here(logits, y: np.ndarray) -> float:
    return float(torch.nn.functional.cross_entropy(torch.as_tensor(logits).float(),
                                                   torch.as_tensor(y)))


@grader("cnn-cifar10", points=3)
def test_train_lowers_the_loss_on_a_tiny_set(student, reference, artifacts,
                                             traced_logits_of):
    """train(48 synthetic images, epochs=3, seed=0, batch_size=16): the cross-entropy of the
    trained model (eval mode) on its normalised training images must be below 0.75 × that of a
    fresh build_model() (answer key: 1.12 vs 2.30). The logits come from the models' traced
    graphs run in an artifact process, the loss is computed here. 20 CPU-seconds for train."""
    artifacts.prepare("torch")  # its start-up overlaps the training in the child
    X, y = _tiny_set(48)
    x = torch.as_tensor(reference.call(f"{MODULE}:normalize", X))
    student.call("torch:manual_seed", 0)
    fresh = student.call(f"{MODULE}:build_model")
    with student.time_limit(20.0, "train on 48 images (3 epochs)"):
        model = student.call(f"{MODULE}:train", X, y, 3, seed=0, device="cpu", batch_size=16)
    logits = traced_logits_of(student, artifacts, {"fresh": fresh, "trained": model}, x,
                              "train(48 images, 3 epochs)", hint=HINT_TRACE)
    hint_shape = tr("build_model()은 (N, 3, 32, 32) → (N, 10) 로짓",
                    "build_model() maps (N, 3, 32, 32) to (N, 10) logits")
    for name, out in logits.items():
        assert_shape(out, (48, 10), f"{name} build_model()(x (48, 3, 32, 32) float32)", hint_shape)
        assert_dtype(out, "float32", f"{name} build_model()(x (48, 3, 32, 32) float32)",
                     hint_shape)
    untrained, trained = _loss_here(logits["fresh"], y), _loss_here(logits["trained"], y)
    if not trained < 0.75 * untrained:
        raise failure("cross-entropy on the 48 training images, trained (3 epochs) vs a fresh "
                      "build_model()", f"< 0.75 × {untrained:.3f} = {0.75 * untrained:.3f}",
                      f"{trained:.3f}",
                      tr("배치마다 normalize → augment → zero_grad → forward → loss → backward → step; "
                         "augment가 라벨 순서를 지키는지 확인하세요",
                         "per batch normalize → augment → zero_grad → forward → loss → backward → "
                         "step; check that augment keeps the labels with their images"))


@grader("cnn-cifar10", points=2)
def test_train_is_seeded(student):
    """train(16 images, epochs=1, seed=3, device="cpu", batch_size=8) after torch.manual_seed(0)
    and (99): the same weights (`state_dict()` read through the handle); seed=4: other weights;
    the model comes back in eval mode.
    Budget 15 CPU-s (answer key: 0.9 CPU-s)."""
    X, y = _tiny_set(16, seed=1)
    hint = tr("train 안에서 torch.manual_seed(seed), 섞기와 증강에는 seed로 만든 Generator",
              "inside train: torch.manual_seed(seed), and a Generator seeded with seed for the "
              "shuffling and augment")
    states = []
    with student.time_limit(15.0, "train on 16 images three times"):
        for global_seed, seed in ((0, 3), (99, 3), (0, 4)):
            student.call("torch:manual_seed", global_seed)
            model = student.call(f"{MODULE}:train", X, y, 1, seed=seed, device="cpu", batch_size=8)
            state = model.state_dict()
            if not isinstance(state, dict):
                raise failure("train(...).state_dict()", "{name: tensor}", type(state).__name__,
                              tr("train은 nn.Module을 돌려줍니다", "train returns an nn.Module"))
            states.append(state)
            if model.training is not False:
                raise failure("train(...).training (the returned model's mode)",
                              "False (eval mode)", repr(model.training)[:40],
                              tr("학습이 끝나면 model.eval()을 부르고 돌려주세요",
                                 "call model.eval() at the end of train, before returning it"))
    what = "train(X, y, 1, seed=3) after torch.manual_seed(0) vs after torch.manual_seed(99)"
    if list(states[0]) != list(states[1]):
        raise failure(f"{what}: state_dict keys", str(list(states[0])), str(list(states[1])), hint)
    for key in states[0]:
        assert_close(states[1][key], states[0][key], rtol=0, atol=0, what=f"{what}: {key}",
                     hint=hint)
    if all(torch.equal(torch.as_tensor(states[2][k]), torch.as_tensor(states[0][k]))
           for k in states[0]):
        raise failure("train(..., seed=4) vs train(..., seed=3): weights",
                      tr("다름", "different"), tr("같음", "equal"), hint)
