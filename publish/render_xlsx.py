"""The edition's workbook: one sheet per ranking, the indicator details and the methodology.

Every sheet is a table with Chinese headers, a frozen header row, a filter
and number formats from presentation.theme. Text is always written as text, and
text that a spreadsheet could take for a formula (starting with = + - @)
is neutralised with a leading apostrophe (presentation.plain.cell, as in the
dashboard's downloads), so a unit named `=cmd|...` stays a name in Excel, WPS
and any CSV saved from them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import xlsxwriter

from presentation import plain, theme
from publish.model import Report


class Sheets:
    """An xlsxwriter workbook in the theme; cells are text or numbers, never formulas.

    A column's kind is text, bool (是/否), date, month, number or a theme.XLSX_FORMATS key.
    """

    def __init__(self, path: Path):
        self.book = xlsxwriter.Workbook(
            str(path),
            {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
        )
        self.base = base = {"font_name": theme.FONT_OFFICE, "font_size": 10, "valign": "top"}
        self.header = self.book.add_format(
            {
                **base,
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": theme.ACCENT,
                "border": 1,
                "text_wrap": True,
            }
        )
        self.formats = {
            "text": self.book.add_format(base),
            "bool": self.book.add_format({**base, "align": "center"}),
            "date": self.book.add_format({**base, "num_format": "yyyy-mm-dd", "align": "left"}),
            "month": self.book.add_format({**base, "num_format": "yyyy-mm", "align": "left"}),
            "number": self.book.add_format({**base, "num_format": "#,##0.00##"}),
        }
        for kind, num in theme.XLSX_FORMATS.items():
            self.formats[kind] = self.book.add_format({**base, "num_format": num})

    def table(
        self, name: str, columns: list[tuple[str, str, int]], rows, printable: bool = False
    ) -> int:
        """A sheet with a frozen header row and a filter; columns: (header, kind, width).

        printable: A4 landscape, one page wide, header repeated, page numbers.
        Returns the number of rows written.
        """
        ws = self.book.add_worksheet(name)
        for c, (header, _, width) in enumerate(columns):
            ws.write_string(0, c, header, self.header)
            ws.set_column(c, c, width)
        n = 0
        for n, row in enumerate(rows, 1):
            for c, ((_, kind, _), value) in enumerate(zip(columns, row, strict=True)):
                fmt = self.formats[kind]
                if value is None or (kind == "text" and value == ""):
                    ws.write_blank(n, c, None, fmt)
                elif kind == "text":
                    ws.write_string(n, c, plain.cell(str(value)), fmt)
                elif isinstance(value, bool):
                    ws.write_string(n, c, "是" if value else "否", self.formats[
                        "bool" if kind == "bool" else "text"])  # fmt: skip
                elif kind in ("date", "month"):
                    ws.write_datetime(n, c, datetime(value.year, value.month, value.day), fmt)
                else:
                    ws.write_number(n, c, value, fmt)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(n, 1), len(columns) - 1)
        if printable:
            self.printed(ws)
            ws.repeat_rows(0)
        return n

    @staticmethod
    def printed(ws) -> None:
        """A4 landscape, as wide as one page, page numbers: printable as it is."""
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_footer("&C第 &P 页，共 &N 页")

    def close(self) -> None:
        self.book.close()


def _list_mark(r) -> str:
    return "红榜" if r.on_red_list else "黑榜" if r.on_black_list else ""


RANK_COLUMNS = [
    ("名次", "count", 6),
    ("变化", "text", 7),
    ("单位代码", "text", 15),
    ("单位", "text", 30),
    ("得分", "score", 8),
    ("档次", "text", 7),
    ("红黑榜", "text", 8),
    ("本单位台账", "text", 11),
]


def _rank_rows(table):
    for r in table.rows:
        yield [
            r.rank,
            r.change_label,
            r.unit_code,
            r.unit_name,
            r.score,
            r.tier,
            _list_mark(r),
            "已报送" if r.is_submitted else "未报送",
        ]


def render(report: Report, out_dir: Path) -> list[Path]:
    path = out_dir / f"{report.file_stem}_index.xlsx"
    s = Sheets(path)
    for table in report.rankings:
        s.table(f"{table.label}排名"[:31], RANK_COLUMNS, _rank_rows(table))
    if report.stations.rows:
        s.table(
            "实践站排名（所内）",
            [("所属实践所", "text", 28), *RANK_COLUMNS],
            (
                [r.partition_name, *row]
                for r, row in zip(report.stations.rows, _rank_rows(report.stations), strict=True)
            ),
        )
    labels = {g[0]: g[1] for g in report.method.groups}
    s.table(
        "指标明细",
        [
            ("榜单", "text", 14),
            ("单位代码", "text", 15),
            ("单位", "text", 28),
            ("名次", "count", 6),
            ("指标", "text", 22),
            ("维度", "text", 10),
            ("原始值", "decimal", 10),
            ("计量单位", "text", 12),
            ("分子", "decimal", 10),
            ("分母", "decimal", 10),
            ("标准化得分", "decimal", 10),
            ("权重", "pct", 8),
            ("贡献分", "decimal", 8),
            ("较上月贡献变化", "decimal", 12),
            ("超出目标值", "bool", 10),
            ("缺值补齐", "bool", 9),
        ],
        (
            [
                labels.get(r["group_key"], r["group_key"]),
                r["unit_code"],
                r["unit_name"],
                r["rank"],
                r["indicator_name"],
                r["dimension"],
                r["raw_value"],
                r["unit"],
                r["numerator"],
                r["denominator"],
                r["normalised"],
                r["weight"],
                r["contribution"],
                r["contribution_change"],
                r["is_capped"],
                r["is_imputed"],
            ]
            for r in report.indicators.iter_rows(named=True)
        ),
    )
    s.table(
        "考评办法",
        [
            ("榜单", "text", 14),
            ("指标", "text", 26),
            ("维度", "text", 10),
            ("方向", "text", 10),
            ("权重", "pct", 8),
        ],
        (
            [label, name, dim, "越高越好" if d == "+" else "越低越好", w]
            for _, label, inds in report.method.groups
            for name, dim, w, d in inds
        ),
    )
    s.table(
        "加扣分项目",
        [("类型", "text", 8), ("项目", "text", 30), ("单项上限（分）", "decimal", 14)],
        (
            [{"bonus": "加分", "penalty": "扣分"}[k], item, mx]
            for k, item, mx in report.method.adjustments
        ),
    )
    e = report.edition
    s.table(
        "发布信息",
        [("项目", "text", 16), ("内容", "text", 80)],
        [
            ["标题", report.title],
            ["版次", e.label],
            ["修订原因", e.reason],
            ["修订内容", "；".join(e.changelog)],
            ["审核人", e.reviewer],
            ["签发人", e.approver],
            ["发布时间", f"{e.published_at:%Y-%m-%d %H:%M:%S}" if e.published_at else ""],
            ["考评办法", f"{report.method.title}（{report.method.id}）"],
            ["考评办法 SHA-256", report.method.sha256],
            ["指数计算编号", str(report.run_id)],
            ["数据截至", report.data_as_of],
        ],
    )
    s.close()
    return [path]
