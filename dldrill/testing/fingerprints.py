"""Building the mistake fingerprint tables that `dldrill.grading.fingerprints` reads.

Grades every mutant of the chosen chapters (in forks of the kit's sample runner, as
tests/test_samples.py does) and records, for each failing check that carries a `got_digest`,
which mutant returned that value: `dldrill/fingerprints/chNN.json` (format in
`dldrill.grading.fingerprints`). Run it again whenever a chapter's graders or mutants change
(tests/test_fingerprints.py fails on a table that names a mutant that no longer exists):

    python -m dldrill.testing.fingerprints build [--chapters ch01 ch03] [--jobs 2]
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


def build(chapters: list[str], jobs: int = 2, out_dir: Path | None = None,
          log: Any = sys.stderr) -> dict[str, Table]:
    """Grades every mutant of `chapters` and writes `<out_dir>/chNN.json` for each; returns the
    tables."""
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
                table: Table = {"graders": {}, "mistakes": {}, "tests": {}}
                futures = {}
                for s in mine:
                    where = Path(tmp) / s.name
                    try:
                        sub = materialize(s, where / "submission")
                    except (ValueError, OSError) as err:
                        print(f"  {s.name}: skipped ({err})", file=log)
                        continue
                    futures[s.name] = (s, runner.submit(sub, s.graders, where / "results.json",
                                                        s.pytest_args, sandbox=s.sandbox))
                for name, (s, future) in futures.items():
                    try:
                        data = future.result()
                    except Exception as err:  # one mutant that cannot run costs its entries only
                        print(f"  {name}: not graded ({type(err).__name__}: {err})", file=log)
                        continue
                    n = add_results(table, name, s.graders, data.get("tests", []))
                    table["mistakes"][name] = s.description
                    for g in s.graders:
                        table["graders"][g] = file_hash(kit_root() / g)
                    print(f"  {name}: {n} fingerprints", file=log)
                table["tests"] = {k: table["tests"][k] for k in sorted(table["tests"])}
                (out_dir / f"{chapter}.json").write_text(
                    json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")
                tables[chapter] = table
                load.cache_clear()
                print(f"{chapter}: {len(mine)} mutants, {len(table['tests'])} grader tests "
                      f"with fingerprints", file=log)
    finally:
        runner.close()
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dldrill.testing.fingerprints",
                                     description="Build the mistake fingerprint tables.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="grade every mutant and write fixtures/fingerprints/chNN.json")
    b.add_argument("--chapters", nargs="*", default=list(CHAPTERS), help="chapters (default: all)")
    b.add_argument("--jobs", type=int, default=2, help="mutants graded at a time")
    b.add_argument("--out", type=Path, default=None, help="folder for the tables")
    args = parser.parse_args(argv)
    build(args.chapters, jobs=args.jobs, out_dir=args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
