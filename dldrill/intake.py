"""Intake for `dldrill grade`: what a submission is before it is graded.

Its id (`submission_id`), the safe extraction of a zipped one (`safe_extract`, under
`ZipLimits`), the folder to grade inside it (`locate`), and the hashes that decide whether a
rerun may skip it (`content_hash` of its files, `graders_hash` of what decides the points). A
submission that cannot be graded raises `Refused`, whose `status` is its gradebook row's status.
A notebook, or a folder of them, is turned into such a folder by `open_submission`: the tagged
cells of `notebook_modules` written out as `chNN/<module>.py`.

Why this file is long: every kind of input a batch accepts (folder, zip, notebook) meets the
same checks in one place, so that the grading path after `open_submission` is one for all.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dldrill import __version__, i18n
from dldrill.i18n import Text, clean_text, tr
from dldrill.paths import SubmissionRefused, graders_root, kit_root, resolve_submission, solutions_root
from dldrill.records import one_line

SKIP_DIRS = {"__pycache__", ".git", ".pytest_cache", "__MACOSX"}


@dataclass(frozen=True)
class ZipLimits:
    """Caps for extracting a zipped submission: members, bytes per member, bytes in all."""

    max_members: int = 5000
    max_member_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 256 * 1024 * 1024


class Refused(Exception):
    """A submission that cannot be graded; `status` is its row status (`rejected: ...`)."""

    def __init__(self, code: str, detail: Text | str = ""):
        self.code = code
        self.detail = detail
        super().__init__(self.status)

    @property
    def status(self) -> str:
        detail = one_line(i18n.render(self.detail), 300)
        return f"{self.code}: {detail}" if detail else self.code


def submission_id(source: Path) -> str:
    """The submission's id: its folder, zip or notebook name without the extension (the folder
    above for `exercises` and a chapter's notebook `chNN.ipynb`), reduced to letters,
    digits, `_`, `-` and `.` (never a hidden or parent name), at most 100 characters."""
    name = source.name
    if name.lower().endswith((".zip", ".ipynb")):
        name = name.rsplit(".", 1)[0]
    if (name == "exercises" or re.fullmatch(r"ch\d\d", name)) and source.parent.name:
        name = source.parent.name  # bob/exercises, bob/ch04.ipynb: bob
    sid = re.sub(r"[^\w.\-]+", "_", clean_text(name)).lstrip(".")[:100]
    return sid or "submission"


def _member_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    if info.create_system == 3 and mode:
        if stat.S_ISLNK(mode):
            return "link"
        if stat.S_ISDIR(mode):
            return "dir"
        if not stat.S_ISREG(mode) and stat.S_IFMT(mode):
            return "special"
    return "dir" if info.filename.endswith(("/", "\\")) else "file"


def _member_parts(name: str) -> list[str]:
    """The path parts of a member name; Refused when it would leave the extraction folder."""
    escape = Refused("rejected", tr(f"zip 항목이 폴더 밖을 가리킵니다: {name}",
                                    f"zip member escapes the folder: {name}"))
    if "\x00" in name:
        raise escape
    norm = name.replace("\\", "/")
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm):
        raise escape
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise escape
    return parts


def safe_extract(archive: Path, dest: Path, limits: ZipLimits) -> None:
    """Extracts `archive` into the empty folder `dest`, or raises Refused: path traversal, links,
    device or special members, encrypted members, too many members, a member over the size cap or
    a total over the cap (declared sizes checked first, then the bytes counted while writing)."""
    try:
        if archive.stat().st_size > limits.max_total_bytes:
            raise Refused("rejected", tr("zip 파일이 너무 큽니다", "zip file too large"))
        zf = zipfile.ZipFile(archive)
    except Refused:
        raise
    except (OSError, zipfile.BadZipFile, ValueError) as err:
        raise Refused("unreadable", tr(f"zip 파일을 읽을 수 없습니다 ({err})",
                                       f"not a readable zip file ({err})")) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise Refused("rejected", tr(f"zip 항목이 너무 많습니다 ({len(infos)} > {limits.max_members})",
                                         f"too many zip members ({len(infos)} > {limits.max_members})"))
        declared = 0
        plan = []
        for info in infos:
            parts = _member_parts(info.filename)
            kind = _member_kind(info)
            name = info.filename
            if kind == "link":
                raise Refused("rejected", tr(f"zip 안의 심볼릭 링크: {name}", f"symlink in zip: {name}"))
            if kind == "special":
                raise Refused("rejected", tr(f"zip 안의 특수 파일(장치 등): {name}",
                                             f"device or special file in zip: {name}"))
            if info.flag_bits & 0x1:
                raise Refused("rejected", tr(f"암호화된 zip 항목: {name}", f"encrypted zip member: {name}"))
            if info.file_size > limits.max_member_bytes:
                raise Refused("rejected", tr(f"zip 항목이 너무 큽니다: {name} ({info.file_size} 바이트)",
                                             f"zip member too large: {name} ({info.file_size} bytes)"))
            declared += info.file_size
            if declared > limits.max_total_bytes:
                raise Refused("rejected", tr("압축 해제 크기 합계가 한도를 넘습니다",
                                             "total uncompressed size over the cap"))
            if parts:
                plan.append((info, parts, kind))
        total = 0
        for info, parts, kind in plan:
            target = dest.joinpath(*parts)
            try:
                if kind == "dir":
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
                written = 0
                with os.fdopen(fd, "wb") as out, zf.open(info) as src:
                    while chunk := src.read(65536):
                        written += len(chunk)
                        total += len(chunk)
                        if written > min(info.file_size, limits.max_member_bytes) \
                                or total > limits.max_total_bytes:
                            raise Refused("rejected", tr(
                                f"zip 항목이 선언한 크기보다 큽니다: {info.filename}",
                                f"zip member larger than it declares: {info.filename}"))
                        out.write(chunk)
            except Refused:
                raise
            except FileExistsError:
                raise Refused("rejected", tr(f"zip 항목 이름이 중복됩니다: {info.filename}",
                                             f"duplicate zip member: {info.filename}")) from None
            except (OSError, zipfile.BadZipFile, RuntimeError, EOFError, ValueError) as err:
                raise Refused("rejected", tr(f"zip을 풀 수 없습니다: {err}",
                                             f"zip could not be extracted: {err}")) from None


def locate(root: Path) -> Path:
    """The folder to grade inside `root` (see `resolve_submission`); a single top-level folder
    (as zip tools make) is looked into. Raises Refused with `not a submission`."""
    try:
        return resolve_submission(root)
    except SubmissionRefused as err:
        raise Refused("rejected", clean_text(str(err))) from None
    except ValueError:
        pass
    except OSError as err:
        raise Refused("unreadable", clean_text(str(err))) from None
    try:
        subdirs = [p for p in root.iterdir() if p.name not in SKIP_DIRS and not p.name.startswith(".")]
    except OSError as err:
        raise Refused("unreadable", str(err)) from None
    if len(subdirs) == 1 and subdirs[0].is_dir() and not subdirs[0].is_symlink():
        try:
            return resolve_submission(subdirs[0])
        except SubmissionRefused as err:
            raise Refused("rejected", clean_text(str(err))) from None
        except (ValueError, FileNotFoundError):
            pass
    raise Refused("not a submission", tr("chNN/ 폴더(또는 exercises/)가 없습니다",
                                         "no chNN/ folders (or exercises/) found"))


def content_hash(folder: Path, limit: int) -> str:
    """sha256 of the submission's files: relative names and contents of regular files, link
    targets of links (never followed), caches left out. Refused past `limit` bytes."""
    h = hashlib.sha256()
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            try:
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    h.update(f"L {rel}\0{os.readlink(path)}\0".encode("utf-8", "surrogateescape"))
                    continue
                if not stat.S_ISREG(st.st_mode):
                    h.update(f"S {rel}\0".encode("utf-8", "surrogateescape"))
                    continue
                total += st.st_size
                if total > limit:
                    raise Refused("rejected", tr("제출물 폴더가 너무 큽니다",
                                                 "submission folder too large"))
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as f:
                    h.update(f"F {rel}\0{st.st_size}\0".encode("utf-8", "surrogateescape"))
                    while chunk := f.read(1 << 20):
                        h.update(chunk)
            except OSError as err:
                raise Refused("unreadable", f"{rel}: {err.strerror}") from None
    return h.hexdigest()


def graders_hash(chapters: list[str]) -> str:
    """sha256 of what decides the points: the kit version, the chapters' graders and reference
    solutions, and the kit's own code (`dldrill/`)."""
    h = hashlib.sha256(f"{__version__}\0{','.join(chapters)}\0".encode())
    roots = [graders_root() / c for c in chapters] + [solutions_root() / c for c in chapters]
    roots.append(kit_root() / "dldrill")
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            h.update(f"{path.relative_to(kit_root()).as_posix()}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


# -- notebooks -----------------------------------------------------------------------------------
# A notebook's exercise cells carry the tag `dldrill:ch04/conv.py` in metadata.tags, and the same
# words as their first line (`# dldrill:ch04/conv.py`), so a cell whose tag an editor dropped is
# still found. Only the tagged cells' sources count: outputs, untagged cells and cell ids never do.
NOTEBOOK_TAG = "dldrill:"
_TARGET = re.compile(r"^(ch\d\d)/([a-z_][a-z0-9_]*)\.py$")
_MARKER = re.compile(r"^#\s*dldrill:(\S+)\s*$")


def notebook_target(tag: str) -> str | None:
    """`ch04/conv.py` for the tag `dldrill:ch04/conv.py` when that names an exercise module of the
    curriculum, else None."""
    from dldrill.curriculum import CHAPTERS

    m = _TARGET.match(tag.removeprefix(NOTEBOOK_TAG)) if tag.startswith(NOTEBOOK_TAG) else None
    if not m or m.group(1) not in CHAPTERS or m.group(2) not in CHAPTERS[m.group(1)].modules:
        return None
    return f"{m.group(1)}/{m.group(2)}.py"


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return "".join(value)
    raise ValueError("a cell source is neither text nor a list of lines")


def notebook_cells(path: Path, limits: ZipLimits) -> tuple[list[dict], list[str]]:
    """The cells of the notebook at `path` (format 4, older ones upgraded) and notes on what was
    noticed. Refused: larger than `limits.max_member_bytes`, not JSON, not a notebook, a format
    nbformat cannot upgrade. Read with the stdlib for format 4 (nbformat, about 0.2-0.9 s to
    import, only for older formats)."""
    name = path.name
    try:
        size = os.lstat(path).st_size
        if size > limits.max_member_bytes:
            raise Refused("rejected", tr(f"노트북이 너무 큽니다: {name} ({size} 바이트)",
                                         f"notebook too large: {name} ({size} bytes)"))
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            raw = f.read(limits.max_member_bytes + 1)
    except OSError as err:
        raise Refused("unreadable", f"{name}: {err.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        where = f" (line {err.lineno})" if isinstance(err, json.JSONDecodeError) else ""
        raise Refused("unreadable", tr(f"노트북이 올바른 JSON이 아닙니다: {name}{where}",
                                       f"notebook is not valid JSON: {name}{where}")) from None
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        raise Refused("rejected", tr(f"Jupyter 노트북이 아닙니다: {name}", f"not a Jupyter notebook: {name}"))
    notes: list[str] = []
    version = data["nbformat"]
    if version < 4:
        try:
            import nbformat

            data = nbformat.reads(raw.decode("utf-8-sig"), as_version=4)
        except Exception as err:
            raise Refused("rejected", tr(
                f"노트북 형식 v{version}을 읽을 수 없습니다: {name} "
                f"(Jupyter에서 열어 다시 저장하세요; {err})",
                f"cannot read notebook format v{version}: {name} (open and save it in Jupyter; "
                f"{err})")) from None
        notes.append(_note(f"{name}: 노트북 형식 v{version}을 v4로 바꿔 읽었습니다",
                           f"{name}: nbformat v{version} upgraded to v4"))
    elif version > 4:
        notes.append(_note(f"{name}: 노트북 형식 v{version}을 v4로 읽었습니다",
                           f"{name}: nbformat v{version} read as v4"))
    cells = data.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise Refused("rejected", tr(f"노트북에 셀 목록이 없습니다: {name}",
                                     f"notebook has no cell list: {name}"))
    ids = [c.get("id") for c in cells if c.get("id") is not None]
    if len(ids) != len(set(ids)):
        notes.append(_note(f"{name}: 셀 id가 중복됩니다 (무시함: 셀은 태그로 찾습니다)",
                           f"{name}: duplicate cell ids (ignored: cells are found by their tags)"))
    if size > 1024 * 1024:
        notes.append(_note(f"{name}: {size / 1048576:.1f} MiB, 출력은 읽지 않았습니다",
                           f"{name}: {size / 1048576:.1f} MiB, outputs ignored"))
    return cells, notes


def _note(ko: str, en: str) -> str:
    """An intake note in the grader's language (`dldrill grade --lang`), as it is stored."""
    return i18n.render(tr(ko, en))


def notebook_modules(paths: list[Path], limits: ZipLimits) -> tuple[dict[str, str], list[str]]:
    """`ch04/conv.py` -> source, from the tagged code cells of the notebooks `paths`, and notes.
    A cell is an exercise module's when its tags hold `dldrill:ch04/conv.py` or, tag lost, its
    first line is `# dldrill:ch04/conv.py`. Identical copies of a cell count once; two different
    cells for one module are Refused (which one is the answer is the learner's to say)."""
    found: dict[str, tuple[str, str]] = {}
    notes: list[str] = []
    for path in paths:
        cells, more = notebook_cells(path, limits)
        notes += more
        for i, cell in enumerate(cells, 1):
            if cell.get("cell_type") != "code":
                continue
            try:
                source = _text(cell.get("source", ""))
            except ValueError as err:
                raise Refused("rejected", f"{path.name}: cell {i}: {err}") from None
            meta = cell.get("metadata")
            tags = meta.get("tags") if isinstance(meta, dict) else None
            tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
            targets = {t for t in map(notebook_target, tags) if t}
            first = source.lstrip().split("\n", 1)[0]
            marked = (m := _MARKER.match(first)) and notebook_target(NOTEBOOK_TAG + m.group(1))
            if not targets and marked:
                targets = {t := marked}
                notes.append(_note(f"{path.name}: 셀 {i}에 태그가 없어 첫 줄로 {t}를 찾았습니다",
                                   f"{path.name}: cell {i} has no tag; found {t} by its first line"))
            if len(targets) > 1:
                raise Refused("rejected", tr(
                    f"{path.name}: 셀 {i}에 태그가 여러 개입니다 ({', '.join(sorted(targets))})",
                    f"{path.name}: cell {i} has several tags ({', '.join(sorted(targets))})"))
            for target in targets:
                where = f"{path.name} cell {i}"
                if target in found and found[target][0] != source:
                    raise Refused("rejected", tr(
                        f"서로 다른 두 셀이 {target}입니다 ({found[target][1]}, {where}): 하나만 남기세요",
                        f"two different cells are tagged {target} ({found[target][1]}, {where}): "
                        "keep one"))
                if target in found:
                    notes.append(_note(f"{where}: {found[target][1]}의 복사본 ({target}), 한 번만 셉니다",
                                       f"{where}: a copy of {found[target][1]} ({target}), counted once"))
                found.setdefault(target, (source, where))
    if not found:
        raise Refused("not a submission", tr(
            "`dldrill:chNN/모듈.py` 태그가 붙은 셀이 없습니다 (`dldrill notebook`으로 만든 노트북인가요?)",
            "no cell tagged `dldrill:chNN/module.py` (was the notebook made by `dldrill notebook`?)"))
    from dldrill.curriculum import CHAPTERS

    for chapter in sorted({t.split("/")[0] for t in found}):
        missing = [m for m in CHAPTERS[chapter].modules if f"{chapter}/{m}.py" not in found]
        if missing:
            listed = ", ".join(f"{chapter}/{m}.py" for m in missing)
            notes.append(_note(f"{listed}의 셀이 없습니다 (지워졌거나 태그가 없음: 그 항목은 실패)",
                               f"no cell for {listed} (deleted or untagged: its checks fail)"))
    return {t: s for t, (s, _) in found.items()}, notes


def notebooks_in(root: Path) -> list[Path]:
    """The `.ipynb` files of a submission: `root` itself, the notebooks directly in the folder
    `root`, or (as zip tools make) in its single sub-folder; [] when it holds none."""
    if root.is_file():
        return [root] if root.suffix.lower() == ".ipynb" else []
    try:
        found = sorted(p for p in root.glob("*.ipynb") if p.is_file() and not p.is_symlink())
        if not found:
            subdirs = [p for p in root.iterdir() if p.name not in SKIP_DIRS and not p.name.startswith(".")]
            if len(subdirs) == 1 and subdirs[0].is_dir() and not subdirs[0].is_symlink():
                found = sorted(p for p in subdirs[0].glob("*.ipynb")
                               if p.is_file() and not p.is_symlink())
    except OSError as err:
        raise Refused("unreadable", clean_text(str(err))) from None
    return found


def extract_notebooks(paths: list[Path], dest: Path, limits: ZipLimits) -> list[str]:
    """Writes the exercise modules of the notebooks `paths` into the empty folder `dest` as
    `chNN/<module>.py` (with a `chNN/__init__.py`); returns the notes. Refused as above."""
    modules, notes = notebook_modules(paths, limits)
    for target, source in sorted(modules.items()):
        chapter = dest / target.split("/")[0]
        chapter.mkdir(exist_ok=True)
        (chapter / "__init__.py").touch()
        (chapter / target.split("/")[1]).write_text(source, encoding="utf-8")
    return notes


def open_submission(src: Path, tmp: Path, limits: ZipLimits) -> tuple[Path, list[str]]:
    """The folder to grade for the input `src` — a folder, a `.zip` (extracted into `tmp`), a
    notebook or a folder of notebooks (their tagged cells extracted into `tmp`) — and notes on
    what was noticed on the way. Raises Refused."""
    if not (src.exists() or src.is_symlink()):
        raise Refused("unreadable", tr("파일이나 폴더가 없습니다", "no such file or folder"))
    if src.is_file() and src.suffix.lower() == ".zip":
        root = tmp / "submission"
        root.mkdir()
        safe_extract(src, root, limits)
    elif src.is_dir() or (src.is_file() and src.suffix.lower() == ".ipynb" and not src.is_symlink()):
        root = src
    else:
        raise Refused("unreadable", tr("폴더, .zip 또는 .ipynb 파일이 아닙니다",
                                       "not a folder, a .zip or an .ipynb file"))
    if root.is_dir():
        try:
            return locate(root), []
        except Refused as err:
            if err.code != "not a submission" or not notebooks_in(root):
                raise
    notebooks = notebooks_in(root)
    cells = tmp / "notebook"
    cells.mkdir()
    return cells, extract_notebooks(notebooks, cells, limits)
