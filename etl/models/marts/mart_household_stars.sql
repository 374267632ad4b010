-- Star households (星级户) per station as rated in each month a household sheet came.
-- grain: one row per station per submitted month
-- unique: unit_code, month
-- not_null: unit_code, month, households
-- check: households_rated <= households and stars_5_plus <= households_rated
with ratings as (
    select * from fct_household_rating
),

final as (
    select
        unit_code,
        submitted_month as month,
        count(*) as households,
        count(stars) as households_rated,
        avg(stars) as avg_stars,
        count(*) filter (where stars >= 5) as stars_5_plus,
        count(*) filter (where stars >= 8) as stars_8_plus,
        count(*) filter (where stars = 10) as stars_10,
        count(*) filter (where required_stars_met) as required_stars_met,
        cast(sum(members) as bigint) as members
    from ratings
    group by all
)

select * from final
