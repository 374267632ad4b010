-- Points integrity flags for the office, one row per flag, with how many
-- evidence rows (int_points_evidence) stand behind it.
-- grain: one row per flag
-- unique: flag_id
-- not_null: flag_id, rule, rule_label, unit_code, month, evidence_rows, detail
-- relationship: unit_code -> ref_unit.code
with evidence as (
    select * from int_points_evidence
),

final as (
    select
        rule || ':' || flag_key as flag_id,
        rule,
        case rule
            when 'out_of_range' then '分值超出目录范围'
            when 'same_day' then '同户同日多次记分'
            when 'peer_outlier' then '户均积分远高于同类站点'
            when 'overdrawn' then '兑换超过余额'
            when 'no_publicity' then '核发未经公示'
        end as rule_label,
        unit_code,
        case when count(distinct household_id) = 1 then any_value(household_id) end
            as household_id,
        count(distinct household_id) as households,
        min(month) as month,
        min(entry_date) as first_date,
        max(entry_date) as last_date,
        count(*) as evidence_rows,
        cast(sum(points) as bigint) as points,
        any_value(detail) as detail
    from evidence
    group by rule, flag_key, unit_code
)

select * from final
