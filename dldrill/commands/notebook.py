"""`dldrill notebook ch04 [--out DIR]`: a chapter as a Jupyter notebook (tagged exercise cells)."""

from __future__ import annotations

import argparse
import sys

HELP = "write a chapter's Jupyter notebook: explanation, tagged exercise cells, test cells"
ORDER = 55


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("chapters", nargs="+", metavar="CHAPTER", help="ch04 (also ch4, 4), one or more")
    p.add_argument("--out", default="notebooks", metavar="DIR",
                   help="folder for <chapter>.ipynb (default: notebooks); an existing notebook "
                        "is never overwritten")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dldrill import chapters, i18n
    from dldrill.i18n import tr

    try:
        wanted = [chapters.normalize(c) for c in args.chapters]
    except chapters.ChapterError as err:
        print(f"dldrill notebook: {err}", file=sys.stderr)
        return 2
    try:
        from dldrill.notebooks import write_notebook
    except ImportError:  # pragma: no cover - nbformat missing
        print(i18n.render(tr("dldrill notebook: nbformat이 필요합니다: pip install -c constraints.txt "
                             "'dldrill[notebooks]'",
                             "dldrill notebook: needs nbformat: pip install -c constraints.txt "
                             "'dldrill[notebooks]'")), file=sys.stderr)
        return 2
    code = 0
    for chapter in wanted:
        try:
            path = write_notebook(chapter, Path(args.out))
        except FileExistsError:
            print(i18n.render(tr(
                f"dldrill notebook: {Path(args.out) / (chapter + '.ipynb')}이(가) 이미 있습니다 — "
                "여러분의 노트북은 덮어쓰지 않습니다 (다른 --out을 쓰세요)",
                f"dldrill notebook: {Path(args.out) / (chapter + '.ipynb')} exists — your notebook "
                "is never overwritten (use another --out)")), file=sys.stderr)
            code = 1
            continue
        print(i18n.render(tr(f"dldrill notebook: {path} 작성", f"dldrill notebook: wrote {path}")))
    return code
