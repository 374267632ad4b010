-- Each household's latest reported state and star rating.
-- grain: one row per household (unit_code, household_id)
-- unique: unit_code, household_id
-- not_null: unit_code, household_id, submitted_month
-- check: stars is null or stars between 0 and 10
with households as (
    select
        *,
        row_number() over (
            partition by unit_code, household_id
            order by submitted_month desc, received_at desc, file_id desc, source_row desc
        ) as state_rank
    from stg_households
),

final as (
    select
        unit_code,
        household_id,
        head_name_masked,
        members,
        group_name,
        stars,
        required_stars_met,
        rated_date,
        submitted_month,
        file_id,
        source_row
    from households
    where state_rank = 1
)

select * from final
