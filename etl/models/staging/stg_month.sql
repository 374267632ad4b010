-- The months the database covers: from the first to the last month reported.
-- grain: one row per month
-- unique: month
-- not_null: month
with bounds as (
    select min(month) as first_month, max(month) as last_month from submission
),

final as (
    select cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as month
    from bounds
    where first_month is not null
)

select * from final
