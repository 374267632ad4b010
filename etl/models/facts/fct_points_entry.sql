-- Points entries of current submissions with whether they count. Only 核发 is
-- issued; entries earned after a 清零 in the same year do not count.
-- grain: one row per points entry (unit_code, entry_id)
-- unique: unit_code, entry_id
-- not_null: unit_code, household_id, entry_date, month, category, status, is_issued
-- accepted: category in ('基础分', '评议分', '贡献分', '扣分', '清零')
with points as (
    select * from stg_points where not is_duplicate
),

ledger as (
    select file_id, sheet_name, source_row, is_counted, balance_after
    from int_household_ledger
    where event_kind <> 'redeem'
),

final as (
    select
        p.unit_code,
        p.entry_id,
        p.entry_date,
        p.month,
        p.household_id,
        p.head_name_masked,
        p.id_number_hash,
        p.phone_hash,
        p.category,
        p.item,
        p.points,
        p.status,
        p.status = '核发' and coalesce(l.is_counted, false) as is_issued,
        l.balance_after,
        p.file_id,
        p.source_row
    from points as p
    left join ledger as l using (file_id, sheet_name, source_row)
)

select * from final
