"""`dldrill grade`: grade a batch of submissions for an instructor into a resumable gradebook.

    dldrill grade SUBMISSION... --out DIR [--jobs N] [--chapters ch01,ch03] [--regrade]
                  [--lang ko|en] [--hidden-detail full|reason] [--timeout S]

A submission is a folder laid out like `exercises/`, a repository root holding `exercises/`, or
a `.zip` of either (extracted safely into a fresh temporary folder), or a notebook made by
`dldrill notebook` (or a folder of them; their tagged cells become the modules: `intake`). Each
one is graded in its own process — what `python -m dldrill report --json ...` runs, the graders
with the sandbox, forked from `dldrill.forkserver` (or started afresh with --no-forkserver) — N
at a time; a crash, a hang or bad output ends as that submission's status, never the batch.
Results go to `DIR/gradebook.sqlite`, `DIR/gradebook.csv` and
`DIR/<id>/{result.json,feedback.md}`. A rerun skips submissions whose files, graders, kit
version and options are unchanged (`--regrade` forces).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dldrill import __version__, i18n
from dldrill.forkserver import ForkServer, ServerGone
from dldrill.gradebook import Gradebook, private_dir, write_private
from dldrill.i18n import clean_text, tr
from dldrill.intake import Refused, ZipLimits, content_hash, graders_hash, open_submission, submission_id
from dldrill.process import MAX_REPORT_BYTES, ChildResult, Running, run_child, validate_report
from dldrill.records import one_line
from dldrill.render import feedback_markdown

DEFAULT_TIMEOUT = 1800.0
GRADED = "graded"


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
    # Grades one located folder elsewhere and returns its process's output (dldrill.executors).
    remote: Callable[[Path, Settings, Running], ChildResult] | None = None

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
    # torch._dynamo too (about a CPU-second, no threads): a torch child preloads it, and a child
    # forked from a grading process that has it need not import it again.
    return ["numpy", *(["torch", "torch._dynamo"] if frameworks & {"torch", "transformers"}
                       else [])]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _base_row(job: Job, settings: Settings, ghash: str) -> dict:
    return {"key": job.key, "id": job.sid, "path": clean_text(str(job.source)),
            "graders_hash": ghash, "kit_version": __version__, "options": settings.options(),
            "graded_at": _now()}


def grade_one(job: Job, settings: Settings, ghash: str, previous: dict | None,
              running: Running, server: ForkServer | None = None) -> Outcome:
    """Extracts (for a zip), hashes, skips when unchanged, else grades `job` in its own process."""
    start = time.monotonic()
    row = _base_row(job, settings, ghash)
    tmp = Path(tempfile.mkdtemp(prefix="dldrill-grade-"))
    try:
        try:
            folder, notes = open_submission(job.source, tmp, settings.limits)
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
            res = (settings.remote(folder, settings, running) if settings.remote is not None else
                   run_child(cmd, timeout=settings.timeout, cwd=work, env=env, running=running,
                             server=server))
        except OSError as err:
            row.update(status=f"error: {one_line(err, 300)}",
                       duration_s=round(time.monotonic() - start, 2))
            return Outcome(job, row)
        row["duration_s"] = round(time.monotonic() - start, 2)
        out = _finish(job, row, res, settings)
        if notes and out.report is not None:
            out.report["intake_notes"] = notes  # what a notebook's intake noticed (result.json)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def grade_one_safely(job: Job, settings: Settings, ghash: str, previous: dict | None,
                     running: Running, server: ForkServer | None = None) -> Outcome:
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
    running = Running()
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
        book.write_exports(out_dir)

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
        book.write_exports(out_dir)
        book.close()
    outcomes.sort(key=lambda o: o.job.index)
    return outcomes


def run_grade(args: argparse.Namespace,
              remote: Callable[[Path, Settings, Running], ChildResult] | None = None) -> int:
    """The `dldrill grade` command: 0 when every submission was graded (or unchanged), 1 when
    some got another status, 2 on a usage error, 130 when interrupted. With `remote` (see
    `dldrill.executors`) each located submission is graded there, not in a local process."""
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
                        select=args.select, forkserver=not args.no_forkserver and remote is None,
                        remote=remote)
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

