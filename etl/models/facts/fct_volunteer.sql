-- Registered volunteers: each one's latest state in its team's roster.
-- Rosters come in full the first time and as changes afterwards.
-- grain: one row per volunteer (team_code, volunteer_id)
-- unique: team_code, volunteer_id
-- not_null: team_code, volunteer_id, registered_date, is_active, last_month
with roster as (
    select
        *,
        row_number() over (
            partition by unit_code, volunteer_id
            order by submitted_month desc, received_at desc, file_id desc, source_row desc
        ) as state_rank,
        min(submitted_month) over (partition by unit_code, volunteer_id) as first_month
    from stg_volunteers
),

final as (
    select
        unit_code as team_code,
        volunteer_id,
        name_masked,
        gender,
        birth_year,
        registered_date,
        coalesce(status, '在册') as status,
        coalesce(status, '在册') = '在册' as is_active,
        id_number_hash,
        phone_hash,
        first_month,
        submitted_month as last_month,
        file_id,
        source_row
    from roster
    where state_rank = 1
)

select * from final
