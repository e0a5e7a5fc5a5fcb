"""`dldrill grade`: a batch of ch01 submissions into a gradebook — rows, statuses, CSV, feedback,
resume, regrade — and the safety of zip extraction and of the grading processes."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from dldrill.grade import Settings, run_batch
from dldrill.intake import Refused, ZipLimits, safe_extract, submission_id
from dldrill.paths import exercises_root, kit_root, solutions_root
from dldrill.process import Running, run_child

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def _solution(dest: Path) -> Path:
    shutil.copytree(solutions_root() / "ch01", dest / "ch01", ignore=IGNORE)
    return dest


def _zip(path: Path, members: dict[str, bytes], folder: Path | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if folder is not None:
            for f in sorted(folder.rglob("*")):
                zf.write(f, f"{path.stem}/{f.relative_to(folder).as_posix()}")
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _rows(out: Path) -> dict[str, dict]:
    db = sqlite3.connect(out / "gradebook.sqlite")
    db.row_factory = sqlite3.Row
    rows = {r["key"]: dict(r) for r in db.execute("SELECT * FROM submissions")}
    db.close()
    return rows


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One graded batch (ch01, 2 jobs) of good, broken, untouched, zipped and refused inputs."""
    tmp = tmp_path_factory.mktemp("grade")
    inp = tmp / "in"
    inp.mkdir()
    _solution(inp / "alice")
    broken = _solution(inp / "broken")
    (broken / "ch01" / "losses.py").write_text("def cross_entropy(:\n")
    shutil.copytree(exercises_root() / "ch01", inp / "stubs" / "exercises" / "ch01", ignore=IGNORE)
    _zip(inp / "carol.zip", {}, folder=_solution(tmp / "carol_src"))
    _zip(inp / "evil.zip", {"ch01/__init__.py": b"", "../evil": b"pwned"})
    _zip(inp / "bomb.zip", {"ch01/big.bin": b"\0" * (65 * 1024 * 1024)})
    (inp / "garbage.zip").write_bytes(b"this is not a zip")
    (inp / "dup").mkdir()
    (inp / "empty").mkdir()
    os.mkfifo(inp / "pipe")
    _solution(inp / "dup" / "alice")
    sources = [inp / n for n in ("alice", "broken", "stubs", "carol.zip", "evil.zip", "bomb.zip",
                                 "dup/alice", "garbage.zip", "missing", "empty", "pipe")]
    out = tmp / "out"
    stream = io.StringIO()
    settings = Settings(out=out, chapters=["ch01"], jobs=2, lang="en", timeout=300)
    start = time.monotonic()
    outcomes = run_batch(sources, settings, stream=stream)
    return {"tmp": tmp, "inp": inp, "out": out, "sources": sources, "settings": settings,
            "outcomes": outcomes, "stream": stream.getvalue(), "wall": time.monotonic() - start}


def test_rows_and_statuses(batch):
    rows = _rows(batch["out"])
    assert rows["alice"]["status"] == "graded"
    assert rows["alice"]["total_points"] == rows["alice"]["max_points"] > 0
    assert rows["alice"]["path"].endswith("in/alice")
    assert rows["carol"]["status"] == "graded" and rows["carol"]["percent"] == 100
    assert rows["broken"]["status"] == "graded"
    assert 0 < rows["broken"]["total_points"] < rows["broken"]["max_points"]
    assert rows["stubs"]["status"] == "graded" and rows["stubs"]["total_points"] == 0
    assert rows["evil"]["status"] == "rejected: zip member escapes the folder: ../evil"
    assert rows["bomb"]["status"].startswith("rejected: zip member too large: ch01/big.bin")
    assert rows["garbage"]["status"].startswith("unreadable: not a readable zip file")
    assert rows["missing"]["status"] == "unreadable: no such file or folder"
    assert rows["pipe"]["status"] == "unreadable: not a folder, a .zip or an .ipynb file"
    assert rows["empty"]["status"] == "not a submission: no chNN/ folders (or exercises/) found"
    dup = [r for r in rows.values() if r["status"] == "duplicate id"]
    assert len(dup) == 1 and dup[0]["id"] == "alice" and dup[0]["path"].endswith("dup/alice")
    assert not (batch["tmp"] / "evil").exists()
    items = json.loads(rows["alice"]["items"])
    assert set(items) == {"perceptron-activation", "backprop-gd"}
    assert sum(items.values()) == rows["alice"]["total_points"]
    assert json.loads(rows["alice"]["chapters"]) == {"ch01": rows["alice"]["total_points"]}
    for key in ("content_hash", "graders_hash", "kit_version", "duration_s", "graded_at"):
        assert rows["alice"][key]


def test_tests_table(batch):
    db = sqlite3.connect(batch["out"] / "gradebook.sqlite")
    tests = db.execute("SELECT nodeid, chapter, module, item, points, earned, outcome, reason "
                       "FROM tests WHERE submission = 'broken'").fetchall()
    assert tests and all(t[1] == "ch01" for t in tests)
    losses = [t for t in tests if t[2] == "losses"]
    assert losses and all(t[6] == "failed" and t[5] == 0 for t in losses)
    assert all("\n" not in t[7] for t in tests)
    assert db.execute("SELECT COUNT(*) FROM tests WHERE submission = 'evil'").fetchone()[0] == 0


def test_csv_feedback_and_result(batch):
    out = batch["out"]
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert len(rows) == len(batch["sources"])
    alice = next(r for r in rows if r["id"] == "alice" and r["status"] == "graded")
    assert alice["total"] == "80" and alice["ch01"] == "80" and alice["backprop-gd"]
    assert alice["ch01_max"] == "80" and alice["message"] == ""
    evil = next(r for r in rows if r["id"] == "evil")
    assert (evil["status"], evil["message"]) == ("rejected", "zip member escapes the folder: ../evil")
    canvas = list(csv.reader((out / "gradebook_canvas.csv").open()))
    assert canvas[1][0] == "Points Possible" and ["alice", "", "", "alice", "", "80"] in canvas
    result = json.loads((out / "broken" / "result.json").read_text())
    assert result["schema"] == "dldrill.report/1" and result["id"] == "broken"
    fb = (out / "broken" / "feedback.md").read_text()
    assert "# dldrill feedback — broken" in fb and "## Failed checks" in fb and "ch01.losses" in fb
    assert "TODO" in (out / "stubs" / "feedback.md").read_text()
    assert "zip member escapes" in (out / "evil" / "feedback.md").read_text()
    assert not (out / "alice~2").exists()
    lines = batch["stream"].splitlines()
    assert lines[0].startswith("dldrill grade: 11 submissions")
    assert any(line.startswith("[") and "alice 80/80 (" in line for line in lines)
    assert sum(line.startswith("[") for line in lines) == 11


def test_resume_skips_then_regrades_what_changed(batch):
    settings, sources = batch["settings"], batch["sources"]
    before = _rows(batch["out"])
    # The CLI, piped: everything unchanged is skipped, progress is on stderr, exit 1 (refusals).
    cmd = [sys.executable, "-m", "dldrill", "grade", *map(str, sources), "--out", str(batch["out"]),
           "--jobs", "2", "--chapters", "ch01", "--lang", "en"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=kit_root(), timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("(unchanged, skipped)") == 4
    assert _rows(batch["out"])["alice"]["graded_at"] == before["alice"]["graded_at"]
    # Fixed the syntax error: only that one is graded again; --regrade grades again regardless.
    (batch["inp"] / "broken" / "ch01" / "losses.py").write_text(
        (solutions_root() / "ch01" / "losses.py").read_text())
    outcomes = run_batch(sources[:3], settings, stream=io.StringIO())
    assert [o.skipped for o in outcomes] == [True, False, True]
    assert _rows(batch["out"])["broken"]["percent"] == 100
    regraded = run_batch(sources[:1], Settings(**{**settings.__dict__, "regrade": True}),
                         stream=io.StringIO())
    assert not regraded[0].skipped and regraded[0].row["status"] == "graded"


def test_hidden_detail_and_clean_text(batch, tmp_path):
    """A report carrying escape sequences: no control character reaches CSV, markdown or the
    terminal; --hidden-detail reason keeps only the one-line reason."""
    report = json.loads((batch["out"] / "alice" / "result.json").read_text())
    bad = report["tests"][0]
    report["total"]["points"] -= bad["earned"]
    bad.update(outcome="failed", earned=0.0, got="\x1b[2J\x1b[31mred\rhidden", expected="[1, 2]",
               hint="try\x07 again",
               reason="wrong\x1b]0;title\x07 value\nsecond line")
    fake = tmp_path / "report.json"
    fake.write_text(json.dumps(report))
    sub = _solution(tmp_path / "x\x1b[31mevil\u202e")
    for detail in ("full", "reason"):
        out = tmp_path / f"out-{detail}"
        stream = io.StringIO()
        settings = Settings(out=out, chapters=["ch01"], lang="en", hidden_detail=detail,
                            child_cmd=lambda *a: ["cat", str(fake)])
        [o] = run_batch([sub], settings, stream=stream)
        assert o.row["status"] == "graded" and o.job.sid == "x_31mevil"
        texts = [stream.getvalue(), (out / "gradebook.csv").read_text(),
                 (out / o.job.key / "feedback.md").read_text()]
        for text in texts:
            assert not any(ord(c) < 32 and c not in "\n\t" for c in text)
            assert "\u202e" not in text
        fb = texts[2]
        if detail == "full":
            assert "redhidden" in fb and "[1, 2]" in fb and "try again" in fb
        else:
            assert "redhidden" not in fb and "wrong]0;title value second line" in fb


def test_crash_hang_and_bad_output_are_row_statuses(tmp_path):
    sub = _solution(tmp_path / "s")
    cases = {
        "hang": ([sys.executable, "-c", "import subprocess, time; subprocess.Popen(['sleep', '60']);"
                  " time.sleep(60)"], "error: timed out after 1 s"),
        "crash": ([sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"],
                  "error: grading process exited with code 3: boom"),
        "junk": ([sys.executable, "-c", "print('{\"schema\": 1}')"], "error: invalid report"),
    }
    for name, (cmd, status) in cases.items():
        settings = Settings(out=tmp_path / name, chapters=["ch01"], lang="en", timeout=1,
                            child_cmd=lambda *a, cmd=cmd: cmd)
        start = time.monotonic()
        [o] = run_batch([sub], settings, stream=io.StringIO())
        assert o.row["status"].startswith(status), o.row["status"]
        assert time.monotonic() - start < 15


def test_child_output_is_read_bounded(tmp_path):
    res = run_child([sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('x' * 4096)"],
                    timeout=20, cwd=tmp_path, env=dict(os.environ), running=Running(),
                    max_bytes=100_000)
    assert res.overflow and len(res.stdout) <= 100_000


def _refusal(tmp_path: Path, build, limits: ZipLimits) -> str:
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        build(zf)
    dest = tmp_path / "x"
    dest.mkdir()
    with pytest.raises(Refused) as err:
        safe_extract(path, dest, limits)
    return err.value.status


def _special(zf: zipfile.ZipFile, name: str, mode: int, data: bytes = b"") -> None:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    zf.writestr(info, data)


@pytest.mark.parametrize("case, expected", [
    ("absolute", "rejected: zip member escapes the folder: /etc/x"),
    ("dotdot", "rejected: zip member escapes the folder: ch01/../../x"),
    ("backslash", "rejected: zip member escapes the folder: ..\\x"),
    ("symlink", "rejected: symlink in zip: ch01/link"),
    ("device", "rejected: device or special file in zip: ch01/dev"),
    ("fifo", "rejected: device or special file in zip: ch01/fifo"),
    ("members", "rejected: too many zip members (4 > 3)"),
    ("member", "rejected: zip member too large: ch01/a.py (2000 bytes)"),
    ("total", "rejected: total uncompressed size over the cap"),
    ("lies", "rejected: zip"),
])
def test_zip_refusals(tmp_path, case, expected):
    from dldrill import i18n

    i18n.set_lang("en")
    small = ZipLimits(max_members=3, max_member_bytes=1000, max_total_bytes=1500)
    builds = {
        "absolute": lambda zf: zf.writestr("/etc/x", b""),
        "dotdot": lambda zf: zf.writestr("ch01/../../x", b""),
        "backslash": lambda zf: zf.writestr("..\\x", b""),
        "symlink": lambda zf: _special(zf, "ch01/link", stat.S_IFLNK | 0o777, b"/etc/passwd"),
        "device": lambda zf: _special(zf, "ch01/dev", stat.S_IFCHR | 0o666),
        "fifo": lambda zf: _special(zf, "ch01/fifo", stat.S_IFIFO | 0o666),
        "members": lambda zf: [zf.writestr(f"ch01/{i}.py", b"") for i in range(4)],
        "member": lambda zf: zf.writestr("ch01/a.py", b"a" * 2000),
        "total": lambda zf: [zf.writestr(f"ch01/{i}.py", b"a" * 800) for i in range(2)],
        "lies": lambda zf: zf.writestr("ch01/a.py", b"a" * 900),
    }
    if case == "lies":
        # The declared size says 9 bytes; the data holds 900.
        path = tmp_path / "s.zip"
        with zipfile.ZipFile(path, "w") as zf:
            builds[case](zf)
        raw = path.read_bytes().replace((900).to_bytes(4, "little"), (9).to_bytes(4, "little"))
        path.write_bytes(raw)
        dest = tmp_path / "x"
        dest.mkdir()
        with pytest.raises(Refused) as err:
            safe_extract(path, dest, small)
        assert err.value.status.startswith(expected)
        return
    assert _refusal(tmp_path, builds[case], small) == expected
    assert not (tmp_path / "x" / "ch01" / "link").exists()


def test_submission_ids():
    assert submission_id(Path("/a/alice.zip")) == "alice"
    assert submission_id(Path("/a/bob/exercises")) == "bob"
    assert submission_id(Path("/a/..")) == "submission"
    assert submission_id(Path("/a/=cmd|x")) == "_cmd_x"


def test_fork_server_grades_as_a_fresh_process_would(tmp_path):
    """The same rows and per-test outcomes whether grading processes are forked from the fork
    server or started afresh; `-k` selects graders either way."""
    sub = _solution(tmp_path / "s")
    select = "test_perceptron and (step_values or init_creates or predict_one)"
    results = {}
    for forkserver in (True, False):
        settings = Settings(out=tmp_path / f"out{forkserver}", chapters=["ch01"], lang="en",
                            timeout=300, select=select, forkserver=forkserver)
        [o] = run_batch([sub], settings, stream=io.StringIO())
        assert o.row["status"] == "graded", o.row["status"]
        results[forkserver] = sorted((t["nodeid"], t["outcome"], t["points"]) for t in o.tests)
    assert results[True] == results[False]
    assert len(results[True]) == 3 and all(outcome == "passed" for _, outcome, _ in results[True])


def test_fork_server_processes_end_and_a_timeout_kills_the_whole_group(tmp_path):
    from dldrill.forkserver import ForkServer

    server = ForkServer.start(["numpy"])
    try:
        ok = server.spawn(["--version"], cwd=tmp_path, env=dict(os.environ))
        assert ok.wait(timeout=30) == 0 and b"dldrill" in ok.stdout.read()
        # A grading process stopped half-way, as `dldrill grade` does on a timeout.
        slow = server.spawn(["report", "--json", "--submission", str(_solution(tmp_path / "x")),
                             "--chapters", "ch01"], cwd=tmp_path, env=dict(os.environ))
        res_pid = slow.pid
        assert os.getpgid(res_pid) == res_pid  # leads its own session: killpg reaches it all
        os.killpg(res_pid, 9)
        assert slow.wait(timeout=30) == -9
    finally:
        server.close()
    assert server.proc.returncode is not None
