-- Every figure the monthly index (考评指数) may use, per unit and month, over
-- what the unit answers for (int_unit_scope): a sub-centre's district, an
-- institute's town, a station's village, a county team's own work. Months
-- with nothing sent are rows of zeros, so a unit's silence is visible.
-- grain: one row per ranked unit (sub-centre, institute, station, county team) per month
-- unique: unit_code, month
-- not_null: unit_code, month, kind, activities, sheets_owed, own_sheets_owed
-- check: stations_meeting_minimum <= stations_active and stations_active <= stations
-- check: orders_completed <= orders_taken and sheets_on_time + sheets_late <= sheets_owed
-- check: own_sheets_missing <= own_sheets_owed
-- check: orders_satisfied <= orders_completed and orders_timely <= orders_completed
-- check: orders_placed_satisfied <= orders_placed_completed
-- check: orders_placed_timely <= orders_placed_completed
-- check: standards_items_owed % 8 = 0 and households_redeeming >= 0
-- relationship: unit_code -> ref_unit_all.code
with units as (
    select u.code as unit_code, u.name, u.kind, u.parent_code,
           coalesce(r.population, 0) as population, coalesce(r.households, 0) as households
    from ref_unit_all as u
    left join ref_unit as r on r.code = u.code
    where u.kind in ('subcentre', 'institute', 'station', 'county_team')
),

grid as (
    select u.*, m.month from units as u cross join stg_month as m
),

scope as (
    select * from int_unit_scope
),

activity as (
    select
        unit_code as member_code,
        month,
        count(*) as activities,
        count(*) filter (where platform = '理论政策宣讲') as xuanjiang_activities,
        count(*) filter (where is_month_theme) as theme_activities,
        count(*) filter (where is_registered_brand) as brand_activities,
        count(*) filter (where source = '群众点单') as ordered_activities,
        sum(participants) as participants,
        sum(coalesce(volunteers, 0)) as volunteer_times,
        sum(coalesce(volunteer_hours, 0)) as volunteer_hours,
        sum(coalesce(beneficiaries, 0)) as beneficiaries
    from fct_activity
    group by all
),

station_activity as (
    select
        member_code,
        month,
        activities > 0 as is_active,
        activities > 0 and xuanjiang_activities > 0 as meets_minimum
    from activity
),

orders_taken as (
    select
        taker_code as member_code,
        month,
        count(*) as orders_taken,
        count(*) filter (where is_completed) as orders_completed,
        count(*) filter (where is_satisfied) as orders_satisfied,
        count(*) filter (where is_timely) as orders_timely,
        count(*) filter (where is_rated) as orders_rated,
        sum(rating) as rating_sum,
        sum(hours_to_complete) filter (where is_completed) as hours_to_complete_sum
    from fct_order
    where taker_code is not null and not is_cancelled
    group by all
),

orders_placed as (
    select
        village_code as member_code,
        month,
        count(*) as orders_placed,
        count(*) filter (where is_completed) as orders_placed_completed,
        count(*) filter (where is_satisfied) as orders_placed_satisfied,
        count(*) filter (where is_timely) as orders_placed_timely
    from fct_order
    where not is_cancelled
    group by all
),

points as (
    select
        unit_code as member_code,
        month,
        points_issued,
        points_redeemed,
        households_earning,
        households_redeeming,
        balance_points
    from mart_points_month
),

standards as (
    select unit_code as member_code, month, items_met, is_compliant from mart_standards_month
),

volunteers as (
    select team_code as member_code, month, volunteers_active from mart_volunteer_month
),

submissions as (
    select
        unit_code as member_code,
        month,
        count(*) as sheets_owed,
        count(*) filter (where status = 'on_time') as sheets_on_time,
        count(*) filter (where status = 'late') as sheets_late,
        count(*) filter (where status = 'missing') as sheets_missing,
        -- owed per the contract (ref_obligation): stations and institutes owe 阵地自查
        count(*) filter (where sheet_key = 'standards') as standards_owed
    from mart_submission
    where is_expected
    group by all
),

rolled as (
    select
        g.unit_code,
        g.month,
        count(*) filter (where s.member_kind = 'station') as stations,
        coalesce(sum(a.activities), 0) as activities,
        coalesce(sum(a.xuanjiang_activities), 0) as xuanjiang_activities,
        coalesce(sum(a.theme_activities), 0) as theme_activities,
        coalesce(sum(a.brand_activities), 0) as brand_activities,
        coalesce(sum(a.ordered_activities), 0) as ordered_activities,
        coalesce(sum(a.participants), 0) as participants,
        coalesce(sum(a.volunteer_times), 0) as volunteer_times,
        coalesce(sum(a.volunteer_hours), 0) as volunteer_hours,
        coalesce(sum(a.beneficiaries), 0) as beneficiaries,
        count(*) filter (where s.member_kind = 'station' and sa.is_active) as stations_active,
        count(*) filter (where s.member_kind = 'station' and sa.meets_minimum)
            as stations_meeting_minimum,
        coalesce(sum(ot.orders_taken), 0) as orders_taken,
        coalesce(sum(ot.orders_completed), 0) as orders_completed,
        coalesce(sum(ot.orders_satisfied), 0) as orders_satisfied,
        coalesce(sum(ot.orders_timely), 0) as orders_timely,
        coalesce(sum(ot.orders_rated), 0) as orders_rated,
        sum(ot.rating_sum) as rating_sum,
        sum(ot.hours_to_complete_sum) as hours_to_complete_sum,
        coalesce(sum(op.orders_placed), 0) as orders_placed,
        coalesce(sum(op.orders_placed_completed), 0) as orders_placed_completed,
        coalesce(sum(op.orders_placed_satisfied), 0) as orders_placed_satisfied,
        coalesce(sum(op.orders_placed_timely), 0) as orders_placed_timely,
        coalesce(sum(p.points_issued), 0) as points_issued,
        coalesce(sum(p.points_redeemed), 0) as points_redeemed,
        coalesce(sum(p.households_earning), 0) as households_earning,
        -- a household belongs to one station: the stations' counts add up to distinct households
        coalesce(sum(p.households_redeeming), 0) as households_redeeming,
        coalesce(sum(p.balance_points), 0) as balance_points,
        count(st.items_met) as standards_reported,
        8 * count(st.items_met) as standards_items_possible,
        -- a unit that owed the self-check and withheld it has met 0 of its 8 items
        8 * coalesce(sum(sb.standards_owed), 0) as standards_items_owed,
        count(*) filter (where st.is_compliant) as standards_compliant,
        coalesce(sum(st.items_met), 0) as standards_items_met,
        coalesce(sum(v.volunteers_active), 0) as volunteers_active,
        coalesce(sum(sb.sheets_owed), 0) as sheets_owed,
        coalesce(sum(sb.sheets_on_time), 0) as sheets_on_time,
        coalesce(sum(sb.sheets_late), 0) as sheets_late,
        coalesce(sum(sb.sheets_missing), 0) as sheets_missing,
        coalesce(sum(sb.sheets_owed) filter (where s.member_code = g.unit_code), 0)
            as own_sheets_owed,
        coalesce(sum(sb.sheets_missing) filter (where s.member_code = g.unit_code), 0)
            as own_sheets_missing
    from grid as g
    inner join scope as s on s.unit_code = g.unit_code
    left join activity as a on a.member_code = s.member_code and a.month = g.month
    left join station_activity as sa on sa.member_code = s.member_code and sa.month = g.month
    left join orders_taken as ot on ot.member_code = s.member_code and ot.month = g.month
    left join orders_placed as op on op.member_code = s.member_code and op.month = g.month
    left join points as p on p.member_code = s.member_code and p.month = g.month
    left join standards as st on st.member_code = s.member_code and st.month = g.month
    left join volunteers as v on v.member_code = s.member_code and v.month = g.month
    left join submissions as sb on sb.member_code = s.member_code and sb.month = g.month
    group by g.unit_code, g.month
),

final as (
    select
        g.unit_code,
        g.month,
        g.name,
        g.kind,
        g.parent_code,
        g.population,
        g.households,
        r.* exclude (unit_code, month)
    from grid as g
    inner join rolled as r using (unit_code, month)
)

select * from final
