"""The kit's suite, timed per part: wall seconds per test file, summed from pytest's JUnit XML.

    python benchmarks/suite_parts.py                 # runs `pytest tests` once (long) and prints
    python benchmarks/suite_parts.py --xml FILE      # reads an earlier `pytest tests --junitxml FILE`

Prints one line per test file (tests, seconds, share of the total), largest first, then the
total, the CPU count and the load average before the run, so that a figure is read with the
load it was taken under (issue: one exercise, one obvious place — the suite in minutes).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parts(xml: Path) -> dict[str, tuple[int, float]]:
    """{test file: (number of tests, seconds)} from a JUnit XML report."""
    out: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for case in ET.parse(xml).getroot().iter("testcase"):
        name = (case.get("classname") or "").split(".")
        key = "/".join(name[:2]) + ".py" if len(name) >= 2 else case.get("file", "?")
        out[key][0] += 1
        out[key][1] += float(case.get("time") or 0.0)
    return {k: (int(n), s) for k, (n, s) in out.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--xml", type=Path, default=None, help="an existing JUnit XML of `pytest tests`")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    wall = None
    xml = args.xml
    if xml is None:
        xml = Path(tempfile.mkdtemp(prefix="dldrill-suite-")) / "suite.xml"
        start = time.monotonic()
        subprocess.run([sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:randomly",
                        f"--junitxml={xml}"], cwd=ROOT, check=False)
        wall = time.monotonic() - start
    rows = sorted(parts(xml).items(), key=lambda kv: -kv[1][1])
    total = sum(s for _, (_, s) in rows)
    for name, (n, s) in rows:
        print(f"  {name:<40} {n:>4} tests {s:8.1f} s  {100 * s / total:5.1f} %")
    print(f"  {'total (sum of tests)':<40} {sum(n for _, (n, _) in rows):>4} tests {total:8.1f} s")
    if wall is not None:
        print(f"  wall clock: {wall:.1f} s; {os.cpu_count()} CPUs, load average before: {load:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
