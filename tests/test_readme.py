"""The README's two commands are the ones that work; CI runs the second one verbatim."""

from __future__ import annotations

import re

from dldrill.paths import kit_root

ROOT = kit_root()


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    head = text.split("## For learners")[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", head, re.S)]


def test_readme_opens_with_exactly_two_commands():
    commands = _commands()
    assert len(commands) == 2
    assert commands[0].endswith("dldrill report") and "-c constraints.txt" in commands[0]
    assert commands[1].endswith("pytest tests") and "-c constraints.txt" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == _commands()[1]


def test_constraints_pin_torch_cpu_build():
    pins = (ROOT / "constraints.txt").read_text()
    assert re.search(r"^torch==2\.13\.0$", pins, re.M)


def test_bare_pytest_at_the_root_runs_the_learners_visible_tests_not_the_kit_suite():
    import tomllib

    ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert ini["testpaths"] == ["exercises"]
