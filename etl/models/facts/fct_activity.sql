-- Activities as counted: accepted, current, and neither sent twice (by 活动编号 or as
-- a suspected duplicate) nor beyond a plausibility limit: int_activity_screen decides.
-- grain: one row per activity (unit_code, activity_id)
-- unique: unit_code, activity_id
-- not_null: unit_code, activity_id, activity_date, month, platform, participants
-- check: participants >= 0 and coalesce(volunteers, 0) >= 0 and coalesce(volunteer_hours, 0) >= 0
-- relationship: unit_code -> ref_unit_all.code
with activities as (
    select a.*
    from stg_activities as a
    inner join int_activity_screen as s using (file_id, sheet_name, source_row)
    where s.is_counted
),

brands as (
    select name from ref_brand_project
),

themes as (
    select month as month_number, theme from ref_theme
),

final as (
    select
        a.unit_code,
        a.activity_id,
        a.activity_date,
        a.month,
        a.activity_name,
        a.platform,
        nullif(trim(a.brand_project), '') as brand_project,
        -- no brand named: unknown (NULL), whatever the engine makes of NULL IN (…)
        case when a.brand_project is not null
             then a.brand_project in (select name from brands) end as is_registered_brand,
        a.theme,
        a.theme is not null and a.theme = t.theme as is_month_theme,
        a.participants,
        a.volunteers,
        a.volunteer_hours,
        a.beneficiaries,
        coalesce(a.source, '自主开展') as source,
        a.order_id,
        a.longitude,
        a.latitude,
        a.file_id,
        a.source_row
    from activities as a
    left join themes as t on t.month_number = month(a.activity_date)
)

select * from final
