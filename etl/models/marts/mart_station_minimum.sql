-- The town plan's monthly minimum per station: at least one 宣讲 (理论政策宣讲)
-- and at least one notable activity, i.e. another activity that is a
-- registered brand project, the month's theme, or has at least
-- village.notable_min_participants participants. (The index's indicator
-- stations_meeting_minimum keeps its own published definition: an activity
-- and a 宣讲.)
-- grain: one row per station per month covered
-- unique: unit_code, month
-- not_null: unit_code, month, activities, xuanjiang_activities, notable_activities, meets_minimum
-- check: xuanjiang_activities + notable_activities <= activities
-- relationship: unit_code -> ref_unit.code
with stations as (
    select code as unit_code from ref_unit where kind = 'station'
),

settings as (
    select notable_min_participants as min_participants from stg_settings
),

activity as (
    select
        a.unit_code,
        a.month,
        count(*) as activities,
        count(*) filter (where a.platform = '理论政策宣讲') as xuanjiang_activities,
        count(*) filter (
            where a.platform <> '理论政策宣讲'
              and (a.is_registered_brand or a.is_month_theme or a.participants >= s.min_participants)
        ) as notable_activities
    from fct_activity as a
    cross join settings as s
    group by all
),

final as (
    select
        s.unit_code,
        m.month,
        coalesce(a.activities, 0) as activities,
        coalesce(a.xuanjiang_activities, 0) as xuanjiang_activities,
        coalesce(a.notable_activities, 0) as notable_activities,
        coalesce(a.xuanjiang_activities, 0) > 0 and coalesce(a.notable_activities, 0) > 0
            as meets_minimum,
        case
            when coalesce(a.activities, 0) = 0 then '本月无活动'
            when coalesce(a.xuanjiang_activities, 0) = 0 and coalesce(a.notable_activities, 0) = 0
                then '缺宣讲和特色活动'
            when coalesce(a.xuanjiang_activities, 0) = 0 then '缺宣讲'
            when coalesce(a.notable_activities, 0) = 0 then '缺特色活动'
        end as shortfall
    from stations as s
    cross join stg_month as m
    left join activity as a on a.unit_code = s.unit_code and a.month = m.month
)

select * from final
