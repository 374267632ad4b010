"""Read an export file into grids of cell text, one per sheet.

.xlsx and .xls go through fastexcel (calamine) with every cell as text; CSV
is decoded after detecting its encoding (UTF-8, UTF-8 with BOM, UTF-16 from
Excel's "Unicode text", GBK/GB18030) and split with Python's csv module,
which copes with ragged rows (a one-cell title row above a wide header).
A grid keeps the physical row number of every row so that problems can be
located in the file as staff see it.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

import fastexcel

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".tsv")
EXPORT_SUFFIXES = EXCEL_SUFFIXES + CSV_SUFFIXES


class UnreadableFile(Exception):
    """The file cannot be read at all; the message says why, in staff's words."""


class NotAnExport(UnreadableFile):
    """The file is not of a type exports come in (a note, a Word file): skipped, not broken."""


class OverLimit(UnreadableFile):
    """A sheet with more rows than allowed (etl/bounds.py measures the rest before reading)."""


@dataclass(frozen=True)
class Grid:
    """One sheet's cells as text, row by row; rows[i] is physical row i + 1."""

    sheet_name: str
    rows: list[list[str | None]] | list[tuple[str | None, ...]]


@dataclass(frozen=True)
class FileGrids:
    file_format: str  # xlsx | xls | csv
    encoding: str  # csv only
    grids: list[Grid]


def suffix_of(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def read_grids(name: str, data: bytes, max_rows: int | None = None) -> FileGrids:
    """Every sheet of an export file as a Grid; UnreadableFile when that is impossible.

    max_rows: a workbook sheet with more rows is refused (OverLimit) before its cells
    become Python text; an .xls cannot be measured before calamine reads it.
    """
    suffix = suffix_of(name)
    if suffix in EXCEL_SUFFIXES:
        return FileGrids(suffix.lstrip("."), "", _excel_grids(data, suffix, max_rows))
    if suffix in CSV_SUFFIXES:
        text, encoding = decode_text(data)
        return FileGrids("csv", encoding, [_csv_grid(name, text)])
    raise NotAnExport(f"不是报送文件类型（{suffix or '无扩展名'}），可接受 .xlsx、.xls、.csv")


def decode_text(data: bytes) -> tuple[str, str]:
    """CSV bytes as text and the encoding found.

    UTF-8 is tried before GB18030 on purpose: UTF-8 bytes can decode as
    GB18030 without error and come out garbled, never the other way round.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[3:], "utf-8", "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", "utf-16")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as e:
        raise UnreadableFile(
            "无法识别文件编码：既不是 UTF-8 也不是 GBK/GB18030"
            f"（第 {e.start + 1} 字节起无法解码），请用 Excel 或 WPS 另存为“CSV UTF-8”后重新报送"
        ) from None


def _decode(data: bytes, codec: str, label: str) -> tuple[str, str]:
    try:
        return data.decode(codec), label
    except UnicodeDecodeError as e:
        raise UnreadableFile(
            f"文件声明为 {label} 编码，但第 {e.start + 1} 字节起无法解码，文件可能已损坏"
        ) from None


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _csv_grid(name: str, text: str) -> Grid:
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    return Grid(name.rsplit("/", 1)[-1], rows)  # a CSV's one "sheet" is the file


def _excel_grids(data: bytes, suffix: str, max_rows: int | None = None) -> list[Grid]:
    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
    except Exception as e:  # calamine raises several kinds for a damaged file
        kind = "Excel 97-2003 (.xls)" if suffix == ".xls" else "Excel (.xlsx)"
        raise UnreadableFile(f"文件已损坏或不是 {kind} 文件，无法打开（{_short(e)}）") from None
    grids = []
    for idx, sheet_name in enumerate(names):
        try:
            # skip_rows=0 keeps leading blank rows, so row numbers stay physical.
            sheet = reader.load_sheet(
                idx,
                header_row=None,
                skip_rows=0,
                dtypes="string",
                n_rows=None if max_rows is None else max_rows + 1,
            )
            if max_rows is not None and sheet.height > max_rows:
                raise OverLimit(
                    f"工作表「{sheet_name}」超过 {max_rows:,} 行（每表行数上限），未读取"
                )
            rows = sheet.to_polars().rows()
        except UnreadableFile:
            raise
        except Exception as e:
            raise UnreadableFile(f"工作表「{sheet_name}」无法读取（{_short(e)}）") from None
        grids.append(Grid(sheet_name, rows))
    return grids


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:120]
