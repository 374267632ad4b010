"""Render a unit's monthly submission as the files the field would send.

Rows arrive as dicts of clean Python values keyed by contract column keys;
a Style says how this unit's office writes them: format (.xlsx/.xls/.csv),
CSV encoding, date form, header wording, title/blank/合计/note rows, numbers
typed as text. Every writer is deterministic: same rows and style, same bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
import xlwt

from core.contract import SHEET_BY_KEY, Column, Sheet

EXCEL_EPOCH = date(1899, 12, 30)
FIXED_CREATED = datetime(2026, 1, 1)
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

DATE_STYLES = ("cell", "serial", "iso", "slash", "chinese", "compact")
HEADER_STYLES = ("canonical", "synonym", "fullwidth", "spaced")


@dataclass(frozen=True)
class Style:
    """How one unit's office writes its exports."""

    fmt: str = "xlsx"  # xlsx | xls | csv
    encoding: str = "utf-8"  # csv only: utf-8 | utf-8-sig | gbk
    date_style: str = "iso"
    header_style: str = "canonical"
    title_row: bool = False
    blank_after_header: bool = False
    total_row: bool = False
    notes_row: bool = False
    numbers_as_text: bool = False
    fullwidth_digits: bool = False
    thousands: bool = False
    sheet_naming: str = "title"  # title | synonym | generic


@dataclass
class Rendered:
    """One written file and where each planted dirty row landed in it."""

    name: str
    data: bytes
    rows: dict[str, int]  # sheet key -> data rows written
    dirt: list[dict]  # {"sheet", "sheet_name", "row", "kind", "column"}


def excel_serial(d: date | datetime) -> float:
    if isinstance(d, datetime):
        delta = d - datetime(1899, 12, 30)
        return round(delta.days + delta.seconds / 86400, 6)
    return float((d - EXCEL_EPOCH).days)


def format_date(value: date | datetime, style: str) -> str | float:
    """A date as the unit's system writes it in text (or a serial number)."""
    if style == "serial":
        return excel_serial(value)
    d = value.date() if isinstance(value, datetime) else value
    if style == "slash":
        s = f"{d.year}/{d.month}/{d.day}"
    elif style == "chinese":
        s = f"{d.year}年{d.month}月{d.day}日"
    elif style == "compact":
        s = f"{d.year}{d.month:02d}{d.day:02d}"
    else:
        s = d.isoformat()
    if isinstance(value, datetime):
        s += f" {value.hour:02d}:{value.minute:02d}"
    return s


def header_for(col: Column, style: str, salt: int) -> str:
    """The header text a unit uses for a column."""
    if style == "synonym" and col.synonyms:
        return col.synonyms[salt % len(col.synonyms)]
    if style == "fullwidth":
        return col.header.replace("(", "（").replace(")", "）")
    if style == "spaced" and len(col.header) >= 4:
        return col.header[:2] + " " + col.header[2:]
    return col.header


def sheet_label(sheet: Sheet, naming: str) -> str:
    if naming == "synonym" and sheet.synonyms:
        return sheet.synonyms[0]
    if naming == "generic":
        return "Sheet1"
    return sheet.title


def _cell(value: object, col: Column, style: Style, in_csv: bool) -> object:
    """The value written for one cell: str, number or date, as the style says."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (date, datetime)):
        if style.date_style == "cell" and not in_csv:
            return value
        ds = "iso" if style.date_style == "cell" else style.date_style
        return format_date(value, ds)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        if style.thousands and abs(value) >= 1000:
            text = f"{value:,}"
        elif style.fullwidth_digits or (style.numbers_as_text and not in_csv):
            text = f"{value:g}" if isinstance(value, float) else str(value)
            if style.fullwidth_digits:
                text = text.translate(FULLWIDTH)
        else:
            return value
        return text
    return str(value)


def _layout(sheet: Sheet, rows: list[dict], style: Style, title: str, salt: int):
    """Rows of cells for a sheet, top to bottom, and the 1-based row of each data row."""
    cols = sheet.columns
    out: list[list[object]] = []
    if style.title_row:
        out.append([title] + [""] * (len(cols) - 1))
    out.append([header_for(c, style.header_style, salt + i) for i, c in enumerate(cols)])
    if style.blank_after_header:
        out.append([""] * len(cols))
    placed: list[int] = []
    in_csv = style.fmt == "csv"
    for r in rows:
        out.append([_cell(r.get(c.key), c, style, in_csv) for c in cols])
        placed.append(len(out))
    if style.total_row and rows:
        total = ["合计"] + [""] * (len(cols) - 1)
        for j, c in enumerate(cols):
            if c.kind in ("int", "number") and c.key not in (
                "longitude",
                "latitude",
                "birth_year",
                "rating",
                "stars",
            ):
                vals = [r.get(c.key) for r in rows]
                nums = [v for v in vals if isinstance(v, (int, float)) and not isinstance(v, bool)]
                if nums and j > 0:
                    total[j] = round(sum(nums), 1) if isinstance(nums[0], float) else sum(nums)
        out.append(total)
    if style.notes_row:
        out.append([""] * len(cols))
        out.append(
            ["填报说明：本表由村（社区）文明实践站填报，数据经站长审核。"] + [""] * (len(cols) - 1)
        )
    return out, placed


def _dirt_records(sheet: Sheet, label: str, rows: list[dict], placed: list[int]) -> list[dict]:
    return [
        {
            "sheet": sheet.key,
            "sheet_name": label,
            "row": rn,
            "kind": r["_dirt"][0],
            "column": r["_dirt"][1],
        }
        for r, rn in zip(rows, placed, strict=True)
        if r.get("_dirt")
    ]


def render_csv(
    name: str, sheet_key: str, rows: list[dict], style: Style, title: str, salt: int = 0
) -> Rendered:
    """One sheet as a CSV file in the style's encoding."""
    sheet = SHEET_BY_KEY[sheet_key]
    grid, placed = _layout(sheet, rows, style, title, salt)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for line in grid:
        w.writerow(["" if v is None else (f"{v:g}" if isinstance(v, float) else v) for v in line])
    text = buf.getvalue()
    data = text.encode("gbk") if style.encoding == "gbk" else text.encode(style.encoding)
    return Rendered(name, data, {sheet_key: len(rows)}, _dirt_records(sheet, name, rows, placed))


def _cells(sheets: dict[str, list[dict]], style: Style, title: str, salt: int, add_sheet):
    """Lay every sheet out and yield its non-empty cells; return the dirt and row counts.

    add_sheet(label) makes the workbook's sheet and returns a write(i, j, value)
    for it; the two workbook writers differ only in that function.
    """
    dirt: list[dict] = []
    counts = {}
    for key, rows in sheets.items():
        sheet = SHEET_BY_KEY[key]
        label = sheet_label(sheet, style.sheet_naming if len(sheets) == 1 else "title")
        write = add_sheet(label)
        grid, placed = _layout(sheet, rows, style, title, salt)
        for i, line in enumerate(grid):
            for j, v in enumerate(line):
                if v != "" and v is not None:
                    write(i, j, v)
        dirt += _dirt_records(sheet, label, rows, placed)
        counts[key] = len(rows)
    return dirt, counts


def render_xlsx(
    name: str, sheets: dict[str, list[dict]], style: Style, title: str, salt: int = 0
) -> Rendered:
    """Several sheets as one .xlsx workbook (xlsxwriter, as Excel writes them)."""
    buf = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
    }
    wb = xlsxwriter.Workbook(buf, options)
    wb.set_properties({"author": "文明实践站", "created": FIXED_CREATED})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    bold = wb.add_format({"bold": True})
    header_at = 1 if style.title_row else 0

    def add_sheet(label: str):
        ws = wb.add_worksheet(label)

        def write(i: int, j: int, v: object) -> None:
            if isinstance(v, datetime):
                ws.write_datetime(i, j, v, dt_fmt)
            elif isinstance(v, date):
                ws.write_datetime(i, j, datetime(v.year, v.month, v.day), date_fmt)
            elif isinstance(v, (int, float)):
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, v, bold if i == header_at else None)

        return write

    dirt, counts = _cells(sheets, style, title, salt, add_sheet)
    wb.close()
    return Rendered(name, buf.getvalue(), counts, dirt)


def render_xls(
    name: str, sheets: dict[str, list[dict]], style: Style, title: str, salt: int = 0
) -> Rendered:
    """Several sheets as one Excel 97-2003 .xls workbook (xlwt)."""
    wb = xlwt.Workbook(encoding="utf-8")
    date_fmt = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    dt_fmt = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")

    def add_sheet(label: str):
        ws = wb.add_sheet(label)

        def write(i: int, j: int, v: object) -> None:
            if isinstance(v, datetime):
                ws.write(i, j, v, dt_fmt)
            elif isinstance(v, date):
                ws.write(i, j, datetime(v.year, v.month, v.day), date_fmt)
            else:
                ws.write(i, j, v)

        return write

    dirt, counts = _cells(sheets, style, title, salt, add_sheet)
    buf = io.BytesIO()
    wb.save(buf)
    return Rendered(name, buf.getvalue(), counts, dirt)


def render(
    base: str, sheets: dict[str, list[dict]], style: Style, title_of, salt: int = 0
) -> list[Rendered]:
    """A submission as files: one workbook, or one CSV per sheet."""
    if style.fmt == "csv":
        return [
            render_csv(f"{base}_{SHEET_BY_KEY[k].title}.csv", k, rows, style, title_of(k), salt)
            for k, rows in sheets.items()
        ]
    one_title = title_of(next(iter(sheets))) if len(sheets) == 1 else title_of(None)
    if style.fmt == "xls":
        return [render_xls(f"{base}.xls", sheets, style, one_title, salt)]
    return [render_xlsx(f"{base}.xlsx", sheets, style, one_title, salt)]


class GbkZipInfo(zipfile.ZipInfo):
    """A zip entry whose name is GBK without the UTF-8 flag, as Chinese Windows writes it."""

    def _encodeFilenameFlags(self):  # noqa: N802 - overrides zipfile's private hook
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def zip_files(files: list[tuple[str, bytes]], when: datetime, gbk_names: bool) -> bytes:
    """Pack files into a zip with fixed timestamps (deterministic bytes)."""
    buf = io.BytesIO()
    stamp = (when.year, when.month, when.day, when.hour, when.minute, 0)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            info = (GbkZipInfo if gbk_names else zipfile.ZipInfo)(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def write_file(path: Path, data: bytes, received: datetime) -> None:
    """Write a file and stamp its modification time with when the office received it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    ts = received.timestamp()
    import os

    os.utime(path, (ts, ts))
