"""`dldrill` command line: report, grade, sync.

    dldrill report [--submission PATH] [--json | --json-out FILE] [--device D] [--lang L]
    dldrill grade SUBMISSION... --out DIR [--jobs N] [--chapters ch01,ch03] [--regrade]
    dldrill sync [--check]
"""

from __future__ import annotations

import argparse
import sys

from dldrill import __version__, devices, i18n


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=i18n.LANGS, default=None, help="ko (default) or en")


def cmd_sync(args: argparse.Namespace) -> int:
    from dldrill.paths import exercises_root, solutions_root
    from dldrill.stubgen import MarkerError, sync

    try:
        actions = sync(solutions_root(), exercises_root(), check=args.check)
    except MarkerError as err:
        print(f"dldrill sync: {err}", file=sys.stderr)
        return 2
    root = exercises_root().parent
    drift = [a for a in actions if a.status != "unchanged"]
    for a in actions if args.verbose else drift:
        rel = a.path.relative_to(root) if a.path.is_relative_to(root) else a.path
        key = f"would-{a.status}" if args.check and a.status in ("created", "updated") else a.status
        verb = i18n.render(_SYNC_VERBS.get(key, i18n.tr(a.status, a.status)))
        detail = i18n.render(_SYNC_DETAILS[a.status]) if a.status in _SYNC_DETAILS else a.detail
        print(f"  {verb:<14} {rel}" + (f"  ({detail})" if detail else ""))
    n = len(actions)
    if args.check:
        if drift:
            print(i18n.render(i18n.tr(
                f"dldrill sync --check: 스텁 {n}개 중 {len(drift)}개가 solutions/와 다릅니다 "
                "(`dldrill sync`를 실행하세요)",
                f"dldrill sync --check: {len(drift)} of {n} stubs differ from solutions/ "
                "(run `dldrill sync`)")))
            return 1
        print(i18n.render(i18n.tr(f"dldrill sync --check: 스텁 {n}개가 solutions/와 일치합니다",
                                  f"dldrill sync --check: {n} stubs in sync with solutions/")))
        return 0
    kept = sum(a.status == "kept-edited" for a in actions)
    written = sum(a.status in ("created", "updated") for a in actions)
    print(i18n.render(i18n.tr(
        f"dldrill sync: 스텁 {n}개, {written}개 작성, 직접 수정한 {kept}개는 그대로 두었습니다",
        f"dldrill sync: {n} stubs, {written} written, {kept} edited by you and left as they are")))
    return 0


_SYNC_VERBS = {
    "created": i18n.tr("생성", "created"), "updated": i18n.tr("갱신", "updated"),
    "would-created": i18n.tr("생성 예정", "would create"),
    "would-updated": i18n.tr("갱신 예정", "would update"),
    "unchanged": i18n.tr("변경 없음", "unchanged"), "kept-edited": i18n.tr("보존", "kept-edited"),
    "orphan": i18n.tr("고아 파일", "orphan"),
}
_SYNC_DETAILS = {
    "kept-edited": i18n.tr("학습자가 수정한 파일(또는 생성된 스텁이 아님); 그대로 둠",
                           "edited by the learner (or not a generated stub); left as is"),
    "orphan": i18n.tr("해당 솔루션이 없어졌습니다; 그대로 둠", "its solution is gone; left in place"),
}


def cmd_report(args: argparse.Namespace) -> int:
    from dldrill.report import run_report

    return run_report(args)


def cmd_grade(args: argparse.Namespace) -> int:
    from dldrill.grade import run_grade

    return run_grade(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dldrill", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dldrill {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("report", help="grade a submission and show the completion checklist")
    p.add_argument("--submission", default=None, metavar="PATH",
                   help="folder like exercises/ or a repository root (default: exercises/)")
    p.add_argument("--device", choices=devices.CHOICES, default=None)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--json-out", metavar="FILE", help="also write the JSON report to FILE")
    p.add_argument("--inprocess", action="store_true",
                   help="run the submission in this process (no sandbox; for debugging)")
    p.add_argument("--chapters", default=None, metavar="ch01,ch03",
                   help="grade only these chapters")
    p.add_argument("--full", action="store_true",
                   help="show every failed check in full (default: the first two per module)")
    p.add_argument("-k", dest="select", default=None, metavar="EXPR",
                   help="grade only the graders matching this pytest -k expression "
                        "(e.g. 'test_perceptron and predict')")
    p.add_argument("--portfolio", default=None, metavar="URL",
                   help="declare your GitHub portfolio project (stored in exercises/portfolio.txt)")
    _common(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("grade", help="grade many submissions into a gradebook (for instructors)")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                   help="folders like exercises/, repository roots, or .zip files of either")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="where gradebook.sqlite, gradebook.csv and <id>/ folders go")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded at once")
    p.add_argument("--chapters", default=None, metavar="ch01,ch03", help="grade only these chapters")
    p.add_argument("--regrade", action="store_true", help="grade again even when nothing changed")
    p.add_argument("--timeout", type=float, default=1800.0, metavar="S",
                   help="wall-clock seconds per submission before its grading is killed (1800)")
    p.add_argument("-k", dest="select", default=None, metavar="EXPR",
                   help="grade only the graders matching this pytest -k expression")
    p.add_argument("--no-forkserver", action="store_true",
                   help="start every grading process afresh instead of forking it from one that "
                        "has imported pytest, NumPy and torch once")
    p.add_argument("--hidden-detail", choices=("full", "reason"), default="full",
                   help="feedback.md: expected/got/hint of hidden checks (full) or one-line reasons")
    _common(p)
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("sync", help="generate exercises/ stubs from solutions/")
    p.add_argument("--check", action="store_true", help="fail if stubs differ; change nothing")
    p.add_argument("-v", "--verbose", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_sync)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "lang", None):
        i18n.set_lang(args.lang)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
