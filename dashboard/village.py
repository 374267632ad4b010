"""Village practice as queries: residents' matters (民事直说), station standards
(八有 and the town plan's monthly minimum), star households, zero-clearings
and the points integrity audit.

Like dashboard/metrics.py: a connection and plain arguments in, a frame out,
no Streamlit; `members` is an area's unit codes (None: the whole county),
declared as each query's area (core.access.query), so dashboard/data.py
can hold a 乡镇 account to its town.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import polars.selectors as cs

from core import labels
from core.access import AREA, query
from core.months import shift
from dashboard.metrics import _frame

LEVELS = ("网格员直办", "议事会领办", "村镇联办", "镇党委督办")  # lowest first
CATEGORIES = ("村里事", "邻里事", "家里事")
STANDARD_ITEMS = labels.STANDARD_ITEMS
FLAG_RULES = {
    "out_of_range": "分值超出目录范围",
    "same_day": "同户同日多次记分",
    "peer_outlier": "户均积分远高于同类站点",
    "overdrawn": "兑换超过余额",
    "no_publicity": "核发未经公示",
}


def _unit_key(level: str) -> str:
    """SQL choosing a station's own code or its town's (institute's) code."""
    return "s.code" if level == "station" else "s.parent_code"


# ------------------------------------------------------------------ 民事直说


@query(scope=AREA, area="members")
def matters_summary(con, month: date, members: list[str] | None) -> dict:
    """The month's matters: accepted, resolved, resolved by the grid worker, days, satisfaction,
    and the backlog at month end (open, open past the county's limit)."""
    row = _frame(
        con,
        """
        with m as (
            select * from fct_matter
            where month = $m and ($members is null or list_contains($members, unit_code))
        ),
        b as (
            select coalesce(sum(open_at_end), 0) as open_at_end,
                   coalesce(sum(open_past_limit), 0) as open_past_limit,
                   coalesce(sum(resolved_in_month), 0) as resolved_in_month
            from mart_matter_backlog
            where month = $m and ($members is null or list_contains($members, unit_code))
        )
        select
            (select count(*) from m) as matters,
            (select count(*) from m where is_resolved) as resolved,
            (select count(*) from m where is_resolved and level = '网格员直办') as resolved_lowest,
            (select avg(days_to_resolve) from m) as avg_days,
            (select count(satisfaction) from m) as rated,
            (select count(*) from m where satisfaction = '满意') as satisfied,
            (select count(*) from m where satisfaction = '基本满意') as fairly_satisfied,
            (select count(*) from m where satisfaction = '不满意') as dissatisfied,
            b.open_at_end, b.open_past_limit, b.resolved_in_month,
            (select matter_open_limit_days from stg_settings) as limit_days
        from b
        """,
        m=month,
        members=members,
    )
    return row.row(0, named=True)


@query(scope=AREA, area="members")
def matters_trend(con, members: list[str] | None) -> pl.DataFrame:
    """Per month and category: matters accepted, resolved, resolved by the grid worker."""
    return _frame(
        con,
        """
        select month, category, sum(matters) as matters, sum(resolved) as resolved,
               sum(resolved) filter (where level = '网格员直办') as resolved_lowest,
               sum(satisfied) + sum(fairly_satisfied) as satisfied_any, sum(rated) as rated
        from mart_matter_month
        where $members is null or list_contains($members, unit_code)
        group by all order by month, category
        """,
        members=members,
    )


@query(scope=AREA, area="members")
def backlog_trend(con, members: list[str] | None) -> pl.DataFrame:
    """Per month: matters open at month end and those open past the limit."""
    return _frame(
        con,
        """
        select month, sum(open_at_end) as open_at_end, sum(open_past_limit) as open_past_limit
        from mart_matter_backlog
        where $members is null or list_contains($members, unit_code)
        group by month order by month
        """,
        members=members,
    )


@query(scope=AREA, area="members")
def matters_by_level(con, month: date, members: list[str] | None) -> pl.DataFrame:
    """The month's matters per escalation level and category, with resolution and days."""
    return _frame(
        con,
        """
        select level, category, sum(matters) as matters, sum(resolved) as resolved,
               sum(avg_days_to_resolve * resolved) / nullif(sum(resolved), 0) as avg_days
        from mart_matter_month
        where month = $m and ($members is null or list_contains($members, unit_code))
        group by level, category
        order by list_position($levels, level), list_position($cats, category)
        """,
        m=month,
        members=members,
        levels=list(LEVELS),
        cats=list(CATEGORIES),
    )


@query(scope=AREA, area="members")
def matters_by_unit(con, month: date, level: str, members: list[str] | None) -> pl.DataFrame:
    """Per station or town, the month: matters, shares resolved, days, satisfaction, overdue."""
    key = _unit_key(level)
    return _frame(
        con,
        f"""
        with m as (
            select {key} as code, x.*
            from fct_matter x join ref_unit s on s.code = x.unit_code
            where x.month = $m and ($members is null or list_contains($members, x.unit_code))
        ),
        b as (
            select {key} as code, sum(open_past_limit) as open_past_limit
            from mart_matter_backlog x join ref_unit s on s.code = x.unit_code
            where x.month = $m and ($members is null or list_contains($members, x.unit_code))
            group by all
        ),
        per as (
            select code, count(*) as matters,
                   count(*) filter (where is_resolved) / count(*) as resolved_share,
                   count(*) filter (where is_resolved and level = '网格员直办') / count(*)
                       as lowest_share,
                   avg(days_to_resolve) as avg_days,
                   count(*) filter (where satisfaction in ('满意', '基本满意'))
                       / nullif(count(satisfaction), 0) as satisfaction_share
            from m group by code
        )
        select u.code as unit_code, u.name as unit_name, coalesce(p.matters, 0) as matters,
               p.resolved_share, p.lowest_share, p.avg_days, p.satisfaction_share,
               coalesce(b.open_past_limit, 0) as open_past_limit
        from per p full join b using (code) join ref_unit u on u.code = code
        order by open_past_limit desc, matters desc, u.code
        """,
        m=month,
        members=members,
    )


@query(scope=AREA, area="members")
def overdue_matters(con, month: date, members: list[str] | None) -> pl.DataFrame:
    """Matters still open at month end after more than the county's limit of days."""
    return _frame(
        con,
        """
        with lim as (select matter_open_limit_days as days from stg_settings)
        select t.name as town, s.name as station, x.matter_id, x.accepted_date, x.category,
               x.level, date_diff('day', x.accepted_date, $end) as days_open, x.unit_code
        from fct_matter x
        join ref_unit s on s.code = x.unit_code
        join ref_unit t on t.code = s.parent_code
        cross join lim
        where x.accepted_date <= $end and (x.resolved_date is null or x.resolved_date > $end)
          and date_diff('day', x.accepted_date, $end) > lim.days
          and ($members is null or list_contains($members, x.unit_code))
        order by days_open desc, x.unit_code, x.matter_id
        """,
        end=shift(month, 1) - timedelta(days=1),
        members=members,
    )


# ------------------------------------------------------------------ station standards


@query(scope=AREA, area="members")
def standards_trend(con, members: list[str] | None) -> pl.DataFrame:
    """Per month: stations reporting their 八有 self-check, meeting all eight, average met,
    and stations meeting the town plan's monthly minimum."""
    return _frame(
        con,
        """
        with s as (
            select month, count(*) as reporting, count(*) filter (where is_compliant) as compliant,
                   avg(items_met) as avg_items
            from mart_standards_month x join ref_unit u on u.code = x.unit_code
            where u.kind = 'station' and ($members is null or list_contains($members, x.unit_code))
            group by month
        ),
        m as (
            select month, count(*) as stations, count(*) filter (where meets_minimum) as meeting
            from mart_station_minimum
            where $members is null or list_contains($members, unit_code)
            group by month
        )
        select month, m.stations, coalesce(s.reporting, 0) as reporting,
               coalesce(s.compliant, 0) as compliant, s.avg_items, m.meeting
        from m left join s using (month)
        order by month
        """,
        members=members,
    )


# Each unit's latest 八有 self-check by the month $m (a station may skip a month): the
# fct_standards month to read, as a CTE named `latest` (unit_code, checked_month).
_CHECKED_BY = """
        latest as (
            select unit_code, max(month) as checked_month from fct_standards
            where month <= $m group by unit_code
        )"""


@query(scope=AREA, area="members")
def standards_status(con, month: date, members: list[str] | None) -> pl.DataFrame:
    """Each station's self-check for the month (or its latest before), its stars, the items
    it lacks, and the town plan's monthly minimum."""
    lacks = " || ".join(
        f"case when coalesce(f.{col}, false) then '' else '{label} ' end"
        for col, label in STANDARD_ITEMS.items()
    )
    return _frame(
        con,
        f"""
        with {_CHECKED_BY}
        select t.name as town, s.name as station, s.code as unit_code,
               l.checked_month, f.items_met, f.items_met = 8 as is_compliant, f.station_stars,
               case when f.unit_code is null then null else trim({lacks}) end as items_lacking,
               mm.activities, mm.xuanjiang_activities, mm.notable_activities, mm.meets_minimum,
               mm.shortfall
        from ref_unit s
        join ref_unit t on t.code = s.parent_code
        left join latest l on l.unit_code = s.code
        left join fct_standards f on f.unit_code = s.code and f.month = l.checked_month
        left join mart_station_minimum mm on mm.unit_code = s.code and mm.month = $m
        where s.kind = 'station' and ($members is null or list_contains($members, s.code))
        order by coalesce(f.items_met, -1), s.code
        """,
        m=month,
        members=members,
    )


@query(scope=AREA, area="members")
def standards_items(con, month: date, members: list[str] | None) -> pl.DataFrame:
    """For the month's self-checks: how many stations have each of the eight items."""
    cols = ", ".join(f"count(*) filter (where {c}) as {c}" for c in STANDARD_ITEMS)
    frame = _frame(
        con,
        f"""
        select count(*) as reporting, {cols}
        from fct_standards f join ref_unit u on u.code = f.unit_code
        where f.month = $m and u.kind = 'station'
          and ($members is null or list_contains($members, f.unit_code))
        """,
        m=month,
        members=members,
    )
    row = frame.row(0, named=True)
    return pl.DataFrame(
        {
            "item": list(STANDARD_ITEMS.values()),
            "stations": [row[c] for c in STANDARD_ITEMS],
            "reporting": [row["reporting"]] * len(STANDARD_ITEMS),
        }
    )


@query(scope=AREA, area="members")
def station_stars(con, month: date, members: list[str] | None) -> pl.DataFrame:
    """Stations per star level (三星/四星/五星) at their latest self-check by `month`."""
    return _frame(
        con,
        f"""
        with {_CHECKED_BY}
        select coalesce(f.station_stars, '未评') as station_stars, count(*) as stations
        from fct_standards f
        join latest l on l.unit_code = f.unit_code and l.checked_month = f.month
        join ref_unit u on u.code = f.unit_code
        where u.kind = 'station' and ($members is null or list_contains($members, f.unit_code))
        group by all order by 1
        """,
        m=month,
        members=members,
    )


# ------------------------------------------------------------------ star households


def _latest_ratings_sql() -> str:
    return """
        latest as (
            select r.*, row_number() over (
                partition by r.unit_code, r.household_id order by r.submitted_month desc) as k
            from fct_household_rating r
            where r.submitted_month <= $m and r.stars is not null
              and ($members is null or list_contains($members, r.unit_code))
        ),
        rated as (select * exclude (k) from latest where k = 1)
    """


@query(scope=AREA, area="members")
def star_distribution(con, month: date, members: list[str] | None) -> pl.DataFrame:
    """Households per number of stars (0–10) at their latest rating by `month`."""
    return _frame(
        con,
        f"""
        with {_latest_ratings_sql()}
        select g.stars, count(r.household_id) as households
        from (select unnest(range(0, 11)) as stars) g
        left join rated r on r.stars = g.stars
        group by g.stars order by g.stars
        """,
        m=month,
        members=members,
    )


@query(scope=AREA, area="members")
def stars_by_unit(con, month: date, level: str, members: list[str] | None) -> pl.DataFrame:
    """Per station or town: households rated, average stars, shares with 5+ and 8+ stars and
    meeting the three required stars, at the latest rating by `month`."""
    key = _unit_key(level)
    return _frame(
        con,
        f"""
        with {_latest_ratings_sql()}
        select {key} as unit_code, any_value(u.name) as unit_name,
               count(*) as households_rated, avg(r.stars) as avg_stars,
               count(*) filter (where r.stars >= 5) / count(*) as share_5_plus,
               count(*) filter (where r.stars >= 8) / count(*) as share_8_plus,
               count(*) filter (where r.required_stars_met) / count(*) as required_share,
               max(r.submitted_month) as rated_month
        from rated r
        join ref_unit s on s.code = r.unit_code
        join ref_unit u on u.code = {key}
        group by all
        order by required_share, unit_code
        """,
        m=month,
        members=members,
    )


@query(scope=AREA, area="members")
def star_changes(con, month: date, members: list[str] | None) -> pl.DataFrame:
    """Per rating month up to `month`: households up, down, unchanged, first rated."""
    return _frame(
        con,
        """
        select month, change, count(*) as households
        from mart_household_star_change
        where month <= $m and ($members is null or list_contains($members, unit_code))
        group by all order by month, change
        """,
        m=month,
        members=members,
    )


@query(scope=AREA, area="members", action="view_households")
def households_down(con, month: date, members: list[str] | None) -> pl.DataFrame:
    """Households whose latest rating by `month` lost stars or the required stars (masked)."""
    return _frame(
        con,
        """
        with latest as (
            select unit_code, household_id, max(month) as month
            from mart_household_star_change
            where month <= $m and ($members is null or list_contains($members, unit_code))
            group by all
        )
        select t.code as town_code, t.name as town, c.unit_code as station_code,
               s.name as station, c.household_id, h.head_name_masked as head_name,
               c.previous_stars, c.stars, c.stars_change,
               c.previous_required_met, c.required_stars_met, c.previous_month, c.month
        from mart_household_star_change c
        join latest using (unit_code, household_id, month)
        join ref_unit s on s.code = c.unit_code
        join ref_unit t on t.code = s.parent_code
        left join fct_household h using (unit_code, household_id)
        where c.change = '降星' or (c.previous_required_met and not c.required_stars_met)
        order by c.stars_change, c.unit_code, c.household_id
        """,
        m=month,
        members=members,
    )


# ------------------------------------------------------------------ clearings and audit


@query(scope=AREA, area="members", action="view_households")
def clearings(con, year: int, members: list[str] | None) -> pl.DataFrame:
    """The year's zero-clearings (清零), applied ones and the office's voided ones."""
    return _frame(
        con,
        """
        select c.cleared_date, t.name as town, s.name as station, c.household_id,
               h.head_name_masked as head_name, c.source, c.reason, c.points_cleared,
               c.entered_by, c.clearing_id, false as is_voided, cast(null as varchar) as voided_by,
               cast(null as varchar) as void_reason, c.unit_code
        from fct_clearing c
        join ref_unit s on s.code = c.unit_code
        join ref_unit t on t.code = s.parent_code
        left join fct_household h using (unit_code, household_id)
        where c.year = $y and ($members is null or list_contains($members, c.unit_code))
        union all by name
        select o.cleared_date, t.name as town, s.name as station, o.household_id,
               h.head_name_masked as head_name, '办公室录入' as source, o.reason,
               cast(null as bigint) as points_cleared, o.entered_by, o.clearing_id,
               true as is_voided, o.voided_by, o.void_reason, o.unit_code
        from office_clearing o
        join ref_unit s on s.code = o.unit_code
        join ref_unit t on t.code = s.parent_code
        left join fct_household h using (unit_code, household_id)
        where o.voided_at is not null and year(o.cleared_date) = $y
          and ($members is null or list_contains($members, o.unit_code))
        order by cleared_date desc, unit_code, household_id
        """,
        y=year,
        members=members,
    )


@query(scope=AREA, area="members", action="audit_points")
def points_flags(con, start: date, end: date, members: list[str] | None) -> pl.DataFrame:
    """Integrity flags whose first evidence falls in [start, end], newest first."""
    return _frame(
        con,
        """
        select f.flag_id, f.rule, f.rule_label, t.name as town, s.name as station,
               f.household_id, h.head_name_masked as head_name, f.month, f.first_date,
               f.evidence_rows, f.points, f.detail, f.unit_code
        from mart_points_flag f
        join ref_unit s on s.code = f.unit_code
        join ref_unit t on t.code = s.parent_code
        left join fct_household h using (unit_code, household_id)
        where f.month between $start and $end
          and ($members is null or list_contains($members, f.unit_code))
        order by f.month desc, list_position($rules, f.rule), f.unit_code, f.flag_id
        """,
        start=start,
        end=end,
        members=members,
        rules=list(FLAG_RULES),
    )


@query(scope=AREA, area="members", action="audit_points")
def flag_counts(con, start: date, end: date, members: list[str] | None) -> pl.DataFrame:
    """Flags per rule in [start, end] (every rule listed, zero included)."""
    return _frame(
        con,
        """
        select r.rule, r.label as rule_label, count(f.flag_id) as flags,
               coalesce(sum(f.evidence_rows), 0) as evidence_rows
        from (select unnest($rules) as rule, unnest($labels) as label) r
        left join mart_points_flag f on f.rule = r.rule and f.month between $start and $end
             and ($members is null or list_contains($members, f.unit_code))
        group by r.rule, r.label
        order by list_position($rules, r.rule)
        """,
        start=start,
        end=end,
        members=members,
        rules=list(FLAG_RULES),
        labels=list(FLAG_RULES.values()),
    )


@query(scope=AREA, area="members", action="audit_points")
def flag_evidence(con, flag_id: str, members: list[str] | None) -> pl.DataFrame:
    """The ledger rows behind a flag, each with the file and row it came from."""
    return _frame(
        con,
        """
        select e.kind, e.entry_id, e.entry_date, e.household_id, e.category, e.item, e.points,
               e.status, e.publicized_date, e.balance_before, f.file_name, e.source_row
        from int_points_evidence e
        left join source_file f using (file_id)
        where e.rule || ':' || e.flag_key = $flag
          and ($members is null or list_contains($members, e.unit_code))
        order by e.entry_date, e.entry_id
        """,
        flag=flag_id,
        members=members,
    )


# flag_evidence's columns as the pages show them (积分 and 月度排名 read the same rows)
EVIDENCE_COLUMNS = {
    "kind": "台账", "entry_id": "流水号", "entry_date": "日期", "household_id": "户编号",
    "category": "类别", "item": "项目", "points": "积分", "status": "状态",
    "publicized_date": "公示日期", "balance_before": "当时余额", "file_name": "来源文件",
    "source_row": "行号",
}  # fmt: skip


def evidence_shown(frame: pl.DataFrame) -> pl.DataFrame:
    """flag_evidence rows with their empty cells as — (a redemption has no 公示日期, an entry
    no balance before it), so that no None reaches the page."""
    return frame.with_columns(
        pl.col("publicized_date").dt.strftime("%Y-%m-%d"),
        pl.col("balance_before").round(0).cast(pl.Int64).cast(pl.String),
    ).with_columns(cs.string().fill_null("—"))


# ------------------------------------------------------------------ 公示 and credit export


@query(scope=AREA, area="members")
def notice_quarters(con, members: list[str] | None) -> list[str]:
    """Quarters with points events in the area, newest first, as '2026Q3'."""
    rows = con.sql(
        """
        select distinct year || 'Q' || quarter(quarter) as q
        from mart_household_quarter
        where $members is null or list_contains($members, unit_code)
        order by q desc
        """,
        params={"members": members},
    ).fetchall()
    return [r[0] for r in rows]


@query(scope=AREA, area="members")
def notice_stations(con, members: list[str] | None) -> pl.DataFrame:
    """Stations with a points ledger in the area: unit_code, station, town, and the first
    quarter of their ledger ('2025Q1')."""
    return _frame(
        con,
        """
        with first as (
            select unit_code, min(quarter) as first_date from mart_household_quarter
            group by unit_code
        )
        select s.code as unit_code, s.name as station, t.name as town,
               year(f.first_date) || 'Q' || quarter(f.first_date) as first_quarter
        from ref_unit s join ref_unit t on t.code = s.parent_code
        join first f on f.unit_code = s.code
        where s.kind = 'station' and ($members is null or list_contains($members, s.code))
        order by s.code
        """,
        members=members,
    )


@query(scope=AREA, area="members", action="download_notice")
def notice_html(con, station_code: str, quarter: str, members: list[str] | None) -> str:
    """A station's quarterly public ledger (公示) as HTML, for a station inside the area."""
    from publish import notice

    if members is not None and station_code not in members:
        raise notice.NoticeError(f"{station_code} 不在所选区域内")
    return notice.render_html(notice.notice_data(con, station_code, quarter))


@query(scope=AREA, area="members", action="export_credit")
def credit_years(con, members: list[str] | None) -> list[int]:
    """Years with points events in the area, newest first."""
    rows = con.sql(
        """
        select distinct year from mart_household_quarter
        where $members is null or list_contains($members, unit_code) order by 1 desc
        """,
        params={"members": members},
    ).fetchall()
    return [r[0] for r in rows]


@query(scope=AREA, area="members", action="export_credit")
def credit_workbook(con, year: int, members: list[str] | None) -> bytes:
    """The credit-rating export (道德积分授信) of the area's households for `year`, as .xlsx."""
    import tempfile
    from pathlib import Path

    from publish import credit
    from publish.queries import county

    frame = credit.credit_rows(con, year, members)
    with tempfile.TemporaryDirectory() as tmp:
        path = credit.write_export(
            frame, Path(tmp) / "credit.xlsx", year, county(con).get("short_name", "")
        )
        return path.read_bytes()
