"""`dldrill report --html FILE`: the report as one self-contained page.

No network request of any kind: CSS inline, the chart an inline SVG, no scripts, no fonts or
images from elsewhere. The page shows the checklist (each item's exercise modules and what would
make the rest verifiable), a per-chapter progress chart, every exercise's status with the hints
used (`dldrill.progress`), and each failed check with expected / got / hint and, where the
failure matches a catalogued mistake, its name. Text from a submission is escaped.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from dldrill import i18n
from dldrill.i18n import tr
from dldrill.render import MODE_TEXT, MODULE_MARK, STATUS_MARK, STATUS_TEXT, missing_text, points

EXERCISE_TEXT = {
    "passed": tr("통과", "passed"),
    "todo": tr("TODO (아직 작성 전)", "TODO (not written yet)"),
    "failed": tr("모듈에 실패한 채점이 있음", "its module has failing checks"),
    "not_reached": tr("아직 확인되지 않음", "not reached yet"),
    "not_graded": tr("이번에 채점하지 않음", "not graded in this run"),
}
COLOURS = {"done": "#2e7d32", "passed": "#2e7d32", "partial": "#f9a825", "failed": "#c62828",
           "not_started": "#757575", "todo": "#757575", "not_verifiable": "#6a1b9a",
           "not_graded": "#8d8d8d", "not_available": "#8d8d8d", "declared": "#2e7d32",
           "not_reached": "#8d8d8d"}
CSS = """
body{font-family:"Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic","NanumGothic",sans-serif;margin:2em;
color:#212121;max-width:1100px}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:2px solid #eee}
.meta{color:#616161}.total{font-size:1.3em;font-weight:bold;margin:.6em 0}
table{border-collapse:collapse;width:100%}td,th{padding:.3em .5em;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}th{background:#fafafa}
.chip{display:inline-block;border-radius:1em;padding:0 .6em;margin:.1em;color:#fff;white-space:nowrap;
font-size:.85em}.cmd{font-family:monospace;background:#f5f5f5;padding:0 .3em}
.fail{border-left:4px solid #c62828;padding:.3em .8em;margin:.6em 0;background:#fff8f8}
pre{white-space:pre-wrap;margin:.2em 0;background:#f5f5f5;padding:.3em}
.mistake{color:#c62828;font-weight:bold}
"""


def _t(text: i18n.Text) -> str:
    return escape(i18n.render(text))


def _chip(status: str, label: str) -> str:
    return (f'<span class="chip" style="background:{COLOURS.get(status, "#757575")}">'
            f"{escape(label)}</span>")


def chapter_chart(report: dict) -> str:
    """An inline SVG: one horizontal bar per chapter (percent of its verifiable points)."""
    lang = i18n.get_lang()
    rows = report["chapters"]
    bar_x, bar_w, row_h = 330, 500, 28
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{bar_x + bar_w + 140}" '
             f'height="{row_h * len(rows) + 10}" role="img" '
             f'aria-label="{_t(tr("챕터별 진행률", "progress by chapter"))}">']
    for i, c in enumerate(rows):
        y = 5 + i * row_h
        title = f"{c['chapter']} {c['ko'] if lang == 'ko' else c['en']}"
        pct = c["percent"] or 0.0
        parts.append(f'<text x="0" y="{y + 18}" font-size="14">{escape(title[:40])}</text>')
        parts.append(f'<rect x="{bar_x}" y="{y + 4}" width="{bar_w}" height="18" fill="#eeeeee"/>')
        if c["available"]:
            fill = COLOURS["done"] if pct >= 100 else COLOURS["partial"]
            parts.append(f'<rect x="{bar_x}" y="{y + 4}" width="{bar_w * pct / 100:.1f}" '
                         f'height="18" fill="{fill}"/>')
            label = f"{pct:.1f}% · {points(c['points'], c['max_points'])}"
        else:
            label = i18n.render(STATUS_TEXT["not_graded" if c.get("in_kit") else "not_available"])
        parts.append(f'<text x="{bar_x + bar_w + 8}" y="{y + 18}" font-size="13">'
                     f"{escape(label)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _checklist(report: dict) -> str:
    lang = i18n.get_lang()
    rows = [f"<tr><th>#</th><th>{_t(tr('항목', 'item'))}</th><th>{_t(tr('상태', 'status'))}</th>"
            f"<th>{_t(tr('모듈별', 'by exercise module'))}</th></tr>"]
    for i, r in enumerate(report["checklist"], 1):
        status = i18n.render(STATUS_TEXT[r["status"]])
        if r["max_points"]:
            status += f" ({points(r['points'], r['max_points'])})"
        modules = r.get("modules", [])
        if all(m["status"] in ("not_graded", "not_available") for m in modules):
            modules = []  # the note says so
        chips = "".join(_chip(m["status"], f"{MODULE_MARK[m['status']]} {m['chapter']}"
                              + ("" if m["module"] == "*" else f".{m['module']}")
                              + (f" {m['passed']}/{m['checks']}" if m["checks"] else ""))
                        for m in modules)
        extra = "".join(f"<div>? {escape(missing_text(x))} → <span class=\"cmd\">"
                        f"{escape(x['command'])}</span></div>" for x in r.get("missing", []))
        if r.get("note"):
            extra += f"<div class=\"meta\">{escape(r['note'])}</div>"
        label = r["ko"] if lang == "ko" else r["en"]
        rows.append(f"<tr><td>{i}</td><td>{STATUS_MARK[r['status']]} {escape(label)}</td>"
                    f"<td>{_chip(r['status'], status)}</td><td>{chips}{extra}</td></tr>")
    return "<table class=\"checklist\">" + "".join(rows) + "</table>"


def _missing(report: dict) -> str:
    things = report.get("missing") or []
    if not things:
        return ""
    items = "".join(f"<li>{escape(missing_text(x))} — {x['tests']} · "
                    f"{escape(points(0, x['points']).split('/', 1)[1])}: "
                    f"<span class=\"cmd\">{escape(x['command'])}</span></li>" for x in things)
    return (f"<h2>{_t(tr('확인하려면 (이 컴퓨터에 없는 것)', 'To verify the rest'))}</h2>"
            f"<ul>{items}</ul>")


def exercise_rows(report: dict, exercises: list, progress: object | None) -> list[dict]:
    """Each exercise (`chNN.module.function`) with its status in this report and its hint use:
    TODO when a check reached its stub, passed when the progress file or every check of its
    module says so, failed when its module has a failing check."""
    from dldrill.errors import todo_tag

    todo = {todo_tag(r["reason"] or "") for r in report["tests"] if r["outcome"] == "todo"}
    by_module: dict[tuple[str, str], list[dict]] = {}
    for r in report["tests"]:
        by_module.setdefault((r["chapter"], r["module"]), []).append(r)
    graded = {c["chapter"] for c in report["chapters"] if c["available"]}
    passed = getattr(progress, "passed", {}) or {}
    hints = getattr(progress, "hints", {}) or {}
    out = []
    for ex in exercises:
        rows = by_module.get((ex.chapter, ex.module), [])
        if ex.id in todo:
            status = "todo"
        elif any(r["outcome"] == "failed" for r in rows):
            status = "failed"
        elif ex.id in passed or (rows and all(r["outcome"] == "passed" for r in rows)):
            status = "passed"
        elif ex.chapter not in graded:
            status = "not_graded"
        else:
            status = "not_reached"
        out.append({"id": ex.id, "status": status, "hints": int(hints.get(ex.id, 0)),
                    "passed_at": passed.get(ex.id, "")})
    return out


def _exercises(rows: list[dict]) -> str:
    used = sum(1 for r in rows if r["hints"])
    head = (f"<h2>{_t(tr('연습 문제별 상태', 'Exercises'))}</h2><p>"
            + _t(tr(f"힌트를 본 연습 문제 {used}개 / {len(rows)}개",
                    f"hints used on {used} of {len(rows)} exercises")) + "</p>")
    body = [f"<tr><th>{_t(tr('연습 문제', 'exercise'))}</th><th>{_t(tr('상태', 'status'))}</th>"
            f"<th>{_t(tr('힌트', 'hints'))}</th></tr>"]
    for r in rows:
        hint = _t(tr(f"{r['hints']}단계까지", f"up to level {r['hints']}")) if r["hints"] else "—"
        when = f" <span class=\"meta\">{escape(r['passed_at'])}</span>" if r["passed_at"] else ""
        body.append(f"<tr><td><code>{escape(r['id'])}</code></td>"
                    f"<td>{_chip(r['status'], i18n.render(EXERCISE_TEXT[r['status']]))}{when}</td>"
                    f"<td>{hint}</td></tr>")
    return head + "<table class=\"exercises\">" + "".join(body) + "</table>"


def _failures(report: dict) -> str:
    failed = [r for r in report["tests"] if r["outcome"] == "failed"]
    if not failed:
        return ""
    out = [f"<h2>{_t(tr('실패한 채점 항목', 'Failed checks'))} ({len(failed)})</h2>"]
    for r in failed:
        name = r["nodeid"].split("::", 1)[-1]
        out.append(f"<div class=\"fail\"><b>{escape(r['chapter'] or '')}.{escape(r['module'] or '')}"
                   f"</b> · <code>{escape(name)}</code>"
                   + (f" — {escape(r['what'])}" if r.get("what") else "")
                   + f" ({points(r['earned'], r['points'])})")
        if r.get("mistake"):
            out.append(f"<div class=\"mistake\">{_t(tr('알려진 실수', 'known mistake'))}: "
                       f"{escape(r['mistake'])}</div>")
        shown = False
        for key, label in (("expected", i18n.EXPECTED), ("got", i18n.GOT)):
            if r.get(key):
                shown = True
                out.append(f"<div>{_t(label)}:<pre>{escape(r[key])}</pre></div>")
        if r.get("hint"):
            out.append(f"<div>{_t(i18n.HINT)}: {escape(r['hint'])}</div>")
        if not shown and r.get("reason"):
            out.append(f"<pre>{escape(r['reason'])}</pre>")
        out.append("</div>")
    return "".join(out)


def render_html(report: dict, exercises: list | None = None, progress: object | None = None) -> str:
    """The whole page for a report (`dldrill.report.build_report`), in the current language.
    `exercises`: `dldrill.catalog.Exercise`s to list; `progress`: `dldrill.progress.Progress`."""
    lang = i18n.get_lang()
    tot = report["total"]
    mode = i18n.render(MODE_TEXT.get(report["mode"], tr(report["mode"], report["mode"])))
    unverified = tot.get("not_verifiable_points") or 0
    summary = (_t(tr("합계", "Total")) + f": {escape(points(tot['points'], tot['max_points']))} "
               f"({tot['percent'] or 0:g}%) · "
               + (_t(tr(f"여기서 확인 불가 {unverified:g}점 제외", f"{unverified:g} pts not "
                        "verifiable here, left out")) + " · " if unverified else "")
               + _t(tr(f"체크리스트 {tot['items_done']}/{tot['items']} 완료",
                       f"checklist {tot['items_done']}/{tot['items']} done")))
    body = [
        f"<h1>{_t(tr('dldrill 학습 리포트', 'dldrill report'))}</h1>",
        f"<div class=\"meta\">{escape(report['submission'])} · "
        + _t(tr(f"모드 {mode} · 장치 {report['device']} · {report['duration_s']:g}초",
                f"mode {mode} · device {report['device']} · {report['duration_s']:g} s"))
        + "</div>",
        f"<div class=\"total\">{summary}</div>",
        f"<h2>{_t(tr('학습 완료 체크리스트', 'Completion checklist'))}</h2>", _checklist(report),
        _missing(report),
        f"<h2>{_t(tr('챕터별 진행률', 'Progress by chapter'))}</h2>", chapter_chart(report),
        _exercises(exercise_rows(report, exercises or [], progress)) if exercises else "",
        _failures(report),
    ]
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            f"style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{_t(tr('dldrill 학습 리포트', 'dldrill report'))}</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")


def write_html(report: dict, path: Path, submission: Path) -> Path:
    """Writes the page for `report` to `path`, with the kit's exercises and the learner's
    progress file (hint use) where they can be read."""
    try:
        from dldrill import catalog

        exercises = catalog.load()
    except (ImportError, OSError, ValueError):
        exercises = []
    try:
        from dldrill import progress as progress_mod

        progress = progress_mod.load(submission)
    except (ImportError, OSError):
        progress = None
    path.write_text(render_html(report, exercises, progress), encoding="utf-8")
    return path
