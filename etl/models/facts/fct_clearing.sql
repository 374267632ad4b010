-- Zero-clearings (清零): a household's balance set to zero and its earning
-- barred for the rest of the year, whether a station's points ledger carried
-- the 清零 row or the office entered it with a reason.
-- grain: one row per clearing applied to a household's ledger
-- unique: unit_code, entry_id
-- not_null: unit_code, household_id, cleared_date, year, source, reason, points_cleared
-- accepted: source in ('台账', '办公室录入')
-- check: points_cleared >= 0
with clears as (
    select * from int_household_ledger where event_kind = 'clear'
),

ledger_rows as (
    select file_id, sheet_name, source_row, item from stg_points
),

office as (
    select 'QL-' || clearing_id as entry_id, unit_code, clearing_id, reason, entered_by, entered_at
    from office_clearing
    where voided_at is null
),

final as (
    select
        c.unit_code,
        c.household_id,
        c.entry_id,
        c.event_date as cleared_date,
        year(c.event_date) as year,
        cast(date_trunc('month', c.event_date) as date) as month,
        case when o.clearing_id is null then '台账' else '办公室录入' end as source,
        coalesce(o.reason, p.item, '清零') as reason,
        c.balance_before as points_cleared,
        o.clearing_id,
        o.entered_by,
        o.entered_at,
        c.file_id,
        c.source_row
    from clears as c
    left join ledger_rows as p
        on p.file_id = c.file_id and p.sheet_name = c.sheet_name and p.source_row = c.source_row
    left join office as o on o.entry_id = c.entry_id and o.unit_code = c.unit_code
)

select * from final
