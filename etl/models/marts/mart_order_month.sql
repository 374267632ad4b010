-- Service orders per month, platform and taking unit: volumes through each step,
-- lead times in hours and ratings.
-- grain: one row per month, platform and taker
-- unique: month, platform, taker_code
-- not_null: month, platform, orders
-- check: completed <= accepted and accepted <= dispatched and dispatched <= orders
with orders as (
    select * from fct_order
),

final as (
    select
        month,
        platform,
        taker_code,
        count(*) as orders,
        count(*) filter (where is_dispatched) as dispatched,
        count(*) filter (where is_accepted) as accepted,
        count(*) filter (where is_completed) as completed,
        count(*) filter (where is_rated) as rated,
        count(*) filter (where is_cancelled) as cancelled,
        avg(hours_to_dispatch) as avg_hours_to_dispatch,
        avg(hours_to_accept) as avg_hours_to_accept,
        avg(hours_to_complete) as avg_hours_to_complete,
        avg(rating) as avg_rating
    from orders
    group by all
)

select * from final
