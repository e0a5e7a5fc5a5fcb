"""What the graders say about untouched stubs, known without running them.

A chapter whose exercise files are all still byte-identical to their generated stubs (the header
hash, `dldrill.stubgen.is_untouched_stub`, and the same stub as this kit's) can only end as TODO:
`dldrill report` then writes its records from this manifest instead of starting pytest, torch or
TensorFlow for it. A chapter with any touched file (or an extra one) runs for real, as does one
whose graders changed since the manifest was written (each grader file's hash is kept).

The manifest, `dldrill/stub_manifest.json`, holds per chapter the stub hashes and grader-file
hashes, and per grader test its nodeid, module, checklist item, points, framework, whether it calls
the submission, what it needs (`@needs`) and its outcome and reason on the stubs. Written by

    python -m dldrill.stub_manifest --write     # collects the graders, runs changed chapters'
                                                # graders on the stubs (--all: every chapter)

and checked by tests/test_report_speed.py (the graders' collected tests and the stubs' TODO tags).
What depends on this machine (a data set, a package, a GPU) is decided when the report runs, as
the plugin decides it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from dldrill.curriculum import CHAPTERS
from dldrill.stubgen import HEADER, is_untouched_stub

MANIFEST = Path(__file__).resolve().parent / "stub_manifest.json"
_EXTRA = {"tensorflow": "tf", "transformers": "hf"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def grader_hashes(graders: Path, chapter: str) -> dict[str, str]:
    """file name -> content hash of every Python file in the chapter's graders folder."""
    return {p.name: _sha(p) for p in sorted((graders / chapter).glob("*.py"))}


def stub_hashes(folder: Path) -> dict[str, str] | None:
    """relative path -> stub hash of every exercise file in a chapter folder (visible tests and
    caches aside), or None when one is touched or something else is there (a data file, an
    artifact: anything but the folder's README files)."""
    out: dict[str, str] = {}
    if not folder.is_dir():
        return None
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if name.startswith("test_") and name.endswith(".py"):
                continue
            if not name.endswith(".py"):
                if name == "README.md":
                    continue
                return None
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None
            m = HEADER.match(text)
            if not m or not is_untouched_stub(text):
                return None
            out[rel] = m.group("hash")
    return out


def load(path: Path = MANIFEST) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def untouched_chapters(submission: Path, chapters: list[str], graders: Path,
                       manifest: dict | None) -> list[str]:
    """Those of `chapters` that the manifest answers for: every exercise file an untouched stub,
    the same stubs and the same graders as when the manifest was written, every TODO a test hit
    in an untouched chapter, and no outcome that depends on something this machine now has."""
    if not manifest:
        return []
    out = []
    for c in chapters:
        entry = manifest.get("chapters", {}).get(c)
        if not entry or stub_hashes(submission / c) != entry["stubs"]:
            continue
        if grader_hashes(graders, c) != entry["graders"]:
            continue
        out.append(c)
    answered = []
    for c in out:
        tests = manifest["chapters"][c]["tests"]
        reached = {t["todo_chapter"] for t in tests if t.get("todo_chapter")}
        if reached <= set(out) and all(_known(t) for t in tests):
            answered.append(c)
    return answered


def _cuda_present() -> bool:
    from dldrill import devices

    choice = devices.requested_device()
    if choice != "auto":
        return choice == "cuda"
    return any(Path("/dev").glob("nvidia[0-9]*"))


def _missing(resource: str) -> str:
    """Why `resource` (`data:mnist`, `cuda`, `pkg:onnx`) is not here, as the plugin says it;
    '' when it is."""
    if resource == "cuda":
        return "" if _cuda_present() else "no CUDA GPU (use --device cuda on one)"
    if resource.startswith("pkg:"):
        name = resource.removeprefix("pkg:")
        return "" if importlib.util.find_spec(name) is not None else f"{name} is not installed"
    if resource.startswith("data:"):
        from dldrill.data import is_cached

        name = resource.removeprefix("data:")
        return "" if is_cached(name) else f"the {name} data set is not cached"
    return ""


def _known(test: dict) -> bool:
    """Whether the stubs' outcome holds here: a test skipped for lack of something this machine
    now has would run, and its outcome is not in the manifest."""
    need = test.get("needs")
    return not (test["outcome"] == "skipped" and need and not _missing(need["resource"]))


def records(manifest: dict, chapter: str) -> list[dict]:
    """The records the chapter's graders would give on its untouched stubs here (as the plugin
    writes them: `dldrill.records.TestRecord` fields and `earned`)."""
    from dldrill.records import TestRecord

    out = []
    for t in manifest["chapters"][chapter]["tests"]:
        outcome, reason = t["outcome"], t["reason"]
        need = t.get("needs")
        why = _missing(need["resource"]) if need else ""
        if why:
            command = need.get("command", "")
            outcome = "skipped"
            reason = f"not verifiable here: {why}" + (f" (run: {command})" if command else "")
        elif t.get("student") and t["framework"] in _EXTRA and (
                importlib.util.find_spec(t["framework"]) is None):
            outcome = "skipped"
            reason = (f"not verifiable here: {t['framework']} is not installed "
                      f"(run: pip install -c constraints.txt -e '.[{_EXTRA[t['framework']]}]')")
        record = TestRecord(nodeid=t["nodeid"], chapter=chapter, module=t["module"], kind="grader",
                            item=t["item"], points=t["points"], outcome=outcome,
                            reason=reason).as_dict()
        record["earned"] = 0.0
        out.append(record)
    return out


# -- writing the manifest ------------------------------------------------------------------------
class _Collect:
    """A pytest plugin that keeps each grader test's declaration after dldrill's own hook."""

    def __init__(self) -> None:
        self.tests: list[dict] = []

    def pytest_collection_modifyitems(self, items: list) -> None:
        from dldrill.plugin import _KEY_META

        for item in items:
            meta = item.stash.get(_KEY_META, {})
            if meta.get("kind") != "grader":
                continue
            chapter = CHAPTERS[meta["chapter"]]
            need = item.get_closest_marker("needs")
            self.tests.append({
                "nodeid": item.nodeid, "chapter": meta["chapter"], "module": meta["module"],
                "item": meta["item"], "points": meta["points"],
                "framework": meta.get("framework") or chapter.framework_for(meta["module"]),
                "student": "student" in getattr(item, "fixturenames", ()),
                "needs": ({"resource": need.kwargs.get("resource", ""),
                           "command": need.kwargs.get("command", "")} if need else None),
            })


def collect(root: Path, chapters: list[str]) -> list[dict]:
    """Every grader test's declaration (no submission code runs: collection only)."""
    import pytest

    plugin = _Collect()
    args = [str(root / "graders" / c) for c in chapters] + [
        "--collect-only", "-c", str(root / "pyproject.toml"), "--rootdir", str(root),
        "-p", "no:terminal", "-p", "no:cacheprovider", "--inprocess"]
    code = pytest.main(args, plugins=[plugin])
    if code not in (0, 5):
        raise SystemExit(f"collecting the graders failed (pytest exit code {code})")
    return plugin.tests


def build(root: Path, old: dict | None = None) -> dict:
    """Collects the graders and runs them on the kit's stubs (sandboxed): the manifest. A
    chapter whose stubs and graders are those of `old` keeps its entry (only changed chapters
    run)."""
    import subprocess
    import tempfile

    from dldrill.errors import todo_tag

    chapters = [c for c in CHAPTERS if (root / "graders" / c).is_dir()]
    tests = collect(root, chapters)
    manifest: dict[str, Any] = {"chapters": {}}
    changed = []
    for c in chapters:
        entry = (old or {}).get("chapters", {}).get(c)
        same = entry and entry["stubs"] == stub_hashes(root / "exercises" / c) and (
            entry["graders"] == grader_hashes(root / "graders", c))
        if same:
            manifest["chapters"][c] = entry
        else:
            changed.append(c)
    ran: dict[str, dict] = {}
    if changed:
        out = Path(tempfile.mkdtemp(prefix="dldrill-manifest-")) / "r.json"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        *[f"graders/{c}" for c in changed], "--submission", "exercises",
                        "--results-json", str(out)], cwd=root, capture_output=True, check=False)
        ran = {r["nodeid"]: r for r in json.loads(out.read_text())["tests"]}
    for c in changed:
        stubs = stub_hashes(root / "exercises" / c)
        if stubs is None:
            raise SystemExit(f"exercises/{c} is not all untouched stubs: run dldrill sync first")
        rows = []
        for t in (t for t in tests if t["chapter"] == c):
            r = ran[t["nodeid"]]
            tag = todo_tag(r["reason"] or "") if r["outcome"] == "todo" else None
            rows.append({**{k: v for k, v in t.items() if k != "chapter"},
                         "outcome": r["outcome"], "reason": r["reason"],
                         "todo_chapter": tag.split(".")[0] if tag else None})
        manifest["chapters"][c] = {"stubs": stubs, "graders": grader_hashes(root / "graders", c),
                                   "tests": rows}
    return manifest


def main(argv: list[str] | None = None) -> int:
    import argparse

    from dldrill.paths import kit_root

    parser = argparse.ArgumentParser(description="write dldrill/stub_manifest.json")
    parser.add_argument("--write", action="store_true", help="write the manifest (else print it)")
    parser.add_argument("--all", action="store_true",
                        help="run every chapter's graders on the stubs (default: changed ones)")
    args = parser.parse_args(argv)
    manifest = build(kit_root(), None if args.all else load())
    text = json.dumps(manifest, ensure_ascii=False, indent=0, sort_keys=True) + "\n"
    if args.write:
        MANIFEST.write_text(text, encoding="utf-8")
        print(f"wrote {MANIFEST}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
