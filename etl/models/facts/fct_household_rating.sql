-- Star ratings as reported in each month a household sheet was sent.
-- grain: one row per household per submitted month
-- unique: unit_code, household_id, submitted_month
-- not_null: unit_code, household_id, submitted_month
with households as (
    select
        *,
        row_number() over (
            partition by unit_code, household_id, submitted_month
            order by received_at desc, file_id desc, source_row desc
        ) as state_rank
    from stg_households
),

final as (
    select
        unit_code,
        household_id,
        submitted_month,
        stars,
        required_stars_met,
        members,
        file_id,
        source_row
    from households
    where state_rank = 1
)

select * from final
