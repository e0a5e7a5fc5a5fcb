"""Stubs generated from solutions: the one source of truth for `exercises/`.

A solution marks the part a learner writes:

    def relu(x):
        \"\"\"...docstring with shapes and one hint (kept in the stub)...\"\"\"
        # BEGIN SOLUTION
        return np.maximum(0.0, x)
        # END SOLUTION

and the stub gets `raise NotImplementedError("TODO(ch01.activations.relu)")` in its place (the
tag names the enclosing function or method). Lines inside the region written as `# STUB: code`
replace the `raise` with `code`, for the rare stub that must keep a skeleton. A region at module
level names itself: `# BEGIN SOLUTION XOR_WEIGHTS`.

Every stub starts with a header that holds a hash of its own body. `sync` rewrites a stub only
while that hash still matches, i.e. the learner has not touched it; an edited file is never
overwritten. `sync --check` reports any difference and changes nothing.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from dldrill.curriculum import CHAPTERS

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?:\s+(?P<name>[A-Za-z_]\w*))?\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
STUB = re.compile(r"^(?P<indent>\s*)# STUB:(?: (?P<code>.*))?$")
HEADER = re.compile(r"^# dldrill:stub (?P<hash>[0-9a-f]{12}) ")


class MarkerError(ValueError):
    pass


def _qualnames(tree: ast.AST) -> list[tuple[int, int, str]]:
    """(first line, last line, qualname) of every function and class."""
    out: list[tuple[int, int, str]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                out.append((child.lineno, child.end_lineno or child.lineno, name))
                walk(child, name + ".")
            else:
                walk(child, prefix)

    walk(tree, "")
    return out


def stub_body(source: str, module: str, origin: str = "<solution>") -> str:
    """The stub text (without header) for a solution's source; `module` is e.g. ch01.activations."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise MarkerError(f"{origin}: not valid Python: {err}") from err
    scopes = _qualnames(tree)
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = BEGIN.match(line)
        if END.match(line):
            raise MarkerError(f"{origin}:{i + 1}: END SOLUTION without BEGIN")
        if not m:
            out.append(line)
            i += 1
            continue
        start = i
        i += 1
        stub_lines: list[str] = []
        while i < len(lines) and not END.match(lines[i]):
            if BEGIN.match(lines[i]):
                raise MarkerError(f"{origin}:{i + 1}: nested BEGIN SOLUTION")
            s = STUB.match(lines[i])
            if s:
                stub_lines.append(f"{s.group('indent')}{s.group('code') or ''}".rstrip() + "\n")
            i += 1
        if i == len(lines):
            raise MarkerError(f"{origin}:{start + 1}: BEGIN SOLUTION without END")
        i += 1  # skip END
        if stub_lines:
            out.extend(stub_lines)
            continue
        enclosing = [name for first, last, name in scopes if first <= start + 1 <= last]
        name = m.group("name") or (enclosing[-1] if enclosing else None)
        if name is None:
            raise MarkerError(f"{origin}:{start + 1}: a module-level region needs a name "
                              "(# BEGIN SOLUTION NAME)")
        out.append(f'{m.group("indent")}raise NotImplementedError("TODO({module}.{name})")\n')
    body = "".join(out)
    try:
        ast.parse(body)
    except SyntaxError as err:
        raise MarkerError(f"{origin}: the generated stub is not valid Python: {err}") from err
    return body


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:12]


def render_stub(body: str, origin: str) -> str:
    header = f"# dldrill:stub {body_hash(body)} · from {origin} · 여러분의 파일 / yours to edit\n"
    return header + body


def is_untouched_stub(text: str) -> bool:
    """True when the file is a generated stub whose body nobody has edited since."""
    first, _, body = text.partition("\n")
    m = HEADER.match(first)
    return bool(m) and m.group("hash") == body_hash(body)


@dataclass
class Action:
    path: Path
    status: str  # created | updated | unchanged | kept-edited | orphan
    detail: str = ""


def plan(solutions: Path, exercises: Path) -> list[tuple[Path, str]]:
    """(exercise path, expected content) for every solution module."""
    out = []
    for src in sorted(p for c in CHAPTERS for p in (solutions / c).glob("**/*.py")):
        rel = src.relative_to(solutions)
        if rel.name.startswith("test_") or "__pycache__" in rel.parts:
            continue
        module = ".".join(rel.with_suffix("").parts)
        module = module.removesuffix(".__init__")
        origin = f"solutions/{rel.as_posix()}"
        out.append((exercises / rel, render_stub(stub_body(src.read_text(), module, origin),
                                                 origin)))
    return out


def sync(solutions: Path, exercises: Path, check: bool = False,
         only: list[str] | None = None) -> list[Action]:
    """Brings exercises/ in line with solutions/; with `check`, only reports. `only`: chapters
    (`ch09`) or modules (`ch09.plots`) to look at; all when empty."""
    actions = []

    def wanted(path: Path) -> bool:
        rel = path.relative_to(exercises).with_suffix("")
        names = {rel.parts[0], ".".join(rel.parts)}
        return not only or bool(names & set(only))

    expected = [(p, t) for p, t in plan(solutions, exercises) if wanted(p)]
    for path, text in expected:
        if not path.exists():
            actions.append(Action(path, "created"))
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            continue
        current = path.read_text()
        if current == text:
            actions.append(Action(path, "unchanged"))
        elif is_untouched_stub(current):
            actions.append(Action(path, "updated"))
            if not check:
                path.write_text(text)
        else:
            actions.append(Action(path, "kept-edited",
                                  "edited by the learner (or not a generated stub); left as is"))
    known = {p for p, _ in expected}
    for path in sorted(p for c in CHAPTERS for p in (exercises / c).glob("**/*.py")):
        if wanted(path) and path not in known and not path.name.startswith("test_") and (
                is_untouched_stub(path.read_text())):
            actions.append(Action(path, "orphan", "its solution is gone; left in place"))
    return actions
