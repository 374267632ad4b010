"""The named queries an edition is built from: every figure it prints comes from one of these.

Each takes a connection and the month and returns plain rows or a frame;
tests run the same database through other SQL to hold the edition to it.
Each also declares (core.access.query) what the dashboard may read of it:
the edition's figures are the county's (COUNTY); the headline takes an area.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import polars.selectors as cs

from core import labels
from core.access import AREA, COUNTY, query
from core.months import shift


def _plain(frame: pl.DataFrame) -> pl.DataFrame:
    """DuckDB's sums of integers arrive as decimals: make them floats."""
    return frame.with_columns(cs.decimal().cast(pl.Float64))


@query(scope=COUNTY, action="view_county_lists")
def current_run(con, month: date) -> dict | None:
    rows = con.sql(
        """
        select r.run_id, r.methodology_id, r.methodology_sha256, r.data_snapshot, r.computed_at,
               r.draws, m.title, m.file_name, m.content
        from index_run r
        join index_methodology m
          on m.methodology_id = r.methodology_id and m.sha256 = r.methodology_sha256
        where r.is_current and r.month = $m
        """,
        params={"m": month},
    ).pl()
    return rows.row(0, named=True) if rows.height else None


@query(scope=COUNTY, action="view_county_lists")
def scores(con, run_id: int) -> pl.DataFrame:
    """One row per ranked unit of the run, in list order, with the institute's name for stations."""
    return con.sql(
        """
        select s.group_key, s.partition_code, coalesce(p.name, '') as partition_name,
               s.rank, s.change_label, s.rank_change, s.unit_code, s.unit_name, s.score,
               s.base_score, s.adjustment, s.tier, s.on_red_list, s.on_black_list,
               s.is_submitted, s.units_listed, s.rank_p05, s.rank_p95,
               coalesce(s.place_first, s.rank) as place_first,
               coalesce(s.place_last, s.rank) as place_last, s.list_note,
               s.strengths, s.weaknesses, s.adjustment_change_shown
        from index_score s
        left join ref_unit_all p on p.code = s.partition_code
        where s.run_id = $run
        order by s.group_key, s.partition_code, s.rank, s.unit_code
        """,
        params={"run": run_id},
    ).pl()


@query(scope=COUNTY, action="view_county_lists")
def indicators(con, run_id: int) -> pl.DataFrame:
    """One row per unit and indicator of the run: values, weight, contribution, the published
    change (change_shown) and how the value was treated (imputation; a 数据存疑 value's cap,
    the medians it was compared with and the office's decision)."""
    return con.sql(
        """
        select i.group_key, s.unit_name, i.unit_code, i.indicator_key, i.indicator_name,
               i.dimension, i.unit, i.raw_value, i.value_used, i.numerator, i.denominator,
               i.normalised, i.weight, i.contribution, i.contribution_change, i.change_shown,
               i.is_capped, i.is_imputed, coalesce(i.imputation, 'ok') as imputation,
               coalesce(i.is_outlier, false) as is_outlier, f.cap_value, f.peer_median,
               f.history_median, f.review, s.rank
        from index_indicator i
        join index_score s using (run_id, group_key, unit_code)
        left join index_flag f using (run_id, group_key, unit_code, indicator_key)
        where i.run_id = $run
        order by i.group_key, s.partition_code, s.rank, i.unit_code, i.indicator_key
        """,
        params={"run": run_id},
    ).pl()


@query(scope=COUNTY, action="view_county_lists")
def previous_scores(con, month: date) -> pl.DataFrame:
    """Last month's score of each unit and list, as its current run stored it."""
    return con.sql(
        """
        select s.group_key, s.unit_code, s.score as prev_score
        from index_score s join index_run r using (run_id)
        where r.is_current and r.month = $prev
        """,
        params={"prev": shift(month, -1)},
    ).pl()


@query(scope=COUNTY, action="view_county_lists")
def sensitivity(con, run_id: int) -> pl.DataFrame:
    """The run's sensitivity table: the rank shift each changed assumption causes, per list."""
    return con.sql(
        """
        select group_key, assumption, variant, label, mean_abs_shift, max_shift, units_moved,
               spearman, units
        from index_sensitivity where run_id = $run
        order by group_key,
                 list_position(['weights', 'normalisation', 'goalposts', 'imputation',
                                'aggregation', 'drop_indicator'], assumption),
                 try_cast(regexp_extract(variant, '^drop:(\\d+)$', 1) as integer) nulls first,
                 variant
        """,
        params={"run": run_id},
    ).pl()


@query(scope=COUNTY, action="view_county_lists")
def adjustments(con, month: date) -> pl.DataFrame:
    """The month's 加分/扣分 in force, with their reasons."""
    return con.sql(
        """
        select unit_code, kind, item, points, reason
        from index_adjustment
        where month = $m and voided_at is null
        order by unit_code, adjustment_id
        """,
        params={"m": month},
    ).pl()


# The headline figures of a month: every one a sum over a mart, for the county or for an
# area (a sub-centre's district or an institute's town: $members, the units in its scope).
HEADLINE_SQL = """
with months as (select unnest($months::date[]) as month),
act as (
    select month, sum(activities) as activities, sum(participants) as participants,
           sum(volunteer_hours) as volunteer_hours, sum(beneficiaries) as beneficiaries,
           sum(brand_activities) as brand_activities
    from mart_activity_month
    where month in (select month from months)
      and ($members is null or list_contains($members, unit_code))
    group by month
),
vol as (
    select month, sum(volunteers_active) as volunteers_active
    from mart_volunteer_month
    where month in (select month from months)
      and ($members is null or list_contains($members, team_code))
    group by month
),
ord as (
    select month, sum(orders) as orders, sum(completed) as orders_completed,
           sum(rated) as orders_rated, sum(avg_rating * rated) as rating_sum
    from mart_order_month
    where month in (select month from months)
      and ($members is null or list_contains($members, taker_code))
    group by month
),
pts as (
    select month, sum(points_issued) as points_issued, sum(points_redeemed) as points_redeemed,
           sum(balance_points) as balance_points, sum(liability_yuan) as liability_yuan,
           sum(households_earning) as households_earning
    from mart_points_month
    where month in (select month from months)
      and ($members is null or list_contains($members, unit_code))
    group by month
)
select m.month, act.* exclude (month), vol.* exclude (month), ord.* exclude (month),
       pts.* exclude (month)
from months m
left join act using (month) left join vol using (month)
left join ord using (month) left join pts using (month)
order by m.month
"""


@query(scope=AREA, area="members")
def headline(con, months: list[date], members: list[str] | None = None) -> dict[date, dict]:
    """Totals for each month asked (None where a month has no data); `members` limits the area."""
    frame = _plain(con.sql(HEADLINE_SQL, params={"months": months, "members": members}).pl())
    return {r["month"]: r for r in frame.iter_rows(named=True)}


@query(scope=COUNTY, action="view_county_lists")
def points_year(con, month: date) -> dict:
    """Points issued and redeemed from January to `month`, and the households of the county."""
    row = con.sql(
        """
        select coalesce(sum(points_issued), 0) as issued_ytd,
               coalesce(sum(points_redeemed), 0) as redeemed_ytd,
               (select sum(households) from ref_unit where kind = 'station') as households
        from mart_points_month
        where month between $start and $m
        """,
        params={"start": date(month.year, 1, 1), "m": month},
    ).pl()
    return _plain(row).row(0, named=True)


@query(scope=COUNTY, action="view_county_lists")
def points_series(con, month: date, months: int = 12) -> pl.DataFrame:
    return (
        con.sql(
            """
        select month, sum(points_issued) as points_issued, sum(points_redeemed) as points_redeemed,
               sum(balance_points) as balance_points
        from mart_points_month where month between $start and $m
        group by month order by month
        """,
            params={"start": shift(month, -(months - 1)), "m": month},
        )
        .pl()
        .pipe(_plain)
    )


@query(scope=COUNTY, action="view_county_lists")
def activity_series(con, month: date, months: int = 13) -> pl.DataFrame:
    return (
        con.sql(
            """
        select month, platform, sum(activities) as activities
        from mart_activity_month where month between $start and $m
        group by month, platform order by month, platform
        """,
            params={"start": shift(month, -(months - 1)), "m": month},
        )
        .pl()
        .pipe(_plain)
    )


@query(scope=COUNTY, action="view_county_lists")
def brands(con, month: date) -> pl.DataFrame:
    """Registered brand projects' month: activities, people, hours, towns reached, rating."""
    return (
        con.sql(
            """
        with act as (
            select a.brand_project as name, count(*) as activities,
                   sum(a.participants) as participants, sum(a.volunteer_hours) as volunteer_hours,
                   sum(a.beneficiaries) as beneficiaries,
                   count(distinct s.institute_code) as towns
            from fct_activity a
            left join (
                select st.code, st.parent_code as institute_code from ref_unit st
                where st.kind = 'station'
                union all
                select code, code from ref_unit where kind = 'institute'
            ) s on s.code = a.unit_code
            where a.month = $m and a.is_registered_brand
            group by a.brand_project
        )
        select b.name, b.platform, act.activities, act.participants, act.volunteer_hours,
               act.beneficiaries, act.towns
        from ref_brand_project b join act using (name)
        order by act.participants desc, act.activities desc, b.name
        """,
            params={"m": month},
        )
        .pl()
        .pipe(_plain)
    )


@query(scope=COUNTY, action="view_county_lists")
def completeness(con, month: date) -> pl.DataFrame:
    """Every unit that owes exports for the month, with its sheets late and missing."""
    return con.sql(
        """
        select s.unit_code, u.name as unit_name, u.kind,
               count(*) as sheets_owed,
               count(*) filter (where s.status = 'late') as sheets_late,
               count(*) filter (where s.status = 'missing') as sheets_missing,
               list(s.sheet_key order by s.sheet_key) filter (where s.status = 'missing')
                   as missing_sheets,
               list(s.sheet_key order by s.sheet_key) filter (where s.status = 'late')
                   as late_sheets
        from mart_submission s
        join ref_unit_all u on u.code = s.unit_code
        where s.month = $m and s.is_expected
        group by s.unit_code, u.name, u.kind
        order by s.unit_code
        """,
        params={"m": month},
    ).pl()


@query(scope=COUNTY, action="view_county_lists")
def idle_stations(con, month: date) -> pl.DataFrame:
    """Stations that recorded no activity in the month (whether or not they sent a file)."""
    return con.sql(
        """
        select u.code as unit_code, u.name as unit_name, p.name as institute_name
        from ref_unit u
        join ref_unit p on p.code = u.parent_code
        where u.kind = 'station'
          and not exists (
              select 1 from fct_activity a where a.unit_code = u.code and a.month = $m
          )
        order by u.code
        """,
        params={"m": month},
    ).pl()


@query(scope=COUNTY, action="view_county_lists")
def points_flags(con, month: date) -> pl.DataFrame:
    """The month's points integrity flags per rule (rule_label, flags), most first."""
    return con.sql(
        """
        select rule_label, count(*) as flags from mart_points_flag
        where month = $m group by rule_label order by flags desc, rule_label
        """,
        params={"m": month},
    ).pl()


@query(scope=COUNTY, action="view_county_lists")
def ratings(con, month: date) -> pl.DataFrame:
    """Average order rating per taking unit this month and last (rated orders only)."""
    return (
        con.sql(
            """
        with r as (
            select taker_code, month, sum(rated) as rated,
                   sum(avg_rating * rated) / nullif(sum(rated), 0) as avg_rating
            from mart_order_month where month in ($m, $prev)
            group by taker_code, month
        )
        select cur.taker_code as unit_code, u.name as unit_name,
               prev.avg_rating as prev_rating, cur.avg_rating as rating,
               prev.rated as prev_rated, cur.rated as rated
        from r cur
        join r prev on prev.taker_code = cur.taker_code and prev.month = $prev
        join ref_unit_all u on u.code = cur.taker_code
        where cur.month = $m
        order by cur.taker_code
        """,
            params={"m": month, "prev": shift(month, -1)},
        )
        .pl()
        .pipe(_plain)
    )


@query(scope=COUNTY, action="view_county_lists")
def data_as_of(con, batch: int | None) -> dict:
    """The data an edition rests on: the last file received up to import batch `batch`
    (None: every batch) and how many files were loaded (source_file)."""
    return (
        con.sql(
            """
        select max(received_at) as latest_at, count(*) as files from source_file
        where $batch is null or batch_id <= $batch
        """,
            params={"batch": batch},
        )
        .pl()
        .row(0, named=True)
    )


@query(scope=COUNTY, action="view_county_lists")
def matter_backlog(con, month: date, months: int = 6) -> pl.DataFrame:
    """民事直说 open at each month's end over the last `months` months (mart_matter_backlog),
    with the county's limit and, per month, the age in days of the oldest matter still open."""
    return (
        con.sql(
            """
        with b as (
            select month, sum(open_at_end) as open_at_end,
                   sum(open_past_limit) as open_past_limit, max(limit_days) as limit_days
            from mart_matter_backlog where month between $start and $m group by month
        ),
        oldest as (
            select b.month,
                   max(date_diff('day', x.accepted_date,
                       cast(b.month + interval 1 month - interval 1 day as date))) as oldest_days
            from b join fct_matter x
              on x.accepted_date <= cast(b.month + interval 1 month - interval 1 day as date)
             and (x.resolved_date is null
                  or x.resolved_date > cast(b.month + interval 1 month - interval 1 day as date))
            group by b.month
        )
        select b.month, b.open_at_end, b.open_past_limit, b.limit_days, oldest.oldest_days
        from b left join oldest using (month)
        order by b.month
        """,
            params={"start": shift(month, -(months - 1)), "m": month},
        )
        .pl()
        .pipe(_plain)
    )


@query(scope=COUNTY, action="view_county_lists")
def standards_shortfall(con, month: date) -> dict:
    """八有 among the county's stations this month: registered, reporting, meeting all eight,
    and for each item how many reporting stations lack it (mart_standards_month, fct_standards)."""
    lacking = ", ".join(
        f"count(*) filter (where f.{c} is not true) as lacking_{c}" for c in labels.STANDARD_ITEMS
    )
    row = con.sql(
        f"""
        with stations as (select code from ref_unit where kind = 'station'),
        m as (
            select s.* from mart_standards_month s join stations on stations.code = s.unit_code
            where s.month = $m
        ),
        f as (
            select x.* from fct_standards x join stations on stations.code = x.unit_code
            where x.month = $m
        )
        select (select count(*) from stations) as stations,
               (select count(*) from m) as reporting,
               (select count(*) from m where is_compliant) as compliant,
               (select count(*) from m where not is_compliant) as failing,
               {lacking}
        from f
        """,
        params={"m": month},
    ).pl()
    return row.row(0, named=True)


@query(scope=COUNTY, action="view_county_lists")
def county_rating(con, month: date) -> pl.DataFrame:
    """The county's average order rating and rated orders, this month and last."""
    return (
        con.sql(
            """
        select month, sum(rated) as rated,
               sum(avg_rating * rated) / nullif(sum(rated), 0) as rating
        from mart_order_month where month in ($m, $prev)
        group by month order by month
        """,
            params={"m": month, "prev": shift(month, -1)},
        )
        .pl()
        .pipe(_plain)
    )
