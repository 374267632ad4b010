-- What each unit answers for: itself, every unit below it, and the teams of
-- those units. A sub-centre answers for its institutes and their stations,
-- an institute for its stations, a station for itself; a county team for
-- itself. Rolled-up figures in mart_unit_month sum over member_code.
-- grain: one row per unit and member
-- unique: unit_code, member_code
-- not_null: unit_code, member_code, member_kind
-- relationship: member_code -> ref_unit_all.code
with recursive tree (unit_code, member_code) as (
    select code, code from ref_unit_all
    union all
    select t.unit_code, c.code
    from tree as t
    inner join ref_unit_all as c on c.parent_code = t.member_code
    where c.kind in ('subcentre', 'institute', 'station', 'town_team', 'village_team')
),

final as (
    select distinct t.unit_code, t.member_code, m.kind as member_kind
    from tree as t
    inner join ref_unit_all as m on m.code = t.member_code
)

select * from final
