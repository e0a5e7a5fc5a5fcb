"""`dldrill data fetch`: the official files of MNIST, CIFAR-10 and NSMC into the data cache.

Standard library only (urllib). Each file is downloaded into `<name>.part` next to its final
place, resumed with an HTTP Range request when a `.part` is already there, checked against the
size and checksum recorded below, and only then renamed to its final name (so a final name always
means a complete, verified file, which is what `dldrill.data.is_cached` relies on). Mirrors are
tried in order; a file that fails its checksum is discarded and the next mirror tried. Without a
network it fails within the connect timeout (`CONNECT_TIMEOUT`, per mirror) with a message, in
Korean and English, naming the URLs and where to put the files by hand.

CIFAR-10's archive is checked, then only its expected members (the python batches) are extracted,
to fixed paths (the names inside the archive never choose where a file goes; links and anything
else are refused), each checked against its own md5; the archive is then deleted (it holds the
test labels, see `dldrill.data.HELD_OUT`).

Checksums and where they come from:

- MNIST (md5 of the .gz files): torchvision's `torchvision/datasets/mnist.py` (`MNIST.resources`);
  sizes as served by the mirrors;
- CIFAR-10 (md5 of the archive and of each extracted batch): torchvision's
  `torchvision/datasets/cifar.py` (`tgz_md5`, `train_list`, `test_list`, `meta`); archive size
  170498071 bytes as served by www.cs.toronto.edu;
- NSMC: no published checksum exists; the files are verified by their **git blob SHA-1** in the
  e9t/nsmc repository (commit cc0670e, master since 2016; raw.githubusercontent.com serves exactly
  those blobs), i.e. sha1(b"blob <size>\\0" + content), and their sizes (14628807 and 4893335).

Why this file is long: it is one command's whole protocol, each part used only here: the
catalogue of URLs and checksums, resumed downloads through mirrors, and the archive's checked
extraction.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from dldrill import __version__

CONNECT_TIMEOUT = 10.0  # seconds; also the longest wait for the next bytes of a download
RETRIES = 3  # resumed attempts per mirror after a connection that broke mid-file
CHUNK = 1 << 20


@dataclass(frozen=True)
class Download:
    """One file to download: `path` relative to the cache, the `urls` to try in order, its
    `size` in bytes (None: unknown) and `digest` ("md5:<hex>", "sha256:<hex>" or
    "gitsha1:<hex>", the git blob hash; "" for none)."""

    path: str
    urls: tuple[str, ...]
    size: int | None
    digest: str


@dataclass(frozen=True)
class Member:
    """A file extracted from an archive: its `name` inside the archive, where it goes (`path`,
    relative to the cache), and its `digest` and `size` (as for Download)."""

    name: str
    path: str
    digest: str
    size: int | None = None


@dataclass(frozen=True)
class DataSet:
    """A data set the fetch command knows: files to download, and for an archive the members to
    extract from it (`extract` non-empty: each Download is an archive, deleted once extracted)."""

    name: str
    title: str
    home: str
    downloads: tuple[Download, ...]
    extract: tuple[Member, ...] = field(default=())


_MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                  "https://storage.googleapis.com/cvdf-datasets/mnist/")
_MNIST = (("train-images-idx3-ubyte.gz", 9912422, "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
          ("train-labels-idx1-ubyte.gz", 28881, "d53e105ee54ea40749a09fcbcd1e9432"),
          ("t10k-images-idx3-ubyte.gz", 1648877, "9fb629c4189551a2d022fa330f9573f3"),
          ("t10k-labels-idx1-ubyte.gz", 4542, "ec29112dd5afa0611ce80d1b7f02629c"))
_CIFAR_MEMBERS = (("data_batch_1", "c99cafc152244af753f735de768cd75f"),
                  ("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"),
                  ("data_batch_3", "54ebc095f3ab1f0389bbae665268c751"),
                  ("data_batch_4", "634d18415352ddfa80567beed471001a"),
                  ("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"),
                  ("test_batch", "40351d587109b95175f43aff81a1287e"),
                  ("batches.meta", "5ff9c542aee3614f3951f8cda6e48888"))
_NSMC_BASE = "https://raw.githubusercontent.com/e9t/nsmc/master/"

DATASETS: dict[str, DataSet] = {
    "mnist": DataSet(
        "mnist", "MNIST", "http://yann.lecun.com/exdb/mnist/",
        tuple(Download(f"mnist/{f}", tuple(m + f for m in _MNIST_MIRRORS), size, f"md5:{md5}")
              for f, size, md5 in _MNIST)),
    "cifar10": DataSet(
        "cifar10", "CIFAR-10", "https://www.cs.toronto.edu/~kriz/cifar.html",
        (Download("cifar10/cifar-10-python.tar.gz",
                ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
                170498071, "md5:c58f30108f718f92721af3b95e74349a"),),
        tuple(Member(f"cifar-10-batches-py/{b}", f"cifar10/cifar-10-batches-py/{b}", f"md5:{md5}")
              for b, md5 in _CIFAR_MEMBERS)),
    "nsmc": DataSet(
        "nsmc", "NSMC", "https://github.com/e9t/nsmc",
        (Download("nsmc/ratings_train.txt", (_NSMC_BASE + "ratings_train.txt",), 14628807,
                "gitsha1:ac0dba272895dc1d0b3dd5f11afbeaeb7abe7876"),
         Download("nsmc/ratings_test.txt", (_NSMC_BASE + "ratings_test.txt",), 4893335,
                "gitsha1:b6cfcd8cd1557bcd9bf06617b0e429ed73e9a367"))),
}


class FetchError(Exception):
    """A data set could not be fetched. The message is in Korean, then English; `offline` is
    True when no mirror could be reached at all (no network, DNS failure, refused connection)."""

    def __init__(self, ko: str, en: str, offline: bool = False) -> None:
        self.ko, self.en, self.offline = ko, en, offline
        super().__init__(f"{ko}\n{en}")


# ------------------------------------------------------------------------------------ checks

def file_digest(path: Path, algorithm: str) -> str:
    """The hex digest of a file: "md5", "sha256" or "gitsha1" (git's blob hash)."""
    h = hashlib.sha1() if algorithm == "gitsha1" else hashlib.new(algorithm)
    if algorithm == "gitsha1":
        h.update(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def check_file(path: Path, size: int | None, digest: str) -> str:
    """'' when the file at `path` has the `size` and `digest` given, else what differs."""
    actual = path.stat().st_size
    if size is not None and actual != size:
        return f"size {actual} bytes, expected {size}"
    if digest:
        algorithm, _, expected = digest.partition(":")
        got = file_digest(path, algorithm)
        if got != expected.lower():
            return f"{algorithm} {got}, expected {expected}"
    return ""


# ---------------------------------------------------------------------------------- progress

class DownloadProgress:
    """Progress of one download on a stream (stderr): a line rewritten in place on a terminal,
    otherwise a line at the start, at every 25 % and at the end."""

    def __init__(self, label: str, total: int | None, stream: IO[str] | None, done: int = 0) -> None:
        self.label, self.total, self.stream, self.done = label, total, stream, done
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.start, self.last, self.quarter = time.monotonic(), 0.0, -1
        self.resumed = done

    def _line(self) -> str:
        mb = self.done / 1e6
        rate = (self.done - self.resumed) / 1e6 / max(time.monotonic() - self.start, 1e-6)
        if self.total:
            return (f"  {self.label}  {mb:.1f}/{self.total / 1e6:.1f} MB "
                    f"{100 * self.done / self.total:3.0f}%  {rate:.1f} MB/s")
        return f"  {self.label}  {mb:.1f} MB  {rate:.1f} MB/s"

    def update(self, n: int) -> None:
        self.done += n
        if self.stream is None:
            return
        now = time.monotonic()
        if self.tty:
            if now - self.last >= 0.1:
                self.last = now
                self.stream.write("\r" + self._line())
                self.stream.flush()
        elif self.total:
            quarter = 4 * self.done // self.total
            if quarter != self.quarter:
                self.quarter = quarter
                self.stream.write(self._line() + "\n")
                self.stream.flush()

    def end(self, note: str = "") -> None:
        if self.stream is not None:
            tail = f"  {note}" if note else ""
            self.stream.write(("\r" if self.tty else "") + self._line() + tail + "\n")
            self.stream.flush()


def _say(stream: IO[str] | None, text: str) -> None:
    if stream is not None:
        stream.write(text + "\n")
        stream.flush()


# -------------------------------------------------------------------------------- downloading

class _Broken(Exception):
    """A transfer that stopped part-way (the `.part` is kept for a resume)."""


def _is_connect_error(err: BaseException) -> bool:
    reason = getattr(err, "reason", err)
    return isinstance(reason, OSError | socket.timeout) and not isinstance(err, urllib.error.HTTPError)


def _open(url: str, offset: int, timeout: float) -> tuple[object, int]:
    """(response, the offset its body starts at): 0 for a full body, `offset` for a 206."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {url}")
    headers = {"User-Agent": f"dldrill/{__version__} (+python urllib)", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    if offset and response.status == 206:
        content_range = response.headers.get("Content-Range", "")
        if content_range.startswith(f"bytes {offset}-"):
            return response, offset
        response.close()  # a range other than the one asked for: start again
        response = urllib.request.urlopen(urllib.request.Request(
            url, headers={k: v for k, v in headers.items() if k != "Range"}), timeout=timeout)
    if response.status != 200:
        status = response.status
        response.close()
        raise urllib.error.HTTPError(url, status, f"unexpected HTTP status {status}", response.headers, None)
    return response, 0


def _transfer(url: str, part: Path, size: int | None, timeout: float, label: str,
              stream: IO[str] | None) -> None:
    """Appends the rest of `url` to `part` (resuming from its length). Raises _Broken when the
    connection stops part-way, urllib errors when it cannot start."""
    offset = part.stat().st_size if part.exists() else 0
    if size is not None and offset > size:
        part.unlink()
        offset = 0
    if size is not None and offset == size:
        return  # complete already: only the check remains
    try:
        response, start = _open(url, offset, timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # nothing after `offset`: the .part may be complete
            return
        raise
    progress = DownloadProgress(label, size, stream, done=start)
    if start == 0 and offset:
        _say(stream, f"  {label}: resume refused by the server, starting again")
    with response, open(part, "ab" if start else "wb") as out:  # type: ignore[attr-defined]
        try:
            while chunk := response.read(CHUNK):  # type: ignore[attr-defined]
                out.write(chunk)
                progress.update(len(chunk))
                if size is not None and progress.done > size:
                    raise _Broken(f"more than the expected {size} bytes")
        except (OSError, urllib.error.URLError, ConnectionError) as err:  # socket.timeout is OSError
            progress.end("interrupted")
            raise _Broken(str(err)) from err
        except Exception as err:  # http.client.IncompleteRead and the like
            if isinstance(err, _Broken):
                raise
            progress.end("interrupted")
            raise _Broken(f"{type(err).__name__}: {err}") from err
        out.flush()
        os.fsync(out.fileno())
    progress.end()
    if size is not None and part.stat().st_size < size:
        raise _Broken(f"the server sent {part.stat().st_size} of {size} bytes")


def download(item: Download, cache: Path, *, timeout: float = CONNECT_TIMEOUT, retries: int = RETRIES,
             stream: IO[str] | None = None, extra_urls: tuple[str, ...] = ()) -> Path:
    """Downloads `item` into `cache/item.path`: through `<path>.part` (resumed when present),
    checked, then renamed. `extra_urls` are tried before the item's own. Returns the final path;
    raises FetchError naming every URL tried and why it failed."""
    dest = cache / item.path
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures: list[tuple[str, str]] = []
    offline = True
    for url in (*extra_urls, *item.urls):
        attempt, restarted = 0, False
        while True:
            resumed = part.exists() and part.stat().st_size > 0
            try:
                _transfer(url, part, item.size, timeout, item.path, stream)
            except _Broken as err:
                offline = False
                attempt += 1
                if attempt <= retries:
                    _say(stream, f"  {item.path}: {err}; resuming ({attempt}/{retries})")
                    continue
                failures.append((url, f"interrupted {retries + 1} times: {err}"))
                break
            except urllib.error.HTTPError as err:
                offline = False
                failures.append((url, f"HTTP {err.code} {err.reason}"))
                break
            except (urllib.error.URLError, OSError, ValueError) as err:
                failures.append((url, str(getattr(err, "reason", err))))
                offline = offline and _is_connect_error(err)
                break
            problem = check_file(part, item.size, item.digest) if part.exists() else "nothing received"
            if problem:
                offline = False
                part.unlink(missing_ok=True)
                if resumed and not restarted:  # a stale or corrupt .part: once more from scratch
                    restarted = True
                    _say(stream, f"  {item.path}: {problem} after resuming; starting again")
                    continue
                failures.append((url, f"checksum mismatch: {problem}"))
                break
            os.replace(part, dest)
            return dest
    err = _failure(item, dest, failures, offline)
    err.failures, err.download = failures, item  # type: ignore[attr-defined]
    raise err


def _failure(item: Download, dest: Path, failures: list[tuple[str, str]], offline: bool,
             by_hand: tuple[tuple[Download, Path], ...] = ()) -> FetchError:
    """The bilingual message: what failed, each URL tried and why, and which files to put where
    by hand (`by_hand`: every file of the data set; default: this one)."""
    tried = "\n".join(f"    {url}  ->  {why}" for url, why in failures)
    if offline:
        ko = f"{item.path}을(를) 내려받을 수 없습니다: 네트워크에 연결할 수 없습니다."
        en = f"cannot download {item.path}: no network connection."
    else:
        ko, en = f"{item.path}을(를) 내려받을 수 없습니다.", f"cannot download {item.path}."
    files = "\n".join(f"    {' | '.join(r.urls)}\n      -> {d}" for r, d in (by_hand or ((item, dest),)))
    ko += (f"\n{tried}\n  네트워크가 없는 컴퓨터라면 다른 컴퓨터에서 다음 파일을 내려받아 아래 경로에 두고 "
           f"같은 명령을 다시 실행하세요 (크기와 검사값을 확인합니다):\n{files}")
    en += ("\n  On a machine without network, download these files elsewhere, put each at the path "
           "shown and run the same command again (it checks sizes and checksums).")
    return FetchError(ko, en, offline=offline)


# ---------------------------------------------------------------------------------- extraction

def extract_members(archive: Path, members: tuple[Member, ...], cache: Path,
                    stream: IO[str] | None = None) -> list[Path]:
    """Extracts `members` of a .tar.gz archive to their fixed paths under `cache`, each through
    a `.part` checked against its digest. Names inside the archive are only compared, never used
    as paths; a wanted member that is not a regular file, or is missing, raises FetchError; every
    other member (including any with `..` or absolute names) is ignored."""
    wanted = {m.name: m for m in members}
    done: list[Path] = []
    with tarfile.open(archive, "r:gz") as tar:
        for info in tar:
            member = wanted.pop(info.name, None)
            if member is None:
                continue
            if not info.isreg():
                raise FetchError(f"{archive}: {info.name}은(는) 일반 파일이 아닙니다 (링크 등); "
                                 "풀지 않습니다.",
                                 f"{archive}: {info.name} is not a regular file (a link?); not extracted.")
            if member.size is not None and info.size != member.size:
                raise FetchError(f"{archive}: {info.name}의 크기가 {info.size}바이트입니다 "
                                 f"({member.size} 기대).",
                                 f"{archive}: {info.name} is {info.size} bytes, expected {member.size}.")
            dest = cache / member.path
            part = dest.with_name(dest.name + ".part")
            dest.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(info)
            assert source is not None  # a regular file
            with source, open(part, "wb") as out:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
            problem = check_file(part, member.size, member.digest)
            if problem:
                part.unlink()
                raise FetchError(f"{archive}: {info.name}의 검사값이 다릅니다 ({problem}).",
                                 f"{archive}: {info.name} fails its check ({problem}).")
            os.replace(part, dest)
            done.append(dest)
            _say(stream, f"  {member.path}  ok")
    if wanted:
        raise FetchError(f"{archive}에 {', '.join(wanted)}이(가) 없습니다.",
                         f"{archive} lacks {', '.join(wanted)}.")
    return done


# -------------------------------------------------------------------------------- data sets

def _verify_existing(path: Path, size: int | None, digest: str) -> None:
    problem = check_file(path, size, digest)
    if problem:
        raise FetchError(f"{path}이(가) 이미 있지만 검사에 실패했습니다 ({problem}). "
                         "지우고 다시 실행하세요.",
                         f"{path} is there but fails its check ({problem}); delete it and run again.")


def fetch(name: str, cache: Path | None = None, *, datasets: Mapping[str, DataSet] = DATASETS,
          timeout: float = CONNECT_TIMEOUT, retries: int = RETRIES, stream: IO[str] | None = sys.stderr,
          mirror: str | None = None) -> list[Path]:
    """Fetches data set `name` into `cache` (default: `dldrill.paths.data_cache()`), verifying
    every file; files already there are checked, not downloaded again. `mirror` is a base URL
    tried first for every file (`<mirror>/<file name>`, e.g. a class server). Progress goes to
    `stream`. Returns the data set's final files; raises FetchError (bilingual) on failure and
    KeyError for an unknown name."""
    from dldrill.paths import data_cache

    if name not in datasets:
        raise KeyError(f"unknown data set {name!r}; known: {', '.join(datasets)}")
    spec = datasets[name]
    cache = Path(cache) if cache is not None else data_cache()
    (cache / name).mkdir(parents=True, exist_ok=True)
    finals: list[Path] = []
    members_present = bool(spec.extract) and all((cache / m.path).is_file() for m in spec.extract)
    for item in spec.downloads:
        dest = cache / item.path
        if members_present:
            break
        plain = dest.with_suffix("") if dest.suffix == ".gz" and not spec.extract else None
        if dest.is_file():
            _say(stream, f"  {item.path}: already there, checking")
            _verify_existing(dest, item.size, item.digest)
        elif plain is not None and plain.is_file():  # put there by hand, decompressed
            _say(stream, f"  {plain.relative_to(cache)}: already there (decompressed; not checked)")
            finals.append(plain)
            continue
        else:
            extra = (mirror.rstrip("/") + "/" + item.path.rsplit("/", 1)[-1],) if mirror else ()
            try:
                download(item, cache, timeout=timeout, retries=retries, stream=stream, extra_urls=extra)
            except FetchError as err:
                by_hand = tuple((r, cache / r.path) for r in spec.downloads)
                raise _failure(item, dest, err.failures, err.offline, by_hand) from None  # type: ignore[attr-defined]
        if spec.extract:
            finals += extract_members(dest, spec.extract, cache, stream)
            dest.unlink()  # the archive holds the test labels; the checked members replace it
        else:
            finals.append(dest)
    if members_present:
        for member in spec.extract:
            _say(stream, f"  {member.path}: already there, checking")
            _verify_existing(cache / member.path, member.size, member.digest)
            finals.append(cache / member.path)
    return finals


def cache_listing(cache: Path | None = None,
                  datasets: Mapping[str, DataSet] = DATASETS) -> list[dict[str, object]]:
    """One row per data set: name, title, cached (bool, as `dldrill.data.is_cached`), path (its
    folder), bytes (on disk under that folder), partial (`.part` files of interrupted downloads)."""
    from dldrill.data import is_cached
    from dldrill.paths import data_cache

    cache = Path(cache) if cache is not None else data_cache()
    rows: list[dict[str, object]] = []
    for name, spec in datasets.items():
        folder = cache / name
        files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
        rows.append({"name": name, "title": spec.title, "cached": is_cached(name, cache),
                     "path": str(folder), "bytes": sum(p.stat().st_size for p in files),
                     "partial": sum(p.name.endswith(".part") for p in files)})
    return rows
