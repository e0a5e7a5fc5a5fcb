"""`dldrill report`: grade a submission and score it against the curriculum's checklist.

Runs the hidden graders (sandboxed unless `--inprocess`) through pytest in this process, then
folds the per-test records into the 16 checklist items, per-chapter progress and a total. The
JSON form (`--json`) is documented in the README under "Report JSON"; `SCHEMA` names its version.
How it reads to people: `dldrill.render`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dldrill import devices, i18n
from dldrill.curriculum import CHAPTERS, CHECKLIST, Item
from dldrill.i18n import clean_text, tr
from dldrill.paths import graders_root, kit_root, resolve_submission
from dldrill.records import report_row
from dldrill.render import MODE_TEXT, print_report, render_text

SCHEMA = "dldrill.report/1"
LONG_CHECK_S = 3.0  # a check running this long shows its name and seconds on a terminal
GITHUB_RE = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/?$")


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
             "-p", "no:cacheprovider", "-p", "no:anyio", "--submission", str(submission)]
    if inprocess:
        args.append("--inprocess")
    if device:
        args += ["--device", device]
    args += extra_args or []
    collector = _Collector(progress, live=progress and sys.stderr.isatty())
    code = pytest.main(args, plugins=[collector])
    info = {"sandbox": collector.confinement, "device": collector.device}
    return collector.records, info, int(code)


def _portfolio(submission: Path) -> str | None:
    """The URL the learner declared in `portfolio.txt`: a regular file (never a link, a FIFO or
    a device), read bounded, its first line, control characters removed."""
    path = submission / "portfolio.txt"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        text = os.read(fd, 4096).decode("utf-8", "replace")
    finally:
        os.close(fd)
    first = clean_text(text.strip().splitlines()[0].strip()) if text.strip() else ""
    return first[:300] or None


_RUN = re.compile(r"\(run: (.+)\)\s*$")


def missing_thing(reason: str) -> dict | None:
    """What a skipped check lacks, from its reason (`not verifiable here: ... (run: CMD)`):
    `{"kind": "data" | "package" | "gpu" | "other", "name", "command"}`; None for other skips."""
    if not reason.startswith("not verifiable here"):
        return None
    run = _RUN.search(reason)
    command = run.group(1).strip() if run else ""
    if m := re.search(r"the (\S+) data set is not cached", reason):
        return {"kind": "data", "name": m.group(1), "command": command}
    if m := re.search(r"not verifiable here: (\S+) is not installed", reason):
        return {"kind": "package", "name": m.group(1), "command": command}
    if "CUDA" in reason:
        return {"kind": "gpu", "name": "cuda", "command": "dldrill report --device cuda"}
    text = reason.removeprefix("not verifiable here:").split(" (run:")[0].strip()
    return {"kind": "other", "name": text, "command": command}


def missing_things(records: list[dict]) -> list[dict]:
    """Each thing this machine lacks (a data set, a package, a GPU) once, with the command that
    would make its checks verifiable, the checks and points it keeps out, and their items."""
    out: dict[tuple[str, str], dict] = {}
    for r in records:
        thing = missing_thing(r.get("reason") or "") if r["outcome"] == "skipped" else None
        if thing is None:
            continue
        row = out.setdefault((thing["kind"], thing["name"]),
                             {**thing, "tests": 0, "points": 0.0, "items": [], "modules": []})
        row["tests"] += 1
        row["points"] += r["points"]
        for key, value in (("items", r.get("item")), ("modules", f"{r['chapter']}.{r['module']}")):
            if value and value not in row[key]:
                row[key].append(value)
    return list(out.values())


def _verify_commands(records: list[dict]) -> list[str]:
    cmds = []
    for r in records:
        thing = missing_thing(r.get("reason") or "")
        if thing and thing["command"] and thing["command"] not in cmds:
            cmds.append(thing["command"])
    return cmds


def module_status(rows: list[dict]) -> str:
    """The status of one exercise module's checks for one item: done, failed, partial,
    not_verifiable (passed or not verifiable here), not_started."""
    n = _counts(rows)
    if n["passed"] == len(rows):
        return "done"
    if n["failed"]:
        return "failed"
    if n["skipped"] and n["passed"] + n["skipped"] == len(rows):
        return "not_verifiable"
    return "partial" if n["passed"] else "not_started"


def item_modules(item: Item, records: list[dict], graded: set[str]) -> list[dict]:
    """What the item's checks found per exercise module (`ch04.conv`), in curriculum order: status,
    checks passed of all, points; a chapter not graded in this run (or not in the kit) is one row
    with module "*"."""
    out = []
    for chapter, module in item.graded_by:
        if chapter not in graded:
            status = "not_graded" if (graders_root() / chapter).is_dir() else "not_available"
            out.append({"chapter": chapter, "module": module, "status": status,
                        "passed": 0, "checks": 0, "points": 0.0, "max_points": 0.0})
            continue
        mine = [r for r in records if r["item"] == item.id and r["chapter"] == chapter]
        order = list(CHAPTERS[chapter].modules) + sorted({r["module"] for r in mine})
        names = [module] if module != "*" else list(dict.fromkeys(
            m for m in order if any(r["module"] == m for r in mine)))
        for name in names:
            rows = [r for r in mine if r["module"] == name]
            earned, total = _score(rows)
            out.append({"chapter": chapter, "module": name,
                        "status": module_status(rows) if rows else "not_available",
                        "passed": _counts(rows)["passed"], "checks": len(rows),
                        "points": earned, "max_points": total})
    return out


def _counts(records: list[dict]) -> dict[str, int]:
    keys = ("passed", "failed", "todo", "skipped")
    out = {k: sum(r["outcome"] == k for r in records) for k in keys}
    out["failed"] += sum(r["outcome"] not in keys for r in records)
    return out


def _score(records: list[dict]) -> tuple[float, float]:
    """(earned, possible) points. A test that was not verifiable here (skipped: data, a GPU or a
    package this machine lacks) is left out of both: it is counted in `_unverified` instead."""
    return (sum(r["earned"] for r in records),
            sum(r["points"] for r in records if r["outcome"] != "skipped"))


def _unverified(records: list[dict]) -> float:
    """Points of the tests that were not verifiable here."""
    return sum(r["points"] for r in records if r["outcome"] == "skipped")


def item_status(item: Item, records: list[dict], present: set[tuple[str, str]],
                graded: set[str], submission: Path) -> dict:
    """One checklist row: status, points, counts, note, the command that would verify it."""
    row: dict[str, Any] = {"id": item.id, "ko": item.ko, "en": item.en}
    if item.declared:
        url = _portfolio(submission)
        ok = bool(url and GITHUB_RE.match(url))
        note = (tr("학습자가 선언함; 온라인으로 확인하지 않음",
                   "declared by the learner; not checked online") if ok else
                tr("선언하세요: dldrill report --portfolio https://github.com/you/project",
                   "declare it: dldrill report --portfolio https://github.com/you/project")
                if not url else tr(f"GitHub 저장소 URL이 아닙니다: {url}",
                                   f"not a GitHub repository URL: {url}"))
        row.update(status="declared" if ok else "not_started", points=0.0, max_points=0.0,
                   percent=None, tests=_counts([]), url=url, verify_command=None, modules=[],
                   modules_done=0, missing=[],
                   note=i18n.render(note))
        return row
    mine = [r for r in records if r["item"] == item.id]
    absent = [(c, m) for c, m in item.graded_by if (c, m) not in present]
    skipped_here = [(c, m) for c, m in absent if c not in graded and (graders_root() / c).is_dir()]
    missing = [pair for pair in absent if pair not in skipped_here]
    earned, total = _score(mine)
    counts = _counts(mine)
    commands = _verify_commands([r for r in mine if r["outcome"] == "skipped"])
    notes = []
    if missing:
        names = ", ".join(".".join(p for p in pair if p != "*") for pair in missing)
        notes.append(tr(f"이 키트에 아직 없음: {names}", f"not in this kit yet: {names}"))
    if skipped_here:
        names = ", ".join(".".join(p for p in pair if p != "*") for pair in skipped_here)
        notes.append(tr(f"이번에 채점하지 않음: {names}", f"not graded in this run: {names}"))
    if not mine:
        status = "not_graded" if skipped_here and not missing else "not_available"
    elif counts["skipped"] and counts["passed"] + counts["skipped"] == len(mine):
        status = "not_verifiable"
    elif total and earned >= total and not absent:
        status = "done"
    elif earned == 0 and counts["todo"] + counts["skipped"] == len(mine):
        status = "not_started"
    else:
        status = "partial"
    modules = item_modules(item, records, graded)
    row.update(status=status, points=earned, max_points=total,
               percent=round(100 * earned / total, 1) if total else None,
               not_verifiable_points=_unverified(mine), tests=counts, modules=modules,
               modules_done=sum(m["status"] == "done" for m in modules),
               missing=missing_things(mine),
               note="; ".join(i18n.render(n) for n in notes),
               verify_command=commands[0] if commands else None)
    return row


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
    records, info, code = grade(submission, chapters, inprocess=args.inprocess,
                                device=args.device, progress=not args.json,
                                extra_args=["-k", select] if select else None)
    if code not in (0, 1) or (not records and chapters):
        print("dldrill report: " + i18n.render(tr(
            f"채점기를 실행하지 못했습니다 (pytest 종료 코드 {code})",
            f"the graders could not run (pytest exit code {code})")), file=sys.stderr)
        return 3
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
    return 0
