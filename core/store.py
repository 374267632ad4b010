"""The database store: versioned DuckDB files and a pointer to the current one.

DuckDB lets one process write a file or several read it, never both at once.
So the ETL never writes the file readers use: it copies the current version,
loads into the copy, checkpoints and closes it, then moves the pointer
(`CURRENT`, replaced atomically) to it. Readers (the dashboard) open the file
the pointer names, read-only and briefly, so they are never blocked and
never see half a load; a killed ingest leaves only an unfinished copy (or,
killed at the swap, a version newer than CURRENT's and `CURRENT.tmp`), which
the next writer deletes. Old versions are kept a while for readers that
opened them just before a swap, then deleted.

    data/db/CURRENT               "civic-000042.duckdb"
    data/db/civic-000041.duckdb   previous versions (KEEP_VERSIONS in all)
    data/db/civic-000042.duckdb
    data/db/civic-000043.building an ingest in progress (or killed)
    data/db/civic-000043.spool/   its rows on their way from the readers (etl/spool.py)
    data/db/.writer.lock          held by the one ingest allowed at a time
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core import config

POINTER = "CURRENT"
KEEP_VERSIONS = 3
_VERSION = re.compile(r"^civic-(\d{6})\.duckdb$")


class NoDatabase(FileNotFoundError):
    """Nothing has been ingested into this store yet."""


def has_table(con, name: str) -> bool:
    """Does the database on `con` have a table (or view) of this name?"""
    return bool(
        con.sql(
            "select count(*) from information_schema.tables where table_name = $t",
            params={"t": name},
        ).fetchall()[0][0]
    )


def default_store() -> Path:
    return config.db_dir()


def current_path(store: Path | None = None) -> Path:
    """The database file readers should open now."""
    store = store or default_store()
    try:
        name = (store / POINTER).read_text().strip()
    except FileNotFoundError:
        raise NoDatabase(f"{store} 中还没有数据库：请先导入报送文件（civic ingest）") from None
    return store / name


def version_of(path: Path) -> int:
    m = _VERSION.match(path.name)
    return int(m.group(1)) if m else 0


def connect(config: dict | None = None, store: Path | None = None, version: str = ""):
    """A read-only connection to the current version, or to `version` (a database file's
    name in the store, e.g. civic-000041.duckdb); close it soon (or use `reading`)."""
    path = (store or default_store()) / version if version else current_path(store)
    return duckdb.connect(
        str(path),
        read_only=True,
        config={"autoinstall_known_extensions": False, **(config or {})},
    )


@contextmanager
def reading(store: Path | None = None, version: str = "") -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(store=store, version=version)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def writer_lock(store: Path, wait: bool = True) -> Iterator[None]:
    """One ingest at a time per store; a second waits rather than corrupting the first.

    With wait=False, BlockingIOError when another process holds it."""
    store.mkdir(parents=True, exist_ok=True)
    with open(store / ".writer.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


_made_here: dict[Path, str] = {}  # store → the newest version this process made current


def made_here(store: Path) -> str:
    """The name of the newest version this process made current in `store` ('' if none): a
    reader in the process that wrote it can tell its own write from another's."""
    return _made_here.get(store.resolve(), "")


class Building:
    """A new version being built; `publish()` makes it current."""

    def __init__(self, store: Path, base: Path | None):
        self.store = store
        self.base = base
        number = max([version_of(p) for p in store.glob("civic-*.duckdb")] + [0]) + 1
        self.final = store / f"civic-{number:06d}.duckdb"
        self.path = store / f"civic-{number:06d}.building"
        # scratch files of the load (etl/spool.py); gone once published or discarded
        self.spool = store / f"civic-{number:06d}.spool"
        if base is not None:
            shutil.copyfile(base, self.path)

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(
            str(self.path),
            config={
                "autoinstall_known_extensions": False,
                "memory_limit": config.db_memory_limit(),
                "preserve_insertion_order": False,
            },
        )

    def publish(self) -> Path:
        os.replace(self.path, self.final)
        tmp = self.store / f"{POINTER}.tmp"
        with open(tmp, "w") as f:
            f.write(self.final.name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.store / POINTER)
        _fsync_dir(self.store)
        _made_here[self.store.resolve()] = self.final.name
        shutil.rmtree(self.spool, ignore_errors=True)
        _prune(self.store, self.final)
        return self.final

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        Path(str(self.path) + ".wal").unlink(missing_ok=True)
        shutil.rmtree(self.spool, ignore_errors=True)


@contextmanager
def building(store: Path | None = None) -> Iterator[Building]:
    """Hold the writer lock and build a new version from the current one.

    The version becomes current only when the caller calls publish(); on any
    exception, or if the process dies, readers keep the version they had.
    """
    store = store or default_store()
    with writer_lock(store):
        clean_leftovers(store)
        try:
            base = current_path(store)
        except NoDatabase:
            base = None
        b = Building(store, base)
        try:
            yield b
        except BaseException:
            b.discard()
            raise
        if b.path.exists():
            b.discard()


@contextmanager
def new_version(store: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable copy of the current database, made current if the block succeeds.

    For the small writes after an ingest (ranking, adjustments, publishing):
    they go through the same copy-then-swap as an ingest, so readers never wait.
    """
    current_path(store)  # NoDatabase before anything is built
    with building(store) as b:
        con = b.connect()
        try:
            yield con
            con.execute("checkpoint")
        finally:
            con.close()
        b.publish()


def clean_leftovers(store: Path) -> list[Path]:
    """Delete what a killed writer left; call with the writer lock held. Returns what went.

    A kill during an ingest leaves its `.building` copy and `.spool` folder; a
    kill at the swap (between renaming the copy into place and replacing the
    pointer) leaves a version newer than the one CURRENT names, and
    `CURRENT.tmp`. No reader ever opened such a version (readers open only
    what CURRENT names), so it goes; versions up to the current one stay,
    whatever their age, for readers that opened them before a swap.
    """
    gone = [*store.glob("civic-*.building*"), *store.glob("civic-*.spool")]
    gone += [store / f"{POINTER}.tmp"] if (store / f"{POINTER}.tmp").exists() else []
    try:
        current = version_of(current_path(store))
    except NoDatabase:
        current = 0
    gone += [p for p in store.glob("civic-*.duckdb") if version_of(p) > current]
    gone += [
        wal for wal in store.glob("civic-*.duckdb.wal") if version_of(wal.with_suffix("")) > current
    ]
    for p in gone:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return gone


def _prune(store: Path, keep_newest: Path) -> None:
    versions = sorted(store.glob("civic-*.duckdb"), key=version_of)
    for old in versions[:-KEEP_VERSIONS]:
        if old != keep_newest:
            old.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
