"""Nothing the child says is believed: attacks by a student who has read the kit's source.

Each test plays one class of the trust issue the way such a student would and checks that it
earns nothing: a submission that is a link into the kit (class 1), an exception that claims
every documented class or a stub that raises everywhere (class 4), a learner's message with a
lone surrogate (class 6), and library shortcuts in "by hand" exercises (class 3, the scanner
the graders use). The chapter-specific attacks (helpers patched in the child, labels looked up,
artifacts) are samples in `fixtures/submissions/attacks/`, graded by tests/test_samples.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dldrill.errors import GradingFailure, StudentError, TodoError
from dldrill.grading import assert_raises
from dldrill.grading.source import scan
from dldrill.paths import SubmissionRefused, exercises_root, kit_root, resolve_submission, solutions_root

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def _dldrill(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dldrill", *args], capture_output=True, text=True,
                          cwd=cwd or kit_root(), timeout=300)


# -- class 1: a submission's path is resolved once, and never into the kit ----------------------
@pytest.fixture
def links(tmp_path: Path) -> dict[str, Path]:
    """The three shapes of the attack: the folder, its exercises/ entry, one file inside."""
    (tmp_path / "folder").symlink_to(solutions_root(), target_is_directory=True)
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "exercises").symlink_to(solutions_root(), target_is_directory=True)
    inner = tmp_path / "inner"
    shutil.copytree(exercises_root() / "ch01", inner / "ch01", ignore=IGNORE)
    (inner / "ch01" / "losses.py").unlink()
    (inner / "ch01" / "losses.py").symlink_to(solutions_root() / "ch01" / "losses.py")
    return {"folder": tmp_path / "folder", "repo": tmp_path / "repo", "inner": inner}


def test_a_link_into_the_kit_is_refused_everywhere(links):
    for name, path in links.items():
        with pytest.raises(SubmissionRefused):
            resolve_submission(path, allow_answer_key=True)
        report = _dldrill("report", "--chapters", "ch01", "--json", "--submission", str(path))
        assert report.returncode == 2 and "submission" in report.stderr.lower(), (name, report.stderr)
        assert not report.stdout.strip(), name
        graders = subprocess.run([sys.executable, "-m", "pytest", "graders/ch01/test_losses.py", "-q",
                                  "-p", "no:cacheprovider", "--submission", str(path)],
                                 cwd=kit_root(), capture_output=True, text=True, timeout=300)
        assert graders.returncode != 0 and " passed" not in graders.stdout.splitlines()[-1], name


def test_grade_gives_a_linked_submission_a_rejected_row(links, tmp_path):
    out = tmp_path / "grades"
    proc = _dldrill("grade", str(links["folder"]), str(links["inner"]), "--out", str(out),
                    "--chapters", "ch01", "-k", "mse", "--no-forkserver")
    assert proc.returncode == 1, proc.stderr
    rows = {r["id"]: r for r in _csv(out / "gradebook.csv")}
    assert set(rows) == {"folder", "inner"}
    for row in rows.values():
        assert row["status"].startswith("rejected"), row
        assert float(row["total"] or 0) == 0


def _csv(path: Path) -> list[dict]:
    import csv

    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_the_answer_key_named_directly_is_still_graded():
    assert resolve_submission(str(solutions_root()), allow_answer_key=True) == solutions_root().resolve()
    assert resolve_submission(None) == exercises_root()
    with pytest.raises(SubmissionRefused):  # never in a batch of students' submissions
        resolve_submission(str(solutions_root()))
    for part in ("graders", "dldrill"):
        with pytest.raises((SubmissionRefused, ValueError)):
            resolve_submission(str(kit_root() / part), allow_answer_key=True)


def test_a_folder_that_contains_the_kit_is_refused(tmp_path):
    outer = tmp_path / "outer"
    shutil.copytree(exercises_root() / "ch01", outer / "ch01", ignore=IGNORE)
    (outer / "kit").symlink_to(kit_root(), target_is_directory=True)
    with pytest.raises(SubmissionRefused, match="leaves the submission"):
        resolve_submission(outer, allow_answer_key=True)


def test_links_inside_a_submission_that_stay_inside_are_fine(tmp_path):
    sub = tmp_path / "sub"
    shutil.copytree(solutions_root() / "ch01", sub / "ch01", ignore=IGNORE)
    os.symlink("losses.py", sub / "ch01" / "losses_alias.py")
    assert resolve_submission(sub) == sub.resolve()


# -- class 4: error paths earn credit only from code that works ----------------------------------
class _Stub:
    """A learner's function as the grader sees it: raises the StudentError the child reported."""

    def __init__(self, mro: list[str], valid_result: object = 1.0):
        self.mro, self.valid_result = mro, valid_result

    def bad(self) -> None:
        raise StudentError(self.mro[0], "bad input", self.mro)


def test_one_exception_deriving_from_every_documented_class_passes_only_the_first():
    everything = _Stub(["Catchall", "ValueError", "TypeError", "KeyError", "LookupError",
                        "Exception", "BaseException", "object"])
    err = assert_raises("ValueError", everything.bad, valid=lambda: None)
    assert err.is_a("ValueError") and not err.is_a("TypeError")
    for documented in ("TypeError", "KeyError", "FileNotFoundError"):
        with pytest.raises(GradingFailure):
            assert_raises(documented, everything.bad, valid=lambda: None)


def test_a_stub_that_raises_everywhere_earns_no_error_path():
    stub = _Stub(["ValueError", "Exception", "BaseException", "object"])

    def valid() -> None:  # the same function on valid input: raises too
        raise StudentError("ValueError", "bad input", stub.mro)

    with pytest.raises(GradingFailure, match=r"올바른 입력|valid input"):
        assert_raises("ValueError", stub.bad, valid=valid)

    def wrong() -> None:  # returns, but the grader's check of the result fails
        raise GradingFailure("[f(x)] expected 1, got 2", reason="f(x): expected 1, got 2")

    with pytest.raises(GradingFailure, match=r"올바른 입력|valid input"):
        assert_raises("ValueError", stub.bad, valid=wrong)

    def todo() -> None:
        raise TodoError("ch01.losses.mse")

    with pytest.raises(TodoError):  # an untouched stub stays TODO
        assert_raises("ValueError", stub.bad, valid=todo)


def test_valid_is_required():
    with pytest.raises(TypeError):
        assert_raises("ValueError", lambda: None)  # type: ignore[call-arg]


def test_a_lying_class_order_is_judged_by_the_graders_own_classes():
    err = StudentError("E", "m", ["E", "NotAnException", "OSError", "Exception"])
    assert err.builtin() is OSError
    assert err.is_a("OSError") and err.is_a("Exception") and not err.is_a("FileNotFoundError")
    assert not StudentError("E", "m", ["E", "ValueErrorr"]).is_a("ValueError")


# -- class 6: text from a submission is made encodable everywhere --------------------------------
def test_a_lone_surrogate_in_a_learners_message_is_a_graded_row(tmp_path):
    sub = tmp_path / "surrogate"
    shutil.copytree(solutions_root() / "ch01", sub / "ch01", ignore=IGNORE)
    losses = sub / "ch01" / "losses.py"
    text = losses.read_text()
    head, sep, rest = text.partition("def mse(")
    assert sep
    body_start = rest.index('"""', rest.index('"""') + 3) + 3
    bad = "\n    raise ValueError('bad \\ud800 value \\x1b[31m' + chr(0xdfff))\n"
    rest = rest[:body_start] + bad + rest[body_start:]
    losses.write_text(head + sep + rest)
    for detail in ("full", "reason"):
        out = tmp_path / f"grades-{detail}"
        proc = _dldrill("grade", str(sub), "--out", str(out), "--chapters", "ch01", "-k", "mse",
                        "--hidden-detail", detail, "--lang", "en")
        rows = _csv(out / "gradebook.csv")
        assert rows[0]["status"] == "graded", (rows, proc.stderr[-2000:])
        feedback = (out / "surrogate" / "feedback.md").read_text(encoding="utf-8")
        result = json.loads((out / "surrogate" / "result.json").read_text(encoding="utf-8"))
        failed = [t for t in result["tests"] if t["outcome"] == "failed"]
        assert failed and any("\ufffd" in t["reason"] for t in failed), failed
        assert "\x1b" not in feedback and "\ufffd" in feedback
        if detail == "reason":
            assert "`` " in feedback or "` " in feedback  # learner text is fenced


# -- class 3: the scanner behind assert_by_hand --------------------------------------------------
def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


FORBIDDEN = ("torch.nn.functional.conv2d", "torch.conv2d", "torch.nn.Conv2d")


@pytest.mark.parametrize("code", [
    "import torch.nn.functional as F\ndef conv(x, w):\n    return F.conv2d(x, w)\n",
    "from torch import conv2d as c\ndef conv(x, w):\n    return c(x, w)\n",
    "import torch\ndef conv(x, w):\n    return torch.nn.functional.conv2d(x, w)\n",
    "from torch import nn\ndef conv(x, w):\n    return nn.Conv2d(1, 1, 3)(x)\n",
    "from .impl import conv\n",                         # re-exported from another module
    "import torch\ndef conv(x, w):\n    return getattr(torch, 'conv' + '2d')(x, w)\n",
    "import importlib\ndef conv(x, w):\n    return importlib.import_module('torch').conv2d(x, w)\n",
    "def conv(x, w):\n    return __import__('torch').conv2d(x, w)\n",
    "import torch\ndef conv(x, w):\n    return getattr(torch, 'conv2d')(x, w)\n",
    "def conv(x, w):\n    return eval('__imp' + 'ort__(\"torch\")').conv2d(x, w)\n",
    # found from outside (ch08): a module bound by assignment, a re-exported module alias, a
    # chain through a module's attribute, a module-level patch beside the scanned function
    "import torch\nf = torch.nn.functional\ndef conv(x, w):\n    return f.conv2d(x, w)\n",
    "from .impl import F\ndef conv(x, w):\n    return F.conv2d(x, w)\n",
    "import torch\ndef conv(x, w):\n    return torch.nn.functional.torch.conv2d(x, w)\n",
    "import torch\ndef conv(x, w):\n    return x\nconv.__code__ = torch.conv2d.__code__\n",
    "import torch.nn.functional as F\ndef conv(x, w):\n    return F.__dict__['con' + 'v2d'](x, w)\n",
    "import torch\ndef conv(x, w):\n    return torch.__getattribute__('conv' + '2d')(x, w)\n",
])
def test_library_shortcuts_are_found_through_aliases_and_dynamic_access(tmp_path, code):
    root = _write(tmp_path, {"ch04/__init__.py": "", "ch04/conv.py": code,
                             "ch04/impl.py": "import torch.nn.functional as F\n"
                                             "def conv(x, w):\n    return F.conv2d(x, w)\n"})
    assert scan(root, "ch04.conv", FORBIDDEN, ["conv"] if "def conv" in code else None)


def test_patches_from_the_package_or_another_chapter_are_found(tmp_path):
    hand = "def conv(x, w):\n    return (x * w).sum()\n"
    root = _write(tmp_path, {"ch04/__init__.py": "import torch\nfrom . import conv as c\n"
                                                 "c.conv = torch.conv2d\n",
                             "ch04/conv.py": hand})
    assert scan(root, "ch04.conv", FORBIDDEN, ["conv"])
    root = _write(tmp_path / "b", {"ch04/__init__.py": "", "ch04/conv.py": hand,
                                   "ch03/__init__.py": "import torch\nimport ch04.conv\n"
                                                       "ch04.conv.conv = torch.conv2d\n"})
    assert scan(root, "ch04.conv", FORBIDDEN, ["conv"])


def test_hand_written_code_and_other_functions_pass(tmp_path):
    code = ("import numpy as np\nimport torch\n\n"
            "def conv(x, w):\n    return np.einsum('ij,ij->', x, w)\n\n"
            "def model():\n    return torch.nn.Conv2d(1, 1, 3)\n")
    root = _write(tmp_path, {"ch04/__init__.py": "", "ch04/conv.py": code})
    assert not scan(root, "ch04.conv", FORBIDDEN, ["conv"])
    assert scan(root, "ch04.conv", FORBIDDEN)  # the whole module does use nn.Conv2d
    other = "from torch.nn import Conv2d\ndef conv(x, w):\n    return (x * w).sum()\n" \
            "def model():\n    return Conv2d(1, 1, 3)\n"
    root = _write(tmp_path / "o", {"ch04/__init__.py": "", "ch04/conv.py": other})
    assert not scan(root, "ch04.conv", FORBIDDEN, ["conv"])  # imported for another exercise
    for chapter in ("ch01", "ch04", "ch08"):  # the answer key uses no dynamic access anywhere
        for path in sorted((solutions_root() / chapter).glob("*.py")):
            module = f"{chapter}.{path.stem}"
            found = [f for f in scan(solutions_root(), module, ()) if f.dynamic]
            assert not found, (module, found)


def test_assert_by_hand_says_what_it_found(tmp_path):
    from dldrill.errors import GradingFailure
    from dldrill.grading import assert_by_hand

    root = _write(tmp_path, {"ch04/__init__.py": "",
                             "ch04/conv.py": "import torch.nn.functional as F\n"
                                             "def conv(x, w):\n    return F.conv2d(x, w)\n"})

    class Student:
        class backend:
            submission = root

    with pytest.raises(GradingFailure, match=r"torch\.nn\.functional\.conv2d \(conv\.py:3\)"):
        assert_by_hand(Student(), "ch04.conv", forbidden=FORBIDDEN, functions=["conv"])
