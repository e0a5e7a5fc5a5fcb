"""Stubs come from solutions, stay in sync, and a learner's edits are never overwritten."""

from __future__ import annotations

import textwrap

import pytest

from dldrill.paths import exercises_root, solutions_root
from dldrill.stubgen import MarkerError, is_untouched_stub, stub_body, sync

SOLUTION = textwrap.dedent('''
    """Doc."""
    import numpy as np


    def f(x):
        """Doc of f. Hint: think."""
        y = np.asarray(x)
        # BEGIN SOLUTION
        return y * 2
        # END SOLUTION


    class Net:
        def fit(self, X):
            """Doc."""
            # BEGIN SOLUTION
            for _ in range(3):
                pass
            return self
            # END SOLUTION

        def keep(self):
            # BEGIN SOLUTION
            self.w = np.ones(3)
            # STUB: self.w = None  # TODO: initialise
            # END SOLUTION
            return self.w

    # BEGIN SOLUTION WEIGHTS
    WEIGHTS = (5, 5, -8)
    # END SOLUTION
''')


def test_stub_body_replaces_regions_with_tagged_todos():
    body = stub_body(SOLUTION, "ch01.demo")
    assert 'raise NotImplementedError("TODO(ch01.demo.f)")' in body
    assert 'raise NotImplementedError("TODO(ch01.demo.Net.fit)")' in body
    assert 'raise NotImplementedError("TODO(ch01.demo.WEIGHTS)")' in body
    assert "self.w = None  # TODO: initialise" in body
    assert "y * 2" not in body and "range(3)" not in body and "(5, 5, -8)" not in body
    assert '"""Doc of f. Hint: think."""' in body and "y = np.asarray(x)" in body


@pytest.mark.parametrize("bad, message", [
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "without END"),
    ("def f():\n    return 1\n    # END SOLUTION\n", "without BEGIN"),
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n",
     "nested"),
    ("# BEGIN SOLUTION\nX = 1\n# END SOLUTION\n", "needs a name"),
])
def test_marker_errors(bad, message):
    with pytest.raises(MarkerError, match=message):
        stub_body(bad, "ch01.demo")


def test_sync_creates_updates_and_never_overwrites_edits(tmp_path):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    (sol / "ch01").mkdir(parents=True)
    (sol / "ch01" / "demo.py").write_text(SOLUTION)
    assert [a.status for a in sync(sol, ex)] == ["created"]
    stub = ex / "ch01" / "demo.py"
    assert is_untouched_stub(stub.read_text())
    assert [a.status for a in sync(sol, ex, check=True)] == ["unchanged"]

    (sol / "ch01" / "demo.py").write_text(SOLUTION.replace("Doc of f", "Better doc of f"))
    assert [a.status for a in sync(sol, ex, check=True)] == ["updated"]
    assert "Better doc" not in stub.read_text(), "--check changes nothing"
    assert [a.status for a in sync(sol, ex)] == ["updated"]
    assert "Better doc" in stub.read_text()

    mine = stub.read_text().replace('raise NotImplementedError("TODO(ch01.demo.f)")',
                                    "return x + x")
    stub.write_text(mine)
    (sol / "ch01" / "demo.py").write_text(SOLUTION.replace("Doc of f", "Third doc of f"))
    actions = sync(sol, ex)
    assert [a.status for a in actions] == ["kept-edited"]
    assert stub.read_text() == mine, "a learner's edit is never overwritten"
    assert [a.status for a in sync(sol, ex, check=True)] == ["kept-edited"]

    (sol / "ch01" / "demo.py").unlink()
    stub.unlink()
    (sol / "ch01" / "other.py").write_text("X = 1\n")
    sync(sol, ex)
    (sol / "ch01" / "other.py").unlink()
    assert [a.status for a in sync(sol, ex)] == ["orphan"]
    assert (ex / "ch01" / "other.py").exists(), "nothing is deleted"


def test_repository_stubs_are_in_sync():
    drift = [a for a in sync(solutions_root(), exercises_root(), check=True)
             if a.status != "unchanged"]
    assert not drift, f"run `dldrill sync`: {[(str(a.path), a.status) for a in drift]}"
