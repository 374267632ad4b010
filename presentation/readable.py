"""Cells a person reads: no None, nan, True/False or JSON in a table anyone sees.

Pure functions (a frame in, a frame or text out). A missing value reads "—",
a flag 是/否, a JSON object (the audit log's details, a quarantined row) its
keys and values in words, a number the format its table gives it.
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any

import polars as pl

from presentation import theme

# the audit log's detail keys (core/audit.py callers) in words; an unknown key shows as is
DETAIL_KEYS: dict[str, str] = {
    "run_id": "计算编号",
    "methodology": "方法版本",
    "adjustment_id": "加扣分编号",
    "review_id": "核查编号",
    "clearing_id": "录入编号",
    "month": "月份",
    "date": "日期",
    "item": "事项",
    "points": "分值",
    "reason": "理由",
    "note": "意见",
    "edition": "版次",
    "revision": "修订版",
    "folder": "目录",
    "files": "文件数",
    "kind": "类别",
    "flag": "疑点",
    "decision": "结论",
    "indicator": "指标",
    "value": "数值",
    "unit_code": "单位编码",
}


def value_text(value: Any) -> str:
    """One value in words: — for none or nan, 是/否 for a flag, a list joined by 、."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return theme.DASH
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(value_text(v) for v in value) or theme.DASH
    if isinstance(value, dict):
        return "；".join(f"{k}：{value_text(v)}" for k, v in value.items()) or theme.DASH
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    text = str(value).strip()
    return text or theme.DASH


def parse_json(text: str | None) -> dict | None:
    """A JSON object held as text, or None when the text is not one."""
    if not text or not text.lstrip().startswith("{"):
        return None
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


@functools.cache  # asked per quarantined row; CSV files name their sheet by the file name
def sheet_title(sheet_name: str | None) -> str | None:
    """The export kind (the contract sheet's title, 活动台账 …) a workbook tab or CSV file
    name refers to; None when it refers to none."""
    from core.contract import sheet_for_name

    sheet = sheet_for_name(sheet_name) if sheet_name else None
    return sheet.title if sheet is not None else None


@functools.cache  # one per export kind: read only
def _headers(title: str | None) -> dict[str, str]:
    from core.contract import SHEETS

    headers: dict[str, str] = {}
    for s in SHEETS:
        for c in s.columns:
            headers.setdefault(c.key, c.header)
    for s in SHEETS:
        if s.title == title:
            headers.update({c.key: c.header for c in s.columns})
    return headers


def row_headers(sheet_name: str | None) -> dict[str, str]:
    """A quarantined row's keys (the contract's column keys) → the export's headers, those of
    the sheet the name refers to first (core/contract.py). Shared: never change it."""
    return _headers(sheet_title(sheet_name))


def detail_text(text: str | None, keys: dict[str, str] = DETAIL_KEYS) -> str:
    """An audit detail (a JSON object) as 「版次：2；理由：……」; other text as it is."""
    found = parse_json(text)
    if found is None:
        return value_text(text)
    parts = [f"{keys.get(k, k)}：{value_text(v)}" for k, v in found.items()]
    return "；".join(parts) or theme.DASH


_CODE = re.compile(r"\b\d{9,12}\b")


def codes_named(text: str | None, names: dict[str, str]) -> str:
    """Unit codes in `text` (an audit subject: 620623101204/H0012) replaced by their names."""
    if text is None:
        return theme.DASH
    return _CODE.sub(lambda m: names.get(m.group(0), m.group(0)), text)


def json_columns(
    frame: pl.DataFrame, column: str, keys: dict[str, str] | None = None
) -> pl.DataFrame:
    """`column` (JSON objects as text) spread into one text column per key (named by `keys`
    where it has the key), in the order the keys first appear, in place of `column`; a key a
    row lacks reads —."""
    keys = keys or {}
    objects = [
        {keys.get(k, k): v for k, v in (parse_json(t) or {}).items()}
        for t in frame[column].to_list()
    ]
    keys = list(dict.fromkeys(k for o in objects for k in o))
    taken = set(frame.columns) - {column}
    spread = {
        (k if k not in taken else f"{k}（原行）"): [value_text(o.get(k)) for o in objects]
        for k in keys
    }
    at = frame.columns.index(column)
    left, right = frame.columns[:at], frame.columns[at + 1 :]
    extra = pl.DataFrame(spread, schema={k: pl.String for k in spread}) if spread else None
    parts = [frame.select(left)] + ([extra] if extra is not None else []) + [frame.select(right)]
    return pl.concat([p for p in parts if p.width], how="horizontal")


def number_text(value: float | None, fmt: str | None) -> str:
    """A number as its table formats it (theme's formats; printf-style otherwise)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return theme.DASH
    if fmt == "pct":
        return theme.pct(value)
    if fmt in ("%d", theme.DATAFRAME_COUNT):
        return f"{value:,.0f}"
    if fmt == "bar":
        return f"{value:.1f}"
    if fmt:
        try:
            return fmt % value
        except (TypeError, ValueError):
            pass
    return value_text(value)


def cells(
    frame: pl.DataFrame, formats: dict[str, str] | None = None
) -> tuple[pl.DataFrame, set[str]]:
    """`frame` with every column that would show a raw value turned into text in words;
    the names of the columns turned into text (their number formats no longer apply)."""
    formats = formats or {}
    worded: set[str] = set()
    out = []
    for name, dtype in frame.schema.items():
        col = frame[name]
        nulls = col.null_count() > 0
        if dtype.is_float():
            nulls = nulls or bool(col.is_nan().any())
        if dtype == pl.Boolean:
            out.append(col.map_elements(value_text, return_dtype=pl.String, skip_nulls=False))
        elif not nulls:
            out.append(col)
            continue
        elif dtype == pl.String:
            out.append(col.fill_null(theme.DASH))
            continue  # still text: keeps its own config
        elif dtype.is_numeric():
            fmt = formats.get(name)
            out.append(
                pl.Series(name, [number_text(v, fmt) for v in col.to_list()], dtype=pl.String)
            )
        elif dtype == pl.Date:
            out.append(col.dt.strftime("%Y-%m-%d").fill_null(theme.DASH))
        elif isinstance(dtype, pl.Datetime):
            out.append(col.dt.strftime("%Y-%m-%d %H:%M").fill_null(theme.DASH))
        else:
            out.append(col.map_elements(value_text, return_dtype=pl.String, skip_nulls=False))
        worded.add(name)
    return pl.DataFrame(out), worded
