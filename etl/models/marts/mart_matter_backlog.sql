-- Residents' matters (民事直说) still open at each month's end, and those open
-- longer than the county's limit (village.matter_open_limit_days, stg_settings).
-- grain: one row per station per month from its first matter on
-- unique: unit_code, month
-- not_null: unit_code, month, open_at_end, open_past_limit, resolved_in_month, limit_days
-- check: open_past_limit <= open_at_end
with matters as (
    select * from fct_matter
),

months as (
    select month, cast(month + interval 1 month - interval 1 day as date) as month_end
    from stg_month
),

settings as (
    select matter_open_limit_days as limit_days from stg_settings
),

stations as (
    select unit_code, min(month) as first_month from matters group by all
),

grid as (
    select s.unit_code, m.month, m.month_end
    from stations as s inner join months as m on m.month >= s.first_month
),

final as (
    select
        g.unit_code,
        g.month,
        count(x.matter_id) filter (
            where x.accepted_date <= g.month_end
              and (x.resolved_date is null or x.resolved_date > g.month_end)
        ) as open_at_end,
        count(x.matter_id) filter (
            where x.accepted_date <= g.month_end
              and (x.resolved_date is null or x.resolved_date > g.month_end)
              and date_diff('day', x.accepted_date, g.month_end) > s.limit_days
        ) as open_past_limit,
        count(x.matter_id) filter (
            where x.resolved_date between g.month and g.month_end
        ) as resolved_in_month,
        any_value(s.limit_days) as limit_days
    from grid as g
    cross join settings as s
    left join matters as x on x.unit_code = g.unit_code
    group by g.unit_code, g.month
)

select * from final
