"""Exported artifacts run by the grader in a fresh confined process that holds no submission code.

A file a submission made — a TorchScript archive, an ONNX graph, a TFLite flatbuffer, a `.keras`
zip, a saved state_dict — is data that a library turns into computation, and a hostile one can
make that computation read the answer key, write files, burn CPU or eat memory (a TorchScript
forward may call `torch.from_file` on any path). So neither the child (which *is* the submission:
it could answer in the artifact's place) nor the grader process (unconfined) loads one. An
*artifact process* does: a `SandboxBackend` child started over a fresh temporary folder that
holds only copies of the artifact's bytes under names the grader chose (never `.py`, `.so` or a
folder: nothing in it is importable), with the same confinement as the submission's children
(Landlock, no network, its own uid and PID namespace where the grader is root, address-space
limit `--mem-limit`, `--threads` compute threads) and a CPU-second budget of its own. The grader
calls library loaders there through handles and carries outputs back as arrays; every judgement
is made in the grader. With `--inprocess` (no protection by design) the same calls run here, in
this process, through the same code path.

Usage in a grader (the `artifacts` fixture of the plugin is an `ArtifactRunner` with the
session's settings):

    def test_export(student, artifacts):
        artifacts.prepare("torch")               # optional: start it now, while the child works
        data = student.call("builtins:open", path, "rb").read()       # bytes the child made
        with artifacts.process({"model.pt": data}, "torch", budget=20.0) as proc:
            model = proc.call("torch.jit:load", proc.path("model.pt"), map_location="cpu")
            ops = proc.call(f"{A}:torchscript_ops", model)            # A = "dldrill.sandbox.artifacts"
            out = proc.call(f"{A}:forward", model, x)                 # inference mode, a tensor back

    # a file of the submission folder itself, read here without following any link:
    weights = artifacts.submission_file("ch09/artifacts/mnist.pt")     # bytes, or None if absent
    with artifacts.process({"weights.pt": weights, "arch.pt": arch}, "torch") as proc:
        state = proc.call("torch:load", proc.path("weights.pt"), map_location="cpu",
                          weights_only=True)                           # a dict of tensors, here

    # TensorFlow / Keras (framework "tensorflow" preloads tensorflow and keras):
    with artifacts.process({"model.keras": data}, "tensorflow") as proc:
        model = proc.call("keras.saving:load_model", proc.path("model.keras"), safe_mode=True)
        out = model.predict(x, verbose=0)                               # an ndarray, here
    with artifacts.process({"model.tflite": data}, "tensorflow") as proc:
        out = proc.call(f"{A}:tflite_run", proc.path("model.tflite"), x)

    # ONNX ("onnx": onnx and, where installed, onnxruntime):
    with artifacts.process({"model.onnx": data}, "onnx") as proc:
        sig = proc.call(f"{A}:onnx_signature", proc.path("model.onnx"))
        sess = proc.call("onnxruntime:InferenceSession", proc.path("model.onnx"),
                         providers=["CPUExecutionProvider"])
        out = sess.run(None, {"x": x})[0]

`proc` is a `Submission` (`call`, `get`, `options`, `time_limit`, handles); `proc.path(name)`
is where that file lies *in the artifact process*; `proc.confinement` is what it reported about
its confinement (as the child's). Calls past `budget` CPU-seconds, or past the per-call timeout,
raise `SubmissionTimeout`; a memory bomb meets the address-space limit (`MemoryError` or the
library's allocation error as a `StudentError`) or, on a GPU, the resident-memory watch
(`SubmissionCrashed`). Outside pytest, `artifact_process(files, framework, **settings)` is the
same context manager with explicit settings.

The small helpers below (`forward`, `torchscript_ops`, `onnx_signature`, `tflite_run`) are
meant to run *in the artifact process*, where no submission code exists; the submission's own
child can import them too and gains nothing by it, since no grader calls them there.

Why this file is long: the runner (settings, start-up, budgets) and the few functions the
grader calls *inside* an artifact process (forward, TorchScript ops, ONNX and TF Lite runs)
must live in one module that the artifact process may import and nothing else of the kit.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dldrill.sandbox.api import Submission
from dldrill.sandbox.client import (
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_MEM_BYTES,
    DEFAULT_STALL,
    LocalBackend,
    SandboxBackend,
)

# What an artifact process imports before its first call (its start-up is not counted).
PRELOAD: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy",),
    "torch": ("numpy", "torch"),
    "tensorflow": ("numpy", "tensorflow", "keras"),
    "onnx": ("numpy", "onnx"),
    "onnxruntime": ("numpy", "onnx", "onnxruntime"),
}
DEFAULT_BUDGET = 120.0  # CPU-seconds all calls into one artifact process may use together
MAX_FILE_BYTES = 512 << 20  # the largest artifact file the grader copies or reads
# Names the grader gives artifact files: one plain file name with a data suffix. Nothing in the
# folder may be importable (it is on the artifact process's sys.path, as a submission would be).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}")
_DATA_SUFFIXES = (".pt", ".pth", ".ts", ".bin", ".onnx", ".tflite", ".keras", ".h5", ".json",
                  ".npz", ".npy", ".safetensors", ".data", ".txt")


class ArtifactError(ValueError):
    """A file the grader was asked to copy or read is not acceptable (a link, too big...)."""


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name) or ".." in name or not name.endswith(_DATA_SUFFIXES):
        raise ArtifactError(f"artifact file name {name!r}: a plain name ending in one of "
                            f"{', '.join(_DATA_SUFFIXES)} (nothing importable)")
    return name


def read_submission_file(root: Path, relpath: str, max_bytes: int = MAX_FILE_BYTES) -> bytes | None:
    """The bytes of `root/relpath`, read here without following any link: every folder on the
    way and the file itself must be real (no symbolic link), the file a regular file of at most
    `max_bytes`. None when it does not exist; ArtifactError for a link, a non-file, a path that
    leaves `root`, or a file too big."""
    parts = Path(relpath).parts
    if not parts or Path(relpath).is_absolute() or any(p in ("..", ".", "") for p in parts):
        raise ArtifactError(f"{relpath!r}: a relative path inside the submission")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(root, flags | os.O_DIRECTORY)
    except FileNotFoundError:
        return None
    try:
        for part in parts[:-1]:
            try:
                st = os.lstat(part, dir_fd=fd)
            except FileNotFoundError:
                return None
            if not stat.S_ISDIR(st.st_mode):
                raise ArtifactError(f"{relpath}: {part} is not a folder (a link?)")
            nxt = os.open(part, flags | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        try:
            st = os.lstat(parts[-1], dir_fd=fd)
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(st.st_mode):
            raise ArtifactError(f"{relpath}: not a regular file (a link or a folder?)")
        if st.st_size > max_bytes:
            raise ArtifactError(f"{relpath}: {st.st_size} bytes, more than {max_bytes}")
        ffd = os.open(parts[-1], flags, dir_fd=fd)
        try:
            with os.fdopen(ffd, "rb", closefd=False) as f:
                data = f.read(max_bytes + 1)
        finally:
            os.close(ffd)
        if len(data) > max_bytes:
            raise ArtifactError(f"{relpath}: more than {max_bytes} bytes")
        return data
    finally:
        os.close(fd)


def _bytes_of(value: bytes | bytearray | memoryview | Path) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    elif isinstance(value, Path):
        st = os.lstat(value)
        if not stat.S_ISREG(st.st_mode):
            raise ArtifactError(f"{value}: not a regular file (a link or a folder?)")
        fd = os.open(value, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    else:
        raise TypeError(f"an artifact is bytes or a Path, not {type(value).__name__}")
    if len(data) > MAX_FILE_BYTES:
        raise ArtifactError(f"an artifact of more than {MAX_FILE_BYTES} bytes")
    return data


class ArtifactProcess(Submission):
    """A `Submission` over an artifact process; `path(name)` is where a file lies there."""

    def __init__(self, backend: Any, folder: Path, *, timeout: float):
        super().__init__(backend, "artifact", timeout=timeout)
        self.folder = folder

    def path(self, name: str) -> str:
        return str(self.folder / _check_name(name))

    @property
    def confinement(self) -> dict:
        """What the process reported about its confinement (display only, as the child's)."""
        return dict(getattr(self.backend, "confinement", {}) or {})

    def cpu_seconds(self) -> float:
        return float(self.backend.cpu_seconds())


def _new_folder(scratch: Path | None) -> Path:
    from dldrill.paths import scratch_root

    base = scratch or scratch_root()
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="dldrill-artifact-", dir=base)).resolve()


def _start(folder: Path, framework: str, *, inprocess: bool, device: str,
           mem_bytes: int | None, threads: int, landlock: bool, stall: float,
           budget: float) -> Any:
    """A backend over `folder`: a confined child (started: its preloading goes on while the
    caller works) or, in-process, this process."""
    if framework not in PRELOAD:
        raise ValueError(f"framework {framework!r}: one of {sorted(PRELOAD)}")
    if inprocess:
        import importlib

        return LocalBackend(folder, importlib.import_module, "artifact")
    backend = SandboxBackend(folder, device=device, threads=threads, mem_bytes=mem_bytes,
                             budget=budget, preload=PRELOAD[framework], landlock=landlock,
                             label="artifact", stall=stall)
    try:
        backend.start()
    except BaseException:
        backend.close()
        raise
    return backend


def _place(folder: Path, files: Mapping[str, bytes | bytearray | memoryview | Path]) -> None:
    if not files:
        raise ValueError("an artifact process needs at least one file")
    for name in files:
        _check_name(name)
    for name, value in files.items():
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(_bytes_of(value))


@contextmanager
def artifact_process(files: Mapping[str, bytes | bytearray | memoryview | Path],
                     framework: str = "torch", *, inprocess: bool = False, device: str = "cpu",
                     mem_bytes: int | None = DEFAULT_MEM_BYTES, threads: int = 1,
                     landlock: bool = True, stall: float = DEFAULT_STALL,
                     timeout: float = DEFAULT_CALL_TIMEOUT, budget: float = DEFAULT_BUDGET,
                     scratch: Path | None = None) -> Iterator[ArtifactProcess]:
    """A fresh artifact process holding copies of `files` ({name: bytes or a Path}); see the
    module docstring. `framework` picks what it preloads (`PRELOAD`); the settings are the
    child's (`--mem-limit`, `--threads`, Landlock, `--stall-timeout`, `--call-timeout`, device);
    `budget` caps the CPU-seconds of all its calls. Closed, and its folder removed, on exit."""
    if framework not in PRELOAD:
        raise ValueError(f"framework {framework!r}: one of {sorted(PRELOAD)}")
    folder = _new_folder(scratch)
    backend: Any = None
    try:
        _place(folder, files)
        backend = _start(folder, framework, inprocess=inprocess, device=device,
                         mem_bytes=mem_bytes, threads=threads, landlock=landlock, stall=stall,
                         budget=budget)
        yield ArtifactProcess(backend, folder, timeout=min(timeout, budget))
    finally:
        if backend is not None:
            backend.close()
        shutil.rmtree(folder, ignore_errors=True)


class ArtifactRunner:
    """Artifact processes with one grading session's settings (the plugin's `artifacts`
    fixture), and the submission's own files read without following links.

    `prepare(framework)` starts a process over an empty folder now, so that its start-up
    (importing torch: a second or two) overlaps the grader's other work; the next
    `process(files, framework)` puts the files in its folder and hands it out. Each process
    still serves one `process()` only and holds nothing but those files."""

    def __init__(self, *, submission: Path | None = None, inprocess: bool = False,
                 device: str = "cpu", mem_bytes: int | None = DEFAULT_MEM_BYTES, threads: int = 1,
                 landlock: bool = True, stall: float = DEFAULT_STALL,
                 timeout: float = DEFAULT_CALL_TIMEOUT):
        self.submission = submission
        self.inprocess = inprocess
        self.timeout = timeout
        self.settings = {"device": device, "mem_bytes": mem_bytes, "threads": threads,
                         "landlock": landlock, "stall": stall}
        self.cpu_s = 0.0  # CPU-seconds used by the artifact processes of this runner
        self._warm: dict[str, tuple[Path, Any]] = {}

    def prepare(self, framework: str = "torch") -> None:
        """Starts the next artifact process for `framework` now (nothing in-process)."""
        if self.inprocess or framework in self._warm:
            return
        folder = _new_folder(None)
        try:
            backend = _start(folder, framework, inprocess=False, budget=DEFAULT_BUDGET,
                             **self.settings)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._warm[framework] = (folder, backend)

    @contextmanager
    def process(self, files: Mapping[str, bytes | bytearray | memoryview | Path],
                framework: str = "torch", *, budget: float = DEFAULT_BUDGET,
                timeout: float | None = None) -> Iterator[ArtifactProcess]:
        limit = min(self.timeout if timeout is None else timeout, budget)
        warm = self._warm.pop(framework, None)
        if warm is None:
            with artifact_process(files, framework, inprocess=self.inprocess, budget=budget,
                                  timeout=limit, **self.settings) as proc:
                try:
                    yield proc
                finally:
                    self.cpu_s += proc.cpu_seconds()
            return
        folder, backend = warm
        try:
            _place(folder, files)
            backend.budget = budget
            proc = ArtifactProcess(backend, folder, timeout=limit)
            try:
                yield proc
            finally:
                self.cpu_s += proc.cpu_seconds()
        finally:
            backend.close()
            shutil.rmtree(folder, ignore_errors=True)

    def submission_file(self, relpath: str, max_bytes: int = MAX_FILE_BYTES) -> bytes | None:
        """`relpath` of the submission folder (e.g. "ch09/artifacts/mnist.pt"), read here
        without following links (`read_submission_file`); None when absent."""
        if self.submission is None:
            return None
        return read_submission_file(Path(self.submission), relpath, max_bytes)

    def close(self) -> None:
        """Closes the processes prepared but never handed out."""
        for folder, backend in self._warm.values():
            backend.close()
            shutil.rmtree(folder, ignore_errors=True)
        self._warm.clear()


# -- helpers that run in the artifact process ------------------------------------------------------
def forward(module: Any, *inputs: Any, batch: int | None = None) -> Any:
    """`module(*inputs)` under `torch.inference_mode()` on the CPU (or the process's device),
    in chunks of `batch` rows along the first axis when given; the output detached on the CPU."""
    import torch

    from dldrill.devices import resolve_device

    device = torch.device(resolve_device(None))
    if device.type != "cpu":
        module = module.to(device)
    tensors = [torch.as_tensor(x).to(device) for x in inputs]
    with torch.inference_mode():
        if not batch or not tensors or tensors[0].dim() == 0:
            return _output(module(*tensors))
        n = len(tensors[0])
        return torch.cat([_output(module(*(t[i:i + batch] for t in tensors)))
                          for i in range(0, n, batch)]) if n else _output(module(*tensors))


def _output(out: Any) -> Any:
    import torch

    if not isinstance(out, torch.Tensor):
        raise TypeError(f"the artifact's forward returned {type(out).__name__}, not a tensor")
    return out.detach().cpu()


def torchscript_ops(module: Any) -> list[str]:
    """The node kinds of a TorchScript module's forward graph, every call inlined (sorted,
    unique): e.g. ["aten::_convolution", "aten::linear", "prim::Constant", ...]."""
    kinds: set[str] = set()

    def walk(block: Any) -> None:
        for node in block.nodes():
            kinds.add(node.kind())
            for sub in node.blocks():
                walk(sub)

    walk(module.inlined_graph)
    return sorted(kinds)


def onnx_signature(path: str) -> dict:
    """The inputs and outputs of the ONNX model at `path` (`onnx.load`): {"inputs": [(name,
    [dim...])], "outputs": [...]}, each dim an int (fixed) or a string (symbolic), and "ops":
    the sorted node types of its graph."""
    import onnx

    model = onnx.load(path)

    def dims(value: Any) -> list:
        return [d.dim_param if d.dim_param else int(d.dim_value)
                for d in value.type.tensor_type.shape.dim]

    return {"inputs": [(v.name, dims(v)) for v in model.graph.input],
            "outputs": [(v.name, dims(v)) for v in model.graph.output],
            "ops": sorted({n.op_type for n in model.graph.node})}


def tflite_run(path: str, x: Any) -> Any:
    """Runs the TFLite model at `path` on `x` (its first input, resized to x's shape); the first
    output as an ndarray."""
    import numpy as np
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_path=path)
    detail = interpreter.get_input_details()[0]
    x = np.asarray(x, dtype=detail["dtype"])
    interpreter.resize_tensor_input(detail["index"], list(x.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(detail["index"], x)
    interpreter.invoke()
    return np.array(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))


# -- for graders: a learner's torch model as an artifact ------------------------------------------
# What the forward graph of a feed-forward network made of standard layers consists of (node
# kinds of a traced or scripted module, every call inlined). Comparisons, indexing, gathers,
# sorting, embeddings and file access are not in it: a graph that looks its answer up instead of
# computing it (a nearest-neighbour table, a hash of the input) needs them.
FEEDFORWARD_OPS = frozenset({
    "prim::Constant", "prim::ListConstruct", "prim::ListUnpack", "prim::TupleConstruct",
    "prim::TupleUnpack", "prim::GetAttr", "prim::NumToTensor", "aten::Int", "aten::size",
    "aten::dim", "aten::numel",
    "aten::_convolution", "aten::conv1d", "aten::conv2d", "aten::conv3d", "aten::linear",
    "aten::addmm", "aten::matmul", "aten::mm", "aten::bmm", "aten::t",
    "aten::batch_norm", "aten::layer_norm", "aten::group_norm", "aten::instance_norm",
    "aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::alpha_dropout",
    "aten::relu", "aten::relu_", "aten::relu6", "aten::leaky_relu", "aten::leaky_relu_",
    "aten::elu", "aten::elu_", "aten::selu", "aten::gelu", "aten::silu", "aten::silu_",
    "aten::mish", "aten::sigmoid", "aten::tanh", "aten::hardtanh", "aten::hardtanh_",
    "aten::hardswish", "aten::hardswish_", "aten::hardsigmoid", "aten::softplus", "aten::prelu",
    "aten::softmax", "aten::log_softmax",
    "aten::max_pool1d", "aten::max_pool2d", "aten::avg_pool1d", "aten::avg_pool2d",
    "aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d", "aten::adaptive_max_pool1d",
    "aten::adaptive_max_pool2d",
    "aten::flatten", "aten::view", "aten::reshape", "aten::squeeze", "aten::unsqueeze",
    "aten::permute", "aten::transpose", "aten::contiguous", "aten::clone", "aten::cat",
    "aten::chunk", "aten::split", "aten::flip", "aten::constant_pad_nd", "aten::pad",
    "aten::add", "aten::add_", "aten::sub", "aten::sub_", "aten::mul", "aten::mul_",
    "aten::div", "aten::div_", "aten::neg", "aten::rsub", "aten::mean", "aten::sum",
    "aten::amax", "aten::clamp", "aten::clamp_", "aten::clamp_min", "aten::to", "aten::type_as",
    "aten::detach",
})


def unexpected_ops(ops: list[str], allowed: frozenset[str] = FEEDFORWARD_OPS) -> list[str]:
    """The node kinds of `ops` (from `torchscript_ops`, run in an artifact process) that a
    network of standard layers does not use."""
    return sorted(set(ops) - allowed)


def torchscript_of(student: Any, model: Any, example: Any) -> bytes:
    """The learner's `model` (a handle, put in the mode wanted first) traced with `example` in
    the child and saved: TorchScript bytes, submission-made, to run in an artifact process.
    Only library calls run in the child (`torch.jit.trace`, `torch.jit.save` into an
    `io.BytesIO`); raises what they raise (a StudentError) for a model that cannot be traced."""
    traced = student.call("torch.jit:trace", model, example, check_trace=False)
    buffer = student.call("io:BytesIO")
    student.call("torch.jit:save", traced, buffer)
    data = buffer.getvalue()
    if not isinstance(data, bytes):
        raise TypeError("the traced model did not come back as bytes")
    return data
