"""How a report reads to people: the terminal text of `dldrill report` (`render_text`) and the
`feedback.md` that `dldrill grade` writes for each submission (`feedback_markdown`), both from a
report object (`dldrill.report.build_report`, schema `dldrill.report/1`) in the current language.
Text that came from a submission is shown on one line, and in feedback.md inside code spans or
fences that it cannot close.
"""

from __future__ import annotations

import re
import sys
from io import StringIO
from typing import TextIO

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dldrill import i18n
from dldrill.i18n import GOT, HINT, clean_text, tr
from dldrill.records import one_line

STATUS_TEXT = {
    "done": tr("완료", "done"),
    "partial": tr("진행 중", "partial"),
    "failed": tr("실패 있음", "failing"),
    "not_started": tr("시작 전", "not started"),
    "not_available": tr("아직 준비되지 않음", "not yet available"),
    "not_graded": tr("이번에 채점하지 않음", "not graded in this run"),
    "not_verifiable": tr("여기서 확인 불가", "not verifiable here"),
    "declared": tr("선언됨", "declared"),
}
STATUS_MARK = {"done": "☑", "partial": "◐", "not_started": "☐", "not_available": "·",
               "not_graded": "-", "not_verifiable": "?", "declared": "☑", "failed": "✗"}
# One exercise module's checks for an item: passed, failing, some passed, none yet, ...
MODULE_MARK = {"done": "✓", "failed": "✗", "partial": "◐", "not_started": "☐",
               "not_verifiable": "?", "not_graded": "-", "not_available": "·"}
MODE_TEXT = {"sandbox": tr("샌드박스", "sandbox"), "inprocess": tr("프로세스 내", "in-process")}
FULL_PER_MODULE = 2  # failures shown in full per module; the rest in one line
LINE_WIDTH = 100  # display columns of the module lines under a checklist item


# -- text rendering ------------------------------------------------------------------------------
def width(text: str) -> int:
    """Display columns of `text` in a terminal: Hangul and other wide characters take two
    (rich's cell widths)."""
    return cell_len(text)



def _pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def _bar(percent: float | None, columns: int = 10) -> str:
    if percent is None:
        return "·" * columns
    full = round(percent / 100 * columns)
    return "█" * full + "░" * (columns - full)


def points(earned: float, total: float) -> str:
    """`3/10점` / `3/10 pts`."""
    return i18n.render(tr(f"{earned:g}/{total:g}점", f"{earned:g}/{total:g} pts"))


def missing_text(thing: dict) -> str:
    """What this machine lacks, in words: `the mnist data set is not cached`."""
    name = thing["name"]
    return i18n.render({
        "data": tr(f"데이터셋 {name}이(가) 이 컴퓨터에 없습니다", f"the {name} data set is not cached"),
        "package": tr(f"{name} 패키지가 설치되어 있지 않습니다", f"{name} is not installed"),
        "gpu": tr("CUDA GPU가 없습니다 (GPU가 있는 컴퓨터에서 실행하세요)",
                  "no CUDA GPU (run it on a machine with one)"),
    }.get(thing["kind"], tr(name, name)))


def counts_text(n: dict) -> str:
    """`통과 3, TODO 5, 실패 1, 확인 불가 2` / `3 passed, 5 TODO, 1 failed, 2 not verifiable here`."""
    text = tr(f"통과 {n['passed']}, TODO {n['todo']}, 실패 {n['failed']}",
              f"{n['passed']} passed, {n['todo']} TODO, {n['failed']} failed")
    out = i18n.render(text)
    if n.get("skipped"):
        out += i18n.render(tr(f", 확인 불가 {n['skipped']}", f", {n['skipped']} not verifiable here"))
    return out


def _module_lines(r: dict) -> list[str]:
    """Under a checklist item: each exercise module's mark and checks passed, wrapped, then each
    check this machine cannot verify with the command that would."""
    modules = r.get("modules", [])
    if all(m["status"] in ("not_graded", "not_available") for m in modules):
        modules = []  # the item's note says so
    cells = []
    for m in modules:
        name = m["chapter"] if m["module"] == "*" else f"{m['chapter']}.{m['module']}"
        cell = f"{MODULE_MARK[m['status']]} {name}"
        if m["checks"]:
            cell += f" {m['passed']}/{m['checks']}"
        cells.append(cell)
    lines: list[str] = []
    for cell in cells:
        if lines and width(lines[-1]) + 2 + width(cell) <= LINE_WIDTH:
            lines[-1] += "  " + cell
        else:
            lines.append("      " + cell)
    for thing in r.get("missing", []):
        where = ", ".join(thing["modules"])
        lines.append(f"      ? {where}: " + i18n.render(tr("여기서 확인 불가", "not verifiable here"))
                     + f" — {missing_text(thing)} → {thing['command']}")
    return lines


def _missing_section(report: dict) -> list[str]:
    """Each thing this machine lacks, once, with its command and what it keeps out."""
    things = report.get("missing") or []
    if not things:
        return []
    t = i18n.render
    lines = ["", t(tr("확인하려면 (이 컴퓨터에 없는 것)", "To verify the rest (missing on this machine)"))]
    for thing in things:
        n, pts = thing["tests"], points(0, thing["points"]).split("/", 1)[1]
        lines.append("  · " + missing_text(thing)
                     + t(tr(f" — 채점 {n}개, {pts}", f" — {n} check{'s' * (n != 1)}, {pts}")))
        lines.append(f"      → {thing['command']}")
    return lines


def _chapter_table(report: dict, titles: dict[str, str]) -> list[str]:
    """One row per chapter: title, bar, percent, points, counts; laid out by rich in display
    columns (a Hangul title is as wide as it looks)."""
    t = i18n.render
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    for justify in ("left", "left", "right", "right", "left"):
        table.add_column(no_wrap=True, justify=justify)  # type: ignore[arg-type]
    for c in report["chapters"]:
        title = titles[c["chapter"]]
        if not c["available"]:
            status = "not_graded" if c.get("in_kit") else "not_available"
            table.add_row(title, _bar(None), "", "", t(STATUS_TEXT[status]))
            continue
        table.add_row(title, _bar(c["percent"]), f"{c['percent'] or 0:.1f}%",
                      points(c["points"], c["max_points"]), f"({counts_text(c['tests'])})")
    out = StringIO()
    Console(file=out, width=1000, color_system=None, force_terminal=False,
            legacy_windows=False).print(table, crop=False)
    return ["  " + ln.rstrip() for ln in out.getvalue().splitlines()]


# Marks coloured on a terminal (never when piped: rich leaves colour out then, and for NO_COLOR).
STYLES = ((r"[☑✓]", "green"), (r"✗", "red"), (r"[◐☐]", "yellow"), (r"\?", "magenta"),
          (r"█+", "green"), (r"→ .*$", "cyan"))


def print_report(text: str, file: TextIO | None = None) -> None:
    """Prints the report: marks and commands in colour on a terminal, plain when piped; lines
    are never re-wrapped."""
    console = Console(file=file or sys.stdout, highlight=False, soft_wrap=True)
    for line in text.splitlines():
        styled = Text(line)
        for pattern, style in STYLES:
            styled.highlight_regex(pattern, style)
        console.print(styled)


def render_text(report: dict, full: bool = False) -> str:
    """The terminal report: header, checklist with each item's modules, the things that would
    make the rest verifiable, per-chapter bars, total, failures; columns in display width."""
    t = i18n.render
    lang = i18n.get_lang()
    mode = t(MODE_TEXT.get(report["mode"], tr(report["mode"], report["mode"])))
    lines = [
        t(tr("dldrill 학습 리포트", "dldrill report")) + f" — {report['submission']}",
        "  " + t(tr(f"모드 {mode} · 장치 {report['device']} · {report['duration_s']:g}초",
                    f"mode {mode} · device {report['device']} · {report['duration_s']:g} s")),
        "",
        t(tr("학습 완료 체크리스트", "Completion checklist")),
    ]
    labels = {r["id"]: r["ko" if lang == "ko" else "en"] for r in report["checklist"]}
    label_w = max(width(v) for v in labels.values()) + 2
    titles = {c["chapter"]: f"{c['chapter']} {c['ko'] if lang == 'ko' else c['en']}"
              for c in report["chapters"]}
    for i, r in enumerate(report["checklist"], 1):
        status = t(STATUS_TEXT[r["status"]])
        modules = r.get("modules") or []
        if r["status"] == "partial" and modules:
            status += t(tr(f" — 모듈 {r['modules_done']}/{len(modules)} 완료",
                           f" — {r['modules_done']}/{len(modules)} modules done"))
        if r["max_points"]:
            status += f" ({points(r['points'], r['max_points'])})"
        lines.append(f" {i:>2} {STATUS_MARK[r['status']]} {_pad(labels[r['id']], label_w)}{status}")
        lines += _module_lines(r)
        if r["note"] and r["status"] in ("partial", "not_available", "not_graded",
                                         "not_started", "declared"):
            lines.append(f"      {r['note']}")
    lines += _missing_section(report)
    lines += ["", t(tr("챕터별 진행률", "Progress by chapter"))]
    lines += _chapter_table(report, titles)
    tot = report["total"]
    unverified = tot.get("not_verifiable_points") or 0
    lines += ["", t(tr("합계", "Total")) + f": {points(tot['points'], tot['max_points'])} "
              f"({tot['percent'] or 0:g}%) · "
              + (t(tr(f"여기서 확인 불가 {unverified:g}점 제외 · ",
                      f"{unverified:g} pts not verifiable here, left out · ")) if unverified else "")
              + t(tr(f"체크리스트 {tot['items_done']}/{tot['items']} 완료",
                     f"checklist {tot['items_done']}/{tot['items']} done"))]
    lines += _render_todo(report)
    lines += _render_failures(report, full)
    return "\n".join(lines)


def todo_functions(records: list[dict]) -> dict[str, list[str]]:
    """`chNN.module` -> the functions its TODO checks stopped at (`TODO(ch04.conv.conv2d_naive)`
    in their reasons), in order of first appearance."""
    out: dict[str, list[str]] = {}
    for r in records:
        m = re.search(r"TODO\((ch\d\d)\.(\w+)\.([\w.]+)\)", r.get("reason") or "")
        if r["outcome"] == "todo" and m:
            names = out.setdefault(f"{m.group(1)}.{m.group(2)}", [])
            if m.group(3) not in names:
                names.append(m.group(3))
    return out


def _render_todo(report: dict, limit: int = 6) -> list[str]:
    """Where the checks stopped at an untouched stub: the functions to write, by file."""
    functions = todo_functions(report["tests"])
    if not functions:
        return []
    t = i18n.render
    lines = ["", t(tr("작성할 함수 (채점이 TODO에서 멈춘 곳)",
                      "Functions to write (where checks stopped at a TODO)"))]
    from dldrill.curriculum import CHAPTERS

    def rank(key: str) -> tuple[str, int]:
        chapter, module = key.split(".", 1)
        modules = CHAPTERS[chapter].modules if chapter in CHAPTERS else ()
        return chapter, modules.index(module) if module in modules else len(modules)

    for key, names in sorted(functions.items(), key=lambda kv: rank(kv[0]))[:limit]:
        chapter, module = key.split(".", 1)
        lines.append(f"  {chapter}/{module}.py: {', '.join(names)}")
    if len(functions) > limit:
        more = len(functions) - limit
        lines.append("  " + t(tr(f"… 그 밖에 파일 {more}개 (다음 연습 문제는 dldrill next)",
                                 f"… and {more} more files (the next exercise: dldrill next)")))
    return lines


def _render_failures(report: dict, full: bool) -> list[str]:
    """Failed checks by module: the first FULL_PER_MODULE in full (what, expected, got, hint),
    the rest in one line, and the command that shows them all."""
    t = i18n.render
    failed = [r for r in report["tests"] if r["outcome"] == "failed"]
    if not failed:
        return []
    lines = ["", t(tr("실패한 채점 항목", "Failed checks"))]
    by_module: dict[tuple[str, str], list[dict]] = {}
    for r in failed:
        by_module.setdefault((r["chapter"], r["module"]), []).append(r)
    hidden = False
    for (chapter, module), rows in by_module.items():
        lines.append(f"  {chapter}.{module}")
        for i, r in enumerate(rows):
            name = r["nodeid"].split("::", 1)[-1]
            if (full or i < FULL_PER_MODULE) and (r.get("expected") or r.get("got")):
                lines.append(f"    ✗ {name}" + (f" — {r['what']}" if r.get("what") else ""))
                for key, label in (("expected", i18n.EXPECTED), ("got", GOT), ("hint", HINT),
                                   ("mistake", tr("알려진 실수와 같은 결과", "a catalogued mistake"))):
                    if r.get(key):
                        lines.append(f"        {t(label)}: {r[key]}")
            else:
                hidden = hidden or bool(r.get("expected") or r.get("got"))
                lines.append(f"    ✗ {name}: {r['reason']}")
    if hidden:
        lines.append("  " + t(tr("모든 실패를 자세히 보기: dldrill report --full",
                                 "every failure in full: dldrill report --full")))
    return lines


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
                if r.get("mistake"):
                    lines.append(f"  - {t(tr('알려진 실수와 같은 결과', 'a catalogued mistake'))}: "
                                 f"{_inline(one_line(r['mistake']))}")
            else:
                lines.append(f"- **{name}** {pts}: {_inline(one_line(r['reason']))}")
        lines.append("")
    if todo:
        lines += [f"## {t(tr('아직 구현하지 않음 (TODO)', 'Not implemented yet (TODO)'))}", ""]
        by_module: dict[str, int] = {}
        for r in todo:
            key = f"{one_line(r['chapter'])}.{one_line(r['module'])}"
            by_module[key] = by_module.get(key, 0) + 1
        functions = todo_functions(todo)
        for k, n in by_module.items():
            names = ", ".join(f"`{f}`" for f in functions.get(k, []))  # identifiers: [\w.]+
            lines.append(f"- {k}: {t(tr(f'{n}개 항목', f'{n} check' + 's' * (n != 1)))}" + (
                t(tr(f" — 작성할 함수: {names}", f" — functions to write: {names}")) if names else ""))
        lines.append("")
    notes = report.get("intake_notes") or []
    if notes:  # what reading a notebook submission noticed (copied cells, lost tags, ...)
        lines += [f"## {t(tr('노트북을 읽으며 알게 된 것', 'Notes from reading the notebook'))}", ""]
        lines += [f"- {_inline(one_line(str(n)))}" for n in notes[:50]]
        lines.append("")
    if not failed and not todo:
        lines.append(t(tr("모든 채점 항목을 통과했습니다.", "Every check passed.")))
    return "\n".join(lines).rstrip() + "\n"
