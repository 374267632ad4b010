-- Star households (星级户): each rating compared with the household's previous one.
-- grain: one row per household per month its rating was reported
-- unique: unit_code, household_id, month
-- not_null: unit_code, household_id, month, change
-- accepted: change in ('首次评定', '升星', '降星', '持平', '未评')
with ratings as (
    select * from fct_household_rating
),

ordered as (
    select
        unit_code,
        household_id,
        submitted_month as month,
        stars,
        required_stars_met,
        lag(stars) over by_household as previous_stars,
        lag(submitted_month) over by_household as previous_month,
        lag(required_stars_met) over by_household as previous_required_met
    from ratings
    window by_household as (partition by unit_code, household_id order by submitted_month)
),

final as (
    select
        *,
        stars - previous_stars as stars_change,
        case
            when stars is null then '未评'
            when previous_stars is null then '首次评定'
            when stars > previous_stars then '升星'
            when stars < previous_stars then '降星'
            else '持平'
        end as change
    from ordered
)

select * from final
