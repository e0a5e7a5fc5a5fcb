"""Speed of the learner's commands: `dldrill hint/next/status`, and `dldrill watch` from save to results.

    python benchmarks/learner_commands.py [--repeat 5]

1. hint, next, status: CPU-seconds and wall seconds of `python -m dldrill CMD` (median), beside a
   bare `python -c pass` measured in the same run.
2. watch: `dldrill watch EXERCISE` on a copy of the kit; the script saves the exercise's file
   (alternating two wrong bodies, so that the exercise stays current), reads the moment watch mode
   printed the results (DLDRILL_WATCH_TIMING) and takes save -> results. Paired, run by run, with
   the same selection run by hand (`python -m pytest ARGS`, wall) and with pytest's own reported
   time for it ("in 0.12s"). Everything runs in one process tree on the same machine, so the
   ratios hold on a busy machine even where the seconds do not.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from dldrill import catalog, reach  # noqa: E402

CASES = {  # exercise -> two wrong bodies to alternate (the tests fail, the exercise stays current)
    "ch01.activations.relu": ("return x", "return -x"),
    "ch04.conv.conv2d_output_size": ("return (0, 0)", "return (1, 1)"),
}


def timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall s, CPU s, stdout) of one child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout + done.stderr


def commands(root: Path, repeat: int) -> None:
    env = {**os.environ, "DLDRILL_ROOT": str(root)}
    rows = {"python -c pass": [sys.executable, "-c", "pass"]}
    for argv in (["hint", "ch01.step", "--level", "1"], ["next"], ["status"]):
        rows["dldrill " + " ".join(argv)] = [sys.executable, "-m", "dldrill", *argv]
    print(f"{'command':38} {'wall s':>8} {'CPU s':>8}   (median of {repeat})")
    for name, cmd in rows.items():
        runs = [timed(cmd, env) for _ in range(repeat)]
        print(f"{name:38} {statistics.median(r[0] for r in runs):8.3f} "
              f"{statistics.median(r[1] for r in runs):8.3f}")


def watch(root: Path, exercise: str, bodies: tuple[str, str], repeat: int) -> None:
    ex = catalog.find(exercise, catalog.load(root))
    path = root / "exercises" / ex.chapter / ex.path.name
    tag = f'raise NotImplementedError("TODO({ex.id})")'
    text = path.read_text(encoding="utf-8")
    assert tag in text
    path.write_text(text.replace(tag, bodies[0]), encoding="utf-8")
    env = {**os.environ, "DLDRILL_ROOT": str(root), "DLDRILL_WATCH_TIMING": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "dldrill", "watch", ex.short, "--lang", "en"],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    args = reach.pytest_args(ex, root / "exercises")

    def wait_for(marker: str) -> str:
        while True:
            line = proc.stdout.readline()
            if not line:
                raise SystemExit("watch mode ended early")
            if marker in line:
                return line

    wait_for("to run again")
    latency, direct, own = [], [], []
    for i in range(repeat):
        cur = path.read_text(encoding="utf-8")
        path.write_text(cur.replace(bodies[i % 2], bodies[(i + 1) % 2]), encoding="utf-8")
        saved = time.time()
        line = wait_for("results_at=")
        latency.append(float(re.search(r"results_at=([\d.]+)", line).group(1)) - saved)
        wait_for("to run again")
        wall, _, out = timed([sys.executable, "-m", "pytest", *args, "-q"],
                             {**env, "DLDRILL_NO_PROGRESS": "1"})
        direct.append(wall)
        m = re.search(r" in ([\d.]+)s", out)
        own.append(float(m.group(1)) if m else float("nan"))
    proc.terminate()
    proc.wait(30)
    med = statistics.median
    print(f"{ex.id}: save -> results {med(latency):.3f} s (min {min(latency):.3f}, max "
          f"{max(latency):.3f}); the same tests by hand `python -m pytest ...`: {med(direct):.3f} s "
          f"wall; pytest's own reported time {med(own):.3f} s; latency - own = "
          f"{med(latency) - med(own):+.3f} s; latency / by hand = {med(latency) / med(direct):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dldrill-bench-") as tmp:
        root = Path(tmp) / "kit"
        for part in ("exercises", "solutions"):
            shutil.copytree(KIT / part, root / part,
                            ignore=shutil.ignore_patterns("__pycache__", ".dldrill"))
        for name in ("pyproject.toml", "conftest.py"):
            shutil.copy(KIT / name, root / name)
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        commands(root, args.repeat)
        for exercise, bodies in CASES.items():
            watch(root, exercise, bodies, args.repeat)
        print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
