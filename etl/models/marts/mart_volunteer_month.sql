-- Registered volunteers per team at each month end, with joiners and leavers.
-- grain: one row per team per month
-- unique: team_code, month
-- not_null: team_code, month, volunteers_active
-- check: volunteers_active >= 0
with changes as (
    select * from fct_volunteer_change
),

months as (
    select month from stg_month
),

people as (
    select team_code, volunteer_id, min(submitted_month) as first_month
    from changes
    group by all
),

grid as (
    select
        p.team_code,
        p.volunteer_id,
        m.month,
        last_value(c.is_active ignore nulls) over (
            partition by p.team_code, p.volunteer_id order by m.month
        ) as is_active,
        c.is_active as changed_to,
        p.first_month = m.month as is_first_month
    from people as p
    inner join months as m on m.month >= p.first_month
    left join changes as c
        on c.team_code = p.team_code and c.volunteer_id = p.volunteer_id
        and c.submitted_month = m.month
),

final as (
    select
        team_code,
        month,
        count(*) filter (where is_active) as volunteers_active,
        count(*) filter (where is_first_month and changed_to) as joined,
        count(*) filter (where not is_first_month and changed_to = false) as left_team
    from grid
    group by all
)

select * from final
