-- Each household's year as the credit cooperative sees it (道德积分与评级授信):
-- points issued, deducted, redeemed and cleared in the year, the balance carried
-- in and the balance at Dec 31 (from mart_household_quarter, so in the ledger's
-- own event order), the stars of the latest rating sent by Dec 31, the year's
-- first 清零, and the head's ID hash and masked name. A year is kept for a
-- household with ledger events in it or a positive balance carried into it,
-- up to the last year the database holds anything for. The credit export
-- (publish/credit.py) selects from it.
-- grain: one row per household per year with ledger events or a positive balance carried in
-- unique: unit_code, household_id, year
-- not_null: unit_code, household_id, year, has_events, points_issued, points_deducted
-- not_null: points_redeemed, points_cleared, balance_start_points, balance_points, is_cleared
-- check: has_events or balance_start_points > 0
-- check: points_issued >= 0 and points_deducted >= 0 and points_redeemed >= 0
-- check: balance_start_points >= 0 and balance_points >= 0 and points_cleared >= 0
-- check: balance_points <= balance_start_points + points_issued - points_redeemed - points_cleared
-- check: balance_points >= balance_start_points + points_issued - points_deducted - points_redeemed - points_cleared
-- check: has_events or (points_issued = 0 and points_deducted = 0 and points_redeemed = 0 and not is_cleared)
-- check: is_cleared = (cleared_date is not null) and (cleared_date is null or year(cleared_date) = year)
-- check: stars is null or stars between 0 and 10
-- relationship: unit_code -> ref_unit.code
with quarters as (
    select * from mart_household_quarter
),

entries as (
    select * from fct_points_entry
),

ratings as (
    select unit_code, household_id, submitted_month, stars, required_stars_met
    from fct_household_rating
    where stars is not null
),

bounds as (
    -- the last year anything was sent for: after it, nothing changes
    select greatest(
        (select max(year) from quarters),
        (select max(year(month)) from stg_month),
        (select max(year(entry_date)) from entries),
        (select max(year(submitted_month)) from ratings)
    ) as last_year
),

households as (
    select unit_code, household_id, min(year) as first_year
    from quarters
    group by all
),

all_years as (
    select unnest(range((select min(first_year) from households), last_year + 1)) as year
    from bounds
),

years as (
    select h.unit_code, h.household_id, y.year
    from households as h
    inner join all_years as y on y.year >= h.first_year
),

flows as (
    select
        unit_code,
        household_id,
        year,
        sum(points_issued) as points_issued,
        sum(points_deducted) as points_deducted,
        sum(points_redeemed) as points_redeemed,
        sum(points_cleared) as points_cleared,
        arg_max(balance_points, quarter) as balance_points
    from quarters
    group by all
),

carried as (
    -- a year without events keeps the balance the household ended its latest year with
    select
        y.unit_code,
        y.household_id,
        y.year,
        f.year is not null as has_events,
        f.points_issued,
        f.points_deducted,
        f.points_redeemed,
        f.points_cleared,
        coalesce(
            last_value(f.balance_points ignore nulls) over (
                partition by y.unit_code, y.household_id order by y.year
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as balance_start_points,
        last_value(f.balance_points ignore nulls) over (
            partition by y.unit_code, y.household_id order by y.year
        ) as balance_points
    from years as y
    left join flows as f using (unit_code, household_id, year)
),

kept as (
    select *, make_date(year, 12, 31) as year_end
    from carried
    where has_events or balance_start_points > 0
),

people_years as (
    -- per household and year the ID hash and the name sent last and first (by date,
    -- then 流水号)
    select
        unit_code,
        household_id,
        year(entry_date) as year,
        arg_max(id_number_hash, (entry_date, entry_id)) filter (where id_number_hash is not null)
            as last_hash,
        arg_min(id_number_hash, (entry_date, entry_id)) filter (where id_number_hash is not null)
            as first_hash,
        arg_max(head_name_masked, (entry_date, entry_id)) filter (
            where head_name_masked is not null) as last_name,
        arg_min(head_name_masked, (entry_date, entry_id)) filter (
            where head_name_masked is not null) as first_name
    from entries
    group by all
),

people as (
    -- the ID hash and name as of the year's end; a household whose ID was first
    -- sent later still gets the first one sent, so that it can be matched
    select
        k.unit_code,
        k.household_id,
        k.year,
        coalesce(
            arg_max(p.last_hash, p.year) filter (where p.year <= k.year and p.last_hash is not null),
            arg_min(p.first_hash, p.year) filter (where p.year > k.year and p.first_hash is not null)
        ) as id_number_hash,
        coalesce(
            arg_max(p.last_name, p.year) filter (where p.year <= k.year and p.last_name is not null),
            arg_min(p.first_name, p.year) filter (where p.year > k.year and p.first_name is not null)
        ) as head_name_masked
    from kept as k
    inner join people_years as p using (unit_code, household_id)
    group by all
),

rated as (
    -- the latest rating sent by the year's end; a month whose sheet left the
    -- stars blank does not erase an earlier rating (ratings: one per household and month)
    select
        k.unit_code,
        k.household_id,
        k.year,
        -- both of the latest rating's row (a blank 必创星 is not filled from an earlier one)
        arg_max({'stars': r.stars, 'met': r.required_stars_met}, r.submitted_month).stars
            as stars,
        arg_max({'stars': r.stars, 'met': r.required_stars_met}, r.submitted_month).met
            as required_stars_met,
        max(r.submitted_month) as rated_month
    from kept as k
    left join ratings as r
        on r.unit_code = k.unit_code and r.household_id = k.household_id
        and r.submitted_month <= k.year_end
    group by k.unit_code, k.household_id, k.year
),

cleared as (
    -- a household is barred after its first clearing of the year; a later one clears 0
    select
        unit_code,
        household_id,
        year,
        arg_min(cleared_date, (cleared_date, entry_id)) as cleared_date,
        arg_min(source, (cleared_date, entry_id)) as clear_source,
        arg_min(reason, (cleared_date, entry_id)) as clear_reason
    from fct_clearing
    group by all
),

final as (
    select
        k.unit_code,
        k.household_id,
        k.year,
        coalesce(h.head_name_masked, p.head_name_masked) as head_name_masked,
        p.id_number_hash,
        k.has_events,
        cast(coalesce(k.points_issued, 0) as bigint) as points_issued,
        cast(coalesce(k.points_deducted, 0) as bigint) as points_deducted,
        cast(coalesce(k.points_redeemed, 0) as bigint) as points_redeemed,
        cast(coalesce(k.points_cleared, 0) as bigint) as points_cleared,
        cast(k.balance_start_points as bigint) as balance_start_points,
        cast(k.balance_points as bigint) as balance_points,
        cast(g.stars as integer) as stars,
        g.required_stars_met,
        g.rated_month,
        c.cleared_date is not null as is_cleared,
        c.cleared_date,
        c.clear_source,
        c.clear_reason
    from kept as k
    left join fct_household as h using (unit_code, household_id)
    left join people as p using (unit_code, household_id, year)
    left join rated as g using (unit_code, household_id, year)
    left join cleared as c using (unit_code, household_id, year)
)

select * from final
