"""Mistake fingerprints: which catalogued mistake a failed check's result is.

Every catalogued mistake is a mutant (`fixtures/submissions/mutants/*.toml`). Graded on the
graders' fixed inputs (the `rng` fixture is seeded by the test's id), a mutant's failing check
returns one particular wrong value; `assert_close` records that value's `digest` (shape and
values rounded to a few significant digits, `dldrill.grading.diagnose`) in the failure. The
builder grades every mutant of the chosen chapters and writes, per chapter, a table

    fixtures/fingerprints/chNN.json
    {"graders":  {"graders/ch01/test_activations.py": "<sha256 of the grader file>"},
     "mistakes": {"ch01_softmax_no_max_shift": "softmax without subtracting the max: ..."},
     "tests":    {"graders/ch01/test_activations.py::test_x": {"<digest>": ["ch01_..."]}}}

At grading time the trusted grading process computes the digest itself from the decoded value
(nothing the child says is believed) and `lookup` names the mistake: "this is what <mutant
description> returns". Build, chapter by chapter (it grades every mutant, minutes a chapter):

    python -m dldrill.testing.fingerprints build [--chapters ch01 ch03] [--jobs 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from dldrill.curriculum import CHAPTERS
from dldrill.paths import kit_root

Table = dict[str, Any]


def table_dir() -> Path:
    return kit_root() / "fixtures" / "fingerprints"


def test_key(grader_file: str, test_id: str) -> str:
    """`graders/chNN/test_x.py::test_name[param]`: a grader test, whatever pytest's rootdir."""
    return f"{grader_file}::{test_id}"


def key_of(path: Path, nodeid: str) -> str | None:
    """The `test_key` of a collected test (None outside the kit's graders/)."""
    try:
        rel = path.resolve().relative_to(kit_root()).as_posix()
    except ValueError:
        return None
    if not rel.startswith("graders/") or "::" not in nodeid:
        return None
    return test_key(rel, nodeid.split("::", 1)[1])


@cache
def load(chapter: str) -> Table:
    """The chapter's table ({} when none was built)."""
    path = table_dir() / f"{chapter}.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def lookup(key: str, digest: str) -> list[str]:
    """The catalogued mutants whose failing check `key` returned a value with this `digest`."""
    if not digest or not key.startswith("graders/"):
        return []
    chapter = key.split("/")[1]
    return list(load(chapter).get("tests", {}).get(key, {}).get(digest, []))


def mistake_text(key: str, digest: str) -> str:
    """The description of the catalogued mistake a result matches ("" when none does); several
    mutants with one result are named together."""
    names = lookup(key, digest)
    if not names:
        return ""
    descriptions = load(key.split("/")[1]).get("mistakes", {})
    shown = [descriptions.get(n, n) for n in names[:2]]
    more = f" (+{len(names) - 2})" if len(names) > 2 else ""
    return " / ".join(shown) + more


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
