"""The kit's suite: no test leaves its language choice behind for the next one.

`dldrill.cli.main([... "--lang", "en"])` sets the language for the process and for the
subprocesses it starts (DLDRILL_LANG), as a command should; in a test run that would make every
later test, and every `pytest`/`dldrill` subprocess it starts, speak English.
"""

from __future__ import annotations

import os

import pytest

from dldrill import i18n

# The language the suite started with: what every test leaves behind, whatever a test or a
# module-scoped fixture (a batch graded with lang="en") chose meanwhile.
_START = (os.environ.get("DLDRILL_LANG"), i18n.get_lang())


@pytest.fixture(autouse=True)
def _language_is_restored():
    yield
    env, lang = _START
    if env is None:
        os.environ.pop("DLDRILL_LANG", None)
    else:
        os.environ["DLDRILL_LANG"] = env
    i18n._state["lang"] = lang
