"""Find where a sheet's table is: which export it is, its header row, its columns.

A sheet is recognised by its name (a tab name or a CSV file name) or, failing
that, by its header row. Rows above the header (a title) are ignored; below
it, blank rows, 合计 rows and notes are skipped and counted, never loaded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache

from core.contract import SHEETS, Sheet, header_names, normalize_header, sheet_for_name

HEADER_SEARCH_ROWS = 15
_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")
_TOTAL_RE = re.compile(r"^(合计|总计|小计|累计|总数)")
_NOTE_RE = re.compile(
    r"^(注|注意|说明|备注|填报说明|填表说明|填报人|填表人|制表|审核|联系人|联系电话|单位负责人)"
)
_SPACES = re.compile(r"\s+")
_INSTRUCTIONS = ("填表说明", "填报说明", "说明", "目录", "字典", "下拉选项")
# Unrecognised columns are kept in raw, except those that look like personal data:
# those are not stored at all (the contract's own personal columns are masked or hashed).
_PERSONAL = re.compile(r"身份证|证件|电话|手机|联系方式|姓名|名字|住址|地址|银行|账号")


@dataclass(frozen=True)
class Layout:
    """Where one export table sits in a grid."""

    sheet: Sheet
    header_index: int  # 0-based position of the header row in the grid
    columns: dict[int, str]  # grid column -> contract key
    headers: dict[str, str]  # contract key -> header as written
    extras: dict[int, str] = field(default_factory=dict)  # grid column -> header text
    dropped: tuple[str, ...] = ()  # unrecognised personal-looking headers, not stored
    missing: tuple[str, ...] = ()  # required contract keys with no column


@dataclass(frozen=True)
class Unrecognised:
    """A sheet that is not an export table; `problem` says whether staff must act."""

    reason: str
    problem: bool


@cache
def _lookup(sheet_key: str) -> dict[str, str]:
    sheet = next(s for s in SHEETS if s.key == sheet_key)
    out: dict[str, str] = {}
    for col in sheet.columns:
        for name in header_names(col):
            out.setdefault(normalize_header(name), col.key)
    return out


def column_key(sheet: Sheet, header: object) -> str | None:
    """The contract key a header names in this sheet, trying it without a unit suffix too."""
    n = normalize_header(header)
    if not n:
        return None
    table = _lookup(sheet.key)
    return table.get(n) or table.get(_UNIT_SUFFIX.sub("", n))


def match_header(sheet: Sheet, cells: list[str | None], header_index: int) -> Layout:
    """How a row of cells reads as this sheet's header (row header_index of the grid)."""
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    extras: dict[int, str] = {}
    dropped: list[str] = []
    for j, cell in enumerate(cells):
        key = column_key(sheet, cell)
        text = "" if cell is None else str(cell).strip()
        if key and key not in headers:
            columns[j] = key
            headers[key] = text
        elif text and _PERSONAL.search(normalize_header(text)):
            dropped.append(text)
        elif text:
            extras[j] = text
    missing = tuple(c.key for c in sheet.required if c.key not in headers)
    return Layout(sheet, header_index, columns, headers, extras, tuple(dropped), missing)


def find_layout(name: str, head: list[list[str | None]]) -> Layout | Unrecognised:
    """The export table in the first rows of a sheet named `name`.

    The header is the first row (of HEADER_SEARCH_ROWS) holding every required
    column of the named sheet, or of any sheet when the name says nothing;
    among sheets complete on that row, the one matching most columns wins.
    """
    named = sheet_for_name(name)
    candidates = [named] if named else list(SHEETS)
    best: Layout | None = None
    best_score = 0
    for i, cells in enumerate(head[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in cells if c) < 2:
            continue  # a title, a blank row
        complete: list[Layout] = []
        for sheet in candidates:
            layout = match_header(sheet, cells, i)
            if not layout.missing:
                complete.append(layout)
            elif len(layout.columns) >= 2 and len(layout.columns) > best_score:
                best, best_score = layout, len(layout.columns)
        if complete:
            return max(complete, key=lambda c: len(c.columns))
    if named:
        # The name says what it is but its header does not fit: maybe another export's does.
        by_header = find_layout("", head)
        if isinstance(by_header, Layout) and not by_header.missing:
            return by_header
    if best is not None:
        return best  # a header missing required columns: its rows are quarantined
    if named:
        return Unrecognised(
            f"工作表名称像「{named.title}」，但前 {HEADER_SEARCH_ROWS} 行找不到表头", True
        )
    instructions = any(w in normalize_header(name) for w in _INSTRUCTIONS)
    if instructions or not any(any(c for c in r) for r in head):
        return Unrecognised("说明页或空白页，已跳过", False)
    return Unrecognised("不是报送台账（找不到任何台账的表头），已跳过", True)


@dataclass
class Rows:
    """A table's data rows, column-wise: contract key -> cell texts, plus row numbers."""

    columns: dict[str, list[str | None]]
    row_numbers: list[int]
    extras: list[str | None]
    skipped: dict[str, int]


def table_rows(rows, layout: Layout) -> Rows:
    """The data rows below the header, by contract key, and how many rows were skipped.

    Plain Python on purpose: per file this is far cheaper than building a frame,
    and the rows of many files become one frame later (etl/extract.py).
    """
    columns: dict[str, list[str | None]] = {key: [] for key in layout.columns.values()}
    picks = list(layout.columns.items())
    extra_picks = list(layout.extras.items())
    numbers: list[int] = []
    extras: list[str | None] = []
    skipped = {"blank": 0, "total": 0, "note": 0}
    for index in range(layout.header_index + 1, len(rows)):
        raw = rows[index]
        cells = [c.strip() if isinstance(c, str) else ("" if c is None else str(c)) for c in raw]
        filled = [c for c in cells if c]
        if not filled:
            skipped["blank"] += 1
            continue
        first = _SPACES.sub("", filled[0])
        if _TOTAL_RE.match(first):
            skipped["total"] += 1
            continue
        if len(filled) == 1 and _NOTE_RE.match(first):
            skipped["note"] += 1
            continue
        width = len(cells)
        for j, key in picks:
            columns[key].append((cells[j] or None) if j < width else None)
        numbers.append(index + 1)
        if extra_picks:
            kept = {h: cells[j] for j, h in extra_picks if j < width and cells[j]}
            extras.append(json.dumps(kept, ensure_ascii=False) if kept else None)
        else:
            extras.append(None)
    return Rows(columns, numbers, extras, skipped)
