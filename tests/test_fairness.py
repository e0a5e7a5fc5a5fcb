"""Fair grades: the same submission gets the same records on an idle and on a busy machine.

Budgets count the CPU-seconds of the submission's process with one compute thread, so four
CPU-burning processes on this 2-core machine slow the wall clock, not the grade. (The 50-times
mutant that must still fail its budget when the machine is idle is the broken sample
`ch03_fit_fifty_times_the_work`.)
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from dldrill.paths import kit_root
from dldrill.testing.runner import run_sandboxed

GRADERS = ["graders/ch01", "graders/ch03"]
MEASUREMENTS = ("duration_s", "cpu_s")


def _records(data: dict) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in MEASUREMENTS} for r in data["tests"]]


@pytest.mark.timeout(900)
def test_answer_key_keeps_every_point_under_load_with_identical_records(tmp_path):
    idle = run_sandboxed(kit_root() / "solutions", GRADERS, tmp_path / "idle.json")
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(4)]
    try:
        busy = run_sandboxed(kit_root() / "solutions", GRADERS, tmp_path / "busy.json")
    finally:
        for b in burners:
            b.kill()
            b.wait()
    for data in (idle, busy):
        failed = [(r["nodeid"], r["reason"]) for r in data["tests"] if r["outcome"] != "passed"]
        assert not failed, failed
    assert _records(idle) == _records(busy)
    budgeted = {r["nodeid"]: r["cpu_s"] for r in busy["tests"] if "digits" in r["nodeid"]}
    idle_cpu = {r["nodeid"]: r["cpu_s"] for r in idle["tests"] if "digits" in r["nodeid"]}
    for nodeid, cpu in budgeted.items():  # the budgets' unit does not move with the load
        assert cpu <= 1.5 * idle_cpu[nodeid] + 0.2, (nodeid, cpu, idle_cpu[nodeid])
    print(f"\nwall: idle {idle['wall_s']} s, with 4 burners {busy['wall_s']} s; CPU-s of the "
          f"digits fits idle {idle_cpu}, busy {budgeted}")
