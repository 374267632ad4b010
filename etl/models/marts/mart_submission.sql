-- Submission completeness: for every unit, month and export it owes (or sent),
-- whether the current version came on time, late (after the month's deadline,
-- stg_month), or not at all. What each kind of unit owes is the contract's
-- (core/contract.py owed_by, written to ref_obligation).
-- grain: one row per unit, month and sheet
-- unique: unit_code, month, sheet_key
-- not_null: unit_code, month, sheet_key, status, deadline_date
-- accepted: status in ('on_time', 'late', 'missing')
with units as (
    select code as unit_code, kind from ref_unit_all
),

owed as (
    select kind, sheet_key from ref_obligation
),

months as (
    select month, deadline_date from stg_month
),

current_submissions as (
    select * from stg_submission where is_current
),

expected as (
    select u.unit_code, m.month, o.sheet_key, true as is_expected
    from units as u
    inner join owed as o using (kind)
    cross join months as m
),

final as (
    select
        coalesce(e.unit_code, s.unit_code) as unit_code,
        coalesce(e.month, s.month) as month,
        coalesce(e.sheet_key, s.sheet_key) as sheet_key,
        coalesce(e.is_expected, false) as is_expected,
        case when s.file_id is null then 'missing' when s.is_late then 'late' else 'on_time' end
            as status,
        s.received_at,
        s.first_received_at,
        m.deadline_date,
        s.file_id,
        s.file_name,
        s.versions,
        s.is_correction
    from expected as e
    full outer join current_submissions as s
        on s.unit_code = e.unit_code and s.month = e.month and s.sheet_key = e.sheet_key
    left join months as m on m.month = coalesce(e.month, s.month)
    where coalesce(e.unit_code, s.unit_code) is not null
)

select * from final
