-- Star households (星级户): each rating compared with the household's previous rating
-- (the last earlier month that gave its stars).
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
        -- the previous rating: the last earlier month whose stars were given
        last_value(stars ignore nulls) over earlier as previous_stars,
        last_value(case when stars is not null then submitted_month end ignore nulls)
            over earlier as previous_month,
        last_value(case when stars is not null then required_stars_met end ignore nulls)
            over earlier as previous_required_met
    from ratings
    window earlier as (
        partition by unit_code, household_id order by submitted_month
        rows between unbounded preceding and 1 preceding
    )
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
