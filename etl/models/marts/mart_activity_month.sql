-- Activity totals per unit and month, by platform, brand project and theme.
-- Sum over any of these to roll up; every figure traces to fct_activity rows.
-- grain: one row per unit, month, platform, brand project and theme
-- unique: unit_code, month, platform, brand_project, theme
-- not_null: unit_code, month, platform, activities, participants
-- check: activities > 0 and participants >= 0 and volunteer_hours >= 0
with activities as (
    select * from fct_activity
),

final as (
    select
        unit_code,
        month,
        platform,
        brand_project,
        theme,
        count(*) as activities,
        cast(sum(participants) as bigint) as participants,
        cast(coalesce(sum(volunteers), 0) as bigint) as volunteers,
        coalesce(sum(volunteer_hours), 0) as volunteer_hours,
        cast(coalesce(sum(beneficiaries), 0) as bigint) as beneficiaries,
        count(*) filter (where source = '群众点单') as ordered_activities,
        count(*) filter (where is_month_theme) as theme_activities,
        count(*) filter (where is_registered_brand) as brand_activities
    from activities
    group by all
)

select * from final
