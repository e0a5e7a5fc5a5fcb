"""The list of exercises, in curriculum order, read in milliseconds (no torch, no numpy, no ast).

An exercise is one `TODO(chNN.module.function)` tag of a generated stub: the function (or
method, `TwoLayerNet.forward`, or named module-level region, `ANSWERS`) a learner writes.

Where the list comes from:

- the answer key's markers (`solutions/chNN/**/*.py`, `# BEGIN SOLUTION`), read with a line scan
  that names the enclosing `def`/`class` exactly as `dldrill.stubgen` does (a test compares the
  two on every solution);
- in a released course (no `solutions/`), the shipped index `dldrill/catalog.txt`, one id a line,
  written by `python -m dldrill.catalog --write` and checked against the markers by a test.

Order: chapters ch01..ch10, the chapter's modules in `dldrill.curriculum` order, then source order.

    find("ch4.conv2d_naive")          -> Exercise(ch04, conv, conv2d_naive, exercises/ch04/conv.py)
    find("ch01.TwoLayerNet.forward")  -> Exercise(ch01, backprop, TwoLayerNet.forward, ...)
    find("ch04.conv2d")               -> ExerciseError: … did you mean ch04.conv.conv2d_naive?
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from dldrill import i18n
from dldrill.curriculum import CHAPTERS

INDEX = Path(__file__).resolve().parent / "catalog.txt"
_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?:[ \t]+(?P<name>[A-Za-z_]\w*))?[ \t]*$")
_END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")
_STUB = re.compile(r"^[ \t]*# STUB:")
_DEF = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+def|def|class)[ \t]+(?P<name>[A-Za-z_]\w*)")
_CHAPTER = re.compile(r"^(?:ch(?:apter)?)?0*(\d{1,3})$", re.IGNORECASE)


class ExerciseError(ValueError):
    """An exercise name that names no exercise; the message (bilingual) suggests the closest."""


@dataclass(frozen=True)
class Exercise:
    """One function to write: `chapter` ch04, `module` conv, `function` conv2d_naive (a method is
    `Class.method`), `path` the learner's file (exercises/ch04/conv.py)."""

    chapter: str
    module: str
    function: str
    path: Path

    @property
    def id(self) -> str:
        """`ch04.conv.conv2d_naive`: the stub's TODO tag, the key of progress and hints."""
        return f"{self.chapter}.{self.module}.{self.function}"

    @property
    def short(self) -> str:
        """`ch04.conv2d_naive`: the short form a learner types."""
        return f"{self.chapter}.{self.function}"

    @property
    def hint_key(self) -> str:
        """`conv.conv2d_naive`: the table's name in dldrill/hints/ch04.toml."""
        return f"{self.module}.{self.function}"

    @property
    def name(self) -> str:
        """The last part of `function`: the def's own name (`forward` for `TwoLayerNet.forward`)."""
        return self.function.rsplit(".", 1)[-1]

    def shown(self, path: Path | None = None) -> str:
        """`path` (default: the learner's file) as the learner types it: relative to the current
        folder when it lies inside it, else absolute."""
        import os

        p = Path(path or self.path)
        try:
            return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return os.path.abspath(p)

    @property
    def test_file(self) -> Path:
        """The visible tests of its module (exercises/ch04/test_conv.py)."""
        return self.path.parent / f"test_{self.module.rsplit('.', 1)[-1]}.py"


def _indent(s: str) -> int:
    return len(s.expandtabs(8))


def _enclosing(lines: list[str], at: int, indent: int) -> str | None:
    """Qualname of the def/class around line `at` (0-based, indented `indent`): the nearest
    preceding def/class indented less, then each one around it (as `stubgen` names it)."""
    names: list[str] = []
    limit = indent
    for j in range(at - 1, -1, -1):
        m = _DEF.match(lines[j])
        if m and _indent(m.group("indent")) < limit:
            names.append(m.group("name"))
            limit = _indent(m.group("indent"))
            if limit == 0:
                break
    return ".".join(reversed(names)) or None


def regions(source: str) -> list[tuple[str, list[str]]]:
    """(function qualname, solution lines) for every `# BEGIN SOLUTION` region of a solution file
    that becomes a TODO (regions holding `# STUB:` lines keep a skeleton, not a TODO)."""
    lines = source.splitlines()
    out: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(lines):
        m = _BEGIN.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        i += 1
        body: list[str] = []
        while i < len(lines) and not _END.match(lines[i]):
            body.append(lines[i])
            i += 1
        i += 1
        if any(_STUB.match(b) for b in body):
            continue
        name = m.group("name") or _enclosing(lines, start, _indent(m.group("indent")))
        if name:
            out.append((name, body))
    return out


def _module_rank(chapter: str, module: str) -> tuple[int, str]:
    mods = CHAPTERS[chapter].modules if chapter in CHAPTERS else ()
    return (mods.index(module), "") if module in mods else (len(mods), module)


def _solution_files(solutions: Path) -> list[tuple[str, str, Path]]:
    """(chapter, module, solution file) in curriculum order."""
    found = []
    for chapter in CHAPTERS:
        folder = solutions / chapter
        if not folder.is_dir():
            continue
        for src in folder.rglob("*.py"):
            rel = src.relative_to(folder)
            if rel.name.startswith("test_") or "__pycache__" in rel.parts:
                continue
            module = ".".join(rel.with_suffix("").parts).removesuffix("__init__").rstrip(".")
            if module:
                found.append((chapter, module, src))
    return sorted(found, key=lambda t: (t[0], _module_rank(t[0], t[1])))


def from_solutions(solutions: Path, exercises: Path) -> list[Exercise]:
    """Every exercise, read from the answer key's markers."""
    out = []
    for chapter, module, src in _solution_files(solutions):
        path = exercises / src.relative_to(solutions)
        for name, _body in regions(src.read_text(encoding="utf-8")):
            out.append(Exercise(chapter, module, name, path))
    return out


def solution_body(ex: Exercise, solutions: Path) -> list[str]:
    """The answer key's lines for `ex` (between its BEGIN and END markers); [] when absent."""
    src = solutions / ex.path.parent.name / ex.path.name
    if not src.is_file():
        return []
    return next((b for n, b in regions(src.read_text(encoding="utf-8")) if n == ex.function), [])


def from_index(exercises: Path, index: Path = INDEX) -> list[Exercise]:
    """Every exercise of the chapters present in `exercises`, read from the shipped index (a
    released course has no solutions/)."""
    out = []
    for line in index.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        chapter, module_file, function = line.split(" ")
        if not (exercises / chapter).is_dir():  # a release of some chapters only
            continue
        module = module_file.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        out.append(Exercise(chapter, module, function, exercises / chapter / module_file))
    return out


def index_text(exs: list[Exercise]) -> str:
    """The index file's text: `chapter file function`, one exercise a line."""
    head = ("# dldrill exercises in curriculum order (chapter, file under exercises/<chapter>/, "
            "function).\n# Generated from solutions/ by `python -m dldrill.catalog --write`; "
            "tests/test_learner_commands.py checks it.\n")
    rows = [f"{e.chapter} {e.module.replace('.', '/')}.py {e.function}" for e in exs]
    return head + "\n".join(rows) + "\n"


def load(root: Path | None = None) -> list[Exercise]:
    """Every exercise of the kit at `root` (default: the kit's repository; DLDRILL_ROOT)."""
    if root is None:
        from dldrill.paths import kit_root

        root = kit_root()
    solutions = root / "solutions"
    if solutions.is_dir():
        return from_solutions(solutions, root / "exercises")
    return from_index(root / "exercises")


def chapter_of(text: str) -> str | None:
    """`ch04` for `ch04`, `ch4`, `CH04`, `4` or `chapter4`; None for anything else (not checked
    against the ten chapters)."""
    m = _CHAPTER.match(text.strip())
    return f"ch{int(m.group(1)):02d}" if m else None


def find(spec: str, exercises: list[Exercise] | None = None) -> Exercise:
    """The exercise a learner means: `ch04.conv2d_naive`, `ch4.conv.conv2d_naive`, `CH04.Conv2d_Naive`,
    `ch01.TwoLayerNet.forward`. Raises ExerciseError (with "did you mean …?") otherwise."""
    exs = load() if exercises is None else exercises
    chapter_part, _, rest = spec.strip().partition(".")
    chapter = chapter_of(chapter_part)
    want = rest.strip().lower()
    if chapter and want:
        mine = [e for e in exs if e.chapter == chapter]
        exact = [e for e in mine if f"{e.module}.{e.function}".lower() == want]
        if exact:
            return exact[0]
        by_function = [e for e in mine if e.function.lower() == want] or [
            e for e in mine if e.name.lower() == want]
        if len(by_function) == 1:
            return by_function[0]
        if len(by_function) > 1:
            choices = ", ".join(e.id for e in by_function)
            raise ExerciseError(i18n.render(i18n.tr(
                f"'{spec}'는 여러 연습문제를 가리킵니다: {choices} — 모듈이나 클래스까지 적어 주세요.",
                f"'{spec}' names several exercises: {choices}; add the module or class.")))
    if chapter is None:  # no chapter: `conv2d_naive` or `conv.conv2d_naive`, when it is unique
        bare = spec.strip().lower()
        hits = [e for e in exs if bare in (e.function.lower(), e.hint_key.lower())]
        if len(hits) == 1:
            return hits[0]
    if chapter_part and chapter not in CHAPTERS and _CHAPTER.match(chapter_part.strip()):
        raise ExerciseError(i18n.render(i18n.tr(
            f"'{spec}': 장은 ch01–ch10입니다 (예: ch04.conv2d_naive).",
            f"'{spec}': the chapters are ch01–ch10 (e.g. ch04.conv2d_naive).")))
    names = {e.short.lower(): e.short for e in exs} | {e.id.lower(): e.short for e in exs}
    norm = f"{chapter}.{rest}" if chapter else spec
    close = difflib.get_close_matches(norm.lower(), list(names), n=6, cutoff=0.5)
    guess = list(dict.fromkeys(names[c] for c in close))[:3]
    if not guess and chapter:
        guess = [e.short for e in exs if e.chapter == chapter and want and want in e.function.lower()][:3]
    tail_ko = f" 혹시 {' / '.join(guess)} 인가요?" if guess else ""
    tail_en = f" Did you mean {' / '.join(guess)}?" if guess else ""
    raise ExerciseError(i18n.render(i18n.tr(
        f"'{spec}'라는 연습문제는 없습니다.{tail_ko} 형식: chNN.함수 또는 chNN.모듈.함수 "
        "(예: ch04.conv2d_naive). 전체 목록: dldrill status --all",
        f"no exercise '{spec}'.{tail_en} Form: chNN.function or chNN.module.function "
        "(e.g. ch04.conv2d_naive). All of them: dldrill status --all")))


def code_span(source: str, ex: Exercise) -> tuple[int, int] | None:
    """(first, last) line, 1-based and inclusive, of the exercise's code in `source`: its def
    (decorators included) found by qualname, or for a module-level region (`ANSWERS`) the
    statement that assigns it or the stub's `raise NotImplementedError("TODO(...)")`. None when
    the source does not parse or holds no such code."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    parts = ex.function.split(".")
    body: list[ast.stmt] = tree.body
    node: ast.stmt | None = None
    for depth, part in enumerate(parts):
        found = None
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
                    stmt.name == part):
                found = stmt
            elif depth == len(parts) - 1 and len(parts) == 1 and isinstance(
                    stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Name) and t.id == part for t in targets):
                    found = stmt
            elif depth == len(parts) - 1 and isinstance(stmt, ast.Raise) and (
                    f"TODO({ex.id})" in (ast.get_source_segment(source, stmt) or "")):
                found = stmt
        if found is None:
            return None
        node = found
        body = getattr(found, "body", [])
    if node is None:
        return None
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return first, node.end_lineno or node.lineno


def main(argv: list[str] | None = None) -> int:
    """`python -m dldrill.catalog [--write]`: print the exercises, or rewrite dldrill/catalog.txt."""
    from dldrill.paths import kit_root

    argv = sys.argv[1:] if argv is None else argv
    root = kit_root()
    exs = from_solutions(root / "solutions", root / "exercises")
    if "--write" in argv:
        INDEX.write_text(index_text(exs), encoding="utf-8")
        print(f"{INDEX}: {len(exs)} exercises")
    else:
        for e in exs:
            print(e.id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
