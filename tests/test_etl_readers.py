"""The ingest's reader processes start whatever the parent's __main__ is.

Under Streamlit the page script is __main__ (the app's uploads are ingested
in its process); a spawned child would re-run it and die, so the readers
must start without it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from core import store as db_store
from core.registry import load_registry
from etl import bounds, ingest
from etl.ingest import ingest as ingest_files

LIMITS = bounds.Limits.of(load_registry().values)
ROOT = Path(__file__).resolve().parents[1]


def test_readers_start_when_main_is_a_script_that_cannot_run_twice(tmp_path):
    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('a page script must not run in a reader process')\n")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    real = sys.modules["__main__"]
    sys.modules["__main__"] = fake
    try:
        with ingest._readers(2, 10 * ingest.MIN_BATCH_FILES, LIMITS) as pool:
            assert pool is not None
            pids = set(pool.map(_pid, range(8)))
        assert sys.modules["__main__"] is fake  # the parent's __main__ is left as it was
    finally:
        sys.modules["__main__"] = real
    assert pids and os.getpid() not in pids


def _pid(_: int) -> int:
    return os.getpid()


# ----------------------------------------------------------------- memory limit, parent death


def _many_files(folder: Path, n: int, rows: int) -> Path:
    from tests.exports import activity, header, write_csv

    codes = [c for c in load_registry().units["code"] if len(c) == 12][:n]
    for i, code in enumerate(codes):
        data = [header("activities")] + [activity(i * 10_000 + r, code) for r in range(rows)]
        write_csv(folder / f"{code}_2026-10_活动台账.csv", data)
    return folder


def _readers_of(pid: int) -> list[int]:
    """Processes started by `pid` through multiprocessing's spawn."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(next(x for x in status.splitlines() if x.startswith("PPid:")).split()[1])
        if ppid == pid and b"spawn_main" in cmd:
            found.append(int(proc.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_readers_die_with_a_killed_ingest(tmp_path):
    """Before: kill -9 of the ingest left its readers running (and writing spool files)."""
    folder = _many_files(tmp_path / "in", 120, 400)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "civic.cli", "ingest", "--db", str(tmp_path / "db"),
         "--workers", "2", str(folder)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    readers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(readers) < 2 and proc.poll() is None:
        readers = _readers_of(proc.pid)
        time.sleep(0.05)
    assert len(readers) == 2, "the ingest never started its readers"
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, not its group
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in readers):
        time.sleep(0.1)
    assert not any(_alive(p) for p in readers)


def test_a_file_that_exhausts_a_readers_memory_is_refused_and_the_rest_loads(tmp_path):
    """A reader under its memory limit: the file that needs more is refused, by name."""
    from tests.test_etl_bounds import _registry_with

    reg = load_registry(_registry_with(tmp_path, file_mb=600, reader_memory_mb=700))
    folder = _many_files(tmp_path / "in", 110, 2)
    # one long line: within every count, but 300 MB of text to decode and split
    hog = folder / "620623101204_2026-10_活动台账_大.csv"
    with open(hog, "wb") as f:
        for _ in range(300):
            f.write(b"x" * 2**20)
    report = ingest_files([folder], tmp_path / "db", reg, workers=2)
    got = {o.display: o for o in report.outcomes}
    assert got[str(hog)].status == "refused"
    assert "内存上限" in got[str(hog)].message
    assert report.count("loaded") == 110
    assert report.rows_accepted == 110 * 2


def test_an_isolated_ingest_of_two_files_reads_them_under_the_readers_limit(tmp_path):
    """The dashboard's uploads (isolated=True): however few the files, they are read in
    reader processes, so a file that would exhaust memory is refused there, by name, and
    the server's own memory never pays; the other file loads."""
    from tests.test_etl_bounds import _registry_with

    reg = load_registry(_registry_with(tmp_path, file_mb=600, reader_memory_mb=700))
    folder = _many_files(tmp_path / "in", 1, 2)
    hog = folder / "620623101204_2026-10_活动台账_大.csv"
    with open(hog, "wb") as f:
        for _ in range(300):
            f.write(b"x" * 2**20)
    report = ingest_files([folder], tmp_path / "db", reg, isolated=True)
    got = {o.display: o for o in report.outcomes}
    assert got[str(hog)].status == "refused"
    assert "内存上限" in got[str(hog)].message
    assert report.count("loaded") == 1
    assert report.rows_accepted == 2


def test_a_reader_killed_mid_batch_loses_nothing(tmp_path, monkeypatch):
    """A reader that dies (the system killed it): its batch is read again, every file loads."""
    from etl import readers

    folder = _many_files(tmp_path / "in", 110, 2)
    killed, isolated = [], []
    submit, isolate = readers.Readers._submit, readers.Readers._isolated

    def kill_while_reading(self, executor, fn, arg):
        future = submit(self, executor, fn, arg)
        if fn is readers.extract_task and not killed:
            time.sleep(0.3)  # the reader has its batch
            victim = next(iter(executor._processes))
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
        return future

    def spy(self, part, ctx, spool_dir):
        isolated.append(len(part))
        yield from isolate(self, part, ctx, spool_dir)

    monkeypatch.setattr(readers.Readers, "_submit", kill_while_reading)
    monkeypatch.setattr(readers.Readers, "_isolated", spy)
    report = ingest_files([folder], tmp_path / "db", load_registry(), workers=2)
    assert killed and isolated  # the pool broke and its batches were read again
    assert report.count("loaded") == 110 and report.rows_accepted == 220
    with db_store.reading(tmp_path / "db") as con:
        n = con.sql("select count(*) from raw_activities").fetchall()[0][0]
    assert n == 220  # each row once: no batch spooled twice
