"""The credit-rating export (道德积分与评级授信挂钩): its rows and its workbook.

The rural credit cooperative weighs each household's moral points and stars
in its household credit rating. The export has one row per household and
year, selected from the model mart_household_year (etl/models/marts), which
holds the figures and their checks. Neither side hands over ID numbers: the
export carries the keyed hash of the head's ID number that the database
already holds (etl.privacy). The cooperative's list, which has ID numbers in
clear, is read, hashed and joined in publish/cooperative.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from core import settings
from etl.privacy import HASH_HEX
from presentation import theme
from publish.render_xlsx import Sheets


class CreditError(ValueError):
    """The export or the join cannot be made; the message says why, in Chinese."""


# --- the export's rows ---------------------------------------------------------------------

_ROWS = """
with households as (
    select *
    from mart_household_year
    where $members::varchar[] is null or list_contains($members::varchar[], unit_code)
),

chosen as (
    select * from households where year = $year
    union all
    -- after the last year the database holds nothing happens: a household's balance,
    -- stars and ID hash carry on from that year, with nothing earned, spent or cleared
    select * replace (
        0::bigint as points_issued, 0::bigint as points_deducted, 0::bigint as points_redeemed,
        false as is_cleared, null::date as cleared_date, null::varchar as clear_source,
        null::varchar as clear_reason
    )
    from households
    where year = (select max(year) from mart_household_year)
        and $year > year and balance_points > 0
),

final as (
    select
        t.name as town,
        s.name as station,
        h.unit_code,
        h.household_id,
        h.head_name_masked,
        h.id_number_hash as id_hash,
        h.points_issued,
        h.points_deducted,
        h.points_redeemed,
        h.balance_points,
        h.stars,
        h.required_stars_met,
        h.rated_month,
        h.is_cleared as cleared,
        h.cleared_date,
        h.clear_source,
        h.clear_reason
    from chosen as h
    left join ref_unit as s on s.code = h.unit_code
    left join ref_unit as t on t.code = s.parent_code
)

select * from final order by unit_code, household_id
"""

CREDIT_SCHEMA = {
    "town": pl.String,
    "station": pl.String,
    "unit_code": pl.String,
    "household_id": pl.String,
    "head_name_masked": pl.String,
    "id_hash": pl.String,
    "points_issued": pl.Int64,
    "points_deducted": pl.Int64,
    "points_redeemed": pl.Int64,
    "balance_points": pl.Int64,
    "stars": pl.Int32,
    "required_stars_met": pl.Boolean,
    "rated_month": pl.Date,
    "cleared": pl.Boolean,
    "cleared_date": pl.Date,
    "clear_source": pl.String,
    "clear_reason": pl.String,
}


def credit_rows(con, year: int, members: list[str] | None = None) -> pl.DataFrame:
    """One row per household with points events in `year` or a balance carried into it.

    members: station codes to keep (None: every station). The figures are
    mart_household_year's: points issued and deducted are the year's issued
    entries (after a 清零 nothing counts, as in the ledger); the balance is the
    ledger's after the last event up to Dec 31; stars are the latest rating
    sent by then; id_hash is null when no ID number was ever sent for the household.
    """
    params = {"year": year, "members": list(members) if members is not None else None}
    frame = con.sql(_ROWS, params=params).pl()
    return frame.cast(CREDIT_SCHEMA).select(list(CREDIT_SCHEMA))


def town_members(con, town_code: str) -> tuple[str, list[str]]:
    """A town's (institute's) name and its station codes; CreditError if it is not one."""
    rows = con.sql(
        "select name from ref_unit where code = $c and kind = 'institute'",
        params={"c": town_code},
    ).fetchall()
    if not rows:
        raise CreditError(f"{town_code} 不是登记的乡镇（实践所）编码")
    stations = con.sql(
        "select code from ref_unit where parent_code = $c and kind = 'station' order by code",
        params={"c": town_code},
    ).fetchall()
    return rows[0][0], [r[0] for r in stations]


# --- the export's workbook ----------------------------------------------------------------

_UNIT_SUFFIX = r"新时代文明实践(所|站|中心)$"


def short_name(name: str | None) -> str:
    """打柴沟镇新时代文明实践所 → 打柴沟镇: the town or village as the cooperative knows it."""
    if not name:
        return ""
    return re.sub(_UNIT_SUFFIX, "", name) or name


def short_names(expr: pl.Expr) -> pl.Expr:
    """short_name over a column of unit names."""
    return expr.str.replace(_UNIT_SUFFIX, "")


_NOTE_WIDTH = 96  # the 说明 sheet's text column, in characters

# (frame column, header, kind, width); kind: text, count, date, month, bool
EXPORT_COLUMNS: list[tuple[str, str, str, int]] = [
    ("town", "县/乡镇", "text", 20),
    ("station", "实践站", "text", 14),
    ("household_id", "户编号", "text", 12),
    ("head_name_masked", "户主(脱敏)", "text", 10),
    ("id_hash", "身份证号密文", "text", 35),
    ("points_issued", "年度获得积分", "count", 12),
    ("points_deducted", "年度扣减", "count", 10),
    ("points_redeemed", "年度兑换", "count", 10),
    ("balance_points", "年末余额", "count", 10),
    ("stars", "星级", "count", 6),
    ("required_stars_met", "必评星达标(是/否)", "bool", 12),
    ("rated_month", "评星月份", "month", 10),
    ("cleared", "是否清零", "bool", 9),
    ("cleared_date", "清零日期", "date", 12),
    ("clear_source", "清零来源", "text", 11),
    ("clear_reason", "清零原因", "text", 28),
]
EXPORT_HEADER = {col: header for col, header, _, _ in EXPORT_COLUMNS}

_MEANINGS = {
    "town": "农户所在乡镇（县名 + 乡镇）",
    "station": "农户所属的村（社区）新时代文明实践站",
    "household_id": "实践站为农户编的户号，只在本站内唯一",
    "head_name_masked": "户主姓名，中间的字以 * 隐去",
    "id_hash": "户主身份证号的加密哈希（HMAC-SHA256，取前 {n} 位十六进制），"
    "不含也不能还原身份证号；为空表示实践站从未报送该户身份证号，无法匹配",
    "points_issued": "本年度核发的加分合计（基础分、评议分、贡献分），清零之后的加分不计",
    "points_deducted": "本年度核发的扣分合计（以正数表示）",
    "points_redeemed": "本年度在爱心超市兑换使用的积分",
    "balance_points": "截至 12 月 31 日的积分余额（含以前年度结转；扣分最多扣到 0；清零后为 0）",
    "stars": "截至年底最近一次报送的星级户评定星数（0–10）",
    "required_stars_met": "三颗必评星（爱党爱国、遵规守法、诚实守信）是否全部达标",
    "rated_month": "该星级所在户信息表的报送月份",
    "cleared": "本年度是否因严重违规被清零（清零后当年不再获得积分）",
    "cleared_date": "清零日期",
    "clear_source": "台账：实践站积分台账中的清零记录；办公室录入：县中心办公室据通报录入",
    "clear_reason": "清零的事由",
}


def write_export(frame: pl.DataFrame, path: Path, year: int, county_name: str) -> Path:
    """The cooperative's workbook: a 说明 sheet and the 农户积分 data sheet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = frame.with_columns(
        town=pl.lit(county_name) + short_names(pl.col("town")).fill_null(""),
        station=short_names(pl.col("station")),
    )
    n = frame.height
    with_hash = int(frame["id_hash"].is_not_null().sum())
    cleared = int(frame["cleared"].sum())
    book = CreditBook(path)
    notes = book.book.add_worksheet("说明")
    notes.set_column(0, 0, 22)
    notes.set_column(1, 1, _NOTE_WIDTH + 4)
    book.printed(notes)
    notes.write_string(0, 0, f"{county_name}{year}年度农户道德积分与星级（评级授信用）", book.title)
    facts = [
        ("年度", f"{year} 年（1 月 1 日至 12 月 31 日）"),
        ("生成时间", f"{datetime.now():%Y-%m-%d %H:%M:%S}"),
        ("农户数", f"{n:,} 户（本年度有积分记录，或有上年结转余额）"),
        ("有身份证号密文", f"{with_hash:,} 户"),
        (
            "缺身份证号密文",
            f"{n - with_hash:,} 户（无法与信用社名单匹配，请实践站补报户主身份证号）",
        ),
        ("本年度清零", f"{cleared:,} 户"),
        (
            "身份证号如何处理",
            "本表不含身份证号。「身份证号密文」是户主身份证号在县中心密钥下的 HMAC-SHA256 "
            f"哈希（前 {HASH_HEX} 位十六进制）：同一身份证号得到同一密文，密文不能还原为身份证号。",
        ),
        (
            "信用社如何匹配",
            "信用社的农户名单（含身份证号）用同一程序、同一密钥计算密文"
            "（civic credit --cooperative 名单文件），按密文与本表相连；"
            "结果表删去身份证号列，双方都不交换明文身份证号。身份证号中的空格、短横线、"
            "小写 x 不影响密文。",
        ),
        ("数据来源", "各实践站报送的积分台账、兑换台账、户信息表，以及县中心录入的清零记录"),
    ]
    top = len(facts) + 3
    meanings = [(h, _MEANINGS[c].format(n=HASH_HEX)) for c, h, _, _ in EXPORT_COLUMNS]
    notes.write_string(top, 0, "列名", book.header)
    notes.write_string(top, 1, "含义", book.header)
    for i, (k, v) in [*enumerate(facts, 2), *enumerate(meanings, top + 1)]:
        notes.write_string(i, 0, k, book.bold)
        notes.write_string(i, 1, v, book.wrap)
        # spreadsheets do not grow a row for wrapped text written by a program
        notes.set_row(i, 14 * (1 + (display_width(v) - 1) // _NOTE_WIDTH))
    book.table(
        "农户积分",
        [(header, kind, width) for _, header, kind, width in EXPORT_COLUMNS],
        data.select([c for c, _, _, _ in EXPORT_COLUMNS]).iter_rows(),
    )
    book.close()
    return path


class CreditBook(Sheets):
    """The project's workbook writer with the 说明 sheet's formats; every table printable."""

    def __init__(self, path: Path):
        super().__init__(path)
        add, base = self.book.add_format, self.base
        self.title = add({**base, "bold": True, "font_size": 14, "font_color": theme.ACCENT})
        self.bold = add({**base, "bold": True})
        self.wrap = add({**base, "text_wrap": True})

    def table(self, name: str, columns: list[tuple[str, str, int]], rows: Iterable) -> int:
        return super().table(name, columns, rows, printable=True)


def display_width(text: str) -> int:
    """Characters a cell needs: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --- the command's work --------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    year: int
    households: int
    with_hash: int
    cleared: int
    scope: str


def export_year(
    store: Path | None, year: int, town_code: str | None, out: Path
) -> tuple[pl.DataFrame, ExportResult]:
    """Read the current database, write the year's export; CreditError when there is nothing."""
    from core import store as db_store

    with db_store.reading(store) as con:
        members, scope = None, "全县"
        if town_code:
            scope, members = town_members(con, town_code)
        frame = credit_rows(con, year, members)
        county = settings.read(con)
    if frame.is_empty():
        raise CreditError(f"{scope} {year} 年没有农户积分记录，未生成文件")
    write_export(frame, out, year, county.county_short_name)
    return frame, ExportResult(
        out,
        year,
        frame.height,
        int(frame["id_hash"].is_not_null().sum()),
        int(frame["cleared"].sum()),
        short_name(scope),
    )
