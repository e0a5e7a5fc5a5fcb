"""Intake for `dldrill grade`: what a submission is before it is graded.

Its id (`submission_id`), the safe extraction of a zipped one (`safe_extract`, under
`ZipLimits`), the folder to grade inside it (`locate`), and the hashes that decide whether a
rerun may skip it (`content_hash` of its files, `graders_hash` of what decides the points). A
submission that cannot be graded raises `Refused`, whose `status` is its gradebook row's status.
"""

from __future__ import annotations

import hashlib
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
    """The submission's id: its folder or zip name without the extension, reduced to letters,
    digits, `_`, `-` and `.` (never a hidden or parent name), at most 100 characters."""
    name = source.name
    if name.lower().endswith(".zip"):
        name = name[:-4]
    if name == "exercises" and source.parent.name:
        name = source.parent.name
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
