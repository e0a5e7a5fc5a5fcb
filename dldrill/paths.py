"""Where things are: the kit's repository, a submission's root, the scratch and data folders."""

from __future__ import annotations

import os
from pathlib import Path

from dldrill.curriculum import CHAPTERS


def kit_root() -> Path:
    """The repository that holds exercises/, solutions/ and graders/ (the parent of dldrill/)."""
    env = os.environ.get("DLDRILL_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def solutions_root() -> Path:
    return kit_root() / "solutions"


def exercises_root() -> Path:
    return kit_root() / "exercises"


def graders_root() -> Path:
    return kit_root() / "graders"


def resolve_submission(path: str | os.PathLike[str] | None) -> Path:
    """The folder whose `chNN/` packages are graded.

    Accepts a folder laid out like `exercises/` (it holds `chNN/` folders), a repository root that
    contains `exercises/`, or None for the kit's own `exercises/`. Raises FileNotFoundError or
    ValueError with a readable message otherwise.
    """
    if path is None:
        return exercises_root()
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = Path.cwd() / p
    p = p.resolve()
    if not p.is_dir():
        raise FileNotFoundError(f"--submission {path}: no such folder")
    if any(c.name in CHAPTERS for c in p.iterdir() if c.is_dir()):
        return p
    if (p / "exercises").is_dir():
        return p / "exercises"
    raise ValueError(
        f"--submission {path}: expected a folder with chNN/ sub-folders (like exercises/) "
        "or a repository root that contains exercises/"
    )


def scratch_root() -> Path:
    base = os.environ.get("DLDRILL_SCRATCH")
    return Path(base) if base else Path(os.environ.get("TMPDIR", "/tmp"))


def data_cache() -> Path:
    """The data cache: `DLDRILL_DATA`, else `dldrill` in the user's cache folder
    (`XDG_CACHE_HOME`, by default ~/.cache)."""
    if os.environ.get("DLDRILL_DATA"):
        return Path(os.environ["DLDRILL_DATA"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dldrill"
