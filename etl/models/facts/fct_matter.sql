-- Residents' matters (民事直说): the latest reported state of each: from the
-- latest month that reported it (a late correction of an earlier month does
-- not undo a later month's state), then the latest received.
-- grain: one row per matter (unit_code, matter_id)
-- unique: unit_code, matter_id
-- not_null: unit_code, matter_id, accepted_date, month, category, level
-- check: days_to_resolve is null or days_to_resolve >= 0
with matters as (
    select
        *,
        row_number() over (
            partition by unit_code, matter_id
            order by submitted_month desc, received_at desc, file_id desc, source_row desc
        ) as state_rank
    from stg_matters
),

final as (
    select
        unit_code,
        matter_id,
        accepted_date,
        cast(date_trunc('month', accepted_date) as date) as month,
        category,
        level,
        resolved_date,
        resolved_date is not null as is_resolved,
        date_diff('day', accepted_date, resolved_date) as days_to_resolve,
        satisfaction,
        file_id,
        source_row
    from matters
    where state_rank = 1
)

select * from final
