"""Graders for ch03.training (checklist: pytorch-loop).

Most tests build the same seeded model, loaders (no shuffle, or a seeded shuffle), optimizer and
criterion twice from plain torch (dldrill.childkit.builders: an nn.Sequential, a DataLoader over
a TensorDataset, torch.optim.SGD, nothing the learner could tell from its own): once inside the
submission for the learner's loop, once here for the reference loop; then they compare the
returned numbers and the resulting weights, read back through the model's own state_dict(). The
modes a loop runs in are judged by their effects (BatchNorm statistics and weights after an
epoch started in eval mode; the last Linear's input recorded by a pre-hook that is a dict's
__setitem__), a saved checkpoint by torch.load called as a library function and compared with
the reference's best weights. Losses are per-sample means, so the loaders end with an uneven
batch.

Accuracy threshold: test_fit_reaches_95_percent_on_digits.
"""

import numpy as np
import torch

from dldrill.childkit import builders
from dldrill.data import digits_split
from dldrill.grading import StudentError, assert_by_hand, assert_close, failure, grader, tr

MODULE = "ch03.training"
BUILDERS = "dldrill.childkit.builders"

HINT_LOOP = tr("배치마다 zero_grad → forward → loss → backward → step 순서를 지키세요",
               "per batch: zero_grad → forward → loss → backward → step, in this order")
HINT_FIT = tr("에폭마다 train_one_epoch → evaluate → scheduler.step() 순서로, 결과를 history에 "
              "기록하세요", "each epoch: train_one_epoch, evaluate, then scheduler.step(); "
              "record the results")
HINT_WEIGHT = tr("배치 손실에 배치 크기를 곱해 더하고, 마지막에 전체 샘플 수로 나누세요",
                 "add loss.item() * batch_size per batch and divide by the number of samples")


def _data(n: int, d: int = 6, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = ((X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.8)) % classes
    return X, y


def _setup(sub, *, n=50, batch=16, seed=4, batchnorm=True, dropout=0.0, warmup=0, lr=0.1,
           momentum=0.9, shuffle=False):
    """(model, loader, optimizer, criterion) built from plain torch inside `sub`."""
    X, y = _data(n, seed=seed)
    model = sub.call(f"{BUILDERS}:seeded_mlp", 6, 16, 3, seed=seed, batchnorm=batchnorm,
                     dropout=dropout, warmup=warmup)
    loader = sub.call(f"{BUILDERS}:array_loader", X, y, batch_size=batch, shuffle=shuffle, seed=seed)
    opt = sub.call(f"{BUILDERS}:make_optimizer", model, "sgd", lr=lr, momentum=momentum)
    crit = sub.call("torch.nn:CrossEntropyLoss")
    return model, loader, opt, crit


def _state(model) -> dict:
    """The model's state_dict, read through its handle (the learner's object's own method;
    tensors cross by value)."""
    return dict(model.state_dict())


def _assert_state_close(got: dict, expected: dict, what: str, hint, rtol=1e-4, atol=1e-6) -> None:
    if list(got) != list(expected):
        raise failure(f"{what}: state_dict keys", str(list(expected)), str(list(got)), hint)
    for key in expected:
        assert_close(got[key], expected[key], rtol=rtol, atol=atol, what=f"{what}: {key}",
                     hint=hint)


def _pair(value, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise failure(what, "(loss, acc)", repr(value)[:100],
                      tr("(평균 손실, 정확도) 두 값을 튜플로 돌려주세요",
                         "return the two numbers as a tuple (mean loss, accuracy)"))
    return tuple(value)


@grader("pytorch-loop", points=3)
def test_train_one_epoch_matches_the_reference_loop(student, reference):
    """Two epochs of SGD with momentum, 50 samples in batches of 16 (16, 16, 16, 2)."""
    mine, ref = _setup(student), _setup(reference)
    for epoch in (1, 2):
        what = f"train_one_epoch(...) epoch {epoch} (SGD momentum 0.9, 50 samples, batch 16)"
        got = _pair(student.call(f"{MODULE}:train_one_epoch", *mine), what)
        expected = reference.call(f"{MODULE}:train_one_epoch", *ref)
        assert_close(got[0], expected[0], rtol=1e-4, what=f"{what}: loss", hint=HINT_LOOP)
        assert_close(got[1], expected[1], rtol=1e-6, what=f"{what}: acc", hint=HINT_LOOP)
        _assert_state_close(_state(mine[0]),
                            _state(ref[0]),
                            f"the model's weights after epoch {epoch}", HINT_LOOP)


@grader("pytorch-loop", points=2)
def test_train_one_epoch_weights_batches_by_size(student, reference):
    """33 samples in batches of 16: the last batch has one sample and weighs 1/33, not 1/3."""
    kw = {"n": 33, "batchnorm": False, "seed": 7, "lr": 0.05, "momentum": 0.0}
    got = _pair(student.call(f"{MODULE}:train_one_epoch", *_setup(student, **kw)), "train_one_epoch")
    expected = reference.call(f"{MODULE}:train_one_epoch", *_setup(reference, **kw))
    what = "train_one_epoch(...) on 33 samples in batches of 16, 16, 1"
    assert_close(got[0], expected[0], rtol=1e-5, what=f"{what}: loss", hint=HINT_WEIGHT)
    assert_close(got[1], expected[1], rtol=1e-6, what=f"{what}: acc", hint=tr(
        "맞힌 샘플 수를 전체 샘플 수로 나누세요 (0~1)",
        "divide the number of correct samples by the number of samples (0 to 1)"))


@grader("pytorch-loop", points=2)
def test_train_one_epoch_clips_the_gradient_norm(student, reference):
    """One batch, plain SGD lr=1: with clip_norm=0.05 the weights move by exactly 0.05 in norm."""
    kw = {"n": 32, "batch": 32, "batchnorm": False, "seed": 8, "lr": 1.0, "momentum": 0.0}
    mine = _setup(student, **kw)
    before = _state(mine[0])
    student.call(f"{MODULE}:train_one_epoch", *mine, clip_norm=0.05)
    after = _state(mine[0])
    ref = _setup(reference, **kw)
    reference.call(f"{MODULE}:train_one_epoch", *ref, clip_norm=0.05)
    hint = tr("loss.backward()와 optimizer.step() 사이에 "
              "torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)",
              "call torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm) between "
              "loss.backward() and optimizer.step()")
    moved = float(np.sqrt(sum(float(((after[k] - before[k]) ** 2).sum()) for k in before)))
    assert_close(moved, 0.05, rtol=1e-3,
                 what="norm of the weight change after one SGD step (lr=1, clip_norm=0.05)",
                 hint=hint)
    _assert_state_close(after, _state(ref[0]),
                        "the weights after train_one_epoch(..., clip_norm=0.05)", hint)


@grader("pytorch-loop", points=1)
def test_train_one_epoch_runs_in_train_mode(student, reference):
    """The starting state varied: the model is in eval mode before the call (as evaluate()
    leaves it). In train mode BatchNorm normalises with each batch's statistics and updates its
    running ones; in eval mode it does neither, so the weights and statistics after the epoch
    tell the modes apart (compared with the reference loop from the same state)."""
    kw = {"seed": 5, "lr": 0.1, "momentum": 0.0}
    mine, ref = _setup(student, **kw), _setup(reference, **kw)
    mine[0].eval()
    ref[0].eval()
    got = _pair(student.call(f"{MODULE}:train_one_epoch", *mine), "train_one_epoch(...)")
    expected = reference.call(f"{MODULE}:train_one_epoch", *ref)
    hint = tr("에폭 시작에 model.train()을 부르세요 (evaluate가 eval 모드로 바꿔 둡니다)",
              "call model.train() at the start of the epoch (evaluate leaves the model in eval "
              "mode)")
    what = "train_one_epoch(...) on a model left in eval mode (model.eval() before the call)"
    assert_close(got[0], expected[0], rtol=1e-4, what=f"{what}: loss", hint=hint)
    _assert_state_close(_state(mine[0]), _state(ref[0]),
                        f"{what}: the weights and BatchNorm statistics after the epoch", hint)
    if not mine[0].training:
        raise failure(f"model.training after {what}", "True", "False", hint)


@grader("pytorch-loop", points=2)
def test_evaluate_matches_the_reference(student, reference):
    """Model with Dropout(0.5) and BatchNorm left in train mode; 50 samples in batches of 16."""
    kw = {"dropout": 0.5, "warmup": 3, "seed": 9}
    mine, ref = _setup(student, **kw), _setup(reference, **kw)
    before = _state(mine[0])
    got = _pair(student.call(f"{MODULE}:evaluate", mine[0], mine[1], mine[3]), "evaluate(...)")
    expected = reference.call(f"{MODULE}:evaluate", ref[0], ref[1], ref[3])
    what = "evaluate(model, loader of 50 samples in batches of 16, criterion)"
    hint = tr("model.eval()로 Dropout을 끄고 BatchNorm의 누적 통계를 쓰세요; 손실은 배치 크기로 가중",
              "model.eval() turns Dropout off and makes BatchNorm use its running statistics; "
              "weight each batch's loss by its size")
    assert_close(got[0], expected[0], rtol=1e-5, what=f"{what}: loss", hint=hint)
    assert_close(got[1], expected[1], rtol=1e-6, what=f"{what}: acc", hint=hint)
    _assert_state_close(_state(mine[0]), before,
                        "the model's state after evaluate (weights and BatchNorm statistics)",
                        tr("evaluate는 모델을 바꾸면 안 됩니다 (eval 모드, step 없음)",
                           "evaluate must not change the model (eval mode, no step)"))


def _record_last_input(sub, model):
    """Records, inside `sub`, the input of the model's last Linear on each forward call: a
    forward pre-hook that is a weakref.WeakKeyDictionary's own __setitem__ (module -> args).
    Library objects only; the grader reads the recorded tensor back and judges it."""
    record = sub.call("weakref:WeakKeyDictionary")
    last = model[len(model) - 1]
    last.register_forward_pre_hook(sub.call("operator:attrgetter", "__setitem__")(record))
    return record, last


@grader("pytorch-loop", points=2)
def test_evaluate_uses_eval_mode_and_no_grad(student):
    """Model with Dropout(0.5) and BatchNorm, in train mode before the call; the input of its
    last Linear on the last batch is recorded in the child (a pre-hook that is a dict's
    __setitem__) and judged here: no graph (requires_grad False) and the eval-mode hidden
    activations computed here from the same seeded model."""
    kw = {"dropout": 0.5, "warmup": 2}
    model, loader, _, crit = _setup(student, **kw)
    model.train()
    record, last = _record_last_input(student, model)
    student.call(f"{MODULE}:evaluate", model, loader, crit)
    seen = record.get(last)
    what = "the input of the model's last Linear during evaluate (model.train() before the call)"
    if not isinstance(seen, tuple) or not seen or not isinstance(seen[0], torch.Tensor):
        raise failure(what, tr("배치마다 forward", "a forward call per batch"),
                      tr("호출 없음", "no call"), tr("loader를 순회하세요",
                                                          "iterate over the loader"))
    if seen[0].requires_grad:
        raise failure(what, "requires_grad == False (torch.no_grad())", "requires_grad == True",
                      tr("with torch.no_grad(): 안에서 평가하세요 (그래프를 만들지 않음)",
                         "evaluate inside `with torch.no_grad():` (no graph is built)"))
    X, _ = _data(50, seed=4)
    here = builders.seeded_mlp(6, 16, 3, seed=4, dropout=0.5, warmup=2).eval()
    with torch.no_grad():
        hidden = here[:-1](torch.as_tensor(X[48:], dtype=torch.float32))
    assert_close(seen[0], hidden, rtol=1e-5, atol=1e-6, what=f"{what}, last batch (2 samples)",
                 hint=tr("평가 전에 model.eval()을 부르세요: Dropout이 꺼지고 BatchNorm이 누적 통계를 씁니다",
                         "call model.eval() before evaluating: Dropout switches off and "
                         "BatchNorm uses its running statistics"))


TRAINERS = ("lightning", "pytorch_lightning", "lightning_fabric", "ignite", "accelerate",
            "transformers", "skorch", "torchtnt", "poutyne", "fastai", "catalyst", "composer",
            "keras", "tensorflow")


@grader("pytorch-loop", points=1)
def test_training_loop_is_written_by_hand(student, reference):
    """The curriculum's loop from scratch: no trainer library (Lightning, Ignite, Accelerate,
    the HF Trainer, skorch...) in train_one_epoch, evaluate and fit (ch03/training.py read as
    text here, never imported), and a loop that works: one epoch equals the reference loop's
    (untouched code earns nothing here). torch.optim, torch.nn and clip_grad_norm_ are the
    loop's own pieces and allowed."""
    assert_by_hand(student, MODULE, forbidden=TRAINERS,
                   functions=["train_one_epoch", "evaluate", "fit"],
                   hint=tr("zero_grad → forward → loss → backward → step을 직접 쓰세요 "
                           "(학습 라이브러리 없이)", "write zero_grad → forward → loss → "
                           "backward → step yourself (no trainer library)"))
    kw = {"n": 40, "seed": 3, "momentum": 0.0}
    mine, ref = _setup(student, **kw), _setup(reference, **kw)
    got = _pair(student.call(f"{MODULE}:train_one_epoch", *mine), "train_one_epoch(...)")
    expected = reference.call(f"{MODULE}:train_one_epoch", *ref)
    assert_close(got[0], expected[0], rtol=1e-4, what="train_one_epoch(...): loss",
                 hint=HINT_LOOP)
    _assert_state_close(_state(mine[0]), _state(ref[0]), "the weights after one epoch",
                        HINT_LOOP)


def _fit_setup(sub, *, scheduler: str, seed: int = 6):
    X, y = _data(64, seed=seed)
    Xv, yv = _data(40, seed=seed + 100)
    model = sub.call(f"{BUILDERS}:seeded_mlp", 6, 16, 3, seed=seed)
    train = sub.call(f"{BUILDERS}:array_loader", X, y, batch_size=16, shuffle=True, seed=seed)
    val = sub.call(f"{BUILDERS}:array_loader", Xv, yv, batch_size=16)
    lr = {"step": 0.05, "plateau": 0.3}.get(scheduler, 0.1)
    opt = sub.call(f"{BUILDERS}:make_optimizer", model, "sgd", lr=lr, momentum=0.9)
    crit = sub.call("torch.nn:CrossEntropyLoss")
    if scheduler == "step":
        sched = sub.call("torch.optim.lr_scheduler:StepLR", opt, step_size=2, gamma=0.5)
    elif scheduler == "plateau":  # halves the lr whenever the metric it is given does not improve
        sched = sub.call("torch.optim.lr_scheduler:ReduceLROnPlateau", opt, factor=0.5,
                         patience=0)
    else:  # lr × 50 from the fourth epoch on: the validation loss blows up after epoch 3
        sched = sub.call("torch.optim.lr_scheduler:MultiStepLR", opt, milestones=[3], gamma=50.0)
    return model, train, val, opt, crit, sched, (Xv, yv)


def _history(value, epochs: int) -> dict:
    keys = ["train_loss", "train_acc", "val_loss", "val_acc"]
    if not isinstance(value, dict) or sorted(value) != sorted(keys) or any(
            not isinstance(value[k], (list, tuple)) or len(value[k]) != epochs for k in keys):
        raise failure("fit(...) history", tr(f"키 {keys}, 각각 길이 {epochs}인 리스트",
                                             f"keys {keys}, each a list of {epochs}"),
                      repr(value)[:200], tr("에폭마다 네 값을 각 리스트에 append하세요",
                                            "append the four numbers to their lists every epoch"))
    return value


@grader("pytorch-loop", points=3)
def test_fit_history_matches_the_reference(student, reference):
    """4 epochs, shuffled training loader (64 samples), StepLR(step_size=2, gamma=0.5)."""
    m, t, v, o, c, s, (Xv, yv) = _fit_setup(student, scheduler="step")
    got = _history(student.call(f"{MODULE}:fit", m, t, v, 4, o, c, scheduler=s), 4)
    rm, rt, rv, ro, rc, rs, _ = _fit_setup(reference, scheduler="step")
    expected = reference.call(f"{MODULE}:fit", rm, rt, rv, 4, ro, rc, scheduler=rs)
    hint = HINT_FIT
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert_close(list(got[key]), list(expected[key]), rtol=1e-4, atol=1e-7,
                     what=f"fit(..., epochs=4, scheduler=StepLR) history[{key!r}]", hint=hint)
    # the loop is right (its history matches): what is left in the model is the best choice's
    state = _state(m)
    _assert_state_close(state, _state(rm), "the model's weights after fit (the history matched)",
                        _best_hint(got, state, Xv, yv))


@grader("pytorch-loop", points=2)
def test_fit_steps_reduce_lr_on_plateau_with_the_validation_loss(student, reference):
    """The documented branch: a ReduceLROnPlateau scheduler is stepped with the epoch's
    validation loss, scheduler.step(val_loss). 6 epochs, SGD lr=0.3, factor 0.5, patience 0:
    the validation loss rises in some epochs, so the learning rate is halved then (stepped with
    the training loss, it is halved in other epochs; stepped without a metric, it fails)."""
    m, t, v, o, c, s, (Xv, yv) = _fit_setup(student, scheduler="plateau")
    got = _history(student.call(f"{MODULE}:fit", m, t, v, 6, o, c, scheduler=s), 6)
    rm, rt, rv, ro, rc, rs, _ = _fit_setup(reference, scheduler="plateau")
    expected = reference.call(f"{MODULE}:fit", rm, rt, rv, 6, ro, rc, scheduler=rs)
    lr_ref = float(ro.param_groups[0]["lr"])
    assert lr_ref < 0.3, "the set-up must make ReduceLROnPlateau lower the learning rate"
    hint = tr("ReduceLROnPlateau는 검증 손실을 받아야 합니다: isinstance(scheduler, "
              "torch.optim.lr_scheduler.ReduceLROnPlateau)이면 scheduler.step(val_loss), "
              "아니면 scheduler.step()",
              "ReduceLROnPlateau needs the validation loss: scheduler.step(val_loss) when "
              "isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau), otherwise "
              "scheduler.step()")
    for key in ("train_loss", "val_loss"):
        assert_close(list(got[key]), list(expected[key]), rtol=1e-4, atol=1e-7,
                     what=f"fit(..., epochs=6, scheduler=ReduceLROnPlateau) history[{key!r}]",
                     hint=hint)
    assert_close(float(o.param_groups[0]["lr"]), lr_ref, rtol=1e-9,
                 what="the optimizer's learning rate after fit with ReduceLROnPlateau", hint=hint)
    state = _state(m)
    _assert_state_close(state, _state(rm), "the model's weights after fit (the history matched)",
                        _best_hint(got, state, Xv, yv))


def _best_hint(history: dict, state: dict, Xv: np.ndarray, yv: np.ndarray):
    """A hint naming which epoch's weights were left in the model, found by the validation loss
    of those weights (computed here) among the learner's own history."""
    val_loss = [float(v) for v in history["val_loss"]]
    best = int(np.argmin(val_loss))
    base = tr(f"최저 검증 손실(val_loss) 에폭({best + 1})의 가중치를 남겨야 합니다: 그때 "
              "state_dict를 복사(copy.deepcopy)해 두고 끝에 model.load_state_dict로 되돌리세요",
              f"the weights of the epoch with the lowest validation loss (epoch {best + 1}) must "
              "be left in the model: keep a copy of the state_dict then (copy.deepcopy) and load "
              "it back at the end")
    try:
        final = _val_loss_here(state, Xv, yv)
    except (RuntimeError, TypeError, KeyError):
        return base
    close = [k for k, v in enumerate(val_loss) if abs(v - final) <= 1e-4 * max(1.0, abs(v))]
    by_acc = int(np.argmax([float(v) for v in history["val_acc"]]))
    if close and by_acc in close and best not in close:
        return tr(f"남은 가중치는 검증 정확도가 가장 높은 에폭({by_acc + 1})의 것입니다: 계약은 검증 "
                  "손실이 가장 낮은 에폭을 고릅니다 (val_loss < best_loss)",
                  f"the weights left are those of the epoch with the highest validation accuracy "
                  f"(epoch {by_acc + 1}): the contract keeps the lowest validation loss "
                  "(val_loss < best_loss)")
    if close and len(val_loss) - 1 in close and best not in close:
        return tr("남은 가중치는 마지막 에폭의 것입니다: 최고 state_dict를 복사해 두었다가 "
                  "학습이 끝나면 불러오세요", "the weights left are the last epoch's: keep a copy "
                  "of the best state_dict and load it back when training ends")
    return base


def _val_loss_here(state: dict, Xv: np.ndarray, yv: np.ndarray) -> float:
    """The validation loss of `state`, computed in the grader process with plain torch."""
    model = builders.seeded_mlp(6, 16, 3)
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        out = model(torch.as_tensor(Xv, dtype=torch.float32))
        return float(torch.nn.functional.cross_entropy(out, torch.as_tensor(yv)))


def _accuracy_here(state: dict, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of the trained weights on (X, y), computed in the grader process with the
    architecture the grader asked the child to build (labels never cross into the submission)."""
    model = builders.seeded_mlp(64, 128, 10, dropout=0.1)
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as err:
        raise failure("the trained model's state_dict", "Linear · BatchNorm1d · ReLU · Dropout · "
                      "Linear weights", str(err).splitlines()[0][:200],
                      tr("fit은 전달받은 모델을 그대로 학습해야 합니다",
                         "fit must train the model it is given")) from None
    model.eval()
    with torch.no_grad():
        pred = model(torch.as_tensor(X, dtype=torch.float32)).argmax(dim=1).numpy()
    return float(np.mean(pred == y))


@grader("pytorch-loop", points=3)
def test_fit_restores_the_best_weights(student, reference):
    """6 epochs; the learning rate jumps ×50 after epoch 3, so the best epoch is not the last.

    The weights left in the model must be those of the epoch with the lowest validation loss.
    """
    m, t, v, o, c, s, (Xv, yv) = _fit_setup(student, scheduler="jump")
    got = _history(student.call(f"{MODULE}:fit", m, t, v, 6, o, c, scheduler=s), 6)
    rm, rt, rv, ro, rc, rs, _ = _fit_setup(reference, scheduler="jump")
    expected = reference.call(f"{MODULE}:fit", rm, rt, rv, 6, ro, rc, scheduler=rs)
    best = int(np.argmin(expected["val_loss"]))
    assert best < 5, "the set-up must make the last epoch worse than the best"
    assert_close(list(got["val_loss"])[: best + 1], list(expected["val_loss"])[: best + 1],
                 rtol=1e-4, what=f"fit(...) history['val_loss'][:{best + 1}]", hint=HINT_FIT)
    state = _state(m)
    hint = _best_hint(got, state, Xv, yv)
    final = _val_loss_here(state, Xv, yv)
    assert_close(final, float(min(got["val_loss"])), rtol=1e-4,
                 what="validation loss of the weights left in the model after fit", hint=hint)
    _assert_state_close(state, _state(rm),
                        f"the weights after fit (those of epoch {best + 1})", hint)


@grader("pytorch-loop", points=2)
def test_fit_saves_the_best_checkpoint_file(student, reference):
    """checkpoint_path given: the best state_dict is saved there with torch.save and loaded back;
    the file holds the weights of the best epoch (the reference loop's, from the same set-up)."""
    m, t, v, o, c, s, _ = _fit_setup(student, scheduler="jump")
    path = student.call(f"{BUILDERS}:scratch_file", "best_model.pt")  # a relative name would do too
    student.call(f"{MODULE}:fit", m, t, v, 6, o, c, scheduler=s, checkpoint_path=path)
    # the file is read by torch.load itself (weights only), called as a library function
    saved = None
    if student.call("os.path:isfile", path):
        try:
            saved = student.call("torch:load", path, map_location="cpu", weights_only=True)
        except StudentError as err:
            raise failure("torch.load(checkpoint_path, weights_only=True)",
                          "a state_dict", f"{err.type_name}: {err.message}"[:200],
                          tr("model 객체가 아니라 model.state_dict()를 저장하세요",
                             "save model.state_dict(), not the model object")) from None
    hint = tr("최저 검증 손실일 때 torch.save(model.state_dict(), checkpoint_path)",
              "torch.save(model.state_dict(), checkpoint_path) whenever the validation loss is "
              "the lowest so far")
    if saved is None:
        raise failure("fit(..., checkpoint_path=path)", tr("path에 저장된 파일",
                      "a file saved at path"), tr("파일 없음", "no file"), hint)
    _assert_state_close(saved, _state(m),
                        "the saved checkpoint vs the weights left in the model (both the best)",
                        hint, rtol=0, atol=0)
    rm, rt, rv, ro, rc, rs, _ = _fit_setup(reference, scheduler="jump")
    reference.call(f"{MODULE}:fit", rm, rt, rv, 6, ro, rc, scheduler=rs)
    _assert_state_close(saved, _state(rm), "the saved checkpoint vs the best epoch's weights",
                        hint)


@grader("pytorch-loop", points=3)
def test_fit_reaches_95_percent_on_digits(student):
    """Accuracy threshold: >= 0.95 on held-out digits within 2 CPU-seconds.

    Data: the 8×8 digits bundled with scikit-learn (dldrill.data.digits_split(test_fraction=0.25,
    seed=0): 1348 training and 449 test images). The first 1100 training images train, the other
    248 are fit's validation loader; the 449 test labels never leave the grader.
    Model (built in the submission from plain torch): Linear(64, 128) · BatchNorm1d · ReLU ·
    Dropout(0.1) · Linear(128, 10), seed 0; Adam(lr=1e-2), CrossEntropyLoss, batch 64 with a
    seeded shuffle, 10 epochs. Budget: 2 CPU-seconds of the submission's process (one compute
    thread) for building and fit together; the answer key measured 0.18 CPU-s, so the budget is
    11 times that (at least 5) and a loop doing 50 times the work fails it
    (broken/ch03_fit_fifty_times_the_work).
    """
    X_tr, X_te, y_tr, y_te = digits_split(test_fraction=0.25, seed=0)
    with student.time_limit(2.0, "fit on the digits (10 epochs)"):  # CPU-seconds
        model = student.call(f"{BUILDERS}:seeded_mlp", 64, 128, 10, seed=0, dropout=0.1)
        train = student.call(f"{BUILDERS}:array_loader", X_tr[:1100], y_tr[:1100], batch_size=64,
                             shuffle=True, seed=0)
        val = student.call(f"{BUILDERS}:array_loader", X_tr[1100:], y_tr[1100:], batch_size=256)
        opt = student.call(f"{BUILDERS}:make_optimizer", model, "adam", lr=1e-2)
        crit = student.call("torch.nn:CrossEntropyLoss")
        _history(student.call(f"{MODULE}:fit", model, train, val, 10, opt, crit), 10)
    acc = _accuracy_here(_state(model), X_te, y_te)
    if acc < 0.95:
        raise failure("test accuracy on 449 held-out digits after fit", ">= 0.95", f"{acc:.3f}",
                      tr("학습 루프의 다섯 단계와 최고 모델 복원을 확인하세요",
                         "check the loop's five steps and the best-model restore"))
