"""Hand extracted rows from the reader processes to the loader through Parquet files.

Each reader writes its batch's accepted rows (one file per export kind) and
quarantined rows into the spool folder of the version being built, and
returns only the small per-file reports. The loader then inserts every
table with one read_parquet each, so the main process neither holds nor
converts the rows, and DuckDB writes them in large blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from etl.extract import Extracted, FileReport
from etl.schema import raw_table

QUARANTINE = "quarantine"
_LINEAGE_NAMES = {
    "_file": "file_id",
    "_sheet_name": "sheet_name",
    "_row": "source_row",
    "_extra": "extra",
}


@dataclass
class Spooled:
    """What a reader sends back for a batch: its file reports and quarantine counts."""

    files: list[FileReport]
    reasons: dict[int, dict[str, int]]  # file id -> reason code -> rows


def write(ex: Extracted, folder: Path, batch: int) -> Spooled:
    """Write a batch's rows under `folder/<table>/<batch>.parquet`."""
    frames = {raw_table(key): frame for key, frame in ex.accepted.items()}
    frames[QUARANTINE] = ex.quarantine
    for table, frame in frames.items():
        if frame.height == 0:
            continue
        target = folder / table
        target.mkdir(parents=True, exist_ok=True)
        lineage = {k: v for k, v in _LINEAGE_NAMES.items() if k in frame.columns}
        frame.rename(lineage).write_parquet(target / f"{batch:06d}.parquet", compression="lz4")
    reasons: dict[int, dict[str, int]] = {}
    for f, code, n in ex.quarantine.group_by("_file", "reason_code").len().iter_rows():
        reasons.setdefault(f, {})[code] = n
    return Spooled(ex.files, reasons)


def tables(folder: Path) -> dict[str, str]:
    """Table name -> glob of its spooled Parquet files."""
    if not folder.exists():
        return {}
    return {d.name: str(d / "*.parquet") for d in sorted(folder.iterdir()) if d.is_dir()}
