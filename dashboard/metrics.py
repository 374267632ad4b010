"""What the dashboard shows, as queries: a connection and plain arguments in, a frame out.

No Streamlit here: the pages call these through dashboard/data.py (which
caches them per database version), and the tests call them directly to
hold the pages to the database. An area is given as `members`, the unit
codes in a sub-centre's or an institute's scope (int_unit_scope); None is
the whole county. Each query declares its scope and the action it needs
(core.access.query): dashboard/data.py runs nothing else.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import polars.selectors as cs

from core.access import AREA, COUNTY, FREE, query
from core.months import shift
from index import methodology, review
from index.methodology import Methodology

ALL = None  # members for the whole county


def _frame(con, sql: str, **params) -> pl.DataFrame:
    frame = con.sql(sql, params=params).pl()
    return frame.with_columns(cs.decimal().cast(pl.Float64))


# ------------------------------------------------------------------ selectors


@query(scope=FREE)
def months(con) -> list[date]:
    """Months with data, newest first."""
    rows = con.sql("select distinct month from mart_unit_month order by month desc").fetchall()
    return [r[0] for r in rows]


@query(scope=FREE)
def areas(con) -> pl.DataFrame:
    """Sub-centres and, under them, institutes (towns): code, name, kind, parent_code."""
    return _frame(
        con,
        """
        select code, name, kind, parent_code from ref_unit
        where kind in ('subcentre', 'institute')
        order by case kind when 'subcentre' then 0 else 1 end, code
        """,
    )


@query(scope=FREE)
def members(con, area_code: str | None) -> list[str] | None:
    """The unit codes an area covers (itself included); None for the county."""
    if not area_code:
        return ALL
    rows = con.sql(
        "select member_code from int_unit_scope where unit_code = $a order by 1",
        params={"a": area_code},
    ).fetchall()
    return [area_code] + [r[0] for r in rows if r[0] != area_code]


# ------------------------------------------------------------------ overview


@query(scope=AREA, area="member_list")
def submission_status(con, month: date, member_list: list[str] | None) -> pl.DataFrame:
    """Sheets owed for the month by status (on_time, late, missing), with units."""
    return _frame(
        con,
        """
        select status, count(*) as sheets, count(distinct unit_code) as units
        from mart_submission
        where month = $m and is_expected
          and ($members is null or list_contains($members, unit_code))
        group by status order by status
        """,
        m=month,
        members=member_list,
    )


# ------------------------------------------------------------------ rankings


@query(scope=COUNTY, action="view_county_lists")
def ranking(con, month: date, group: str) -> pl.DataFrame:
    """The current run's list for a group, with the robustness interval and profile hints."""
    return _frame(
        con,
        """
        select s.partition_code, coalesce(p.name, '') as partition_name, s.rank, s.change_label,
               s.unit_code, s.unit_name, s.score, s.base_score, s.adjustment, s.tier,
               s.on_red_list, s.on_black_list, s.red_streak, s.black_streak, s.is_submitted,
               s.rank_median, s.rank_p05, s.rank_p95, s.ahead_share, s.is_order_robust,
               s.strengths, s.weaknesses, s.place_first, s.place_last, s.list_note,
               s.adjustment_change_shown, s.run_id
        from index_score s
        join index_run r using (run_id)
        left join ref_unit_all p on p.code = s.partition_code
        where r.is_current and r.month = $m and s.group_key = $g
        order by s.partition_code, s.rank, s.unit_code
        """,
        m=month,
        g=group,
    )


@query(scope=COUNTY, action="view_county_lists")
def indicator_matrix(con, month: date, group: str) -> pl.DataFrame:
    """Each unit's contribution per indicator (long form), with how its value was treated.

    imputation: ok | missing_owed (缺报) | no_demand (不适用) | no_value; flag_review: the
    office's decision on a value the screen capped (null while open, accept, cap).
    """
    return _frame(
        con,
        """
        select i.unit_code, i.indicator_name, i.contribution, i.raw_value, i.unit,
               i.imputation, coalesce(i.is_outlier, false) as is_outlier,
               f.review as flag_review
        from index_indicator i join index_run r using (run_id)
        left join index_flag f using (run_id, group_key, unit_code, indicator_key)
        where r.is_current and r.month = $m and i.group_key = $g
        order by i.unit_code, i.indicator_key
        """,
        m=month,
        g=group,
    )


@query(scope=COUNTY, action="view_county_lists")
def unit_history(con, unit_code: str, month: date, n: int = 12) -> pl.DataFrame:
    """A unit's score and rank over the `n` months up to `month` (current runs)."""
    return _frame(
        con,
        """
        select s.month, s.score, s.rank, s.units_listed, s.tier, s.is_submitted
        from index_score s join index_run r using (run_id)
        where r.is_current and s.unit_code = $u and s.month between $start and $m
        order by s.month
        """,
        u=unit_code,
        start=shift(month, -(n - 1)),
        m=month,
    )


@query(scope=COUNTY, action="view_county_lists")
def unit_indicators(con, unit_code: str, month: date) -> pl.DataFrame:
    """A unit's indicators this month: raw value, value used, normalised, weight, contribution,
    the published change (change_shown: one decimal, adding up exactly), how the value was
    treated (imputation, is_outlier and the office's decision flag_review)."""
    return _frame(
        con,
        """
        select i.indicator_key, i.indicator_name, i.dimension, i.raw_value, i.unit, i.numerator,
               i.denominator,
               i.normalised, i.weight, i.contribution, i.prev_contribution,
               i.contribution_change, i.is_capped, i.is_imputed, i.imputation, i.value_used,
               coalesce(i.is_outlier, false) as is_outlier, i.change_shown,
               f.review as flag_review
        from index_indicator i join index_run r using (run_id)
        left join index_flag f using (run_id, group_key, unit_code, indicator_key)
        where r.is_current and r.month = $m and i.unit_code = $u
        order by i.weight desc, i.indicator_key
        """,
        u=unit_code,
        m=month,
    )


def _run_methodology(con, month: date) -> Methodology | None:
    """The methodology the month's current run used, as stored with it (not today's file)."""
    rows = con.sql(
        """
        select m.content, m.file_name from index_run r
        join index_methodology m
          on m.methodology_id = r.methodology_id and m.sha256 = r.methodology_sha256
        where r.is_current and r.month = $m
        """,
        params={"m": month},
    ).fetchall()
    if not rows:
        return None
    content, file_name = rows[0]
    return methodology.parse(content.encode("utf-8"), Path(file_name or "methodology.toml"))


@query(scope=COUNTY, action="view_county_lists")
def uncertainty(con, month: date) -> dict | None:
    """What the month's robustness draws varied and the share that makes a place robust."""
    meth = _run_methodology(con, month)
    if meth is None:
        return None
    draws = con.sql(
        "select draws from index_run where is_current and month = $m", params={"m": month}
    ).fetchall()[0][0]
    u = meth.uncertainty
    return {
        "methodology_id": meth.id,
        "draws": draws,
        "weight_spread": u.weight_spread,
        "goalpost_spread": u.goalpost_spread,
        "robust_share": u.robust_share,
        "vary_imputation": u.vary_imputation,
        "vary_aggregation": u.vary_aggregation,
    }


@query(scope=COUNTY, action="view_county_lists")
def sensitivity(con, month: date, group: str) -> pl.DataFrame:
    """Which assumption moves the group's ranks most, one row per changed assumption."""
    return _frame(
        con,
        """
        select s.assumption, s.variant, s.label, s.mean_abs_shift, s.max_shift, s.units_moved,
               s.units, s.spearman
        from index_sensitivity s join index_run r using (run_id)
        where r.is_current and r.month = $m and s.group_key = $g
        order by s.mean_abs_shift desc, s.max_shift desc, s.label
        """,
        m=month,
        g=group,
    ).with_columns(pl.col("spearman").fill_nan(None))


FLAG_SCHEMA = {
    "kind": pl.String, "kind_label": pl.String, "ref": pl.String, "unit_code": pl.String,
    "unit_name": pl.String, "label": pl.String, "detail": pl.String, "is_open": pl.Boolean,
    "decision": pl.String, "decision_label": pl.String, "reason": pl.String,
    "author": pl.String, "decided_at": pl.Datetime("us"),
}  # fmt: skip


@query(scope=COUNTY, action="view_county_lists")
def month_flags(con, month: date) -> pl.DataFrame:
    """Every flag of the month (index.review: 数据存疑 and 积分疑点), open ones first, with the
    decision in force, its author, reason and time."""
    found = review.flags(con, month)
    when: dict[tuple[str, str, str], object] = {}
    if found and any(not f.is_open for f in found):
        when = {
            (k, ref, unit): at
            for k, ref, unit, at in con.sql(
                """
                select flag_kind, flag_ref, unit_code, created_at from index_flag_review
                where month = $m and voided_at is null
                """,
                params={"m": month},
            ).fetchall()
        }
    rows = [
        {
            "kind": f.kind,
            "kind_label": review.KIND_LABELS[f.kind],
            "ref": f.ref,
            "unit_code": f.unit_code,
            "unit_name": f.unit_name,
            "label": f.label,
            "detail": f.detail,
            "is_open": f.is_open,
            "decision": f.decision,
            "decision_label": review.DECISIONS[f.kind].get(f.decision) if f.decision else None,
            "reason": f.reason,
            "author": f.author,
            "decided_at": when.get((f.kind, f.ref, f.unit_code)),
        }
        for f in found
    ]
    return pl.DataFrame(rows, schema=FLAG_SCHEMA)


# what one activity row adds to an indicator's numerator (a mart_unit_month column), and
# how that reads
_ACTIVITY_MEASURES = {
    "activities": (pl.lit(1.0), "计入场次", ""),
    "theme_activities": (pl.col("is_month_theme").cast(pl.Float64), "计入主题活动场次", ""),
    "brand_activities": (pl.col("is_registered_brand").cast(pl.Float64), "计入品牌活动场次", ""),
    "participants": (pl.col("participants").cast(pl.Float64), "计入参与人次", "participants"),
    "volunteer_hours": (
        pl.col("volunteer_hours").cast(pl.Float64),
        "计入志愿服务时长（小时）",
        "volunteer_hours",
    ),
    "stations_meeting_minimum": (pl.lit(1.0), "计入场次", ""),
}


@query(scope=COUNTY, action="view_county_lists")
def outlier_evidence(con, month: date, unit_code: str, indicator_key: str) -> pl.DataFrame:
    """The activity rows behind a 数据存疑 value: the unit's month over its scope
    (int_unit_scope), each with its file and row, the largest contributors first.

    `counted` is what the row adds to the indicator's numerator (1 an activity, or its
    participants or hours; `counted_label` says which, `counted_from` names the column it
    is, '' for a count); rows adding nothing are left out.
    Empty when the numerator does not come from the activity ledger.
    """
    meth = _run_methodology(con, month)
    group = con.sql(
        """
        select f.group_key from index_flag f join index_run r using (run_id)
        where r.is_current and r.month = $m and f.unit_code = $u and f.indicator_key = $k
        """,
        params={"m": month, "u": unit_code, "k": indicator_key},
    ).fetchall()
    indicator = (
        next((i for i in meth.groups[group[0][0]].indicators if i.key == indicator_key), None)
        if meth is not None and group and group[0][0] in meth.groups
        else None
    )
    rows = _frame(
        con,
        """
        select a.unit_code as member_code, coalesce(u.name, a.unit_code) as member_name,
               a.activity_id, a.activity_date, a.activity_name, a.platform, a.participants,
               a.volunteers, a.volunteer_hours, a.is_month_theme, a.is_registered_brand,
               f.file_name, a.source_row
        from fct_activity a
        join int_unit_scope s on s.member_code = a.unit_code and s.unit_code = $u
        left join ref_unit_all u on u.code = a.unit_code
        left join source_file f using (file_id)
        where a.month = $m
        """,
        m=month,
        u=unit_code,
    )
    measure, label, column = _ACTIVITY_MEASURES.get(
        indicator.numerator if indicator else "", (None, "", "")
    )
    if measure is None:
        return rows.clear().with_columns(
            counted=pl.lit(None, pl.Float64),
            counted_label=pl.lit(None, pl.String),
            counted_from=pl.lit(None, pl.String),
        )
    return (
        rows.with_columns(
            counted=measure.fill_null(0.0),
            counted_label=pl.lit(label),
            counted_from=pl.lit(column),
        )
        .filter(pl.col("counted") > 0)
        .with_columns(_member_total=pl.col("counted").sum().over("member_code"))
        .sort(
            ["counted", "_member_total", "member_code", "activity_date", "activity_id"],
            descending=[True, True, False, False, False],
        )
        .drop("_member_total")
    )


@query(scope=COUNTY, action="view_county_lists")
def adjustments(con, month: date) -> pl.DataFrame:
    return _frame(
        con,
        """
        select a.adjustment_id, a.unit_code, coalesce(u.name, a.unit_code) as unit_name, a.kind,
               a.item, a.points, a.reason, a.author, a.created_at, a.voided_at, a.voided_by,
               a.void_reason
        from index_adjustment a left join ref_unit_all u on u.code = a.unit_code
        where a.month = $m order by a.adjustment_id
        """,
        m=month,
    )


# ------------------------------------------------------------------ map


# Each station's latest star-household rating by the month $m (ratings are not monthly): the
# mart_household_stars month to read, as a CTE named `latest`.
_STARS_RATED_BY = """
        latest as (
            select unit_code, max(month) as month from mart_household_stars
            where month <= $m group by unit_code
        )"""


MAP_METRICS = {
    "score": "考评得分",
    "activities_per_1000": "每千人活动数",
    "redemption_rate": "积分兑换率",
    "star_share": "五星以上户占比",
}


@query(scope=AREA, area="member_list")
def map_units(con, month: date, member_list: list[str] | None) -> pl.DataFrame:
    """Stations and institutes with coordinates and every map metric for the month."""
    return _frame(
        con,
        f"""
        with score as (
            select s.unit_code, s.score from index_score s join index_run r using (run_id)
            where r.is_current and r.month = $m and s.group_key in ('station', 'institute')
        ),
        {_STARS_RATED_BY},
        stars as (  -- as last rated by the month: ratings are not monthly
            select unit_code, stars_5_plus / nullif(households_rated, 0) as star_share
            from mart_household_stars join latest using (unit_code, month)
        )
        select u.code as unit_code, u.name, u.kind, coalesce(p.name, '') as parent_name,
               u.longitude, u.latitude, u.population,
               coalesce(m.activities, 0) as activities,
               1000.0 * coalesce(m.activities, 0) / nullif(u.population, 0)
                   as activities_per_1000,
               m.points_redeemed / nullif(m.points_issued, 0) as redemption_rate,
               score.score, stars.star_share
        from ref_unit u
        left join ref_unit p on p.code = u.parent_code
        left join mart_unit_month m on m.unit_code = u.code and m.month = $m
        left join score on score.unit_code = u.code
        left join stars on stars.unit_code = u.code
        where u.kind in ('station', 'institute') and u.longitude is not null
          and ($members is null or list_contains($members, u.code))
        order by u.kind desc, u.code
        """,
        m=month,
        members=member_list,
    )


@query(scope=AREA, area="member_list")
def activity_points(con, month: date, member_list: list[str] | None) -> pl.DataFrame:
    """Where activities happened, counted per cell of 0.01° (about 1 km; the cell's centre):
    the density layer."""
    return _frame(
        con,
        """
        select round(longitude, 2) as longitude, round(latitude, 2) as latitude,
               count(*) as activities
        from fct_activity
        where month = $m and longitude is not null
          and ($members is null or list_contains($members, unit_code))
        group by all
        """,
        m=month,
        members=member_list,
    )


# ------------------------------------------------------------------ trends


TREND_METRICS = {
    "activities": "活动场次",
    "participants": "参与人次",
    "volunteer_hours": "志愿服务时长",
}
TREND_UNITS = {"activities": "场", "participants": "人次", "volunteer_hours": "小时"}


@query(scope=AREA, area="member_list")
def activity_trend(con, by: str, member_list: list[str] | None) -> pl.DataFrame:
    """month, key (platform or theme), activities, participants, volunteer_hours."""
    column = {"platform": "platform", "theme": "coalesce(theme, '（无主题）')"}[by]
    return _frame(
        con,
        f"""
        select month, {column} as key, sum(activities) as activities,
               sum(participants) as participants, sum(volunteer_hours) as volunteer_hours
        from mart_activity_month
        where $members is null or list_contains($members, unit_code)
        group by all order by month, key
        """,  # noqa: S608 - column is one of two fixed expressions
        members=member_list,
    )


@query(scope=AREA, area="member_list")
def order_funnel(con, start: date, end: date, member_list: list[str] | None) -> pl.DataFrame:
    """The order funnel 点单 → 派单 → 接单 → 完成 → 评单 with average lead times (hours)."""
    return _frame(
        con,
        """
        select count(*) as ordered,
               count(*) filter (where is_dispatched) as dispatched,
               count(*) filter (where is_accepted) as accepted,
               count(*) filter (where is_completed) as completed,
               count(*) filter (where is_rated) as rated,
               avg(hours_to_dispatch) as hours_to_dispatch,
               avg(hours_to_accept) as hours_to_accept,
               avg(hours_to_complete) as hours_to_complete,
               avg(rating) filter (where is_rated) as avg_rating
        from fct_order
        where month between $start and $end
          and ($members is null or list_contains($members, village_code)
               or list_contains($members, taker_code))
        """,
        start=start,
        end=end,
        members=member_list,
    )


@query(scope=AREA, area="member_list")
def monthly_totals(con, member_list: list[str] | None) -> pl.DataFrame:
    """month, activities, participants, volunteer_hours: for seasonality and year over year."""
    return _frame(
        con,
        """
        select month, sum(activities) as activities, sum(participants) as participants,
               sum(volunteer_hours) as volunteer_hours
        from mart_activity_month
        where $members is null or list_contains($members, unit_code)
        group by month order by month
        """,
        members=member_list,
    )


# ------------------------------------------------------------------ points


@query(scope=AREA, area="member_list")
def points_monthly(con, member_list: list[str] | None) -> pl.DataFrame:
    """month, issued, redeemed, balance, liability, cumulative issued and redeemed."""
    return _frame(
        con,
        """
        select month, sum(points_issued) as points_issued, sum(points_redeemed) as points_redeemed,
               sum(balance_points) as balance_points, sum(liability_yuan) as liability_yuan,
               sum(households_earning) as households_earning
        from mart_points_month
        where $members is null or list_contains($members, unit_code)
        group by month order by month
        """,
        members=member_list,
    ).with_columns(
        cum_issued=pl.col("points_issued").cum_sum(),
        cum_redeemed=pl.col("points_redeemed").cum_sum(),
    )


@query(scope=AREA, area="member_list")
def redemption_by_unit(con, month: date, level: str, member_list: list[str] | None):
    """Per institute (town) or station, the year to `month`: issued, redeemed, rate, balance."""
    return _frame(
        con,
        """
        with base as (
            select p.unit_code, st.parent_code as institute_code, p.month, p.points_issued,
                   p.points_redeemed, p.balance_points, p.households_earning
            from mart_points_month p join ref_unit st on st.code = p.unit_code
            where p.month between $start and $m
              and ($members is null or list_contains($members, p.unit_code))
        ),
        keyed as (
            select case when $level = 'station' then unit_code else institute_code end as code,
                   * exclude (unit_code, institute_code)
            from base
        )
        select k.code as unit_code, u.name as unit_name,
               sum(points_issued) as points_issued, sum(points_redeemed) as points_redeemed,
               sum(points_redeemed) / nullif(sum(points_issued), 0) as redemption_rate,
               sum(balance_points) filter (where month = $m) as balance_points,
               max(u.households) as households
        from keyed k join ref_unit u on u.code = k.code
        group by k.code, u.name order by redemption_rate desc nulls last, k.code
        """,
        start=date(month.year, 1, 1),
        m=month,
        level=level,
        members=member_list,
    )


@query(scope=AREA, area="member_list")
def points_categories(con, month: date, member_list: list[str] | None) -> pl.DataFrame:
    """Points entered in the month by category (基础分, 贡献分, 评议分, 扣分, 清零)."""
    return _frame(
        con,
        """
        select category, count(*) as entries, sum(points) as points,
               count(distinct household_id) as households
        from fct_points_entry
        where month = $m and ($members is null or list_contains($members, unit_code))
        group by category order by points desc
        """,
        m=month,
        members=member_list,
    )


@query(scope=AREA, area="member_list")
def household_coverage(con, month: date, member_list: list[str] | None) -> dict:
    """Households earning points this month against all households of the stations."""
    row = _frame(
        con,
        """
        select (select coalesce(sum(households_earning), 0) from mart_points_month
                where month = $m and ($members is null or list_contains($members, unit_code)))
                   as households_earning,
               (select sum(households) from ref_unit where kind = 'station'
                and ($members is null or list_contains($members, code))) as households
        """,
        m=month,
        members=member_list,
    )
    return row.row(0, named=True)


@query(scope=AREA, area="member_list")
def star_households(con, month: date, member_list: list[str] | None) -> pl.DataFrame:
    """Star ratings per station as last rated by `month`."""
    return _frame(
        con,
        f"""
        with {_STARS_RATED_BY}
        select s.unit_code, u.name as unit_name, p.name as institute_name, s.month as rated_month,
               s.households, s.households_rated, s.avg_stars, s.stars_5_plus, s.stars_8_plus,
               s.stars_10, s.required_stars_met
        from mart_household_stars s
        join latest using (unit_code, month)
        join ref_unit u on u.code = s.unit_code
        join ref_unit p on p.code = u.parent_code
        where $members is null or list_contains($members, s.unit_code)
        order by s.unit_code
        """,
        m=month,
        members=member_list,
    )


@query(scope=AREA, area="member_list", action="view_households")
def good_deeds_board(con, month: date, member_list: list[str] | None, n: int = 20):
    """善行榜: households that earned most points in the month (earned, not balance; masked).

    A household cleared (清零) this year by the month's end is barred from the board for the year.
    """
    return _frame(
        con,
        """
        select e.household_id, any_value(e.head_name_masked) as head_name, u.name as station,
               sum(e.points) filter (where e.points > 0 and e.is_issued) as points_earned,
               count(*) filter (where e.points > 0 and e.is_issued) as entries
        from fct_points_entry e join ref_unit u on u.code = e.unit_code
        where e.month = $m and ($members is null or list_contains($members, e.unit_code))
          and not exists (  -- cleared (清零) households are barred for the year
              select 1 from fct_clearing c
              where c.unit_code = e.unit_code and c.household_id = e.household_id
                and c.year = year($m) and c.cleared_date <= last_day($m)
          )
        group by e.household_id, u.name
        having points_earned > 0
        order by points_earned desc, e.household_id
        limit $n
        """,
        m=month,
        members=member_list,
        n=n,
    )


@query(scope=AREA, area="member_list", action="view_households")
def star_board(con, month: date, member_list: list[str] | None, n: int = 20):
    """星级榜: households with the most stars at their latest rating by `month` (masked)."""
    return _frame(
        con,
        """
        with latest as (
            select unit_code, household_id, max(submitted_month) as submitted_month
            from fct_household_rating where submitted_month <= $m
              and ($members is null or list_contains($members, unit_code))
            group by all
        )
        select h.household_id, h.head_name_masked as head_name, u.name as station, r.stars,
               r.required_stars_met, r.submitted_month
        from fct_household_rating r
        join latest using (unit_code, household_id, submitted_month)
        join ref_unit u on u.code = r.unit_code
        left join fct_household h on h.unit_code = r.unit_code and h.household_id = r.household_id
        order by r.stars desc, r.household_id
        limit $n
        """,
        m=month,
        members=member_list,
        n=n,
    )


@query(scope=COUNTY, action="view_county_lists")
def red_black_lists(con, month: date) -> pl.DataFrame:
    """红黑榜 of the month's index, every group."""
    return _frame(
        con,
        """
        select s.group_key, s.unit_name, s.rank, s.score, s.on_red_list, s.red_streak,
               s.black_streak
        from index_score s join index_run r using (run_id)
        where r.is_current and r.month = $m and (s.on_red_list or s.on_black_list)
          and s.group_key <> 'station'
        order by s.group_key, s.rank
        """,
        m=month,
    )


# ------------------------------------------------------------------ brand projects


@query(scope=AREA, area="member_list")
def brand_projects(con, start: date, end: date, member_list: list[str] | None) -> pl.DataFrame:
    """Each registered brand project over the period: activities, people, hours, reach, rating."""
    return _frame(
        con,
        """
        with act as (
            select a.brand_project as name, count(*) as activities,
                   sum(a.participants) as participants, sum(a.beneficiaries) as beneficiaries,
                   sum(a.volunteer_hours) as volunteer_hours,
                   count(distinct case st.kind when 'station' then st.parent_code
                                               when 'institute' then st.code end) as towns,
                   avg(o.rating) filter (where o.is_rated) as avg_rating,
                   count(o.rating) as ratings
            from fct_activity a
            left join ref_unit st on st.code = a.unit_code
            left join fct_order o on o.order_id = a.order_id
            where a.is_registered_brand and a.month between $start and $end
              and ($members is null or list_contains($members, a.unit_code))
            group by a.brand_project
        )
        select b.name, b.platform, coalesce(act.activities, 0) as activities,
               coalesce(act.participants, 0) as participants,
               coalesce(act.beneficiaries, 0) as beneficiaries,
               coalesce(act.volunteer_hours, 0) as volunteer_hours,
               coalesce(act.towns, 0) as towns, act.avg_rating, coalesce(act.ratings, 0) as ratings
        from ref_brand_project b left join act using (name)
        order by activities desc, b.name
        """,
        start=start,
        end=end,
        members=member_list,
    )


@query(scope=AREA, area="member_list")
def brand_trend(con, member_list: list[str] | None) -> pl.DataFrame:
    """month, project, activities, participants for registered brand projects."""
    return _frame(
        con,
        """
        select month, brand_project as name, sum(activities) as activities,
               sum(participants) as participants
        from mart_activity_month
        where brand_project in (select name from ref_brand_project)
          and ($members is null or list_contains($members, unit_code))
        group by all order by month, name
        """,
        members=member_list,
    )


# ------------------------------------------------------------------ submissions


@query(scope=AREA, area="member_list")
def submission_matrix(con, start: date, end: date, member_list: list[str] | None):
    """One row per unit and month: its worst status over the sheets it owes."""
    return _frame(
        con,
        """
        select s.unit_code, u.name as unit_name, u.kind, u.parent_code, p.name as parent_name,
               s.month,
               case when bool_or(s.status = 'missing') then 'missing'
                    when bool_or(s.status = 'late') then 'late' else 'on_time' end as status,
               count(*) filter (where s.status = 'missing') as sheets_missing,
               count(*) as sheets_owed
        from mart_submission s join ref_unit_all u on u.code = s.unit_code
        left join ref_unit_all p on p.code = u.parent_code
        where s.is_expected and s.month between $start and $end
          and ($members is null or list_contains($members, s.unit_code))
        group by all order by s.unit_code, s.month
        """,
        start=start,
        end=end,
        members=member_list,
    )


@query(scope=AREA, area="member_list")
def quarantine(con, batch_id: int | None, member_list: list[str] | None = None,
               limit: int = 100_000) -> pl.DataFrame:  # fmt: skip
    """Rows set aside with their file, sheet, row, column and reason (a batch, or current)."""
    return _frame(
        con,
        """
        select q.file_name, q.sheet_name, q.source_row, q.column_header, q.reason, q.row_values,
               q.unit_code, q.month
        from mart_quarantine q join source_file f using (file_id)
        where (($batch is null and q.is_current) or f.batch_id = $batch)
          and ($members is null or list_contains($members, q.unit_code))
        order by q.file_name, q.sheet_name, q.source_row
        limit $limit
        """,
        batch=batch_id,
        members=member_list,
        limit=limit,
    )


@query(scope=COUNTY, action="upload")
def batches(con, n: int = 20) -> pl.DataFrame:
    return _frame(
        con,
        "select * from import_batch order by batch_id desc limit $n",
        n=n,
    )


@query(scope=COUNTY, action="view_county_lists")
def article_preview(con, month: date, number: int, is_revision: bool, reason: str) -> str:
    """The article the month's open draft would publish, as HTML (nothing written)."""
    from publish import model, render_html

    report = model.build(con, month, model.Edition(number, is_revision, reason or ""))
    return render_html.article_html(report)


AUDIT_ACTIONS = {
    "login": "登录", "login_failed": "登录失败", "locked": "账号锁定", "logout": "退出",
    "expired": "会话过期", "user_add": "开设账号", "user_disable": "停用账号",
    "user_enable": "启用账号", "user_reset": "重置密码", "upload": "上传导入",
    "upload_rejected": "拒收上传", "rank": "计算排名", "adjust": "加扣分",
    "void_adjustment": "撤销加扣分", "edition_draft": "生成草稿", "edition_refresh": "刷新草稿",
    "edition_review": "审核", "edition_publish": "签发发布", "review_flag": "疑点核查",
    "clear_points": "积分清零", "void_clearing": "撤销清零",
}  # fmt: skip


@query(scope=COUNTY, action="view_audit")
def unit_names(con) -> dict[str, str]:
    """Every unit's and team's name by its code, for the codes the audit log's subjects hold."""
    return dict(con.sql("select code, name from ref_unit_all").fetchall())


@query(scope=COUNTY, action="view_audit")
def audit_log(con, limit: int = 5000) -> pl.DataFrame:
    """The work done on the database (ranking, adjustments, reviews, publications), newest first."""
    return _frame(
        con,
        """
        select logged_at, actor, action, subject, detail from audit_log
        order by logged_at desc limit $limit
        """,
        limit=limit,
    )
