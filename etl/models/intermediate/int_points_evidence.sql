-- Points integrity audit (弄虚作假): the ledger rows behind each flag. A flag
-- is (rule, flag_key); every row here is one piece of its evidence, with the
-- file and row it came from. Rules (thresholds in stg_settings, county.toml [audit]):
--   out_of_range  issued points outside the catalogue's range for the item, or
--                 outside its seasonal range in season months; or an item not in
--                 the catalogue (one flag per station, month and item)
--   same_day      one household credited more than audit.same_day_max_entries
--                 times on one day
--   peer_outlier  a station's points issued per registered household in a month
--                 above audit.peer_ratio times the median station's
--   overdrawn     a redemption above the household's balance at that moment
--   no_publicity  issued (核发) entries with no 公示日期: no public-notice step
--                 (one flag per station and month)
-- grain: one row per flag and evidence row
-- unique: rule, flag_key, kind, file_id, sheet_name, source_row
-- not_null: rule, flag_key, unit_code, month, kind, entry_id, detail
-- accepted: rule in ('out_of_range', 'same_day', 'peer_outlier', 'overdrawn', 'no_publicity')
with settings as (
    select same_day_max_entries as same_day_max, peer_ratio from stg_settings
),

issued as (
    -- every issued entry as sent, whether or not the ledger let it count
    select
        unit_code, household_id, month, entry_id, entry_date, category, item, points, status,
        publicized_date, file_id, sheet_name, source_row
    from stg_points
    where status = '核发' and not is_duplicate and category <> '清零'
),

catalogue as (
    select
        item,
        min_points,
        max_points,
        season_min,
        season_max,
        case when coalesce(season_months, '') = '' then []
             else list_transform(string_split(season_months, ','), lambda x: cast(trim(x) as integer))
        end as season_months
    from ref_points_item
),

ranged as (
    select
        i.*,
        c.item is null as is_unknown,
        c.item is not null and list_contains(c.season_months, month(i.entry_date)) as in_season,
        case when list_contains(c.season_months, month(i.entry_date)) then c.season_min
             else c.min_points end as allowed_min,
        case when list_contains(c.season_months, month(i.entry_date)) then c.season_max
             else c.max_points end as allowed_max
    from issued as i
    left join catalogue as c on c.item = i.item  -- not USING: it would move item first
),

out_of_range as (
    select
        'out_of_range' as rule,
        unit_code || '|' || strftime(month, '%Y-%m') || '|' || item as flag_key,
        * exclude (is_unknown, in_season, allowed_min, allowed_max),
        case
            when is_unknown then '积分项目「' || item || '」不在积分目录中'
            else '「' || item || '」' || case when in_season then '农忙季' else '' end
                 || '目录分值为 ' || allowed_min || '–' || allowed_max || ' 分'
        end as detail
    from ranged
    where is_unknown or points < allowed_min or points > allowed_max
),

same_day_counts as (
    select
        unit_code, household_id, entry_date, count(*) as entries, sum(points) as day_points
    from issued
    group by all
    having count(*) > (select same_day_max from settings)
),

same_day as (
    select
        'same_day' as rule,
        i.unit_code || '|' || i.household_id || '|' || strftime(i.entry_date, '%Y-%m-%d') as flag_key,
        i.*,
        '同一户同一天记分 ' || d.entries || ' 次（上限 ' || (select same_day_max from settings)
        || ' 次），共 ' || d.day_points || ' 分' as detail
    from issued as i
    inner join same_day_counts as d  -- not USING, which moves its columns first in Spark
        on d.unit_code = i.unit_code and d.household_id = i.household_id
        and d.entry_date = i.entry_date
),

station_month as (
    select
        i.unit_code,
        i.month,
        sum(i.points) filter (where i.points > 0) as points_issued,
        any_value(u.households) as households,
        sum(i.points) filter (where i.points > 0) / any_value(u.households) as per_household
    from issued as i
    inner join ref_unit as u on u.code = i.unit_code
    where u.households > 0
    group by all
),

peers as (
    select month, median(per_household) as median_per_household, count(*) as stations
    from station_month
    where per_household > 0
    group by all
),

outliers as (
    select s.*, p.median_per_household, p.stations
    from station_month as s
    inner join peers as p using (month)
    where p.median_per_household > 0
      and s.per_household > (select peer_ratio from settings) * p.median_per_household
),

peer_outlier as (
    select
        'peer_outlier' as rule,
        i.unit_code || '|' || strftime(i.month, '%Y-%m') as flag_key,
        i.*,
        '本月户均发放 ' || round(o.per_household, 1) || ' 分，是全县 ' || o.stations
        || ' 个有积分站点中位数（' || round(o.median_per_household, 1) || ' 分）的 '
        || round(o.per_household / o.median_per_household, 1) || ' 倍' as detail
    from issued as i
    inner join outliers as o on o.unit_code = i.unit_code and o.month = i.month
    where i.points > 0
),

no_publicity as (
    select
        'no_publicity' as rule,
        unit_code || '|' || strftime(month, '%Y-%m') as flag_key,
        *,
        '已核发但没有公示日期（未经公示环节）' as detail
    from issued
    where publicized_date is null
),

points_flags as (
    -- by position: each rule lists rule, flag_key, the entry's columns, detail
    select * from out_of_range
    union all select * from same_day
    union all select * from peer_outlier
    union all select * from no_publicity
),

overdrawn as (
    select
        'overdrawn' as rule,
        r.unit_code || '|' || r.entry_id as flag_key,
        r.unit_code,
        r.household_id,
        r.month,
        r.entry_id,
        r.redeemed_date as entry_date,
        cast(null as varchar) as category,
        r.goods as item,
        r.points,
        cast(null as varchar) as status,
        cast(null as date) as publicized_date,
        r.file_id,
        r.sheet_name,
        r.source_row,
        '兑换 ' || r.points || ' 分，超过该户当时余额 ' || l.balance_before || ' 分' as detail,
        '兑换' as kind,
        l.balance_before
    from stg_redemptions as r
    inner join int_household_ledger as l using (file_id, sheet_name, source_row)
    where l.event_kind = 'redeem' and l.is_overdrawn
),

final as (
    select *, '积分' as kind, cast(null as bigint) as balance_before from points_flags
    union all  -- by position, as overdrawn lists its columns
    select * from overdrawn
)

select * from final
