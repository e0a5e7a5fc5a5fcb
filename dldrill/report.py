"""`dldrill report`: grade a submission and score it against the curriculum's checklist.

Runs the hidden graders (sandboxed unless `--inprocess`) through pytest in this process, then
folds the per-test records into the 16 checklist items (`dldrill.report_items`), per-chapter
progress and a total. A chapter whose files are all untouched stubs is not run: its records come
from `dldrill.stub_manifest` (all TODO, or not verifiable here), so the first report of a fresh
checkout starts no framework. The
JSON form (`--json`) is documented in the README under "Report JSON"; `SCHEMA` names its version.
How it reads to people: `dldrill.render`.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dldrill import devices, i18n
from dldrill.curriculum import CHAPTERS, CHECKLIST
from dldrill.i18n import tr
from dldrill.paths import graders_root, kit_root, resolve_submission
from dldrill.records import report_row
from dldrill.render import MODE_TEXT, print_report, render_text
from dldrill.report_items import GITHUB_RE, _counts, _score, _unverified, item_status, missing_things

SCHEMA = "dldrill.report/1"
LONG_CHECK_S = 3.0  # a check running this long shows its name and seconds on a terminal


def available_chapters() -> list[str]:
    """Chapters whose graders exist in this kit, in curriculum order."""
    root = graders_root()
    return [c for c in CHAPTERS if any((root / c).glob("test_*.py"))]


def select_chapters(spec: str | None) -> list[str]:
    """The chapters a `--chapters ch01,ch03` option names (all available ones when None),
    forgiving about their spelling (`ch1`, `CH01`, `4`); ValueError (a `ChapterError`, with
    "did you mean") for a chapter that does not exist or has no graders in this kit."""
    from dldrill.chapters import parse

    return parse(spec, available_chapters())


def available_modules(chapters: list[str]) -> set[tuple[str, str]]:
    """(chapter, module) pairs with a grader file, within `chapters`; (chapter, "*") for each."""
    out = set()
    for c in chapters:
        out.add((c, "*"))
        out.update((c, p.stem.removeprefix("test_")) for p in (graders_root() / c).glob("test_*.py"))
    return out


class _Collector:
    """A pytest plugin that keeps the records and shows progress on stderr: one line per
    chapter as it finishes (also when piped), and a live counter on a terminal."""

    def __init__(self, show_progress: bool, live: bool):
        self.records: list[dict] = []
        self.confinement: dict = {}
        self.show = show_progress
        self.live = live
        self.total = 0
        self.done = 0
        self.device = "cpu"
        self.chapter = ""
        self.counts: dict[str, int] = {}
        self.chapter_start = time.monotonic()
        self.current, self.current_start = "", time.monotonic()
        self.ticker: threading.Thread | None = None
        self.finished = threading.Event()
        self.lock = threading.Lock()

    def _write(self, text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    def pytest_collection_finish(self, session: Any) -> None:
        self.total = len(session.items)
        if self.show:
            self._write(i18n.render(tr(f"dldrill: 채점 항목 {self.total}개\n",
                                       f"dldrill: {self.total} checks to run\n")))

    def _chapter_done(self) -> None:
        if self.show and self.chapter:
            n, took = self.counts, time.monotonic() - self.chapter_start
            passed, total = n.get("passed", 0), sum(n.values())
            line = f"  {self.chapter}: " + i18n.render(tr(f"통과 {passed}/{total} ({took:.1f}초)",
                                                          f"{passed}/{total} passed ({took:.1f} s)"))
            self._write(("\r" + " " * 78 + "\r" if self.live else "") + line + "\n")

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self.current, self.current_start = nodeid, time.monotonic()
        if self.live and self.ticker is None:
            self.ticker = threading.Thread(target=self._tick, daemon=True)
            self.ticker.start()

    def _tick(self) -> None:
        """On a terminal: a check that runs long (training) shows its name and seconds so far."""
        while not self.finished.wait(1.0):
            took = time.monotonic() - self.current_start
            if self.current and took >= LONG_CHECK_S:
                name = self.current.split("::", 1)[-1][:40]
                with self.lock:
                    self._write(f"\r  {self.chapter} … {self.done}/{self.total} · {name} "
                                + i18n.render(tr(f"{took:.0f}초 실행 중", f"running {took:.0f} s"))
                                + "   ")

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when != "call" and not (report.when == "setup" and not report.passed):
            return
        chapter = next((p for p in report.nodeid.split("/") if p in CHAPTERS), "")
        if chapter != self.chapter:
            with self.lock:
                self._chapter_done()
            self.chapter, self.counts, self.chapter_start = chapter, {}, time.monotonic()
        outcome = getattr(report, "dldrill_outcome", report.outcome)
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        self.done += 1
        if self.show and self.live:
            with self.lock:
                self._write("\r" + " " * 78 + f"\r  {chapter} … {self.done}/{self.total}   ")

    def pytest_sessionfinish(self, session: Any) -> None:
        from dldrill.plugin import _KEY, results

        self.finished.set()
        self.current = ""
        with self.lock:
            self._chapter_done()
        self.records = results(session.config)
        state = session.config.stash[_KEY]
        self.confinement = state.confinement
        self.device = state.device_for_child()


def grade(submission: Path, chapters: list[str], *, inprocess: bool = False,
          device: str | None = None, progress: bool = False,
          extra_args: list[str] | None = None) -> tuple[list[dict], dict, int]:
    """Runs the graders of `chapters` on `submission`: (records, run info, pytest exit code).

    The run info holds the sandbox's confinement and the device the submission ran on.
    """
    import pytest

    root = kit_root()
    args = [str(graders_root() / c) for c in chapters]
    args += ["-c", str(root / "pyproject.toml"), "--rootdir", str(root), "-p", "no:terminal",
             "-p", "no:cacheprovider", "-p", "no:anyio",
             # It collects garbage three times over at the end (a tenth of a CPU-second with torch
             # loaded) to report unraisable exceptions, which grading has no use for.
             "-p", "no:unraisableexception", "--submission", str(submission)]
    if inprocess:
        args.append("--inprocess")
    if device:
        args += ["--device", device]
    args += extra_args or []
    collector = _Collector(progress, live=progress and sys.stderr.isatty())
    code = pytest.main(args, plugins=[collector])
    info = {"sandbox": collector.confinement, "device": collector.device}
    return collector.records, info, int(code)


def grade_or_recall(submission: Path, chapters: list[str], *, inprocess: bool = False,
                    device: str | None = None, progress: bool = False,
                    select: str | None = None) -> tuple[list[dict], dict, int]:
    """`grade`, except for the chapters whose exercise files are all untouched stubs: their
    records come from `dldrill.stub_manifest` (all TODO, or not verifiable here) without starting
    pytest or their framework. With `select` (-k) every chapter runs."""
    from dldrill import stub_manifest

    manifest = None if select else stub_manifest.load()
    known = stub_manifest.untouched_chapters(submission, chapters, graders_root(), manifest)
    run = [c for c in chapters if c not in known]
    recalled = {c: stub_manifest.records(manifest, c) for c in known} if manifest else {}
    if progress:
        for c, rows in recalled.items():
            n = _counts(rows)
            sys.stderr.write(i18n.render(tr(
                f"  {c}: 손대지 않은 스텁 — TODO {n['todo']}, 확인 불가 {n['skipped']} (실행 생략)\n",
                f"  {c}: untouched stubs — {n['todo']} TODO, {n['skipped']} not verifiable here "
                "(not run)\n")))
    records: list[dict] = []
    info = {"sandbox": {}, "device": devices.requested_device()}
    if info["device"] == "auto":
        info["device"] = "cuda" if stub_manifest._cuda_present() else "cpu"
    code = 0
    if run:
        records, info, code = grade(submission, run, inprocess=inprocess, device=device,
                                    progress=progress,
                                    extra_args=["-k", select] if select else None)
    by_chapter = {c: [r for r in records if r["chapter"] == c] for c in run}
    other = [r for r in records if r["chapter"] not in by_chapter]
    merged = [r for c in chapters for r in (recalled.get(c) or by_chapter.get(c, []))]
    return merged + other, info, code


def build_report(records: list[dict], submission: Path, graded: list[str], *, mode: str,
                 device: str, duration: float, confinement: dict) -> dict:
    present = available_modules(graded)
    checklist = [item_status(item, records, present, set(graded), submission)
                 for item in CHECKLIST]
    chapters = []
    for cid, ch in CHAPTERS.items():
        mine = [r for r in records if r["chapter"] == cid]
        earned, total = _score(mine)
        chapters.append({
            "chapter": cid, "ko": ch.ko, "en": ch.en, "available": cid in graded,
            "in_kit": (graders_root() / cid).is_dir(),
            "points": earned, "max_points": total,
            "percent": round(100 * earned / total, 1) if total else None,
            "not_verifiable_points": _unverified(mine),
            "tests": _counts(mine),
        })
    earned, total = _score(records)
    return {
        "schema": SCHEMA,
        "submission": str(submission),
        "mode": mode,
        "device": device,
        "lang": i18n.get_lang(),
        "duration_s": round(duration, 2),
        "sandbox": {k: v for k, v in confinement.items() if k != "granted"},
        "checklist": checklist,
        "chapters": chapters,
        "missing": missing_things(records),
        "total": {"points": earned, "max_points": total,
                  "percent": round(100 * earned / total, 1) if total else None,
                  "not_verifiable_points": _unverified(records),
                  "items_done": sum(r["status"] in ("done", "declared") for r in checklist),
                  "items": len(checklist)},
        "tests": [report_row(r) for r in records],
    }


def run_report(args: argparse.Namespace) -> int:
    try:
        submission = resolve_submission(args.submission, allow_answer_key=True)
    except (FileNotFoundError, ValueError) as err:
        print(f"dldrill report: {err}", file=sys.stderr)
        return 2
    if args.portfolio:
        if not GITHUB_RE.match(args.portfolio.strip()):
            print("dldrill report: " + i18n.render(tr(
                "--portfolio 에는 https://github.com/<user>/<repo> 형식의 주소를 주세요",
                "--portfolio expects https://github.com/<user>/<repo>")), file=sys.stderr)
            return 2
        (submission / "portfolio.txt").write_text(args.portfolio.strip() + "\n")
    if args.device:
        devices.set_requested_device(args.device)
    try:
        chapters = select_chapters(args.chapters)
    except ValueError as err:
        print(f"dldrill report: {err}", file=sys.stderr)
        return 2
    start = time.monotonic()
    if not args.json:
        mode = i18n.render(MODE_TEXT["inprocess" if args.inprocess else "sandbox"])
        sys.stderr.write(i18n.render(tr(f"dldrill: {', '.join(chapters)} 채점 시작 ({mode})…\n",
                                        f"dldrill: grading {', '.join(chapters)} ({mode})…\n")))
        sys.stderr.flush()
    select = getattr(args, "select", None)
    records, info, code = grade_or_recall(submission, chapters, inprocess=args.inprocess,
                                          device=args.device, progress=not args.json,
                                          select=select)
    if code not in (0, 1) or (not records and chapters):
        print("dldrill report: " + i18n.render(tr(
            f"채점기를 실행하지 못했습니다 (pytest 종료 코드 {code})",
            f"the graders could not run (pytest exit code {code})")), file=sys.stderr)
        return 3
    from dldrill.progress import record_from_report

    record_from_report(records, submission)  # `dldrill status`/`next` see what the graders saw
    report = build_report(records, submission, chapters,
                          mode="inprocess" if args.inprocess else "sandbox",
                          device=info["device"], duration=time.monotonic() - start,
                          confinement=info["sandbox"])
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n")
    if getattr(args, "html", None):
        from dldrill.html_report import write_html

        page = write_html(report, Path(args.html), submission)
        sys.stderr.write(i18n.render(tr(f"HTML 리포트: {page}\n", f"HTML report: {page}\n")))
    if args.json:
        print(text)
    else:
        print_report(render_text(report, full=args.full))
        _print_hint_use(submission)
    return 0


def _print_hint_use(submission: Path) -> None:
    """One line under the text report: how many exercises the learner opened hints for (the
    progress file `dldrill hint` writes); nothing when none, or when it cannot be read."""
    try:
        from dldrill import progress

        hints = progress.load(submission).hints
    except (ImportError, OSError, ValueError):
        return
    used = {k: v for k, v in hints.items() if v}
    if used:
        deepest = max(used.values())
        print(i18n.render(tr(
            f"힌트를 본 연습문제 {len(used)}개 (가장 깊은 단계 {deepest}; 자세히: dldrill status --all)",
            f"exercises with hints seen: {len(used)} (deepest level {deepest}; details: "
            "dldrill status --all)")))
