"""Wall-clock figures for the learner's loop and the report, measured in one run.

    python benchmarks/bench.py [--repeat 3] [--json FILE]

Prints, each the median of --repeat runs (fresh processes, so imports are counted):
- `python -c "import torch"`: the floor every PyTorch chapter pays;
- `pytest exercises/chNN` on the solutions for every chapter in the kit (targets: ch01 <= 1.0 s;
  torch chapters <= bare torch import + 3 s; ch02 <= bare tensorflow import + 5 s), and each
  chapter's graders on the solutions through the sandbox (target: <= 120 s each, 180 s for ch07,
  ch09 and ch10);
- `dldrill report` on the solutions (ch01 + ch03) through the sandbox, against the same graders
  run in-process (target: sandbox <= 1.3 x in-process);
- `dldrill report` on the untouched stubs, all chapters, paired run by run with a bare
  `import torch` (target: <= 5 x, in CPU-seconds and in wall time; the stubs' records come from
  `dldrill/stub_manifest.json`, no framework starts);
- the sample suite's cost (`--samples`, default ch01,ch03): every sample graded once as
  `tests/test_samples.py` does it (forks of a pre-imported zygote, broken ones sandboxed, 2 jobs),
  total wall time and the cost per sample by kind (target: ch01 + ch03 in <= 120 s idle);
- the CPU-seconds the answer key uses in every budgeted grader test (the graders' `cpu_s`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def cpu_wall(cmd: list[str]) -> tuple[float, float]:
    """(CPU-seconds of the child and its children, wall seconds) of one run of `cmd`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def paired(a: list[str], b: list[str], repeat: int) -> dict[str, float]:
    """`a` and `b` run alternately `repeat` times: the medians of each one's CPU-seconds and wall
    time, and b / a for both (the same load for the two)."""
    runs: dict[str, list[float]] = {"a_cpu": [], "a_wall": [], "b_cpu": [], "b_wall": []}
    for _ in range(repeat):
        for key, cmd in (("a", a), ("b", b)):
            cpu, wall = cpu_wall(cmd)
            runs[f"{key}_cpu"].append(cpu)
            runs[f"{key}_wall"].append(wall)
    out = {k: statistics.median(v) for k, v in runs.items()}
    out["cpu_ratio"] = out["b_cpu"] / out["a_cpu"]
    out["wall_ratio"] = out["b_wall"] / out["a_wall"]
    return out


def sample_suite(chapters: list[str]) -> dict:
    """Grades the chapters' samples as the test suite does; wall time in all and per sample."""
    import tempfile

    sys.path.insert(0, str(ROOT))
    from dldrill.testing.mutants import load_samples, materialize
    from dldrill.testing.runner import SampleRunner

    samples = [s for s in load_samples() if s.chapters <= set(chapters)]
    tmp = Path(tempfile.mkdtemp(prefix="dldrill-bench-"))
    start = time.perf_counter()
    runner = SampleRunner(jobs=2)
    try:
        futures = [(s, runner.submit(materialize(s, tmp / s.name / "sub"), s.graders + s.also_pass,
                                     tmp / s.name / "r.json", s.pytest_args, sandbox=s.sandbox))
                   for s in samples]
        walls = [(s, f.result()["wall_s"]) for s, f in futures]
    finally:
        runner.close()
    total = time.perf_counter() - start
    by_kind: dict[str, list[float]] = {}
    for s, wall in walls:
        by_kind.setdefault("sandboxed" if s.sandbox else "forked", []).append(wall)
    return {"samples": len(samples), "total_s": total, "per_sample_s": total / max(1, len(samples)),
            "by_kind": {k: (len(v), statistics.median(v)) for k, v in by_kind.items()}}


def answer_key_cpu(chapters: list[str]) -> dict[str, tuple[float, float]]:
    """nodeid -> (CPU-seconds, wall seconds) of the answer key, for the tests that use most CPU."""
    import tempfile

    out = Path(tempfile.mkdtemp()) / "r.json"
    subprocess.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    *[f"graders/{c}" for c in chapters], "--submission", "solutions",
                    "--results-json", str(out)], cwd=ROOT, capture_output=True, check=False)
    tests = json.loads(out.read_text())["tests"]
    top = sorted(tests, key=lambda r: -r.get("cpu_s", 0))[:6]
    return {r["nodeid"]: (r.get("cpu_s", 0.0), r["duration_s"]) for r in top}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--samples", default="ch01,ch03", metavar="CHAPTERS",
                        help="chapters whose sample suite to time ('' to skip)")
    parser.add_argument("--stubs-only", action="store_true",
                        help="only the report on untouched stubs against import torch")
    args = parser.parse_args()
    r = args.repeat
    if args.stubs_only:
        stubs = paired([PY, "-c", "import torch"], [PY, "-m", "dldrill", "report"], max(r, 3))
        print(f"report on stubs (all chapters) vs import torch, paired, median of {max(r, 3)}: "
              f"{stubs['b_cpu']:.2f} / {stubs['a_cpu']:.2f} CPU-s = {stubs['cpu_ratio']:.2f} x; "
              f"{stubs['b_wall']:.2f} / {stubs['a_wall']:.2f} s wall = {stubs['wall_ratio']:.2f} x"
              f" (target <= 5 x)")
        return 0 if max(stubs["cpu_ratio"], stubs["wall_ratio"]) <= 5 else 1
    report = [PY, "-m", "dldrill", "report", "--json", "--chapters", "ch01,ch03"]
    pytest = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"]

    timed([PY, "-c", "import torch"], 1)  # warm the file cache once
    figures: dict[str, float] = {}
    figures["import torch"], _ = timed([PY, "-c", "import torch"], r)
    figures["import tensorflow"], _ = timed([PY, "-c", "import tensorflow"], r)
    sys.path.insert(0, str(ROOT))
    from dldrill.curriculum import CHAPTERS

    in_kit = [c for c in CHAPTERS if (ROOT / "graders" / c).is_dir()]
    for c in in_kit:
        figures[f"pytest exercises/{c} (solutions)"], _ = timed(
            [*pytest, f"exercises/{c}", "--submission", "solutions"], r)
    for c in in_kit:
        figures[f"graders {c}, sandbox (solutions)"], _ = timed(
            [*pytest, f"graders/{c}", "--submission", "solutions"], 1)
    figures["report, sandbox (solutions)"], _ = timed([*report, "--submission", "solutions"], r)
    figures["report, in-process (solutions)"], _ = timed(
        [*report, "--submission", "solutions", "--inprocess"], r)
    stubs = paired([PY, "-c", "import torch"], [PY, "-m", "dldrill", "report"], max(r, 3))
    figures["report, sandbox (stubs, all chapters)"] = stubs["b_wall"]

    torch_s = figures["import torch"]
    ratio = figures["report, sandbox (solutions)"] / figures["report, in-process (solutions)"]
    checks = [("report on stubs (all chapters) <= 5 x import torch, wall",
               stubs["b_wall"], 5 * stubs["a_wall"]),
              ("report on stubs (all chapters) <= 5 x import torch, CPU-seconds",
               stubs["b_cpu"], 5 * stubs["a_cpu"])]
    for c in in_kit:
        framework = CHAPTERS[c].framework
        if framework == "numpy":
            floor, limit = "1.0 s", 1.0
        elif framework == "tensorflow":
            floor, limit = "import tensorflow + 5 s", figures["import tensorflow"] + 5.0
        else:
            floor, limit = "import torch + 3 s", torch_s + 3.0
        checks.append((f"{c} visible tests <= {floor}", figures[f"pytest exercises/{c} (solutions)"],
                       limit))
        # The issues' limits: 120 s per chapter, 180 s for the project chapters (ch07, ch09, ch10).
        cap = 180.0 if c in ("ch07", "ch09", "ch10") else 120.0
        checks.append((f"{c} graders <= {cap:g} s", figures[f"graders {c}, sandbox (solutions)"], cap))
    print(f"dldrill benchmarks — median of {r} runs, {os.cpu_count()} CPUs, "
          f"{sys.version.split()[0]}")
    for name, seconds in figures.items():
        print(f"  {name:<40} {seconds:7.2f} s")
    print(f"  {'sandbox / in-process ratio':<40} {ratio:7.2f} x   (target <= 1.30)")
    print(f"  report on stubs vs import torch, paired: {stubs['b_cpu']:.2f} / {stubs['a_cpu']:.2f}"
          f" CPU-s = {stubs['cpu_ratio']:.2f} x; {stubs['b_wall']:.2f} / {stubs['a_wall']:.2f} s"
          f" wall = {stubs['wall_ratio']:.2f} x   (target <= 5 x)")
    ok = ratio <= 1.3
    for name, value, limit in checks:
        good = value <= limit
        ok &= good
        print(f"  {'PASS' if good else 'MISS'}  {name}: {value:.2f} s (limit {limit:.2f} s)")
    print(f"  {'PASS' if ratio <= 1.3 else 'MISS'}  sandbox <= 1.3 x in-process: {ratio:.2f} x")
    chapters = [c for c in args.samples.split(",") if c]
    suite = None
    if chapters:
        suite = sample_suite(chapters)
        good = suite["total_s"] <= 120 or chapters != ["ch01", "ch03"]
        print(f"  sample suite ({','.join(chapters)}): {suite['samples']} samples in "
              f"{suite['total_s']:.1f} s, {suite['per_sample_s']:.2f} s per sample (2 jobs)")
        for kind, (n, median) in suite["by_kind"].items():
            print(f"    {kind:<10} {n:3d} samples, median {median:.2f} s wall each")
        if chapters == ["ch01", "ch03"]:
            ok &= good
            print(f"  {'PASS' if good else 'MISS'}  ch01 + ch03 samples <= 120 s: "
                  f"{suite['total_s']:.1f} s")
        print("  answer key, CPU-seconds of the costliest grader tests (sandbox, 1 thread):")
        for nodeid, (cpu, wall) in answer_key_cpu(chapters).items():
            print(f"    {cpu:6.2f} CPU-s  {wall:6.2f} s wall  {nodeid}")
    if args.json:
        Path(args.json).write_text(json.dumps({"figures": figures, "ratio": ratio,
                                               "report_on_stubs": stubs, "samples": suite},
                                              indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
