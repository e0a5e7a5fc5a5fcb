"""`dldrill sync [--check] [CHAPTER|MODULE ...]`: generate exercises/ stubs from solutions/."""

from __future__ import annotations

import argparse
import sys

from dldrill import i18n

HELP = "generate exercises/ stubs from solutions/ (for kit contributors)"
ORDER = 80


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--check", action="store_true", help="fail if stubs differ; change nothing")
    p.add_argument("only", nargs="*", metavar="CHAPTER|MODULE",
                   help="only these chapters or modules (ch09, ch09.plots); all by default")
    p.add_argument("-v", "--verbose", action="store_true", help="list unchanged stubs too")


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


def run(args: argparse.Namespace) -> int:
    from dldrill.paths import exercises_root, solutions_root
    from dldrill.stubgen import MarkerError, sync

    if not solutions_root().is_dir():
        print(i18n.render(i18n.tr(
            "dldrill sync: 이 폴더에는 solutions/가 없습니다 (학습자용 저장소). sync는 키트 기여자가 "
            "솔루션에서 스텁을 만드는 명령이라 여기서는 할 일이 없습니다. 내 코드 확인: "
            "`pytest exercises/ch01`, `dldrill report`",
            "dldrill sync: there is no solutions/ here (a learner's repository). sync makes stubs "
            "from solutions for kit contributors, so there is nothing for it to do here. To check "
            "your code: `pytest exercises/ch01`, `dldrill report`")), file=sys.stderr)
        return 0 if args.check else 2
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
        fixable = [a for a in drift if a.status in ("created", "updated")]
        if fixable:
            print(i18n.render(i18n.tr(
                f"dldrill sync --check: 스텁 {n}개 중 {len(fixable)}개가 solutions/와 다릅니다 "
                "(`dldrill sync`를 실행하세요)",
                f"dldrill sync --check: {len(fixable)} of {n} stubs differ from solutions/ "
                "(run `dldrill sync`)")))
            return 1
        if drift:
            # Edited stubs (the learner's work) and orphans: `dldrill sync` would leave them as
            # they are, so it is not the command to suggest.
            print(i18n.render(i18n.tr(
                f"dldrill sync --check: 생성할 스텁은 없습니다; {len(drift)}개 파일은 직접 수정했거나 "
                "솔루션이 없어 그대로 둡니다 (정상입니다)",
                f"dldrill sync --check: no stub to write; {len(drift)} file(s) edited by you or "
                "without a solution are left as they are (as they should be)")))
            return 0
        print(i18n.render(i18n.tr(f"dldrill sync --check: 스텁 {n}개가 solutions/와 일치합니다",
                                  f"dldrill sync --check: {n} stubs in sync with solutions/")))
        return 0
    kept = sum(a.status == "kept-edited" for a in actions)
    written = sum(a.status in ("created", "updated") for a in actions)
    print(i18n.render(i18n.tr(
        f"dldrill sync: 스텁 {n}개, {written}개 작성, 직접 수정한 {kept}개는 그대로 두었습니다",
        f"dldrill sync: {n} stubs, {written} written, {kept} edited by you and left as they are")))
    return 0

