"""Graders for ch03.data (checklist: pytorch-loop).

The loaders are built by the learner's code inside the submission and iterated from here; every
sample's first feature is its id, so the ids that come out tell which samples went where.

Also graded: ArrayDataset's length, items and dtypes (float32 features, int64 labels).
"""

import numpy as np
import torch

from dldrill.grading import assert_close, assert_dtype, assert_raises, failure, grader, tr

MODULE = "ch03.data"


def _id_data(n: int, d: int = 3, classes: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(seed).standard_normal((n, d))
    X[:, 0] = np.arange(n)  # the id of the sample
    return X, np.arange(n) % classes


def _collect(loader) -> tuple[list[int], list[int], list]:
    """(ids in order, labels in order, batch sizes); checks that each batch is (X, y)."""
    ids, labels, sizes = [], [], []
    for batch in loader:
        if not isinstance(batch, (list, tuple)) or len(batch) != 2:
            raise failure("a batch of the loader", "(X_batch, y_batch)", repr(type(batch)),
                          tr("Dataset의 __getitem__이 (x, y) 쌍을 돌려주게 하세요",
                             "make the Dataset's __getitem__ return an (x, y) pair"))
        xb, yb = batch
        ids += [round(float(v)) for v in xb[:, 0]]
        labels += [int(v) for v in yb]
        sizes.append(len(yb))
    return ids, labels, sizes


@grader("pytorch-loop", points=2)
def test_array_dataset_len_items_and_dtypes(student):
    X, y = _id_data(10)
    # uint8 labels (as MNIST's come): they must still come out as int64, not as they were given
    cases = (("numpy", X, y, ""), ("torch", torch.from_numpy(X), torch.from_numpy(y), ""),
             ("numpy", X, y.astype(np.uint8), " uint8"))
    for kind, xs, ys, y_dtype in cases:
        ds = student.call(f"{MODULE}:ArrayDataset", xs, ys)
        what = f"ArrayDataset(X (10, 3) {kind}, y (10,){y_dtype})"
        n = len(ds)
        if n != 10:
            raise failure(f"len({what})", "10", str(n), tr("__len__은 샘플 수를 돌려줍니다",
                                                           "__len__ returns the number of samples"))
        xi, yi = ds[7]
        assert_dtype(xi, torch.float32, f"{what}[7][0]", tr(
            "특징은 torch.float32로 바꾸세요 (모델의 가중치가 float32)",
            "convert the features to torch.float32 (the model's weights are float32)"))
        assert_dtype(yi, torch.int64, f"{what}[7][1]", tr(
            "정수 레이블은 torch.long(int64)으로: CrossEntropyLoss가 요구합니다",
            "integer labels as torch.long (int64): CrossEntropyLoss needs it"))
        assert_close(xi, torch.from_numpy(X[7].astype(np.float32)), what=f"{what}[7][0]",
                     hint=tr("i번째 샘플 (X[i], y[i])를 돌려주세요", "return sample i: (X[i], y[i])"))
        assert_close(int(yi), int(y[7]), what=f"{what}[7][1]")
    # the documented other branch: labels that are not integers (targets) stay values, float32
    soft = np.linspace(0.05, 0.95, 10)
    ds = student.call(f"{MODULE}:ArrayDataset", X, soft)
    _, yi = ds[3]
    what = "ArrayDataset(X (10, 3), y (10,) float64 targets in [0, 1])[3][1]"
    assert_dtype(yi, torch.float32, what, tr(
        "정수가 아닌 레이블(회귀 목표값)은 float32로 두세요: long으로 바꾸면 값이 잘립니다",
        "labels that are not integers (regression targets) become float32: as long they "
        "would be truncated"))
    assert_close(float(yi), float(soft[3]), rtol=1e-6, what=what)

    def valid() -> None:  # the constructor works on matching lengths (10 and 10)
        ok = student.call(f"{MODULE}:ArrayDataset", X, y)
        got = len(ok)
        if got != 10:
            raise failure("len(ArrayDataset(X, y)) with 10 and 10 rows", "10", str(got))
        assert_close(ok[4][0], torch.from_numpy(X[4].astype(np.float32)),
                     what="ArrayDataset(X, y)[4][0]")

    assert_raises("ValueError", student.call, f"{MODULE}:ArrayDataset", X, y[:-1], valid=valid,
                  what="ArrayDataset(X with 10 rows, y with 9)",
                  hint=tr("X와 y의 길이가 다르면 ValueError를 내세요",
                          "raise ValueError when X and y differ in length"))


@grader("pytorch-loop", points=3)
def test_make_loaders_split_is_a_partition(student):
    for n, batch, frac, seed in ((103, 16, 0.25, 0), (200, 64, 0.2, 5)):
        X, y = _id_data(n)
        # the second case keeps the defaults batch_size=64, val_fraction=0.2
        kwargs = ({"seed": seed} if batch == 64 else
                  {"batch_size": batch, "val_fraction": frac, "seed": seed})
        train, val = student.call(f"{MODULE}:make_loaders", X, y, **kwargs)
        call = f"make_loaders(X ({n}, 3), y, {', '.join(f'{k}={v}' for k, v in kwargs.items())})"
        t_ids, t_labels, t_sizes = _collect(train)
        v_ids, v_labels, v_sizes = _collect(val)
        both = sorted(set(t_ids) & set(v_ids))
        hint = tr("한 번의 무작위 순열을 둘로 나눠 각각 Subset으로 감싸세요",
                  "cut one random permutation into two index sets and wrap each in a Subset")
        if both:
            raise failure(f"{call}: samples in both loaders",
                          tr("겹치는 샘플 없음", "no sample in both"),
                          tr(f"{len(both)}개가 양쪽에 있음 (id {both[:5]})",
                             f"{len(both)} samples in both (ids {both[:5]})"), hint)
        for name, ids in (("train", t_ids), ("val", v_ids)):
            if len(ids) != len(set(ids)):
                raise failure(f"{call}: the {name} loader", tr("샘플마다 한 번", "every sample "
                              "once"), tr("중복된 샘플", "repeated samples"), hint)
        if sorted(t_ids + v_ids) != list(range(n)):
            raise failure(f"{call}: train ∪ val", tr(f"전체 {n}개 샘플", f"all {n} samples"),
                          f"{len(set(t_ids) | set(v_ids))}", hint)
        if abs(len(v_ids) - n * frac) > 1:
            raise failure(f"{call}: validation size", f"round({n} × {frac}) = {round(n * frac)}",
                          str(len(v_ids)), tr("검증 샘플 수는 N × val_fraction입니다",
                                              "the validation part has N × val_fraction samples"))
        if [i % 5 for i in t_ids + v_ids] != t_labels + v_labels:
            raise failure(f"{call}: labels", tr("각 샘플의 원래 레이블", "each sample's own "
                          "label"), tr("다른 샘플의 레이블", "labels of other "
                          "samples"), tr("X와 y를 같은 인덱스로 자르세요",
                                                  "index X and y with the same indices"))
        for name, sizes in (("train", t_sizes), ("val", v_sizes)):
            total = sum(sizes)
            if sizes != [batch] * (total // batch) + ([total % batch] if total % batch else []):
                raise failure(f"{call}: batch sizes of the {name} loader",
                              tr(f"{batch}씩 (마지막만 작을 수 있음)",
                                 f"{batch} each (the last may be smaller)"), str(sizes),
                              tr("DataLoader(..., batch_size=batch_size)",
                                 "DataLoader(..., batch_size=batch_size)"))


@grader("pytorch-loop", points=2)
def test_make_loaders_seeded_and_shuffled(student):
    X, y = _id_data(120)

    def run(seed: int) -> tuple[list[int], set[int], object, object]:
        train, val = student.call(f"{MODULE}:make_loaders", X, y, batch_size=32, val_fraction=0.25,
                                  seed=seed)
        return _collect(train)[0], set(_collect(val)[0]), train, val

    order_a, val_a, train_a, val_loader_a = run(3)
    order_b, val_b, _, _ = run(3)
    hint_seed = tr("전역 난수 대신 seed로 만든 torch.Generator를 순열과 DataLoader에 넘기세요",
                   "pass a torch.Generator seeded with `seed` to the permutation and the DataLoader "
                   "instead of using the global RNG")
    if val_a != val_b or order_a != order_b:
        raise failure("make_loaders(..., seed=3) called twice",
                      tr("같은 분할, 같은 첫 에폭 순서", "the same split and first-epoch order"),
                      tr("다른 분할" if val_a != val_b else "다른 학습 순서",
                         "a different split" if val_a != val_b else "a different training order"
                         ), hint_seed)
    _, val_c, _, _ = run(4)
    if val_c == val_a:
        raise failure("make_loaders(..., seed=4) vs seed=3",
                      tr("다른 검증 집합", "a different validation set"),
                      tr("같은 검증 집합", "the same validation set"), hint_seed)
    again = _collect(train_a)[0]
    hint_shuffle = tr("학습 DataLoader에 shuffle=True를 주세요",
                      "give the training DataLoader shuffle=True")
    if order_a == sorted(order_a) or again == order_a:
        raise failure("the training loader, iterated twice",
                      tr("에폭마다 다른 무작위 순서", "a new random order every epoch"),
                      tr("정렬된 순서" if order_a == sorted(order_a) else "두 번 모두 같은 순서",
                         "sorted order" if order_a == sorted(order_a) else "the same order twice"
                         ), hint_shuffle)
    val_orders = [_collect(val_loader_a)[0] for _ in range(3)]
    if any(order != val_orders[0] for order in val_orders[1:]):
        raise failure("the validation loader, iterated three times",
                      tr("매번 같은 순서", "the same order every time"),
                      tr("반복마다 다른 순서", "a different order on each pass"),
                      tr("검증 DataLoader는 섞지 마세요 (shuffle=False)",
                         "do not shuffle the validation DataLoader (shuffle=False)"))
    xb, yb = next(iter(train_a))
    assert_dtype(xb, torch.float32, "X_batch of the training loader")
    assert_dtype(yb, torch.int64, "y_batch of the training loader", tr(
        "정수 레이블은 torch.long으로", "integer labels as torch.long"))
