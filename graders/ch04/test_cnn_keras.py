"""Graders for ch04.cnn's build_keras_cnn, in a TensorFlow child (checklist: cnn-cifar10).

The Keras model is read as plain data in the submission (`dldrill.childkit.ch04:keras_summary`:
each layer's class, config and parameter count, the model's shapes and compile settings) and
compared here with the curriculum's stack. An activation written inside Conv2D/Dense or as its
own layer (Activation("relu"), layers.ReLU()) reads the same. Only these tests load TensorFlow;
the PyTorch exercises of ch04 never do (build_keras_cnn imports Keras inside the function).

Common mistakes these graders catch, each with a mutant in fixtures/submissions/mutants:
- Flatten instead of GlobalAveragePooling2D (test_build_keras_cnn_layers,
  test_build_keras_cnn_other_input_and_classes; ch04_keras_flatten_not_gap)
- the last Dense without softmax (test_build_keras_cnn_layers,
  test_build_keras_cnn_other_input_and_classes; ch04_keras_no_softmax)
- num_classes ignored (a fixed Dense(10)) (test_build_keras_cnn_other_input_and_classes;
  ch04_keras_fixed_classes)
- compiled with categorical_crossentropy, which expects one-hot labels, for CIFAR-10's integer
  labels (test_build_keras_cnn_is_compiled; ch04_keras_categorical_loss)
"""

import numpy as np

from dldrill.grading import assert_close, assert_shape, failure, grader, tr
from dldrill.grading.keras_graph import first_difference

M = "ch04.cnn"
K = "dldrill.childkit.ch04"

# -- Keras ------------------------------------------------------------------------------------------
HINT_KERAS = tr("블록마다 Conv2D(3×3, same) → BatchNormalization → relu를 두 번, MaxPooling2D(2×2), "
                "Dropout(0.25); 마지막 Conv 128 뒤에 GlobalAveragePooling2D → Dropout(0.5) → "
                "Dense(256, relu) → Dropout(0.5) → Dense(num_classes, softmax)",
                "per block twice Conv2D(3×3, same) → BatchNormalization → relu, then "
                "MaxPooling2D(2×2) and Dropout(0.25); after the last Conv (128) "
                "GlobalAveragePooling2D → Dropout(0.5) → Dense(256, relu) → Dropout(0.5) → "
                "Dense(num_classes, softmax)")


def _pair_of(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def _tokens(layers: list[dict]) -> list[str]:
    """Layers as canonical tokens: an activation inside Conv2D/Dense or as its own layer (Activation,
    ReLU, Softmax) reads the same."""
    out: list[str] = []
    for layer in layers:
        c, cfg = layer["class"], layer["config"]
        act = None
        if c == "Conv2D":
            out.append(f"Conv2D({cfg.get('filters')}, {_pair_of(cfg.get('kernel_size'))}, "
                       f"strides={_pair_of(cfg.get('strides'))}, padding={cfg.get('padding')!r}"
                       + ("" if cfg.get("use_bias", True) else ", no bias") + ")")
            act = cfg.get("activation")
        elif c == "Dense":
            out.append(f"Dense({cfg.get('units')}" + ("" if cfg.get("use_bias", True) else ", no bias")
                       + ")")
            act = cfg.get("activation")
        elif c == "Activation":
            act = cfg.get("activation")
        elif c == "ReLU":
            plain = not cfg.get("negative_slope") and cfg.get("max_value") is None \
                and not cfg.get("threshold")
            act = "relu" if plain else f"ReLU({cfg})"
        elif c == "Softmax":
            act = "softmax"
        elif c in ("MaxPooling2D", "AveragePooling2D"):
            pool = _pair_of(cfg.get("pool_size"))
            strides = pool if cfg.get("strides") is None else _pair_of(cfg.get("strides"))
            out.append(f"{c}({pool}, strides={strides}, padding={cfg.get('padding')!r})")
        elif c == "Dropout":
            out.append(f"Dropout({cfg.get('rate')})")
        elif c == "InputLayer":
            continue
        else:
            out.append(c)
        if act is not None and act != "linear":
            out.append(str(act))
    return out


def _expected_tokens(num_classes: int) -> list[str]:
    conv = "Conv2D({}, (3, 3), strides=(1, 1), padding='same')"
    pool = ["MaxPooling2D((2, 2), strides=(2, 2), padding='valid')", "Dropout(0.25)"]
    block = []
    for f in (32, 32):
        block += [conv.format(f), "BatchNormalization", "relu"]
    block2 = []
    for f in (64, 64):
        block2 += [conv.format(f), "BatchNormalization", "relu"]
    return (block + pool + block2 + pool + [conv.format(128), "BatchNormalization", "relu",
            "GlobalAveragePooling2D", "Dropout(0.5)", "Dense(256)", "relu", "Dropout(0.5)",
            f"Dense({num_classes})", "softmax"])


def _expected_params(channels: int, num_classes: int) -> int:
    def conv(i, o):
        return 9 * i * o + o

    bn = 4  # gamma, beta, moving mean, moving variance per channel
    return (conv(channels, 32) + bn * 32 + conv(32, 32) + bn * 32 + conv(32, 64) + bn * 64
            + conv(64, 64) + bn * 64 + conv(64, 128) + bn * 128 + (128 * 256 + 256)
            + (256 * num_classes + num_classes))


def _summary(student, *args, **kwargs) -> tuple:
    shown = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
    model = student.call(f"{M}:build_keras_cnn", *args, **kwargs)
    return model, student.call(f"{K}:keras_summary", model), f"build_keras_cnn({shown})"


@grader("cnn-cifar10", points=2, module="cnn", framework="tensorflow")
def test_build_keras_cnn_layers(student):
    _, info, what = _summary(student)
    expected, got = _expected_tokens(10), _tokens(info["layers"])
    if got != expected:
        e, g = first_difference(expected, got)
        raise failure(f"{what}: layers in order (first difference)", e, g, HINT_KERAS,
                      [tr("기대한 전체: ", "expected in full: ").render() + " · ".join(expected)])
    if info["params"] != _expected_params(3, 10):
        raise failure(f"{what}.count_params()", f"{_expected_params(3, 10):,}",
                      f"{info['params']:,}", HINT_KERAS)


@grader("cnn-cifar10", points=1, module="cnn", framework="tensorflow")
def test_build_keras_cnn_other_input_and_classes(student, rng):
    model, info, what = _summary(student, input_shape=(28, 28, 1), num_classes=5)
    hint = tr("keras.Input(shape=input_shape)으로 시작하고 마지막 Dense는 num_classes개, softmax",
              "start with keras.Input(shape=input_shape); the last Dense has num_classes units and "
              "softmax")
    if list(info["input_shape"] or []) != [None, 28, 28, 1]:
        raise failure(f"{what}.input_shape", "(None, 28, 28, 1)", str(info["input_shape"]), hint)
    if list(info["output_shape"] or []) != [None, 5]:
        raise failure(f"{what}.output_shape", "(None, 5)", str(info["output_shape"]), hint)
    if info["params"] != _expected_params(1, 5):
        raise failure(f"{what}.count_params()", f"{_expected_params(1, 5):,}", f"{info['params']:,}",
                      HINT_KERAS)
    x = rng.random((3, 28, 28, 1)).astype(np.float32)
    probs = np.asarray(model(x, training=False))
    assert_shape(probs, (3, 5), f"{what}(x (3, 28, 28, 1))", hint)
    assert_close(probs.sum(axis=1), np.ones(3), rtol=1e-4, atol=1e-4,
                 what=f"{what}(x): each row's sum (softmax probabilities)", hint=hint)


@grader("cnn-cifar10", points=1, module="cnn", framework="tensorflow")
def test_build_keras_cnn_is_compiled(student):
    _, info, what = _summary(student)
    hint = tr("model.compile(optimizer=Adam(1e-3), loss=\"sparse_categorical_crossentropy\", "
              "metrics=[\"accuracy\"])를 호출하고 model을 돌려주세요",
              "call model.compile(optimizer=Adam(1e-3), loss=\"sparse_categorical_crossentropy\", "
              "metrics=[\"accuracy\"]) and return the model")
    cfg = info["compile"]
    if not cfg:
        raise failure(f"{what}: compiled", tr("컴파일된 모델", "a compiled model").render(),
                      tr("컴파일되지 않음", "not compiled").render(), hint)
    opt = cfg.get("optimizer")
    name = opt.get("class_name") if isinstance(opt, dict) else opt
    lr = opt.get("config", {}).get("learning_rate") if isinstance(opt, dict) else None
    if str(name).lower() != "adam" or (lr is not None and not np.isclose(float(lr), 1e-3)):
        raise failure(f"{what}: optimizer", "Adam(learning_rate=0.001)", f"{name}({lr})", hint)
    loss = cfg.get("loss")
    loss_name = loss.get("class_name") if isinstance(loss, dict) else loss
    from_logits = loss.get("config", {}).get("from_logits") if isinstance(loss, dict) else False
    if str(loss_name).lower().replace("_", "") != "sparsecategoricalcrossentropy" or from_logits:
        raise failure(f"{what}: loss", "sparse_categorical_crossentropy", str(loss_name), hint)
    metrics = cfg.get("metrics") or []
    names = [m.get("class_name") if isinstance(m, dict) else m for m in metrics]
    if not any(str(n).lower() in ("accuracy", "acc", "sparsecategoricalaccuracy") for n in names):
        raise failure(f"{what}: metrics", "['accuracy']", str(names), hint)
