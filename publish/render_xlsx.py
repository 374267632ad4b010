"""The edition's workbook: the rankings, each unit explained, the indicator details, the method.

Every sheet is a table with Chinese headers, a frozen header row, a filter
and number formats from presentation.theme. Text is always written as text, and
text that a spreadsheet could take for a formula (starting with = + - @)
is neutralised with a leading apostrophe (presentation.plain.cell, as in the
dashboard's downloads), so a unit named `=cmd|...` stays a name in Excel, WPS
and any CSV saved from them. A number is stored as it is shown (rounded to its
format's decimals: a weight reads 5.0% and holds 0.05), a flag as words, and
nothing as a blank.

Printing: A4, as wide as one page, the header row repeated on every page,
page numbers; each ranking of the article on one page; the wide detail
sheets in landscape.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import xlsxwriter

from presentation import plain, theme
from publish import reasons
from publish.model import PUBLISHED_GROUPS, Report

# decimals each number format shows: a number is stored rounded to them
DECIMALS = {"count": 0, "decimal": 1, "decimal2": 2, "score": 1, "pct": 3, "ratio": 3,
            "change": 1, "number": 4}  # fmt: skip
LINE_HEIGHT = 14  # points per line of 10-point text
TEXT_KINDS = ("text", "wrap", "centre")


@dataclass(frozen=True)
class Page:
    """How a sheet prints: A4, fit to one page wide (and one tall when `one_page`)."""

    landscape: bool = False
    one_page: bool = False
    row_height: float | None = None  # points; None = the spreadsheet's default


PORTRAIT = Page()
LANDSCAPE = Page(landscape=True)
ONE_PAGE = Page(one_page=True)  # a ranking of the article: one page


class Strong(list):
    """A row written in bold (a unit's total); `kinds` overrides some columns' kinds."""

    def __init__(self, values, kinds: dict[int, str] | None = None):
        super().__init__(values)
        self.kinds = kinds or {}


def display_width(text: str) -> int:
    """Characters a cell needs: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def stored(value: float, kind: str) -> float:
    """The number as its format shows it (0.04999999999999999 as 5.0% is stored 0.05)."""
    digits = DECIMALS.get(kind)
    return value if digits is None else round(value, digits) + 0.0  # + 0.0: no −0.0


def _lines(text: str, width: int) -> int:
    """Lines a wrapped text takes in a column `width` characters wide."""
    # a CJK character of 10-point YaHei takes about 1.9 of Excel's width units
    return max(1, math.ceil(display_width(text) * 0.95 / max(1, width - 1)))


def _header_text(text: str) -> str:
    return text.replace("&", "&&")


class Sheets:
    """An xlsxwriter workbook in the theme; cells are text or numbers, never formulas.

    A column's kind is text, bool (是/否), date, month, number or a theme.XLSX_FORMATS key.
    """

    def __init__(self, path: Path, as_shown: bool = False):
        """as_shown: store each number rounded to the decimals its format shows."""
        self.as_shown = as_shown
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
        self.props = {
            "text": {},
            "wrap": {"text_wrap": True},
            "centre": {"align": "center"},
            "bool": {"align": "center"},
            "date": {"num_format": "yyyy-mm-dd", "align": "left"},
            "month": {"num_format": "yyyy-mm", "align": "left"},
            "number": {"num_format": "#,##0.00##"},
            "legend": {"text_wrap": True, "font_color": theme.MUTED, "valign": "top"},
            **{kind: {"num_format": num} for kind, num in theme.XLSX_FORMATS.items()},
        }
        self.formats = {k: self.book.add_format({**base, **v}) for k, v in self.props.items()}

    def table(
        self,
        name: str,
        columns: list[tuple[str, str, int]],
        rows,
        printable: bool = False,
        *,
        page: Page | None = None,
        legend: tuple[str, ...] | list[str] = (),
        title: str = "",
    ) -> int:
        """A sheet with a frozen header row and a filter; columns: (header, kind, width).

        Kinds: text, wrap (text that wraps: the row grows to hold it), bool,
        date, month, number or a theme.XLSX_FORMATS key. printable: A4
        landscape, one page wide (page= says otherwise). legend: lines under
        the table, across its width. A row given as Strong(...) is bold.
        Returns the number of rows written.
        """
        ws = self.book.add_worksheet(name)
        for c, (header, _, width) in enumerate(columns):
            ws.write_string(0, c, header, self.header)
            ws.set_column(c, c, width)
        ws.set_row(0, LINE_HEIGHT * max(_lines(h, w) for h, _, w in columns))
        n = 0
        if page is not None and page.row_height:
            ws.set_default_row(page.row_height)
        for n, row in enumerate(rows, 1):
            bold = isinstance(row, Strong)
            lines = 1
            for c, ((_, kind, width), value) in enumerate(zip(columns, row, strict=True)):
                kind = row.kinds.get(c, kind) if bold else kind
                fmt = self._format(kind, bold)
                if (
                    value is None
                    or (isinstance(value, float) and math.isnan(value))
                    or (kind in TEXT_KINDS and value == "")
                ):
                    if bold:  # an empty cell needs writing only for its border
                        ws.write_blank(n, c, None, fmt)
                elif kind in TEXT_KINDS:
                    ws.write_string(n, c, plain.cell(str(value)), fmt)
                    if kind == "wrap":
                        lines = max(lines, _lines(str(value), width))
                elif isinstance(value, bool):
                    ws.write_string(n, c, "是" if value else "否", self._format(
                        "bool" if kind == "bool" else "text", bold))  # fmt: skip
                elif kind in ("date", "month"):
                    ws.write_datetime(n, c, datetime(value.year, value.month, value.day), fmt)
                else:
                    ws.write_number(n, c, stored(value, kind) if self.as_shown else value, fmt)
            if lines > 1:  # spreadsheets do not grow a row for wrapped text written by a program
                ws.set_row(n, LINE_HEIGHT * lines + 2)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(n, 1), len(columns) - 1)
        width = sum(w for _, _, w in columns)
        for i, line in enumerate(legend, n + 2):
            ws.merge_range(i, 0, i, len(columns) - 1, line, self.formats["legend"])
            ws.set_row(i, LINE_HEIGHT * _lines(line, width) + 2)
        if page is None and printable:
            page = LANDSCAPE
        if page is not None:
            self.printed(ws, page, title or name)
        return n

    def _format(self, kind: str, bold: bool):
        if not bold:
            return self.formats[kind]
        key = f"{kind}+bold"
        if key not in self.formats:
            props = {**self.base, **self.props.get(kind, {}), "bold": True, "top": 1}
            self.formats[key] = self.book.add_format(props)
        return self.formats[key]

    @staticmethod
    def printed(ws, page: Page = LANDSCAPE, title: str = "") -> None:
        """A4, as wide as one page (one page tall too for `one_page`), header row repeated."""
        ws.set_paper(9)
        if page.landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 1 if page.one_page else 0)
        ws.repeat_rows(0)
        ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
        if title:
            ws.set_header(f"&L{_header_text(title)}")
        ws.set_footer("&C第 &P 页，共 &N 页")

    def close(self) -> None:
        self.book.close()


def _list_mark(r) -> str:
    return "红榜" if r.on_red_list else "黑榜" if r.on_black_list else ""


RANK_COLUMNS = [
    ("名次", "count", 6),
    ("名次区间", "centre", 9),
    ("误差标记", "centre", 9),
    ("变化", "centre", 7),
    ("单位代码", "text", 14),
    ("单位", "text", 30),
    ("得分", "score", 7),
    ("档次", "centre", 6),
    ("红黑榜", "centre", 7),
    ("本单位台账", "centre", 11),
]


def _rank_rows(table):
    for r in table.rows:
        yield [
            r.rank,
            r.interval,
            reasons.UNSURE_MARK if r.is_tied else "",
            r.change_label,
            r.unit_code,
            r.unit_name,
            r.score,
            r.tier,
            _list_mark(r),
            "已报送" if r.is_submitted else "未报送",
        ]


def _legend(report: Report, table) -> list[str]:
    return [f"注：{reasons.rank_legend(report.draws)}。", *(f"注：{n}。" for n in table.notes)]


def _strengths(unit) -> list[str]:
    if unit is None:
        return ["", ""]
    return ["、".join(unit.strengths) or "—", "、".join(unit.weaknesses) or "—"]


def _units_rows(report: Report):
    """单位明细: per unit its indicators, adjustments and total (the changes add up to the
    total's), then its strengths and weaknesses; filterable by unit."""
    for u in report.units:
        if u.group_key not in PUBLISHED_GROUPS:
            continue
        head = [u.group_label, u.rank_text, u.unit_name]
        for line in u.lines:
            yield [
                *head,
                line.name,
                line.raw_value,
                line.unit,
                line.normalised,
                line.weight,
                line.contribution,
                line.change,
                line.note or ("不适用" if line.normalised is None else ""),
            ]
        if u.adjustment or u.adjustment_change:
            yield [*head, "加分/扣分", None, "", None, None, u.adjustment, u.adjustment_change,
                   "；".join(u.adjustments)]  # fmt: skip
        total_note = f"上月得分 {theme.score(u.prev_score)}" if u.prev_score is not None else ""
        if not u.is_submitted:
            total_note = "未报送本单位台账，列于榜末"
        # the score in the contributions' column, printed as scores are (one decimal)
        yield Strong(
            [*head, "得分", None, "", None, None, u.score, u.change, total_note], {8: "score"}
        )
        yield [*head, "优势", None, "", None, None, None, None, "、".join(u.strengths) or "—"]
        yield [*head, "短板", None, "", None, None, None, None, "、".join(u.weaknesses) or "—"]


def _indicator_rows(report: Report, labels: dict[str, str], partitions: dict[str, str]):
    spec = report.method.spec
    specs = {(g.key, i.key): i for g in spec.groups.values() for i in g.indicators} if spec else {}
    for r in report.indicators.iter_rows(named=True):
        ind = specs.get((r["group_key"], r["indicator_key"]))
        lo, hi = ind.goalposts if ind else (None, None)
        note = reasons.treatment(r, ind, spec) if spec else ""
        yield [
            labels.get(r["group_key"], r["group_key"]),
            partitions.get(r["unit_code"], "") if r["group_key"] == "station" else "",
            r["unit_code"],
            r["unit_name"],
            r["rank"],
            r["indicator_name"],
            r["raw_value"],
            r["value_used"] if r["value_used"] != r["raw_value"] else None,
            r["unit"],
            r["numerator"],
            r["denominator"],
            lo,
            hi,
            r["normalised"],
            r["weight"],
            r["contribution"],
            r["change_shown"],
            note or ("不适用" if r["normalised"] is None else ""),
        ]


def render(report: Report, out_dir: Path) -> list[Path]:
    path = out_dir / f"{report.file_stem}_index.xlsx"
    s = Sheets(path, as_shown=True)
    month = report.month_label
    for table in report.rankings:
        s.table(
            f"{table.label}排名"[:31],
            RANK_COLUMNS,
            _rank_rows(table),
            page=ONE_PAGE,
            legend=_legend(report, table),
            title=f"{report.county_short}{month}{table.label}考评指数排名",
        )
    labels = {g[0]: g[1] for g in report.method.groups}
    partitions = {r.unit_code: r.partition_name for r in report.stations.rows}
    station_units = {u.unit_code: u for u in report.units if u.group_key == "station"}
    if report.stations.rows:
        s.table(
            "实践站排名（所内）",
            [("所属实践所", "text", 24), *RANK_COLUMNS, ("优势", "wrap", 38), ("短板", "wrap", 38)],
            (
                [r.partition_name, *row, *_strengths(station_units.get(r.unit_code))]
                for r, row in zip(report.stations.rows, _rank_rows(report.stations), strict=True)
            ),
            page=LANDSCAPE,
            legend=_legend(report, report.stations),
            title=f"{report.county_short}{month}实践站考评指数排名（所内）",
        )
    s.table(
        "单位明细",
        [
            ("榜单", "text", 12),
            ("名次（区间）", "centre", 11),
            ("单位", "text", 26),
            ("项目", "text", 22),
            ("报送值", "decimal2", 10),
            ("计量单位", "text", 9),
            ("标准化得分", "score", 9),
            ("权重", "pct", 7),
            ("贡献分", "decimal2", 8),
            ("较上月", "change", 7),
            ("说明", "wrap", 52),
        ],
        _units_rows(report),
        page=LANDSCAPE,
        legend=[
            "注：贡献分 = 权重 × 标准化得分，各项贡献分之和为基础得分，加上加分、减去扣分即为得分；"
            "“较上月”为各项对得分变化的贡献（一位小数），合计恰为“得分”行的较上月变化。",
            f"注：{reasons.rank_legend(report.draws)}。",
        ],
        title=f"{report.county_short}{month}考评指数各单位得分说明",
    )
    s.table(
        "指标明细",
        [
            ("榜单", "text", 12),
            ("所属实践所", "text", 16),
            ("单位代码", "text", 13),
            ("单位", "text", 22),
            ("名次", "count", 5),
            ("指标", "text", 20),
            ("报送值", "decimal2", 9),
            ("计分值", "decimal2", 9),
            ("计量单位", "text", 9),
            ("分子", "decimal", 9),
            ("分母", "decimal", 9),
            ("目标值下限", "decimal", 7),
            ("目标值上限", "decimal", 7),
            ("标准化得分", "score", 8),
            ("权重", "pct", 7),
            ("贡献分", "decimal2", 7),
            ("较上月", "change", 7),
            ("说明", "wrap", 34),
        ],
        _indicator_rows(report, labels, partitions),
        page=LANDSCAPE,
        legend=[
            "注：报送值 = 分子 ÷ 分母（× 每千人等）；计分值仅在数据存疑封顶时与报送值不同；"
            "标准化得分 = (计分值 − 目标值下限) ÷ (上限 − 下限) × 100，限于0–100，越低越好的指标取"
            "100减此值；贡献分 = 权重 × 标准化得分。"
        ],
        title=f"{report.county_short}{month}考评指数指标明细",
    )
    spec = report.method.spec
    if spec is not None:
        s.table(
            "方法说明",
            [
                ("榜单", "text", 12),
                ("指标", "text", 20),
                ("维度", "text", 9),
                ("定义", "wrap", 46),
                ("计量单位", "text", 9),
                ("方向", "text", 8),
                ("目标值下限", "decimal", 8),
                ("目标值上限", "decimal", 8),
                ("权重", "pct", 7),
            ],
            (
                [
                    g.label,
                    i.name,
                    i.dimension,
                    i.definition,
                    i.unit,
                    reasons.direction_text(i),
                    i.goalposts[0],
                    i.goalposts[1],
                    g.weights()[i.key],
                ]
                for g in spec.groups.values()
                for i in g.indicators
            ),  # fmt: skip
            page=LANDSCAPE,
            legend=[
                f"注：《{report.method.title}》（版本 {report.method.id}）；"
                "权重为该指标在本榜单中的占比。"
            ],
            title=f"{report.method.title}：指标、目标值与权重",
        )
        s.table(
            "计分规则",
            [("项目", "text", 10), ("规则", "wrap", 90)],
            [list(rule) for rule in reasons.rules(spec, report.draws)],
            page=PORTRAIT,
            title=f"{report.method.title}：计分规则",
        )
    s.table(
        "敏感性分析",
        [
            ("榜单", "text", 14),
            ("改变的假设", "wrap", 34),
            ("平均名次变动", "decimal2", 9),
            ("最大名次变动", "count", 9),
            ("名次变动的单位数", "count", 10),
            ("与公布名次的秩相关", "ratio", 11),
            ("单位数", "count", 7),
        ],
        (
            [
                labels.get(r.group_key, r.group_key),
                r.label,
                r.mean_shift,
                r.max_shift,
                r.units_moved,
                r.spearman,
                r.units,
            ]
            for r in sorted(
                report.sensitivity,
                key=lambda r: (
                    list(labels).index(r.group_key) if r.group_key in labels else len(labels)
                ),
            )
        ),  # fmt: skip
        page=PORTRAIT,
        legend=[
            "注：每次只改变一项假设重新计算，与公布的名次比较；名次变动为各单位名次变动的绝对值"
            "（名），秩相关系数越接近1，排名越不受该项假设影响。"
        ],
        title="排名的敏感性",
    )
    s.table(
        "加扣分项目",
        [("类型", "text", 8), ("项目", "text", 30), ("单项上限（分）", "decimal", 14)],
        (
            [{"bonus": "加分", "penalty": "扣分"}[k], item, mx]
            for k, item, mx in report.method.adjustments
        ),
        page=PORTRAIT,
    )
    e = report.edition
    s.table(
        "发布信息",
        [("项目", "text", 16), ("内容", "wrap", 80)],
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
        page=PORTRAIT,
    )
    s.close()
    return [path]
