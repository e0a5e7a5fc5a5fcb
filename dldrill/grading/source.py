""""By hand" checks: the grader reads the learner's source as text and rejects library shortcuts.

    assert_by_hand(student, "ch04.conv", forbidden=("torch.nn.functional.conv2d", "torch.conv2d"),
                   functions=["conv2d_naive"])

Where the curriculum asks for something written by hand (a convolution, an optimizer, a learning
rule), returning the library's result earns nothing. The submission's files are parsed with `ast`
in the grader process, never imported: aliases (`import torch.nn.functional as F`, `from torch
import conv2d as c`), re-exports through the submission's own modules and attribute chains are
resolved to dotted names, and every name under a forbidden prefix is reported with its line.
Dynamic access that could hide a name (`__import__`, `importlib`, `getattr` with a computed name,
`eval`, `exec`, `sys.modules`) is refused too: a by-hand exercise has no use for it.

What this cannot see: a library reached through an object the grader does not know to be one
(an attribute of an argument), or code hidden in data and compiled at run time through a name
the scan does not know. Those cost more than writing the exercise, and the graders' numerical
and process checks still apply.

Why this file is long: one scanner, its alias rules and the ways around a list of names it
refuses (assignment, re-export, chains, dunders, patches from the package or another chapter)
belong together; split, each half would be unreadable without the other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dldrill.i18n import Text, tr

DYNAMIC_CALLS = {"__import__", "eval", "exec", "compile", "globals", "vars", "locals"}
DYNAMIC_MODULES = ("importlib", "sys.modules", "builtins", "runpy", "ctypes", "gc", "inspect")
# Attributes that reach objects by computed names or around the import system.
DYNAMIC_ATTRIBUTES = {"__dict__", "__getattribute__", "__getattr__", "__builtins__", "__subclasses__",
                      "__globals__", "__code__", "__import__", "__mro__", "__bases__", "__loader__",
                      "__spec__", "__closure__"}
MAX_FILES = 64
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    name: str
    dynamic: bool = False

    def render(self) -> str:
        return f"{self.name} ({self.file}:{self.line})"


def _forbidden(name: str, forbidden: Sequence[str]) -> bool:
    """Whether the dotted `name`, or any tail of it that starts a new chain through a module's
    attribute (`torch.nn.functional.torch.optim.Adam`), is or lies under a forbidden name."""
    parts = name.split(".")
    for i in range(len(parts)):
        tail = ".".join(parts[i:])
        if any(tail == f or tail.startswith(f + ".") for f in forbidden):
            return True
    return False


def _module_aliases(root: Path, module: str) -> dict[str, str]:
    """The names a submission module binds by import or assignment (for re-exports)."""
    path = _module_file(root, module)
    tree = _parse(path) if path is not None else None
    if tree is None:
        return {}
    scanner = _Scanner(root, module, path, ())
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            scanner.record_import(node, follow=False)
        else:
            scanner.record_assign(node)
    return scanner.aliases


def _module_file(root: Path, module: str) -> Path | None:
    """`chNN.mod` -> root/chNN/mod.py (or a package's __init__.py), never leaving root."""
    parts = module.split(".")
    for candidate in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
        try:
            resolved = candidate.resolve()
            resolved.relative_to(root.resolve())
        except (OSError, ValueError):
            continue
        if resolved.is_file() and not candidate.is_symlink():
            return resolved
    return None


def _is_local(module: str, root: Path) -> bool:
    return _module_file(root, module) is not None


class _Scanner(ast.NodeVisitor):
    """Resolves names in one file to dotted paths and records forbidden or dynamic uses."""

    def __init__(self, root: Path, module: str, path: Path, forbidden: Sequence[str]):
        self.root = root
        self.module = module
        self.path = path
        self.forbidden = tuple(forbidden)
        self.aliases: dict[str, str] = {}  # local name -> dotted name (library or local module)
        self.findings: list[Finding] = []
        self.local_imports: set[str] = set()  # submission modules this file imports
        self.local_names: dict[str, tuple[str, str]] = {}  # name -> (local module, name there)
        self.bound: set[str] = set()  # names the file binds itself (a parameter called `eval`)
        self.patches: list[Finding] = []  # assignments into modules of `patched` (see scan)

    def record_bound(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.arg):
                self.bound.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.bound.add(node.id)

    def record_patches(self, tree: ast.AST, chapter: str) -> None:
        """Assignments to an attribute of a module of `chapter` (`ch04.conv.conv = ...`,
        `setattr(conv_module, ...)`), or to `sys.modules`: a patch from outside the module."""
        for node in ast.walk(tree):
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("setattr", "delattr") and node.args:
                targets = [ast.Attribute(value=node.args[0], attr="?", ctx=ast.Store())]
            for t in targets:
                base = t.value if isinstance(t, ast.Attribute | ast.Subscript) else None
                name = self.dotted(base) if base is not None else None
                if name and (name == chapter or name.startswith(chapter + ".")
                             or name.startswith("sys.modules")):
                    self.patches.append(Finding(self.path.name, getattr(node, "lineno", 0),
                                                f"{name} (patched from outside)", True))

    # -- imports ------------------------------------------------------------------------------
    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = self.module.split(".")
        if self.path.name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
        return ".".join([*base, *([node.module] if node.module else [])])

    def record_import(self, node: ast.AST, follow: bool = True) -> None:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    self.aliases[a.asname] = a.name
                else:
                    head = a.name.split(".")[0]
                    self.aliases[head] = head
                if _is_local(a.name, self.root):
                    self.local_imports.add(a.name)
                self._check(a.name, node)
        elif isinstance(node, ast.ImportFrom):
            base = self._absolute(node)
            for a in node.names:
                full = f"{base}.{a.name}" if base else a.name
                local = a.asname or a.name
                if a.name == "*":
                    if _is_local(base, self.root):
                        self.local_imports.add(base)
                    self._check(base, node)
                    continue
                if _is_local(full, self.root):
                    self.local_imports.add(full)
                elif _is_local(base, self.root):
                    self.local_imports.add(base)
                    self.local_names[local] = (base, a.name)
                    if follow:  # a name the submission's own module re-exports
                        full = _module_aliases(self.root, base).get(a.name, full)
                self.aliases[local] = full
                self._check(full, node)

    # -- names --------------------------------------------------------------------------------
    def dotted(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def _check(self, name: str, node: ast.AST, dynamic: bool = False) -> None:
        if dynamic or _forbidden(name, self.forbidden):
            self.findings.append(Finding(self.path.name, getattr(node, "lineno", 0), name, dynamic))

    def record_assign(self, node: ast.AST) -> None:
        """`o = torch.optim` (a module or name bound by assignment) is an alias too."""
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            value = self.dotted(node.value)
            if value is not None:
                self.aliases[node.targets[0].id] = value
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and isinstance(node.target, ast.Name) \
                and node.value is not None:
            value = self.dotted(node.value)
            if value is not None:
                self.aliases[node.target.id] = value

    def visit_Import(self, node: ast.Import) -> None:
        self.record_import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.record_import(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in DYNAMIC_ATTRIBUTES:  # F.__dict__["con" + "v2d"], cls.__subclasses__()
            self._check(f"<...>.{node.attr}", node, dynamic=True)
        name = self.dotted(node)
        if name is not None:
            self._check(name, node)
            if any(name == m or name.startswith(m + ".") for m in DYNAMIC_MODULES):
                self._check(name, node, dynamic=True)
            return  # the chain's prefixes are not separate uses
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        name = self.aliases.get(node.id)
        if name is not None:
            self._check(name, node)
            if any(name == m or name.startswith(m + ".") for m in DYNAMIC_MODULES):
                self._check(name, node, dynamic=True)
        elif node.id in DYNAMIC_CALLS and node.id not in self.bound:
            self._check(node.id, node, dynamic=True)
        elif node.id == "getattr":
            pass  # judged at the call, where the name argument is visible

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ("getattr", "setattr", "delattr") \
                and node.func.id not in self.aliases:
            if len(node.args) < 2 or not isinstance(node.args[1], ast.Constant):
                target = self.dotted(node.args[0]) if node.args else None
                if target is not None or not node.args:
                    self._check(f"{node.func.id}(<module>, <computed name>)", node, dynamic=True)
            elif node.args and isinstance(node.args[1].value, str):
                target = self.dotted(node.args[0])
                if target is not None:
                    self._check(f"{target}.{node.args[1].value}", node)
        self.generic_visit(node)


def _parse(path: Path) -> ast.Module | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return ast.parse(path.read_text(encoding="utf-8", errors="replace"), filename=path.name)
    except (OSError, SyntaxError, ValueError):
        return None


def _definitions(tree: ast.Module) -> dict[str, ast.AST]:
    out: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out[node.name] = node
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = node
    return out


def _reachable(tree: ast.Module, functions: Iterable[str]) -> list[ast.AST]:
    """The named definitions and the module-level definitions they reach by name."""
    defs = _definitions(tree)
    todo = [f for f in functions if f in defs]
    seen: set[str] = set()
    nodes: list[ast.AST] = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        nodes.append(defs[name])
        for sub in ast.walk(defs[name]):
            if isinstance(sub, ast.Name) and sub.id in defs and sub.id not in seen:
                todo.append(sub.id)
    return nodes


def scan(root: Path, module: str, forbidden: Sequence[str],
         functions: Sequence[str] | None = None) -> list[Finding]:
    """Forbidden or dynamic names that `module` (and the submission modules it imports) uses.

    With `functions`, only those definitions (and the module-level definitions they reach by
    name) are scanned in `module` itself; imported submission modules are scanned whole.
    Raises FileNotFoundError when the module's file is not in the submission.
    """
    first = _module_file(root, module)
    if first is None:
        raise FileNotFoundError(f"the submission has no {module.replace('.', '/')}.py")
    findings: list[Finding] = []
    queue: list[tuple[str, Path, Sequence[str] | None]] = [(module, first, functions)]
    # The packages above it run first, and any other file of the submission that imports the
    # module's chapter could patch it from outside (one child serves several chapters).
    parts = module.split(".")
    for i in range(1, len(parts)):
        package = _module_file(root, ".".join(parts[:i]))
        if package is not None:
            queue.append((".".join(parts[:i]), package, None))
    for name, path in _importers(root, parts[0], first):
        tree = _parse(path)
        if tree is not None:
            outsider = _Scanner(root, name, path, ())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    outsider.record_import(node, follow=False)
            outsider.record_patches(tree, parts[0])
            findings += outsider.patches
    done: set[Path] = set()
    while queue and len(done) < MAX_FILES:
        name, path, only = queue.pop(0)
        if path in done:
            continue
        done.add(path)
        tree = _parse(path)
        if tree is None:
            continue
        scanner = _Scanner(root, name, path, forbidden)
        scanner.record_bound(tree)
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        for node in imports:  # aliases first: a use may come before a later import
            scanner.record_import(node)
        scanner.findings.clear()
        if only is None:  # every import of a forbidden name counts, wherever it is
            for node in imports:
                scanner.record_import(node)
        # (with `functions`, a module-level import counts where the scanned code uses the name:
        # other exercises of the module may need the library, e.g. peft beside LoRA by hand)
        for node in ast.walk(tree):  # names bound by assignment, anywhere
            scanner.record_assign(node)
        targets = _reachable(tree, only) if only is not None else [tree]
        if only is not None:  # module-level statements other than definitions run too
            targets += [n for n in tree.body if not isinstance(
                n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import
                | ast.ImportFrom)]
        for node in targets:
            scanner.visit(node)
        findings += scanner.findings
        for local in sorted(scanner.local_imports):
            path2 = _module_file(root, local)
            if path2 is not None and path2 not in done:
                queue.append((local, path2, None))
    unique: dict[tuple[str, int, str], Finding] = {}
    for f in findings:
        unique.setdefault((f.file, f.line, f.name), f)
    return list(unique.values())


def _importers(root: Path, chapter: str, skip: Path) -> list[tuple[str, Path]]:
    """Files of other chapters that name `chapter`: each could patch its modules from outside
    (one child serves several chapters), so their assignments into it are looked at."""
    out: list[tuple[str, Path]] = []
    try:
        files = sorted(root.resolve().glob("ch*/**/*.py"))[: MAX_FILES * 4]
    except OSError:
        return out
    for path in files:
        rel = path.relative_to(root.resolve())
        if rel.parts[0] == chapter or path == skip or path.is_symlink():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:MAX_BYTES]
        except OSError:
            continue
        if chapter in text:
            name = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
            out.append((name, path))
    return out


def submission_root(student: Any) -> Path | None:
    """The folder whose `chNN/` packages `student` runs (None for an unknown backend)."""
    backend = getattr(student, "backend", None)
    root = getattr(backend, "submission", None)
    if root is None:
        root = getattr(getattr(backend, "dispatcher", None), "root", None)
    return Path(root) if root is not None else None


def assert_by_hand(student: Any, module: str, *, forbidden: Sequence[str],
                   functions: Sequence[str] | None = None, what: str | None = None,
                   hint: Text | str | None = None) -> None:
    """Fails when the learner's `module` uses a library counterpart of a by-hand exercise.

    `forbidden`: dotted names (`"torch.nn.functional.conv2d"`; a prefix such as `"torch.optim"`
    forbids everything under it). `functions`: limit the scan of `module` to these definitions
    (and the module-level helpers they reach). Imports of forbidden names and dynamic access
    (`__import__`, `importlib`, a computed `getattr` on a module, `eval`, `exec`) both fail.
    A module still untouched (its TODO) fails as TODO through the other checks, not here.
    """
    from dldrill.grading.checks import failure

    root = submission_root(student)
    if root is None:
        return
    shown = what or (f"{module}:{', '.join(functions)}" if functions else module)
    try:
        findings = scan(root, module, forbidden, functions)
    except FileNotFoundError as err:
        raise failure(shown, tr("손으로 작성한 구현", "a hand-written implementation"),
                      str(err), hint) from None
    if not findings:
        return
    dynamic = [f for f in findings if f.dynamic]
    named = [f for f in findings if not f.dynamic]
    got = "; ".join(f.render() for f in (named or dynamic)[:3])
    if len(findings) > 3:
        got += f" (+{len(findings) - 3})"
    names = ", ".join(forbidden[:4]) + (", …" if len(forbidden) > 4 else "")
    expected = tr(f"직접 작성한 계산 (라이브러리의 같은 기능 사용 금지: {names})",
                  f"the computation written by hand (not the library's own: {names})")
    if not named:
        expected = tr("동적 import/getattr/eval 없이 직접 작성한 코드",
                      "code written by hand, without dynamic import/getattr/eval")
    raise failure(tr(f"{shown}: 직접 구현해야 합니다", f"{shown}: must be written by hand"),
                  expected, got, hint)
