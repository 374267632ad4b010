"""The store under concurrency, with real processes: a killed ingest, a reader during ingests."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import store as db_store
from etl.ingest import ingest

ROOT = Path(__file__).resolve().parents[1]


def _months(inbox: Path, *names: str) -> list[Path]:
    return [inbox / n for n in names]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_ingest_killed_mid_load_leaves_the_database_as_it_was(tmp_path, demo_inbox, registry):
    store = tmp_path / "db"
    ingest(_months(demo_inbox, "2025-01"), store, registry, workers=1)
    before_path = db_store.current_path(store)
    before = _digest(before_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "civic.cli",
            "ingest",
            "--db",
            str(store),
            "--workers",
            "2",
            *map(str, _months(demo_inbox, "2025-02", "2025-03", "2025-04", "2025-05")),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    building = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = list(store.glob("civic-*.building"))
        if found and found[0].stat().st_size > before_path.stat().st_size:
            building = found[0]
            break  # rows are going in: the copy has grown
        time.sleep(0.02)
    assert building is not None, "the ingest never started loading"
    time.sleep(0.5)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the ingest and its reader processes
    proc.wait(timeout=30)
    assert db_store.current_path(store) == before_path
    assert _digest(before_path) == before
    # the next ingest clears the unfinished copy and loads everything
    report = ingest(_months(demo_inbox, "2025-02"), store, registry, workers=1)
    assert not list(store.glob("*.building*"))
    assert report.batch_id == 2
    with db_store.reading(store) as con:
        months = con.sql("select distinct month from source_file order by 1").fetchall()
    assert [str(m) for (m,) in months] == ["2025-01-01", "2025-02-01"]


def test_a_reader_process_is_never_blocked_and_never_sees_half_a_load(
    tmp_path, demo_inbox, registry
):
    store = tmp_path / "db"
    stop = tmp_path / "stop"
    ingest(_months(demo_inbox, "2025-01"), store, registry, workers=1)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.reader_probe", str(store), str(stop)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.0)
        ingest(_months(demo_inbox, "2025-02", "2025-03"), store, registry, workers=1)
        ingest(_months(demo_inbox, "2025-04"), store, registry, workers=1)
        time.sleep(1.0)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    lines = [json.loads(line) for line in out.splitlines()]
    assert reader.returncode == 0, err
    assert len(lines) > 20
    errors = [x for x in lines if "error" in x]
    assert errors == []
    assert all(x["raw_ok"] and x["mart_ok"] for x in lines)
    versions = [x["version"] for x in lines]
    assert versions[0] == "civic-000001.duckdb" and versions[-1] == "civic-000003.duckdb"
    assert versions == sorted(versions)  # the reader only ever moves forward
    # never blocked: the slowest query pass is in line with the typical one, not an ingest long
    passes = sorted(x["seconds"] for x in lines)
    assert passes[-1] < 20 * max(passes[len(passes) // 2], 0.01)


@pytest.mark.parametrize("keep", [db_store.KEEP_VERSIONS])
def test_old_versions_are_pruned(tmp_path, registry, keep):
    from tests.exports import activity, header, write_csv

    store = tmp_path / "db"
    for i in range(keep + 2):
        write_csv(tmp_path / f"in{i}" / f"a{i}.csv", [header("activities"), activity(i + 1)])
        ingest([tmp_path / f"in{i}"], store, registry, workers=1)
    kept = sorted(p.name for p in store.glob("civic-*.duckdb"))
    assert kept == [f"civic-{n:06d}.duckdb" for n in range(3, keep + 3)]
    assert db_store.current_path(store).name == kept[-1]


def test_an_orphan_version_and_pointer_left_at_the_swap_are_cleaned_by_the_next_writer(
    tmp_path, registry
):
    """Before: a kill between renaming the new version into place and replacing CURRENT left
    civic-N.duckdb newer than CURRENT's and CURRENT.tmp, and nothing removed them."""
    import shutil

    from tests.exports import activity, header, write_csv

    store = tmp_path / "db"
    first = write_csv(tmp_path / "in" / "a1.csv", [header("activities"), activity(1)])
    ingest([first], store, registry, workers=1)
    ingest([write_csv(tmp_path / "in2" / "a2.csv", [header("activities"), activity(2)])],
           store, registry, workers=1)  # fmt: skip
    current = db_store.current_path(store)
    older = store / "civic-000001.duckdb"
    before = _digest(current)
    orphan = store / "civic-000003.duckdb"
    shutil.copyfile(current, orphan)  # the copy renamed into place, the pointer never moved
    (store / "CURRENT.tmp").write_text("civic-000003.duckdb\n")
    # the next writer: an ingest with nothing new, which changes no version
    report = ingest([first], store, registry, workers=1)
    assert report.batch_id is None
    assert not orphan.exists() and not (store / "CURRENT.tmp").exists()
    assert older.exists()  # a kept older version a reader may have open stays
    assert db_store.current_path(store) == current and _digest(current) == before
