"""The "Common mistakes" list in each grader's docstring, kept true to the mutant files.

Every mutant that fails tests of a grader file is named in that file's module docstring, and
every sample named there exists (`chNN_name`, or a prefix ending in `*`). `python -m
dldrill.testing.mistakes --fix [chNN ...]` appends the missing entries, generated from the mutants'
descriptions and the tests they fail; `tests/test_kit.py` checks that nothing is missing.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from pathlib import Path

from dldrill.curriculum import CHAPTERS
from dldrill.paths import kit_root
from dldrill.testing.mutants import Sample, load_samples

_NAME = re.compile(rf"\b(?:{'|'.join(CHAPTERS)})_[a-z0-9_]*[a-z0-9*]")


def grader_files(root: Path | None = None) -> list[Path]:
    root = root or kit_root()
    return [p for c in CHAPTERS for p in sorted((root / "graders" / c).glob("test_*.py"))]


def named_in(path: Path) -> set[str]:
    """Sample names (and `prefix*` patterns) that a grader file's docstring mentions."""
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return set(_NAME.findall(doc))


def _matches(name: str, pattern: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern


def check(root: Path | None = None) -> tuple[dict[str, list[Sample]], list[str]]:
    """({grader file: mutants that fail it but are not named}, ["file: unknown name", ...])."""
    root = root or kit_root()
    samples = load_samples(root / "fixtures" / "submissions")
    missing: dict[str, list[Sample]] = {}
    unknown: list[str] = []
    for path in grader_files(root):
        rel = path.relative_to(root).as_posix()
        names = named_in(path)
        for pattern in sorted(names):
            if not any(_matches(s.name, pattern) for s in samples):
                unknown.append(f"{rel}: {pattern}")
        for sample in samples:
            fails_here = sample.kind == "mutants" and rel in sample.graders and sample.failed
            if fails_here and not any(_matches(sample.name, p) for p in names):
                missing.setdefault(rel, []).append(sample)
    return missing, unknown


def entry(sample: Sample) -> str:
    tests = "every test" if sample.failed == ["*"] else ", ".join(
        sorted({t.split("[")[0] for t in sample.failed}))
    return textwrap.fill(f"- {sample.description} ({tests}; {sample.name})", width=100,
                         subsequent_indent="  ")


def fix(root: Path | None = None, only: tuple[str, ...] = ()) -> int:
    """Appends the missing entries to each grader's docstring (of the chapters `only`, if
    given); returns how many were added."""
    root = root or kit_root()
    missing, _ = check(root)
    missing = {rel: v for rel, v in missing.items()
               if not only or any(f"graders/{c}/" in rel for c in only)}
    for rel, samples in missing.items():
        path = root / rel
        text = path.read_text()
        tree = ast.parse(text)
        node = tree.body[0] if tree.body and isinstance(tree.body[0], ast.Expr) else None
        if node is None or not isinstance(getattr(node, "value", None), ast.Constant):
            raise ValueError(f"{rel} has no module docstring")
        lines = text.splitlines(keepends=True)
        end = node.end_lineno - 1  # the line holding the closing quotes
        closing = lines[end]
        quote = closing.rstrip().rsplit('"""', 1)
        body = "\n".join(entry(s) for s in samples) + "\n"
        if quote[0].strip():  # text before the closing quotes on the same line
            lines[end] = quote[0].rstrip() + "\n" + body + '"""' + quote[1].lstrip()
        else:
            lines[end] = body + closing
        path.write_text("".join(lines))
    return sum(len(v) for v in missing.values())


if __name__ == "__main__":
    if "--fix" in sys.argv:
        chapters = tuple(a for a in sys.argv[1:] if a in CHAPTERS)
        print(f"added {fix(only=chapters)} entries")
    missing, unknown = check()
    for rel, samples in missing.items():
        print(f"{rel}: not named: {', '.join(s.name for s in samples)}")
    for line in unknown:
        print(f"unknown sample: {line}")
    sys.exit(1 if missing or unknown else 0)
