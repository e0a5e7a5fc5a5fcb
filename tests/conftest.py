"""The kit's suite: no test leaves its environment or its language choice behind for the next one.

`dldrill.cli.main([... "--lang", "en"])` sets the language for the process and for the
subprocesses it starts (DLDRILL_LANG), as a command should; starting Dask workers sets
PYTHONHASHSEED, thread counts and more in this process's environment. In a test run either would
reach every later test and every `pytest`/`dldrill` subprocess it starts.
"""

from __future__ import annotations

import os

import pytest

from dldrill import i18n


@pytest.fixture(scope="session")
def _suite_environment() -> tuple[dict[str, str], str]:
    """The environment and language as the first test found them (after the plugins' configure
    step): what every test leaves behind, whatever a test or a module-scoped fixture (a batch
    graded with lang="en", a Dask cluster) changed meanwhile."""
    return dict(os.environ), i18n.get_lang()


@pytest.fixture(autouse=True)
def _environment_is_restored(_suite_environment):
    yield
    env, lang = _suite_environment
    if os.environ != env:
        os.environ.clear()
        os.environ.update(env)
    i18n._state["lang"] = lang
