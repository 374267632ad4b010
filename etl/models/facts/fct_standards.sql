-- Station and institute self-checks against the eight standards (八有).
-- grain: one row per unit per month
-- unique: unit_code, month
-- not_null: unit_code, month, items_met, items_reported
-- check: items_met between 0 and 8 and items_met <= items_reported
with checks as (
    select
        *,
        row_number() over (
            partition by unit_code, month
            order by received_at desc, file_id desc, source_row desc
        ) as state_rank
    from stg_standards
),

final as (
    select
        unit_code,
        month,
        has_venue,
        has_position,
        has_team,
        has_rules,
        has_plan,
        has_project,
        has_funds,
        has_results,
        cast(coalesce(has_venue, false) as int) + cast(coalesce(has_position, false) as int)
        + cast(coalesce(has_team, false) as int) + cast(coalesce(has_rules, false) as int)
        + cast(coalesce(has_plan, false) as int) + cast(coalesce(has_project, false) as int)
        + cast(coalesce(has_funds, false) as int) + cast(coalesce(has_results, false) as int)
            as items_met,
        (has_venue is not null)::int + (has_position is not null)::int
        + (has_team is not null)::int + (has_rules is not null)::int
        + (has_plan is not null)::int + (has_project is not null)::int
        + (has_funds is not null)::int + (has_results is not null)::int as items_reported,
        station_stars,
        file_id,
        source_row
    from checks
    where state_rank = 1
)

select * from final
