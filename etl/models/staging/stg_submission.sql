-- Every submission (a file's sheet for a unit and month), which one is current
-- (the latest received for its unit, month and sheet; files received together
-- by file_id, which follows their own dates, etl/receipt.py), its place among
-- the versions (version_rank 1 = current, 2 = the one it replaced ...) and
-- whether it was late (its first version arrived after the month's deadline,
-- stg_month).
-- grain: one row per file and export kind it carries
-- unique: file_id, sheet_key
-- not_null: file_id, sheet_key, month, received_at, deadline_date
with submissions as (
    select * from submission
),

files as (
    select file_id, file_name, source_path from source_file
),

months as (
    select month, deadline_date from stg_month
),

ranked as (
    select
        s.*,
        f.file_name,
        f.source_path,
        row_number() over (
            partition by s.unit_code, s.month, s.sheet_key
            order by s.received_at desc, s.file_id desc
        ) as version_rank,
        count(*) over (partition by s.unit_code, s.month, s.sheet_key) as versions,
        min(s.received_at) over (partition by s.unit_code, s.month, s.sheet_key)
            as first_received_at
    from submissions as s
    inner join files as f using (file_id)
),

final as (
    select
        r.file_id,
        r.sheet_key,
        r.unit_code,
        r.month,
        r.received_at,
        r.is_correction,
        r.file_name,
        r.source_path,
        r.version_rank = 1 as is_current,
        r.version_rank,
        r.versions,
        r.first_received_at,
        m.deadline_date,
        -- lateness is judged on the first version: a correction does not make a unit late
        cast(r.first_received_at as date) > m.deadline_date as is_late
    from ranked as r
    left join months as m using (month)
)

select * from final
