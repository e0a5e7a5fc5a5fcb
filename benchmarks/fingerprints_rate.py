"""How often a mistake fingerprint names the mistake: the kit's mutants and the public-code ones.

Reads the committed tables (dldrill/fingerprints/chNN.json, built by `python -m
dldrill.testing.fingerprints build`) and prints, per chapter and in all, for the graders and for
the visible tests:

- fingerprinted: mutants with at least one failing check that carries a digest (a value-returning
  check; a crash, a timeout or a warning has none), out of the mutants graded for the table;
- leave-one-out: mutants whose failing check's value is also what ANOTHER catalogued mutant returns,
  i.e. the mistake would still be named with this mutant taken out of the catalogue;
- public code: the mutants taken from public code (`source` in their TOML) whose value matches a
  kit-written mutant's entry: a mistake found in the wild, named by the kit's own catalogue;
- reproduced (`--rebuild ch01 ...`, optional; graders): those chapters graded again, each mutant through the
  full sandbox as a learner's code is (`--sandbox`) or in forks like the builder: the share of the
  table's (mutant, check, digest) entries the new run gives again.

    python benchmarks/fingerprints_rate.py [--rebuild ch01] [--sandbox]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dldrill.grading.diagnose import same_value
from dldrill.grading.fingerprints import table_dir
from dldrill.testing.mutants import load_samples


def entries(table: dict, root: str = "") -> dict[str, set[tuple[str, str]]]:
    """{mutant: {(test key, digest)}} of one table (only keys under `root`/ when given)."""
    out: dict[str, set[tuple[str, str]]] = {name: set() for name in table.get("mistakes", {})}
    for key, by_digest in table.get("tests", {}).items():
        if root and not key.startswith(root + "/"):
            continue
        for digest, names in by_digest.items():
            for name in names:
                out.setdefault(name, set()).add((key, digest))
    return out


def rates(table: dict, public: set[str], root: str) -> dict[str, tuple[int, int]]:
    """(hits, out of) for each measure of one table, for the tests under `root`/."""
    mine = entries(table, root)
    tests = table.get("tests", {})
    graded = list(mine)
    printed = [n for n in graded if mine[n]]

    def others(key: str, digest: str, name: str) -> list[str]:
        return [m for d, found in tests[key].items() if same_value(d, digest)
                for m in found if m != name]

    loo = [n for n in graded if any(others(k, d, n) for k, d in mine[n])]
    pub = [n for n in graded if n in public]
    pub_hit = [n for n in pub if any(m not in public for k, d in mine[n] for m in others(k, d, n))]
    return {"fingerprinted": (len(printed), len(graded)), "leave-one-out": (len(loo), len(graded)),
            "public code": (len(pub_hit), len(pub))}


def rebuild(chapters: list[str], sandbox: bool) -> dict[str, dict]:
    """The chapters' tables built again (in forks, or each mutant through the full sandbox)."""
    from dldrill.testing import fingerprints

    if not sandbox:
        with tempfile.TemporaryDirectory() as tmp:
            fingerprints.build(chapters, out_dir=Path(tmp), log=open("/dev/null", "w"))
            return {c: json.loads((Path(tmp) / f"{c}.json").read_text()) for c in chapters}
    from dldrill.testing.mutants import materialize
    from dldrill.testing.runner import run_sandboxed

    out = {}
    for chapter in chapters:
        table: dict = {"graders": {}, "mistakes": {}, "tests": {}}
        for s in load_samples():
            if s.kind != "mutants" or s.graders[0].split("/")[1] != chapter:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                sub = materialize(s, Path(tmp) / "sub")
                data = run_sandboxed(sub, s.graders, Path(tmp) / "r.json", s.pytest_args)
            fingerprints.add_results(table, s.name, s.graders, data.get("tests", []))
            table["mistakes"][s.name] = s.description
        out[chapter] = table
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", nargs="*", default=[], help="chapters to grade again")
    parser.add_argument("--sandbox", action="store_true", help="grade them through the sandbox")
    args = parser.parse_args()
    public = {s.name for s in load_samples() if s.kind == "mutants" and s.source}
    totals: dict[str, list[int]] = {}
    tables = {p.stem: json.loads(p.read_text(encoding="utf-8"))
              for p in sorted(table_dir().glob("ch*.json"))}
    for root, title in (("graders", "graders (dldrill report, pytest graders)"),
                        ("exercises", "visible tests (pytest exercises/chNN)")):
        totals = {}
        print(f"\n{title}\n{'chapter':8} {'fingerprinted':>16} {'leave-one-out':>16} "
              f"{'public code':>16}")
        for chapter, table in tables.items():
            cells = []
            for name, (hit, n) in rates(table, public, root).items():
                t = totals.setdefault(name, [0, 0])
                t[0] += hit
                t[1] += n
                cells.append(f"{hit:>3}/{n:<3} {100 * hit / n if n else 0:5.1f}%")
            print(f"{chapter:8} " + " ".join(f"{c:>16}" for c in cells))
        print(f"{'all':8} " + " ".join(
            f"{f'{h:>3}/{n:<3} {100 * h / n if n else 0:5.1f}%':>16}" for h, n in totals.values()))
    if args.rebuild:
        started = time.process_time(), time.monotonic()
        again = rebuild(args.rebuild, args.sandbox)
        same = total = 0
        missed: list[str] = []
        for chapter, table in again.items():
            old, new = entries(tables.get(chapter, {}), "graders"), entries(table, "graders")
            for name, pairs in old.items():
                total += len(pairs)
                again_pairs = new.get(name, set())
                for key, digest in sorted(pairs):
                    if any(k == key and same_value(d, digest) for k, d in again_pairs):
                        same += 1
                    else:
                        missed.append(f"  not again: {name} {key}")
        how = "through the sandbox" if args.sandbox else "in forks"
        print(f"reproduced {how} ({', '.join(args.rebuild)}): {same}/{total} entries "
              f"({100 * same / max(1, total):.1f}%), {time.monotonic() - started[1]:.0f} s wall")
        print("\n".join(missed[:10]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
