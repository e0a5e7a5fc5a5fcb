"""The pytest plugin: options, the `student`/`reference` fixtures, TODO outcomes, summaries.

Loaded through the `pytest11` entry point, so it is active for `pytest exercises/ch01`,
`pytest graders --submission PATH` and the kit's own tests. It imports nothing heavy: a NumPy
chapter never loads torch.

Outcomes: an untouched stub (NotImplementedError tagged `TODO(chNN.module.name)`) is its own
outcome, TODO, with no traceback; a failure inside the sandboxed submission or a failed check
prints its bilingual message only; everything else is plain pytest.

Why this file is long: it is pytest's side of the kit, and pytest finds its hooks and fixtures by
name in this module; options, collection, fixtures, outcomes and summaries all share one
session's `DrillState` and stash keys.
"""

from __future__ import annotations

import json
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest

from dldrill import devices, i18n
from dldrill.errors import GradingFailure, SubmissionError, SubmissionTimeout, is_todo, todo_tag
from dldrill.i18n import clean_text
from dldrill.paths import resolve_submission, solutions_root
from dldrill.records import TestRecord

# Wall clock (pytest-timeout), generous so that a busy machine never fails correct code; an
# infinite loop still ends with a clear message.
VISIBLE_TEST_TIMEOUT = 30.0
_KEY = pytest.StashKey["DrillState"]()


class DrillState:
    """What one pytest session knows: options, backends, per-test records."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.inprocess: bool = config.getoption("dldrill_inprocess")
        self.submission: Path | None = None
        self.submission_error: str | None = None
        try:
            self.submission = resolve_submission(config.getoption("dldrill_submission"),
                                                 allow_answer_key=True)
        except (FileNotFoundError, ValueError) as err:
            self.submission_error = str(err)
        self.call_timeout: float = config.getoption("dldrill_call_timeout")
        # Once a call for a module's test has timed out, that module's later tests get
        # --repeat-timeout per call: one infinite loop costs one full --call-timeout, not one per
        # test that reaches it.
        self.repeat_timeout: float = min(self.call_timeout,
                                         config.getoption("dldrill_repeat_timeout"))
        self.budget: float | None = config.getoption("dldrill_budget")
        self.mem_bytes = int(config.getoption("dldrill_mem_gib") * (1 << 30))
        self.landlock: bool = not config.getoption("dldrill_no_landlock")
        self.threads: int = config.getoption("dldrill_threads")
        self.stall: float = config.getoption("dldrill_stall")
        # One child per framework: ch01 never loads torch, torch chapters never TensorFlow.
        self.backends: dict[str, Any] = {}
        self.reference_backend: Any = None
        self.records: dict[str, dict] = {}
        self.order: list[str] = []
        self.started = time.monotonic()
        self.timed_out: set[tuple[str | None, str | None]] = set()  # (chapter, module)

    def device_for_child(self) -> str:
        choice = devices.requested_device()
        if choice != "auto":
            return choice
        if "torch" in sys.modules:
            return devices.resolved_name()
        return "cuda" if any(Path("/dev").glob("nvidia[0-9]*")) else "cpu"

    def student(self, framework: str = "numpy") -> Any:
        """The backend that runs the submission's code for `framework` (started on first use)."""
        if self.submission is None:
            raise pytest.UsageError(self.submission_error or "no submission")
        key = "local" if self.inprocess else framework
        backend = self.backends.get(key)
        if backend is None:
            if self.inprocess:
                import importlib

                from dldrill.sandbox.client import LocalBackend

                _fix_threads(self.threads)
                backend = LocalBackend(self.submission, importlib.import_module, "student")
            else:
                from dldrill.curriculum import PRELOAD
                from dldrill.sandbox.client import SandboxBackend

                backend = SandboxBackend(
                    self.submission, device=self.device_for_child(), mem_bytes=self.mem_bytes,
                    budget=self.budget, preload=PRELOAD[framework], landlock=self.landlock,
                    threads=self.threads, stall=self.stall)
            self.backends[key] = backend
        return backend

    @property
    def confinement(self) -> dict:
        """What the sandbox children reported about their confinement (the first one's)."""
        for backend in self.backends.values():
            if getattr(backend, "confinement", None):
                return dict(backend.confinement)
        return {}

    # -- hooks: this object is registered as a plugin for the session -----------------------------
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        for item in session.items:
            meta = item.stash.get(_KEY_META, {})
            self.records[item.nodeid] = TestRecord(
                nodeid=item.nodeid, chapter=meta.get("chapter"), module=meta.get("module"),
                kind=meta.get("kind"), item=meta.get("item"), points=meta.get("points", 0.0),
            ).as_dict()
            self.order.append(item.nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.records.get(report.nodeid)
        if record is None:
            return
        record["duration_s"] = round(record["duration_s"] + report.duration, 4)
        outcome = getattr(report, "dldrill_outcome", report.outcome)
        if report.when == "call" or (report.when == "setup" and outcome != "passed"):
            record["outcome"] = outcome
            record["reason"] = getattr(report, "dldrill_reason", "")
            record.update(getattr(report, "dldrill_detail", {}))
        elif report.when == "teardown" and report.failed and record["outcome"] == "passed":
            record["outcome"], record["reason"] = "failed", "teardown failed"

    def reference(self) -> Any:
        if self.reference_backend is None:
            from dldrill.sandbox.api import reference_importer
            from dldrill.sandbox.client import LocalBackend

            root = solutions_root()
            self.reference_backend = LocalBackend(root, reference_importer(root), "reference")
        return self.reference_backend


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dldrill", "dldrill: exercises and graders")
    group.addoption("--submission", dest="dldrill_submission", default=None, metavar="PATH",
                    help="folder laid out like exercises/ (chNN/...), or a repository root that "
                         "contains exercises/; default: the kit's exercises/")
    group.addoption("--device", dest="dldrill_device", default=None,
                    choices=devices.CHOICES, help="cpu | cuda | auto (default auto)")
    group.addoption("--lang", dest="dldrill_lang", default=None, choices=i18n.LANGS,
                    help="language of messages: ko (default) or en")
    group.addoption("--inprocess", dest="dldrill_inprocess", action="store_true",
                    help="run the submission in this process (fast, for debugging; no sandbox)")
    group.addoption("--results-json", dest="dldrill_results", default=None, metavar="PATH",
                    help="write one record per test (outcome, item, points, reason) as JSON")
    group.addoption("--call-timeout", dest="dldrill_call_timeout", type=float, default=60.0,
                    help="CPU-seconds one call into the submission may use (default 60)")
    group.addoption("--repeat-timeout", dest="dldrill_repeat_timeout", type=float, default=5.0,
                    help="CPU-seconds per call for a module's tests after one of its calls "
                         "timed out (default 5)")
    group.addoption("--stall-timeout", dest="dldrill_stall", type=float, default=60.0,
                    help="wall seconds a call may go without progress (sleeping, blocked) "
                         "before it counts as hung (default 60)")
    group.addoption("--submission-budget", dest="dldrill_budget", type=float, default=900.0,
                    help="CPU-seconds all calls into the submission may use together "
                         "(default 900)")
    group.addoption("--threads", dest="dldrill_threads", type=int, default=1,
                    help="compute threads of the submission's process (default 1: grades and "
                         "budgets do not depend on the machine)")
    group.addoption("--mem-limit", dest="dldrill_mem_gib", type=float, default=6.0,
                    help="GiB of address space for the sandboxed submission (CPU; default 6)")
    group.addoption("--no-landlock", dest="dldrill_no_landlock", action="store_true",
                    help="do not confine the sandbox's file system and network with Landlock")


def quiet_frameworks() -> None:
    """TensorFlow's start-up noise off (only these two together silence it), and Keras and
    matplotlib configs in a folder the kit controls, never the learner's home."""
    import os

    from dldrill.paths import scratch_root

    config_home = scratch_root() / "dldrill-config"
    for key, value in (("TF_CPP_MIN_LOG_LEVEL", "3"), ("TF_ENABLE_ONEDNN_OPTS", "0"),
                       ("KERAS_HOME", str(config_home / "keras")),
                       ("MPLCONFIGDIR", str(config_home / "matplotlib")), ("MPLBACKEND", "Agg"),
                       ("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1")):
        os.environ.setdefault(key, value)


def pytest_configure(config: pytest.Config) -> None:
    from dldrill.chapters import missing_chapter_path

    quiet_frameworks()
    if (problem := missing_chapter_path([str(a) for a in config.args])) is not None:
        raise pytest.UsageError(problem)  # `pytest exercises/ch11`: say what the chapters are
    config.addinivalue_line("markers", "grader(item, points, module): a graded test")
    config.addinivalue_line("markers", "needs(resource, command): needs data, hardware or a "
                            "package: resource='data:mnist' | 'cuda' | 'pkg:kiwipiepy'")
    if config.getoption("dldrill_lang"):
        i18n.set_lang(config.getoption("dldrill_lang"))
    if config.getoption("dldrill_device"):
        devices.set_requested_device(config.getoption("dldrill_device"))
    state = DrillState(config)
    config.stash[_KEY] = state
    config.pluginmanager.register(state, "dldrill-state")
    grading = _frameworks_of_args([str(a) for a in config.args])
    if state.submission is not None and (state.inprocess or not grading):
        # Visible tests (and --inprocess, which has no isolation by design) import the learner's
        # `chNN` packages from here. A sandboxed grading session never does: nothing the
        # submission ships is ever imported by the trusted process.
        sys.path.insert(0, str(state.submission))
    if not state.inprocess and state.submission is not None:
        # Start the children the graders will need now, so that their imports overlap with
        # collection; now, before anything of graders, solutions or the submission is imported
        # here, a child may be a fork of this process (`SandboxBackend._may_fork`).
        from dldrill.sandbox.client import fork_window

        with fork_window():
            for framework in grading:
                state.student(framework).start(wait=False)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_KEY, None)
    if state is not None:
        for backend in state.backends.values():
            backend.close()


def _place(item: pytest.Item) -> tuple[str | None, str | None, str]:
    """(chapter, module, kind) of a test from its path: kind is grader, visible or other."""
    from dldrill.curriculum import CHAPTERS

    parts = Path(str(item.path)).parts
    for i, part in enumerate(parts):
        if part in CHAPTERS and i > 0:
            kind = "grader" if parts[i - 1] == "graders" else "visible"
            module = Path(parts[-1]).stem.removeprefix("test_")
            return part, module, kind
    return None, None, "other"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    from dldrill.curriculum import ITEMS, items_for_module

    problems = []
    for item in items:
        chapter, module, kind = _place(item)
        meta: dict[str, Any] = {"chapter": chapter, "module": module, "kind": kind,
                                "item": None, "points": 0.0}
        if kind == "grader":
            mark = item.get_closest_marker("grader")
            if mark is None:
                problems.append(f"{item.nodeid}: grader test without @grader(item, points)")
            else:
                meta["module"] = mark.kwargs.get("module") or module
                meta["item"] = mark.kwargs.get("item")
                meta["points"] = float(mark.kwargs.get("points", 1))
                meta["framework"] = mark.kwargs.get("framework")
                allowed = items_for_module(chapter or "", meta["module"])
                if meta["item"] == "auto":
                    if len(allowed) > 1:
                        problems.append(f"{item.nodeid}: several checklist items map to "
                                        f"{chapter}.{meta['module']} ({allowed}); name one")
                    meta["item"] = allowed[0] if len(allowed) == 1 else None
                if meta["item"] is not None and (meta["item"] not in ITEMS
                                                 or meta["item"] not in allowed):
                    problems.append(f"{item.nodeid}: item {meta['item']!r} is not one of "
                                    f"{allowed} for {chapter}.{meta['module']}")
                if meta["points"] <= 0:
                    problems.append(f"{item.nodeid}: points must be positive")
        elif kind == "visible" and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(VISIBLE_TEST_TIMEOUT))
        item.stash[_KEY_META] = meta
        need = item.get_closest_marker("needs")
        if need is not None:
            reason = _missing(need.kwargs.get("resource", ""))
            if reason:
                command = need.kwargs.get("command", "")
                item.add_marker(pytest.mark.skip(
                    reason=f"not verifiable here: {reason}" + (f" (run: {command})"
                                                               if command else "")))
    if problems:
        raise pytest.UsageError("dldrill: badly declared graders:\n  " + "\n  ".join(problems))


_KEY_META = pytest.StashKey[dict]()


def _missing(resource: str) -> str:
    if resource == "cuda":
        return "" if devices.resolved_name() == "cuda" else "no CUDA GPU (use --device cuda on one)"
    if resource.startswith("pkg:"):  # an optional package, e.g. needs(resource="pkg:kiwipiepy")
        import importlib.util

        name = resource.removeprefix("pkg:")
        return "" if importlib.util.find_spec(name) is not None else f"{name} is not installed"
    if resource.startswith("data:"):
        from dldrill.data import is_cached

        name = resource.removeprefix("data:")
        return "" if is_cached(name) else f"the {name} data set is not cached"
    return ""


def _frameworks_of_args(args: list[str]) -> list[str]:
    """The chapters' frameworks for command-line paths under graders/ (all for `graders`)."""
    from dldrill.curriculum import CHAPTERS

    found: list[str] = []
    for arg in args:
        parts = Path(arg.split("::")[0]).parts
        if "graders" not in parts:
            continue
        named = [p for p in parts[parts.index("graders") + 1:] if p in CHAPTERS]
        for chapter in named or [c for c in CHAPTERS if (Path(arg) / c).is_dir()]:
            framework = CHAPTERS[chapter].framework
            if framework not in found:
                found.append(framework)
    return found


_EXTRA = {"tensorflow": "tf", "transformers": "hf"}


def _framework_missing(framework: str) -> str:
    """'not verifiable here: ...' when the framework a test needs is not installed, else ''."""
    import importlib.util

    if framework not in _EXTRA or importlib.util.find_spec(framework) is not None:
        return ""
    extra = _EXTRA[framework]
    return (f"not verifiable here: {framework} is not installed "
            f"(run: pip install -c constraints.txt -e '.[{extra}]')")


def _fix_threads(threads: int) -> None:
    """--inprocess: the same compute threads as a sandbox child would have."""
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture
def student(request: pytest.FixtureRequest) -> Any:
    """The learner's submission (sandboxed child process, or this process with --inprocess)."""
    from dldrill.curriculum import CHAPTERS
    from dldrill.sandbox.api import Submission

    state: DrillState = request.config.stash[_KEY]
    meta = request.node.stash.get(_KEY_META, {})
    chapter = CHAPTERS.get(meta.get("chapter") or "")
    framework = meta.get("framework") or (chapter.framework_for(meta.get("module"))
                                          if chapter else "torch")
    missing = _framework_missing(framework)
    if missing:
        pytest.skip(missing)
    backend = state.student(framework)
    timeout = state.call_timeout
    if (meta.get("chapter"), meta.get("module")) in state.timed_out:
        timeout = state.repeat_timeout
    cpu_before = backend.cpu_seconds()
    yield Submission(backend, "student", timeout=timeout)
    record = state.records.get(request.node.nodeid)
    if record is not None:  # CPU-seconds the submission used for this test (a measurement)
        record["cpu_s"] = round(float(record.get("cpu_s") or 0.0)
                                + backend.cpu_seconds() - cpu_before, 3)


@pytest.fixture
def reference(request: pytest.FixtureRequest) -> Any:
    """The answer key (solutions/), run in this trusted process."""
    from dldrill.sandbox.api import Submission

    state: DrillState = request.config.stash[_KEY]
    return Submission(state.reference(), "reference", timeout=state.call_timeout)


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> Any:
    """A NumPy Generator seeded from the test's id: the same inputs on every run."""
    import numpy as np

    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def device() -> str:
    """'cpu' or 'cuda': the kit's device choice (--device)."""
    return devices.resolved_name()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Any:
    """Exported artifacts (TorchScript, ONNX, TFLite, .keras, saved weights) loaded and run in a
    fresh confined process that holds no submission code, with the child's settings
    (`dldrill.sandbox.artifacts`); with --inprocess, in this process by the same code path."""
    from dldrill.sandbox.artifacts import ArtifactRunner

    state: DrillState = request.config.stash[_KEY]
    runner = ArtifactRunner(submission=state.submission, inprocess=state.inprocess,
                            device=state.device_for_child(), mem_bytes=state.mem_bytes,
                            threads=state.threads, landlock=state.landlock, stall=state.stall,
                            timeout=state.call_timeout)
    yield runner
    runner.close()
    record = state.records.get(request.node.nodeid)
    if record is not None:  # the artifact processes' CPU-seconds count as the submission's
        record["cpu_s"] = round(float(record.get("cpu_s") or 0.0) + runner.cpu_s, 3)


# -- outcomes ----------------------------------------------------------------------------------
def _one_line(text: str) -> str:
    line = next((ln.strip() for ln in text.strip().splitlines() if ln.strip()), "")
    return clean_text(line)[:300]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    meta = item.stash.get(_KEY_META, {})
    report.dldrill_outcome = report.outcome
    report.dldrill_reason = ""
    if call.excinfo is not None and report.when in ("setup", "call") and report.failed:
        exc = call.excinfo.value
        if is_todo(exc):
            tag = getattr(exc, "tag", None) or todo_tag(str(exc)) or ""
            report.dldrill_outcome = "todo"
            report.dldrill_reason = f"TODO({tag})" if tag else "TODO"
            report.longrepr = todo_message(tag).render()
        elif isinstance(exc, (SubmissionError, GradingFailure)):
            report.dldrill_reason = _one_line(getattr(exc, "reason", "") or str(exc))
            report.dldrill_detail = _detail(exc)
            if meta.get("kind") == "grader":
                report.longrepr = clean_text(str(exc)) + _mistake(item, report.dldrill_detail)
                if isinstance(exc, SubmissionTimeout):
                    _note_timeout(item, meta, report, exc)
            elif isinstance(exc, GradingFailure):  # a visible test: its own line, then the message
                report.longrepr = (_where(item, call) + clean_text(str(exc))
                                   + _mistake(item, report.dldrill_detail))
        elif call.excinfo.typename == "Failed" and "Timeout" in str(exc):
            mark = item.get_closest_marker("timeout")
            limit = f"{float(mark.args[0]):g}" if mark and mark.args else "?"
            report.dldrill_reason = i18n.tr(
                f"{limit}초 안에 끝나지 않았습니다 — 무한 루프가 없는지 확인하세요",
                f"did not finish within {limit} s — look for an infinite loop").render()
            report.longrepr = f"{report.dldrill_reason}\n{report.longrepr}"
        else:
            report.dldrill_reason = _one_line(f"{call.excinfo.typename}: {exc}")
    elif report.skipped and isinstance(report.longrepr, tuple):
        report.dldrill_reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    return report


def _where(item: pytest.Item, call: pytest.CallInfo) -> str:
    """`exercises/ch04/test_conv.py:38: in test_x` and that line: the test's own line that failed."""
    assert call.excinfo is not None
    mine = [e for e in call.excinfo.traceback if Path(str(e.path)) == item.path]
    if not mine:
        return ""
    entry = mine[-1]
    line = str(entry.statement).strip().splitlines()
    code = f"\n    {line[0]}{' ...' if len(line) > 1 else ''}" if line else ""
    return f"{item.nodeid.split('::')[0]}:{entry.lineno + 1}: in {entry.name}{code}\n"


def _mistake(item: pytest.Item, detail: dict) -> str:
    """Names the catalogued mistake whose result the failed check got (the digest was computed
    here, in the grading process, from the decoded value); sets the record's `mistake`."""
    from dldrill.grading.fingerprints import key_of, mistake_text

    try:
        key = key_of(item.path, item.nodeid)
        text = mistake_text(key, detail.get("got_digest", "")) if key else ""
    except Exception:  # a damaged table never costs a grade
        return ""
    if not text:
        return ""
    detail["mistake"] = clean_text(text)[:500]
    return "\n  " + i18n.tr("알려진 실수와 같은 결과입니다: ",
                            "this is what a catalogued mistake returns: ").render() + detail["mistake"]


def todo_message(tag: str) -> i18n.Text:
    """`not implemented yet: write softmax in ch01/activations.py (TODO(ch01.activations.softmax))`."""
    parts = tag.split(".")
    if len(parts) >= 3:
        where, name = "/".join(parts[:2]) + ".py", ".".join(parts[2:])
        return i18n.tr(f"아직 구현하지 않았습니다: {where}의 {name}을(를) 작성하세요 (TODO({tag}))",
                       f"not implemented yet: write {name} in {where} (TODO({tag}))")
    return i18n.tr(f"아직 구현하지 않았습니다: TODO({tag})", f"not implemented yet: TODO({tag})")


def todo_lines(records: list[dict], limit: int = 8) -> list[str]:
    """One line per untouched stub the records reached: which function to write, and where."""
    tags: list[str] = []
    for r in records:
        tag = todo_tag(r.get("reason") or "") if r.get("outcome") == "todo" else None
        if tag and tag not in tags:
            tags.append(tag)
    lines = [todo_message(tag).render() for tag in tags[:limit]]
    if len(tags) > limit:
        lines.append(i18n.tr(f"… 그 밖에 {len(tags) - limit}개", f"… and {len(tags) - limit} more").render())
    return lines


def _detail(exc: BaseException) -> dict:
    """what / expected / got / hint of a failed check, as plain one-paragraph text."""
    if isinstance(exc, GradingFailure):
        parts = {"what": exc.what, "expected": exc.expected, "got": exc.got, "hint": exc.hint,
                 "got_digest": getattr(exc, "got_digest", "")}
    else:
        parts = {"got": getattr(exc, "reason", "") or str(exc),
                 "details": str(getattr(exc, "details", ""))[-1500:]}
    return {k: clean_text(str(v))[:2000] for k, v in parts.items()}


def _note_timeout(item: pytest.Item, meta: dict, report: pytest.TestReport,
                  exc: SubmissionTimeout) -> None:
    """Remembers that this module's code timed out; says so when the limit was already short."""
    state: DrillState = item.config.stash[_KEY]
    key = (meta.get("chapter"), meta.get("module"))
    if key in state.timed_out and exc.seconds == state.repeat_timeout < state.call_timeout:
        note = i18n.tr(" (이 모듈에서 이미 시간 초과가 있어 호출당 제한을 줄였습니다)",
                       " (limit shortened: an earlier call in this module timed out)").render()
        report.dldrill_reason += note
        report.longrepr = f"{report.longrepr}{note}"
    state.timed_out.add(key)


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    if getattr(report, "dldrill_outcome", None) == "todo":
        return "todo", "T", ("TODO", {"yellow": True})
    return None


def results(config: pytest.Config) -> list[dict]:
    """The per-test records of this session (used by `dldrill report` and --results-json)."""
    state: DrillState = config.stash[_KEY]
    out = []
    for nodeid in state.order:
        record = dict(state.records[nodeid])
        record["outcome"] = record["outcome"] or "not run"
        record["earned"] = record["points"] if record["outcome"] == "passed" else 0.0
        out.append(record)
    return out


def _counts_line(counts: dict[str, int]) -> str:
    """`통과 3, TODO 2, 실패 1` / `3 passed, 2 TODO, 1 failed` (zero counts after the first left out)."""
    words = {"passed": ("통과 {}", "{} passed"), "todo": ("TODO {}", "{} TODO"),
             "failed": ("실패 {}", "{} failed"),
             "skipped": ("여기서 확인 불가 {}", "{} not verifiable here")}
    return ", ".join(i18n.tr(ko.format(counts[k]), en.format(counts[k])).render()
                     for k, (ko, en) in words.items() if counts[k] or k == "passed")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state: DrillState = config.stash[_KEY]
    records = results(config)
    if state.submission_error:
        terminalreporter.write_line(f"dldrill: {state.submission_error}", red=True)
    by_chapter: dict[str, list[dict]] = {}
    for r in records:
        if r["chapter"]:
            by_chapter.setdefault(r["chapter"], []).append(r)
    if by_chapter:
        terminalreporter.section("dldrill", sep="-")
    for chapter in sorted(by_chapter):
        rs = by_chapter[chapter]
        counts = {k: sum(r["outcome"] == k for r in rs)
                  for k in ("passed", "todo", "failed", "skipped")}
        line = f"{chapter}: " + _counts_line(counts)
        graded = [r for r in rs if r["kind"] == "grader"]
        if graded:
            got = sum(r["earned"] for r in graded)
            total = sum(r["points"] for r in graded)
            line += " — " + i18n.tr(f"{got:g}/{total:g}점", f"{got:g}/{total:g} points").render()
        terminalreporter.write_line(line, green=counts["passed"] == len(rs),
                                    yellow=bool(counts["todo"]) and not counts["failed"],
                                    red=bool(counts["failed"]))
        for text in todo_lines(rs):
            terminalreporter.write_line("  " + text, yellow=True)
    from dldrill.progress import record_session  # learner's progress file; never raises

    record_session(terminalreporter, records, state.submission)
    path = config.getoption("dldrill_results")
    if path:
        payload = {
            "submission": str(state.submission) if state.submission else None,
            "mode": "inprocess" if state.inprocess else "sandbox",
            "device": devices.requested_device(),
            "confinement": state.confinement,
            "duration_s": round(time.monotonic() - state.started, 3),
            "tests": records,
        }
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
