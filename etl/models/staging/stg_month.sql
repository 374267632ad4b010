-- The months the database covers: from the first to the last month reported, and
-- the day each month's exports are due (deadline_day of the next month, stg_settings).
-- grain: one row per month
-- unique: month
-- not_null: month, deadline_date
with bounds as (
    select min(month) as first_month, max(month) as last_month from submission
),

settings as (
    select deadline_day from stg_settings
),

series as (
    select unnest(generate_series(first_month, last_month, interval 1 month)) as first_day
    from bounds
    where first_month is not null
),

months as (
    select cast(first_day as date) as month from series
),

final as (
    select
        m.month,
        cast(m.month + interval 1 month + (s.deadline_day - 1) * interval 1 day as date) as deadline_date
    from months as m
    cross join settings as s
)

select * from final
