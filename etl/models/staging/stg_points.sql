-- Accepted points rows of current submissions. A 流水号 already sent in an
-- earlier submission of the same unit is marked is_duplicate
-- (it would count twice; the rule is stg_row_key's).
-- grain: one row per accepted points entry row of a current submission
-- not_null: unit_code, entry_id, entry_date, month, file_id, source_row
-- unique: file_id, sheet_name, source_row
with raw as (
    select * from raw_points
),

keys as (
    select file_id, sheet_name, source_row, received_at, first_file_id, first_source_row, is_duplicate
    from stg_row_key
    where sheet_key = 'points'
),

final as (
    select
        r.*,
        k.received_at,
        cast(date_trunc('month', r.entry_date) as date) as month,
        k.first_file_id,
        k.first_source_row,
        k.is_duplicate
    from raw as r
    inner join keys as k using (file_id, sheet_name, source_row)
)

select * from final
