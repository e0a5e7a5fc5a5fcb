"""Building the mistake fingerprint tables that `dldrill.grading.fingerprints` reads.

Grades every mutant of the chosen chapters (in forks of the kit's sample runner, as
tests/test_samples.py does) with its graders and with the visible tests of the modules it edits,
and records, for each failing check that carries a `got_digest`, which mutant returned that value:
`dldrill/fingerprints/chNN.json` (format in `dldrill.grading.fingerprints`). Run it again whenever
a chapter's tests or mutants change (tests/test_fingerprints.py fails on a table that names a
mutant that no longer exists):

    python -m dldrill.testing.fingerprints build [--chapters ch01 ch03] [--jobs 2]
                                                 [--only graders|exercises]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from dldrill.curriculum import CHAPTERS
from dldrill.grading.fingerprints import Table, load, table_dir, test_key
from dldrill.paths import kit_root


# -- building ------------------------------------------------------------------------------------
def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_results(table: Table, name: str, graders: list[str], records: list[dict]) -> int:
    """Adds one mutant's failing checks with a digest to `table`; returns how many."""
    added = 0
    for r in records:
        grader_file = next((g for g in graders if r["nodeid"].startswith(g)), None)
        if grader_file is None or r.get("outcome") != "failed" or not r.get("got_digest"):
            continue
        names = table["tests"].setdefault(test_key(grader_file, r["nodeid"].split("::", 1)[1]),
                                          {}).setdefault(r["got_digest"], [])
        if name not in names:
            names.append(name)
            names.sort()
            added += 1
    return added


def visible_files(sample: Any) -> list[str]:
    """The visible test files (`exercises/chNN/test_x.py`) of the modules a mutant edits or
    whose graders it runs."""
    names = {f"exercises/{Path(e['file']).parent.as_posix()}/test_{Path(e['file']).stem}.py"
             for e in sample.edits if str(e.get("file", "")).endswith(".py")}
    names |= {"exercises/" + "/".join(Path(g).parts[1:]) for g in sample.graders}
    return sorted(n for n in names if (kit_root() / n).is_file())


PARTS = ("graders", "exercises")


def build(chapters: list[str], jobs: int = 2, out_dir: Path | None = None,
          log: Any = sys.stderr, parts: tuple[str, ...] = PARTS) -> dict[str, Table]:
    """Grades every mutant of `chapters` with its graders and with the visible tests of its
    modules (`parts`: either or both; a table's entries of a part not run are kept) and writes
    `<out_dir>/chNN.json` for each; returns the tables."""
    from dldrill.testing.mutants import load_samples, materialize
    from dldrill.testing.runner import SampleRunner

    out_dir = out_dir or table_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    mutants = [s for s in load_samples() if s.kind == "mutants"]
    tables: dict[str, Table] = {}
    runner = SampleRunner(jobs=jobs)
    try:
        with tempfile.TemporaryDirectory(prefix="dldrill-fp-") as tmp:
            for chapter in chapters:
                mine = [s for s in mutants if s.graders and s.graders[0].split("/")[1] == chapter]
                old = _read(out_dir / f"{chapter}.json")
                table: Table = {
                    "graders": {k: v for k, v in old.get("graders", {}).items()
                                if k.split("/")[0] not in parts},
                    "mistakes": dict(old.get("mistakes", {})) if set(parts) != set(PARTS) else {},
                    "mistakes_ko": (dict(old.get("mistakes_ko", {}))
                                    if set(parts) != set(PARTS) else {}),
                    "tests": {k: v for k, v in old.get("tests", {}).items()
                              if k.split("/")[0] not in parts}}
                futures = []
                for s in mine:
                    where = Path(tmp) / s.name
                    try:
                        sub = materialize(s, where / "submission")
                    except (ValueError, OSError) as err:
                        print(f"  {s.name}: skipped ({err})", file=log)
                        continue
                    runs = {"graders": s.graders, "exercises": visible_files(s)}
                    for part in parts:
                        if runs[part]:
                            futures.append((s, runs[part], runner.submit(
                                sub, runs[part], where / f"{part}.json", s.pytest_args,
                                sandbox=s.sandbox and part == "graders")))
                for s, files, future in futures:
                    try:
                        data = future.result()
                    except Exception as err:  # one mutant that cannot run costs its entries only
                        print(f"  {s.name}: not graded ({type(err).__name__}: {err})", file=log)
                        continue
                    n = add_results(table, s.name, files, data.get("tests", []))
                    table["mistakes"][s.name] = s.description
                    if s.description_ko:
                        table["mistakes_ko"][s.name] = s.description_ko
                    for f in files:
                        table["graders"][f] = file_hash(kit_root() / f)
                    print(f"  {s.name} ({files[0].split('/')[0]}): {n} fingerprints", file=log)
                table["tests"] = {k: table["tests"][k] for k in sorted(table["tests"])}
                (out_dir / f"{chapter}.json").write_text(
                    json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")
                tables[chapter] = table
                load.cache_clear()
                print(f"{chapter}: {len(mine)} mutants, {len(table['tests'])} tests with "
                      f"fingerprints", file=log)
    finally:
        runner.close()
    return tables


def describe(chapters: list[str], out_dir: Path | None = None) -> int:
    """Refreshes the tables' descriptions (English and Korean) from the mutant files, without
    grading anything: for a description edited or translated after the tables were built.
    Returns the number of tables rewritten."""
    from dldrill.testing.mutants import load_samples

    out_dir = out_dir or table_dir()
    samples = {s.name: s for s in load_samples() if s.kind == "mutants"}
    changed = 0
    for chapter in chapters:
        path = out_dir / f"{chapter}.json"
        table = _read(path)
        if not table:
            continue
        names = [n for n in table.get("mistakes", {}) if n in samples]
        new = dict(table)
        new["mistakes"] = {n: samples[n].description for n in names}
        new["mistakes_ko"] = {n: samples[n].description_ko for n in names
                              if samples[n].description_ko}
        if new != table:
            path.write_text(json.dumps(new, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                            encoding="utf-8")
            changed += 1
    load.cache_clear()
    return changed


def _read(path: Path) -> Table:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dldrill.testing.fingerprints",
                                     description="Build the mistake fingerprint tables.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="grade every mutant and write fixtures/fingerprints/chNN.json")
    b.add_argument("--chapters", nargs="*", default=list(CHAPTERS), help="chapters (default: all)")
    b.add_argument("--jobs", type=int, default=2, help="mutants graded at a time")
    b.add_argument("--out", type=Path, default=None, help="folder for the tables")
    b.add_argument("--only", choices=PARTS, default=None,
                   help="run only the graders or only the visible tests (keep the other entries)")
    d = sub.add_parser("describe", help="refresh the tables' descriptions from the mutant files "
                                        "(no grading)")
    d.add_argument("--chapters", nargs="*", default=list(CHAPTERS), help="chapters (default: all)")
    args = parser.parse_args(argv)
    if args.command == "describe":
        print(f"{describe(args.chapters)} table(s) rewritten")
        return 0
    build(args.chapters, jobs=args.jobs, out_dir=args.out,
          parts=(args.only,) if args.only else PARTS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
