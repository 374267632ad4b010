"""The reader processes of an ingest: started bare, memory-limited, dying with their parent.

Readers hash, measure and read files (etl/bounds.py, etl/extract.py). Each
runs under a memory limit (RLIMIT_DATA, county.toml [reading]
reader_memory_mb): a file that needs more raises MemoryError in Python
(refused by extract) or kills its reader (an allocation failing in Rust
aborts). A killed reader breaks the pool; the batches not yet done are then
read again, each in a fresh reader, halved until the one file that kills a
reader is found and refused with its name: the rest of the ingest loads. On
Linux a reader is killed when the ingest that started it dies
(PR_SET_PDEATHSIG), so `kill -9` of an ingest leaves no reader running.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
import types
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from itertools import count
from pathlib import Path

from etl import spool
from etl.extract import Context, FileJob, FileReport, extract

PR_SET_PDEATHSIG = 1  # linux/prctl.h
KILLED = (
    "读取时读取进程被终止（超出内存上限 county.toml [reading] reader_memory_mb，"
    "或被系统终止），未读取"
)
_RETRY_INDEX = 1_000_000  # spool batch numbers of batches read again, apart from the first


def start_reader(parent: int, memory_bytes: int) -> None:
    """Pool initializer: die with the parent, and allocate at most `memory_bytes`."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent:  # the parent died before the line above ran
            os._exit(1)
    if memory_bytes:
        try:
            import resource
        except ImportError:  # not on this platform
            return
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


@contextmanager
def _bare_main() -> Iterator[None]:
    # A spawned child re-runs the parent's __main__ file; under Streamlit that is the
    # page script (the app's uploads ingest here), so readers start with a bare
    # __main__. They need nothing from it: their task functions live in etl modules.
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class Readers:
    """n spawned reader processes (spawn, not fork: polars' threads do not survive a fork)."""

    def __init__(self, n: int, memory_bytes: int):
        self.n = n
        self.memory_bytes = memory_bytes
        self.retries = count(_RETRY_INDEX)
        self._executor = self._new(n)

    def _new(self, n: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            n,
            mp_context=mp.get_context("spawn"),
            initializer=start_reader,
            initargs=(os.getpid(), self.memory_bytes),
        )

    def _submit(self, executor: ProcessPoolExecutor, fn: Callable, arg) -> Future:
        with _bare_main():  # processes start on submit
            return executor.submit(fn, arg)

    def map(self, fn: Callable, items: list) -> list:
        """fn over items in the readers, results in order."""
        futures = [self._submit(self._executor, fn, x) for x in items]
        return [f.result() for f in futures]

    def extract(
        self, parts: list[list[FileJob]], ctx: Context, spool_dir: Path
    ) -> Iterator[tuple[list[FileJob], spool.Spooled]]:
        """Each batch of files read and spooled, in order; a file that kills a reader is refused."""
        tasks = [(i, part, ctx, spool_dir) for i, part in enumerate(parts)]
        futures = [self._submit(self._executor, extract_task, t) for t in tasks]
        for i, (task, future) in enumerate(zip(tasks, futures, strict=True)):
            try:
                result = future.result()
            except BrokenProcessPool:
                _let_go(self._executor)
                for index, part, _, _ in tasks[i:]:
                    _drop_spool(spool_dir, index)  # a batch killed while it spooled
                    yield from self._isolated(part, ctx, spool_dir)
                self._executor = self._new(self.n)
                return
            yield task[1], result

    def _isolated(
        self, part: list[FileJob], ctx: Context, spool_dir: Path
    ) -> Iterator[tuple[list[FileJob], spool.Spooled]]:
        """A batch read again in a fresh reader; halved while it kills its reader."""
        index = next(self.retries)
        one = self._new(1)
        try:
            result = self._submit(one, extract_task, (index, part, ctx, spool_dir)).result()
        except BrokenProcessPool:
            result = None
            _let_go(one)
        finally:
            one.shutdown(wait=True, cancel_futures=True)
        if result is not None:
            yield part, result
            return
        _drop_spool(spool_dir, index)
        if len(part) == 1:
            yield part, spool.Spooled([FileReport(part[0].file_id, "refused", KILLED)], {})
            return
        half = len(part) // 2
        yield from self._isolated(part[:half], ctx, spool_dir)
        yield from self._isolated(part[half:], ctx, spool_dir)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def _let_go(executor: ProcessPoolExecutor) -> None:
    """Shut a broken pool down without hanging.

    When a reader dies, CPython's pool terminates the workers it knows and waits for
    its queue's feeder thread; a worker it started while breaking (a submit racing the
    break) keeps the task pipe open, the feeder blocks writing into it, and the wait
    never ends (seen under load: the ingest hung in shutdown). Every worker the pool
    has is killed first, so no process holds the pipe; all tasks were submitted before
    any result is awaited, so none can start after this.
    """
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.kill()
    executor.shutdown(wait=True, cancel_futures=True)


def extract_task(task) -> spool.Spooled:
    index, part, ctx, spool_dir = task
    return spool.write(extract(part, ctx), spool_dir, index)


def _drop_spool(spool_dir: Path, index: int) -> None:
    for f in spool_dir.glob(f"*/{index:06d}.parquet"):
        f.unlink(missing_ok=True)


@contextmanager
def readers(n: int, memory_bytes: int) -> Iterator[Readers]:
    pool = Readers(n, memory_bytes)
    try:
        yield pool
    finally:
        pool._executor.shutdown(wait=False, cancel_futures=True)
