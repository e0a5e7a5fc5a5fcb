"""Sample submissions that test the graders: mutants, correct alternatives, broken code.

Each sample is a TOML file under `fixtures/submissions/{mutants,alternatives,broken}/`: a set of
edits applied to a copy of `solutions/`, the grader files to run, and what must happen.

    description = "softmax without subtracting the max: overflows for large logits"
    graders = ["graders/ch01/test_activations.py"]
    failed = ["test_softmax_huge_logits_are_stable"]      # exactly these fail; the rest pass
    reason = "overflow"                                   # optional: each failure's reason has it
    pytest_args = ["--call-timeout", "3"]                 # optional

    [[edit]]
    file = "ch01/activations.py"
    old = "shifted = x - np.max(x, axis=axis, keepdims=True)"
    new = "shifted = x"

An edit may instead give `content` (replace the whole file) or `delete = true`; mutants and
alternatives use `old`/`new` only, on the lines they differ in, so that a function added to the
solutions needs no copy in any sample (`tests/test_contributor.py` keeps alternatives so). `old`
must occur exactly once, so a sample that no longer applies to the solutions fails loudly. The
mutants are also the catalogue of common mistakes: `dldrill mistakes [chNN] [-k TEXT]`. `failed = ["*"]`
means every test in `graders`; `also_pass` lists grader files that must still pass in full (bad
code in one module never costs another module's points); `source` names where public code came
from. Mutants and alternatives are graded in-process in forks of a pre-imported runner
(`dldrill.testing.runner`); broken samples, samples with `sandbox = true` and the `parity = true`
ones (one per chapter, graded both ways, with identical records) go through the full sandbox.

`attacks/` holds what a student who has read the kit would try (issue: nothing the child says is
believed): edits applied to a copy of `exercises/` (the untouched stubs) unless the TOML says
`base = "solutions"`, always graded through the full sandbox; every test of its `graders` must
earn nothing, except those named in `may_pass`.
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dldrill.paths import exercises_root, kit_root, solutions_root

KINDS = ("mutants", "alternatives", "broken", "attacks")


@dataclass
class Sample:
    name: str
    kind: str
    path: Path
    description: str
    graders: list[str]
    failed: list[str]
    edits: list[dict]
    reason: str | None = None
    also_pass: list[str] = field(default_factory=list)
    pytest_args: list[str] = field(default_factory=list)
    sandbox: bool = False
    parity: bool = False
    source: str = ""
    base: str = "solutions"
    may_pass: list[str] = field(default_factory=list)
    description_ko: str = ""  # the mistake in Korean, shown to learners under --lang ko

    @property
    def chapters(self) -> set[str]:
        return {Path(e["file"]).parts[0] for e in self.edits} | {
            Path(g).parts[1] for g in self.graders + self.also_pass}


def load_samples(root: Path | None = None) -> list[Sample]:
    root = root or kit_root() / "fixtures" / "submissions"
    samples = []
    for kind in KINDS:
        for path in sorted((root / kind).glob("*.toml")):
            data = tomllib.loads(path.read_text())
            samples.append(Sample(
                name=path.stem, kind=kind, path=path, description=data["description"],
                graders=list(data["graders"]), failed=list(data.get("failed", [])),
                edits=list(data.get("edit", [])), reason=data.get("reason"),
                also_pass=list(data.get("also_pass", [])),
                pytest_args=list(data.get("pytest_args", [])),
                sandbox=kind in ("broken", "attacks") or bool(data.get("sandbox", False)),
                parity=bool(data.get("parity", False)), source=str(data.get("source", "")),
                base=str(data.get("base", "stubs" if kind == "attacks" else "solutions")),
                may_pass=list(data.get("may_pass", [])),
                description_ko=str(data.get("description_ko", "")),
            ))
    return samples


def materialize(sample: Sample, dest: Path) -> Path:
    """A copy of the solutions' (or, with `base = "stubs"`, the exercises') chapters the sample
    touches, with its edits applied."""
    if sample.base not in ("solutions", "stubs"):
        raise ValueError(f"{sample.path.name}: base must be 'solutions' or 'stubs'")
    source = solutions_root() if sample.base == "solutions" else exercises_root()
    dest.mkdir(parents=True, exist_ok=True)
    for chapter in sorted(sample.chapters):
        shutil.copytree(source / chapter, dest / chapter,
                        ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    for edit in sample.edits:
        target = dest / edit["file"]
        if edit.get("delete"):
            target.unlink()
        elif "content" in edit:
            target.write_text(edit["content"])
        else:
            text = target.read_text()
            count = text.count(edit["old"])
            if count != 1:
                raise ValueError(f"{sample.path.name}: `old` occurs {count} times in "
                                 f"{edit['file']} (expected exactly once)")
            target.write_text(text.replace(edit["old"], edit["new"]))
    return dest


def grader_test_id(record: dict) -> str:
    """`test_name[param]`: a record's id inside its grader file."""
    return record["nodeid"].split("::", 1)[1]
