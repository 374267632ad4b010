-- Service orders through 点单 → 派单 → 接单 → 完成 → 评单: latest state, lead times,
-- and the two outcomes the marts count: satisfied (completed and not rated 1 or 2
-- stars; an unrated order counts as satisfied) and timely (completed within
-- order_timely_hours of being placed, stg_settings).
-- grain: one row per order
-- unique: order_id
-- not_null: order_id, ordered_at, month, platform, status, is_satisfied, is_timely
-- check: hours_to_complete is null or hours_to_complete >= 0
-- check: (not is_satisfied or is_completed) and (not is_timely or is_completed)
with orders as (
    select
        *,
        row_number() over (
            partition by order_id order by received_at desc, file_id desc, source_row desc
        ) as state_rank
    from stg_orders
),

settings as (
    select order_timely_hours from stg_settings
),

final as (
    select
        order_id,
        ordered_at,
        cast(date_trunc('month', ordered_at) as date) as month,
        village_code,
        platform,
        request,
        dispatched_at,
        taker_code,
        accepted_at,
        completed_at,
        rating,
        status,
        status = '已取消' as is_cancelled,
        dispatched_at is not null as is_dispatched,
        accepted_at is not null as is_accepted,
        completed_at is not null as is_completed,
        rating is not null as is_rated,
        date_diff('minute', ordered_at, dispatched_at) / 60.0 as hours_to_dispatch,
        date_diff('minute', dispatched_at, accepted_at) / 60.0 as hours_to_accept,
        date_diff('minute', ordered_at, completed_at) / 60.0 as hours_to_complete,
        completed_at is not null and coalesce(rating >= 3, true) as is_satisfied,
        completed_at is not null
        and date_diff('minute', ordered_at, completed_at) <= 60 * s.order_timely_hours
            as is_timely,
        file_id,
        source_row
    from orders
    cross join settings as s
    where state_rank = 1
)

select * from final
