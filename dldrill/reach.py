"""Which visible tests (or graders) reach an exercise, and the pytest arguments that run them.

A test *reaches* an exercise when its code names the exercise's function, or its class for a
method: read from the test file's syntax tree (names, attributes, arguments, string constants
such as "ch06.attention:scaled_dot_product_attention"), following the file's helper functions,
fixtures and module-level constants that the test uses. Nothing is imported or run: `dldrill
next` calls this and stays fast.
"""

from __future__ import annotations

from pathlib import Path

from dldrill.catalog import Exercise


def names_used_by_tests(test_file: Path) -> dict[str, set[str]]:
    """test function name -> the names its code uses (its own, and those of the test file's
    helper functions it calls, followed through helpers of helpers). {} when unreadable."""
    import ast

    try:
        tree = ast.parse(test_file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}

    def used(node: ast.AST) -> set[str]:
        out: set[str] = set()
        for n in ast.walk(node):
            if isinstance(n, (ast.Name, ast.arg)):  # an argument: a fixture of the file, maybe
                out.add(n.id if isinstance(n, ast.Name) else n.arg)
            elif isinstance(n, ast.Attribute):
                out.add(n.attr)
            elif isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) < 80:
                out.update(w for w in n.value.replace(":", ".").split(".") if w.isidentifier())
            elif isinstance(n, ast.alias):
                out.add((n.asname or n.name).split(".")[-1])
                out.add(n.name.split(".")[-1])
        return out

    helpers: dict[str, set[str]] = {}
    tests: dict[str, set[str]] = {}
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        defs += [n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for d in defs:
        (tests if d.name.startswith("test") else helpers)[d.name] = used(d)
    for stmt in tree.body:  # module-level constants (`CASES = ["relu", ...]`) count as helpers
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                if isinstance(target, ast.Name):
                    helpers[target.id] = used(stmt.value)
    aliases: dict[str, str] = {}  # `from ch04.conv import conv2d_naive as conv`
    for n in ast.walk(tree):
        if isinstance(n, ast.alias) and n.asname:
            aliases[n.asname] = n.name.split(".")[-1]
    for name, names in tests.items():
        seen: set[str] = set()
        todo = [h for h in names if h in helpers]
        while todo:
            h = todo.pop()
            if h in seen:
                continue
            seen.add(h)
            names |= helpers[h]
            todo += [x for x in helpers[h] if x in helpers and x not in seen]
        names |= {aliases[a] for a in list(names) if a in aliases}
        tests[name] = names
    return tests


def reaching_tests(ex: Exercise, exercises: Path | None = None) -> list[str]:
    """The visible tests that reach `ex` (their code, or a helper of their file that they call,
    names its function, or its class for a method), in file order; every test of its file when
    none names it. [] when the test file is missing."""
    test_file = ex.test_file if exercises is None else exercises / ex.chapter / ex.test_file.name
    tests = names_used_by_tests(test_file)
    wanted = ex.function.split(".")[0]
    return [t for t, names in tests.items() if wanted in names] or list(tests)


def pytest_args(ex: Exercise, exercises: Path | None = None) -> list[str]:
    """pytest arguments that run exactly the visible tests reaching `ex`:
    ["exercises/ch04/test_conv.py", "-k", "test_a or test_b"] (no -k when all of the file's do)."""
    test_file = ex.test_file if exercises is None else exercises / ex.chapter / ex.test_file.name
    reaching = reaching_tests(ex, exercises)
    every = list(names_used_by_tests(test_file))
    args = [str(test_file)]
    if reaching and reaching != every:
        # -k matches substrings of a test's name and of its parents' (file, folder): where a
        # name would also pick another test, name the tests by node id instead.
        others = [t.lower() for t in every if t not in reaching]
        others += [test_file.name.lower(), ex.chapter, test_file.parent.parent.name.lower()]
        if any(r.lower() in o for r in reaching for o in others):
            return [f"{test_file}::{r}" for r in reaching]
        args += ["-k", " or ".join(reaching)]
    return args
