"""The learner's progress: a small plain-text file in the workspace, safe to commit and to merge.

    exercises/.dldrill/progress.txt

    # dldrill progress: one line per exercise, sorted (safe to commit; merges line by line)
    ch04.conv.conv2d_naive passed=2026-12-05T23:59:01Z via=tests hints=2
    ch04.conv.max_pool2d_naive hints=1

Each line is an exercise id (`dldrill.catalog.Exercise.id`) and `key=value` fields:
`passed` (UTC time of the latest run that found it passing), `via` (`tests`: the visible tests;
`report`: the hidden graders) and `hints` (the highest hint level shown). A line with neither
field is dropped. Lines are sorted, and `.dldrill/.gitattributes` merges the file with git's
union driver, so two branches never conflict on it; an exercise listed twice after a merge keeps
its later pass and its higher hint level. Unknown fields are kept (a newer dldrill may add some).

Light on purpose (no torch, numpy or pytest): `dldrill hint`, `next` and `status` read it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

FOLDER = ".dldrill"
FILE = "progress.txt"
HEADER = "# dldrill progress: one line per exercise, sorted (safe to commit; merges line by line)\n"


def state_path(root: Path) -> Path:
    """The state file of the workspace `root` (the exercises/ folder)."""
    return Path(root) / FOLDER / FILE


def now() -> str:
    """The current UTC time as ISO 8601 to the second (`2026-12-05T23:59:01Z`)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class Progress:
    """What the state file holds: `passed` (exercise id -> ISO time), `hints` (exercise id ->
    highest level shown), `via` (exercise id -> tests | report) and any other fields kept."""

    passed: dict[str, str] = field(default_factory=dict)
    hints: dict[str, int] = field(default_factory=dict)
    via: dict[str, str] = field(default_factory=dict)
    extra: dict[str, dict[str, str]] = field(default_factory=dict)

    def text(self) -> str:
        """The file's text: the header, then one sorted line per exercise."""
        ids = sorted(set(self.passed) | set(self.hints) | set(self.extra))
        rows = []
        for ex in ids:
            fields = []
            if ex in self.passed:
                fields.append(f"passed={self.passed[ex]}")
                if self.via.get(ex):
                    fields.append(f"via={self.via[ex]}")
            if self.hints.get(ex):
                fields.append(f"hints={self.hints[ex]}")
            fields += [f"{k}={v}" for k, v in sorted(self.extra.get(ex, {}).items())]
            if fields:
                rows.append(" ".join([ex, *fields]))
        return HEADER + "".join(r + "\n" for r in rows)


def parse(text: str) -> Progress:
    """A Progress from the file's text; malformed lines and fields are ignored, never fatal."""
    p = Progress()
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#") or parts[0].startswith(("<<<", "===", ">>>")):
            continue
        ex = parts[0]
        for part in parts[1:]:
            key, eq, value = part.partition("=")
            if not eq:
                continue
            if key == "passed":
                p.passed[ex] = max(value, p.passed.get(ex, ""))
            elif key == "via":
                p.via[ex] = value
            elif key == "hints":
                try:
                    p.hints[ex] = max(int(value), p.hints.get(ex, 0))
                except ValueError:
                    continue
            else:
                p.extra.setdefault(ex, {})[key] = value
    return p


def load(root: Path) -> Progress:
    """The progress recorded in the workspace `root` (empty when there is no file yet)."""
    try:
        return parse(state_path(root).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return Progress()


ATTRIBUTES = "# git: merge the progress file by keeping both sides' lines (dldrill reads the union)\n" \
             f"{FILE} merge=union\n"
IGNORED = ".lock\n"


def _folder(root: Path) -> Path:
    """exercises/.dldrill/, made with its `.gitattributes` (union merge of the progress file) and
    `.gitignore` (the lock file) the first time."""
    folder = state_path(root).parent
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ((".gitattributes", ATTRIBUTES), (".gitignore", IGNORED)):
        if not (folder / name).exists():
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def save(root: Path, progress: Progress) -> Path:
    """Writes the state file atomically (a reader never sees half a file); returns its path.
    Beside it, a `.gitattributes` (written once) asks git to merge it with the union driver:
    two branches never conflict on it, and `parse` keeps the later time and higher hint level
    of an exercise listed twice."""
    path = state_path(root)
    _folder(root)
    fd, tmp = tempfile.mkstemp(prefix=".progress.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(progress.text())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; this is a file to commit like any other
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Holds `.dldrill/.lock` (an advisory lock, where the platform has one) for a
    read-modify-write: watch mode's test run and a `dldrill hint` never lose each other's line."""
    folder = _folder(root)
    try:
        import fcntl
    except ImportError:  # Windows: the writes stay atomic, only a race can lose one update
        yield
        return
    with open(folder / ".lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def record_pass(root: Path, passed: list[str] | tuple[str, ...] | set[str],
                failed: list[str] | tuple[str, ...] | set[str] = (), via: str = "tests",
                when: str | None = None) -> Progress:
    """Records the exercises in `passed` as passing now, and drops the pass of those in `failed`
    (the state says what the latest run found). Returns the new progress."""
    with _locked(root):
        p = load(root)
        stamp = when or now()
        for ex in passed:
            p.passed[ex] = stamp
            p.via[ex] = via
        for ex in failed:
            p.passed.pop(ex, None)
            p.via.pop(ex, None)
        save(root, p)
    return p


def record_hint(root: Path, exercise: str, level: int) -> Progress:
    """Records that hint `level` of `exercise` was shown (the highest level is kept)."""
    with _locked(root):
        p = load(root)
        p.hints[exercise] = max(int(level), p.hints.get(exercise, 0))
        save(root, p)
    return p


def forget_pass(root: Path, exercise: str) -> Progress:
    """Drops the recorded pass of `exercise` (after `dldrill reset`); hint use stays."""
    return record_pass(root, (), failed=(exercise,))


def evaluate(records: list[dict], root: Path, tests: Path | None = None) -> tuple[list[str], list[str]]:
    """(passed, dropped): the exercises a run shows as passing, and those whose recorded pass it
    takes back, in the workspace `root` (the exercises/ folder).

    `records`: the plugin's per-test records (`nodeid`, `module`, `outcome`: passed, failed,
    todo, skipped, error; `reason`: `TODO(chNN.module.function)` for a test that reached a
    stub). `tests`: the folder holding the tests' files by chapter (default `root`: the visible
    tests; `graders/` for a report).

    The rule (stated in the README): a test *reaches* an exercise when its code (or a helper of
    its test file that it calls) names the exercise's function, or its class for a method (a
    string such as "ch06.attention:scaled_dot_product_attention" names it too); of a parametrized
    test, a case whose id names one of the module's functions (`[relu_grad]`) reaches that one
    only. An exercise of a
    module whose tests ran counts as **passed** when its `raise NotImplementedError("TODO(...)")`
    line is gone from the learner's file, no test of the run ended at its TODO, and every test
    that reaches it ran and passed (for an exercise that no test names: every test of its
    module's files in the run). A skipped test (not verifiable here) counts neither way. Its
    pass is **dropped** when a test that reaches it failed or reached its TODO, or its TODO line
    is back. Anything else is left as recorded.
    """
    root = Path(root)
    tests = Path(tests) if tests is not None else root
    # (chapter, module) -> (file, test) -> case id ("" unless parametrized) -> outcome
    groups: dict[tuple[str, str], dict[tuple[str, str], dict[str, str]]] = {}
    todo_hit: set[str] = set()
    for r in records:
        node = str(r.get("nodeid", ""))
        path = node.split("::", 1)[0].replace("\\", "/").split("/")
        if len(path) < 2 or not path[-1].startswith("test_") or not path[-1].endswith(".py"):
            continue
        chapter, file = path[-2], path[-1]
        module = str(r.get("module") or file[len("test_"):-len(".py")])
        test, _, case = node.split("::")[-1].partition("[")
        outcome = str(r.get("outcome") or "")
        groups.setdefault((chapter, module), {}).setdefault((file, test), {})[case.rstrip("]")] = outcome
        reason = str(r.get("reason") or "")
        if outcome == "todo" and reason.startswith("TODO(") and reason.endswith(")"):
            todo_hit.add(reason[5:-1])
    if not groups:
        return [], []
    from dldrill import catalog, reach

    before = load(root)
    passed: list[str] = []
    failed: list[str] = []
    names: dict[tuple[str, str], dict[str, set[str]]] = {}
    texts: dict[Path, str] = {}
    exercises = catalog.load(root.parent)
    for ex in exercises:
        runs = groups.get((ex.chapter, ex.module))
        if not runs:
            continue
        wanted = ex.function.split(".")[0]
        # A parametrized case whose id names one of the module's functions (`[relu_grad]`)
        # reaches that function only.
        own = {e.function.split(".")[0] for e in exercises
               if (e.chapter, e.module) == (ex.chapter, ex.module)}
        every: set[tuple[str, str]] = set()
        reaching: set[tuple[str, str]] = set()
        for file in sorted({f for f, _ in runs}):
            if (ex.chapter, file) not in names:
                names[(ex.chapter, file)] = reach.names_used_by_tests(tests / ex.chapter / file)
            for test, used in names[(ex.chapter, file)].items():
                every.add((file, test))
                if wanted in used:
                    reaching.add((file, test))
        reaching |= {k for k, cases in runs.items() if any(wanted in c.split("-") for c in cases)}
        reaching = reaching or every or set(runs)
        learner = root / ex.chapter / ex.path.name
        if learner not in texts:
            try:
                texts[learner] = learner.read_text(encoding="utf-8")
            except OSError:
                texts[learner] = ""
        stub_left = f"TODO({ex.id})" in texts[learner]
        outcomes = []
        for key in reaching & set(runs):
            for case, outcome in runs[key].items():
                ids = set(case.split("-")) & own
                if outcome != "skipped" and (not ids or wanted in ids):
                    outcomes.append(outcome)
        bad = any(o != "passed" for o in outcomes)
        if stub_left or ex.id in todo_hit or bad:
            if ex.id in before.passed:
                failed.append(ex.id)
            continue
        if outcomes and reaching <= set(runs):
            passed.append(ex.id)
    return passed, failed


def record_from_results(records: list[dict], root: Path | None = None) -> Progress | None:
    """Records what a run of visible tests showed (see `evaluate` for the rule) in the workspace
    `root` (default: exercises/). Returns None, and writes nothing, when nothing changed."""
    if root is None:
        from dldrill.paths import exercises_root

        root = exercises_root()
    passed, failed = evaluate(records, Path(root))
    if not passed and not failed:
        return None
    return record_pass(root, passed, failed, via="tests")


def record_session(reporter: object, records: list[dict], submission: Path | None) -> None:
    """Called by the pytest plugin at the end of a run: records the visible tests' results when
    they ran against the learner's own exercises/ (never the answer key, a sample or a grading
    run), and says so in one line. Never raises: a progress file must not break a test run.
    DLDRILL_NO_PROGRESS=1 turns it off."""
    try:
        if os.environ.get("DLDRILL_NO_PROGRESS") or submission is None:
            return
        from dldrill.paths import exercises_root

        root = exercises_root()
        if Path(submission).resolve() != root.resolve():
            return
        visible = [r for r in records if r.get("kind") == "visible"]
        if not visible:
            return
        passed, dropped = evaluate(visible, root)
        if not passed and not dropped:
            return
        before = load(root)
        record_pass(root, passed, dropped, via="tests")
        new = [p for p in passed if p not in before.passed]
        if not new and not dropped:
            return
        from dldrill import i18n

        write = getattr(reporter, "write_line", print)
        if new:
            write(i18n.render(i18n.tr(f"dldrill: 통과 기록 ✓ {', '.join(new)} (진도: dldrill status)",
                                      f"dldrill: recorded as passed ✓ {', '.join(new)} "
                                      "(progress: dldrill status)")))
        if dropped:
            write(i18n.render(i18n.tr(f"dldrill: 더 이상 통과하지 않음 ✗ {', '.join(dropped)}",
                                      f"dldrill: no longer passing ✗ {', '.join(dropped)}")))
    except Exception as err:  # the run's own result matters more than its record
        sys.stderr.write(f"dldrill: progress not recorded ({type(err).__name__}: {err})\n")


def record_from_report(records: list[dict], submission: Path | None) -> Progress | None:
    """Records what a run of the hidden graders (`dldrill report`) showed, by the same rule as
    the visible tests (the graders' files are read from graders/), when the submission is the
    learner's own exercises/. Returns None, writing nothing, otherwise or when nothing changed.
    Never raises."""
    try:
        from dldrill.paths import exercises_root, graders_root

        root = exercises_root()
        if submission is None or Path(submission).resolve() != root.resolve():
            return None
        graded = [r for r in records if r.get("kind") == "grader"
                  or str(r.get("nodeid", "")).startswith("graders/")]  # report rows carry no kind
        passed, dropped = evaluate(graded, root, graders_root())
        if not passed and not dropped:
            return None
        return record_pass(root, passed, dropped, via="report")
    except Exception as err:  # a report must not fail because of its record
        sys.stderr.write(f"dldrill: progress not recorded ({type(err).__name__}: {err})\n")
        return None
