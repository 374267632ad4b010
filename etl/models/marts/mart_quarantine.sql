-- Every rejected row staff should see, with where it is and why: rows the
-- reader rejected, rows sent twice across submissions, activity rows beyond a
-- plausibility limit or repeating an earlier row under another 活动编号
-- (int_activity_screen), and redemptions the household's balance did not
-- cover. is_current is false once a corrected file has replaced the one the
-- row came from.
-- grain: one row per rejected source row
-- unique: file_id, sheet_name, source_row
-- not_null: file_id, file_name, sheet_key, sheet_name, source_row, reason_code, reason
with read_rejections as (
    select
        file_id, sheet_key, sheet_name, source_row, column_key, column_header,
        reason_code, reason, problems, row_values
    from quarantine
),

duplicate_rows as (
    -- the staged row as a whole, to show what was sent
    select file_id, sheet_name, source_row, to_json(d) as row_values
    from stg_activities as d where d.is_duplicate
    union all
    select file_id, sheet_name, source_row, to_json(d)
    from stg_points as d where d.is_duplicate
    union all
    select file_id, sheet_name, source_row, to_json(d)
    from stg_redemptions as d where d.is_duplicate
),

cross_file as (
    select
        k.file_id, k.sheet_key, k.sheet_name, k.source_row, k.key_column as column_key,
        k.key_header as column_header, 'duplicate_across_files' as reason_code,
        format('「{}」{} 已在「{}」第 {} 行报送过', k.key_header, k.row_key, f.file_name,
            k.first_source_row) as reason,
        null as problems,
        d.row_values
    from stg_row_key as k
    inner join source_file as f on f.file_id = k.first_file_id
    inner join duplicate_rows as d
        on d.file_id = k.file_id and d.sheet_name = k.sheet_name and d.source_row = k.source_row
    where k.is_duplicate
),

screened as (
    -- implausible values and suspected duplicates; int_activity_screen words the reason
    select
        s.file_id, 'activities' as sheet_key, s.sheet_name, s.source_row, s.column_key,
        s.column_header, s.reason_code, s.reason, s.problems, to_json(a) as row_values
    from int_activity_screen as s
    inner join stg_activities as a using (file_id, sheet_name, source_row)
    where s.reason_code in ('implausible_value', 'suspected_duplicate')
),

overdrawn as (
    select
        l.file_id,
        'redemptions' as sheet_key,
        r.sheet_name,
        l.source_row,
        'points' as column_key,
        '兑换积分' as column_header,
        'overdrawn_redemption' as reason_code,
        format('兑换积分 {} 超过该户（{}）当时的积分余额 {}', l.points, l.household_id,
            l.balance_before) as reason,
        null as problems,
        to_json(r) as row_values
    from int_household_ledger as l
    inner join stg_redemptions as r using (file_id, sheet_name, source_row)
    where l.is_overdrawn
),

rejected as (
    select * from read_rejections
    union all
    select * from cross_file
    union all
    select * from screened
    union all
    select * from overdrawn
),

submissions as (
    select file_id, sheet_key, unit_code, month, is_current from stg_submission
),

final as (
    select
        j.file_id,
        f.file_name,
        f.source_path,
        f.received_at,
        s.unit_code,
        s.month,
        j.sheet_key,
        j.sheet_name,
        j.source_row,
        j.column_key,
        j.column_header,
        j.reason_code,
        j.reason,
        j.problems,
        j.row_values,
        coalesce(s.is_current, false) as is_current
    from rejected as j
    inner join source_file as f using (file_id)
    left join submissions as s using (file_id, sheet_key)
)

select * from final
