"""Wall-clock figures for the learner's loop and the report, measured in one run.

    python benchmarks/bench.py [--repeat 3] [--json FILE]

Prints, each the median of --repeat runs (fresh processes, so imports are counted):
- `python -c "import torch"`: the floor every PyTorch chapter pays;
- `pytest exercises/ch01` and `exercises/ch03` on the solutions (target: ch01 <= 1.0 s;
  ch03 <= bare torch import + 3 s);
- `dldrill report` on the solutions (ch01 + ch03) through the sandbox, against the same graders
  run in-process (target: sandbox <= 1.3 x in-process);
- `dldrill report` on the untouched stubs (target: <= 15 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def timed(cmd: list[str], repeat: int) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "0"})
        runs.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-2000:]}"
                             f"\n{proc.stderr[-2000:]}")
    return statistics.median(runs), runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    r = args.repeat
    report = [PY, "-m", "dldrill", "report", "--json", "--chapters", "ch01,ch03"]
    pytest = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"]

    timed([PY, "-c", "import torch"], 1)  # warm the file cache once
    figures: dict[str, float] = {}
    figures["import torch"], _ = timed([PY, "-c", "import torch"], r)
    figures["pytest exercises/ch01 (solutions)"], _ = timed(
        [*pytest, "exercises/ch01", "--submission", "solutions"], r)
    figures["pytest exercises/ch03 (solutions)"], _ = timed(
        [*pytest, "exercises/ch03", "--submission", "solutions"], r)
    figures["report, sandbox (solutions)"], _ = timed([*report, "--submission", "solutions"], r)
    figures["report, in-process (solutions)"], _ = timed(
        [*report, "--submission", "solutions", "--inprocess"], r)
    figures["report, sandbox (stubs)"], _ = timed(report, r)

    torch_s = figures["import torch"]
    ratio = figures["report, sandbox (solutions)"] / figures["report, in-process (solutions)"]
    checks = [
        ("ch01 visible tests <= 1.0 s", figures["pytest exercises/ch01 (solutions)"], 1.0),
        ("ch03 visible tests <= import torch + 3 s",
         figures["pytest exercises/ch03 (solutions)"], torch_s + 3.0),
        ("report on stubs <= 15 s", figures["report, sandbox (stubs)"], 15.0),
    ]
    print(f"dldrill benchmarks — median of {r} runs, {os.cpu_count()} CPUs, "
          f"{sys.version.split()[0]}")
    for name, seconds in figures.items():
        print(f"  {name:<40} {seconds:7.2f} s")
    print(f"  {'sandbox / in-process ratio':<40} {ratio:7.2f} x   (target <= 1.30)")
    ok = ratio <= 1.3
    for name, value, limit in checks:
        good = value <= limit
        ok &= good
        print(f"  {'PASS' if good else 'MISS'}  {name}: {value:.2f} s (limit {limit:.2f} s)")
    print(f"  {'PASS' if ratio <= 1.3 else 'MISS'}  sandbox <= 1.3 x in-process: {ratio:.2f} x")
    if args.json:
        Path(args.json).write_text(json.dumps({"figures": figures, "ratio": ratio}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
