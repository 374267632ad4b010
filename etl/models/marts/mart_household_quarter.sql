-- Each household's moral points in a quarter it had ledger events in: issued,
-- deducted, redeemed and cleared (sums over fct_points_entry, fct_redemption and
-- fct_clearing rows) and the balance at the quarter's start and end, read in the
-- ledger's own event order (int_household_ledger.event_seq). A quarter without
-- events has no row: the household's balance then is that of its latest row.
-- The quarterly 公示 (publish/notice.py) and mart_household_year read it.
-- grain: one row per household per quarter with ledger events
-- unique: unit_code, household_id, quarter
-- not_null: unit_code, household_id, quarter, year, points_issued, points_deducted
-- not_null: points_redeemed, clearings, points_cleared, balance_start_points, balance_points
-- check: quarter = date_trunc('quarter', quarter) and year = year(quarter)
-- check: points_issued >= 0 and points_deducted >= 0 and points_redeemed >= 0
-- check: balance_start_points >= 0 and balance_points >= 0 and points_cleared >= 0
-- check: clearings = len(clearing_list)
-- check: balance_points <= balance_start_points + points_issued - points_redeemed - points_cleared
-- check: balance_points >= balance_start_points + points_issued - points_deducted - points_redeemed - points_cleared
with ledger as (
    select
        unit_code,
        household_id,
        cast(date_trunc('quarter', event_date) as date) as quarter,
        event_seq,
        balance_before,
        balance_after
    from int_household_ledger
),

entries as (
    select
        unit_code,
        household_id,
        cast(date_trunc('quarter', entry_date) as date) as quarter,
        cast(sum(points) filter (where points > 0) as bigint) as points_issued,
        -cast(sum(points) filter (where points < 0) as bigint) as points_deducted
    from fct_points_entry
    where is_issued
    group by all
),

redemptions as (
    select
        unit_code,
        household_id,
        cast(date_trunc('quarter', redeemed_date) as date) as quarter,
        cast(sum(points) as bigint) as points_redeemed
    from fct_redemption
    group by all
),

clearings as (
    select
        unit_code,
        household_id,
        cast(date_trunc('quarter', cleared_date) as date) as quarter,
        count(*) as clearings,
        cast(sum(points_cleared) as bigint) as points_cleared,
        list(
            struct_pack(cleared_date := cleared_date, points_cleared := points_cleared)
            order by cleared_date, entry_id
        ) as clearing_list
    from fct_clearing
    group by all
),

names as (
    -- the masked name on the household's latest points entry, for households
    -- whose household sheet never came
    select unit_code, household_id, arg_max(head_name_masked, entry_date) as head_name_masked
    from fct_points_entry
    where head_name_masked is not null
    group by all
),

balances as (
    -- the balance before the quarter's first event and after its last, in ledger order
    select
        unit_code,
        household_id,
        quarter,
        count(*) as events,
        arg_min(balance_before, event_seq) as balance_start_points,
        arg_max(balance_after, event_seq) as balance_points
    from ledger
    group by all
),

final as (
    select
        b.unit_code,
        b.household_id,
        b.quarter,
        year(b.quarter) as year,
        coalesce(h.head_name_masked, n.head_name_masked) as head_name_masked,
        b.events,
        coalesce(e.points_issued, 0) as points_issued,
        coalesce(e.points_deducted, 0) as points_deducted,
        coalesce(r.points_redeemed, 0) as points_redeemed,
        coalesce(c.clearings, 0) as clearings,
        coalesce(c.points_cleared, 0) as points_cleared,
        coalesce(c.clearing_list, []) as clearing_list,
        b.balance_start_points,
        b.balance_points
    from balances as b
    left join fct_household as h using (unit_code, household_id)
    left join names as n using (unit_code, household_id)
    left join entries as e using (unit_code, household_id, quarter)
    left join redemptions as r using (unit_code, household_id, quarter)
    left join clearings as c using (unit_code, household_id, quarter)
)

select * from final
