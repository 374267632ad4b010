-- rollup_county_month: one row per county of the roll-up and month of the store.
-- grain: (unit_code, month); every registered county in every month some package covers,
--        with is_submitted false and no figures where the county sent no package.
-- reads: the packages' tables (views of rollup/store.py, with `county` from the partition),
--        rollup_county (the registry), rollup_package (the current packages).
-- Each figure is the county's own, summed from the package's rows of that month:
--   population, households, stations        the registry snapshot (ref_unit)
--   activities, theme_activities, volunteer_hours, participants, beneficiaries
--                                           mart_activity_month (every activity of the county)
--   volunteers_active                       mart_volunteer_month (every team, month end)
--   stations_meeting_minimum, orders_placed*, standards_items_*
--                                           mart_unit_month's station rows (villages)
--   points_*, households_earning/redeeming  mart_points_month (every station's ledger)
--   sheets_*                                mart_submission (what the county's units owed)
-- The columns `kind`, `own_sheets_owed` and `own_sheets_missing` are those the county
-- index reads (index/score.py), so the same engine ranks counties.
with months as (
    select distinct month from rollup_package
),
grid as (
    select c.code as unit_code, m.month, c.name, c.city_code, c.city_name
    from rollup_county c cross join months m
),
registry as (
    select county, month_of.month,
           max(population) filter (where kind = 'county') as population,
           max(households) filter (where kind = 'county') as households,
           count(*) filter (where kind = 'station') as stations
    from ref_unit
    join (select distinct county as c, month from rollup_package) month_of
      on month_of.c = ref_unit.county and ref_unit.period = strftime(month_of.month, '%Y-%m')
    group by all
),
activity as (
    select county, month,
           sum(activities) as activities,
           sum(theme_activities) as theme_activities,
           sum(volunteer_hours) as volunteer_hours,
           sum(participants) as participants,
           sum(beneficiaries) as beneficiaries
    from mart_activity_month group by all
),
volunteers as (
    select county, month, sum(volunteers_active) as volunteers_active
    from mart_volunteer_month group by all
),
stations as (
    select county, month,
           sum(stations_meeting_minimum) as stations_meeting_minimum,
           sum(orders_placed) as orders_placed,
           sum(orders_placed_completed) as orders_placed_completed,
           sum(orders_placed_satisfied) as orders_placed_satisfied,
           sum(standards_items_owed) as standards_items_owed,
           sum(standards_items_met) as standards_items_met
    from mart_unit_month where kind = 'station' group by all
),
points as (
    select county, month,
           sum(points_issued) as points_issued,
           sum(points_redeemed) as points_redeemed,
           sum(households_earning) as households_earning,
           sum(households_redeeming) as households_redeeming,
           sum(balance_points) as balance_points
    from mart_points_month group by all
),
sheets as (
    select county, month,
           count(*) as sheets_owed,
           count(*) filter (where status = 'on_time') as sheets_on_time,
           count(*) filter (where status = 'late') as sheets_late,
           count(*) filter (where status = 'missing') as sheets_missing
    from mart_submission where is_expected group by all
),
filled as (
select
    g.unit_code, g.month, g.name, 'county' as kind, g.city_code as parent_code, g.city_name,
    p.county is not null as is_submitted,
    1 as own_sheets_owed,
    case when p.county is null then 1 else 0 end as own_sheets_missing,
    r.population, r.households, r.stations,
    coalesce(a.activities, 0)::bigint as activities,
    coalesce(a.theme_activities, 0)::bigint as theme_activities,
    coalesce(a.volunteer_hours, 0)::double as volunteer_hours,
    coalesce(a.participants, 0)::bigint as participants,
    coalesce(a.beneficiaries, 0)::bigint as beneficiaries,
    coalesce(v.volunteers_active, 0)::bigint as volunteers_active,
    coalesce(s.stations_meeting_minimum, 0)::bigint as stations_meeting_minimum,
    coalesce(s.orders_placed, 0)::bigint as orders_placed,
    coalesce(s.orders_placed_completed, 0)::bigint as orders_placed_completed,
    coalesce(s.orders_placed_satisfied, 0)::bigint as orders_placed_satisfied,
    coalesce(s.standards_items_owed, 0)::bigint as standards_items_owed,
    coalesce(s.standards_items_met, 0)::bigint as standards_items_met,
    coalesce(pt.points_issued, 0)::bigint as points_issued,
    coalesce(pt.points_redeemed, 0)::bigint as points_redeemed,
    coalesce(pt.households_earning, 0)::bigint as households_earning,
    coalesce(pt.households_redeeming, 0)::bigint as households_redeeming,
    coalesce(pt.balance_points, 0)::bigint as balance_points,
    coalesce(sh.sheets_owed, 0)::bigint as sheets_owed,
    coalesce(sh.sheets_on_time, 0)::bigint as sheets_on_time,
    coalesce(sh.sheets_late, 0)::bigint as sheets_late,
    coalesce(sh.sheets_missing, 0)::bigint as sheets_missing
from grid g
left join (select distinct county, month from rollup_package) p
       on p.county = g.unit_code and p.month = g.month
left join registry r on r.county = g.unit_code and r.month = g.month
left join activity a on a.county = g.unit_code and a.month = g.month
left join volunteers v on v.county = g.unit_code and v.month = g.month
left join stations s on s.county = g.unit_code and s.month = g.month
left join points pt on pt.county = g.unit_code and pt.month = g.month
left join sheets sh on sh.county = g.unit_code and sh.month = g.month
)
-- a county without a package has no figures (null), not zeros
select unit_code, month, name, kind, parent_code, city_name, is_submitted, own_sheets_owed,
       own_sheets_missing,
       case when is_submitted then columns(* exclude (unit_code, month, name, kind, parent_code,
           city_name, is_submitted, own_sheets_owed, own_sheets_missing)) end
from filled
order by month, unit_code
