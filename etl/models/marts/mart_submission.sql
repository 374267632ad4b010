-- Submission completeness: for every unit, month and export it owes (or sent),
-- whether the current version came on time, late (after the deadline day of
-- the next month, county.toml [submission]), or not at all.
-- grain: one row per unit, month and sheet
-- unique: unit_code, month, sheet_key
-- not_null: unit_code, month, sheet_key, status, deadline_date
-- accepted: status in ('on_time', 'late', 'missing')
with units as (
    select code as unit_code, kind from ref_unit_all
),

owed as (
    -- which exports each kind of unit sends every month (the contract's senders)
    select * from (values
        ('station', 'activities'), ('station', 'points'), ('station', 'redemptions'),
        ('station', 'standards'), ('institute', 'activities'), ('institute', 'standards'),
        ('institute', 'volunteers'), ('subcentre', 'activities'),
        ('county_team', 'activities'), ('county_team', 'volunteers'), ('county', 'orders')
    ) as t (kind, sheet_key)
),

months as (
    select month from stg_month
),

settings as (
    select cast(value as integer) as deadline_day
    from ref_setting
    where section = 'submission' and key = 'deadline_day'
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
        coalesce(
            s.deadline_date,
            cast(coalesce(e.month, s.month) + interval 1 month + to_days(st.deadline_day - 1) as date)
        ) as deadline_date,
        s.file_id,
        s.file_name,
        s.versions,
        s.is_correction
    from expected as e
    full outer join current_submissions as s
        on s.unit_code = e.unit_code and s.month = e.month and s.sheet_key = e.sheet_key
    cross join settings as st
    where coalesce(e.unit_code, s.unit_code) is not null
)

select * from final
