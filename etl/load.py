"""Write an extracted batch of files into the database, all of it or none of it."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from etl.extract import Extracted, FileJob
from etl.identity import is_correction
from etl.schema import raw_table


def load(con, batch_id: int, jobs: list[FileJob], ex: Extracted, loaded_at: datetime) -> None:
    """Insert the files, their sheets, submissions, raw rows and quarantine in one transaction.

    Several files share a transaction for speed; a file is never split across two,
    so it is always wholly loaded or not at all.
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
                "batch_id": batch_id,
                "loaded_at": loaded_at,
                "file_format": r.file_format or None,
                "encoding": r.encoding or None,
                "status": r.status,
                "message": r.message or None,
                "unit_code": r.unit_code,
                "month": r.month,
            }
            for r in ex.files
        ],
        schema_overrides={"month": pl.Date, "unit_code": pl.String, "message": pl.String},
    )
    sheets = pl.DataFrame(
        [
            {"file_id": r.file_id, **{k: getattr(s, k) for k in s.__dataclass_fields__}}
            for r in ex.files
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
            for r in ex.files
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
        for key, frame in ex.accepted.items():
            _insert(con, raw_table(key), _lineage(frame))
        _insert(con, "quarantine", _lineage(ex.quarantine))
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _lineage(frame: pl.DataFrame) -> pl.DataFrame:
    names = {
        "_file": "file_id",
        "_sheet_name": "sheet_name",
        "_row": "source_row",
        "_extra": "extra",
    }
    return frame.rename({k: v for k, v in names.items() if k in frame.columns})


def _insert(con, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    con.register("_incoming", frame)
    try:
        con.execute(f"insert into {table} by name select * from _incoming")
    finally:
        con.unregister("_incoming")
