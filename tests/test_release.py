"""`dldrill release`: the learner's repository, cloned with git and checked for answers, run there
(visible tests, `dldrill report` on a self-study release, the Classroom workflow's command), and
written twice (idempotent), into foreign folders (refused) and for Gradescope."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from dldrill.paths import kit_root
from dldrill.release import ANSWER_KEY, MANIFEST, ReleaseError, release
from dldrill.stubgen import BEGIN, END, STUB, plan

KIT = kit_root()
MIN_CHARS = 16  # shorter solution lines are idioms (`return self`, `model.eval()`), not answers


def _git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout


def _clone(folder: Path, dest: Path) -> Path:
    """Commits the release in its folder and clones it: what a learner gets from GitHub."""
    _git("init", "-q", cwd=folder)
    _git("add", "-A", cwd=folder)
    _git("commit", "-q", "-m", "release", cwd=folder)
    _git("clone", "-q", str(folder), str(dest), cwd=folder.parent)
    return dest


def solution_body_lines() -> set[str]:
    """Every line a learner writes (between BEGIN/END SOLUTION, not a `# STUB:` skeleton line)."""
    out = set()
    for path in sorted((KIT / "solutions").rglob("*.py")):
        inside = False
        for line in path.read_text().splitlines():
            if BEGIN.match(line):
                inside = True
            elif END.match(line):
                inside = False
            elif inside and not STUB.match(line) and line.strip():
                out.add(line.strip())
    return out


def answer_lines() -> set[str]:
    """Solution lines of at least MIN_CHARS characters that the learner is not given anyway: not
    inside a generated stub or a visible test (e.g. a setup line one function shows and another
    asks for)."""
    given = [text for _, text in plan(KIT / "solutions", KIT / "exercises")]
    given += [p.read_text() for p in (KIT / "exercises").rglob("test_*.py")]
    return {line for line in solution_body_lines()
            if len(line) >= MIN_CHARS and not any(line in text for text in given)}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def _frozen_kit(dest: Path, chapters: list[str]) -> Path:
    """A copy of what a release reads from the kit, so that no concurrent edit of the kit's files
    changes it between two releases."""
    skip = shutil.ignore_patterns("__pycache__")
    for name in ("pyproject.toml", "constraints.txt", "conftest.py", "exercises/__init__.py"):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(KIT / name, dest / name)
    for name in ("dldrill", "fixtures/data", "fixtures/models",
                 *(f"{top}/{c}" for top in ("solutions", "exercises", "graders") for c in chapters)):
        shutil.copytree(KIT / name, dest / name, ignore=skip)
    return dest


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A full release (every chapter), a self-study one of ch01, both cloned; the time each took."""
    tmp = tmp_path_factory.mktemp("release")
    chapters = ["ch01", "ch02", "ch03", "ch04", "ch05", "ch06", "ch07", "ch08", "ch09", "ch10"]
    kit = _frozen_kit(tmp / "kit", chapters)
    times = {}
    start = time.monotonic()
    release(tmp / "course", chapters, gradescope=True, kit=kit)
    times["full"] = time.monotonic() - start
    start = time.monotonic()
    release(tmp / "self", ["ch01"], self_study=True, kit=kit)
    times["self"] = time.monotonic() - start
    return {"tmp": tmp, "times": times, "kit": kit,
            "course": _clone(tmp / "course", tmp / "course-clone"),
            "self": _clone(tmp / "self", tmp / "self-clone")}


def test_release_is_fast(released):
    # Measured here: 0.1-0.2 s in-process for every chapter (2 shared cores, other jobs running).
    assert released["times"]["full"] <= 5.0 and released["times"]["self"] <= 5.0, released["times"]


def test_no_solutions_and_no_graders(released):
    course, own = released["course"], released["self"]
    assert not (course / "solutions").exists() and not (own / "solutions").exists()
    assert not (course / "graders").exists()
    assert not (course / "fixtures" / "submissions").exists()
    assert sorted(p.name for p in (own / "graders").iterdir()) == [ANSWER_KEY, "ch01"]
    assert (course / "exercises" / "ch10" / "qa.py").is_file()
    assert (course / ".github" / "workflows" / "classroom.yml").is_file()
    for name in ("pyproject.toml", "constraints.txt", "conftest.py", ".gitignore",
                 "fixtures/data/korean_reviews.tsv", "fixtures/models/ch07_digits_cnn.pt"):
        assert (course / name).is_file(), name
    assert (course / "dldrill" / "release.py").is_file()
    assert not (course / "dldrill" / "testing").exists()  # the kit's own test tools stay home
    for rel, text in plan(released["kit"] / "solutions", course / "exercises"):  # stubs, not copies
        assert rel.read_text() == text


def test_no_line_of_a_solution_body_in_the_release(released):
    answers = answer_lines()
    assert len(answers) > 500  # the check has teeth: most solution lines are answers
    for name in ("course", "self"):
        root = released[name]
        for rel, data in _files(root).items():
            top = rel.split("/")[0]
            if top in ("dldrill", "graders") and not rel.endswith(ANSWER_KEY):
                # The kit's own code travels verbatim (checked here); it is not made from the
                # answers. Everything else is scanned, the packed answer key included.
                assert data == (released["kit"] / rel).read_bytes(), rel
                continue
            found = [a for a in answers if a.encode() in data]
            assert not found, f"{name}/{rel}: {found[:3]}"


def test_grep_for_answers_finds_nothing(released):
    """`grep -r` for each of ch01's answers, over everything but the kit's own code, which travels
    verbatim: the package (its tiered hints' level-3 sketches share some lines with the answers)
    and, in a self-study release, the graders (which recompute some expected values)."""
    ch01 = {line for line in answer_lines() if any(
        line in p.read_text() for p in (KIT / "solutions" / "ch01").glob("*.py"))}
    assert "shifted = x - np.max(x, axis=axis, keepdims=True)" in ch01  # softmax's answer
    patterns = released["tmp"] / "answers.txt"
    patterns.write_text("\n".join(sorted(ch01)) + "\n")
    for name in ("course", "self"):
        res = subprocess.run(["grep", "-rnF", "-f", str(patterns), "--exclude-dir=.git",
                              "--exclude-dir=dldrill",
                              f"--exclude-dir={'graders' if name == 'self' else '.git'}",
                              str(released[name])], capture_output=True, text=True)
        assert res.returncode == 1 and not res.stdout, res.stdout[:2000]
    # The same grep finds the answers where they are: it would see a leak.
    res = subprocess.run(["grep", "-rlF", "-f", str(patterns), str(KIT / "solutions" / "ch01")],
                         capture_output=True, text=True)
    assert res.returncode == 0 and "activations.py" in res.stdout


def test_readme_korean_first_and_set_up_as_it_says(released):
    course = released["course"]
    readme = (course / "README.md").read_text()
    assert readme.index("시작하기") < readme.index("Set up")
    command = ('python3 -m venv .venv && . .venv/bin/activate && pip install -c constraints.txt '
               '-e ".[hf,ko,plots,tf]"')
    assert readme.count(command) == 2  # Korean and English
    assert "pytest exercises/ch01" in readme and "dldrill report" not in readme
    assert "dldrill report" in (released["self"] / "README.md").read_text()
    # The package builds from the clone as `pip install -e .` would (no network, no deps).
    wheels = released["tmp"] / "wheels"
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                          "-q", "-w", str(wheels), str(course)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert [p.name for p in wheels.glob("dldrill-*.whl")]


def _in_release(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """A command run in the clone with its own `dldrill` first on the path (never the kit's)."""
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root), "DLDRILL_LANG": "en",
                               **(env or {})}, timeout=300)


def test_visible_tests_run_in_the_release(released):
    res = _in_release(released["course"], "-m", "pytest", "exercises/ch01", "-q")
    last = res.stdout.strip().splitlines()[-1]
    # Untouched stubs: every visible test reaches a TODO (exit 1, as for any test not passed).
    assert res.returncode == 1 and "TODO(ch01.activations.relu)" in res.stdout, res.stdout[-2000:]
    assert " todo in " in last and "failed" not in last and "error" not in last, last


def test_self_study_report_uses_the_packed_answer_key(released, tmp_path):
    own = released["self"]
    where = _in_release(own, "-c", "import dldrill.paths as p; print(p.kit_root(), p.solutions_root())")
    assert where.stdout.split() == [str(own), str(own / "graders" / ANSWER_KEY / "solutions")]
    select = ("-k", "softmax or backward")  # a few checks that compare with the key: fast
    # (The report on the untouched stubs runs in the Classroom test below: 0 points, all TODO.)
    shutil.copytree(KIT / "solutions" / "ch01", tmp_path / "key" / "ch01",
                    ignore=shutil.ignore_patterns("__pycache__"))
    keyed = _in_release(own, "-m", "dldrill", "report", "--chapters", "ch01", "--json", *select,
                        "--submission", str(tmp_path / "key"))
    assert keyed.returncode == 0, keyed.stderr[-2000:]
    report = json.loads(keyed.stdout)
    assert report["tests"] and all(t["outcome"] == "passed" for t in report["tests"])
    assert report["total"]["points"] == report["total"]["max_points"] > 0


def _workflow_command(root: Path) -> str:
    flow = yaml.safe_load((root / ".github" / "workflows" / "classroom.yml").read_text())
    # The reporter uploads scores only from this workflow name and this one job.
    assert flow["name"] == "Autograding Tests" and list(flow["jobs"]) == ["run-autograding-tests"]
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    step = next(s for s in steps if s.get("id") == "dldrill")
    reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
    assert reporter["with"]["runners"] == "dldrill"
    assert reporter["env"]["DLDRILL_RESULTS"] == "${{ steps.dldrill.outputs.result }}"
    return step["run"]


def _run_workflow_step(root: Path, command: str, tmp_path: Path) -> dict:
    output = tmp_path / "github_output"
    output.write_text("")
    res = subprocess.run(["bash", "-c", command], cwd=root, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(root), "GITHUB_OUTPUT": str(output)},
                         timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    key, _, value = output.read_text().strip().partition("=")
    assert key == "result"
    return json.loads(base64.b64decode(value))


def test_classroom_workflow_command_reports_points_per_item(released, tmp_path):
    own = released["self"]
    command = _workflow_command(own)
    assert command.endswith('>> "$GITHUB_OUTPUT"') and "--chapters ch01" in command
    results = _run_workflow_step(own, command, tmp_path)
    assert results["version"] == 1 and results["status"] == "fail"
    names = [t["name"].split(":")[0] for t in results["tests"]]
    assert names == ["perceptron-activation", "backprop-gd"]
    assert all(t["score"] == 0 and t["status"] == "fail" for t in results["tests"])
    assert results["max_score"] == 80
    # A release without graders: the visible tests, one point each, per checklist item.
    course = released["course"]
    command = _workflow_command(course).replace("--chapters ch01,ch02,ch03,ch04,ch05,ch06,ch07,"
                                                "ch08,ch09,ch10", "--chapters ch01")
    visible = _run_workflow_step(course, command, tmp_path)
    assert [t["name"].split(":")[0] for t in visible["tests"]] == names
    assert visible["max_score"] > 0 and sum(t["score"] for t in visible["tests"]) < visible["max_score"]


def test_released_twice_is_idempotent_and_keeps_edits(tmp_path):
    kit = _frozen_kit(tmp_path / "kit", ["ch01", "ch03"])
    out = tmp_path / "r"
    release(out, ["ch01"], kit=kit)
    before = _files(out)
    again = release(out, ["ch01"], kit=kit)[0]
    assert not again.written and not again.removed and _files(out) == before
    readme = out / "exercises" / "ch01" / "activations.py"
    readme.write_text(readme.read_text() + "# mine\n")
    third = release(out, ["ch01", "ch03"], kit=kit)[0]
    assert third.kept == ["exercises/ch01/activations.py"] and "# mine" in readme.read_text()
    assert (out / "exercises" / "ch03" / "mlp.py").is_file()
    fourth = release(out, ["ch01"], kit=kit)[0]
    assert "exercises/ch03/mlp.py" in fourth.removed and not (out / "exercises" / "ch03" / "mlp.py").exists()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["chapters"] == ["ch01"] and "exercises/ch01/activations.py" in manifest["files"]


def test_refuses_a_folder_it_did_not_make(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(ReleaseError, match=r"not made by dldrill release|dldrill release 가 만든"):
        release(foreign, ["ch01"])
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    res = subprocess.run([sys.executable, "-m", "dldrill", "release", "--out", str(foreign),
                          "--chapters", "ch01", "--lang", "en"], capture_output=True, text=True)
    assert res.returncode == 2 and "not made by dldrill release" in res.stderr
    (tmp_path / "empty").mkdir()
    assert release(tmp_path / "empty", ["ch01"])[0].written
    # The command lists what it kept: a file edited since the last release.
    stub = tmp_path / "empty" / "exercises" / "ch01" / "losses.py"
    stub.write_text(stub.read_text() + "# mine\n")
    res = subprocess.run([sys.executable, "-m", "dldrill", "release", "--out", str(tmp_path / "empty"),
                          "--chapters", "ch01", "--lang", "en"], capture_output=True, text=True)
    assert res.returncode == 0 and "kept: exercises/ch01/losses.py" in res.stdout, res.stdout
    assert stub.read_text().endswith("# mine\n")


def test_gradescope_bundle(released):
    bundle = released["tmp"] / "course-gradescope"
    for name in ("setup.sh", "run_autograder"):
        assert os.access(bundle / name, os.X_OK)
    run = (bundle / "run_autograder").read_text()
    assert "dldrill grade --gradescope --chapters ch01," in run
    assert (bundle / "solutions" / "ch01" / "activations.py").is_file()
    assert (bundle / "graders" / "ch01" / "test_activations.py").is_file()
    # The bundle grades on its own: its dldrill, graders and answer key, a fake /autograder.
    ag = released["tmp"] / "autograder"
    shutil.copytree(KIT / "solutions" / "ch01", ag / "submission" / "ch01",
                    ignore=shutil.ignore_patterns("__pycache__"))
    graded = _in_release(bundle, "-m", "dldrill", "grade", "--gradescope", "--chapters", "ch01",
                         "-k", "softmax", env={"DLDRILL_AUTOGRADER_ROOT": str(ag)})
    assert graded.returncode == 0, graded.stderr[-2000:]
    results = json.loads((ag / "results" / "results.json").read_text())
    assert results["tests"] and results["score"] == sum(t["max_score"] for t in results["tests"])
    setup = (bundle / "setup.sh").read_text()
    assert "python3 -m venv /autograder/venv" in setup and "-c constraints.txt" in setup
    res = subprocess.run(["bash", "-n", str(bundle / "setup.sh")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_a_release_cannot_release_itself(released, tmp_path):
    # A self-study release has graders but no solutions/ to make stubs from.
    res = _in_release(released["self"], "-m", "dldrill", "release", "--out", str(tmp_path / "again"),
                      "--chapters", "ch01", "--lang", "en")
    assert res.returncode == 2 and "release from the kit's repository" in res.stderr
    assert not (tmp_path / "again").exists()
