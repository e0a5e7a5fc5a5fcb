"""The sandbox: safe transport, confinement, limits, and parity with the in-process backend."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from dldrill.errors import (
    BudgetExceeded,
    StaleHandle,
    StudentError,
    SubmissionCrashed,
    SubmissionTimeout,
    TodoError,
)
from dldrill.paths import kit_root
from dldrill.sandbox.api import Remote, Submission
from dldrill.sandbox.client import LocalBackend, SandboxBackend
from dldrill.sandbox.codec import CodecError, Decoder, Encoder, pack, unpack

MODULE = '''
import os, subprocess, time
import numpy as np

class Counter:
    def __init__(self, start=0):
        self.n = start
        self.items = [1, 2, 3]
    def add(self, k=1):
        self.n += k
        return self

def double(x):
    return x * 2

def todo():
    raise NotImplementedError("TODO(ch10.m.todo)")

def wrapped_todo():
    try:
        todo()
    except NotImplementedError as err:
        raise RuntimeError("wrapped") from err

def spin():
    while True:
        pass

def spawn_and_spin():
    child = subprocess.Popen(["sleep", "300"])
    with open("grandchild.pid", "w") as f:
        f.write(str(child.pid))
    while True:
        time.sleep(0.01)

def die():
    os._exit(3)

def bomb():
    return np.ones((1 << 40,))

def hog():
    data = np.ones(1 << 27)  # 1 GiB, touched
    time.sleep(10)
    return float(data[0])

def read(path):
    with open(path) as f:
        return f.read(10)

def write(path):
    with open(path, "w") as f:
        f.write("x")
    return True

def connect():
    import socket
    s = socket.socket()
    s.settimeout(1)
    s.connect(("127.0.0.1", 9))

def import_answer_key():
    import solutions  # noqa

def warn(x):
    return np.exp(x)

def slow(seconds):
    time.sleep(seconds)
    return seconds

def spin(cpu_seconds):
    start = time.process_time()
    while time.process_time() - start < cpu_seconds:
        pass
    return cpu_seconds

def pairs(n):
    for i in range(n):
        yield i, float(i) ** 2

def plant_log_link(target):
    print("before")
    os.symlink(target, "output.log")
    print("after")
    return True

def forge_reply(size):
    # a frame header that claims `size` bytes, straight onto the reply pipe (the write-only pipe)
    import fcntl, stat
    for fd in map(int, os.listdir("/proc/self/fd")):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_WRONLY:
                os.write(fd, (8).to_bytes(8, "little") + int(size).to_bytes(8, "little"))
        except OSError:
            pass
    time.sleep(30)

def one_buffer_many_times():
    big = np.zeros(1 << 24, np.uint8)  # 16 MiB, referenced 100 times
    return [big] * 100

def endless():
    while True:
        yield 1

def set_float_errors():
    np.seterr(all="raise")
    return True

def divide(a, b):
    return np.asarray(a) / np.asarray(b)


def udp(port):
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    return s.sendto(b"x", ("127.0.0.1", port))

def chmod(path):
    os.chmod(path, 0o777)
    return True

def fill(mib):
    with open("big.bin", "wb") as f:
        for _ in range(mib):
            f.write(b"x" * (1 << 20))
    return True

def whoami():
    return os.getuid(), os.getgid(), os.getgroups()


def daemon():
    proc = subprocess.Popen(["sleep", "300"], start_new_session=True)
    return proc.pid

'''


@pytest.fixture(autouse=True)
def _english():
    from dldrill import i18n

    before = i18n.get_lang()
    i18n.set_lang("en")
    yield
    i18n.set_lang(before)


@pytest.fixture(scope="module")
def submission(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("submission")
    (root / "ch10").mkdir()
    (root / "ch10" / "__init__.py").write_text("")
    (root / "ch10" / "m.py").write_text(MODULE)
    return root


@pytest.fixture(scope="module")
def sandbox(submission: Path):
    backend = SandboxBackend(submission, device="cpu", mem_bytes=3 << 30,
                             preload=("numpy", "torch"), stall=2.0)
    yield backend
    backend.close()


@pytest.fixture
def student(sandbox: SandboxBackend) -> Submission:
    return Submission(sandbox, "student", timeout=20)


# -- codec --------------------------------------------------------------------------------------
ROUNDTRIP = [
    None, True, 0, -(2**70), 1.5, float("inf"), float("-inf"), "한국어 text", b"\x00\x01",
    (1, (2, [3])), {"a": 1, 2: "b", (1, 2): None}, {1, 2}, frozenset({3}), 1 + 2j,
    slice(1, None, 2), Ellipsis, np.float32(1.25), np.int64(-3), np.bool_(True),
    np.arange(12, dtype=np.int16).reshape(3, 4), np.zeros((0, 5)), np.array(["ab", "c"]),
    np.eye(3, dtype=np.complex64), np.dtype("float32"), torch.float64, torch.device("cpu"),
    torch.Size([2, 3]),
]


@pytest.mark.parametrize("value", ROUNDTRIP, ids=lambda v: type(v).__name__)
def test_codec_roundtrip(value):
    enc = Encoder(lambda obj: pytest.fail(f"unexpected handle for {obj!r}"))
    header, bufs = unpack(*_split(pack({"v": enc.encode(value)}, enc.buffers)))
    got = Decoder(bufs, lambda node: None).decode(header["v"])
    if isinstance(value, np.ndarray):
        assert got.dtype == value.dtype and np.array_equal(got, value)
    elif isinstance(value, np.generic):
        assert type(got) is type(value) and got == value
    else:
        assert got == value and type(got) is type(value)


def _split(pieces):
    head_len = int.from_bytes(pieces[0], "little")
    blob = b"".join(bytes(p) for p in pieces[2:])
    return blob[:head_len], memoryview(blob[head_len:])


def test_codec_tensors_keep_dtype_grad_and_values():
    values = [torch.randn(3, 4), torch.randn(2, dtype=torch.float64).requires_grad_(),
              torch.randn(5).to(torch.bfloat16), torch.arange(4), torch.randn(4, 3).t(),
              torch.nn.Parameter(torch.ones(2))]
    enc = Encoder(lambda obj: pytest.fail("handle"))
    node = enc.encode(values)
    header, bufs = unpack(*_split(pack({"v": node}, enc.buffers)))
    got = Decoder(bufs, lambda n: None).decode(header["v"])
    for g, v in zip(got, values, strict=True):
        assert g.dtype == v.dtype and g.shape == v.shape and g.requires_grad == v.requires_grad
        assert torch.equal(g.detach(), v.detach())
    assert isinstance(got[-1], torch.nn.Parameter)


@pytest.mark.parametrize("node", [
    {"$": "nd", "dtype": "O", "shape": [1], "b": 0},
    {"$": "nd", "dtype": "<f8", "shape": [3], "b": 0},
    {"$": "nd", "dtype": "<f8", "shape": [1], "b": 7},
    {"$": "tensor", "dtype": "object", "shape": [1], "b": 0},
    {"$": "pickle", "v": "cos\nsystem\n"},
    {"$": "tdtype", "v": "__import__"},
    {"$": "float", "v": "1e309; import os"},
])
def test_decoder_rejects_hostile_headers(node):
    with pytest.raises(CodecError):
        Decoder([b"\x00" * 8], lambda n: None).decode(node)


def test_unencodable_objects_become_handles():
    seen = []
    node = Encoder(lambda obj: seen.append(obj) or {"$": "handle", "id": 1}).encode(
        [object, len, np.array([object()])])
    assert len(seen) == 3 and node[0]["$"] == "handle"


# -- sandbox behaviour -------------------------------------------------------------------------
def test_values_objects_and_iteration(student):
    assert np.array_equal(student.call("ch10.m:double", np.arange(3)), [0, 2, 4])
    c = student.call("ch10.m:Counter", 5)
    assert isinstance(c, Remote) and c.n == 5
    assert c.add(2) is not None and c.n == 7
    c.n = 10
    assert c.add().n == 11 and c.items == [1, 2, 3]
    assert list(student.call("ch10.m:pairs", 130))[-1] == (129, 129.0**2)
    lin = student.call("torch.nn:Linear", 4, 2)
    out = student.call("torch.nn.functional:relu", lin(torch.ones(1, 4)))
    assert out.shape == (1, 2) and out.requires_grad, "requires_grad crosses with the value"
    assert lin.weight.requires_grad


def test_todo_is_recognised_even_when_wrapped(student):
    with pytest.raises(TodoError) as err:
        student.call("ch10.m:todo")
    assert err.value.tag == "ch10.m.todo"
    with pytest.raises(TodoError):
        student.call("ch10.m:wrapped_todo")


def test_missing_module_name_and_signature_errors_are_one_line(student):
    cases = [("ch10.nope:f", (), "the submission has no ch10/nope.py"),
             ("ch10.m:nope", (), "has no `nope`"),
             ("ch10.m:double", (1, 2), "TypeError")]
    for target, args, text in cases:
        with pytest.raises(StudentError) as err:
            student.call(target, *args)
        assert text in err.value.reason and "\n" not in err.value.reason


def test_warnings_are_recorded_and_can_fail(student):
    student.call("ch10.m:warn", np.array([1e4]))
    assert student.last_warnings[0]["category"] == "RuntimeWarning"
    assert "ch10/m.py" in student.last_warnings[0]["where"]
    with pytest.raises(AssertionError, match="RuntimeWarning"):
        student.options(forbid_warnings=True).call("ch10.m:warn", np.array([1e4]))


def test_memory_bomb_gets_memory_error(student):
    with pytest.raises(StudentError) as err:
        student.call("ch10.m:bomb")
    assert err.value.type_name == "MemoryError" and "memory" in err.value.reason


def test_memory_watchdog_where_address_space_cannot_be_limited(submission):
    # On a GPU (device != cpu) RLIMIT_AS would break CUDA; resident memory is watched instead.
    backend = SandboxBackend(submission, device="cuda", mem_bytes=512 << 20)
    try:
        assert backend.mem_bytes is None and backend.rss_limit == 512 << 20
        with pytest.raises(SubmissionCrashed, match=r"more than 0\.5 GiB"):
            Submission(backend, "student", timeout=30).call("ch10.m:hog")
    finally:
        backend.close()


def test_timeout_kills_the_whole_process_group_and_restarts(sandbox, student):
    old = student.call("ch10.m:Counter")
    session = sandbox.proc.pid
    start = time.monotonic()
    with pytest.raises(SubmissionTimeout, match="made no progress for 2 s") as err:
        student.options(timeout=1.5).call("ch10.m:spawn_and_spin")
    assert err.value.kind == "stall"
    assert time.monotonic() - start < 8
    time.sleep(0.2)
    survivors = [pid for pid in _session(session)]
    assert not survivors, "a process of the killed child's session survived"
    assert student.call("ch10.m:double", 2) == 4  # a fresh child
    with pytest.raises(StaleHandle):
        old.add()


def _session(sid: int) -> list[int]:
    """Live (not zombie) processes whose session is `sid`."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                out.append(int(entry))
    return out


def test_crash_is_reported_and_the_next_call_works(student):
    with pytest.raises(SubmissionCrashed, match="exit code 3"):
        student.call("ch10.m:die")
    assert student.call("ch10.m:double", 3) == 6


def test_hiding_the_answer_key_and_the_file_system(sandbox, student, tmp_path):
    with pytest.raises(StudentError, match="not available to submissions"):
        student.call("ch10.m:import_answer_key")
    if not sandbox.confinement.get("landlock"):
        pytest.skip("Landlock is not available on this kernel: file system not confined")
    for secret in (kit_root() / "solutions" / "ch01" / "activations.py",
                   kit_root() / "graders" / "ch01" / "test_activations.py"):
        with pytest.raises(StudentError, match="PermissionError"):
            student.call("ch10.m:read", str(secret))
    with pytest.raises(StudentError, match="PermissionError"):
        student.call("ch10.m:write", str(tmp_path / "outside.txt"))
    assert not (tmp_path / "outside.txt").exists()
    assert student.call("ch10.m:write", "inside-scratch.txt") is True
    assert sandbox.confinement["net"]
    with pytest.raises(StudentError, match="PermissionError"):
        student.call("ch10.m:connect")


def test_budget_stops_a_slow_submission(submission):
    backend = SandboxBackend(submission, device="cpu", budget=1.0)
    try:
        sub = Submission(backend, "student", timeout=10)
        assert sub.call("ch10.m:spin", 0.3) == 0.3
        with pytest.raises(SubmissionTimeout, match="CPU-seconds"):
            sub.call("ch10.m:spin", 5)
        with pytest.raises(BudgetExceeded):
            sub.call("ch10.m:double", 1)
    finally:
        backend.close()


def test_time_limit_counts_cpu_seconds_of_the_block(student):
    with pytest.raises(SubmissionTimeout, match=r"0.5 CPU-seconds \(training\)") as err:
        with student.time_limit(0.5, "training"):
            student.call("ch10.m:spin", 0.3)
            student.call("ch10.m:spin", 0.3)
    assert err.value.kind == "cpu"
    with student.time_limit(0.5, "sleeping costs no CPU"):
        student.call("ch10.m:slow", 1.0)


def test_sleeping_is_caught_as_no_progress_not_as_cpu(student):
    start = time.monotonic()
    with pytest.raises(SubmissionTimeout, match="made no progress") as err:
        student.options(timeout=30).call("ch10.m:slow", 60)
    assert err.value.kind == "stall" and time.monotonic() - start < 8


def test_cpu_time_does_not_depend_on_machine_load(sandbox, student):
    """Two CPU burners on this 2-core machine: the child's wall time grows, its CPU time not."""
    student.ready()
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        before = sandbox.cpu_seconds()
        student.call("ch10.m:spin", 1.0)
        used = sandbox.cpu_seconds() - before
    finally:
        for b in burners:
            b.kill()
            b.wait()
    assert 0.95 <= used <= 1.3, used


def test_inprocess_backend_behaves_the_same(submission, monkeypatch):
    monkeypatch.syspath_prepend(str(submission))
    local = Submission(LocalBackend(submission, importlib.import_module, "student"), "student")
    c = local.call("ch10.m:Counter", 1)
    assert isinstance(c, Remote) and c.add(2).n == 3
    x = np.arange(3.0)
    out = local.call("ch10.m:double", x)
    out[0] = 99
    assert x[0] == 0, "values cross by copy in both modes"
    with pytest.raises(TodoError):
        local.call("ch10.m:todo")
    with pytest.raises(StudentError) as err:
        local.call("ch10.m:double", 1, 2)
    assert isinstance(err.value.__cause__, TypeError), "in-process keeps the real traceback"


def test_child_never_gets_the_reference_alias(sandbox):
    assert os.environ.get("DLDRILL_SANDBOX_CONFIG") is None
    assert sandbox.confinement.get("rlimits", {}).get("RLIMIT_AS") == 3 << 30


def test_the_log_is_read_through_a_descriptor_not_a_path(sandbox, student, tmp_path):
    secret = tmp_path / "grader-file.txt"
    secret.write_text("do not append here")
    assert student.call("ch10.m:plant_log_link", str(secret))
    tail = sandbox.log_tail()
    assert "before" in tail and "after" in tail
    assert secret.read_text() == "do not append here"


def test_a_forged_or_oversized_reply_fails_one_call_with_a_one_line_reason(student):
    with pytest.raises(SubmissionCrashed, match="protocol error") as err:
        student.options(timeout=5).call("ch10.m:forge_reply", 1 << 40)
    assert "\n" not in err.value.reason
    assert student.call("ch10.m:double", 2) == 4  # a fresh child


def test_replies_are_bounded(student):
    from dldrill.sandbox import codec

    limit, codec.MAX_DECODED = codec.MAX_DECODED, 256 << 20
    try:
        with pytest.raises(SubmissionCrashed, match="protocol error"):
            student.call("ch10.m:one_buffer_many_times")
    finally:
        codec.MAX_DECODED = limit
    from dldrill.sandbox import api

    items, api.MAX_ITEMS = api.MAX_ITEMS, 640
    try:
        gen = student.call("ch10.m:endless")
        with pytest.raises(SubmissionCrashed, match="did not end"):
            list(gen)
    finally:
        api.MAX_ITEMS = items


def test_process_state_is_reset_before_each_call(student):
    assert student.call("ch10.m:set_float_errors")
    out = student.call("ch10.m:divide", [1.0], [0.0])  # would raise under np.seterr("raise")
    assert np.isinf(out).all()


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping root applies where the grader runs as root")
def test_the_child_runs_without_root_network_or_unbounded_scratch(submission, tmp_path):
    backend = SandboxBackend(submission, device="cpu", scratch_bytes=8 << 20)
    try:
        student = Submission(backend, "student", timeout=20)
        uid, gid, groups = student.call("ch10.m:whoami")
        assert uid == gid == backend.uid and uid >= 200_000 and groups == []
        assert backend.confinement.get("network") == "none"
        with pytest.raises(StudentError, match=r"OSError|Network is unreachable"):
            student.call("ch10.m:udp", 9)
        site_file = Path(np.__file__)
        mode = site_file.stat().st_mode
        with pytest.raises(StudentError, match="PermissionError"):
            student.call("ch10.m:chmod", str(site_file))
        assert site_file.stat().st_mode == mode
        with pytest.raises(StudentError, match=r"No space left|OSError|File too large"):
            student.call("ch10.m:fill", 16)
        for path in ("/dev/tty", "/proc/1/environ", f"/proc/{os.getpid()}/environ"):
            with pytest.raises(StudentError, match=r"PermissionError|OSError|No such"):
                student.call("ch10.m:read", path)
    finally:
        backend.close()


def test_a_daemon_that_leaves_the_session_is_still_killed(submission):
    """A process started with setsid escapes the child's process group, not its uid."""
    if os.geteuid() != 0:
        pytest.skip("a uid of its own applies where the grader runs as root")
    backend = SandboxBackend(submission, device="cpu")
    try:
        student = Submission(backend, "student", timeout=20)
        student.call("ch10.m:daemon")  # its pid inside the sandbox's PID namespace is no use here
        pid = _find_daemon(backend.uid)
        assert pid and _stat_alive(pid)
    finally:
        backend.close()
    time.sleep(0.3)
    assert not _stat_alive(pid), "the daemon outlived its sandbox"


def _find_daemon(uid: int) -> int | None:
    """The `sleep 300` the sandbox with `uid` started, seen from here (kernel data)."""
    for _ in range(20):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                if (os.stat(entry.path).st_uid == uid
                        and Path(entry.path, "cmdline").read_bytes() == b"sleep\x00300\x00"):
                    return int(entry.name)
            except OSError:
                continue
        time.sleep(0.05)
    return None


def _stat_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_child_dies_with_a_grader_killed_outright(submission, tmp_path):
    """A grading process killed with SIGKILL (a batch's timeout) takes its sandbox child along."""
    script = tmp_path / "grader.py"
    script.write_text(
        "import sys, time\n"
        "from dldrill.sandbox.client import SandboxBackend\n"
        f"b = SandboxBackend({str(submission)!r}, device='cpu')\n"
        "b.start()\n"
        "print(b.proc.pid, flush=True)\n"
        "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(proc.stdout.readline())
    assert _stat_alive(child)
    proc.kill()
    proc.wait()
    for _ in range(50):
        if not _stat_alive(child):
            break
        time.sleep(0.1)
    assert not _stat_alive(child), "the sandbox child outlived its grader"


def test_no_two_live_sandboxes_share_a_uid(tmp_path):
    """A sandbox's uid is claimed with a lock: another sandbox starting with the same seed (the
    same scratch inode modulo the range) gets another uid, and the first one's is free again once
    it is released."""
    from dldrill.sandbox.client import claim_uid

    uid1, fd1 = claim_uid(tmp_path, 12345)
    uid2, fd2 = claim_uid(tmp_path, 12345)
    assert fd1 >= 0 and fd2 >= 0 and uid1 != uid2
    os.close(fd1)
    uid3, fd3 = claim_uid(tmp_path, 12345)
    assert uid3 == uid1
    for fd in (fd2, fd3):
        os.close(fd)


def test_hidden_files_stay_hidden_through_linked_folders(tmp_path):
    """`hide` grants a folder's entries one by one around a hidden file; a link to a folder on the
    way (a venv's lib64 -> lib) must be split the same way, never granted whole."""
    from dldrill.sandbox.confine import hide

    secret = tmp_path / "venv" / "lib" / "site-packages" / "pkg" / "data" / "labels.csv"
    secret.parent.mkdir(parents=True)
    secret.write_text("0,1\n")
    (secret.parent / "other.csv").write_text("x\n")
    (secret.parent.parent / "__init__.py").write_text("")
    (tmp_path / "venv" / "lib64").symlink_to(tmp_path / "venv" / "lib")
    readable, listing = hide([tmp_path / "venv", tmp_path / "venv" / "lib64" / "site-packages"],
                             [secret])
    real = [Path(os.path.realpath(p)) for p in readable]
    assert not any(secret == r or secret.is_relative_to(r) for r in real), readable
    assert secret.parent / "other.csv" in real and secret.parent.parent / "__init__.py" in real
    assert all(Path(os.path.realpath(p)).is_dir() for p in listing)
