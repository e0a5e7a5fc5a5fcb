"""Every sample graded both ways: in-process and through the sandbox, records compared.

    python benchmarks/parity.py                 # all samples (long: every one starts a sandbox)
    python benchmarks/parity.py ch01 ch03       # samples of some chapters
    python benchmarks/parity.py --start 400     # resume: all but the first 400

The suite grades mutants and alternatives in-process and one `parity = true` sample per chapter
both ways; this script checks the claim for every sample (issue: nothing the child says is
believed). It prints each sample whose outcome or earned points differ between the two runs, the
count of samples compared and the wall time, and exits 1 when any differ. Attacks and broken
samples are graded sandboxed only (in-process an attack patches the grader's own process and an
infinite loop has nothing to stop it, by design) and are skipped.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from dldrill.testing.mutants import grader_test_id, load_samples, materialize
from dldrill.testing.runner import SampleRunner


def _key(data: dict) -> dict[str, tuple[str, float]]:
    return {grader_test_id(r): (r["outcome"], r["earned"]) for r in data.get("tests", [])}


def main(chapters: list[str], start: int = 0) -> int:
    # Attacks and broken samples are always sandboxed: in-process an infinite loop or a memory
    # bomb has nothing to stop it (by design), and an attack patches the grader's own process.
    samples = [s for s in load_samples() if not s.sandbox
               and (not chapters or s.chapters & set(chapters))][start:]
    runner = SampleRunner(jobs=2)
    started = time.monotonic()
    differ = 0
    with tempfile.TemporaryDirectory(prefix="dldrill-parity-") as tmp:
        futures = []
        for sample in samples:
            sub = materialize(sample, Path(tmp) / sample.name / "submission")
            files = sample.graders + sample.also_pass
            args = sample.pytest_args
            futures.append((sample, runner.submit(sub, files, Path(tmp) / sample.name / "in.json", args),
                            runner.submit(sub, files, Path(tmp) / sample.name / "sb.json", args,
                                          sandbox=True)))
        try:
            for done, (sample, inproc, sandboxed) in enumerate(futures, 1):
                try:
                    a, b = _key(inproc.result()), _key(sandboxed.result())
                except Exception as err:  # that sample's run failed: say so, go on
                    differ += 1
                    print(f"ERROR {sample.kind}/{sample.name}: {type(err).__name__}: "
                          f"{str(err)[:300]}", flush=True)
                    continue
                if done % 20 == 0 or done == len(futures):  # long work shows its progress
                    print(f"[{done}/{len(futures)}] {time.monotonic() - started:.0f} s, "
                          f"{differ} differ so far", file=sys.stderr, flush=True)
                if a != b or not a:
                    differ += 1
                    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                    print(f"DIFFERS {sample.kind}/{sample.name}: "
                          + "; ".join(f"{k}: {a.get(k)} vs {b.get(k)}" for k in diff[:4]), flush=True)
        finally:
            runner.close()
    wall = time.monotonic() - started
    print(f"{len(samples)} samples compared in {wall:.0f} s; {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    first = 0
    if "--start" in args:  # resume a long run after its first K samples
        i = args.index("--start")
        first = int(args[i + 1])
        del args[i:i + 2]
    sys.exit(main(args, first))
