"""Watch mode: re-run the current exercise's visible tests each time a file of its chapter is saved.

    dldrill watch [ch04 | ch04.conv2d_naive] [--poll | --enter]

The *current exercise* is the first one not passed yet (in the chapter, or in the whole course);
its visible tests are the selection `dldrill next` prints. When it passes, watch mode says so and
moves on to the next one not passed yet after it (then before it), and runs that one's tests once
to show where it starts.

Speed. A save is seen through file events (`watchfiles`: inotify, FSEvents, ReadDirectoryChangesW)
within ~50 ms. Each run is a fresh pytest process, so the learner's edited modules are imported
anew, but it is *forked* from a warm process (`dldrill.forkserver`) that has already imported
pytest, the kit and the chapter's framework (torch, TensorFlow): a run costs what the selected
tests cost, not a Python start-up plus `import torch`. Where forking is not available, a plain
`python -m pytest` child runs instead.

Where file events do not work (some network or virtual-machine folders), watch mode notices: at
start it writes a probe file and waits for its event; without one it polls the files' times
(`--poll`), and where even that sees nothing it falls back to "press Enter to run the tests"
(`--enter`). DLDRILL_WATCH=poll|enter chooses the same way.

Only the kit's pytest plugins load in watch mode (dldrill's and pytest-timeout, named with `-p`):
discovering every installed plugin costs more than a small test. Progress for long checks:
pytest runs with `-v` and its output is copied as it comes (partial lines too), so each test's
name appears as it starts and its outcome with the percentage done as it ends; whatever the
tests print themselves passes through.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from dldrill import catalog, i18n, progress, reach

Write = Callable[[str], None]
PROBE = "watch-probe.txt"


def _say(out: Write, ko: str, en: str) -> None:
    out(i18n.render(i18n.tr(ko, en)))


class Runner:
    """Runs pytest for a selection and returns its per-test records (the plugin's --results-json).

    Warm when it can be: a fork server that has imported pytest, the kit and `preload` (e.g.
    ["numpy", "torch"]) forks one fresh pytest per run."""

    def __init__(self, kit: Path, preload: list[str], warm: bool = True,
                 raw: Callable[[str], None] | None = None):
        """`raw`: where pytest's output goes as it comes, partial lines included (a terminal:
        a test's name shows as it starts); without it, whole lines go to `run`'s `out`."""
        self.kit = kit
        self.raw = raw
        self.server: Any = None
        if warm and sys.platform != "win32":
            try:
                from dldrill.forkserver import ForkServer

                # Unbuffered output: each test's name shows as it starts, not when the run ends.
                self.server = ForkServer.start(list(preload),
                                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
            except Exception:  # a speed-up only: plain children work everywhere
                self.server = None

    def run(self, args: list[str], out: Write) -> tuple[list[dict], int]:
        """Runs `pytest ARGS -v`, streaming its output line by line to `out`; (records, exit code)."""
        with tempfile.TemporaryDirectory(prefix="dldrill-watch-") as tmp:
            results = Path(tmp) / "results.json"
            # Plugins named, not discovered: scanning every installed package's entry points
            # costs about a second per run on a busy machine (measured in a forked pytest).
            argv = [*args, "-v", "--no-header", "-p", "dldrill.plugin", "-p", "pytest_timeout",
                    "-W", "ignore::pytest.PytestAssertRewriteWarning", "--results-json", str(results)]
            env = {**os.environ, "DLDRILL_ROOT": str(self.kit), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
                   "PYTHONUNBUFFERED": "1"}
            if sys.stdout.isatty():
                argv.append("--color=yes")
            code = self._spawn(argv, env, out)
            try:
                records = json.loads(results.read_text(encoding="utf-8"))["tests"]
            except (OSError, ValueError, KeyError):
                records = []
        return records, code

    def _spawn(self, argv: list[str], env: dict[str, str], out: Write) -> int:
        if self.server is not None:
            try:
                proc = self.server.spawn(argv, cwd=self.kit, env=env, target="pytest:main")
            except Exception:
                self.server = None
            else:
                drain = threading.Thread(target=self._copy, args=(proc.stderr, out), daemon=True)
                drain.start()
                self._copy(proc.stdout, out)
                drain.join(5)
                return proc.wait()
        proc2 = subprocess.Popen([sys.executable, "-m", "pytest", *argv], cwd=self.kit, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
        self._copy(proc2.stdout, out)
        return proc2.wait()

    def _copy(self, stream: IO[bytes] | None, out: Write) -> None:
        if stream is None:
            return
        if self.raw is None:
            _copy(stream, out)
            return
        decode = codecs.getincrementaldecoder("utf-8")("replace").decode
        with stream:
            fd = stream.fileno()
            while chunk := os.read(fd, 4096):
                self.raw(decode(chunk))

    def close(self) -> None:
        if self.server is not None:
            try:
                self.server.close()
            except Exception:
                pass
            self.server = None


def _copy(stream: IO[bytes] | None, out: Write) -> None:
    if stream is None:
        return
    with stream:
        for raw in iter(stream.readline, b""):
            out(raw.decode("utf-8", "replace").rstrip("\n"))


def _wanted(change: Any, path: str) -> bool:
    """A change that should re-run the tests: a .py file of a chapter, not a cache or backup."""
    p = Path(path)
    return p.suffix == ".py" and "__pycache__" not in p.parts and progress.FOLDER not in p.parts


def file_events(folders: list[Path], probe_dir: Path, poll: bool, out: Write,
                probe_wait: float = 2.0) -> Iterator[set[str]] | None:
    """A generator of sets of changed .py paths under `folders`, or None when neither file events
    nor polling see the probe file written into `probe_dir` (then: press Enter)."""
    try:
        import watchfiles
    except ImportError:
        _say(out, "watchfiles 패키지가 없어 Enter 모드로 실행합니다.",
             "the watchfiles package is missing: press-Enter mode.")
        return None
    probe_dir.mkdir(parents=True, exist_ok=True)
    for force in ((True,) if poll else (False, True)):
        try:
            gen = watchfiles.watch(*folders, probe_dir, watch_filter=None, debounce=400, step=30,
                                   rust_timeout=150, yield_on_timeout=True, force_polling=force,
                                   poll_delay_ms=100, raise_interrupt=False)
            next(gen)  # the watcher is set up once the first (empty) batch comes back
            probe = probe_dir / PROBE
            probe.write_text(str(time.time()), encoding="utf-8")
            deadline = time.monotonic() + probe_wait
            seen = False
            while time.monotonic() < deadline and not seen:
                batch = next(gen)
                seen = any(Path(p).name == PROBE for _, p in batch)
            probe.unlink(missing_ok=True)
        except Exception as err:
            _say(out, f"파일 감시를 시작하지 못했습니다 ({err}).", f"could not watch files ({err}).")
            continue
        if seen:
            if force and not poll:
                _say(out, "파일 이벤트가 오지 않아 파일 시각을 주기적으로 확인합니다 (--poll).",
                     "no file events here: polling the files' times instead (--poll).")
            return _changes(gen)
    _say(out, "이 폴더에서는 저장을 감지할 수 없어 Enter 모드로 바꿉니다 (--enter).",
         "saves cannot be detected in this folder: press-Enter mode (--enter).")
    return None


def _changes(gen: Iterator[set[tuple[Any, str]]]) -> Iterator[set[str]]:
    for batch in gen:
        paths = {p for change, p in batch if _wanted(change, p)}
        if paths:
            yield paths


def enter_presses(read: Callable[[], str], out: Write) -> Iterator[set[str]]:
    """Press-Enter mode: one run per Enter; `q` (or the end of input) stops."""
    while True:
        _say(out, "Enter: 테스트 다시 실행 · q: 종료", "Enter: run the tests again · q: quit")
        line = read()
        if not line or line.strip().lower() in ("q", "quit", "exit"):
            return
        yield set()


def current(scope: list[catalog.Exercise], root: Path) -> catalog.Exercise | None:
    """The first exercise of `scope` not passed yet (None: all passed)."""
    done = progress.load(root).passed
    return next((e for e in scope if e.id not in done), None)


def loop(scope: list[catalog.Exercise], kit: Path, root: Path, events: Iterator[set[str]] | None,
         runner: Runner, out: Write, read: Callable[[], str] = sys.stdin.readline,
         max_runs: int | None = None, first: catalog.Exercise | None = None) -> int:
    """Runs the current exercise's tests now and after each change; returns when `max_runs`
    runs are done, the input ends (Enter mode), or every exercise of `scope` passes."""
    from dldrill.commands.next import test_command

    ex = first or current(scope, root)
    runs = 0
    waits = events if events is not None else enter_presses(read, out)
    while ex is not None:
        out("")
        _say(out, f"── {time.strftime('%H:%M:%S')} · {ex.id} · {test_command(ex, root)}",
             f"── {time.strftime('%H:%M:%S')} · {ex.id} · {test_command(ex, root)}")
        started = time.monotonic()
        records, code = runner.run(reach.pytest_args(ex, root), out)
        passed, _ = progress.evaluate(records, root)
        runs += 1
        took = time.monotonic() - started
        if os.environ.get("DLDRILL_WATCH_TIMING"):
            out(f"dldrill-watch-timing results_at={time.time():.4f} run_s={took:.4f}")
        if ex.id in passed:
            at = scope.index(ex) if ex in scope else -1
            following = current([e for e in scope[at + 1:] + scope[:max(at, 0)] if e.id != ex.id], root)
            nxt = following.short if following else "-"
            _say(out, f"✓ {ex.id} 통과 ({took:.1f} s). 다음 연습문제: {nxt}",
                 f"✓ {ex.id} passed ({took:.1f} s). Next exercise: {nxt}")
            ex = following
            if ex is None:
                _say(out, "이 범위의 연습문제를 모두 통과했습니다. 숨은 채점: dldrill report",
                     "every exercise in this scope passes. Hidden graders: dldrill report")
                return 0
            if max_runs is not None and runs >= max_runs:
                return 0
            continue
        counts = {k: sum(r.get("outcome") == k for r in records) for k in ("failed", "todo", "error")}
        if not records and code != 0:  # a syntax error, an import that fails: nothing was collected
            _say(out, f"✗ pytest가 테스트를 모으지 못했습니다 (종료 코드 {code}): 위의 오류를 고치고 "
                      "저장하세요.",
                 f"✗ pytest could not collect the tests (exit code {code}): fix the error above "
                 "and save.")
        else:
            _say(out, f"✗ {ex.id} 아직 통과하지 않음 (실패 {counts['failed'] + counts['error']}, "
                      f"TODO {counts['todo']}, {took:.1f} s) · 힌트: dldrill hint {ex.short}",
                 f"✗ {ex.id} not passing yet ({counts['failed'] + counts['error']} failed, "
                 f"{counts['todo']} TODO, {took:.1f} s) · hint: dldrill hint {ex.short}")
        if max_runs is not None and runs >= max_runs:
            return 0
        if events is not None:
            _say(out, f"{ex.shown()}을(를) 저장하면 다시 실행합니다 (Ctrl+C: 종료).",
                 f"save {ex.shown()} to run again (Ctrl+C: quit).")
        if next(waits, None) is None:
            return 0
    _say(out, "이 범위의 연습문제를 모두 통과했습니다. 숨은 채점: dldrill report",
         "every exercise in this scope passes. Hidden graders: dldrill report")
    return 0
