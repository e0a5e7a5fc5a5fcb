"""The checklist rows of a report: each item's status, points, what its exercise modules achieved
(`ch04.conv ✓`) and what this machine lacks to verify the rest (a data set, a package, a GPU,
with the command that fixes it). `dldrill.report.build_report` puts them together.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from dldrill import i18n
from dldrill.curriculum import CHAPTERS, Item
from dldrill.i18n import clean_text, tr
from dldrill.paths import graders_root

GITHUB_RE = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/?$")


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
