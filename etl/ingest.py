"""`civic ingest`: load export files into a new database version, then swap it in.

discover files -> skip those already loaded (SHA-256) -> extract in worker
processes, which spool their rows as Parquet -> load everything in one
transaction -> registry tables -> models (staging -> facts -> marts) and
their checks -> publish the version
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from core import store as db_store
from core.registry import Registry, load_registry, short_name
from etl import bounds, models, receipt, reference, spool
from etl.extract import Context, FileJob
from etl.load import load
from etl.privacy import load_secret
from etl.readers import Readers, extract_task, readers
from etl.receipt import Receipt
from etl.schema import create_all
from etl.sources import Skipped, SourceRef, discover

# Files per worker task and per transaction. Validation has a fixed cost per
# call (about 0.4 ms per file at 400 files, 0.03 ms at 2,000) and so has a
# commit, so batches are as large as keeps every worker busy to the end.
MAX_BATCH_FILES = 2000
MIN_BATCH_FILES = 50
TASKS_PER_WORKER = 4


def batch_size(n_files: int, workers: int) -> int:
    per_task = -(-n_files // (TASKS_PER_WORKER * max(1, workers)))
    return max(MIN_BATCH_FILES, min(MAX_BATCH_FILES, per_task))


@dataclass
class Outcome:
    """What happened to one given file, for the summary."""

    display: str
    status: str  # loaded | seen | unreadable | skipped | duplicate | refused (etl/bounds.py)
    message: str = ""
    file_id: int | None = None
    sheets: list = field(default_factory=list)
    rows_accepted: int = 0
    rows_quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    # accepted rows the models set aside afterwards (checks across rows and files:
    # duplicates, implausible values, overdrawn redemptions), by reason
    set_aside_by_reason: dict[str, int] = field(default_factory=dict)
    unit_code: str | None = None
    month: str | None = None
    name: str = ""  # base name, as sent
    received_at: datetime | None = None  # when the office received it (etl/receipt.py)
    file_modified_at: datetime | None = None  # the file's own date: information only
    # versions of the same unit, month and sheet: those this file replaced, and those
    # received later that stay current (this file then changed nothing now)
    replaced: list[receipt.Version] = field(default_factory=list)
    kept: list[receipt.Version] = field(default_factory=list)


@dataclass
class IngestReport:
    outcomes: list[Outcome]
    batch_id: int | None  # None: nothing new, the database did not change
    database: Path | None
    seconds: float
    check_failures: list[str] = field(default_factory=list)
    # rows the ledger rules rejected in the whole database (every file, not only this run's)
    rule_rejections: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step, for bench/
    receipt: Receipt | None = None  # how the files were dated

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def rows_accepted(self) -> int:
        return sum(o.rows_accepted for o in self.outcomes)

    @property
    def rows_quarantined(self) -> int:
        return sum(o.rows_quarantined for o in self.outcomes)

    @property
    def rows_set_aside(self) -> int:
        """Rows of this ingest's files accepted when read, then set aside by the models."""
        return sum(sum(o.set_aside_by_reason.values()) for o in self.outcomes)


def make_context(reg: Registry) -> Context:
    submitters = dict(zip(reg.units["code"], reg.units["name"], strict=True)) | {
        c: n for c, n in zip(reg.teams["code"], reg.teams["name"], strict=True) if "-DW" in c
    }
    shorts = {
        short_name(name): code
        for code, name in zip(reg.units["code"], reg.units["name"], strict=True)
        if short_name(name) != name
    }
    return Context(
        sorted(reg.all_codes()), submitters, shorts, load_secret(), reg.values.reading_sheet_rows
    )


def ingest(
    paths: list[Path],
    store: Path | None = None,
    registry: Registry | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    names: dict[Path, str] | None = None,
    budget_mb: int | None = None,
    received: Receipt | None = None,
    isolated: bool = False,
) -> IngestReport:
    """Load every new export file under `paths`; publish a new version if anything changed.

    `names`: the names files were sent with, for files kept under generated names.
    `budget_mb`: what decompression may produce in this run (else county.toml's).
    `received`: when the office received the files (default: now, when the run starts).
    `isolated`: read in reader processes (under their memory limit) however few the
    files: for a server reading what was sent to it, whose own memory must not pay.
    """
    t0 = time.perf_counter()
    clock = Clock()
    received = (received or Receipt.at_run()).started(datetime.now())
    reg = registry or load_registry()
    ctx = make_context(reg)
    limits = bounds.Limits.of(reg.values, budget_mb)
    store = store or db_store.default_store()
    found = [
        replace(f, received_at=received.received_at(f.file_modified_at))
        if isinstance(f, SourceRef)
        else f
        for f in discover(paths, names)
    ]
    n = workers if workers is not None else min(2, os.cpu_count() or 1)
    with db_store.building(store) as b, _readers(n, len(found), limits, isolated) as pool:
        con = b.connect()
        try:
            create_all(con)
            seen = {
                (sha, name): rest
                for sha, name, *rest in con.sql(
                    "select sha256, file_name, source_path, received_at, unit_code,"
                    " strftime(month, '%Y-%m') from source_file"
                ).fetchall()
            }
            next_id = con.sql("select coalesce(max(file_id), 0) + 1 from source_file").fetchall()[
                0
            ][0]
            batch_id = con.sql(
                "select coalesce(max(batch_id), 0) + 1 from import_batch"
            ).fetchall()[0][0]
            jobs, outcomes = _plan(found, _digests(found, pool, limits), seen, next_id)
            jobs = _within_budget(jobs, outcomes, limits)
            clock.lap("plan")
            if not jobs:
                con.close()
                return IngestReport(
                    outcomes, None, None, time.perf_counter() - t0, receipt=received
                )
            started = datetime.now().replace(microsecond=0)
            by_display = {o.display: o for o in outcomes}
            reports = []
            done = 0
            for part, spooled in _extracted(jobs, ctx, pool, n, b.spool):
                _record(spooled, part, by_display)
                reports.extend(spooled.files)
                done += len(part)
                if on_progress:
                    on_progress(done, len(jobs))
            if pool:
                pool.close()  # idle readers would hold their memory through the models
            clock.lap("extract")
            load(con, batch_id, jobs, reports, b.spool, started)
            clock.lap("load")
            reference.write(con, reg)
            rejections, failures = models.build(con, clock)
            clock.lap("checks")
            _record_set_aside(con, batch_id, outcomes)
            _record_versions(con, batch_id, outcomes)
            con.execute(
                "insert into import_batch (batch_id, started_at, finished_at, inputs, files_new,"
                " files_seen, rows_accepted, rows_quarantined, receipt)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    batch_id,
                    started,
                    datetime.now().replace(microsecond=0),
                    "; ".join(str(p) for p in paths),
                    len(jobs),
                    sum(1 for o in outcomes if o.status == "seen"),
                    sum(o.rows_accepted for o in outcomes),
                    sum(o.rows_quarantined for o in outcomes),
                    received.mode,
                ],
            )
            con.execute("checkpoint")
        finally:
            con.close()
        final = b.publish()
        clock.lap("checkpoint and publish")
    return IngestReport(
        outcomes,
        batch_id,
        final,
        time.perf_counter() - t0,
        failures,
        rejections,
        clock.laps,
        received,
    )


class Clock:
    """Seconds spent per named step, summed over repeats."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._t
        self._t = now


@contextmanager
def _readers(
    n: int, n_found: int, limits: bounds.Limits, isolated: bool = False
) -> Iterator[Readers | None]:
    """Reader processes (etl/readers.py), when there are enough files to pay for starting
    them, or always when `isolated` (at least one)."""
    if isolated:
        with readers(max(1, min(n, n_found)), limits.reader_memory_bytes) as pool:
            yield pool
        return
    if n <= 1 or n_found < 2 * MIN_BATCH_FILES:
        yield None
        return
    with readers(n, limits.reader_memory_bytes) as pool:
        yield pool


def _digests(
    found: list[SourceRef | Skipped], pool: Readers | None, limits: bounds.Limits
) -> list[bounds.Measured | bounds.Refused | str]:
    """Every file found measured (etl/bounds.py), or why it cannot be read; in the readers."""
    refs = [ref for ref in found if isinstance(ref, SourceRef)]
    chunks = [(refs[i : i + MAX_BATCH_FILES], limits) for i in range(0, len(refs), MAX_BATCH_FILES)]
    results = pool.map(_digest_task, chunks) if pool else map(_digest_task, chunks)
    return [d for chunk in results for d in chunk]


def _digest_task(task) -> list[bounds.Measured | bounds.Refused | str]:
    refs, limits = task
    out: list[bounds.Measured | bounds.Refused | str] = []
    for ref in refs:
        try:
            out.append(bounds.measure(ref, limits))
        except OSError as e:
            out.append(f"文件无法读取（{e.strerror or e}）")
    return out


def _plan(
    found: list[SourceRef | Skipped],
    digests: list[bounds.Measured | bounds.Refused | str],
    seen: dict[tuple[str, str], list],
    first_id: int,
) -> tuple[list[FileJob], list[Outcome]]:
    """New files to load, in received order, and an outcome for everything given.

    digests: one per SourceRef in `found`, in order (see _digests).
    """
    outcomes: list[Outcome] = []
    fresh: list[tuple[SourceRef, str, int]] = []
    expanded: dict[str, int] = {}
    this_batch: dict[tuple[str, str], str] = {}
    digest_of = iter(digests)
    for ref in found:
        if isinstance(ref, Skipped):
            outcomes.append(Outcome(ref.display, "skipped", ref.reason))
            continue
        got = next(digest_of)
        dated = {
            "name": ref.name,
            "received_at": ref.received_at,
            "file_modified_at": ref.file_modified_at,
        }
        if isinstance(got, str):
            outcomes.append(Outcome(ref.display, "unreadable", got, **dated))
            continue
        if isinstance(got, bounds.Refused):
            outcomes.append(Outcome(ref.display, "refused", got.reason, **dated))
            continue
        digest, size = got.sha256, got.size_bytes
        expanded[ref.display] = got.expanded_bytes
        key = (digest, ref.name)  # the same file: same name, same bytes
        if key in seen:
            # the file as received the first time: its path, time, unit and month
            path, first, unit, month = seen[key]
            dated["received_at"] = first
            message = f"已导入过（{path}，{first:%Y-%m-%d %H:%M} 收到）"
            outcomes.append(
                Outcome(ref.display, "seen", message, unit_code=unit, month=month, **dated)
            )
        elif key in this_batch:
            outcomes.append(
                Outcome(ref.display, "duplicate", f"与本次的 {this_batch[key]} 相同", **dated)
            )
        else:
            this_batch[key] = ref.display
            fresh.append((ref, digest, size))
            outcomes.append(Outcome(ref.display, "loaded", **dated))
    # received order; files received together by their own date, then path (etl/receipt.py)
    fresh.sort(key=lambda x: (x[0].received_at, x[0].file_modified_at, x[0].display))
    jobs = [
        FileJob(first_id + i, ref, d, n, expanded[ref.display])
        for i, (ref, d, n) in enumerate(fresh)
    ]
    return jobs, outcomes


def _within_budget(
    jobs: list[FileJob], outcomes: list[Outcome], limits: bounds.Limits
) -> list[FileJob]:
    """The new files the run's decompression budget covers, in load order; the rest refused."""
    verdicts = bounds.spend([j.expanded_bytes for j in jobs], limits)
    by_display = {o.display: o for o in outcomes}
    kept = []
    for job, refusal in zip(jobs, verdicts, strict=True):
        if refusal is None:
            kept.append(replace(job, file_id=jobs[0].file_id + len(kept)))
        else:
            by_display[job.ref.display].status = "refused"
            by_display[job.ref.display].message = refusal
    return kept


def _extracted(
    jobs: list[FileJob], ctx: Context, pool: Readers | None, n: int, spool_dir: Path
) -> Iterator[tuple[list[FileJob], spool.Spooled]]:
    size = batch_size(len(jobs), n)
    parts = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    if pool:
        yield from pool.extract(parts, ctx, spool_dir)
        return
    for i, part in enumerate(parts):
        yield part, extract_task((i, part, ctx, spool_dir))


def _record(spooled: spool.Spooled, part: list[FileJob], by_display: dict[str, Outcome]) -> None:
    by_id = {j.file_id: j for j in part}
    for r in spooled.files:
        o = by_display[by_id[r.file_id].ref.display]
        o.file_id = r.file_id
        o.status = r.status
        o.message = r.message
        o.sheets = r.sheets
        o.rows_accepted = sum(s.rows_accepted for s in r.sheets)
        o.rows_quarantined = sum(s.rows_quarantined for s in r.sheets)
        o.quarantined_by_reason = spooled.reasons.get(r.file_id, {})
        o.unit_code = r.unit_code
        o.month = f"{r.month:%Y-%m}" if r.month else None


def _record_set_aside(con, batch_id: int, outcomes: list[Outcome]) -> None:
    """Per file of this batch: rows mart_quarantine lists that the reader had accepted."""
    rows = con.execute(
        """
        select q.file_id, q.reason_code, count(*)
        from mart_quarantine as q
        inner join source_file as f using (file_id)
        anti join quarantine as r using (file_id, sheet_name, source_row)
        where f.batch_id = ?
        group by all
        """,
        [batch_id],
    ).fetchall()
    by_file = {o.file_id: o for o in outcomes if o.file_id is not None}
    for file_id, code, n in rows:
        by_file[file_id].set_aside_by_reason[code] = n


def _record_versions(con, batch_id: int, outcomes: list[Outcome]) -> None:
    """Per file of this batch: the submissions it replaced, or the later ones still current."""
    found = receipt.versions(con, batch_id)
    for o in outcomes:
        if o.file_id in found:
            o.replaced, o.kept = found[o.file_id]
