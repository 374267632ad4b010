"""Write an ingest's files, sheets, submissions, raw rows and quarantine in one transaction."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from etl import spool
from etl.extract import FileJob, FileReport
from etl.identity import is_correction


def load(
    con,
    batch_id: int,
    jobs: list[FileJob],
    reports: list[FileReport],
    spooled: Path,
    loaded_at: datetime,
) -> None:
    """All files of an ingest, wholly or not at all.

    The rows come from the readers' Parquet files (etl/spool.py); the
    bookkeeping comes from their reports. Whatever happens, the version
    readers use is untouched: this writes into the copy being built.
    """
    by_id = {j.file_id: j for j in jobs}
    files = pl.DataFrame(
        [
            {
                "file_id": r.file_id,
                "sha256": by_id[r.file_id].sha256,
                "file_name": by_id[r.file_id].ref.name,
                "source_path": by_id[r.file_id].ref.display,
                "size_bytes": by_id[r.file_id].size_bytes,
                "received_at": by_id[r.file_id].ref.received_at,
                "file_modified_at": by_id[r.file_id].ref.file_modified_at,
                "batch_id": batch_id,
                "loaded_at": loaded_at,
                "file_format": r.file_format or None,
                "encoding": r.encoding or None,
                "status": r.status,
                "message": r.message or None,
                "unit_code": r.unit_code,
                "month": r.month,
            }
            for r in reports
        ],
        schema_overrides={"month": pl.Date, "unit_code": pl.String, "message": pl.String},
    )
    sheets = pl.DataFrame(
        [
            {"file_id": r.file_id, **{k: getattr(s, k) for k in s.__dataclass_fields__}}
            for r in reports
            for s in r.sheets
        ],
        schema_overrides={"sheet_key": pl.String, "header_row": pl.Int32, "message": pl.String},
    )
    submissions = pl.DataFrame(
        [
            {
                "file_id": r.file_id,
                "sheet_key": s.sheet_key,
                "unit_code": r.unit_code,
                "month": r.month,
                "received_at": by_id[r.file_id].ref.received_at,
                "is_correction": is_correction(by_id[r.file_id].ref.name),
            }
            for r in reports
            if r.status == "loaded"
            for s in {s.sheet_key: s for s in r.sheets if s.sheet_key}.values()
        ],
        schema_overrides={"unit_code": pl.String, "month": pl.Date},
    )
    con.execute("begin transaction")
    try:
        _insert(con, "source_file", files)
        _insert(con, "source_sheet", sheets)
        _insert(con, "submission", submissions)
        for table, pattern in spool.tables(spooled).items():
            con.execute(
                f"insert into {table} by name select * from read_parquet(?, union_by_name = true)",
                [pattern],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _insert(con, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    con.register("_incoming", frame)
    try:
        con.execute(f"insert into {table} by name select * from _incoming")
    finally:
        con.unregister("_incoming")
