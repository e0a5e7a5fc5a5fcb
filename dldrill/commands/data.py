"""`dldrill data fetch|list|path`: the data cache (see dldrill.data_fetch)."""

from __future__ import annotations

import argparse
import sys

from dldrill import i18n
from dldrill.commands import add_common

HELP = "the data cache: fetch MNIST, CIFAR-10, NSMC; list; path"
ORDER = 70


def add_arguments(p: argparse.ArgumentParser) -> None:
    data_sub = p.add_subparsers(dest="data_command", required=True)
    q = data_sub.add_parser("fetch", help="download and verify data sets into the cache")
    q.add_argument("names", nargs="+", choices=("mnist", "cifar10", "nsmc", "all"), metavar="NAME",
                   help="mnist, cifar10, nsmc or all")
    q.add_argument("--mirror", default=None, metavar="URL",
                   help="a base URL tried first for every file (URL/<file name>)")
    q.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="seconds to wait for a connection or for more bytes (10)")
    add_common(q)
    q = data_sub.add_parser("list", help="each data set: cached or not, its folder and size")
    add_common(q)
    q = data_sub.add_parser("path", help="print the cache folder (DLDRILL_DATA)")
    add_common(q)


def run(args: argparse.Namespace) -> int:
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

