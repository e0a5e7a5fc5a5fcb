"""Every target a grader names exists in solutions/ and exercises/, with a compatible signature.

Graders reach the learner's code through strings (`student.call(f"{MODULE}:dropout", x, 0.5)`,
`student.get("ch10.quiz:ANSWERS")`, `compare(student, reference, "ch01.losses:mse", a, b)`). This
reads every grader file as text (`ast`, nothing imported or run) and finds each such string:
literals, f-strings and `+` of the module's string constants, with a placeholder resolved from the
test's `parametrize` values, a `for` loop over literal values, a module-level dict of names, or
the literal arguments every caller passes to the helper that takes it. A target that cannot be
resolved is itself a finding: a tool must be able to check it. Each target must name a function,
class, method (`Class.method`) or module-level value of `solutions/chNN/<module>.py` and of the
stub in `exercises/`; where the grader calls it directly (`.call(target, ...)`, `compare`), the
positional arity and the keyword names must fit the signature (of `__init__` for a class).
Methods called and attributes read on an object such a call returned (`es.step(loss)`,
`p.w`) must exist on its class too (attributes in the solution, whose `__init__` sets them),
unless the class has a base class that may provide them. Runs in a few CPU-seconds; a renamed
solution function or method fails here, not only in the full suite.
"""

from __future__ import annotations

import ast
import functools
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from dldrill.paths import kit_root

ROOT = kit_root()
TARGET = re.compile(r"^(ch\d\d(?:\.\w+)+):([\w.]+)$")
UNRESOLVED = "\0"


@dataclass(frozen=True)
class Use:
    """One target named by a grader; `args`/`keywords` are None where the call is not direct
    (or passes `*args`/`**kwargs` through)."""

    file: str
    line: int
    target: str
    args: int | None = None
    keywords: tuple[str, ...] | None = None
    member: str = ""  # a method called (or attribute read) on the object `target` returned
    attribute: bool = False  # `member` read as an attribute, not called


def _constants(tree: ast.Module) -> dict[str, object]:
    """Module-level string constants, and dicts/tuples of strings, by name."""
    out: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name) and node.value is not None:
                try:
                    out[targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    if (rows := _rows(node.value)) is not None:
                        out[targets[0].id] = rows
                        continue
                    value = _strings(node.value, out, {})
                    if len(value) == 1 and UNRESOLVED not in value[0]:
                        out[targets[0].id] = value[0]
    return out


def _strings(node: ast.AST, consts: dict, env: dict[str, list[str]]) -> list[str]:
    """Every string `node` can evaluate to (a placeholder it cannot resolve becomes
    UNRESOLVED)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        value = consts.get(node.id)
        return [value] if isinstance(value, str) else [UNRESOLVED]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        table = consts.get(node.value.id)
        if isinstance(table, dict):
            keys = _strings(node.slice, consts, env)
            return [str(table[k]) if k in table else UNRESOLVED for k in keys]
        return [UNRESOLVED]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _strings(node.left, consts, env)
                for b in _strings(node.right, consts, env)]
    if isinstance(node, ast.JoinedStr):
        out = [""]
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts = [str(value.value)]
            elif isinstance(value, ast.FormattedValue) and value.format_spec is None:
                parts = _strings(value.value, consts, env)
            else:
                parts = [UNRESOLVED]
            out = [a + b for a in out for b in parts]
        return out
    return [UNRESOLVED]


def _looks_like_target(node: ast.AST, consts: dict) -> bool:
    """A string expression of the form `chNN.module:name` (placeholders allowed)."""
    shape = re.compile(r"^ch\d\d(\.\w+)+:[\w.\0]+$")
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(shape.match(node.value))
    return all(shape.match(s) for s in _strings(node, consts, {}))


def _parametrized(func: ast.FunctionDef, consts: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for dec in func.decorator_list:
        if not (isinstance(dec, ast.Call) and ast.unparse(dec.func).endswith("parametrize")):
            continue
        try:
            names = ast.literal_eval(dec.args[0])
            values = ast.literal_eval(dec.args[1])
        except (ValueError, IndexError):
            source = dec.args[1] if len(dec.args) > 1 else None
            if isinstance(source, ast.Call) and len(source.args) == 1:  # sorted(X), list(X)
                source = source.args[0]
            if isinstance(source, ast.Name) and isinstance(consts.get(source.id),
                                                            list | tuple | dict):
                names, values = ast.literal_eval(dec.args[0]), list(consts[source.id])
            else:
                continue
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        for i, name in enumerate(names):
            out[name] = [str(v[i] if len(names) > 1 else v) for v in values]
    return out


def _rows(node: ast.AST) -> list | None:
    """A literal list or tuple, its non-literal members kept as UNRESOLVED (rows of a table
    such as `[("what", "name", (a, b)), ...]` keep their strings)."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    if isinstance(node, ast.List | ast.Tuple):
        return [_rows(e) if isinstance(e, ast.List | ast.Tuple) else (
            e.value if isinstance(e, ast.Constant) else UNRESOLVED) for e in node.elts]
    return None


def _loops(func: ast.AST, consts: dict) -> dict[str, list[str]]:
    """Names bound by `for` loops over literal (or module-constant) tuples of values."""
    local: dict[str, object] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            rows = _rows(node.value)
            if rows is not None:
                local[node.targets[0].id] = rows
    out: dict[str, list[str]] = {}
    for node in ast.walk(func):
        if not isinstance(node, ast.For | ast.comprehension):
            continue
        values = _rows(node.iter)
        if values is None:
            source = node.iter.id if isinstance(node.iter, ast.Name) else None
            values = local.get(source, consts.get(source)) if source else None
        if not isinstance(values, list | tuple | dict):
            continue
        if isinstance(node.target, ast.Name):
            out.setdefault(node.target.id, []).extend(str(v) for v in values)
        elif isinstance(node.target, ast.Tuple):
            for i, elt in enumerate(node.target.elts):
                if isinstance(elt, ast.Name):
                    out.setdefault(elt.id, []).extend(
                        str(v[i]) for v in values if isinstance(v, tuple | list) and len(v) > i)
    return out


def _callers(tree: ast.Module, func: ast.FunctionDef, consts: dict,
             envs: dict[ast.AST, dict]) -> dict[str, list[str]]:
    """A helper's string parameters, from the literal arguments of every call to it."""
    params = [a.arg for a in func.args.posonlyargs + func.args.args]
    out: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == func.name):
            continue
        env = envs.get(node, {})
        for i, arg in enumerate(node.args):
            if i < len(params) and not isinstance(arg, ast.Starred):
                out.setdefault(params[i], []).extend(_strings(arg, consts, env))
        for kw in node.keywords:
            if kw.arg in params:
                out.setdefault(kw.arg, []).extend(_strings(kw.value, consts, env))
    return {k: v for k, v in out.items() if v and UNRESOLVED not in v}


def grader_uses(graders: Path) -> list[Use]:
    """Every target the grader files under `graders` name (UNRESOLVED in `target` where a
    placeholder could not be resolved)."""
    uses: list[Use] = []
    for path in sorted(graders.rglob("*.py")):
        rel = path.relative_to(graders.parent).as_posix()
        tree = ast.parse(path.read_text())
        consts = _constants(tree)
        funcs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        envs: dict[ast.AST, dict] = {}
        for _ in range(2):  # twice: a helper's callers may themselves be resolved by the first
            for func in funcs:
                env = {**_callers(tree, func, consts, envs), **_loops(func, consts),
                       **_parametrized(func, consts)}
                for node in ast.walk(func):
                    if (isinstance(node, ast.Assign) and len(node.targets) == 1
                            and isinstance(node.targets[0], ast.Name)
                            and isinstance(node.value, ast.Subscript | ast.JoinedStr)):
                        value = _strings(node.value, consts, env)
                        if UNRESOLVED not in "".join(value):
                            env[node.targets[0].id] = value
                for node in ast.walk(func):
                    envs[node] = {**envs.get(node, {}), **env}
        direct: dict[ast.AST, ast.Call] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                if isinstance(node.func, ast.Attribute) and node.func.attr == "call":
                    direct[node.args[0]] = node
                elif isinstance(node.func, ast.Name) and node.func.id == "compare" and len(
                        node.args) > 2:
                    direct[node.args[2]] = node
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp):
                continue
            if not _looks_like_target(node, consts):
                continue
            call = direct.get(node)
            args = keywords = None
            if call is not None:
                rest = call.args[1:] if call.args[0] is node else call.args[3:]
                if not any(isinstance(a, ast.Starred) for a in rest):
                    args = len(rest)
                if all(k.arg is not None for k in call.keywords):
                    keywords = tuple(k.arg for k in call.keywords)
            for target in dict.fromkeys(_strings(node, consts, envs.get(node, {}))):
                uses.append(Use(rel, node.lineno, target, args, keywords))
        for func in funcs:
            uses += _handle_uses(rel, func, consts, envs, direct)
    return uses


def _handle_uses(rel: str, func: ast.FunctionDef, consts: dict, envs: dict,
                 direct: dict[ast.AST, ast.Call]) -> list[Use]:
    """Methods called and attributes read on a handle that one `.call(target, ...)` returned in
    `func` (`net = student.call(f"{MODULE}:TwoLayerNet", ...)`, then `net.fit(X, y, 5, 0.5)`)."""
    calls = {id(c): c for c in direct.values()}
    bound: dict[str, list[str | None]] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            target = None
            if isinstance(node.value, ast.Call) and id(node.value) in calls:
                found = _strings(node.value.args[0], consts, envs.get(node.value.args[0], {}))
                target = found[0] if len(found) == 1 and TARGET.match(found[0]) else None
            bound.setdefault(node.targets[0].id, []).append(target)
    handles = {name: ts[0] for name, ts in bound.items() if len(ts) == 1 and ts[0]}
    parents = {id(child): node for node in ast.walk(func) for child in ast.iter_child_nodes(node)}
    out = []
    for node in ast.walk(func):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in handles and isinstance(node.ctx, ast.Load)
                and not node.attr.startswith("_")):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Call) and parent.func is node:
            args = None if any(isinstance(a, ast.Starred) for a in parent.args) else len(
                parent.args)
            keywords = (tuple(k.arg for k in parent.keywords)
                        if all(k.arg is not None for k in parent.keywords) else None)
            out.append(Use(rel, node.lineno, handles[node.value.id], args, keywords, node.attr))
        else:
            out.append(Use(rel, node.lineno, handles[node.value.id], member=node.attr,
                           attribute=True))
    return out


def _find(tree: ast.Module, dotted: str) -> ast.AST | None:
    body: list[ast.stmt] = tree.body
    found: ast.AST | None = None
    for part in dotted.split("."):
        found = None
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == part:
                found = node
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == part for t in targets):
                    found = node
        if found is None:
            return None
        body = found.body if isinstance(found, ast.ClassDef) else []
    return found


def _member(cls: ast.ClassDef, name: str) -> ast.AST | None:
    """A method or class-level value of `cls`, or an assignment `self.name = ...` in one of its
    methods."""
    found = _find(ast.Module(body=[cls], type_ignores=[]), f"{cls.name}.{name}")
    if found is not None:
        return found
    for node in ast.walk(cls):
        if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name) and node.value.id == "self"
                and node.attr == name):
            return node
    return None


def _member_problem(node: ast.AST, use: Use, label: str) -> str | None:
    """What is wrong with `use.member` on an object of the class `node` (None when fine, or when
    it may come from a base class defined elsewhere)."""
    if not isinstance(node, ast.ClassDef):
        return None  # a factory function: what it returns is not known statically
    found = _member(node, use.member)
    if found is None:
        if node.bases:
            return None  # may be inherited (nn.Module.eval, Optimizer.state_dict, ...)
        return f"{label}: {node.name} has no {'attribute' if use.attribute else 'method'} " \
               f"{use.member!r}"
    if use.attribute or not isinstance(found, ast.FunctionDef):
        return None
    return _signature_problem(found, use, method=True)


def _signature_problem(node: ast.AST, use: Use, method: bool) -> str | None:
    if isinstance(node, ast.ClassDef):
        node = next((n for n in node.body if isinstance(n, ast.FunctionDef)
                     and n.name == "__init__"), None)
        method = True
    if not isinstance(node, ast.FunctionDef):
        return None
    a = node.args
    positional = [p.arg for p in a.posonlyargs + a.args][1 if method else 0:]
    required = positional[:len(positional) - len(a.defaults)]
    kwonly = [p.arg for p in a.kwonlyargs]
    kw_required = [p.arg for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is None]
    if use.args is not None and a.vararg is None and use.args > len(positional):
        return f"{use.args} positional arguments, the signature takes at most {len(positional)}"
    for k in use.keywords or ():
        if k not in positional[:] + kwonly and a.kwarg is None:
            return f"keyword {k!r} is not a parameter"
    if use.args is not None and use.keywords is not None:
        given = set(positional[:use.args]) | set(use.keywords)
        missing = [p for p in required + kw_required if p not in given]
        if missing:
            return f"required parameters not passed: {', '.join(missing)}"
    return None


def problems(uses: list[Use], roots: dict[str, Path]) -> list[str]:
    """'file:line: target: what is wrong' for each use that does not fit every root."""
    out: list[str] = []
    trees: dict[Path, ast.Module | None] = {}
    for use in uses:
        where = f"{use.file}:{use.line}: {use.target.replace(UNRESOLVED, '{?}')}"
        match = TARGET.match(use.target)
        if UNRESOLVED in use.target or not match:
            out.append(f"{where}: cannot be resolved statically")
            continue
        module, name = match.groups()
        for label, root in roots.items():
            path = root.joinpath(*module.split(".")).with_suffix(".py")
            if path not in trees:
                trees[path] = ast.parse(path.read_text()) if path.is_file() else None
            tree = trees[path]
            if tree is None:
                out.append(f"{where}: no module {path.relative_to(root.parent)} in {label}")
                continue
            node = _find(tree, name)
            if node is None and f"TODO({module}.{name})" in ast.unparse(tree):
                continue  # a stubbed module-level value: `raise NotImplementedError("TODO(...)")`
            if node is None:
                if not use.member:  # a missing class is reported once, by its own use
                    out.append(f"{where}: not defined in {label}/{module.replace('.', '/')}.py")
                continue
            if use.member:
                # a stub's __init__ is a TODO: attributes are looked for in the solution only
                if use.attribute and label != "solutions":
                    continue
                problem = _member_problem(node, use, label)
                if problem:
                    out.append(f"{where}.{use.member}: {problem}")
                continue
            problem = _signature_problem(node, use, method="." in name)
            if problem:
                out.append(f"{where}: {label}: {problem}")
    return out


def _roots(base: Path) -> dict[str, Path]:
    return {"solutions": base / "solutions", "exercises": base / "exercises"}


@functools.cache
def _kit_uses() -> tuple[Use, ...]:
    return tuple(grader_uses(ROOT / "graders"))


def test_every_grader_target_exists_with_a_compatible_signature():
    uses = list(_kit_uses())
    assert len({u.target for u in uses}) > 120, "the scan finds the graders' targets"
    assert not (found := problems(uses, _roots(ROOT))), "\n".join(found)


def test_direct_calls_are_checked_for_arity_and_keywords():
    uses = _kit_uses()
    checked = [u for u in uses if u.args is not None and u.keywords is not None]
    assert len(checked) > 200
    dropout = [u for u in uses if u.target == "ch08.regularization:dropout"]
    assert dropout and any(u.args is not None for u in dropout)


def test_a_renamed_solution_function_is_caught(tmp_path):
    for folder in ("graders", "solutions", "exercises"):
        shutil.copytree(ROOT / folder / "ch08", tmp_path / folder / "ch08",
                        ignore=shutil.ignore_patterns("__pycache__"))
    roots = _roots(tmp_path)
    assert not problems(grader_uses(tmp_path / "graders"), roots)
    module = tmp_path / "solutions" / "ch08" / "regularization.py"
    module.write_text(module.read_text().replace("def dropout(", "def drop_out("))
    found = problems(grader_uses(tmp_path / "graders"), roots)
    assert found and all("ch08.regularization:dropout" in f for f in found)
    assert all("not defined in solutions/ch08/regularization.py" in f for f in found)


def test_a_changed_signature_is_caught(tmp_path):
    for folder in ("graders", "solutions", "exercises"):
        shutil.copytree(ROOT / folder / "ch08", tmp_path / folder / "ch08",
                        ignore=shutil.ignore_patterns("__pycache__"))
    stub = tmp_path / "exercises" / "ch08" / "regularization.py"
    text = stub.read_text()
    head = re.search(r"def dropout\((.*?)\)", text, re.S)
    assert head and "generator:" in head.group(1)
    stub.write_text(text.replace(head.group(0), head.group(0).replace("generator:", "gen:")))
    found = problems(grader_uses(tmp_path / "graders"), _roots(tmp_path))
    assert any("ch08.regularization:dropout" in f and "exercises" in f for f in found), found


def test_an_unresolvable_target_is_a_finding(tmp_path):
    graders = tmp_path / "graders" / "ch08"
    graders.mkdir(parents=True)
    (graders / "test_x.py").write_text(
        'MODULE = "ch08.regularization"\n\n\n'
        "def test_x(student, name_from_nowhere):\n"
        '    student.call(f"{MODULE}:{name_from_nowhere}", 1)\n')
    found = problems(grader_uses(tmp_path / "graders"), _roots(ROOT))
    assert found == ["graders/ch08/test_x.py:5: ch08.regularization:{?}: "
                     "cannot be resolved statically"]


def test_a_renamed_method_of_a_returned_object_is_caught(tmp_path):
    """`es = student.call(f"{MODULE}:EarlyStopping", ...)` then `es.step(loss)`: renaming the
    method (in the stub here) is caught, and so is an attribute the solution no longer sets."""
    for folder in ("graders", "solutions", "exercises"):
        shutil.copytree(ROOT / folder / "ch08", tmp_path / folder / "ch08",
                        ignore=shutil.ignore_patterns("__pycache__"))
    uses = grader_uses(tmp_path / "graders")
    assert any(u.target == "ch08.regularization:EarlyStopping" and u.member == "step"
               for u in uses)
    stub = tmp_path / "exercises" / "ch08" / "regularization.py"
    stub.write_text(stub.read_text().replace("    def step(self, val_loss", "    def update(self, val_loss"))
    solution = tmp_path / "solutions" / "ch08" / "regularization.py"
    text = solution.read_text()
    assert "self.best_loss =" in text
    solution.write_text(text.replace("self.best_loss", "self.best"))
    found = problems(uses, _roots(tmp_path))
    assert any("EarlyStopping.step" in f and "exercises: EarlyStopping has no method 'step'" in f
               for f in found), found
    assert any("solutions: EarlyStopping has no attribute 'best_loss'" in f for f in found), found
