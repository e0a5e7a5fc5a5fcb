"""ch08's "by hand" check, shared by its three grader files as the `by_hand` fixture.

    def test_x(student, by_hand):
        by_hand(student, "ch08.optimizers", FORBIDDEN, "ch08/optimizers.py", hint)

The submission's source is read here as text, never imported: `dldrill.grading.source.scan` (the
scanner behind `assert_by_hand`) on the module, the submission modules it imports and the
chapter package's `__init__.py` (which runs before any of them and could rebind the exercise's
names), over the whole module (a module-level `Adam.step = torch.optim.Adam.step` is seen). On top
of the scanner's rules, three ways around a list of forbidden names are refused:

- a module that holds a forbidden name bound as a value outside an import (`o = torch.optim`,
  `F = torch.nn.functional`, `f(torch)`): its attributes could no longer be followed;
- a module reached through another module's attribute (`torch.nn.functional.torch.optim.Adam`):
  read as the name it reaches;
- a name re-exported through the submission's own modules (`from .helpers import O`, where
  helpers.py has `import torch.optim as O`): resolved through that module's imports, and a module
  object that holds a forbidden name may not be re-exported at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dldrill.grading import failure, tr
from dldrill.grading.source import scan, submission_root

MAX_FILES = 200


def _under(name: str, prefixes) -> bool:
    return any(name == f or name.startswith(f + ".") for f in prefixes)


def _parents(forbidden) -> set[str]:
    """Every proper prefix of a forbidden name: the modules (or classes) that hold one."""
    out = set()
    for f in forbidden:
        parts = f.split(".")
        out.update(".".join(parts[:k]) for k in range(1, len(parts)))
    return out


def _local_file(root: Path, module: str) -> Path | None:
    parts = module.split(".")
    for path in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
        try:
            path.resolve().relative_to(root.resolve())
        except (OSError, ValueError):
            continue
        if path.is_file() and not path.is_symlink():
            return path
    return None


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return None


class _Source:
    """The submission's files, parsed once: import lines and import aliases per module."""

    def __init__(self, root: Path):
        self.root = root
        self.aliases: dict[str, dict[str, str]] = {}
        self.import_lines: dict[str, set[int]] = {}  # file name -> lines with an import
        for path in sorted(root.rglob("*.py"))[:MAX_FILES]:
            tree = _parse(path)
            if tree is None:
                continue
            lines = self.import_lines.setdefault(path.name, set())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))

    def module_aliases(self, module: str) -> dict[str, str]:
        """Local name -> dotted name, for the imports of the submission's `module`."""
        if module in self.aliases:
            return self.aliases[module]
        out: dict[str, str] = {}
        path = _local_file(self.root, module)
        tree = _parse(path) if path is not None else None
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Import):
                for a in node.names:
                    out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = module.split(".")
                    if path is not None and path.name != "__init__.py":
                        pkg = pkg[:-1]
                    pkg = pkg[: len(pkg) - (node.level - 1)]
                    base = ".".join([*pkg, *([node.module] if node.module else [])])
                for a in node.names:
                    if a.name != "*":
                        out[a.asname or a.name] = f"{base}.{a.name}" if base else a.name
        self.aliases[module] = out
        return out

    def resolve(self, name: str, depth: int = 0) -> str | None:
        """A dotted name that starts in the submission's own modules, followed through their
        imports to a library name (None when it ends at something the submission defines)."""
        parts = name.split(".")
        for k in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:k])
            if _local_file(self.root, module) is None:
                continue
            target = self.module_aliases(module).get(parts[k])
            if target is None:
                return None
            full = ".".join([target, *parts[k + 1:]])
            if depth < 8 and _local_file(self.root, full.split(".")[0]) is not None:
                return self.resolve(full, depth + 1)
            return full
        return None


def strict_findings(root: Path, modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    """Forbidden or dynamic names in `modules` (rendered 'name (file:line)'), by the scanner's
    rules and by the three above."""
    found: dict[tuple[str, int, str], str] = {}
    for module in modules:
        for f in scan(root, module, forbidden):
            found.setdefault((f.file, f.line, f.name), f.render())
    parents = _parents(forbidden)
    source = _Source(root)
    local = sorted({p.stem if p.suffix == ".py" else p.name for p in root.iterdir()
                    if p.suffix == ".py" or (p / "__init__.py").is_file()})
    roots = sorted({f.split(".")[0] for f in forbidden} | set(local))
    for module in modules:
        for f in scan(root, module, roots):
            if f.dynamic:
                continue
            name, via_local = f.name, False
            if name.split(".")[0] in local:
                name, via_local = source.resolve(name), True
                if name is None:
                    continue
            parts = name.split(".")
            on_import = f.line in source.import_lines.get(f.file, set())
            bad = None
            for k in range(len(parts)):
                rest = ".".join(parts[k:])
                if (k or via_local) and _under(rest, forbidden):
                    bad = rest
                elif rest in parents and (k or via_local or not on_import):
                    bad = rest
                if bad:
                    break
            if bad:
                shown = (f"{f.name}" + (f" = {bad}" if bad != f.name else "")
                         + (", a module used as a value" if bad in parents else ""))
                found.setdefault((f.file, f.line, f.name), f"{shown} ({f.file}:{f.line})")
    return list(found.values())


def check_by_hand(student, module: str, forbidden: tuple[str, ...], what: str, hint) -> None:
    root = submission_root(student)
    if root is None:
        return
    modules = [module] + (["ch08"] if (root / "ch08" / "__init__.py").is_file() else [])
    try:
        found = strict_findings(root, modules, forbidden)
    except FileNotFoundError as err:
        raise failure(what, tr("직접 작성한 구현", "a hand-written implementation"), str(err),
                      hint) from None
    if found:
        shown = "; ".join(found[:3]) + (f" (+{len(found) - 3})" if len(found) > 3 else "")
        raise failure(tr(f"{what}: 직접 구현해야 합니다", f"{what}: must be written by hand"),
                      tr("라이브러리의 같은 기능이나 동적 import/getattr/eval 없이 직접 작성한 코드 "
                         "(모듈 객체를 변수에 담아 우회하지 않기)",
                         "code written by hand: no library counterpart, no dynamic "
                         "import/getattr/eval, no module object bound to another name"),
                      shown, hint)


@pytest.fixture
def by_hand():
    """`by_hand(student, module, forbidden, what, hint)`: see the module docstring."""
    return check_by_hand
