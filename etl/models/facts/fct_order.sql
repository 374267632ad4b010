-- Service orders through 点单 → 派单 → 接单 → 完成 → 评单: latest state, lead times.
-- grain: one row per order
-- unique: order_id
-- not_null: order_id, ordered_at, month, platform, status
-- check: hours_to_complete is null or hours_to_complete >= 0
with orders as (
    select
        *,
        row_number() over (
            partition by order_id order by received_at desc, file_id desc, source_row desc
        ) as state_rank
    from stg_orders
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
        file_id,
        source_row
    from orders
    where state_rank = 1
)

select * from final
