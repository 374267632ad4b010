-- Which staged activity rows count, and why the others do not. The one place
-- these rules are written: fct_activity keeps the rows with is_counted and
-- mart_quarantine lists the others with their reason. In order of precedence:
--   duplicate_across_files: its 活动编号 was already sent (stg_row_key's rule);
--   implausible_value: a number beyond one of the contract's row limits
--     (core/contract.py ROW_LIMITS, written to ref_row_limit): factor × basis,
--     where basis 'volunteers' is the row's volunteers (at least 1) and
--     'population' the resident population of the sending unit's area (a
--     team's area is its parent unit's; no limit when it is unknown or 0);
--   suspected_duplicate: the same unit, activity date, normalised activity
--     name and numbers as a row received earlier (ordered like stg_row_key:
--     received_at, file_id, source_row), whatever its 活动编号. The name is
--     folded to NFKC (ref_text_fold, then nfc_normalize), lower-cased, and
--     stripped of whitespace, punctuation and invisible format characters;
--     a blank volunteers or hours cell counts as 0. Only rows that count
--     otherwise are compared, so the first of a group is the one that counts.
-- grain: one row per accepted activity row of a current submission
-- unique: file_id, sheet_name, source_row
-- not_null: file_id, sheet_name, source_row, unit_code, activity_date, name_key, is_counted
-- accepted: reason_code in ('duplicate_across_files', 'implausible_value', 'suspected_duplicate')
-- check: is_counted = (reason_code is null)
-- check: (reason_code in ('implausible_value', 'suspected_duplicate')) = (reason is not null)
-- check: (reason_code = 'suspected_duplicate') = (twin_file_id is not null)
-- check: (reason_code = 'implausible_value') = (limit_code is not null)
with activities as (
    select * from stg_activities
),

limits as (
    select * from ref_row_limit where sheet_key = 'activities'
),

folds as (
    select source_char, folded from ref_text_fold
),

areas as (
    -- a unit's own population; a team's is its parent unit's
    select
        a.code as unit_code,
        nullif(case when u.code is not null then u.population else p.population end, 0)
            as population
    from ref_unit_all as a
    left join ref_unit as u on u.code = a.code
    left join ref_unit as p on p.code = a.parent_code
),

names as (
    select distinct activity_name from activities
),

name_positions as (
    select activity_name, unnest(generate_series(1, length(activity_name))) as position
    from names
    where length(activity_name) > 0
),

name_chars as (
    select activity_name, position, substr(activity_name, position, 1) as source_char
    from name_positions
),

name_keys as (
    select
        n.activity_name,
        regexp_replace(
            lower(nfc_normalize(string_agg(coalesce(f.folded, n.source_char), '' order by n.position))),
            '[\s\p{Z}\p{P}\p{Cf}]', '', 'g'
        ) as name_key
    from name_chars as n
    left join folds as f using (source_char)
    group by n.activity_name
),

measured as (
    select
        a.file_id,
        a.sheet_name,
        a.source_row,
        l.position,
        l.limit_code,
        l.column_key,
        l.column_header,
        l.factor,
        l.reason_template,
        -- the limited column's value: every column a row limit of activities names
        -- (core/contract.py ROW_LIMITS; tests/test_engines.py holds this list to it)
        cast(case l.column_key
            when 'participants' then a.participants
            when 'volunteers' then a.volunteers
            when 'volunteer_hours' then a.volunteer_hours
            when 'beneficiaries' then a.beneficiaries
        end as double) as value,
        case l.basis
            when 'volunteers' then greatest(coalesce(a.volunteers, 0), 1)
            when 'population' then ar.population
        end as basis_value
    from activities as a
    cross join limits as l
    left join areas as ar using (unit_code)
),

broken as (
    select
        *,
        -- numbers as staff write them: 12, not 12.0
        replace(replace(replace(replace(replace(reason_template,
            '{header}', column_header),
            '{value}', regexp_replace(cast(value as varchar), '\.0$', '')),
            '{basis}', regexp_replace(cast(basis_value as varchar), '\.0$', '')),
            '{factor}', regexp_replace(cast(factor as varchar), '\.0$', '')),
            '{limit}', regexp_replace(cast(factor * basis_value as varchar), '\.0$', ''))
            as reason
    from measured
    where value > factor * basis_value
),

implausible as (
    -- the first limit (in contract order) names the row's reason; problems lists every one
    select
        file_id,
        sheet_name,
        source_row,
        arg_min(limit_code, position) as limit_code,
        arg_min(column_key, position) as column_key,
        arg_min(column_header, position) as column_header,
        arg_min(reason, position) as reason,
        string_agg(reason, '；' order by position) as problems
    from broken
    group by all
),

keyed as (
    select
        a.file_id,
        a.sheet_name,
        a.source_row,
        a.unit_code,
        a.activity_id,
        a.activity_date,
        a.received_at,
        coalesce(nullif(k.name_key, ''), a.activity_name) as name_key,
        a.participants,
        coalesce(a.volunteers, 0) as volunteers,
        coalesce(a.volunteer_hours, 0) as volunteer_hours,
        a.is_duplicate,
        i.limit_code,
        i.column_key,
        i.column_header,
        i.reason as limit_reason,
        i.problems
    from activities as a
    left join name_keys as k using (activity_name)
    left join implausible as i using (file_id, sheet_name, source_row)
),

compared as (
    select
        file_id,
        sheet_name,
        source_row,
        row_number() over near > 1 as is_repeat,
        first_value(file_id) over near as first_file_id,
        first_value(source_row) over near as first_source_row
    from keyed
    where not is_duplicate and limit_code is null
    window near as (
        partition by unit_code, activity_date, name_key, participants, volunteers, volunteer_hours
        order by received_at, file_id, source_row
        rows between unbounded preceding and current row
    )
),

files as (
    select file_id, file_name from source_file
),

final as (
    select
        k.file_id,
        k.sheet_name,
        k.source_row,
        k.unit_code,
        k.activity_id,
        k.activity_date,
        k.name_key,
        case
            when k.is_duplicate then 'duplicate_across_files'
            when k.limit_code is not null then 'implausible_value'
            when c.is_repeat then 'suspected_duplicate'
        end as reason_code,
        case
            when k.is_duplicate then null
            when k.limit_code is not null then k.column_key
            when c.is_repeat then 'activity_name'
        end as column_key,
        case
            when k.is_duplicate then null
            when k.limit_code is not null then k.column_header
            when c.is_repeat then '活动名称'
        end as column_header,
        case
            when k.is_duplicate then null
            when k.limit_code is not null then k.limit_reason
            when c.is_repeat then format(
                '与「{}」第 {} 行的日期、活动名称、人数和时长相同，疑似重复录入，只计一次',
                f.file_name, c.first_source_row
            )
        end as reason,
        case when not k.is_duplicate and k.limit_code is not null then k.problems end as problems,
        case when not k.is_duplicate then k.limit_code end as limit_code,
        case when c.is_repeat then c.first_file_id end as twin_file_id,
        case when c.is_repeat then c.first_source_row end as twin_source_row,
        not k.is_duplicate and k.limit_code is null and not c.is_repeat as is_counted
    from keyed as k
    left join compared as c using (file_id, sheet_name, source_row)
    left join files as f on f.file_id = c.first_file_id
)

select * from final
