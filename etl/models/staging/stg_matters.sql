-- Accepted matters rows of current submissions, with the submission's month and
-- received time (the latest state of each matter is chosen in the facts).
-- grain: one row per accepted matter row of a current submission
-- not_null: matter_id, file_id, source_row, submitted_month, received_at
-- unique: file_id, sheet_name, source_row
with raw as (
    select * from raw_matters
),

current_files as (
    select file_id, month as submitted_month, received_at
    from stg_submission
    where sheet_key = 'matters' and is_current
),

final as (
    select r.*, c.submitted_month, c.received_at
    from raw as r
    inner join current_files as c using (file_id)
)

select * from final
