-- Every code a row may name: registered units and teams, with their kind.
-- grain: one row per unit or team code
-- unique: code
-- not_null: code, name, kind
with units as (
    select code, name, kind, parent_code from ref_unit
),

teams as (
    select
        code,
        name,
        case level when 'county' then 'county_team' else level || '_team' end as kind,
        parent_code
    from ref_team
),

final as (
    select * from units
    union all
    select * from teams
)

select * from final
