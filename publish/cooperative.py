"""The credit cooperative's household list joined to the credit export on the ID hash.

The cooperative's list has ID numbers in clear. They are checked (GB 11643),
hashed here in memory by the same code and under the same key as the
database's (etl.privacy), and the list is joined to the export
(publish/credit.py) on the hash; the joined workbook drops every ID column.
The office runs this on its own machine: the key never leaves it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from core.contract import normalize_header
from etl.grid import UnreadableFile, read_grids
from etl.privacy import canonical_secret, keyed_hash
from publish.credit import EXPORT_COLUMNS, CreditBook, CreditError, display_width, short_names

ID_HEADERS = (
    "身份证号", "身份证号码", "证件号码", "户主身份证号", "户主身份证号码", "公民身份号码",
)  # fmt: skip
_ID_KEYS = {normalize_header(h) for h in ID_HEADERS}
HEADER_SEARCH_ROWS = 15
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")

MATCHED, NOT_FOUND, INVALID = "已匹配", "未找到", "身份证号无效"
STATUS_COLUMN = "匹配结果"
ROW_COLUMN = "原表行号"


def id_problem(value: str | None) -> str | None:
    """Why a text is not a valid 18-character ID number (GB 11643), or None if it is.

    The reason never repeats the number itself.
    """
    s = canonical_secret(value or "")
    if not s:
        return "身份证号为空"
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", s):
        return "身份证号被存成了数字（科学计数法），末几位已丢失：请把该列设为文本后重新填写"
    if len(s) == 15 and s.isdigit():
        return "是 15 位旧身份证号，请换成 18 位身份证号"
    if len(s) != 18:
        return f"身份证号应为 18 位，此处为 {len(s)} 位"
    if not _ID_SHAPE.match(s):
        return "身份证号前 17 位应为数字，最后一位为数字或 X"
    if s[17] != id_check_digit(s[:17]):
        return "身份证号校验位不符（号码有误或抄错）"
    return None


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class Problem:
    row: int  # as Excel shows it: the header row's number + 1 for the first data row
    column: str
    reason: str


@dataclass
class MatchReport:
    file_name: str
    id_column: str
    rows_read: int = 0
    matched: int = 0
    not_found: int = 0
    invalid: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)  # every row after the first
    duplicate_ids: int = 0  # ID numbers on more than one row
    ambiguous: list[Problem] = field(default_factory=list)  # one ID, several of our households
    masked_cells: list[Problem] = field(default_factory=list)  # ID numbers in other columns

    @property
    def invalid_rows(self) -> list[int]:
        return [p.row for p in self.invalid]

    @property
    def problems(self) -> list[Problem]:
        every = self.invalid + self.duplicates + self.ambiguous + self.masked_cells
        return sorted(every, key=lambda p: p.row)


def read_cooperative(coop_path: Path) -> tuple[list[str], list[tuple[int, list[str]]], int]:
    """The list's headers, its data rows as (Excel row number, cells), and the ID column index.

    CreditError (with the file name) when the file cannot be read, is empty or
    has no ID-number column.
    """
    name = coop_path.name
    try:
        data = coop_path.read_bytes()
    except OSError as e:
        raise CreditError(f"{name}：无法读取文件（{e.strerror or e}）") from None
    if not data.strip():
        raise CreditError(f"{name}：文件是空的")
    try:
        grids = read_grids(name, data).grids
    except UnreadableFile as e:
        raise CreditError(f"{name}：{e}") from None
    for grid in grids:
        for i, cells in enumerate(grid.rows[:HEADER_SEARCH_ROWS]):
            keys = [normalize_header(c) for c in cells]
            id_cols = [j for j, k in enumerate(keys) if k in _ID_KEYS]
            if not id_cols:
                continue
            headers = _unique([str(c).strip() if c is not None else "" for c in cells])
            rows = []
            for r, row in enumerate(grid.rows[i + 1 :], i + 2):
                texts = [(str(v).strip() if v is not None else "") for v in row]
                if any(texts):
                    texts += [""] * (len(headers) - len(texts))
                    rows.append((r, texts[: len(headers)]))
            if not rows:
                raise CreditError(f"{name}：表中只有表头，没有农户数据")
            return headers, rows, id_cols[0]
    if not any(any(c not in (None, "") for c in row) for g in grids for row in g.rows):
        raise CreditError(f"{name}：文件是空的")
    raise CreditError(
        f"{name}：找不到身份证号列（表头应为 {'、'.join(ID_HEADERS[:4])} 之一，"
        f"在前 {HEADER_SEARCH_ROWS} 行内）"
    )


def _unique(headers: list[str]) -> list[str]:
    out: list[str] = []
    for j, h in enumerate(headers):
        h = h or f"第{j + 1}列"
        base, k = h, 2
        while h in out:
            h, k = f"{base}_{k}", k + 1
        out.append(h)
    return out


def match_cooperative(
    frame: pl.DataFrame, coop_path: Path, key: bytes
) -> tuple[pl.DataFrame, MatchReport]:
    """The cooperative's rows (ID column dropped) joined to our households on the ID hash.

    frame: credit_rows(). Each of the list's rows keeps its Excel row number and
    gets 匹配结果 已匹配 / 未找到 / 身份证号无效, and our household's columns
    (Chinese headers) when matched. Bad IDs are reported and do not stop the rest.
    """
    headers, rows, id_col = read_cooperative(coop_path)
    id_header = headers[id_col]
    report = MatchReport(coop_path.name, id_header, rows_read=len(rows))
    # every ID-like column goes, not only the one used for matching
    dropped = {j for j, h in enumerate(headers) if normalize_header(h) in _ID_KEYS}
    kept = [j for j in range(len(headers)) if j not in dropped]
    hashes: list[str | None] = []
    first_row: dict[str, int] = {}
    repeated: set[str] = set()
    for r, cells in rows:
        for j in kept:  # an ID number typed into another column stays out of the output too
            if cells[j] and id_problem(cells[j]) is None:
                report.masked_cells.append(Problem(r, headers[j], "此格是身份证号，结果中已隐去"))
                cells[j] = "（已隐去）"
        problem = id_problem(cells[id_col])
        if problem:
            report.invalid.append(Problem(r, id_header, problem))
            hashes.append(None)
            continue
        canonical = canonical_secret(cells[id_col])
        if canonical in first_row:
            repeated.add(canonical)
            where = f"与第 {first_row[canonical]} 行身份证号相同"
            report.duplicates.append(Problem(r, id_header, where))
        else:
            first_row[canonical] = r
        hashes.append(keyed_hash(canonical, key))
    report.duplicate_ids = len(repeated)
    coop = pl.DataFrame(
        {
            ROW_COLUMN: [r for r, _ in rows],
            **{headers[j]: _typed([cells[j] for _, cells in rows]) for j in kept},
            "_hash": hashes,
        },
        schema_overrides={ROW_COLUMN: pl.Int64, "_hash": pl.String},
    )
    ours = _ours(frame, set(coop.columns))
    joined = coop.join(
        ours, left_on="_hash", right_on="_id_hash", how="left", maintain_order="left"
    )
    status = (
        pl.when(pl.col("_hash").is_null())
        .then(pl.lit(INVALID))
        .when(pl.col("_found"))
        .then(pl.lit(MATCHED))
        .otherwise(pl.lit(NOT_FOUND))
    )
    joined = joined.with_columns(status.alias(STATUS_COLUMN))
    counts = joined.group_by(ROW_COLUMN).agg(pl.len(), pl.first(STATUS_COLUMN))
    report.matched = counts.filter(pl.col(STATUS_COLUMN) == MATCHED).height
    report.not_found = counts.filter(pl.col(STATUS_COLUMN) == NOT_FOUND).height
    for r, n in counts.filter(pl.col("len") > 1).select(ROW_COLUMN, "len").sort(ROW_COLUMN).rows():
        report.ambiguous.append(
            Problem(r, id_header, f"该身份证号对应本县 {n} 户（户主在多户出现），每户各列一行")
        )
    ordered = [ROW_COLUMN, *(headers[j] for j in kept), STATUS_COLUMN]
    ordered += [c for c in ours.columns if not c.startswith("_")]
    return joined.select(ordered), report


# an amount or a count; account numbers (long) and codes with leading zeros stay text
_AMOUNT = re.compile(r"^-?(0|[1-9]\d{0,11})(\.\d+)?$")


def _typed(values: list[str]) -> pl.Series:
    """A column of the list as numbers when every filled cell is an amount, else as text."""
    filled = [v for v in values if v]
    if filled and all(_AMOUNT.match(v) for v in filled):
        if all("." not in v for v in filled):
            return pl.Series([int(v) if v else None for v in values], dtype=pl.Int64)
        return pl.Series([float(v) if v else None for v in values], dtype=pl.Float64)
    return pl.Series([v or None for v in values], dtype=pl.String)


def _ours(frame: pl.DataFrame, taken: set[str]) -> pl.DataFrame:
    """Our households with an ID hash, under the export's Chinese headers."""
    names = {}
    for col, header, _, _ in EXPORT_COLUMNS:
        names[col] = header if header not in taken else f"{header}（本县）"
    return frame.filter(pl.col("id_hash").is_not_null()).select(
        pl.col("id_hash").alias("_id_hash"),
        pl.lit(True).alias("_found"),
        short_names(pl.col("town")).alias(names["town"]),
        short_names(pl.col("station")).alias(names["station"]),
        *(pl.col(c).alias(names[c]) for c, _, _, _ in EXPORT_COLUMNS[2:]),
    )


_KIND_BY_HEADER = {header: kind for _, header, kind, _ in EXPORT_COLUMNS}


def write_match(joined: pl.DataFrame, report: MatchReport, path: Path) -> Path:
    """The joined workbook: 匹配结果, 问题清单 (行号, 列, 原因) and 说明."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = CreditBook(path)
    columns = []
    for name in joined.columns:
        kind = _KIND_BY_HEADER.get(name.removesuffix("（本县）"), "text")
        if kind == "text" and joined[name].dtype.is_numeric():
            kind = "count" if joined[name].dtype.is_integer() else "number"
        columns.append((name, kind, _width(name, joined[name])))
    book.table("匹配结果", columns, joined.iter_rows())
    book.table(
        "问题清单",
        [("行号", "count", 8), ("列", "text", 16), ("原因", "text", 60)],
        ([p.row, p.column, p.reason] for p in report.problems),
    )
    book.table(
        "说明",
        [("项目", "text", 18), ("内容", "text", 80)],
        [
            ["名单文件", report.file_name],
            ["身份证号列", f"{report.id_column}（已从结果中删去，只用其密文匹配）"],
            ["读取行数", f"{report.rows_read:,}"],
            ["已匹配", f"{report.matched:,}"],
            ["未找到", f"{report.not_found:,}（身份证号有效，但本县积分台账中没有该户主）"],
            ["身份证号无效", f"{len(report.invalid):,}（见「问题清单」）"],
            ["重复身份证号", f"{report.duplicate_ids:,} 个号码在名单中出现不止一次"],
            ["生成时间", f"{datetime.now():%Y-%m-%d %H:%M:%S}"],
        ],
    )
    book.close()
    return path


def _width(header: str, values: pl.Series) -> int:
    """A column width that fits the header and most values."""
    sample = [str(v) for v in values.head(500).to_list() if v is not None]
    widest = max([display_width(header), *(display_width(s) for s in sample)])
    return max(6, min(widest + 2, 40))
