-- Residents' matters (民事直说) accepted per station and month, by category and level.
-- grain: one row per unit, month, category and level
-- unique: unit_code, month, category, level
-- not_null: unit_code, month, category, level, matters
-- check: resolved <= matters and satisfied <= rated
with matters as (
    select * from fct_matter
),

final as (
    select
        unit_code,
        month,
        category,
        level,
        count(*) as matters,
        count(*) filter (where is_resolved) as resolved,
        avg(days_to_resolve) as avg_days_to_resolve,
        max(days_to_resolve) as max_days_to_resolve,
        count(satisfaction) as rated,
        count(*) filter (where satisfaction = '满意') as satisfied,
        count(*) filter (where satisfaction = '基本满意') as fairly_satisfied,
        count(*) filter (where satisfaction = '不满意') as dissatisfied
    from matters
    group by all
)

select * from final
