"""Graders for ch04.residual (checklist: cnn-cifar10).

Blocks are judged by what they compute: the learner's block runs in the submission (after a few
train-mode passes that give its BatchNorms statistics), its weights come back with
`execution_trace` and are loaded here into the answer key's block (`load_by_execution`), then the
outputs and the input gradients are compared. Names and declaration order are free, and so is
whether forward runs the shortcut before or after the main path (the trace is reordered to the
answer key's order: shortcut first).

Accepted alternative: other attribute names, F.relu, the shortcut computed last
(fixtures/submissions/alternatives/ch04_residual_shortcut_last.toml).
"""

import numpy as np
import pytest
import torch

from dldrill.grading import StudentError, assert_close, assert_shape, failure, grader, load_by_execution, tr
from dldrill.paths import solutions_root
from dldrill.sandbox.api import reference_importer

MODULE = "ch04.residual"
BUILDERS = "dldrill.childkit.builders"

HINT_BLOCK = tr("conv3×3(stride, bias=False) → BN → ReLU → conv3×3(bias=False) → BN, "
                "여기에 shortcut을 더한 뒤 ReLU; shortcut은 stride != 1 또는 in_ch != out_ch일 때만 "
                "1×1 conv(stride, bias=False) + BN, 아니면 파라미터 없는 항등",
                "conv3×3(stride, bias=False) → BN → ReLU → conv3×3(bias=False) → BN, add the shortcut, "
                "then ReLU; the shortcut is a 1×1 conv(stride, bias=False) + BN only when "
                "stride != 1 or in_ch != out_ch, else the identity with no parameters")


def _key():
    return reference_importer(solutions_root())(MODULE)


def param_count(model) -> int:
    """The number of scalars in `model.parameters()`, read through the handle."""
    return int(sum(int(np.prod(tuple(p.shape))) for p in model.parameters()))


def call_keeping_the_input(student, fn, x):
    """Runs `fn(x)` in the submission on the copy of x that a `functools.partial` holds there, and
    reads that copy back: (output, x as the call left it). Only torch and the standard library
    run besides the learner's code."""
    call = student.call("functools:partial", fn, x)
    out = call()
    return out, call.args[0]


def _block_params(i: int, o: int, s: int) -> int:
    main = 9 * i * o + 2 * o + 9 * o * o + 2 * o
    return main + ((i * o + 2 * o) if (s != 1 or i != o) else 0)


def _is(call: dict, kind: str, kernel: int | None = None) -> bool:
    if call["type"] != kind:
        return False
    return kernel is None or list(call["config"].get("kernel_size", [])) == [kernel, kernel]


def _shortcut_first(trace: dict) -> dict:
    """The weighted calls of a trace, each block's projection shortcut moved before its main path
    (the answer key's order) when forward ran it after: a 3×3 conv · BN · 3×3 conv · BN followed
    by a 1×1 conv · BN that read the same input and produced the same shape."""
    seen: set[int] = set()
    calls = []
    for c in trace["calls"]:
        if (c["params"] or c["buffers"]) and c["module"] not in seen:
            seen.add(c["module"])
            calls.append(c)
    i = 0
    while i + 5 < len(calls):
        w = calls[i:i + 6]
        if (_is(w[0], "Conv2d", 3) and _is(w[1], "BatchNorm2d") and _is(w[2], "Conv2d", 3)
                and _is(w[3], "BatchNorm2d") and _is(w[4], "Conv2d", 1) and _is(w[5], "BatchNorm2d")
                and w[4]["in_shape"] == w[0]["in_shape"] and w[5]["out_shape"] == w[3]["out_shape"]):
            calls[i:i + 6] = w[4:] + w[:4]
            i += 6
        else:
            i += 1
    return {"calls": calls, "output": trace["output"]}


def _loaded(student, model, ref, x, what, hint=HINT_BLOCK):
    """Gives the learner's model BatchNorm statistics, traces it in eval mode and loads its weights
    into `ref`; returns the learner's eval output on x."""
    model.train()
    for k in range(2):
        model(x * (1.0 + 0.5 * k) + 0.1 * k)
    model.eval()
    try:
        trace = student.call(f"{BUILDERS}:execution_trace", model, x)
    except StudentError as err:
        raise failure(f"{what}: forward", tr("출력 텐서", "an output tensor"),
                      err.message.splitlines()[0][:200], hint) from None
    load_by_execution(ref, _shortcut_first(trace), x, what=what, hint=hint)
    ref.eval()
    return model(x)  # the learner's own forward, not the trace's record of it


BLOCKS = {"64-64-s1": (64, 64, 1, 8), "64-128-s2": (64, 128, 2, 8), "32-32-s2": (32, 32, 2, 9),
          "16-32-s1": (16, 32, 1, 6)}


@pytest.mark.parametrize("case", list(BLOCKS))
@grader("cnn-cifar10", points=1)
def test_residual_block_output_shapes(student, rng, case):
    i, o, s, size = BLOCKS[case]
    x = torch.from_numpy(rng.standard_normal((2, i, size, size)).astype(np.float32))
    block = student.call(f"{MODULE}:ResidualBlock", i, o, stride=s)
    what = f"ResidualBlock({i}, {o}, stride={s})(x (2, {i}, {size}, {size}))"
    try:
        out = block(x)
    except StudentError as err:
        raise failure(what, tr("출력 텐서", "an output tensor"),
                      err.message.splitlines()[0][:200], HINT_BLOCK) from None
    side = (size - 1) // s + 1
    assert_shape(out, (2, o, side, side), what, HINT_BLOCK)


@pytest.mark.parametrize("case", ["64-64-s1", "64-128-s2", "32-32-s2", "16-32-s1"])
@grader("cnn-cifar10", points=1)
def test_residual_block_parameter_counts(student, case):
    """Exact counts: the identity shortcut has no parameters; a projection adds a 1×1 conv + BN."""
    i, o, s, _ = BLOCKS[case]
    got = param_count(student.call(f"{MODULE}:ResidualBlock", i, o, stride=s))
    expected = _block_params(i, o, s)
    if got != expected:
        shortcut = ("identity, 0" if s == 1 and i == o else f"1×1 conv {i * o} + BN {2 * o}")
        raise failure(f"ResidualBlock({i}, {o}, stride={s}): number of parameters",
                      f"{expected:,} (conv1 {9 * i * o}, bn1 {2 * o}, conv2 {9 * o * o}, bn2 {2 * o}, "
                      f"shortcut: {shortcut})", f"{got:,}", HINT_BLOCK)


@pytest.mark.parametrize("case", ["8-8-s1", "8-16-s2"])
@grader("cnn-cifar10", points=2)
def test_residual_block_forward_matches_the_curriculum_block(student, rng, case):
    i, o, s = {"8-8-s1": (8, 8, 1), "8-16-s2": (8, 16, 2)}[case]
    x = torch.from_numpy(rng.standard_normal((3, i, 7, 7)).astype(np.float32))
    what = f"ResidualBlock({i}, {o}, stride={s}).eval()(x (3, {i}, 7, 7))"
    ref = _key().ResidualBlock(i, o, stride=s)
    got = _loaded(student, student.call(f"{MODULE}:ResidualBlock", i, o, stride=s), ref, x, what)
    with torch.no_grad():
        expected = ref(x)
    assert_shape(got, tuple(expected.shape), what, HINT_BLOCK)
    assert_close(got, expected, rtol=1e-4, atol=1e-5,
                 what=f"{what} vs the curriculum block with the same weights",
                 hint=tr("ReLU는 덧셈 뒤에 한 번: relu(bn2(conv2(...)) + shortcut(x))",
                         "one ReLU after the sum: relu(bn2(conv2(...)) + shortcut(x))"))


@pytest.mark.parametrize("case", ["8-8-s1", "8-16-s2"])
@grader("cnn-cifar10", points=2)
def test_residual_block_gradient_reaches_the_input(student, rng, case):
    """d(sum(block(x) · g))/dx with the same weights: the shortcut's share must be there."""
    i, o, s = {"8-8-s1": (8, 8, 1), "8-16-s2": (8, 16, 2)}[case]
    x = torch.from_numpy(rng.standard_normal((2, i, 6, 6)).astype(np.float32))
    block = student.call(f"{MODULE}:ResidualBlock", i, o, stride=s)
    what = f"ResidualBlock({i}, {o}, stride={s}).eval(): d(sum(out · g))/dx"
    ref = _key().ResidualBlock(i, o, stride=s)
    _loaded(student, block, ref, x, what)
    up = torch.from_numpy(rng.standard_normal((2, o, (6 - 1) // s + 1, (6 - 1) // s + 1)).astype(np.float32))
    hint = tr("shortcut 경로를 detach()하지 마세요: 덧셈을 통해 기울기가 입력으로 그대로 흘러야 합니다",
              "do not detach() the shortcut: through the sum the gradient must flow straight to the "
              "input")
    try:  # torch's own vjp runs the learner's block in the submission; no kit code there
        out, got = student.call("torch.autograd.functional:vjp", block, x, up)
    except StudentError as err:
        raise failure(what, tr("x에 대한 그래디언트", "a gradient for x"),
                      err.message.splitlines()[0][:200], tr(
                          "입력 x를 제자리에서 바꾸지 마세요(identity += out 금지): out + identity",
                          "do not change the input x in place (no identity += out): out + identity"
                      )) from None
    xr = x.clone().requires_grad_(True)
    forward = ref(xr)
    (expected,) = torch.autograd.grad((forward * up).sum(), xr)
    assert_close(out, forward.detach(), rtol=1e-4, atol=1e-5,
                 what=f"ResidualBlock({i}, {o}, stride={s}).eval()(x) vs the curriculum block",
                 hint=HINT_BLOCK)
    assert_close(got, expected, rtol=1e-4, atol=1e-5, what=what, hint=hint)


@grader("cnn-cifar10", points=1)
def test_residual_block_leaves_its_input_unchanged(student, rng):
    x = torch.from_numpy(rng.standard_normal((2, 8, 5, 5)).astype(np.float32))
    block = student.call(f"{MODULE}:ResidualBlock", 8, 8)
    block.eval()
    _, after = call_keeping_the_input(student, block, x)
    if not torch.equal(torch.as_tensor(after), x):
        raise failure("ResidualBlock(8, 8)(x): x after the call", tr("그대로", "unchanged"),
                      tr("바뀜", "changed"),
                      tr("항등 shortcut은 x 자신입니다: identity += out 대신 "
                         "out + identity로 새 텐서를 만드세요",
                         "the identity shortcut is x itself: write out + identity (a new tensor), "
                         "not identity += out"))


# -- SmallResNet --------------------------------------------------------------------------------
HINT_NET = tr("stem Conv2d(in_ch, 16, 3, padding=1, bias=False) · BN · ReLU → ResidualBlock(16, 16) → "
              "ResidualBlock(16, 32, 2) → ResidualBlock(32, 64, 2) → AdaptiveAvgPool2d(1) → "
              "Linear(64, num_classes)",
              "stem Conv2d(in_ch, 16, 3, padding=1, bias=False) · BN · ReLU → ResidualBlock(16, 16) → "
              "ResidualBlock(16, 32, 2) → ResidualBlock(32, 64, 2) → AdaptiveAvgPool2d(1) → "
              "Linear(64, num_classes)")


@pytest.mark.parametrize("case", ["cifar", "mnist-5-classes"])
@grader("cnn-cifar10", points=1)
def test_small_resnet_output_shapes(student, rng, case):
    classes, ch, size = {"cifar": (10, 3, 32), "mnist-5-classes": (5, 1, 28)}[case]
    x = torch.from_numpy(rng.standard_normal((2, ch, size, size)).astype(np.float32))
    what = f"SmallResNet(num_classes={classes}, in_ch={ch})(x (2, {ch}, {size}, {size}))"
    model = student.call(f"{MODULE}:SmallResNet", num_classes=classes, in_ch=ch)
    try:
        out = model(x)
    except StudentError as err:
        raise failure(what, tr("출력 텐서", "an output tensor"),
                      err.message.splitlines()[0][:200], HINT_NET) from None
    assert_shape(out, (2, classes), what, HINT_NET)


@grader("cnn-cifar10", points=1)
def test_small_resnet_parameter_count(student):
    ref = _key().SmallResNet(num_classes=7, in_ch=3)
    expected = sum(p.numel() for p in ref.parameters())
    got = param_count(student.call(f"{MODULE}:SmallResNet", num_classes=7, in_ch=3))
    if got != expected:
        raise failure("SmallResNet(num_classes=7, in_ch=3): number of parameters", f"{expected:,}",
                      f"{got:,}", HINT_NET)


@grader("cnn-cifar10", points=2)
def test_small_resnet_forward_matches(student, rng):
    x = torch.from_numpy(rng.standard_normal((3, 3, 16, 16)).astype(np.float32))
    what = "SmallResNet(num_classes=10, in_ch=3).eval()(x (3, 3, 16, 16))"
    ref = _key().SmallResNet(num_classes=10, in_ch=3)
    got = _loaded(student, student.call(f"{MODULE}:SmallResNet", num_classes=10, in_ch=3), ref, x, what,
                  HINT_NET)
    with torch.no_grad():
        expected = ref(x)
    assert_shape(got, (3, 10), what, HINT_NET)
    assert_close(got, expected, rtol=1e-4, atol=1e-5,
                 what=f"{what} vs the reference SmallResNet with the same weights", hint=HINT_NET)
