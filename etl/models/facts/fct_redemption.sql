-- Redemptions at the love supermarkets that the household's balance covered.
-- grain: one row per redemption (unit_code, entry_id)
-- unique: unit_code, entry_id
-- not_null: unit_code, household_id, redeemed_date, month, points, balance_after
-- check: points > 0 and balance_after >= 0
with redemptions as (
    select * from stg_redemptions where not is_duplicate
),

ledger as (
    select file_id, sheet_name, source_row, balance_before, balance_after
    from int_household_ledger
    where event_kind = 'redeem' and not is_overdrawn
),

final as (
    select
        r.unit_code,
        r.entry_id,
        r.redeemed_date,
        r.month,
        r.household_id,
        r.points,
        r.goods,
        r.goods_yuan,
        r.shop,
        l.balance_before,
        l.balance_after,
        r.file_id,
        r.source_row
    from redemptions as r
    inner join ledger as l using (file_id, sheet_name, source_row)
)

select * from final
