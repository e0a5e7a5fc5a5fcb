"""Class insight after a batch: `dldrill class-report DIR` (DIR: what `dldrill grade --out` wrote).

From `DIR/gradebook.sqlite` it finds, per chapter, the checks that failed most (failed among the
submissions that ran them; `todo` — not written yet — counted apart) and the catalogued mistakes
that were most common (the `mistake` a failed check's result matched, when records carry it).
It flags for a human the submissions with identical content (the same `content_hash`) and those
with near-identical code: each submission's exercise modules are read again from the path the
gradebook names (folder, zip or notebook, through `intake.open_submission`), reduced to tokens
(comments dropped, strings and local names made alike: renaming does not hide a copy), cut into
shingles of `SHINGLE` tokens, the stub's own shingles removed (everyone starts from it), and
compared pairwise by Jaccard similarity. It writes `DIR/class_report.html` — one page with inline
CSS and SVG, no script and no request of any kind — and `DIR/class_report.csv`.

Why this file is long: the page and the CSV are two views of one analysis (read, count, compare),
kept in one module so that they cannot disagree.
"""

from __future__ import annotations

import builtins
import csv
import io
import keyword
import re
import shutil
import sqlite3
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from itertools import combinations
from pathlib import Path

from dldrill import __version__, i18n
from dldrill.curriculum import CHAPTERS
from dldrill.gradebook import csv_cell, write_private
from dldrill.i18n import tr
from dldrill.intake import Refused, ZipLimits, open_submission
from dldrill.paths import exercises_root

SHINGLE = 6                # tokens per shingle
MIN_SHINGLES = 15          # fewer of the learner's own shingles: too little code to compare
NEAR = 0.8                 # Jaccard similarity from which two submissions are flagged
TOP = 12                   # checks per chapter on the page
MAX_SOURCE_BYTES = 1 << 20  # a module larger than this is not compared


@dataclass
class Batch:
    """A graded batch as read from its gradebook."""

    folder: Path
    submissions: list[dict]
    tests: list[dict]

    @property
    def graded(self) -> list[dict]:
        return [s for s in self.submissions if s.get("status") == "graded"]


def load_batch(folder: Path) -> Batch:
    """The gradebook in `folder`, read-only; FileNotFoundError without one."""
    path = folder / "gradebook.sqlite"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no gradebook (run dldrill grade --out {folder} first)")
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        subs = [dict(r) for r in db.execute("SELECT * FROM submissions ORDER BY id, key")]
        tests = [dict(r) for r in db.execute("SELECT * FROM tests ORDER BY submission, rowid")]
    finally:
        db.close()
    return Batch(folder, subs, tests)


# -- what failed ---------------------------------------------------------------------------------
@dataclass
class Check:
    """One grader test across the batch."""

    chapter: str
    nodeid: str
    ran: int = 0
    failed: int = 0
    todo: int = 0
    reasons: Counter = field(default_factory=Counter)
    who: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        path, _, test = self.nodeid.partition("::")
        return f"{Path(path).stem.removeprefix('test_')}::{test}" if test else self.nodeid

    @property
    def share(self) -> float:
        return self.failed / self.ran if self.ran else 0.0


def failed_checks(batch: Batch) -> dict[str, list[Check]]:
    """chapter -> its checks that failed at least once, most failed first."""
    graded = {s["key"] for s in batch.graded}
    checks: dict[tuple[str, str], Check] = {}
    for t in batch.tests:
        if t["submission"] not in graded or t.get("outcome") in (None, "skipped"):
            continue
        c = checks.setdefault((t.get("chapter") or "?", t["nodeid"]), Check(t.get("chapter") or "?",
                                                                           t["nodeid"]))
        c.ran += 1
        if t["outcome"] == "failed":
            c.failed += 1
            c.who.append(t["submission"])
            if t.get("reason"):
                c.reasons[t["reason"]] += 1
        elif t["outcome"] == "todo":
            c.todo += 1
    out: dict[str, list[Check]] = defaultdict(list)
    for c in sorted(checks.values(), key=lambda c: (-c.failed, -c.share, c.nodeid)):
        if c.failed:
            out[c.chapter].append(c)
    return dict(sorted(out.items()))


def common_mistakes(batch: Batch) -> dict[str, list[tuple[str, list[str]]]]:
    """chapter -> [(catalogued mistake, the submissions whose failed checks matched it)], most
    common first (a submission counted once per mistake)."""
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    graded = {s["key"] for s in batch.graded}
    for t in batch.tests:
        if t["submission"] in graded and t.get("mistake"):
            seen[t.get("chapter") or "?"][t["mistake"]].add(t["submission"])
    return {ch: sorted(((m, sorted(w)) for m, w in per.items()), key=lambda x: (-len(x[1]), x[0]))
            for ch, per in sorted(seen.items())}


# -- who looks alike -----------------------------------------------------------------------------
def identical(batch: Batch) -> list[list[str]]:
    """Groups (two or more) of submissions with the same content hash."""
    groups: dict[str, list[str]] = defaultdict(list)
    for s in batch.submissions:
        if s.get("content_hash") and s.get("status") != "duplicate id":
            groups[s["content_hash"]].append(s["key"])
    return sorted(g for g in groups.values() if len(g) > 1)


_TOKEN = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|'
                    r"#[^\n]*|\d[\w.]*|\.?[A-Za-z_]\w*|\*\*|//|==|!=|<=|>=|->|\S")
_KEEP = set(keyword.kwlist) | set(dir(builtins))


def tokens(source: str) -> list[str]:
    """The source as tokens for comparison: comments dropped, every string `S`, every name `N`
    unless it is a keyword, a builtin or an attribute (`.sum` stays: it is what the code does)."""
    out = []
    for tok in _TOKEN.findall(source):
        if tok.startswith("#"):
            continue
        if tok[0] in "\"'":
            out.append("S")
        elif (tok[0] == "." and len(tok) > 1) or tok in _KEEP or not (tok[0].isalpha() or tok[0] == "_"):
            out.append(tok)
        else:
            out.append("N")
    return out


def shingles(source: str) -> set[int]:
    toks = tokens(source)
    return {hash(tuple(toks[i:i + SHINGLE])) for i in range(max(0, len(toks) - SHINGLE + 1))}


_STUBS: dict[str, set[int]] = {}


def _stub_shingles(rel: str) -> set[int]:
    if rel not in _STUBS:
        path = exercises_root() / rel
        _STUBS[rel] = shingles(path.read_text(encoding="utf-8")) if path.is_file() else set()
    return _STUBS[rel]


def fingerprint(folder: Path) -> set[tuple[str, int]]:
    """(module, shingle) pairs of the learner's own code in a located submission folder."""
    out: set[tuple[str, int]] = set()
    for chapter in sorted(CHAPTERS):
        for module in CHAPTERS[chapter].modules:
            path = folder / chapter / f"{module}.py"
            try:
                if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_SOURCE_BYTES:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            rel = f"{chapter}/{module}.py"
            out |= {(rel, h) for h in shingles(text) - _stub_shingles(rel)}
    return out


Pair = tuple[str, str, float, list[str]]


def near_identical(batch: Batch, threshold: float = NEAR) -> tuple[list[Pair], list[str], set[str]]:
    """Pairs of submissions whose code is near-identical (similarity >= threshold, identical
    content left to `identical`), most similar first, each with the modules they share most of;
    the submissions whose code could not be read again (moved, deleted); and those with too
    little code of their own to compare (untouched stubs)."""
    prints: dict[str, set[tuple[str, int]]] = {}
    hashes = {s["key"]: s.get("content_hash") for s in batch.submissions}
    unreadable = []
    little: set[str] = set()
    tmp = Path(tempfile.mkdtemp(prefix="dldrill-class-"))
    try:
        for i, s in enumerate(batch.submissions):
            if s.get("status") == "duplicate id" or not s.get("content_hash"):
                continue
            work = tmp / str(i)
            work.mkdir()
            try:
                folder, _ = open_submission(Path(s["path"]), work, ZipLimits())
                fp = fingerprint(folder)
            except (Refused, OSError, ValueError):
                unreadable.append(s["key"])
                continue
            finally:
                shutil.rmtree(work, ignore_errors=True)
            if len(fp) >= MIN_SHINGLES:
                prints[s["key"]] = fp
            else:
                little.add(s["key"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    pairs = []
    for a, b in combinations(sorted(prints), 2):
        if hashes[a] == hashes[b]:
            continue
        pa, pb = prints[a], prints[b]
        shared = len(pa & pb)
        sim = shared / (len(pa) + len(pb) - shared)
        if sim >= threshold:
            modules = Counter(m for m, _ in pa & pb)
            pairs.append((a, b, sim, [m for m, _ in modules.most_common(3)]))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return pairs, unreadable, little


def clusters(pairs: list[Pair]) -> list[tuple[list[str], float, float]]:
    """The near-identical pairs joined into groups (a copied submission copied again is one
    group): (members, lowest and highest similarity of a flagged pair in it), largest first."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b, _, _ in pairs:
        parent[root(a)] = root(b)
    groups: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        groups[root(p[0])].append(p)
    out = [(sorted({k for p in ps for k in p[:2]}), min(p[2] for p in ps), max(p[2] for p in ps))
           for ps in groups.values()]
    return sorted(out, key=lambda g: (-len(g[0]), -g[2], g[0]))


# -- the outputs ---------------------------------------------------------------------------------
@dataclass
class Insight:
    batch: Batch
    checks: dict[str, list[Check]]
    mistakes: dict[str, list[tuple[str, list[str]]]]
    same: list[list[str]]
    near: list[Pair]
    unreadable: list[str]
    little: set[str] = field(default_factory=set)
    threshold: float = NEAR


def analyse(folder: Path, threshold: float = NEAR) -> Insight:
    batch = load_batch(folder)
    near, unreadable, little = near_identical(batch, threshold)
    same = [g for g in identical(batch) if not set(g) <= little]  # untouched stubs are alike
    return Insight(batch, failed_checks(batch), common_mistakes(batch), same, near, unreadable,
                   little, threshold)


def to_csv(ins: Insight) -> str:
    """section, chapter, name, count, of, share, detail, submissions — one row per failed check,
    catalogued mistake, group of identical submissions and near-identical pair."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", "chapter", "name", "count", "of", "share", "detail", "submissions"])
    n = len(ins.batch.graded)
    for ch, checks in ins.checks.items():
        for c in checks:
            reason = c.reasons.most_common(1)[0][0] if c.reasons else ""
            w.writerow(["failed_check", ch, csv_cell(c.name), c.failed, c.ran, f"{c.share:.3f}",
                        csv_cell(reason), csv_cell(" ".join(c.who))])
    for ch, found in ins.mistakes.items():
        for mistake, who in found:
            w.writerow(["mistake", ch, csv_cell(mistake), len(who), n, f"{len(who) / n:.3f}" if n else "",
                        "", csv_cell(" ".join(who))])
    for group in ins.same:
        w.writerow(["identical", "", "", len(group), "", "", "same content hash",
                    csv_cell(" ".join(group))])
    for a, b, sim, modules in ins.near:
        w.writerow(["near_identical", "", "", 2, "", f"{sim:.3f}", csv_cell(" ".join(modules)),
                    csv_cell(f"{a} {b}")])
    return buf.getvalue()


CSS = """body{font-family:system-ui,'Noto Sans KR','Malgun Gothic',sans-serif;margin:2em;color:#222;
max-width:1100px}h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.muted{color:#666}table{border-collapse:collapse;margin:.6em 0;width:100%}td,th{border:1px solid #ddd;
padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}th{background:#f3f3f3}
.flag{background:#fff4e5}.num{text-align:right;white-space:nowrap}code{font-size:13px}
.cards{display:flex;gap:1em}.card{border:1px solid #ddd;border-radius:8px;padding:.6em 1em}
.card b{font-size:1.6em;display:block}"""


def _t(ko: str, en: str) -> str:
    return escape(i18n.render(tr(ko, en)))


def _bars(checks: list[Check]) -> str:
    """An inline SVG: one bar per check, its length the share of submissions that failed it."""
    rows = checks[:TOP]
    h = 22 * len(rows) + 8
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="{h}" role="img">']
    for i, c in enumerate(rows):
        y = 4 + 22 * i
        width = max(2, round(560 * c.share))
        out.append(f'<text x="0" y="{y + 15}" font-size="13">{escape(c.name[:52])}</text>'
                   f'<rect x="400" y="{y + 3}" width="{width}" height="16" fill="#d9534f"/>'
                   f'<text x="{406 + width}" y="{y + 15}" font-size="13">{c.failed}/{c.ran} '
                   f'({100 * c.share:.0f}%)</text>')
    out.append("</svg>")
    return "".join(out)


def to_html(ins: Insight) -> str:
    """The class report as one self-contained HTML page (inline CSS and SVG, nothing fetched)."""
    b = ins.batch
    statuses = Counter((s.get("status") or "").split(":")[0] for s in b.submissions)
    p = ['<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">',
         f"<title>{_t('반 전체 보고서', 'Class report')}</title><style>{CSS}</style></head><body>",
         f"<h1>{_t('반 전체 보고서', 'Class report')}</h1>",
         f'<p class="muted">{escape(str(b.folder))} · dldrill {escape(__version__)}</p>',
         '<div class="cards">',
         f"<div class=\"card\"><b>{len(b.submissions)}</b>{_t('제출물', 'submissions')}</div>",
         f"<div class=\"card\"><b>{len(b.graded)}</b>{_t('채점됨', 'graded')}</div>",
         f"<div class=\"card\"><b>{len(ins.same) + len(clusters(ins.near))}</b>"
         f"{_t('확인할 유사 제출', 'look-alikes to check')}</div></div>",
         "<p>" + " · ".join(f"{escape(k or '?')}: {v}" for k, v in sorted(statuses.items())) + "</p>"]
    p.append(f"<h2>{_t('가장 많이 틀린 검사 (장별)', 'Checks failed most, per chapter')}</h2>")
    if not ins.checks:
        p.append(f"<p>{_t('실패한 검사가 없습니다.', 'No check failed.')}</p>")
    for ch, checks in ins.checks.items():
        title = i18n.render(tr(CHAPTERS[ch].ko, CHAPTERS[ch].en)) if ch in CHAPTERS else ch
        p.append(f"<h3>{escape(ch)} — {escape(title)}</h3>{_bars(checks)}")
        p.append(f"<table><tr><th>{_t('검사', 'check')}</th><th>{_t('실패', 'failed')}</th>"
                 f"<th>{_t('미작성', 'todo')}</th><th>{_t('가장 흔한 이유', 'most common reason')}</th></tr>")
        for c in checks[:TOP]:
            reason = c.reasons.most_common(1)[0][0] if c.reasons else ""
            p.append(f"<tr><td><code>{escape(c.name)}</code></td><td class=\"num\">{c.failed}/{c.ran}"
                     f"</td><td class=\"num\">{c.todo}</td><td>{escape(reason[:300])}</td></tr>")
        p.append("</table>")
    p.append(f"<h2>{_t('자주 나온 알려진 실수 (장별)', 'Most common catalogued mistakes, per chapter')}</h2>")
    if not ins.mistakes:
        p.append(f"<p>{_t('기록된 알려진 실수가 없습니다.', 'No catalogued mistake recorded.')}</p>")
    for ch, found in ins.mistakes.items():
        title = i18n.render(tr(CHAPTERS[ch].ko, CHAPTERS[ch].en)) if ch in CHAPTERS else ""
        p.append(f"<h3>{escape(ch)} — {escape(title)}</h3><table><tr><th>{_t('실수', 'mistake')}</th>"
                 f"<th>{_t('제출물 수', 'submissions')}</th><th>{_t('누구', 'who')}</th></tr>")
        for mistake, who in found[:TOP]:
            p.append(f"<tr><td>{escape(mistake)}</td><td class=\"num\">{len(who)}</td>"
                     f"<td>{escape(', '.join(who[:15]))}{' …' if len(who) > 15 else ''}</td></tr>")
        p.append("</table>")
    p.append(f"<h2>{_t('사람이 확인할 제출물', 'For a human to look at')}</h2>")
    p.append(f"<h3>{_t('내용이 똑같은 제출물 (같은 content hash)', 'Identical content (same content hash)')}"
             "</h3>")
    p.append("<table>" + "".join(f'<tr class="flag"><td>{escape(", ".join(g))}</td></tr>'
                                 for g in ins.same) + "</table>" if ins.same
             else f"<p>{_t('없음', 'None')}</p>")
    p.append(f"<h3>{_t('거의 같은 코드', 'Near-identical code')} "
             f"({_t('유사도', 'similarity')} ≥ {ins.threshold:.0%})</h3>")
    if ins.near:
        p.append(f"<table><tr><th>{_t('서로 닮은 제출물', 'submissions alike')}</th>"
                 f"<th>{_t('유사도', 'similarity')}</th></tr>")
        for members, low, high in clusters(ins.near):
            span = f"{100 * high:.0f}%" if round(100 * low) == round(100 * high) else \
                f"{100 * low:.0f}–{100 * high:.0f}%"
            p.append(f'<tr class="flag"><td>{escape(", ".join(members))}</td>'
                     f'<td class="num">{span}</td></tr>')
        p.append("</table>")
    else:
        p.append(f"<p>{_t('없음', 'None')}</p>")
    if ins.little:
        label = _t("자기 코드가 (거의) 없어 비교하지 않음", "Too little code of their own to compare")
        p.append(f'<p class="muted">{label}: {escape(", ".join(sorted(ins.little)))}</p>')
    if ins.unreadable:
        label = _t("코드를 다시 읽을 수 없어 비교하지 못함", "Code not readable again, not compared")
        p.append(f'<p class="muted">{label}: {escape(", ".join(ins.unreadable))}</p>')
    p.append("</body></html>\n")
    return "".join(p)


def write_report(folder: Path, dest: Path | None = None, threshold: float = NEAR) -> tuple[Path, Path]:
    """Writes `class_report.html` and `class_report.csv` into `dest` (default: the batch folder)."""
    ins = analyse(folder, threshold)
    dest = dest or folder
    dest.mkdir(parents=True, exist_ok=True)
    html_path, csv_path = dest / "class_report.html", dest / "class_report.csv"
    write_private(html_path, to_html(ins))
    write_private(csv_path, to_csv(ins))
    return html_path, csv_path
