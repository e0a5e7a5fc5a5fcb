"""Graders for ch04.cnn's build_keras_cnn, in a TensorFlow child (checklist: cnn-cifar10).

The Keras model is read through its handle, as the learner's own object answers: `model.layers`
(each layer's class and `get_config()`), the model's shapes, `count_params()` and
`get_compile_config()`; the grader compares that here with the curriculum's stack (an activation
written inside Conv2D/Dense or as its own layer, Activation("relu") or layers.ReLU(), reads the
same). What a description says is believed only where behaviour confirms it:
- the forward pass: random weights of the curriculum's shapes, in order, go in through the
  learner's `set_weights`, the model runs in the submission in inference mode, and its
  probabilities are compared with the curriculum's network computed here in NumPy with the same
  weights (BatchNormalization's default epsilon 0.001);
- each Dropout, called on its own there, drops the fraction its config says
  (`keras_graph.check_dropout`);
- the compile settings act as they claim: compute_loss, compute_metrics and the model's own
  optimizer against NumPy (`keras_graph.check_compiled`).
Only torch-free library pieces (functools.partial, map, keras.ops.convert_to_numpy) compose the
calls there; no kit code runs in the submission, and only NumPy comes back, so the grader never
loads TensorFlow. The PyTorch exercises of ch04 never load it either (build_keras_cnn imports
Keras inside the function).
"""

import numpy as np

from dldrill.grading import StudentError, assert_close, assert_shape, failure, grader, tr, type_name
from dldrill.grading.keras_graph import check_compiled, check_dropout, first_difference, outputs

MODULE = "ch04.cnn"

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


def _describe(model) -> dict:
    """The model as plain data, read through its handle (the learner's own object answers)."""
    layers = []
    for layer in list(model.layers):
        config = layer.get_config()
        config = config if isinstance(config, dict) else {}
        layers.append({"class": type_name(layer).rpartition(".")[2], "config": config,
                       "name": str(config.get("name", ""))})
    try:
        compiled = model.get_compile_config()
    except StudentError:
        compiled = None
    return {"layers": layers, "ops": layers, "input_shape": _shape(model.input_shape),
            "output_shape": _shape(model.output_shape), "params": int(model.count_params()),
            "compile": compiled if isinstance(compiled, dict) else None}


def _shape(value) -> list | None:
    return list(value) if isinstance(value, (list, tuple)) else None


def _summary(student, *args, **kwargs) -> tuple:
    shown = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
    model = student.call(f"{MODULE}:build_keras_cnn", *args, **kwargs)
    return model, _describe(model), f"build_keras_cnn({shown})"


# -- what the model computes ---------------------------------------------------------------------
CONVS = ((32, 32), (32, 64), (64, 64), (64, 128))
BN_EPSILON = 1e-3  # keras.layers.BatchNormalization's default


def _weight_shapes(channels: int, num_classes: int) -> list[tuple[int, ...]]:
    """`model.get_weights()` of the curriculum's CNN, in order: each Conv2D's kernel (3, 3, in,
    out) and bias, each BatchNormalization's gamma, beta, moving mean and moving variance, each
    Dense's kernel (in, out) and bias."""
    shapes: list[tuple[int, ...]] = []
    for i, o in ((channels, 32), *CONVS):
        shapes += [(3, 3, i, o), (o,), (o,), (o,), (o,), (o,)]
    return [*shapes, (128, 256), (256,), (256, num_classes), (num_classes,)]


def _random_weights(rng, shapes) -> list[np.ndarray]:
    out = []
    bn = 0
    for shape in shapes:
        if len(shape) > 1:  # a kernel: scaled by its fan-in
            fan_in = int(np.prod(shape[:-1]))
            out.append(rng.standard_normal(shape) * (1.5 / np.sqrt(fan_in)))
            bn = 0
        else:  # a bias, then (after a Conv2D) gamma, beta, moving mean, moving variance
            kind = bn % 5
            out.append(rng.uniform(0.6, 1.4, shape) if kind in (1, 4) else 0.2 * rng.standard_normal(shape))
            bn += 1
    return [w.astype(np.float32) for w in out]


def _curriculum_forward(weights: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """The curriculum's CNN in NumPy (float64): the expected probabilities for NHWC images x."""
    w = iter(np.asarray(a, dtype=np.float64) for a in weights)

    def conv_bn_relu(h):
        k, b = next(w), next(w)
        hh, ww = h.shape[1:3]
        hp = np.pad(h, ((0, 0), (1, 1), (1, 1), (0, 0)))
        out = sum(np.einsum("nhwc,co->nhwo", hp[:, u:u + hh, v:v + ww], k[u, v])
                  for u in range(3) for v in range(3)) + b
        gamma, beta, mean, var = next(w), next(w), next(w), next(w)
        return np.maximum((out - mean) / np.sqrt(var + BN_EPSILON) * gamma + beta, 0.0)

    def pool(h):
        n, hh, ww, c = h.shape
        h = h[:, :hh // 2 * 2, :ww // 2 * 2]
        return h.reshape(n, hh // 2, 2, ww // 2, 2, c).max(axis=(2, 4))

    h = np.asarray(x, dtype=np.float64)
    h = pool(conv_bn_relu(conv_bn_relu(h)))
    h = pool(conv_bn_relu(conv_bn_relu(h)))
    h = conv_bn_relu(h).mean(axis=(1, 2))
    h = np.maximum(h @ next(w) + next(w), 0.0)
    logits = h @ next(w) + next(w)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _computes_the_curriculum_network(student, model, what, rng, shape, num_classes, hint):
    """Random weights of the curriculum's shapes through `set_weights`, then the model's
    probabilities vs the curriculum's network computed here."""
    shapes = _weight_shapes(shape[-1], num_classes)
    got = [tuple(np.shape(a)) for a in model.get_weights()]
    if got != shapes:
        e, g = first_difference([str(s) for s in shapes], [str(s) for s in got])
        raise failure(f"{what}.get_weights(): shapes in order (first difference)", e, g, hint)
    weights = _random_weights(rng, shapes)
    model.set_weights(weights)
    x = rng.random((2, *shape)).astype(np.float32)
    expected = _curriculum_forward(weights, x)
    probs = outputs(student, model, x)
    assert_shape(probs, expected.shape, f"{what}(x {x.shape})", hint)
    assert_close(probs, expected, rtol=2e-4, atol=2e-5,
                 what=f"{what}(x {x.shape}) with random weights vs the curriculum's network",
                 hint=hint)


@grader("cnn-cifar10", points=2, module="cnn", framework="tensorflow")
def test_build_keras_cnn_layers(student, rng):
    model, info, what = _summary(student)
    expected, got = _expected_tokens(10), _tokens(info["layers"])
    if got != expected:
        e, g = first_difference(expected, got)
        raise failure(f"{what}: layers in order (first difference)", e, g, HINT_KERAS,
                      [tr("기대한 전체: ", "expected in full: ").render() + " · ".join(expected)])
    if info["params"] != _expected_params(3, 10):
        raise failure(f"{what}.count_params()", f"{_expected_params(3, 10):,}",
                      f"{info['params']:,}", HINT_KERAS)
    _computes_the_curriculum_network(student, model, what, rng, (32, 32, 3), 10, HINT_KERAS)
    check_dropout(student, model, info, what, HINT_KERAS)  # the rates described are the rates run


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
    probs = outputs(student, model, x)
    assert_shape(probs, (3, 5), f"{what}(x (3, 28, 28, 1))", hint)
    assert_close(probs.sum(axis=1), np.ones(3), rtol=1e-4, atol=1e-4,
                 what=f"{what}(x): each row's sum (softmax probabilities)", hint=hint)
    _computes_the_curriculum_network(student, model, what, rng, (28, 28, 1), 5, HINT_KERAS)


@grader("cnn-cifar10", points=1, module="cnn", framework="tensorflow")
def test_build_keras_cnn_is_compiled(student, rng):
    model, info, what = _summary(student)
    hint = tr("model.compile(optimizer=Adam(1e-3), loss=\"sparse_categorical_crossentropy\", "
              "metrics=[\"accuracy\"])를 호출하고 model을 돌려주세요",
              "call model.compile(optimizer=Adam(1e-3), loss=\"sparse_categorical_crossentropy\", "
              "metrics=[\"accuracy\"]) and return the model")
    # The settings the model reports, then what they do: compute_loss, compute_metrics and the
    # model's own optimizer, each checked against NumPy here (dldrill.grading.keras_graph).
    check_compiled(student, model, info["compile"], 10, rng, what, hint)
