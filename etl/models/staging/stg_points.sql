-- Accepted points rows of current submissions. A 流水号 already sent in an
-- earlier submission of the same unit is marked is_duplicate (it would count twice).
-- grain: one row per accepted points entry row of a current submission
-- not_null: unit_code, entry_id, entry_date, month, file_id, source_row
-- unique: file_id, sheet_name, source_row
with raw as (
    select * from raw_points
),

current_files as (
    select file_id, received_at
    from stg_submission
    where sheet_key = 'points' and is_current
),

keyed as (
    select
        r.*,
        c.received_at,
        cast(date_trunc('month', r.entry_date) as date) as month,
        row_number() over by_key as key_rank,
        first_value(r.file_id) over by_key as first_file_id,
        first_value(r.source_row) over by_key as first_source_row
    from raw as r
    inner join current_files as c using (file_id)
    window by_key as (
        partition by r.unit_code, r.entry_id
        order by c.received_at, r.file_id, r.source_row
        rows between unbounded preceding and current row
    )
),

final as (
    select * exclude (key_rank), key_rank > 1 as is_duplicate
    from keyed
)

select * from final
