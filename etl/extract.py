"""Turn a batch of export files into accepted rows, quarantined rows and a report per file.

This is the CPU-heavy part of an ingest and runs in worker processes; it
touches no database. Files are read one by one, then the rows of each export
kind are validated together, which keeps polars' per-call cost off each
small file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl

from core.contract import SHEET_BY_KEY
from etl import identity
from etl.grid import NotAnExport, OverLimit, UnreadableFile, read_grids
from etl.layout import HEADER_SEARCH_ROWS, Layout, Rows, Unrecognised, find_layout, table_rows
from etl.sources import SourceRef
from etl.validate import json_rows, validate

# The column whose month tells which month a sheet reports on.
MONTH_COLUMN = {
    "activities": "activity_date",
    "points": "entry_date",
    "redemptions": "redeemed_date",
    "matters": "accepted_date",
    "standards": "month",
    "orders": "ordered_at",
}


@dataclass(frozen=True)
class Context:
    """What a worker needs to know about the county."""

    known_codes: list[str]
    submitters: dict[str, str]  # code -> name, units and county teams
    short_names: dict[str, str]  # 安家河村 -> code
    secret: bytes
    max_sheet_rows: int | None = None  # etl/bounds.py measured the rest before reading


@dataclass(frozen=True)
class FileJob:
    file_id: int
    ref: SourceRef
    sha256: str
    size_bytes: int
    expanded_bytes: int = 0  # what decompressing it produced (etl/bounds.py)


@dataclass
class SheetReport:
    sheet_name: str
    sheet_key: str | None
    header_row: int | None
    status: str  # loaded | missing_columns | skipped | problem
    message: str = ""
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_blank: int = 0
    rows_total: int = 0
    rows_note: int = 0
    dropped_columns: str = ""


@dataclass
class FileReport:
    file_id: int
    status: str  # loaded | unreadable | skipped | refused (over a reading limit)
    message: str = ""
    file_format: str = ""
    encoding: str = ""
    unit_code: str | None = None
    month: date | None = None
    sheets: list[SheetReport] = field(default_factory=list)


@dataclass
class Extracted:
    files: list[FileReport]
    accepted: dict[str, pl.DataFrame]  # sheet key -> typed rows with lineage
    quarantine: pl.DataFrame


class _Table:
    """Rows of one export kind gathered across the files of a batch, column-wise."""

    def __init__(self) -> None:
        self.columns: dict[str, list[str | None]] = {}
        self.meta: dict[str, list] = {"_file": [], "_sheet_name": [], "_row": [], "_extra": []}

    def add(self, file_id: int, sheet_name: str, rows: Rows) -> None:
        n = len(rows.row_numbers)
        before = len(self.meta["_row"])
        for key, values in rows.columns.items():
            self.columns.setdefault(key, [None] * before).extend(values)
        for key, values in self.columns.items():
            if key not in rows.columns:
                values.extend([None] * n)
        self.meta["_file"].extend([file_id] * n)
        self.meta["_sheet_name"].extend([sheet_name] * n)
        self.meta["_row"].extend(rows.row_numbers)
        self.meta["_extra"].extend(rows.extras)

    def frame(self) -> pl.DataFrame:
        schema = {k: pl.String for k in self.columns} | {
            "_file": pl.Int64,
            "_sheet_name": pl.String,
            "_row": pl.Int32,
            "_extra": pl.String,
        }
        return pl.DataFrame(self.columns | self.meta, schema=schema)


def extract(jobs: list[FileJob], ctx: Context) -> Extracted:
    """Read, lay out and validate a batch of files."""
    reports: list[FileReport] = []
    tables: dict[str, _Table] = {}
    missing_col_rows: list[pl.DataFrame] = []
    for job in jobs:
        report, found = _read_file(job, ctx.max_sheet_rows)
        reports.append(report)
        for key, sheet_name, rows, missing in found:
            if missing:
                single = _Table()
                single.add(job.file_id, sheet_name, rows)
                missing_col_rows.append(_missing_column_rows(key, single.frame(), missing))
            else:
                tables.setdefault(key, _Table()).add(job.file_id, sheet_name, rows)
    known = pl.Series(ctx.known_codes, dtype=pl.String)
    accepted: dict[str, pl.DataFrame] = {}
    quarantined = list(missing_col_rows)
    for key, table in tables.items():
        result = validate(SHEET_BY_KEY[key], table.frame(), known, ctx.secret)
        accepted[key] = result.accepted
        quarantined.append(result.quarantine.with_columns(sheet_key=pl.lit(key)))
    quarantine = (
        pl.concat(quarantined, how="diagonal_relaxed") if quarantined else _empty_quarantine()
    )
    _count(reports, accepted, quarantine)
    _identify(reports, jobs, accepted, ctx)
    return Extracted(reports, accepted, quarantine)


def _read_file(
    job: FileJob, max_rows: int | None = None
) -> tuple[FileReport, list[tuple[str, str, Rows, tuple]]]:
    report = FileReport(job.file_id, "loaded")
    try:
        return _read_sheets(job, report, max_rows)
    except MemoryError:
        # the reader's memory limit (etl/ingest.py) stops a file the measures let through
        report = FileReport(job.file_id, "refused", MEMORY_REFUSED)
        return report, []


MEMORY_REFUSED = "读取时超出读取进程的内存上限（county.toml [reading]），未读取"


def _read_sheets(
    job: FileJob, report: FileReport, max_rows: int | None
) -> tuple[FileReport, list[tuple[str, str, Rows, tuple]]]:
    try:
        grids = read_grids(job.ref.name, job.ref.read(), max_rows)
    except UnreadableFile as e:
        report.status = (
            "skipped"
            if isinstance(e, NotAnExport)
            else "refused"
            if isinstance(e, OverLimit)
            else "unreadable"
        )
        report.message = str(e)
        return report, []
    except OSError as e:
        report.status, report.message = "unreadable", f"文件无法读取（{e.strerror or e}）"
        return report, []
    report.file_format, report.encoding = grids.file_format, grids.encoding
    found = []
    for grid in grids.grids:
        layout = find_layout(grid.sheet_name, grid.rows[:HEADER_SEARCH_ROWS])
        if isinstance(layout, Unrecognised):
            status = "problem" if layout.problem else "skipped"
            report.sheets.append(SheetReport(grid.sheet_name, None, None, status, layout.reason))
            continue
        rows = table_rows(grid.rows, layout)
        sheet = SheetReport(
            grid.sheet_name,
            layout.sheet.key,
            layout.header_index + 1,
            "loaded",
            rows_blank=rows.skipped["blank"],
            rows_total=rows.skipped["total"],
            rows_note=rows.skipped["note"],
            dropped_columns="、".join(layout.dropped),
        )
        if layout.missing:
            sheet.status = "missing_columns"
            sheet.message = _missing_message(layout)
        report.sheets.append(sheet)
        found.append((layout.sheet.key, grid.sheet_name, rows, layout.missing))
    if not any(s.sheet_key for s in report.sheets):
        report.status = "skipped"
        report.message = "文件中没有可识别的台账工作表"
    return report, found


def _missing_reason(sheet, missing: tuple) -> str:
    return "表头缺少必填列：" + "、".join(sheet.column(k).header for k in missing)


def _missing_message(layout: Layout) -> str:
    return _missing_reason(layout.sheet, layout.missing) + "，本表各行已隔离"


def _missing_column_rows(key: str, frame: pl.DataFrame, missing: tuple) -> pl.DataFrame:
    sheet = SHEET_BY_KEY[key]
    first = sheet.column(missing[0])
    reason = _missing_reason(sheet, missing)
    present = [c for c in sheet.columns if c.key in frame.columns and c.personal is None]
    return frame.select(
        pl.col("_file"),
        pl.col("_sheet_name"),
        pl.col("_row"),
        pl.lit(first.key).alias("column_key"),
        pl.lit(first.header).alias("column_header"),
        pl.lit("missing_column").alias("reason_code"),
        pl.lit(reason).alias("reason"),
        pl.lit(reason).alias("problems"),
        pl.struct([pl.col(c.key) for c in present] or [pl.lit(None).alias("_")])
        .map_batches(json_rows, return_dtype=pl.String)
        .alias("row_values"),
        pl.lit(key).alias("sheet_key"),
    )


def _empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "_file": pl.Int64,
            "_sheet_name": pl.String,
            "_row": pl.Int32,
            "column_key": pl.String,
            "column_header": pl.String,
            "reason_code": pl.String,
            "reason": pl.String,
            "problems": pl.String,
            "row_values": pl.String,
            "sheet_key": pl.String,
        }
    )


def _count(reports: list[FileReport], accepted: dict, quarantine: pl.DataFrame) -> None:
    counts: dict[tuple[int, str], list[int]] = {}
    for frame in accepted.values():
        for f, s, n in frame.group_by("_file", "_sheet_name").len().iter_rows():
            counts.setdefault((f, s), [0, 0])[0] += n
    for f, s, n in quarantine.group_by("_file", "_sheet_name").len().iter_rows():
        counts.setdefault((f, s), [0, 0])[1] += n
    for r in reports:
        for s in r.sheets:
            s.rows_accepted, s.rows_quarantined = counts.get((r.file_id, s.sheet_name), [0, 0])


def _identify(reports: list[FileReport], jobs: list[FileJob], accepted: dict, ctx: Context):
    """Each loaded file's unit and month: from its name, else from its rows."""
    codes: dict[int, list[str]] = {}
    months: dict[int, list[date]] = {}
    for key, frame in accepted.items():
        if "unit_code" in frame.columns:
            sub = frame.filter(pl.col("unit_code").is_in(list(ctx.submitters)))
            for f, c in sub.select("_file", "unit_code").iter_rows():
                codes.setdefault(f, []).append(c)
        col = MONTH_COLUMN.get(key)
        if col:
            m = frame.select("_file", pl.col(col).dt.truncate("1mo").cast(pl.Date).alias("m"))
            for f, d in m.drop_nulls().iter_rows():
                months.setdefault(f, []).append(d)
    by_id = {j.file_id: j for j in jobs}
    for r in reports:
        if r.status != "loaded":
            continue
        name = by_id[r.file_id].ref.display.rsplit("/", 1)[-1]
        in_name = [c for c in identity.name_codes(name) if c in ctx.submitters]
        r.unit_code = (
            (in_name[0] if in_name else None)
            or identity.majority(codes.get(r.file_id, []))
            or identity.name_unit(name, ctx.short_names)
        )
        r.month = identity.name_month(name) or identity.majority(months.get(r.file_id, []))
        if r.month is None:
            received: datetime = by_id[r.file_id].ref.received_at
            first = received.date().replace(day=1)
            r.month = (
                first.replace(year=first.year - 1, month=12)
                if first.month == 1
                else first.replace(month=first.month - 1)
            )
            r.message = "文件名和数据中都看不出报送月份，按收到日期记为上月"
        if r.unit_code is None:
            r.message = "文件名和数据中都看不出报送单位"


__all__ = ["Context", "Extracted", "FileJob", "FileReport", "SheetReport", "extract"]
