"""Write the official export templates (报送模板) from the contract.

One .xlsx per export kind, with drop-down validation for enumerated and
yes/no columns, number and date checks, and a sheet of instructions; and one
CSV header file per kind for units whose systems export CSV.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import xlsxwriter

from core import labels
from core.contract import SHEETS, Column, Sheet

# A fixed creation date keeps the template bytes identical from run to run.
FIXED_CREATED = datetime(2026, 1, 1)
VALIDATED_ROWS = 5000

KIND_LABEL = {
    "text": "文本",
    "code": "单位编码",
    "date": "日期",
    "datetime": "日期时间",
    "month": "月份(如 2026-10)",
    "int": "整数",
    "number": "数字",
    "enum": "下拉选择",
    "bool": "是/否",
}


def write_templates(out_dir: Path) -> list[Path]:
    """Write every template into out_dir; return the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet in SHEETS:
        written.append(_write_xlsx(sheet, out_dir / f"{sheet.title}.xlsx"))
        written.append(_write_csv(sheet, out_dir / f"{sheet.title}.csv"))
    return written


def column_help(col: Column) -> str:
    """One line telling a clerk what goes in a column."""
    parts = ["必填" if col.required else "选填", KIND_LABEL[col.kind]]
    if col.enum:
        parts.append("可选值：" + "/".join(col.enum))
    if col.minimum is not None and col.maximum is not None:
        parts.append(f"范围 {col.minimum:g}–{col.maximum:g}")
    elif col.minimum is not None:
        parts.append(f"不小于 {col.minimum:g}")
    if col.personal == "secret":
        parts.append("个人信息：入库前加密，不明文保存")
    elif col.personal == "name":
        parts.append("个人信息：展示时脱敏")
    return "；".join(parts)


def _write_csv(sheet: Sheet, path: Path) -> Path:
    # With a BOM, Chinese Excel opens the UTF-8 header without garbling it.
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerow([c.header for c in sheet.columns])
    return path


def _write_xlsx(sheet: Sheet, path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties(
        {"title": sheet.title, "author": "县新时代文明实践中心", "created": FIXED_CREATED}
    )
    head_req = wb.add_format(
        {
            "bold": True,
            "bg_color": "#C00000",
            "font_color": "#FFFFFF",
            "border": 1,
            "align": "center",
            "valign": "vcenter",
        }
    )
    head_opt = wb.add_format(
        {"bold": True, "bg_color": "#D9D9D9", "border": 1, "align": "center", "valign": "vcenter"}
    )
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    text_fmt = wb.add_format({"num_format": "@"})
    ws = wb.add_worksheet(sheet.title)
    ws.freeze_panes(1, 0)
    ws.set_row(0, 24)
    last = VALIDATED_ROWS
    for j, col in enumerate(sheet.columns):
        ws.write(0, j, col.header, head_req if col.required else head_opt)
        ws.write_comment(0, j, column_help(col), {"x_scale": 2, "y_scale": 1.2})
        width = max(10, 2.2 * len(col.header) + 2)
        fmt = {"date": date_fmt, "datetime": dt_fmt, "code": text_fmt, "text": text_fmt}.get(
            col.kind
        )
        ws.set_column(j, j, width, fmt)
        rule = _validation(col)
        if rule:
            ws.data_validation(1, j, last, j, rule)
    notes = wb.add_worksheet("填表说明")
    notes.set_column(0, 0, 24)
    notes.set_column(1, 1, 90)
    bold = wb.add_format({"bold": True})
    notes.write(
        0,
        0,
        f"{sheet.title}（报送单位：{'、'.join(labels.unit_kind(s) for s in sheet.senders)}）",
        bold,
    )
    notes.write(1, 0, "说明")
    notes.write(
        1,
        1,
        "第一行为表头，请勿修改；红色表头为必填项。每月5日前报送上月台账。"
        "日期请填 2026-10-05 格式。同一单位同一月份重复报送时，以最后一次为准。",
    )
    notes.write(3, 0, "列名", bold)
    notes.write(3, 1, "填写要求", bold)
    for i, col in enumerate(sheet.columns, start=4):
        notes.write(i, 0, col.header)
        notes.write(i, 1, column_help(col))
    wb.close()
    return path


def _validation(col: Column) -> dict | None:
    """The Excel data validation for a column, or None."""
    if col.enum:
        return {
            "validate": "list",
            "source": list(col.enum),
            "error_title": "请从下拉列表选择",
            "error_message": "可选值：" + "/".join(col.enum),
        }
    if col.kind == "int":
        lo = int(col.minimum) if col.minimum is not None else -(10**9)
        hi = int(col.maximum) if col.maximum is not None else 10**9
        return {
            "validate": "integer",
            "criteria": "between",
            "minimum": lo,
            "maximum": hi,
            "error_title": "请输入整数",
            "error_message": f"请输入 {lo} 到 {hi} 之间的整数",
        }
    if col.kind == "number" and col.minimum is not None:
        hi = col.maximum if col.maximum is not None else 10**9
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": col.minimum,
            "maximum": hi,
            "error_title": "请输入数字",
            "error_message": f"请输入不小于 {col.minimum:g} 的数字",
        }
    if col.kind in ("date", "datetime"):
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": datetime(2000, 1, 1),
            "maximum": datetime(2099, 12, 31),
            "error_title": "请输入日期",
            "error_message": "请按 2026-10-05 格式填写日期",
        }
    return None
