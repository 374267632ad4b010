"""The quarterly public points ledger (道德积分公示): one printable notice per station.

Each quarter a village posts on its board, household by household, the moral
points (道德积分) issued, deducted and redeemed in the quarter and the balance
at its end. The figures are the model mart_household_quarter's: sums over
`fct_points_entry`, `fct_redemption` and `fct_clearing` rows, and balances in
the ledger's own event order (`int_household_ledger`); names are the masked
ones the ETL stored (张*明), never anything else.

    notice_data(con, "620623101204", "2026Q3")  → Notice
    render_html(notice) → str (A4, self-contained)  → render_pdf(html) → bytes
    write(con, station, quarter, out_dir)          → [.html, .pdf]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import jinja2

from core import labels, settings
from core.registry import short_name
from publish import browser
from publish.render_html import env as publisher_env

QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
CN_QUARTERS = "一二三四"


class NoticeError(ValueError):
    """A notice that cannot be made: bad quarter, not a station, or no points data."""


@dataclass(frozen=True)
class Clearing:
    cleared_date: date
    points_cleared: int  # the balance the 清零 wiped


@dataclass(frozen=True)
class NoticeRow:
    """One household's quarter: points as written on its ledger rows, balance as counted."""

    household_id: str
    head_name: str  # masked at the ETL boundary (张*明); "" when no row carries one
    issued: int
    deducted: int  # shown positive
    redeemed: int
    balance: int  # at the quarter's last day
    clearings: tuple[Clearing, ...] = ()

    @property
    def points_cleared(self) -> int:
        return sum(c.points_cleared for c in self.clearings)

    @property
    def note(self) -> str:
        """备注: '已清零（8月10日，清除40分）'."""
        parts = [
            f"{c.cleared_date.month}月{c.cleared_date.day}日"
            + (f"，清除{c.points_cleared:,}分" if c.points_cleared else "")
            for c in self.clearings
        ]
        return f"已清零（{'；'.join(parts)}）" if parts else ""


@dataclass(frozen=True)
class Notice:
    station_code: str
    station_name: str  # 安家河村新时代文明实践站
    town_name: str  # the parent institute: 打柴沟镇新时代文明实践所
    county_name: str  # 天祝县
    year: int
    quarter: int  # 1..4
    first_day: date
    last_day: date
    issued_on: date
    yuan_per_point: float
    rows: tuple[NoticeRow, ...]

    @property
    def code(self) -> str:
        """'2026Q3', as in file names."""
        return f"{self.year}Q{self.quarter}"

    @property
    def village(self) -> str:
        """安家河村: the station's name as the village signs."""
        return short_name(self.station_name)

    @property
    def is_community(self) -> bool:
        """An urban 社区 has a residents' committee (居民委员会), a village a villagers' one."""
        return self.village.endswith("社区")

    @property
    def place(self) -> str:
        """'村' or '社区', as in 本村 / 村“两委”."""
        return "社区" if self.is_community else "村"

    @property
    def committee(self) -> str:
        """安家河村村民委员会 / 乌鞘岭社区居民委员会: who signs the notice."""
        return f"{self.village}{'居民' if self.is_community else '村民'}委员会"

    @property
    def period(self) -> str:
        """'2026年第三季度（7月1日至9月30日）'."""
        f, t = self.first_day, self.last_day
        return (
            f"{self.year}年第{CN_QUARTERS[self.quarter - 1]}季度"
            f"（{f.month}月{f.day}日至{t.month}月{t.day}日）"
        )

    @property
    def title(self) -> str:
        return f"{self.village}道德积分{self.year}年第{CN_QUARTERS[self.quarter - 1]}季度公示"

    @property
    def is_complete(self) -> bool:
        """False when issued before the quarter ended: its figures may still grow."""
        return self.issued_on > self.last_day

    @property
    def totals(self) -> dict[str, int]:
        rows = self.rows
        return {
            "issued": sum(r.issued for r in rows),
            "deducted": sum(r.deducted for r in rows),
            "redeemed": sum(r.redeemed for r in rows),
            "balance": sum(r.balance for r in rows),
            "points_cleared": sum(r.points_cleared for r in rows),
            "households": len(rows),
            "households_earning": sum(1 for r in rows if r.issued > 0),
            "households_cleared": sum(1 for r in rows if r.clearings),
        }


def parse_quarter(text: str) -> tuple[int, int, date, date]:
    """'2026Q3' → (2026, 3, first day, last day); NoticeError otherwise."""
    m = QUARTER.match(text.strip())
    if not m:
        raise NoticeError(f"季度应写作 2026Q3（年份+Q+1至4），而不是 {text!r}")
    year, q = int(m.group(1)), int(m.group(2))
    first = date(year, 3 * q - 2, 1)
    last = (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)
    return year, q, first, last


def _station(con, code: str) -> tuple[str, str]:
    """(station name, town name) of a station code; NoticeError for anything else."""
    found = con.execute(
        """
        select u.kind, u.name, p.name
        from ref_unit as u
        left join ref_unit as p on p.code = u.parent_code
        where u.code = $code
        """,
        {"code": code},
    ).fetchall()
    if not found:
        raise NoticeError(f"没有代码为 {code} 的单位，请核对实践站代码")
    kind, name, town = found[0]
    if kind != "station":
        raise NoticeError(
            f"{code}（{name}）是{labels.unit_kind(kind)}，不是实践站；"
            "公示按实践站（村）生成，整个乡镇请用 --town"
        )
    return name, town or ""


# A household's quarter from mart_household_quarter, which has a row for each quarter the
# household had ledger events in; a household without events in the quarter shows the
# balance of its latest earlier row.
_ROWS = """
with quarters as (
    select * from mart_household_quarter where unit_code = $unit and quarter <= $first
),

balances as (
    select
        household_id,
        any_value(head_name_masked) as head_name,  -- the same on each of its rows
        arg_max(balance_points, quarter) as balance
    from quarters
    group by all
),

final as (
    select
        b.household_id,
        b.head_name,
        coalesce(q.points_issued, 0) as issued,
        coalesce(q.points_deducted, 0) as deducted,
        coalesce(q.points_redeemed, 0) as redeemed,
        b.balance,
        coalesce(q.clearing_list, []) as clearings
    from balances as b
    left join quarters as q on q.household_id = b.household_id and q.quarter = $first
)

select * from final
where issued <> 0 or deducted <> 0 or redeemed <> 0 or balance <> 0 or len(clearings) > 0
order by household_id
"""


def notice_data(con, station_code: str, quarter: str, issued_on: date | None = None) -> Notice:
    """A station's quarter, household by household, from the database (read-only)."""
    year, q, first, last = parse_quarter(quarter)
    station_code = station_code.strip()
    name, town = _station(con, station_code)
    params = {"unit": station_code, "first": first}
    has_data = con.execute(
        """
        select exists (select 1 from mart_household_quarter where unit_code = $unit
                       and quarter <= $first)
            or exists (select 1 from fct_points_entry where unit_code = $unit
                       and entry_date <= $last)
        """,
        {"unit": station_code, "first": first, "last": last},
    ).fetchall()[0][0]
    if not has_data:
        raise NoticeError(
            f"{name}（{station_code}）截至 {last:%Y-%m-%d} 没有道德积分数据，无法生成"
            f"{year}年第{CN_QUARTERS[q - 1]}季度公示"
        )
    rows = tuple(
        NoticeRow(
            household_id=hh,
            head_name=head or "",
            issued=int(issued),
            deducted=int(deducted),
            redeemed=int(redeemed),
            balance=int(balance),
            clearings=tuple(
                Clearing(c["cleared_date"], int(c["points_cleared"])) for c in clearings
            ),
        )
        for hh, head, issued, deducted, redeemed, balance, clearings in con.execute(
            _ROWS, params
        ).fetchall()
    )
    county = settings.read(con)
    return Notice(
        station_code=station_code,
        station_name=name,
        town_name=town,
        county_name=county.county_short_name,
        year=year,
        quarter=q,
        first_day=first,
        last_day=last,
        issued_on=issued_on or date.today(),
        yuan_per_point=county.yuan_per_point,
        rows=rows,
    )


# --- rendering -------------------------------------------------------------------------------


def points(n: int) -> str:
    """Points exactly, with thousands separators: a public ledger never rounds to 万
    (presentation.theme.count would print 12,345 as 1.23万)."""
    return f"{n:,}"


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _yuan(x: float) -> str:
    return f"{x:g}元"


@cache
def _env() -> jinja2.Environment:
    """The publisher's template environment, with the notice's own number formats."""
    e = publisher_env().overlay(cache_size=50)  # its own cache: templates bind their filters
    e.filters = {**e.filters, "points": points, "cn_date": cn_date, "yuan": _yuan}
    return e


def render_html(notice: Notice) -> str:
    """The notice as one A4 portrait page (or several), styles inline, nothing loaded."""
    return _env().get_template("notice.html.j2").render(n=notice, t=notice.totals)


def render_pdf(html: str) -> bytes:
    """The notice printed on A4 by Chromium (its @page rule sets size and margins)."""
    with browser.use() as b:
        return b.pdf(html)


def file_stem(station_code: str, quarter_code: str) -> str:
    return f"{station_code}_{quarter_code}_积分公示"


def write(
    con, station_code: str, quarter: str, out_dir: Path, issued_on: date | None = None
) -> list[Path]:
    """Write `{station}_{quarter}_积分公示.html` and `.pdf` into out_dir; return their paths."""
    notice = notice_data(con, station_code, quarter, issued_on)
    return _write(notice, Path(out_dir))


def _write(notice: Notice, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(notice.station_code, notice.code)
    html = render_html(notice)
    html_path, pdf_path = out_dir / f"{stem}.html", out_dir / f"{stem}.pdf"
    pdf = render_pdf(html)
    html_path.write_text(html, encoding="utf-8")
    pdf_path.write_bytes(pdf)
    return [html_path, pdf_path]


def stations_of_town(con, town_code: str) -> list[tuple[str, str]]:
    """(code, name) of the stations of a town (实践所), in code order; NoticeError otherwise."""
    town_code = town_code.strip()
    found = con.execute(
        "select kind, name from ref_unit where code = $code", {"code": town_code}
    ).fetchall()
    if not found:
        raise NoticeError(f"没有代码为 {town_code} 的单位，请核对实践所（乡镇）代码")
    kind, name = found[0]
    if kind != "institute":
        raise NoticeError(
            f"{town_code}（{name}）是{labels.unit_kind(kind)}，不是实践所；按乡镇生成需要实践所代码"
        )
    return [
        (code, station)
        for code, station in con.execute(
            "select code, name from ref_unit where parent_code = $code and kind = 'station' "
            "order by code",
            {"code": town_code},
        ).fetchall()
    ]


def write_town(
    con, town_code: str, quarter: str, out_dir: Path, issued_on: date | None = None
) -> tuple[dict[str, list[Path]], list[str]]:
    """Every station of a town with points data, in one browser session.

    Returns ({station code: [html, pdf]}, names of the stations skipped for
    having no points data); NoticeError when none has any.
    """
    parse_quarter(quarter)  # a bad quarter is one error, not one per station
    stations = stations_of_town(con, town_code)
    written: dict[str, list[Path]] = {}
    skipped: list[str] = []
    with browser.session():
        for code, name in stations:
            try:
                notice = notice_data(con, code, quarter, issued_on)
            except NoticeError:
                skipped.append(name)
                continue
            written[code] = _write(notice, Path(out_dir))
    if not written:
        raise NoticeError(f"{town_code} 所属实践站截至 {quarter} 末都没有道德积分数据，未生成公示")
    return written, skipped
