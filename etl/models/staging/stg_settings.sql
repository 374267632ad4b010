-- The thresholds the village-practice models read from county.toml ([village],
-- [audit] in ref_setting), typed, with the defaults used when a county leaves
-- one out. The one place those defaults are written.
-- grain: one row
-- not_null: matter_open_limit_days, notable_min_participants, same_day_max_entries, peer_ratio
with setting as (
    select section || '.' || key as name, value from ref_setting
),

final as (
    select
        coalesce(
            cast(max(value) filter (where name = 'village.matter_open_limit_days') as integer), 30
        ) as matter_open_limit_days,
        coalesce(
            cast(max(value) filter (where name = 'village.notable_min_participants') as integer), 30
        ) as notable_min_participants,
        coalesce(cast(max(value) filter (where name = 'audit.same_day_max_entries') as integer), 3)
            as same_day_max_entries,
        coalesce(cast(max(value) filter (where name = 'audit.peer_ratio') as double), 5.0)
            as peer_ratio
    from setting
)

select * from final
