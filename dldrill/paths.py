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
    """The answer key: `solutions/`, or in a self-study release (`dldrill release --self-study`)
    the packed copy `graders/answer-key.zip/solutions`, which Python imports from the zip."""
    root = kit_root() / "solutions"
    packed = kit_root() / "graders" / "answer-key.zip"
    return packed / "solutions" if not root.exists() and packed.is_file() else root


def exercises_root() -> Path:
    return kit_root() / "exercises"


def graders_root() -> Path:
    return kit_root() / "graders"


class SubmissionRefused(ValueError):
    """A submission that resolves into the kit (its answer key, graders, code) or holds a
    symbolic link that leaves it: never graded, whatever it contains."""


# The kit's own parts that no submission may be, lie inside, or contain.
KIT_PARTS = ("solutions", "graders", "dldrill", "fixtures", "tests", "benchmarks", ".git")
MAX_ENTRIES = 100_000  # files and folders looked at for links


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _linked(given: Path) -> bool:
    """Whether any component of the absolute path `given` is a symbolic link."""
    return os.path.realpath(given) != os.path.normpath(given)


def check_submission(folder: Path, given: Path | None = None, *, allow_answer_key: bool = False) -> None:
    """Raises SubmissionRefused unless `folder` (resolved) is safe to grade.

    Refused: a folder that is, lies inside or contains any part of the kit other than the
    learner's own `exercises/` (so a link to `solutions/` is never graded as the answer key);
    the answer key itself only with `allow_answer_key` and when named without any symbolic link
    on the way (`pytest graders --submission solutions`); and a folder holding a symbolic link
    whose target leaves it (a link is resolved once, here, and never followed out).
    """
    kit = kit_root().resolve()
    folder = folder.resolve()
    own = (kit / "exercises").resolve()
    answer_key = (kit / "solutions").resolve()
    if folder == answer_key and allow_answer_key and (given is None or not _linked(given)):
        pass
    elif folder != own:
        for part in KIT_PARTS:
            target = (kit / part).resolve()
            if not target.exists():
                continue
            if _inside(folder, target):
                raise SubmissionRefused(f"{given or folder}: resolves into the kit's {part}/ "
                                        "(a submission is the learner's own folder)")
            if _inside(target, folder):
                raise SubmissionRefused(f"{given or folder}: contains the kit's {part}/")
    seen = 0
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            seen += 1
            if seen > MAX_ENTRIES:
                raise SubmissionRefused(f"{given or folder}: more than {MAX_ENTRIES} files")
            path = os.path.join(top, name)
            if os.path.islink(path):
                target = Path(path).resolve()
                if not _inside(target, folder):
                    rel = os.path.relpath(path, folder)
                    raise SubmissionRefused(f"{given or folder}: {rel} is a symbolic link that "
                                            "leaves the submission")


def resolve_submission(path: str | os.PathLike[str] | None, *, allow_answer_key: bool = False) -> Path:
    """The folder whose `chNN/` packages are graded, resolved once.

    Accepts a folder laid out like `exercises/` (it holds `chNN/` folders), a repository root that
    contains `exercises/`, or None for the kit's own `exercises/`. Raises FileNotFoundError or
    ValueError with a readable message otherwise, and SubmissionRefused (a ValueError) for a
    folder `check_submission` refuses.
    """
    if path is None:
        return exercises_root()
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = Path.cwd() / p
    given = Path(os.path.normpath(p))
    real = given.resolve()
    if not real.is_dir():
        raise FileNotFoundError(f"--submission {path}: no such folder")
    if any(c.name in CHAPTERS for c in real.iterdir() if c.is_dir()):
        check_submission(real, given, allow_answer_key=allow_answer_key)
        return real
    if (real / "exercises").is_dir():
        check_submission((real / "exercises").resolve(), given / "exercises",
                         allow_answer_key=allow_answer_key)
        return (real / "exercises").resolve()
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
