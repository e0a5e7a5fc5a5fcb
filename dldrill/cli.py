"""`dldrill` command line: report, grade, sync.

    dldrill report [--submission PATH] [--json | --json-out FILE] [--device D] [--lang L]
    dldrill grade SUBMISSION... --out DIR [--jobs N] [--chapters ch01,ch03] [--regrade]
    dldrill sync [--check]
    dldrill data fetch mnist|cifar10|nsmc|all [--mirror URL] | data list | data path
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
        actions = sync(solutions_root(), exercises_root(), check=args.check,
                       only=[c for spec in args.only for c in spec.split(",") if c])
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


def cmd_data(args: argparse.Namespace) -> int:
    """`dldrill data fetch|list|path`: the data cache (see dldrill.data_fetch)."""
    from dldrill.data_fetch import DATASETS, FetchError, cache_listing, fetch
    from dldrill.paths import data_cache

    if args.data_command == "path":
        print(data_cache())
        return 0
    if args.data_command == "list":
        cached, missing = i18n.tr("있음", "cached"), i18n.tr("없음", "not cached")
        for row in cache_listing():
            state = i18n.render(cached if row["cached"] else missing)
            size = f"{int(row['bytes']) / 1e6:.1f} MB"  # type: ignore[call-overload]
            partial = (i18n.render(i18n.tr(f"  (중단된 내려받기 {row['partial']}개)",
                                           f"  ({row['partial']} interrupted download(s))"))
                       if row["partial"] else "")
            print(f"  {row['name']:<8} {state:<10} {size:>9}  {row['path']}{partial}")
        return 0
    names = list(DATASETS) if "all" in args.names else list(dict.fromkeys(args.names))
    status = 0
    for name in names:
        print(i18n.render(i18n.tr(f"dldrill data fetch {name}: {data_cache() / name} 에 받습니다",
                                  f"dldrill data fetch {name}: into {data_cache() / name}")),
              file=sys.stderr)
        try:
            fetch(name, timeout=args.timeout, mirror=args.mirror, stream=sys.stderr)
        except FetchError as err:
            print(f"dldrill data fetch {name}:\n{err}", file=sys.stderr)
            status = 1
            if err.offline:
                break  # no network: the other data sets would fail the same way
            continue
        print(i18n.render(i18n.tr(f"dldrill data fetch {name}: 완료, 모든 파일 검사 통과",
                                  f"dldrill data fetch {name}: done, every file verified")))
    return status


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
    p.add_argument("only", nargs="*", metavar="CHAPTER|MODULE",
                   help="only these chapters or modules (ch09, ch09.plots); all by default")
    p.add_argument("-v", "--verbose", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("data", help="the data cache: fetch MNIST, CIFAR-10, NSMC; list; path")
    data_sub = p.add_subparsers(dest="data_command", required=True)
    q = data_sub.add_parser("fetch", help="download and verify data sets into the cache")
    q.add_argument("names", nargs="+", choices=("mnist", "cifar10", "nsmc", "all"), metavar="NAME",
                   help="mnist, cifar10, nsmc or all")
    q.add_argument("--mirror", default=None, metavar="URL",
                   help="a base URL tried first for every file (URL/<file name>)")
    q.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="seconds to wait for a connection or for more bytes (10)")
    _common(q)
    q = data_sub.add_parser("list", help="each data set: cached or not, its folder and size")
    _common(q)
    q = data_sub.add_parser("path", help="print the cache folder (DLDRILL_DATA)")
    _common(q)
    p.set_defaults(func=cmd_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "lang", None):
        i18n.set_lang(args.lang)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
