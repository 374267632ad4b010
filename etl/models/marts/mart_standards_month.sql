-- Station and institute standards (八有) compliance per month.
-- grain: one row per unit per month
-- unique: unit_code, month
-- not_null: unit_code, month, items_met, is_compliant
-- check: compliance_pct between 0 and 100
with checks as (
    select * from fct_standards
),

final as (
    select
        unit_code,
        month,
        items_met,
        items_reported,
        items_met = 8 as is_compliant,
        round(100.0 * items_met / 8, 1) as compliance_pct,
        station_stars
    from checks
)

select * from final
