"""The learner's commands: hint, next, status, watch, solution, reset, and the progress file.

Most tests work on a small copy of the kit (ch01, NumPy only, and ch10's quiz) in a temporary
folder named by DLDRILL_ROOT, so that nothing here writes into the repository's exercises/.
Every claim of the README's "Hints, progress and watch mode" is checked here.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dldrill import catalog, hints, i18n, progress, reach, stubgen
from dldrill.cli import main as cli_main
from dldrill.commands import status as status_cmd
from dldrill.paths import kit_root

KIT = kit_root()
RELU_STUB = 'raise NotImplementedError("TODO(ch01.activations.relu)")'
RELU_GRAD_STUB = 'raise NotImplementedError("TODO(ch01.activations.relu_grad)")'


@pytest.fixture
def lang():
    """Restores the message language (and DLDRILL_LANG) that `--lang` changes."""
    saved, env = i18n.get_lang(), os.environ.get("DLDRILL_LANG")
    yield
    i18n._state["lang"] = saved
    if env is None:
        os.environ.pop("DLDRILL_LANG", None)
    else:
        os.environ["DLDRILL_LANG"] = env


@pytest.fixture
def kit(tmp_path, monkeypatch, lang):
    """A small kit: ch01 (exercises, solutions) and ch10's quiz, the repository's pytest settings,
    and a hint file of our own for ch01.activations.relu."""
    root = tmp_path / "kit"
    for part in ("exercises", "solutions"):
        shutil.copytree(KIT / part / "ch01", root / part / "ch01",
                        ignore=shutil.ignore_patterns("__pycache__"))
        (root / part / "ch10").mkdir(parents=True)
        shutil.copy(KIT / part / "ch10" / "quiz.py", root / part / "ch10" / "quiz.py")
    shutil.copy(KIT / "exercises" / "__init__.py", root / "exercises" / "__init__.py")
    for name in ("pyproject.toml", "conftest.py"):
        shutil.copy(KIT / name, root / name)
    monkeypatch.setenv("DLDRILL_ROOT", str(root))
    monkeypatch.delenv("DLDRILL_NO_PROGRESS", raising=False)
    monkeypatch.chdir(root)
    folder = tmp_path / "hints"
    folder.mkdir()
    (folder / "ch01.toml").write_text(
        '["activations.relu"]\nko1 = "넛지 하나"\nen1 = "nudge one"\nko2 = "접근 둘"\n'
        'en2 = "approach two"\nko3 = "스케치 셋"\nen3 = "sketch three"\n', encoding="utf-8")
    monkeypatch.setattr(hints, "FOLDER", folder)
    hints.load.cache_clear()
    yield root
    hints.load.cache_clear()


def dl(capsys, *argv: str) -> tuple[int, str, str]:
    """Runs `dldrill ARGV` in this process: (exit code, stdout, stderr)."""
    code = cli_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def pytest_run(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", *args, "-q", "-p", "no:randomly"],
                          cwd=root, capture_output=True, text=True,
                          env={**os.environ, "DLDRILL_ROOT": str(root), **(env or {})}, timeout=300)


# -- the catalog ---------------------------------------------------------------------------------
def test_catalog_lists_every_todo_tag_of_the_generated_stubs_in_curriculum_order():
    tags = []
    for _path, text in stubgen.plan(KIT / "solutions", KIT / "exercises"):
        tags += re.findall(r'NotImplementedError\("TODO\((ch\d\d\.[\w.]+)\)"\)', text)
    exs = catalog.load(KIT)
    assert sorted(e.id for e in exs) == sorted(tags)
    assert len(exs) == len({e.id for e in exs}) > 150
    assert [e.chapter for e in exs] == sorted(e.chapter for e in exs)
    assert exs[0].id == "ch01.perceptron.step"
    conv = [e.function for e in exs if e.chapter == "ch04" and e.module == "conv"]
    assert conv == ["conv2d_output_size", "conv2d_naive", "max_pool2d_naive"]  # source order


def test_the_shipped_index_matches_the_solution_markers():
    """A released course (no solutions/) reads dldrill/catalog.txt; it must say the same."""
    exs = catalog.from_solutions(KIT / "solutions", KIT / "exercises")
    assert catalog.INDEX.read_text(encoding="utf-8") == catalog.index_text(exs), (
        "dldrill/catalog.txt is stale: run `python -m dldrill.catalog --write`")
    assert catalog.from_index(KIT / "exercises") == exs


@pytest.mark.parametrize("spec", ["ch04.conv2d_naive", "ch4.conv2d_naive", "CH04.Conv2d_Naive",
                                  "ch04.conv.conv2d_naive", "4.conv2d_naive", "conv2d_naive"])
def test_find_is_forgiving(spec):
    assert catalog.find(spec).id == "ch04.conv.conv2d_naive"


def test_find_methods_and_module_level_answers():
    assert catalog.find("ch01.TwoLayerNet.forward").id == "ch01.backprop.TwoLayerNet.forward"
    assert catalog.find("ch01.backprop.twolayernet.forward").id == "ch01.backprop.TwoLayerNet.forward"
    assert catalog.find("ch10.ANSWERS").id == "ch10.quiz.ANSWERS"


def test_find_unknown_says_did_you_mean(lang):
    i18n.set_lang("en")
    with pytest.raises(catalog.ExerciseError, match=r"Did you mean ch04\.conv2d_naive"):
        catalog.find("ch04.conv2d")
    with pytest.raises(catalog.ExerciseError, match="names several exercises"):
        catalog.find("ch05.forward")
    with pytest.raises(catalog.ExerciseError, match="ch01–ch10"):
        catalog.find("ch11.softmax")
    i18n.set_lang("ko")
    with pytest.raises(catalog.ExerciseError, match=r"혹시 ch04\.conv2d_naive"):
        catalog.find("ch04.conv2d")


# -- the progress file ---------------------------------------------------------------------------
def test_progress_file_is_sorted_plain_text_one_line_per_exercise(tmp_path):
    root = tmp_path / "exercises"
    progress.record_hint(root, "ch04.conv.conv2d_naive", 2)
    progress.record_hint(root, "ch04.conv.conv2d_naive", 1)  # the highest level is kept
    progress.record_pass(root, ["ch01.activations.relu"], when="2026-12-06T00:00:00Z")
    path = progress.state_path(root)
    assert path == root / ".dldrill" / "progress.txt"
    assert path.stat().st_mode & 0o777 == 0o644
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#")
    assert lines[1:] == ["ch01.activations.relu passed=2026-12-06T00:00:00Z via=tests",
                         "ch04.conv.conv2d_naive hints=2"]
    p = progress.load(root)
    assert p.passed == {"ch01.activations.relu": "2026-12-06T00:00:00Z"}
    assert p.hints == {"ch04.conv.conv2d_naive": 2}


def test_progress_file_survives_a_merge_conflict_and_unknown_fields(tmp_path):
    root = tmp_path / "exercises"
    progress.state_path(root).parent.mkdir(parents=True)
    progress.state_path(root).write_text(
        "# header\n<<<<<<< HEAD\nch01.losses.mse passed=2026-01-02T00:00:00Z hints=1\n=======\n"
        "ch01.losses.mse passed=2026-01-03T00:00:00Z hints=3 future=yes\n>>>>>>> other\n"
        "ch01.losses.mae hints=x\n", encoding="utf-8")
    p = progress.load(root)
    assert p.passed == {"ch01.losses.mse": "2026-01-03T00:00:00Z"}  # the later one
    assert p.hints == {"ch01.losses.mse": 3}
    progress.save(root, p)
    assert "future=yes" in progress.state_path(root).read_text(encoding="utf-8")


def test_visible_test_runs_record_and_drop_passes(kit, capsys):
    act = kit / "exercises" / "ch01" / "activations.py"
    state = progress.state_path(kit / "exercises")
    done = pytest_run(kit, "exercises/ch01/test_activations.py")  # untouched stubs
    assert done.returncode != 0 and not state.exists()  # nothing passed: no file is written
    edit(act, RELU_STUB, "return np.maximum(x, 0.0)")
    done = pytest_run(kit, "exercises/ch01/test_activations.py")
    assert "통과 기록 ✓ ch01.activations.relu" in done.stdout
    assert set(progress.load(kit / "exercises").passed) == {"ch01.activations.relu"}
    # Another submission (here: the answer key) never writes the learner's progress.
    before = state.read_text(encoding="utf-8")
    pytest_run(kit, "exercises/ch01/test_activations.py", "--submission", str(kit / "solutions"))
    assert state.read_text(encoding="utf-8") == before
    edit(act, "return np.maximum(x, 0.0)", "return x")  # wrong now
    done = pytest_run(kit, "exercises/ch01/test_activations.py", "--lang", "en")
    assert "no longer passing ✗ ch01.activations.relu" in done.stdout
    assert progress.load(kit / "exercises").passed == {}


def test_evaluate_needs_every_reaching_test_and_no_todo(kit):
    root = kit / "exercises"
    node = "exercises/ch01/test_activations.py::"
    edit(root / "ch01" / "activations.py", RELU_STUB, "return np.maximum(x, 0.0)")
    ok = [{"nodeid": node + "test_relu_keeps_positives_and_zeroes_negatives", "outcome": "passed"}]
    assert progress.evaluate(ok, root) == (["ch01.activations.relu"], [])
    # a test that reaches relu_grad passed, but its TODO line is still there: not passed
    grad = [{"nodeid": node + "test_relu_grad_is_a_step", "outcome": "passed"}]
    assert progress.evaluate(grad, root) == ([], [])
    # a parametrized case that failed fails the test
    cases = [{"nodeid": node + "test_relu_keeps_positives_and_zeroes_negatives[1]", "outcome": "passed"},
             {"nodeid": node + "test_relu_keeps_positives_and_zeroes_negatives[2]", "outcome": "failed"}]
    assert progress.evaluate(cases, root) == ([], [])


# -- hint, next, status ----------------------------------------------------------------------------
def test_hint_goes_one_level_up_each_time_and_is_recorded(kit, capsys):
    levels = []
    for _ in range(4):
        code, out, _ = dl(capsys, "hint", "ch1.relu")
        assert code == 0
        levels.append(re.search(r"힌트 (\d)/3", out).group(1))
    assert levels == ["1", "2", "3", "3"]
    assert progress.load(kit / "exercises").hints == {"ch01.activations.relu": 3}
    code, out, _ = dl(capsys, "hint", "ch01.activations.relu", "--level", "2", "--lang", "en")
    assert "hint 2/3 · approach" in out and "approach two" in out
    code, out, err = dl(capsys, "hint", "ch01.relux")
    assert code == 2 and "ch01.relu" in err
    progress.record_pass(kit / "exercises", [e.id for e in catalog.load(kit)][:5])  # ch01.perceptron
    code, out, err = dl(capsys, "hint")  # no name: the exercise `dldrill next` names
    assert code == 0 and out.startswith("ch01.activations.relu ")


def test_next_names_the_first_unpassed_exercise_and_a_command_that_selects_its_tests(kit, capsys):
    code, out, _ = dl(capsys, "next", "--lang", "en")
    assert code == 0 and "next exercise: ch01.perceptron.step" in out
    assert "exercises/ch01/perceptron.py:" in out
    command = re.search(r"tests:\s+(pytest .*)", out).group(1)
    progress.record_pass(kit / "exercises", ["ch01.perceptron.step"])
    _, out, _ = dl(capsys, "next", "ch1", "--lang", "en")
    assert "next exercise: ch01.perceptron.Perceptron.__init__" in out
    second = re.search(r"tests:\s+(pytest .*)", out).group(1)
    for cmd, ex in ((command, "ch01.perceptron.step"), (second, "ch01.perceptron.Perceptron.__init__")):
        args = [a.strip('"\'') for a in re.findall(r"'[^']*'|\S+", cmd)][1:]
        done = subprocess.run([sys.executable, "-m", "pytest", *args, "--collect-only", "-q"],
                              cwd=kit, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "DLDRILL_ROOT": str(kit)})
        chosen = {ln.split("::")[-1].split("[")[0] for ln in done.stdout.splitlines() if "::" in ln}
        reaching = set(reach.reaching_tests(catalog.find(ex), kit / "exercises"))
        assert chosen == reaching and chosen, (cmd, done.stdout[-500:])


def test_status_bars_line_up_under_korean_and_english_titles(kit, capsys):
    progress.record_pass(kit / "exercises", ["ch01.activations.relu"])
    progress.record_hint(kit / "exercises", "ch01.activations.relu", 2)
    for lang_ in ("ko", "en"):
        code, out, _ = dl(capsys, "status", "--lang", lang_)
        assert code == 0
        rows = [ln for ln in out.splitlines() if re.match(r"ch\d\d ", ln)]
        assert [r[:4] for r in rows] == ["ch01", "ch10"]
        starts = {status_cmd.width(r[:r.index("▰") if "▰" in r else r.index("▱")]) for r in rows}
        assert len(starts) == 1, rows  # every bar starts in the same terminal column
        assert re.search(r"1/30", rows[0]) and re.search(r"0/1\b", rows[1])
    assert "hints 1" in out
    _, out, _ = dl(capsys, "status", "--all", "--lang", "en")
    assert re.search(r"✓ activations\.relu\s+\d{4}-\d\d-\d\dT.*hint level 2", out)
    assert status_cmd.width("정규화 & 최적화") == 15 and status_cmd.width("abc") == 3


def _cpu_and_modules(args: list[str], env: dict) -> tuple[float, set[str], str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "dldrill", *args],
                          capture_output=True, text=True, env=env, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    mods = {ln.rsplit("|", 1)[-1].strip() for ln in done.stderr.splitlines() if ln.startswith("import time:")}
    return cpu, mods, done.stdout + "\n".join(
        ln for ln in done.stderr.splitlines() if not ln.startswith("import time:"))


@pytest.fixture(scope="module")
def kit_copy(tmp_path_factory):
    """A whole copy of exercises/ and solutions/ (hint records its use: never in the repository)."""
    root = tmp_path_factory.mktemp("whole") / "kit"
    for part in ("exercises", "solutions"):
        shutil.copytree(KIT / part, root / part, ignore=shutil.ignore_patterns("__pycache__", ".dldrill"))
    return root


@pytest.mark.parametrize("argv", [["hint", "ch01.step", "--level", "1"], ["next"], ["status"]])
def test_hint_next_status_are_fast_and_import_no_torch_numpy_or_pytest(argv, kit_copy):
    env = {**os.environ, "DLDRILL_ROOT": str(kit_copy)}
    _cpu_and_modules(argv, env)  # once to warm the file cache
    cpu, mods, out = _cpu_and_modules(argv, env)
    assert out.strip()
    heavy = {m for m in mods if m.split(".")[0] in ("torch", "numpy", "pytest", "_pytest")}
    assert not heavy, heavy
    assert cpu <= 0.5, f"dldrill {' '.join(argv)} took {cpu:.2f} CPU-seconds"


# -- solution and reset ------------------------------------------------------------------------------
def test_solution_only_after_a_pass_checked_by_running_the_tests(kit, capsys):
    act = kit / "exercises" / "ch01" / "activations.py"
    progress.record_pass(kit / "exercises", ["ch01.activations.relu"])  # the file is not trusted
    code, out, err = dl(capsys, "solution", "ch01.relu", "--lang", "en")
    assert code == 1 and "does not pass yet" in err and "np.maximum(0.0, x)" not in out
    edit(act, RELU_STUB, "return np.where(x > 0, x, 0.0)")
    code, out, _ = dl(capsys, "solution", "ch01.relu", "--lang", "en")
    assert code == 0 and "passed. The reference (solutions/ch01/activations.py)" in out
    assert "    return np.maximum(0.0, x)\n" in out and "BEGIN SOLUTION" not in out
    assert "-    return np.where(x > 0, x, 0.0)" in out and "+    return np.maximum(0.0, x)" in out
    shutil.rmtree(kit / "solutions")
    code, _, err = dl(capsys, "solution", "ch01.relu", "--lang", "en")
    assert code == 1 and "ships no solutions/" in err


def test_reset_restores_one_function_after_a_backup_and_loses_nothing(kit, capsys):
    act = kit / "exercises" / "ch01" / "activations.py"
    edit(act, RELU_STUB, "return np.maximum(x, 0.0)  # mine")
    edit(act, RELU_GRAD_STUB, "return (x > 0).astype(float)  # mine too")
    act.write_text(act.read_text(encoding="utf-8") + "\n\nMY_NOTE = 1\n", encoding="utf-8")
    mine = act.read_bytes()
    progress.record_pass(kit / "exercises", ["ch01.activations.relu"])
    code, out, _ = dl(capsys, "reset", "ch01.relu", "--lang", "en")
    assert code == 0
    backup = kit / re.search(r"backup: (\S+)", out).group(1)
    assert backup.read_bytes() == mine
    assert backup.parent == kit / "exercises" / ".dldrill" / "backup" / "ch01"
    assert re.fullmatch(r"activations\.\d{8}T\d{6}Z\.py\.bak", backup.name)
    text = act.read_text(encoding="utf-8")
    assert RELU_STUB in text and "# mine\n" not in text
    assert "# mine too" in text and "MY_NOTE = 1" in text  # the rest is as the learner had it
    assert progress.load(kit / "exercises").passed == {}
    code, out, _ = dl(capsys, "reset", "ch01.relu", "--lang", "en")
    assert code == 0 and "already the stub" in out
    assert len(list(backup.parent.iterdir())) == 1
    # a method and a module-level answer
    bp = kit / "exercises" / "ch01" / "backprop.py"
    edit(bp, 'raise NotImplementedError("TODO(ch01.backprop.TwoLayerNet.forward)")', "return 42")
    assert dl(capsys, "reset", "ch01.TwoLayerNet.forward")[0] == 0
    assert stubgen.is_untouched_stub(bp.read_text(encoding="utf-8"))
    quiz = kit / "exercises" / "ch10" / "quiz.py"
    edit(quiz, 'raise NotImplementedError("TODO(ch10.quiz.ANSWERS)")', 'ANSWERS = {"i01": "a"}')
    assert dl(capsys, "reset", "ch10.ANSWERS")[0] == 0
    assert stubgen.is_untouched_stub(quiz.read_text(encoding="utf-8"))


# -- watch -------------------------------------------------------------------------------------------
def _watch(kit: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dldrill", "watch", "ch01.relu", "--lang", "en", *args],
        cwd=kit, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "DLDRILL_ROOT": str(kit), "DLDRILL_WATCH_TIMING": "1"})


def _read_until(proc: subprocess.Popen, marker: str, seen: list[str], limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return
    proc.kill()
    raise AssertionError(f"no {marker!r} in:\n{''.join(seen)[-3000:]}")


def test_watch_reruns_on_save_and_moves_on_when_it_passes(kit):
    act = kit / "exercises" / "ch01" / "activations.py"
    proc = _watch(kit, "--max-runs", "2")
    seen: list[str] = []
    _read_until(proc, "to run again", seen)
    assert "✗ ch01.activations.relu not passing yet (0 failed, 1 TODO" in "".join(seen)
    assert "test_relu_keeps_positives_and_zeroes_negatives TODO" in "".join(seen)  # -v progress
    edit(act, RELU_STUB, "return np.maximum(x, 0.0)")
    saved = time.time()
    _read_until(proc, "passed (", seen)
    assert proc.wait(60) == 0
    text = "".join(seen)
    assert "✓ ch01.activations.relu passed" in text and "Next exercise: ch01.relu_grad" in text
    m = re.findall(r"results_at=([\d.]+) run_s=([\d.]+)", text)[-1]
    detect = float(m[0]) - float(m[1]) - saved
    # benchmarks/learner_commands.py measures this properly; here only a loose sanity bound
    # (the shared test machine may be heavily loaded): the change is seen within a second.
    assert detect < 1.0, f"the save was seen {detect:.2f} s after it happened"
    assert "ch01.activations.relu" in progress.load(kit / "exercises").passed


def test_watch_enter_mode_runs_on_enter_and_quits_on_q(kit):
    proc = _watch(kit, "--enter")
    seen: list[str] = []
    _read_until(proc, "Enter: run the tests again", seen)
    edit(kit / "exercises" / "ch01" / "activations.py", RELU_STUB, "return np.maximum(x, 0.0)")
    proc.stdin.write("\n")
    proc.stdin.flush()
    _read_until(proc, "passed (", seen)  # relu passes; watch moves on to relu_grad and runs it
    _read_until(proc, "Enter: run the tests again", seen)
    proc.stdin.write("q\n")
    proc.stdin.flush()
    assert proc.wait(60) == 0
    text = "".join(seen)
    assert text.count("── ") == 3 and "✓ ch01.activations.relu passed" in text


def test_readme_section_names_only_what_exists():
    text = (KIT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Hints, progress and watch mode", 1)[1]
    section = section.split("\n## ", 1)[0].split("\n### ", 1)[0]
    commands = re.findall(r"^dldrill (\w+)", section, re.M)
    assert set(commands) == {"next", "hint", "status", "watch", "solution", "reset"}
    from dldrill.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    options = {opt for name in commands for act in sub.choices[name]._actions
               for opt in act.option_strings}
    for flag in re.findall(r"(--[a-z-]+)", section):
        assert flag in options | {"--submission"}, flag  # --submission: the pytest option
    assert "exercises/.dldrill/progress.txt" in section
    data = json.dumps(section)
    assert "did you mean" in data


def test_two_branches_merge_the_progress_file_without_a_conflict(tmp_path):
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(tmp_path), *args], capture_output=True, text=True,
                              env={**os.environ, "GIT_AUTHOR_NAME": "l", "GIT_AUTHOR_EMAIL": "l@x",
                                   "GIT_COMMITTER_NAME": "l", "GIT_COMMITTER_EMAIL": "l@x"})

    root = tmp_path / "exercises"
    git("init", "-q", "-b", "main")
    progress.record_pass(root, ["ch01.losses.mae", "ch01.losses.rmse"], when="2026-01-01T00:00:00Z")
    git("add", "-A")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "other")
    progress.record_pass(root, ["ch01.losses.mse"], when="2026-01-02T00:00:00Z")  # next to mae
    progress.record_hint(root, "ch01.losses.mae", 2)
    git("commit", "-qam", "other")
    git("checkout", "-q", "main")
    progress.record_pass(root, ["ch01.losses.mse_grad"], when="2026-01-03T00:00:00Z")
    progress.record_hint(root, "ch01.losses.mae", 1)
    git("commit", "-qam", "main")
    merged = git("merge", "-q", "other", "-m", "merge")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    p = progress.load(root)
    assert set(p.passed) == {"ch01.losses.mae", "ch01.losses.rmse", "ch01.losses.mse",
                             "ch01.losses.mse_grad"}
    assert p.hints == {"ch01.losses.mae": 2}


def test_watch_falls_back_from_events_to_polling_to_enter(tmp_path, monkeypatch):
    from dldrill import watch

    folder = tmp_path / "ch01"
    folder.mkdir()
    lines: list[str] = []
    events = watch.file_events([folder], tmp_path / ".dldrill", poll=True, out=lines.append)
    assert events is not None  # polling sees the probe
    (folder / "activations.py").write_text("x = 1\n", encoding="utf-8")
    assert any(p.endswith("activations.py") for p in next(events))

    import watchfiles

    def deaf(*paths, **kw):  # a folder where no change is ever reported
        while True:
            yield set()

    monkeypatch.setattr(watchfiles, "watch", deaf)
    lines.clear()
    assert watch.file_events([folder], tmp_path / ".dldrill", poll=False, out=lines.append,
                             probe_wait=0.3) is None
    assert any("Enter" in ln for ln in lines)
    presses = iter(["\n", "q\n"])
    assert len(list(watch.enter_presses(lambda: next(presses), lines.append))) == 1


def test_pytest_args_use_node_ids_where_a_k_name_would_pick_other_tests(tmp_path):
    (tmp_path / "ch01").mkdir()
    (tmp_path / "ch01" / "test_activations.py").write_text(
        "from ch01.activations import relu\n\ndef test_relu():\n    relu(1)\n\n"
        "def test_relu_twice():\n    pass\n\ndef test_other():\n    pass\n", encoding="utf-8")
    ex = catalog.Exercise("ch01", "activations", "relu", tmp_path / "ch01" / "activations.py")
    test_file = str(tmp_path / "ch01" / "test_activations.py")
    assert reach.pytest_args(ex, tmp_path) == [f"{test_file}::test_relu"]
    ex2 = catalog.Exercise("ch01", "activations", "relu", tmp_path / "ch01" / "activations.py")
    (tmp_path / "ch01" / "test_activations.py").write_text(
        "from ch01.activations import relu\n\ndef test_first():\n    relu(1)\n\n"
        "def test_second():\n    pass\n", encoding="utf-8")
    assert reach.pytest_args(ex2, tmp_path) == [test_file, "-k", "test_first"]
    # "test_a" would also match the file's name, test_activations.py
    (tmp_path / "ch01" / "test_activations.py").write_text(
        "from ch01.activations import relu\n\ndef test_a():\n    relu(1)\n\n"
        "def test_second():\n    pass\n", encoding="utf-8")
    assert reach.pytest_args(ex2, tmp_path) == [f"{test_file}::test_a"]


def test_watch_says_when_pytest_could_not_collect(kit, lang):
    from dldrill import watch

    class Broken:
        def run(self, args, out):
            out("E   SyntaxError: invalid syntax")
            return [], 2

    i18n.set_lang("en")
    lines: list[str] = []
    scope = [e for e in catalog.load(kit) if e.chapter == "ch01"]
    assert watch.loop(scope, kit, kit / "exercises", None, Broken(), lines.append, max_runs=1,
                      first=catalog.find("ch01.relu", scope)) == 0
    assert any("pytest could not collect the tests (exit code 2)" in ln for ln in lines)


def test_a_report_on_the_learners_exercises_records_by_the_same_rule(kit):
    shutil.copytree(KIT / "graders" / "ch01", kit / "graders" / "ch01",
                    ignore=shutil.ignore_patterns("__pycache__"))
    edit(kit / "exercises" / "ch01" / "activations.py", RELU_STUB, "return np.maximum(x, 0.0)")
    out = kit / "results.json"
    pytest_run(kit, "graders/ch01/test_activations.py", "--inprocess", "--results-json", str(out))
    records = json.loads(out.read_text(encoding="utf-8"))["tests"]
    # relu's parametrized case passed while the same test's other cases ([sigmoid], ...) are TODO
    cases = {r["nodeid"].split("::")[-1]: r["outcome"] for r in records}
    assert cases["test_elementwise_values_and_shape[relu]"] == "passed"
    assert cases["test_elementwise_values_and_shape[sigmoid]"] == "todo"
    assert progress.record_from_report(records, kit / "solutions") is None  # not the learner's
    p = progress.record_from_report(records, kit / "exercises")
    assert p is not None and set(p.passed) == {"ch01.activations.relu"}
    assert p.via == {"ch01.activations.relu": "report"}


def test_a_released_course_reads_the_index_and_resets_from_git_history(tmp_path, monkeypatch, capsys,
                                                                      lang):
    """A release of ch01 only: no solutions/, a git clone the learner commits to."""
    root = tmp_path / "course"
    shutil.copytree(KIT / "exercises" / "ch01", root / "exercises" / "ch01",
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("DLDRILL_ROOT", str(root))
    monkeypatch.chdir(root)
    env = {**os.environ, "GIT_AUTHOR_NAME": "l", "GIT_AUTHOR_EMAIL": "l@x",
           "GIT_COMMITTER_NAME": "l", "GIT_COMMITTER_EMAIL": "l@x"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "release"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    exs = catalog.load(root)
    assert exs == [e for e in catalog.from_solutions(KIT / "solutions", root / "exercises")
                   if e.chapter == "ch01"]
    act = root / "exercises" / "ch01" / "activations.py"
    edit(act, RELU_STUB, "return np.maximum(x, 0.0)")
    subprocess.run(["git", "commit", "-qam", "mine"], cwd=root, env=env, check=True)
    code, out, _ = dl(capsys, "reset", "ch01.relu", "--lang", "en")
    assert code == 0 and "backup:" in out
    assert stubgen.is_untouched_stub(act.read_text(encoding="utf-8"))
    code, _, err = dl(capsys, "solution", "ch01.relu", "--lang", "en")
    assert code == 1 and "ships no solutions/" in err
    code, out, _ = dl(capsys, "status", "--lang", "en")
    assert re.findall(r"^ch\d\d", out, re.M) == ["ch01"]


def test_watch_shows_a_long_tests_name_while_it_runs(kit):
    from dldrill import watch

    (kit / "exercises" / "ch01" / "test_slow.py").write_text(
        "import time\n\ndef test_takes_a_while():\n    time.sleep(1.0)\n", encoding="utf-8")
    chunks: list[tuple[float, str]] = []
    runner = watch.Runner(kit, ["numpy"], raw=lambda s: chunks.append((time.monotonic(), s)))
    try:
        records, code = runner.run(["exercises/ch01/test_slow.py"], lambda line: None)
    finally:
        runner.close()
    assert code == 0 and [r["outcome"] for r in records] == ["passed"]
    named = next(t for t, s in chunks if "test_takes_a_while" in s)
    done = next(t for t, s in chunks if "PASSED" in s)
    assert done - named >= 0.7  # the name was on screen while the test ran


def test_a_test_reaches_what_its_helpers_fixtures_constants_and_strings_name(tmp_path):
    test_file = tmp_path / "test_x.py"
    test_file.write_text(
        "import pytest\nfrom ch01.activations import relu as r\n\nCASES = ['sigmoid', 'tanh']\n\n"
        "def _helper():\n    return r(1)\n\n@pytest.fixture\ndef model():\n    return TwoLayerNet()\n\n"
        "def test_helper():\n    _helper()\n\ndef test_fixture(model):\n    pass\n\n"
        "@pytest.mark.parametrize('name', CASES)\ndef test_cases(name):\n    pass\n\n"
        "def test_string(student):\n    student.call('ch06.attention:scaled_dot_product_attention')\n",
        encoding="utf-8")
    used = reach.names_used_by_tests(test_file)
    assert "relu" in used["test_helper"]  # through the helper and the import alias
    assert "TwoLayerNet" in used["test_fixture"]  # through the fixture it takes
    assert {"sigmoid", "tanh"} <= used["test_cases"]  # through the module-level constant
    assert "scaled_dot_product_attention" in used["test_string"]
    assert "TwoLayerNet" not in used["test_helper"]


def test_concurrent_records_lose_nothing(tmp_path):
    root = tmp_path / "exercises"
    code = ("import sys\nfrom pathlib import Path\nfrom dldrill import progress\n"
            "for i in range(40):\n"
            "    progress.record_hint(Path(sys.argv[1]), f'ch0{sys.argv[2]}.m.f{i}', 1)\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(root), str(n)]) for n in (1, 2)]
    assert [p.wait(120) for p in procs] == [0, 0]
    assert len(progress.load(root).hints) == 80
    assert (root / ".dldrill" / ".gitignore").read_text(encoding="utf-8") == ".lock\n"


def test_the_text_report_shows_hint_use(kit, capsys):
    """Hint use, recorded by `dldrill hint`, is shown under the terminal report (and in the HTML
    page, tests/test_html_report.py); nothing is said when no hint was seen."""
    shutil.copytree(KIT / "graders" / "ch01", kit / "graders" / "ch01",
                    ignore=shutil.ignore_patterns("__pycache__"))
    code, out, err = dl(capsys, "report", "--chapters", "ch01", "--lang", "en", "-k", "perceptron")
    assert code in (0, 1), err
    assert "hints seen" not in out
    dl(capsys, "hint", "ch01.activations.relu", "--level", "2", "--lang", "en")
    progress.record_hint(kit / "exercises", "ch01.perceptron.step", 1)  # (the kit copy's hint
    # table has relu's only)
    assert progress.load(kit / "exercises").hints == {"ch01.activations.relu": 2,
                                                      "ch01.perceptron.step": 1}
    code, out, err = dl(capsys, "report", "--chapters", "ch01", "--lang", "en", "-k", "perceptron")
    assert code in (0, 1), err
    assert "exercises with hints seen: 2 (deepest level 2; details: dldrill status --all)" in out
    code, out, err = dl(capsys, "report", "--chapters", "ch01", "--lang", "ko", "-k", "perceptron")
    assert "힌트를 본 연습문제 2개 (가장 깊은 단계 2" in out


def test_dldrill_report_records_what_the_graders_saw(kit, capsys):
    shutil.copytree(KIT / "graders" / "ch01", kit / "graders" / "ch01",
                    ignore=shutil.ignore_patterns("__pycache__"))
    edit(kit / "exercises" / "ch01" / "activations.py", RELU_STUB, "return np.maximum(x, 0.0)")
    code, out, err = dl(capsys, "report", "--chapters", "ch01", "--json")
    assert code in (0, 1), err
    cases = {t["nodeid"].split("::")[-1]: t["outcome"] for t in json.loads(out)["tests"]}
    assert cases["test_elementwise_values_and_shape[relu]"] == "passed", (cases, err)
    p = progress.load(kit / "exercises")
    assert set(p.passed) == {"ch01.activations.relu"} and p.via == {"ch01.activations.relu": "report"}
