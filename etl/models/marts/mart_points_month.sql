-- The moral-points economy per station and month: points issued (only 核发,
-- by category), deducted, redeemed, and the outstanding balance at month end,
-- which is the love supermarket's liability. Clearings (清零, from the ledger
-- or entered by the office) and the balance they wiped are counted here too.
-- grain: one row per station per month
-- unique: unit_code, month
-- not_null: unit_code, month, points_issued, points_redeemed, balance_points, liability_yuan
-- check: points_issued = points_basic + points_review + points_contribution
-- check: balance_points >= 0 and points_redeemed >= 0
with entries as (
    select * from fct_points_entry where is_issued
),

redemptions as (
    select * from fct_redemption
),

ledger as (
    select * from int_household_ledger where is_counted
),

months as (
    select month from stg_month
),

settings as (
    select yuan_per_point from stg_settings
),

issued as (
    select
        unit_code,
        month,
        cast(sum(points) filter (where category = '基础分') as bigint) as points_basic,
        cast(sum(points) filter (where category = '评议分') as bigint) as points_review,
        cast(sum(points) filter (where category = '贡献分') as bigint) as points_contribution,
        -cast(sum(points) filter (where category = '扣分') as bigint) as points_deducted,
        count(distinct household_id) filter (where points > 0) as households_earning
    from entries
    group by all
),

cleared as (
    select
        unit_code,
        month,
        count(*) as clearings,
        cast(sum(points_cleared) as bigint) as points_cleared
    from fct_clearing
    group by all
),

redeemed as (
    select
        unit_code,
        month,
        cast(sum(points) as bigint) as points_redeemed,
        count(*) as redemptions,
        count(distinct household_id) as households_redeeming
    from redemptions
    group by all
),

household_month_end as (
    -- each household's balance after its last event of each month it had events in
    select
        unit_code,
        household_id,
        cast(date_trunc('month', event_date) as date) as month,
        arg_max(balance_after, event_seq) as balance
    from int_household_ledger
    group by all
),

households as (
    select unit_code, household_id, min(month) as first_month
    from household_month_end
    group by all
),

balance_grid as (
    -- carry each household's balance forward through months without events
    select
        h.unit_code,
        m.month,
        last_value(b.balance ignore nulls) over (
            partition by h.unit_code, h.household_id order by m.month
        ) as balance
    from households as h
    inner join months as m on m.month >= h.first_month
    left join household_month_end as b
        on b.unit_code = h.unit_code and b.household_id = h.household_id and b.month = m.month
),

balances as (
    select unit_code, month, cast(sum(balance) as bigint) as balance_points, count(*) filter (where balance > 0)
        as households_with_balance
    from balance_grid
    group by all
),

final as (
    select
        b.unit_code,
        b.month,
        coalesce(i.points_basic, 0) + coalesce(i.points_review, 0)
        + coalesce(i.points_contribution, 0) as points_issued,
        coalesce(i.points_basic, 0) as points_basic,
        coalesce(i.points_review, 0) as points_review,
        coalesce(i.points_contribution, 0) as points_contribution,
        coalesce(i.points_deducted, 0) as points_deducted,
        coalesce(c.clearings, 0) as clearings,
        coalesce(c.points_cleared, 0) as points_cleared,
        coalesce(r.points_redeemed, 0) as points_redeemed,
        coalesce(r.redemptions, 0) as redemptions,
        coalesce(i.households_earning, 0) as households_earning,
        coalesce(r.households_redeeming, 0) as households_redeeming,
        b.balance_points,
        b.households_with_balance,
        b.balance_points * s.yuan_per_point as liability_yuan
    from balances as b
    cross join settings as s
    left join issued as i on i.unit_code = b.unit_code and i.month = b.month
    left join redeemed as r on r.unit_code = b.unit_code and r.month = b.month
    left join cleared as c on c.unit_code = b.unit_code and c.month = b.month
)

select * from final
