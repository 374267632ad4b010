-- county.toml's settings, typed: the one place models read a setting from.
-- ref_setting holds every setting core/settings.py declares, checked and with its
-- default applied at ingest, so nothing here defaults: a gap is a failed check.
-- grain: one row
-- not_null: county_code, county_name, county_short_name, centre_name, datum, deadline_day
-- not_null: yuan_per_point, budget_yuan_per_household_year, matter_open_limit_days
-- not_null: notable_min_participants, same_day_max_entries, peer_ratio, order_timely_hours
-- not_null: reading_budget_mb, reading_file_mb, reading_sheet_rows, reading_sheet_cells
-- not_null: reading_reader_memory_mb, order_rating_min_n
with setting as (
    select section || '.' || key as name, value from ref_setting
),

final as (
    select
        max(value) filter (where name = 'county.code') as county_code,
        max(value) filter (where name = 'county.name') as county_name,
        max(value) filter (where name = 'county.short_name') as county_short_name,
        max(value) filter (where name = 'county.centre_name') as centre_name,
        max(value) filter (where name = 'county.datum') as datum,
        cast(max(value) filter (where name = 'submission.deadline_day') as integer)
            as deadline_day,
        cast(max(value) filter (where name = 'points.yuan_per_point') as double)
            as yuan_per_point,
        cast(max(value) filter (where name = 'points.budget_yuan_per_household_year') as double)
            as budget_yuan_per_household_year,
        cast(max(value) filter (where name = 'village.matter_open_limit_days') as integer)
            as matter_open_limit_days,
        cast(max(value) filter (where name = 'village.notable_min_participants') as integer)
            as notable_min_participants,
        cast(max(value) filter (where name = 'audit.same_day_max_entries') as integer)
            as same_day_max_entries,
        cast(max(value) filter (where name = 'audit.peer_ratio') as double) as peer_ratio,
        cast(max(value) filter (where name = 'orders.timely_hours') as integer)
            as order_timely_hours,
        cast(max(value) filter (where name = 'orders.rating_min_n') as integer)
            as order_rating_min_n,
        cast(max(value) filter (where name = 'reading.budget_mb') as integer)
            as reading_budget_mb,
        cast(max(value) filter (where name = 'reading.file_mb') as integer) as reading_file_mb,
        cast(max(value) filter (where name = 'reading.sheet_rows') as integer)
            as reading_sheet_rows,
        cast(max(value) filter (where name = 'reading.sheet_cells') as integer)
            as reading_sheet_cells,
        cast(max(value) filter (where name = 'reading.reader_memory_mb') as integer)
            as reading_reader_memory_mb
    from setting
)

select * from final
