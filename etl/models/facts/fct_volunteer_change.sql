-- Every roster line as sent: a volunteer joining, changing or leaving a team.
-- grain: one row per volunteer per submitted month
-- unique: team_code, volunteer_id, submitted_month
-- not_null: team_code, volunteer_id, submitted_month, is_active
with roster as (
    select
        *,
        row_number() over (
            partition by unit_code, volunteer_id, submitted_month
            order by received_at desc, file_id desc, source_row desc
        ) as state_rank
    from stg_volunteers
),

final as (
    select
        unit_code as team_code,
        volunteer_id,
        submitted_month,
        registered_date,
        coalesce(status, '在册') = '在册' as is_active
    from roster
    where state_rank = 1
)

select * from final
