"""Graders for ch08.regularization (no checklist item: the chapter's progress).

Dropout is judged exactly (every entry is 0 or x/(1-p)) and statistically (the fraction of zeros
and the mean stay within 5 standard deviations of p and of the input's mean, with seeded
generators); BatchNorm1d against `nn.BatchNorm1d` built here with the same weights, step by step
in train mode (outputs and running statistics) and then in eval mode; layer_norm against
`F.layer_norm`; l2_penalty against the sum computed here from the grader's own copy of the
seeded model, and its gradients (the learner's l2_penalty and backward() run there as one call of
plain torch, `torch.autograd.backward(map(l2_penalty, [model]))`, the gradients come back) against
2·p; EarlyStopping against the contract's rule on loss sequences chosen to reach its boundaries.
The starting state is varied: BatchNorm1d put in eval mode before any training step, then train
and eval again; dropout without a generator (the global RNG, seeded twice the same and once
otherwise); a model with no trainable parameter for l2_penalty (tensor(0.)).

"By hand" (the module's contract) is checked on the source, read in the grader and never imported
(`assert_by_hand`): each dropout, BatchNorm1d and layer_norm test
first requires that ch08/regularization.py (whole, with the submission modules it imports and
the package's __init__.py) use no library dropout / batch-instance-group norm / layer-group-RMS
norm layer, function or kernel, nor hide one behind a module alias.

Correct variants pass: a Bernoulli mask, torch.var_mean over a (C, N·L) view, a flattened layer
norm, a Keras-style wait counter (fixtures/submissions/alternatives/ch08_regularization_other_style.toml).
"""

import numpy as np
import torch
import torch.nn.functional as F

from dldrill.childkit import builders
from dldrill.errors import StudentError, TodoError
from dldrill.grading import assert_by_hand, assert_close, assert_raises, failure, grader, tr

MODULE = "ch08.regularization"
BUILDERS = "dldrill.childkit.builders"
CHILDKIT = "dldrill.childkit.ch08"


def _library_names(*keys: str) -> tuple[str, ...]:
    """Every public name of torch, torch.nn.functional and torch.nn whose lower-case name contains
    one of `keys`, as dotted names (as this torch spells them)."""
    out = []
    for module, prefix in ((torch, "torch"), (F, "torch.nn.functional"), (torch.nn, "torch.nn")):
        out += [f"{prefix}.{n}" for n in dir(module) if any(k in n.lower() for k in keys)]
    return tuple(out)


# "By hand" (the module's contract: no F.dropout, F.batch_norm, F.layer_norm, nn.BatchNorm1d):
# the library's layer, function or kernel for each exercise, and the back doors to kernels.
_KERNELS = ("torch.ops", "torch._C", "torch._VF", "torch._refs", "torch._decomp", "torch._prims",
            "torch.nn.modules.dropout", "torch.nn.modules.batchnorm",
            "torch.nn.modules.normalization", "torch.nn.modules.instancenorm", "tensorflow", "keras")
FORBIDDEN_DROPOUT = _library_names("dropout") + _KERNELS
FORBIDDEN_BATCHNORM = _library_names("batch_norm", "batchnorm", "instance_norm", "instancenorm",
                                     "group_norm", "groupnorm") + _KERNELS
FORBIDDEN_LAYERNORM = _library_names("layer_norm", "layernorm", "group_norm", "groupnorm",
                                     "rms_norm", "rmsnorm") + _KERNELS


def _by_hand(student, forbidden: tuple[str, ...], what: str) -> None:
    """`assert_by_hand` on ch08/regularization.py (whole) for one exercise's library names."""
    assert_by_hand(student, MODULE, forbidden=forbidden, what=f"ch08/regularization.py ({what})",
                   hint=tr(
        f"{what}은(는) 텐서 연산(mean, var, rand, sqrt...)으로 직접 작성하세요; 라이브러리의 같은 층·함수는 "
        "쓰지 않습니다",
        f"write {what} with tensor operations (mean, var, rand, sqrt...), not the library's own "
        "layer or function"))


HINT_DROPOUT = tr("남길 원소는 x / (1 - p), 나머지는 0 (역 드롭아웃: 학습 중에 스케일)",
                  "kept entries are x / (1 - p), the others 0 (inverted dropout scales in training)")
HINT_DROPOUT_EVAL = tr("평가(training=False)에서는 x를 그대로 돌려주세요 (스케일은 학습 때 이미 함)",
                       "in eval (training=False) return x unchanged (inverted dropout already "
                       "scaled during training)")
HINT_DROPOUT_SHAPE = tr("x와 같은 shape·dtype의 텐서를 돌려주세요", "return a tensor of x's shape and dtype")
HINT_DROPOUT_P = tr("p는 버릴(0으로 만들) 확률입니다: keep = rand >= p",
                    "p is the probability of DROPPING an entry: keep = rand >= p")
HINT_DROPOUT_P0 = tr("p=0이면 아무것도 버리지 않고 스케일도 1입니다", "p=0 drops nothing and scales by 1")
HINT_DROPOUT_P1 = tr("p=1이면 모두 0입니다 — 1/(1-p)로 나누면 0/0 = nan이 됩니다: 따로 처리하세요",
                     "p=1 zeros everything — dividing by 1 - p gives 0/0 = nan: handle it apart")
HINT_DROPOUT_RANGE = tr("0 <= p <= 1이 아니면 ValueError", "raise ValueError unless 0 <= p <= 1")
HINT_GENERATOR = tr("난수는 generator에서 뽑으세요: torch.rand(x.shape, generator=generator)",
                    "draw from the generator: torch.rand(x.shape, generator=generator)")
HINT_GLOBAL_RNG = tr("generator가 None이면 전역 RNG에서 뽑으세요 (torch.rand(x.shape, generator=None)); "
                     "새 torch.Generator()를 만들면 매번 같은 고정 시드의 마스크가 나옵니다",
                     "with generator=None draw from the global RNG (torch.rand(x.shape, "
                     "generator=None)); a fresh torch.Generator() starts from the same fixed seed "
                     "every call")
SAME_MASK, DIFFERENT_MASKS = tr("같은 마스크", "the same mask"), tr("다른 마스크", "different masks")


def _gen(student, seed: int):
    g = student.call("torch:Generator")
    g.manual_seed(seed)
    return g


def _x(shape, seed: int = 0) -> torch.Tensor:
    """Values away from 0, so that a dropped entry cannot be mistaken for a kept one."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=g)
    return x + torch.sign(x) * 0.5


# -- dropout --------------------------------------------------------------------------------------
@grader(points=1)
def test_dropout_is_the_identity_in_eval(student):
    _by_hand(student, FORBIDDEN_DROPOUT, "dropout")
    x = _x((6, 50))
    for p in (0.5, 0.9):
        got = student.call(f"{MODULE}:dropout", x, p, False, generator=_gen(student, 1))
        assert_close(got, x, rtol=0, atol=0, what=f"dropout(x, p={p}, training=False)",
                     hint=HINT_DROPOUT_EVAL)


def _check_kept(student, x: torch.Tensor, p: float, seed: int) -> None:
    """dropout(x, p, True, seeded generator): every entry exactly 0 or x / (1 - p), some of each,
    the shape and dtype of x."""
    got = student.call(f"{MODULE}:dropout", x, p, True, generator=_gen(student, seed))
    what = f"dropout(x {tuple(x.shape)} {str(x.dtype).removeprefix('torch.')}, p={p}, " \
           f"training=True, generator=seeded)"
    if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(x.shape) \
            or got.dtype != x.dtype:
        raise failure(f"{what}: the result", f"a tensor {tuple(x.shape)} {x.dtype}",
                      f"{type(got).__name__} {tuple(getattr(got, 'shape', ()))} "
                      f"{getattr(got, 'dtype', '')}",
                      HINT_DROPOUT_SHAPE)
    got = got.detach().double()
    kept = got != 0
    scaled = x.double() / (1 - p)
    if not bool(kept.any()) or bool(kept.all()):
        raise failure(f"{what}: entries set to 0", tr("일부 (약 p)", "some (about p)"),
                      f"{int((~kept).sum())} / {x.numel()}", HINT_DROPOUT)
    bad = kept & ((got - scaled).abs() > 1e-5 * scaled.abs())
    if bool(bad.any()):
        i = tuple(int(v) for v in bad.nonzero()[0])
        raise failure(f"{what}: a kept entry, at {i}",
                      f"x / (1 - p) = {float(scaled[i]):.6g} (x = {float(x[i]):.6g})",
                      f"{float(got[i]):.6g} ({int(bad.sum())} entries differ)", HINT_DROPOUT)


@grader(points=2)
def test_dropout_kept_entries_are_rescaled(student):
    """Every entry must be exactly 0 or x / (1 - p); some of each; float32 and float64 kept."""
    _by_hand(student, FORBIDDEN_DROPOUT, "dropout")
    x = _x((20, 50), seed=2)
    _check_kept(student, x, 0.3, 3)
    _check_kept(student, x, 0.75, 3)
    _check_kept(student, x.double(), 0.5, 4)


@grader(points=2)
def test_dropout_keeps_the_expectation(student):
    """x all ones, 200 000 entries: the fraction of zeros is p and the mean is 1, within 5 standard
    deviations of a Bernoulli(p) mask (p = 0.2 and 0.8, two seeds)."""
    _by_hand(student, FORBIDDEN_DROPOUT, "dropout")
    n = 200_000
    x = torch.ones(n)
    for p in (0.2, 0.8):
        for seed in (0, 1):
            got = np.asarray(student.call(f"{MODULE}:dropout", x, p, True,
                                          generator=_gen(student, seed)), dtype=np.float64)
            what = f"dropout(ones({n}), p={p}, training=True, generator seed {seed})"
            sd = np.sqrt(p * (1 - p) / n)
            zeros = float(np.mean(got == 0))
            if abs(zeros - p) > 5 * sd:
                raise failure(f"{what}: fraction of zeros", f"{p} ± {5 * sd:.4f}", f"{zeros:.4f}",
                              HINT_DROPOUT_P)
            mean_sd = np.sqrt(p / (1 - p) / n)
            if abs(got.mean() - 1.0) > 5 * mean_sd:
                raise failure(f"{what}: mean (the expectation must stay 1)",
                              f"1 ± {5 * mean_sd:.4f}", f"{got.mean():.4f}", HINT_DROPOUT)


@grader(points=1)
def test_dropout_p_at_its_bounds(student):
    """p = 0 keeps x, p = 1 zeroes it (no 0/0), and a p outside [0, 1] raises ValueError
    (credited only once dropout works on a good p)."""
    _by_hand(student, FORBIDDEN_DROPOUT, "dropout")
    x = _x((8, 40), seed=4)
    got = student.call(f"{MODULE}:dropout", x, 0.0, True, generator=_gen(student, 0))
    assert_close(got, x, rtol=0, atol=0, what="dropout(x, p=0.0, training=True)",
                 hint=HINT_DROPOUT_P0)
    got = student.call(f"{MODULE}:dropout", x, 1.0, True, generator=_gen(student, 0))
    assert_close(got, torch.zeros_like(x), rtol=0, atol=0, what="dropout(x, p=1.0, training=True)",
                 hint=HINT_DROPOUT_P1)
    for bad in (-0.1, 1.5):
        assert_raises("ValueError", student.call, f"{MODULE}:dropout", x, bad, True,
                      valid=lambda: _check_kept(student, x, 0.5, 9),
                      what=f"dropout(x, p={bad}, training=True)",
                      hint=HINT_DROPOUT_RANGE)


@grader(points=1)
def test_dropout_draws_its_mask_from_the_generator(student):
    """The same seeded generator gives the same mask whatever the global RNG did in between, and
    a different seed a different one; without a generator the draws come from the global RNG
    (the same global seed gives the same mask, another seed another)."""
    _by_hand(student, FORBIDDEN_DROPOUT, "dropout")
    x = _x((8, 40), seed=4)
    student.call("torch:manual_seed", 11)
    first = student.call(f"{MODULE}:dropout", x, 0.5, True, generator=_gen(student, 7))
    student.call("torch:manual_seed", 12)
    again = student.call(f"{MODULE}:dropout", x, 0.5, True, generator=_gen(student, 7))
    assert_close(again, first, rtol=0, atol=0,
                 what="dropout(x, 0.5, True, generator seeded 7) twice, the global seed changed "
                      "in between", hint=HINT_GENERATOR)
    other = student.call(f"{MODULE}:dropout", x, 0.5, True, generator=_gen(student, 8))
    if np.array_equal(np.asarray(other), np.asarray(first)):
        raise failure("dropout(x, 0.5, True) with generators seeded 7 and 8", DIFFERENT_MASKS,
                      SAME_MASK, HINT_GENERATOR)
    masks = []
    for seed in (21, 21, 22):
        student.call("torch:manual_seed", seed)
        masks.append(np.asarray(student.call(f"{MODULE}:dropout", x, 0.5, True)) != 0)
    if not np.array_equal(masks[0], masks[1]):
        raise failure("dropout(x, 0.5, True) without a generator, after torch.manual_seed(21) twice",
                      SAME_MASK, DIFFERENT_MASKS, HINT_GLOBAL_RNG)
    if np.array_equal(masks[0], masks[2]):
        raise failure("dropout(x, 0.5, True) without a generator, after torch.manual_seed(21) "
                      "and after torch.manual_seed(22)", DIFFERENT_MASKS,
                      tr("같은 마스크 (전역 시드를 무시함)", "the same mask (the global seed is ignored)"),
                      HINT_GLOBAL_RNG)


# -- BatchNorm1d ----------------------------------------------------------------------------------
HINT_BN_TRAIN = tr("학습 중: 배치 평균과 편향 분산(unbiased=False)으로 정규화, running_var에는 불편 분산"
                   "(n/(n-1)배)을 momentum으로 섞으세요",
                   "train mode: normalize with the batch mean and the biased variance "
                   "(unbiased=False); blend the UNBIASED variance (× n/(n-1)) into running_var "
                   "with momentum")
HINT_BN_EVAL = tr("평가 중에는 배치 통계가 아니라 running_mean/running_var로 정규화하고 갱신하지 마세요",
                  "in eval mode normalize with running_mean / running_var (not the batch's) and "
                  "do not update them")


def _bn_pair(student, C: int, seed: int, **kw):
    """The learner's BatchNorm1d and nn.BatchNorm1d with the same perturbed weight and bias."""
    g = torch.Generator().manual_seed(seed)
    weight = 1 + 0.3 * torch.randn(C, generator=g)
    bias = 0.2 * torch.randn(C, generator=g)
    mine = student.call(f"{MODULE}:BatchNorm1d", C, **kw)
    missing = student.call(f"{CHILDKIT}:load_named", mine, {"weight": weight, "bias": bias})
    if missing:
        raise failure(f"BatchNorm1d({C}) parameters", "weight, bias (nn.Parameter)",
                      tr(f"{missing} 없음", f"no {missing}"),
                      tr("self.weight = nn.Parameter(torch.ones(C)), self.bias = ...zeros(C)",
                         "self.weight = nn.Parameter(torch.ones(C)), self.bias = ...zeros(C)"))
    ref = torch.nn.BatchNorm1d(C, **kw)
    with torch.no_grad():
        ref.weight.copy_(weight)
        ref.bias.copy_(bias)
    return mine, ref


def _stats(student, bn) -> dict:
    state = student.call(f"{BUILDERS}:state_of", bn)
    for key in ("running_mean", "running_var"):
        if key not in state:
            raise failure("BatchNorm1d state_dict keys", "running_mean, running_var (buffers)",
                          str(list(state)), tr('self.register_buffer("running_mean", torch.zeros(C))',
                                               'self.register_buffer("running_mean", torch.zeros(C))'))
    return state


def _run_bn(student, shape, kw, seed, train_steps=4):
    C = shape[1]
    mine, ref = _bn_pair(student, C, seed, **kw)
    g = torch.Generator().manual_seed(seed + 1)
    args = ", ".join(f"{k}={v}" for k, v in kw.items())
    for step in range(train_steps):
        n = shape[0] + step  # a different batch size every step
        x = torch.randn(n, *shape[1:], generator=g) * (1 + step) + 0.5 * step
        got = mine(x)
        with torch.no_grad():
            expected = ref(x)
        what = f"BatchNorm1d({C}{', ' + args if args else ''}) train step {step + 1}, x {tuple(x.shape)}"
        assert_close(got, expected, rtol=1e-4, atol=1e-5, what=f"{what}: output", hint=HINT_BN_TRAIN)
        state = _stats(student, mine)
        for key in ("running_mean", "running_var"):
            assert_close(state[key], getattr(ref, key), rtol=1e-4, atol=1e-6,
                         what=f"{what}: {key} after the step", hint=HINT_BN_TRAIN)
    return mine, ref, g


@grader(points=3)
def test_batchnorm_train_matches_nn(student):
    """(N, C) input, four train-mode steps with growing batches (8, 9, 10, 11), momentum 0.1 and
    0.3, eps 1e-5 and 1e-3: outputs and running statistics after every step."""
    _by_hand(student, FORBIDDEN_BATCHNORM, "BatchNorm1d")
    _run_bn(student, (8, 6), {}, seed=0)
    _run_bn(student, (8, 5), {"momentum": 0.3, "eps": 1e-3}, seed=1)


@grader(points=2)
def test_batchnorm_eval_matches_nn(student):
    """After four train steps, eval mode: the running statistics normalize, and stay unchanged."""
    _by_hand(student, FORBIDDEN_BATCHNORM, "BatchNorm1d")
    mine, ref, g = _run_bn(student, (8, 6), {"momentum": 0.2}, seed=2)
    mine.eval()
    ref.eval()
    before = _stats(student, mine)
    x = torch.randn(5, 6, generator=g) * 3 + 1
    with torch.no_grad():
        expected = ref(x)
    assert_close(mine(x), expected, rtol=1e-4, atol=1e-5,
                 what="BatchNorm1d(6, momentum=0.2) in eval mode after 4 train steps: output",
                 hint=HINT_BN_EVAL)
    after = _stats(student, mine)
    for key in ("running_mean", "running_var"):
        assert_close(after[key], before[key], rtol=0, atol=0,
                     what=f"BatchNorm1d in eval mode: {key} after a forward pass", hint=HINT_BN_EVAL)


@grader(points=2)
def test_batchnorm_three_dim_input(student):
    """(N, C, L) input, as nn.BatchNorm1d takes: statistics per channel over N and L (n = N·L in
    the unbiased correction); train steps, then eval."""
    _by_hand(student, FORBIDDEN_BATCHNORM, "BatchNorm1d")
    mine, ref, g = _run_bn(student, (4, 3, 7), {}, seed=3, train_steps=3)
    mine.eval()
    ref.eval()
    x = torch.randn(2, 3, 7, generator=g) + 2
    with torch.no_grad():
        expected = ref(x)
    assert_close(mine(x), expected, rtol=1e-4, atol=1e-5,
                 what="BatchNorm1d(3) in eval mode on x (2, 3, 7)", hint=HINT_BN_EVAL)


@grader(points=1)
def test_batchnorm_parameters_and_buffers(student):
    """weight and bias are trainable parameters; running_mean and running_var are buffers (saved in
    the state_dict, moved by .to(), never trained); fresh values 1, 0, 0, 1."""
    _by_hand(student, FORBIDDEN_BATCHNORM, "BatchNorm1d")
    bn = student.call(f"{MODULE}:BatchNorm1d", 4)
    entries = student.call(f"{CHILDKIT}:module_entries", bn)
    hint = tr('파라미터는 nn.Parameter, 누적 통계는 self.register_buffer("running_mean", ...)',
              'parameters as nn.Parameter, running statistics with self.register_buffer(...)')
    params = sorted(entries["parameters"])
    if params != ["bias", "weight"]:
        raise failure("BatchNorm1d(4).named_parameters()", "['bias', 'weight']", str(params), hint)
    buffers = sorted(entries["buffers"])
    if not {"running_mean", "running_var"} <= set(buffers):
        raise failure("BatchNorm1d(4).named_buffers()", "running_mean, running_var",
                      str(buffers), hint)
    state = student.call(f"{BUILDERS}:state_of", bn)
    for key, value in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
        assert_close(state[key], torch.full((4,), value), rtol=0, atol=0,
                     what=f"BatchNorm1d(4).{key} at creation", hint=hint)


@grader(points=1)
def test_batchnorm_eval_first_then_train(student):
    """The starting mode varied: a fresh module put in eval mode FIRST normalizes with the initial
    running statistics (mean 0, var 1) and leaves them; train() then uses the batch statistics and
    updates them; eval() again uses the updated ones."""
    _by_hand(student, FORBIDDEN_BATCHNORM, "BatchNorm1d")
    mine, ref = _bn_pair(student, 4, seed=5)
    g = torch.Generator().manual_seed(6)
    hint = tr("모드는 self.training 하나로만 정하세요: 평가 중에는 (학습 전이라도) "
              "running_mean/running_var로 정규화하고, train()으로 돌아오면 다시 배치 통계를 씁니다",
              "decide on self.training alone: in eval mode normalize with running_mean / running_var "
              "(even before any training step); back in train() use the batch statistics again")
    for step, mode in enumerate(("eval", "train", "eval")):
        getattr(mine, mode)()
        getattr(ref, mode)()
        x = torch.randn(6, 4, generator=g) * 2 + 1
        with torch.no_grad():
            expected = ref(x)
        what = f"BatchNorm1d(4): fresh, then {' → '.join(('eval', 'train', 'eval')[: step + 1])}()"
        assert_close(mine(x), expected, rtol=1e-4, atol=1e-5, what=f"{what}: output", hint=hint)
        state = _stats(student, mine)
        for key in ("running_mean", "running_var"):
            assert_close(state[key], getattr(ref, key), rtol=1e-4, atol=1e-6,
                         what=f"{what}: {key} after the forward pass", hint=hint)


# -- layer_norm -----------------------------------------------------------------------------------
HINT_LN = tr("weight.shape의 차원들(마지막 차원들)에 대해 평균과 편향 분산(unbiased=False)을 구해 "
             "(x - mean) / sqrt(var + eps) * weight + bias",
             "mean and biased variance (unbiased=False) over the trailing dims of weight.shape: "
             "(x - mean) / sqrt(var + eps) * weight + bias")


def _ln_case(student, x_shape, norm_shape, eps, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(*x_shape, generator=g) * 2 + 1
    weight = 1 + 0.5 * torch.randn(*norm_shape, generator=g)
    bias = torch.randn(*norm_shape, generator=g)
    got = student.call(f"{MODULE}:layer_norm", x, weight, bias, eps=eps)
    assert_close(got, F.layer_norm(x, norm_shape, weight, bias, eps), rtol=1e-4, atol=1e-5,
                 what=f"layer_norm(x {x_shape}, weight {norm_shape}, bias, eps={eps})", hint=HINT_LN)


@grader(points=2)
def test_layer_norm_last_axis(student):
    _by_hand(student, FORBIDDEN_LAYERNORM, "layer_norm")
    _ln_case(student, (4, 7), (7,), 1e-5, 0)
    _ln_case(student, (3, 5, 16), (16,), 1e-3, 1)


@grader(points=2)
def test_layer_norm_several_trailing_dims(student):
    """Normalized shapes (5, 6) on x (2, 3, 5, 6) and (2, 3, 4) on x (2, 3, 4)."""
    _by_hand(student, FORBIDDEN_LAYERNORM, "layer_norm")
    _ln_case(student, (2, 3, 5, 6), (5, 6), 1e-5, 2)
    _ln_case(student, (2, 3, 4), (2, 3, 4), 1e-5, 3)


# -- l2_penalty -----------------------------------------------------------------------------------
HINT_L2 = tr("requires_grad인 파라미터만, 0차원 텐서에서 시작: sum(((p ** 2).sum() for p in "
             "model.parameters() if p.requires_grad), torch.zeros(()))",
             "only parameters that require grad, from a 0-d tensor: sum(((p ** 2).sum() for p in "
             "model.parameters() if p.requires_grad), torch.zeros(()))")


TRAINABLE = ["1.weight", "1.bias", "3.weight", "3.bias"]


def _frozen_mlp(student):
    """Linear(5, 6) · BatchNorm1d · ReLU · Linear(6, 3) with its first Linear frozen, there, and
    the same model here (builders.seeded_mlp is seeded: the grader's copy gives the values)."""
    model = student.call(f"{BUILDERS}:seeded_mlp", 5, 6, 3, seed=3, warmup=2)  # BatchNorm buffers too
    model[0].requires_grad_(False)
    here = builders.seeded_mlp(5, 6, 3, seed=3, warmup=2)
    here[0].requires_grad_(False)
    return model, {k: v.detach().double() for k, v in here.state_dict().items()}


def _scalar_tensor(got, what: str, hint) -> torch.Tensor:
    if not isinstance(got, torch.Tensor) or got.dim() != 0:
        raise failure(what, tr("0차원 텐서", "a 0-d tensor"),
                      f"{type(got).__name__} {tuple(getattr(got, 'shape', ()))}", hint)
    return got.detach()


@grader(points=2)
def test_l2_penalty_sums_trainable_squares(student):
    """Linear(5, 6) frozen · BatchNorm1d (running statistics not parameters) · ReLU · Linear(6, 3);
    and the documented edge: a model with no trainable parameter gives tensor(0.)."""
    model, state = _frozen_mlp(student)
    expected = float(sum(float((state[k] ** 2).sum()) for k in TRAINABLE))
    got = _scalar_tensor(student.call(f"{MODULE}:l2_penalty", model),
                         "l2_penalty(MLP with its first Linear frozen)", HINT_L2)
    assert_close(float(got), expected, rtol=1e-5,
                 what="l2_penalty(MLP with its first Linear frozen)", hint=HINT_L2)
    frozen, _ = _frozen_mlp(student)
    frozen.requires_grad_(False)
    got = _scalar_tensor(student.call(f"{MODULE}:l2_penalty", frozen),
                         "l2_penalty(a model with every parameter frozen)",
                         tr("0차원 텐서에서 시작하세요 (torch.zeros(()) 또는 sum(..., torch.tensor(0.))): "
                            "학습할 파라미터가 없으면 tensor(0.)",
                            "start from a 0-d tensor (torch.zeros(()) or sum(..., torch.tensor(0.))): "
                            "no trainable parameter gives tensor(0.)"))
    assert_close(float(got), 0.0, rtol=0, atol=0,
                 what="l2_penalty(a model with every parameter frozen)", hint=HINT_L2)


@grader(points=1)
def test_l2_penalty_is_differentiable(student):
    """backward() of the penalty gives 2·p for every trainable parameter, nothing for frozen ones.

    The learner's l2_penalty(model) and backward() run in the submission as one call of plain
    torch (`torch.autograd.backward(map(l2_penalty, [model]))`); the gradients come back and are
    judged here against 2·p from the grader's own copy of the weights."""
    model, state = _frozen_mlp(student)
    fn = student.get(f"{MODULE}:l2_penalty")
    hint = tr("결과가 autograd 그래프에 남아야 합니다: .item()/float()/p.data를 쓰지 마세요",
              "the result must stay in the autograd graph: no .item(), float() or p.data")
    what = "backward() of l2_penalty(model)"
    try:
        student.call("torch.autograd:backward", student.call("builtins:map", fn, [model]))
    except StudentError as err:
        if isinstance(err, TodoError):
            raise
        raise failure(what, tr("기울기 계산", "gradients"),
                      f"{err.type_name}: {err.message}"[:200], hint) from None
    names = [n for n, _ in student.call("builtins:list", model.named_parameters())]
    grads = student.call("builtins:list", student.call(
        "builtins:map", student.call("operator:attrgetter", "grad"), model.parameters()))
    for name, grad in zip(names, grads, strict=True):
        what = f"gradient of l2_penalty(model) w.r.t. {name}"
        if name.startswith("0."):
            if grad is not None and float(np.abs(np.asarray(grad)).max()) > 0:
                raise failure(what, tr("없음 (동결됨)", "none (frozen)"), "non-zero", HINT_L2)
            continue
        if grad is None:
            raise failure(what, "2 * p", "None", hint)
        assert_close(grad, 2 * state[name], rtol=1e-5, atol=1e-7, what=what, hint=hint)


# -- EarlyStopping --------------------------------------------------------------------------------
def _expected_run(losses, patience, min_delta):
    """The contract's rule, written out here."""
    best, counter, out = float("inf"), 0, []
    for loss in losses:
        if loss < best - min_delta:
            best, counter = loss, 0
        else:
            counter += 1
        out.append((counter >= patience, best))
    return out


def _check_run(student, losses, patience, min_delta, hint):
    es = student.call(f"{MODULE}:EarlyStopping", patience=patience, min_delta=min_delta)
    what = f"EarlyStopping(patience={patience}, min_delta={min_delta})"
    best0 = es.best_loss
    if best0 != float("inf"):
        raise failure(f"{what}.best_loss before any step", "inf", repr(best0),
                      tr("best_loss는 float('inf')에서 시작합니다", "best_loss starts at float('inf')"))
    for i, ((stop, best), loss) in enumerate(zip(_expected_run(losses, patience, min_delta), losses,
                                                 strict=True)):
        got = es.step(loss)
        seq = ", ".join(f"{v:g}" for v in losses[: i + 1])
        if not isinstance(got, (bool, np.bool_)) or bool(got) != stop:
            raise failure(f"{what}: step({loss:g}) after [{seq}]", str(stop), repr(got), hint)
        got_best = es.best_loss
        if not isinstance(got_best, (int, float, np.floating)) or abs(float(got_best) - best) > 1e-12:
            raise failure(f"{what}: best_loss after [{seq}]", f"{best:g}", repr(got_best), hint)


@grader(points=2)
def test_early_stopping_patience(student):
    """Improvements reset the counter; `patience` calls without one stop, and keep stopping."""
    hint = tr("개선(val_loss < best_loss - min_delta)이면 best_loss 갱신·카운터 0, 아니면 카운터+1; "
              "카운터 >= patience이면 True",
              "an improvement (val_loss < best_loss - min_delta) updates best_loss and resets the "
              "counter, anything else adds one; return counter >= patience")
    _check_run(student, [1.0, 0.9, 0.95, 0.97, 0.8, 0.85, 0.86, 0.9, 0.7], 3, 0.0, hint)
    _check_run(student, [0.5, 0.6, 0.7, 0.4, 0.45, 0.5], 2, 0.0, hint)


@grader(points=1)
def test_early_stopping_equal_loss_is_no_improvement(student):
    _check_run(student, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5], 2, 0.0,
               tr("같은 손실은 개선이 아닙니다: < 로 비교하세요 (<= 아님)",
                  "an equal loss is not an improvement: compare with <, not <="))


@grader(points=2)
def test_early_stopping_min_delta(student):
    """min_delta 0.1: a drop smaller than 0.1 is no improvement and leaves best_loss unchanged."""
    _check_run(student, [1.0, 0.95, 0.92, 0.85, 0.88, 0.7, 0.65], 2, 0.1,
               tr("val_loss < best_loss - min_delta일 때만 개선입니다 "
                  "(작은 개선은 카운트되고 best_loss도 그대로)",
                  "only val_loss < best_loss - min_delta is an improvement (a smaller drop counts "
                  "as none and leaves best_loss as it was)"))
