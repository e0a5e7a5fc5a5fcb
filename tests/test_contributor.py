"""What a kit contributor touches: one exercise is four kinds of file, and nothing else.

The README's "Adding an exercise" walks through it; these tests prove its sentences.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from dldrill.cli import main
from dldrill.paths import kit_root

ROOT = kit_root()


def test_mistakes_prints_each_mutant_with_its_description_and_tests(capsys):
    assert main(["mistakes", "ch08", "-k", "dropout", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "graders/ch08/test_regularization.py" in out
    assert "  ch08_dropout_active_in_eval\n" in out
    assert "dropout ignores `training`" in out
    assert "caught by: test_dropout_is_the_identity_in_eval" in out
    mutants = sorted(p.stem for p in (ROOT / "fixtures/submissions/mutants").glob("ch08_*.toml")
                     if "dropout" in p.read_text().split("\n", 1)[0].lower() or "dropout" in p.stem)
    assert all(f"  {name}\n" in out for name in mutants)
    assert out.rstrip().endswith(f"{out.count('caught by:')} mistakes")


def test_mistakes_speak_korean_under_the_korean_default(capsys):
    assert main(["mistakes", "ch08", "-k", "dropout", "--lang", "ko"]) == 0
    out = capsys.readouterr().out
    assert "잡아내는 검사: test_dropout_is_the_identity_in_eval" in out
    assert out.rstrip().endswith(f"실수 {out.count('잡아내는 검사:')}개")


def test_mistakes_refuses_an_unknown_chapter(capsys):
    assert main(["mistakes", "ch99"]) == 2
    assert "ch99" in capsys.readouterr().err


# -- adding one exercise: the walkthrough of the README, in a copy of the kit --------------------
SOLUTION = '''

def softplus(x: np.ndarray) -> np.ndarray:
    """Softplus, log(1 + e^x), a smooth ReLU; x any shape -> the same shape. / 부드러운 ReLU.

    Hint / 힌트: np.logaddexp(0, x) never overflows (오버플로가 없습니다).
    """
    # BEGIN SOLUTION
    return np.logaddexp(0.0, x)
    # END SOLUTION
'''
VISIBLE_TEST = '''

def test_softplus_of_zero_is_log_2():
    from ch01.activations import softplus

    assert abs(float(softplus(np.zeros(1))[0]) - np.log(2.0)) < 1e-12
'''
GRADER_TEST = '''

@grader("perceptron-activation", points=1)
def test_softplus_matches_the_answer_key(student, reference, rng):
    x = rng.standard_normal((3, 4)) * 5
    assert_close(student.call(f"{MODULE}:softplus", x), reference.call(f"{MODULE}:softplus", x),
                 what="softplus(x)", hint=tr("log(1 + e^x)", "log(1 + e^x)"))
'''
MUTANT = '''description = "softplus with the sign of x flipped: log(1 + e^-x)"
description_ko = "x의 부호를 뒤집은 softplus: log(1 + e^-x)"
graders = ["graders/ch01/test_activations.py"]
failed = ["test_softplus_matches_the_answer_key"]

[[edit]]
file = "ch01/activations.py"
old = "return np.logaddexp(0.0, x)"
new = "return np.logaddexp(0.0, -x)"
'''
FOUR_KINDS = {"solutions/ch01/activations.py", "exercises/ch01/test_activations.py",
              "graders/ch01/test_activations.py",
              "fixtures/submissions/mutants/ch01_softplus_sign_flipped.toml"}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def _run(kit: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DLDRILL_ROOT": str(kit), "DLDRILL_LANG": "en"}
    return subprocess.run([sys.executable, *args], cwd=kit, env=env, capture_output=True,
                          text=True, timeout=300)


def _grade(kit: Path, submission: Path, out: Path) -> dict[str, dict]:
    proc = _run(kit, "-m", "pytest", "graders/ch01/test_activations.py", "--submission",
                str(submission), "--inprocess", "-q", "-k", "softplus", "--results-json", str(out))
    assert out.is_file(), proc.stdout[-2000:] + proc.stderr[-2000:]
    data = json.loads(out.read_text())
    records = data["tests"] if isinstance(data, dict) else data
    return {r["nodeid"].split("::")[-1]: r for r in records}


def test_one_exercise_is_four_kinds_of_file(tmp_path, monkeypatch):
    """A toy exercise (ch01 softplus) added to a copy of the kit with only its solution, visible
    test, grader test and mutant: sync writes its stub, pytest collects the visible test (TODO
    on the stub) and the grader test, the answer key earns the point, the mutant loses it, and
    the tools that read the kit (targets, mistakes) know it."""
    kit = tmp_path / "kit"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("solutions", "exercises", "graders/ch01", "fixtures/submissions/mutants"):
        shutil.copytree(ROOT / folder, kit / folder, ignore=skip)
    for name in ("pyproject.toml", "conftest.py"):
        shutil.copy(ROOT / name, kit / name)
    before = _files(kit)

    # the four kinds of file
    for rel, text in (("solutions/ch01/activations.py", SOLUTION),
                      ("exercises/ch01/test_activations.py", VISIBLE_TEST),
                      ("graders/ch01/test_activations.py", GRADER_TEST)):
        with (kit / rel).open("a") as f:
            f.write(text)
    (kit / "fixtures/submissions/mutants/ch01_softplus_sign_flipped.toml").write_text(MUTANT)

    # 1. stubbed: `dldrill sync` writes the stub of the new function, and nothing else
    proc = _run(kit, "-m", "dldrill.cli", "sync", "ch01")
    assert proc.returncode == 0, proc.stderr
    stub = (kit / "exercises/ch01/activations.py").read_text()
    assert 'raise NotImplementedError("TODO(ch01.activations.softplus)")' in stub
    assert "logaddexp(0.0, x)" not in stub  # the answer is gone
    assert "Softplus, log(1 + e^x), a smooth ReLU" in stub  # the docstring stays
    changed = {rel for rel, data in _files(kit).items() if before.get(rel) != data}
    assert changed == FOUR_KINDS | {"exercises/ch01/activations.py"}, changed

    # 2. collected: the visible test runs on the stub and says TODO
    proc = _run(kit, "-m", "pytest", "exercises/ch01/test_activations.py", "-k", "softplus")
    assert "1 TODO" in proc.stdout or "1 todo" in proc.stdout.lower(), proc.stdout[-1500:]
    proc = _run(kit, "-m", "pytest", "--collect-only", "-q", "graders/ch01")
    assert "test_activations.py::test_softplus_matches_the_answer_key" in proc.stdout

    # 3. graded: the answer key earns the point
    records = _grade(kit, kit / "solutions", tmp_path / "key.json")
    assert records["test_softplus_matches_the_answer_key"]["earned"] == 1

    # 4. its mutant is caught: it loses exactly that test
    from dldrill.testing.mutants import load_samples, materialize

    monkeypatch.setenv("DLDRILL_ROOT", str(kit))  # the mutant edits this kit's solutions
    sample = next(s for s in load_samples(kit / "fixtures/submissions")
                  if s.name == "ch01_softplus_sign_flipped")
    sub = materialize(sample, tmp_path / "mutant")
    assert "logaddexp(0.0, -x)" in (sub / "ch01/activations.py").read_text()
    records = _grade(kit, sub, tmp_path / "mutant.json")
    assert records["test_softplus_matches_the_answer_key"]["outcome"] == "failed"
    assert records["test_softplus_matches_the_answer_key"]["earned"] == 0

    # the tools that read the kit know the new exercise without being told
    spec = importlib.util.spec_from_file_location("kit_targets", ROOT / "tests/test_targets.py")
    targets = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "kit_targets", targets)  # its dataclass looks itself up
    spec.loader.exec_module(targets)
    grader_uses, problems = targets.grader_uses, targets.problems
    uses = [u for u in grader_uses(kit / "graders") if u.target == "ch01.activations:softplus"]
    assert uses and not problems(uses, {"solutions": kit / "solutions",
                                        "exercises": kit / "exercises"})
    proc = _run(kit, "-m", "dldrill.cli", "mistakes", "ch01", "-k", "softplus")
    assert "ch01_softplus_sign_flipped" in proc.stdout and "1 mistakes" in proc.stdout


def _walkthrough() -> str:
    text = (ROOT / "README.md").read_text()
    return text.split("## Adding an exercise", 1)[1].split("\n## ", 1)[0]


def test_the_readme_walkthrough_shows_the_files_this_test_adds():
    blocks = [textwrap.dedent(b) for b in re.findall(r"```\w+\n(.*?)```", _walkthrough(), re.S)]
    assert blocks == [textwrap.dedent(GRADER_TEST).strip() + "\n", MUTANT], blocks
    for rel in FOUR_KINDS - {"fixtures/submissions/mutants/ch01_softplus_sign_flipped.toml"}:
        assert f"`{rel}`" in _walkthrough()


def test_mutants_and_alternatives_edit_only_what_they_differ_in():
    """No mutant or alternative replaces a whole module: a new solution function needs no copy
    there."""
    from dldrill.testing.mutants import load_samples

    samples = [s for s in load_samples() if s.kind in ("mutants", "alternatives")]
    assert len(samples) > 300
    for sample in samples:
        for edit in sample.edits:
            assert set(edit) == {"file", "old", "new"}, (sample.name, sorted(edit))
