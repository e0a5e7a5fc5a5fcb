"""`dldrill grade`: grade a batch of submissions for an instructor into a resumable gradebook.

    dldrill grade SUBMISSION... --out DIR [--jobs N] [--chapters ch01,ch03] [--regrade]
                  [--lang ko|en] [--hidden-detail full|reason] [--timeout S]

A submission is a folder laid out like `exercises/`, a repository root holding `exercises/`, or a
`.zip` of either (extracted safely into a fresh temporary folder). Each one is graded in its own
process — what `python -m dldrill report --json ...` runs, the graders with the sandbox, forked
from `dldrill.forkserver` (or started afresh with --no-forkserver) — N at a time; a crash, a
hang or bad output ends as that submission's status, never the batch. Results go to
`DIR/gradebook.sqlite`, `DIR/gradebook.csv` and `DIR/<id>/{result.json,feedback.md}`. A rerun
skips submissions whose files, graders, kit version and options are unchanged (`--regrade`
forces).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dldrill import __version__, i18n
from dldrill.forkserver import ForkServer, ServerGone
from dldrill.gradebook import Gradebook, one_line, private_dir, write_private
from dldrill.i18n import Text, clean_text, tr
from dldrill.paths import SubmissionRefused, graders_root, kit_root, resolve_submission, solutions_root

MAX_REPORT_BYTES = 16 * 1024 * 1024   # the most bytes read from a grading process's stdout
STDERR_TAIL = 8192                    # the last bytes of its stderr kept for the status line
DEFAULT_TIMEOUT = 1800.0
GRADED = "graded"
SKIP_DIRS = {"__pycache__", ".git", ".pytest_cache", "__MACOSX"}


@dataclass(frozen=True)
class ZipLimits:
    """Caps for extracting a zipped submission: members, bytes per member, bytes in all."""

    max_members: int = 5000
    max_member_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 256 * 1024 * 1024


class Refused(Exception):
    """A submission that cannot be graded; `status` is its row status (`rejected: ...`)."""

    def __init__(self, code: str, detail: Text | str = ""):
        self.code = code
        self.detail = detail
        super().__init__(self.status)

    @property
    def status(self) -> str:
        detail = one_line(i18n.render(self.detail), 300)
        return f"{self.code}: {detail}" if detail else self.code


# -- ids, zips, hashes ---------------------------------------------------------------------------
def submission_id(source: Path) -> str:
    """The submission's id: its folder or zip name without the extension, reduced to letters,
    digits, `_`, `-` and `.` (never a hidden or parent name), at most 100 characters."""
    name = source.name
    if name.lower().endswith(".zip"):
        name = name[:-4]
    if name == "exercises" and source.parent.name:
        name = source.parent.name
    sid = re.sub(r"[^\w.\-]+", "_", clean_text(name)).lstrip(".")[:100]
    return sid or "submission"


def _member_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    if info.create_system == 3 and mode:
        if stat.S_ISLNK(mode):
            return "link"
        if stat.S_ISDIR(mode):
            return "dir"
        if not stat.S_ISREG(mode) and stat.S_IFMT(mode):
            return "special"
    return "dir" if info.filename.endswith(("/", "\\")) else "file"


def _member_parts(name: str) -> list[str]:
    """The path parts of a member name; Refused when it would leave the extraction folder."""
    escape = Refused("rejected", tr(f"zip 항목이 폴더 밖을 가리킵니다: {name}",
                                    f"zip member escapes the folder: {name}"))
    if "\x00" in name:
        raise escape
    norm = name.replace("\\", "/")
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm):
        raise escape
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise escape
    return parts


def safe_extract(archive: Path, dest: Path, limits: ZipLimits) -> None:
    """Extracts `archive` into the empty folder `dest`, or raises Refused: path traversal, links,
    device or special members, encrypted members, too many members, a member over the size cap or
    a total over the cap (declared sizes checked first, then the bytes counted while writing)."""
    try:
        if archive.stat().st_size > limits.max_total_bytes:
            raise Refused("rejected", tr("zip 파일이 너무 큽니다", "zip file too large"))
        zf = zipfile.ZipFile(archive)
    except Refused:
        raise
    except (OSError, zipfile.BadZipFile, ValueError) as err:
        raise Refused("unreadable", tr(f"zip 파일을 읽을 수 없습니다 ({err})",
                                       f"not a readable zip file ({err})")) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise Refused("rejected", tr(f"zip 항목이 너무 많습니다 ({len(infos)} > {limits.max_members})",
                                         f"too many zip members ({len(infos)} > {limits.max_members})"))
        declared = 0
        plan = []
        for info in infos:
            parts = _member_parts(info.filename)
            kind = _member_kind(info)
            name = info.filename
            if kind == "link":
                raise Refused("rejected", tr(f"zip 안의 심볼릭 링크: {name}", f"symlink in zip: {name}"))
            if kind == "special":
                raise Refused("rejected", tr(f"zip 안의 특수 파일(장치 등): {name}",
                                             f"device or special file in zip: {name}"))
            if info.flag_bits & 0x1:
                raise Refused("rejected", tr(f"암호화된 zip 항목: {name}", f"encrypted zip member: {name}"))
            if info.file_size > limits.max_member_bytes:
                raise Refused("rejected", tr(f"zip 항목이 너무 큽니다: {name} ({info.file_size} 바이트)",
                                             f"zip member too large: {name} ({info.file_size} bytes)"))
            declared += info.file_size
            if declared > limits.max_total_bytes:
                raise Refused("rejected", tr("압축 해제 크기 합계가 한도를 넘습니다",
                                             "total uncompressed size over the cap"))
            if parts:
                plan.append((info, parts, kind))
        total = 0
        for info, parts, kind in plan:
            target = dest.joinpath(*parts)
            try:
                if kind == "dir":
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
                written = 0
                with os.fdopen(fd, "wb") as out, zf.open(info) as src:
                    while chunk := src.read(65536):
                        written += len(chunk)
                        total += len(chunk)
                        if written > min(info.file_size, limits.max_member_bytes) \
                                or total > limits.max_total_bytes:
                            raise Refused("rejected", tr(
                                f"zip 항목이 선언한 크기보다 큽니다: {info.filename}",
                                f"zip member larger than it declares: {info.filename}"))
                        out.write(chunk)
            except Refused:
                raise
            except FileExistsError:
                raise Refused("rejected", tr(f"zip 항목 이름이 중복됩니다: {info.filename}",
                                             f"duplicate zip member: {info.filename}")) from None
            except (OSError, zipfile.BadZipFile, RuntimeError, EOFError, ValueError) as err:
                raise Refused("rejected", tr(f"zip을 풀 수 없습니다: {err}",
                                             f"zip could not be extracted: {err}")) from None


def locate(root: Path) -> Path:
    """The folder to grade inside `root` (see `resolve_submission`); a single top-level folder
    (as zip tools make) is looked into. Raises Refused with `not a submission`."""
    try:
        return resolve_submission(root)
    except SubmissionRefused as err:
        raise Refused("rejected", clean_text(str(err))) from None
    except ValueError:
        pass
    except OSError as err:
        raise Refused("unreadable", clean_text(str(err))) from None
    try:
        subdirs = [p for p in root.iterdir() if p.name not in SKIP_DIRS and not p.name.startswith(".")]
    except OSError as err:
        raise Refused("unreadable", str(err)) from None
    if len(subdirs) == 1 and subdirs[0].is_dir() and not subdirs[0].is_symlink():
        try:
            return resolve_submission(subdirs[0])
        except SubmissionRefused as err:
            raise Refused("rejected", clean_text(str(err))) from None
        except (ValueError, FileNotFoundError):
            pass
    raise Refused("not a submission", tr("chNN/ 폴더(또는 exercises/)가 없습니다",
                                         "no chNN/ folders (or exercises/) found"))


def content_hash(folder: Path, limit: int) -> str:
    """sha256 of the submission's files: relative names and contents of regular files, link
    targets of links (never followed), caches left out. Refused past `limit` bytes."""
    h = hashlib.sha256()
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            try:
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    h.update(f"L {rel}\0{os.readlink(path)}\0".encode("utf-8", "surrogateescape"))
                    continue
                if not stat.S_ISREG(st.st_mode):
                    h.update(f"S {rel}\0".encode("utf-8", "surrogateescape"))
                    continue
                total += st.st_size
                if total > limit:
                    raise Refused("rejected", tr("제출물 폴더가 너무 큽니다",
                                                 "submission folder too large"))
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as f:
                    h.update(f"F {rel}\0{st.st_size}\0".encode("utf-8", "surrogateescape"))
                    while chunk := f.read(1 << 20):
                        h.update(chunk)
            except OSError as err:
                raise Refused("unreadable", f"{rel}: {err.strerror}") from None
    return h.hexdigest()


def graders_hash(chapters: list[str]) -> str:
    """sha256 of what decides the points: the kit version, the chapters' graders and reference
    solutions, and the kit's own code (`dldrill/`)."""
    h = hashlib.sha256(f"{__version__}\0{','.join(chapters)}\0".encode())
    roots = [graders_root() / c for c in chapters] + [solutions_root() / c for c in chapters]
    roots.append(kit_root() / "dldrill")
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            h.update(f"{path.relative_to(kit_root()).as_posix()}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


# -- one grading process -------------------------------------------------------------------------
@dataclass
class ChildResult:
    """What one grading process left: exit code, stdout (bounded), the tail of stderr."""

    code: int | None
    stdout: bytes
    stderr_tail: bytes
    timed_out: bool = False
    overflow: bool = False


class _Running:
    """The grading processes now running, so that an interrupted batch can stop them all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.procs: set[Any] = set()
        self.stopping = False

    def add(self, proc: Any) -> None:
        with self.lock:
            self.procs.add(proc)
            stopping = self.stopping
        if stopping:
            _kill_group(proc)

    def discard(self, proc: Any) -> None:
        with self.lock:
            self.procs.discard(proc)

    def stop_all(self) -> None:
        with self.lock:
            self.stopping = True
            procs = list(self.procs)
        for proc in procs:
            _kill_group(proc)


def _kill_group(proc: Any) -> None:
    """SIGKILL to the grading process's own process group (it leads a new session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _start(cmd: list[str], cwd: Path, env: dict[str, str], server: ForkServer | None) -> Any:
    """A grading process: forked by the fork server when there is one and `cmd` is the kit's
    own command, else started (a new session either way)."""
    own = cmd[:3] == [sys.executable, "-m", "dldrill"]
    if server is not None and own:
        with contextlib.suppress(ServerGone):
            return server.spawn(cmd[3:], cwd=cwd, env=env)
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True)


def run_child(cmd: list[str], *, timeout: float, cwd: Path, env: dict[str, str],
              running: _Running, max_bytes: int = MAX_REPORT_BYTES,
              server: ForkServer | None = None) -> ChildResult:
    """Runs one grading process in a new session: stdout read up to `max_bytes` (more kills it),
    the last bytes of stderr kept, and its whole process group killed after `timeout` seconds
    (and once it is done, so that nothing it started lingers)."""
    proc = _start(cmd, cwd, env, server)
    running.add(proc)
    out = bytearray()
    err = bytearray()
    flags = {"overflow": False}

    def read_out() -> None:
        assert proc.stdout is not None
        while chunk := proc.stdout.read1(65536):
            if len(out) + len(chunk) > max_bytes:
                flags["overflow"] = True
                _kill_group(proc)
                break
            out.extend(chunk)

    def read_err() -> None:
        assert proc.stderr is not None
        while chunk := proc.stderr.read1(65536):
            err.extend(chunk)
            del err[:-STDERR_TAIL]

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err,
                                                                                daemon=True)]
    for t in readers:
        t.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        proc.wait()
    finally:
        _kill_group(proc)
        running.discard(proc)
    for t in readers:
        t.join(timeout=5)
    for pipe in (proc.stdout, proc.stderr):
        with contextlib.suppress(OSError):
            pipe.close()  # type: ignore[union-attr]
    return ChildResult(proc.returncode, bytes(out), bytes(err), timed_out, flags["overflow"])


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ValueError(f"{what} is not a number")
    return float(value)


def validate_report(raw: bytes) -> dict:
    """The grading process's JSON report, checked and cleaned; ValueError when malformed."""
    from dldrill.report import SCHEMA

    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not JSON ({err.__class__.__name__})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} object")
    total = data.get("total")
    if not isinstance(total, dict):
        raise ValueError("no total")
    points = _number(total.get("points"), "total.points")
    max_points = _number(total.get("max_points"), "total.max_points")
    for key in ("tests", "checklist", "chapters"):
        if not isinstance(data.get(key), list) or not all(isinstance(x, dict) for x in data[key]):
            raise ValueError(f"{key} is not a list of objects")
    tests = []
    for t in data["tests"]:
        row = {k: clean_text(str(t.get(k) or "")) for k in ("nodeid", "chapter", "module", "item",
                                                             "outcome", "what", "expected", "got",
                                                             "hint")}
        if not row["nodeid"]:
            raise ValueError("a test without a nodeid")
        row["reason"] = one_line(t.get("reason"))
        row["points"] = _number(t.get("points"), "tests[].points")
        row["earned"] = _number(t.get("earned"), "tests[].earned")
        duration = t.get("duration_s")
        row["duration_s"] = duration if isinstance(duration, int | float) and not isinstance(
            duration, bool) else None
        tests.append(row)
    if abs(sum(t["earned"] for t in tests) - points) > 1e-6 or \
            abs(sum(t["points"] for t in tests if t["outcome"] != "skipped") - max_points) > 1e-6:
        raise ValueError("the total does not add up")
    for row in data["checklist"] + data["chapters"]:
        for k in ("points", "max_points"):
            row[k] = _number(row.get(k, 0.0), k)
    data["tests"] = tests
    return data


# -- feedback ------------------------------------------------------------------------------------
def _fence(text: str) -> str:
    """A fenced block that no run of backticks inside `text` can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    bar = "`" * max(3, longest + 1)
    return f"{bar}\n{text}\n{bar}"


def _inline(text: str) -> str:
    """Inline code that no run of backticks inside `text` can close (learner text stays text)."""
    if not text:
        return ""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    bar = "`" * (longest + 1)
    return f"{bar} {text} {bar}"


def feedback_markdown(sid: str, status: str, report: dict | None, hidden_detail: str) -> str:
    """The learner's feedback in the current language: total, checklist, then each failed check
    (what, expected vs got, hint when `hidden_detail` is "full"; the one-line reason otherwise)
    and the checks still TODO."""
    t = i18n.render
    lines = [f"# {t(tr('dldrill 채점 결과', 'dldrill feedback'))} — {clean_text(sid)}", ""]
    if report is None:
        lines.append(f"{t(tr('상태', 'Status'))}: {one_line(status)}")
        return "\n".join(lines) + "\n"
    tot = report["total"]
    lines += [f"**{t(tr('합계', 'Total'))}: {tot['points']:g}/{tot['max_points']:g}"
              f" ({tot.get('percent') or 0:g}%)**", ""]
    graded_items = [r for r in report["checklist"] if r.get("max_points")]
    if graded_items:
        lines += [f"## {t(tr('체크리스트', 'Checklist'))}", "",
                  f"| {t(tr('항목', 'item'))} | {t(tr('점수', 'points'))} |", "|---|---|"]
        lang = i18n.get_lang()
        for r in graded_items:
            label = one_line(r.get("ko" if lang == "ko" else "en") or r.get("id"))
            lines.append(f"| {label.replace('|', '/')} | {r['points']:g}/{r['max_points']:g} |")
        lines.append("")
    failed = [r for r in report["tests"] if r["outcome"] not in ("passed", "todo", "skipped")]
    todo = [r for r in report["tests"] if r["outcome"] == "todo"]
    if failed:
        lines += [f"## {t(tr('실패한 채점 항목', 'Failed checks'))}", ""]
        module = None
        for r in failed:
            if (r["chapter"], r["module"]) != module:
                module = (r["chapter"], r["module"])
                lines += [f"### {one_line(r['chapter'])}.{one_line(r['module'])}", ""]
            name = one_line(r["nodeid"].split("::", 1)[-1])
            pts = f"({r['earned']:g}/{r['points']:g})"
            if hidden_detail == "full" and (r["expected"] or r["got"]):
                lines.append(f"- **{name}** {pts}" + (f" — {one_line(r['what'])}" if r["what"] else ""))
                for key, label in (("expected", i18n.EXPECTED), ("got", i18n.GOT)):
                    if r[key]:
                        lines += [f"  - {t(label)}:", "", *("    " + x for x in
                                                             _fence(r[key]).splitlines()), ""]
                if r["hint"]:
                    lines.append(f"  - {t(i18n.HINT)}: {one_line(r['hint'])}")
            else:
                lines.append(f"- **{name}** {pts}: {_inline(one_line(r['reason']))}")
        lines.append("")
    if todo:
        lines += [f"## {t(tr('아직 구현하지 않음 (TODO)', 'Not implemented yet (TODO)'))}", ""]
        by_module: dict[str, int] = {}
        for r in todo:
            key = f"{one_line(r['chapter'])}.{one_line(r['module'])}"
            by_module[key] = by_module.get(key, 0) + 1
        lines += [f"- {k}: {t(tr(f'{n}개 항목', f'{n} checks'))}" for k, n in by_module.items()]
        lines.append("")
    if not failed and not todo:
        lines.append(t(tr("모든 채점 항목을 통과했습니다.", "Every check passed.")))
    return "\n".join(lines).rstrip() + "\n"


# -- the batch -----------------------------------------------------------------------------------
@dataclass
class Job:
    """One submission of the batch."""

    index: int
    key: str
    sid: str
    source: Path
    status: str | None = None   # set up front for duplicates and missing inputs


@dataclass
class Outcome:
    """What grading one submission produced, handed back to the main thread."""

    job: Job
    row: dict
    report: dict | None = None
    skipped: bool = False
    tests: list[dict] | None = field(default=None)


@dataclass
class Settings:
    """The batch's options."""

    out: Path
    chapters: list[str]
    jobs: int = 1
    regrade: bool = False
    lang: str = "ko"
    hidden_detail: str = "full"
    timeout: float = DEFAULT_TIMEOUT
    limits: ZipLimits = field(default_factory=ZipLimits)
    child_cmd: Callable[[Path, list[str], str], list[str]] | None = None
    select: str | None = None  # a pytest -k expression: grade only the graders it matches
    forkserver: bool = True  # fork grading processes from one that imported once (see forkserver)

    def options(self) -> str:
        return json.dumps({"chapters": self.chapters, "lang": self.lang,
                           **({"select": self.select} if self.select else {})})


def default_child_cmd(submission: Path, chapters: list[str], lang: str) -> list[str]:
    """The grading process: `dldrill report --json` on one submission, graders sandboxed."""
    return [sys.executable, "-m", "dldrill", "report", "--json", "--submission", str(submission),
            "--chapters", ",".join(chapters), "--lang", lang]


def forkserver_preload(chapters: list[str]) -> list[str]:
    """What the fork server imports for these chapters' graders: NumPy, and torch where a
    chapter runs on it (about 1.6 CPU-seconds a grading process need not pay). TensorFlow is
    never imported before a fork (its runtime threads do not survive one)."""
    from dldrill.curriculum import CHAPTERS

    frameworks = {CHAPTERS[c].framework for c in chapters if c in CHAPTERS}
    return ["numpy", *(["torch"] if frameworks & {"torch", "transformers"} else [])]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _base_row(job: Job, settings: Settings, ghash: str) -> dict:
    return {"key": job.key, "id": job.sid, "path": clean_text(str(job.source)),
            "graders_hash": ghash, "kit_version": __version__, "options": settings.options(),
            "graded_at": _now()}


def grade_one(job: Job, settings: Settings, ghash: str, previous: dict | None,
              running: _Running, server: ForkServer | None = None) -> Outcome:
    """Extracts (for a zip), hashes, skips when unchanged, else grades `job` in its own process."""
    start = time.monotonic()
    row = _base_row(job, settings, ghash)
    tmp = Path(tempfile.mkdtemp(prefix="dldrill-grade-"))
    try:
        try:
            src = job.source
            if not (src.exists() or src.is_symlink()):
                raise Refused("unreadable", tr("파일이나 폴더가 없습니다", "no such file or folder"))
            if src.is_file() and src.suffix.lower() == ".zip":
                root = tmp / "submission"
                root.mkdir()
                safe_extract(src, root, settings.limits)
            elif src.is_dir():
                root = src
            else:
                raise Refused("unreadable", tr("폴더나 .zip 파일이 아닙니다", "not a folder or a .zip file"))
            folder = locate(root)
            row["content_hash"] = content_hash(folder, settings.limits.max_total_bytes)
        except Refused as err:
            row.update(status=err.status, duration_s=round(time.monotonic() - start, 2))
            return Outcome(job, row)
        if (previous and not settings.regrade and previous["status"] == GRADED
                and all(previous[k] == row[k] for k in ("content_hash", "graders_hash",
                                                        "kit_version", "options"))):
            return Outcome(job, previous, skipped=True)
        work = tmp / "work"
        work.mkdir()
        env = {**os.environ, "DLDRILL_LANG": settings.lang}
        cmd = (settings.child_cmd or default_child_cmd)(folder, settings.chapters, settings.lang)
        if settings.select and settings.child_cmd is None:
            cmd += ["-k", settings.select]
        try:
            res = run_child(cmd, timeout=settings.timeout, cwd=work, env=env, running=running,
                            server=server)
        except OSError as err:
            row.update(status=f"error: {one_line(err, 300)}",
                       duration_s=round(time.monotonic() - start, 2))
            return Outcome(job, row)
        row["duration_s"] = round(time.monotonic() - start, 2)
        return _finish(job, row, res, settings)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def grade_one_safely(job: Job, settings: Settings, ghash: str, previous: dict | None,
                     running: _Running, server: ForkServer | None = None) -> Outcome:
    """`grade_one`, with any unexpected error as the submission's status instead of the batch's."""
    try:
        return grade_one(job, settings, ghash, previous, running, server)
    except Exception as err:
        row = {**_base_row(job, settings, ghash),
               "status": f"error: {err.__class__.__name__}: {one_line(err, 300)}"}
        return Outcome(job, row)


def _finish(job: Job, row: dict, res: ChildResult, settings: Settings) -> Outcome:
    """The row for a finished grading process: graded with its points, or an error status."""
    last = one_line((res.stderr_tail.decode("utf-8", "replace").strip().splitlines() or [""])[-1], 300)
    if res.timed_out:
        row["status"] = i18n.render(tr(f"error: 시간 초과 ({settings.timeout:g} 초)",
                                       f"error: timed out after {settings.timeout:g} s"))
        return Outcome(job, row)
    if res.overflow:
        row["status"] = f"error: report over {MAX_REPORT_BYTES} bytes"
        return Outcome(job, row)
    if res.code != 0:
        row["status"] = f"error: grading process exited with code {res.code}" + (f": {last}" if last
                                                                                   else "")
        return Outcome(job, row)
    try:
        report = validate_report(res.stdout)
    except ValueError as err:
        row["status"] = f"error: invalid report ({err})"
        return Outcome(job, row)
    report["submission"] = row["path"]
    report["id"] = job.sid
    tot = report["total"]
    row.update(status=GRADED, total_points=tot["points"], max_points=tot["max_points"],
               percent=round(100 * tot["points"] / tot["max_points"], 1) if tot["max_points"] else None,
               items=json.dumps({r["id"]: r["points"] for r in report["checklist"]
                                 if r.get("max_points")}),
               chapters=json.dumps({c["chapter"]: c["points"] for c in report["chapters"]
                                    if c.get("available")}))
    return Outcome(job, row, report=report, tests=report["tests"])


def plan_jobs(sources: list[Path]) -> list[Job]:
    """One job per input, in order; a repeated id becomes a `duplicate id` row (the first wins)."""
    jobs: list[Job] = []
    seen: dict[str, int] = {}
    for i, src in enumerate(sources):
        sid = submission_id(src)
        n = seen.get(sid, 0)
        seen[sid] = n + 1
        if n:
            jobs.append(Job(i, f"{sid}~{n + 1}", sid, src, status="duplicate id"))
        else:
            jobs.append(Job(i, sid, sid, src))
    return jobs


class Progress:
    """One line per finished submission on stderr, flushed (also when piped)."""

    def __init__(self, total: int, stream: Any = None):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr

    def line(self, text: str) -> None:
        self.stream.write(clean_text(text) + "\n")
        self.stream.flush()

    def finished(self, out: Outcome) -> None:
        self.done += 1
        row = out.row
        head = f"[{self.done}/{self.total}] {out.job.sid}"
        if row["status"] != GRADED:
            self.line(f"{head} {row['status']}")
            return
        score = f"{row['total_points']:g}/{row['max_points']:g}"
        if out.skipped:
            self.line(f"{head} {score} " + i18n.render(tr("(변경 없음, 건너뜀)", "(unchanged, skipped)")))
        else:
            self.line(f"{head} {score} ({row['duration_s']:.1f} s)")


def _write_outputs(settings: Settings, out: Outcome) -> None:
    """`DIR/<id>/result.json` and `feedback.md` (never for a duplicate id)."""
    if out.job.status == "duplicate id":
        return
    folder = private_dir(settings.out / out.job.key)
    report = out.report
    if out.skipped:
        try:
            fd = os.open(folder / "result.json", os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as f:
                report = validate_report(f.read(MAX_REPORT_BYTES))
        except (OSError, ValueError):
            return
    elif report is not None:
        write_private(folder / "result.json", json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    write_private(folder / "feedback.md",
                  feedback_markdown(out.job.sid, out.row["status"], report, settings.hidden_detail))


def run_batch(sources: list[Path], settings: Settings, stream: Any = None) -> list[Outcome]:
    """Grades `sources` into `settings.out`; returns the outcomes in input order."""
    i18n.set_lang(settings.lang)
    out_dir = settings.out
    out_dir.mkdir(parents=True, exist_ok=True)
    private_dir(out_dir)
    jobs = plan_jobs(sources)
    progress = Progress(len(jobs), stream)
    progress.line(i18n.render(tr(
        f"dldrill grade: 제출물 {len(jobs)}개, {','.join(settings.chapters)}, "
        f"동시 {settings.jobs}개 → {out_dir}",
        f"dldrill grade: {len(jobs)} submissions, {','.join(settings.chapters)}, "
        f"{settings.jobs} at a time → {out_dir}")))
    book = Gradebook(out_dir / "gradebook.sqlite")
    ghash = graders_hash(settings.chapters)
    previous = book.previous()
    book.forget_duplicates({j.sid for j in jobs})
    running = _Running()
    outcomes: list[Outcome] = []
    server = None
    if settings.forkserver and settings.child_cmd is None and any(not j.status for j in jobs):
        try:
            server = ForkServer.start(forkserver_preload(settings.chapters))
        except (ServerGone, OSError) as err:
            progress.line(f"dldrill grade: no fork server ({clean_text(str(err))}); "
                          "starting each grading process afresh")

    def record(out: Outcome) -> None:
        if not out.skipped:
            book.write(out.row, out.tests)
        try:
            _write_outputs(settings, out)
        except OSError as err:
            progress.line(f"dldrill grade: {out.job.key}/: {clean_text(str(err))}")
        outcomes.append(out)
        progress.finished(out)
        write_private(out_dir / "gradebook.csv", book.export_csv())

    try:
        with ThreadPoolExecutor(max_workers=max(1, settings.jobs)) as pool:
            pending: set[Future] = set()
            for job in jobs:
                if job.status:
                    row = {**_base_row(job, settings, ghash), "status": job.status}
                    record(Outcome(job, row))
                    continue
                pending.add(pool.submit(grade_one_safely, job, settings, ghash,
                                        previous.get(job.key), running, server))
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    for fut in done:
                        record(fut.result())
            except BaseException:
                for fut in pending:
                    fut.cancel()
                running.stop_all()
                raise
    finally:
        if server is not None:
            server.close()
        write_private(out_dir / "gradebook.csv", book.export_csv())
        book.close()
    outcomes.sort(key=lambda o: o.job.index)
    return outcomes


def run_grade(args: argparse.Namespace) -> int:
    """The `dldrill grade` command: 0 when every submission was graded (or unchanged), 1 when
    some got another status, 2 on a usage error, 130 when interrupted."""
    from dldrill.report import select_chapters

    try:
        chapters = select_chapters(args.chapters)
    except ValueError as err:
        print(f"dldrill grade: {err}", file=sys.stderr)
        return 2
    if args.jobs < 1 or args.timeout <= 0:
        print("dldrill grade: --jobs and --timeout must be positive", file=sys.stderr)
        return 2
    settings = Settings(out=Path(args.out).resolve(), chapters=chapters, jobs=args.jobs,
                        regrade=args.regrade, lang=args.lang or i18n.get_lang(),
                        hidden_detail=args.hidden_detail, timeout=args.timeout,
                        select=args.select, forkserver=not args.no_forkserver)
    sources = [Path(s).expanduser().absolute() for s in args.submissions]
    for src in sources:
        if src == settings.out or settings.out.is_relative_to(src):
            print(f"dldrill grade: --out must not be inside a submission ({clean_text(str(src))})",
                  file=sys.stderr)
            return 2
    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous_handler = signal.signal(signal.SIGTERM, on_term)
    try:
        outcomes = run_batch(sources, settings)
    except KeyboardInterrupt:
        print(i18n.render(tr("dldrill grade: 중단됨; 다시 실행하면 이어서 채점합니다",
                             "dldrill grade: interrupted; run it again to resume")), file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    graded = sum(o.row["status"] == GRADED for o in outcomes)
    print(i18n.render(tr(
        f"dldrill grade: {len(outcomes)}개 중 {graded}개 채점됨 → {settings.out / 'gradebook.csv'}",
        f"dldrill grade: {graded} of {len(outcomes)} graded → {settings.out / 'gradebook.csv'}")),
        file=sys.stderr)
    return 0 if graded == len(outcomes) else 1

