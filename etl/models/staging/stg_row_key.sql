-- The ID each row of a current activities, points or redemptions submission
-- carries (活动编号, 流水号), and whether the same unit already sent that ID in an
-- earlier submission: the first received keeps it, a later row is a duplicate
-- (it would count twice). The one place that rule is written: stg_activities,
-- stg_points and stg_redemptions take is_duplicate from here, and
-- mart_quarantine lists the duplicates with the row they repeat.
-- grain: one row per accepted row of a current activities, points or redemptions submission
-- unique: file_id, sheet_name, source_row
-- not_null: sheet_key, file_id, sheet_name, source_row, key_column, key_header, received_at
-- not_null: is_duplicate, first_file_id, first_source_row
-- accepted: sheet_key in ('activities', 'points', 'redemptions')
-- check: is_duplicate = (file_id <> first_file_id or source_row <> first_source_row)
with current_files as (
    select file_id, sheet_key, received_at
    from stg_submission
    where is_current
),

keyed_rows as (
    select
        'activities' as sheet_key, file_id, sheet_name, source_row, unit_code,
        'activity_id' as key_column, '活动编号' as key_header, activity_id as row_key
    from raw_activities
    union all
    select
        'points', file_id, sheet_name, source_row, unit_code,
        'entry_id', '流水号', entry_id
    from raw_points
    union all
    select
        'redemptions', file_id, sheet_name, source_row, unit_code,
        'entry_id', '流水号', entry_id
    from raw_redemptions
),

ranked as (
    select
        k.*,
        c.received_at,
        row_number() over by_key as key_rank,
        first_value(k.file_id) over by_key as first_file_id,
        first_value(k.source_row) over by_key as first_source_row
    from keyed_rows as k
    inner join current_files as c using (file_id, sheet_key)
    window by_key as (
        partition by k.sheet_key, k.unit_code, k.row_key
        order by c.received_at, k.file_id, k.source_row
        rows between unbounded preceding and current row
    )
),

final as (
    select * exclude (key_rank), key_rank > 1 as is_duplicate
    from ranked
)

select * from final
