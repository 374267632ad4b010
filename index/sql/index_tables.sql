-- The index's own tables. They live in the same database as the marts and are
-- carried from version to version by every ingest (the ETL copies the file).

create table if not exists index_methodology (
    methodology_id  varchar not null,
    sha256          varchar not null,
    title           varchar,
    file_name       varchar,
    content         varchar not null,   -- the TOML as it was, so any result can be explained
    first_used_at   timestamp not null,
    primary key (methodology_id, sha256)
);

create table if not exists index_run (
    run_id          integer primary key,
    month           date not null,
    methodology_id  varchar not null,
    methodology_sha256 varchar not null,
    data_snapshot   varchar not null,   -- import batch, files and a fingerprint of their SHA-256s
    computed_at     timestamp not null,
    computed_by     varchar,
    draws           integer not null,
    seed            bigint not null,
    is_current      boolean not null    -- the run the dashboard and publisher read for the month
);

create table if not exists index_score (
    run_id          integer not null,
    month           date not null,
    group_key       varchar not null,   -- subcentre | team | institute | station
    partition_code  varchar not null,   -- '' or the institute a station is ranked within
    unit_code       varchar not null,
    unit_name       varchar not null,
    is_submitted    boolean not null,
    base_score      double,
    adjustment      double not null,
    score           double,             -- 0–100, one decimal; null = 未报送 under the "last" rule
    rank            integer not null,
    units_listed    integer not null,
    prev_rank       integer,
    rank_change     integer,
    change_label    varchar not null,   -- ↑3 ↓1 — 新
    tier            varchar not null,
    on_red_list     boolean not null,
    on_black_list   boolean not null,
    red_streak      integer not null,
    black_streak    integer not null,
    rank_median     double,
    rank_p05        integer,
    rank_p95        integer,
    ahead_share     double,             -- share of draws this unit stays strictly ahead of the next one
    is_order_robust boolean,
    strengths       varchar[],
    weaknesses      varchar[],
    place_first     integer,            -- the places whose order is within the margin (lists.py)
    place_last      integer,
    list_note       varchar,            -- why no 红榜/黑榜 is published for the list, if so
    adjustment_change_shown double,     -- the adjustments' part of the published change
    primary key (run_id, group_key, unit_code)
);

create table if not exists index_indicator (
    run_id          integer not null,
    month           date not null,
    group_key       varchar not null,
    partition_code  varchar not null,
    unit_code       varchar not null,
    indicator_key   varchar not null,
    indicator_name  varchar not null,
    dimension       varchar,
    unit            varchar,
    numerator       double,
    denominator     double,
    raw_value       double,
    normalised      double,             -- null = 不适用 (no demand): weight 0
    is_capped       boolean not null,
    is_imputed      boolean not null,
    weight          double not null,    -- of the unit's applicable indicators, summing to 1
    contribution    double not null,    -- score points: weight × normalised
    prev_contribution double,
    contribution_change double,
    imputation      varchar,            -- ok | missing_owed (缺报) | no_demand (不适用) | no_value
    value_used      double,             -- raw_value, or its cap while flagged 数据存疑
    is_outlier      boolean,
    change_shown    double,             -- published change, one decimal, adding up exactly
    primary key (run_id, group_key, unit_code, indicator_key)
);

create table if not exists index_correlation (
    run_id          integer not null,
    month           date,               -- the panel is every month up to this one
    group_key       varchar not null,
    indicator_a     varchar not null,
    indicator_b     varchar not null,
    r               double,
    n               integer not null,
    is_flagged      boolean not null
);

create table if not exists index_adjustment (
    adjustment_id   integer primary key,
    month           date not null,
    unit_code       varchar not null,
    kind            varchar not null,   -- bonus | penalty
    item            varchar not null,
    points          double not null,    -- signed: bonus > 0, penalty < 0
    reason          varchar not null,
    author          varchar not null,
    created_at      timestamp not null,
    voided_at       timestamp,
    voided_by       varchar,
    void_reason     varchar
);

-- 数据存疑: unit-month values the screen capped (index/screen.py), per run.
create table if not exists index_flag (
    run_id          integer not null,
    month           date not null,
    group_key       varchar not null,
    partition_code  varchar not null,
    unit_code       varchar not null,
    indicator_key   varchar not null,
    indicator_name  varchar not null,
    unit            varchar,
    numerator       double,
    denominator     double,
    raw_value       double not null,    -- as sent
    cap_value       double not null,    -- the higher of the peer and history fences
    peer_median     double,
    history_median  double,
    value_used      double not null,    -- cap_value, or raw_value once accepted
    review          varchar,            -- null = open; accept | cap
    primary key (run_id, group_key, unit_code, indicator_key)
);

-- Which assumption moves ranks most: one row per run, group and changed assumption.
create table if not exists index_sensitivity (
    run_id          integer not null,
    month           date not null,
    group_key       varchar not null,
    assumption      varchar not null,   -- weights | normalisation | goalposts | imputation | aggregation | drop_indicator
    variant         varchar not null,
    label           varchar not null,   -- in Chinese, for the page and the edition
    mean_abs_shift  double not null,    -- places, against the published ranks
    max_shift       integer not null,
    units_moved     integer not null,
    spearman        double not null,
    units           integer not null
);

-- The office's decisions on flags: 数据存疑 values (outlier: accept | cap) and
-- points-integrity flags (points: accept | penalise). Never deleted; voided.
create table if not exists index_flag_review (
    review_id       integer primary key,
    month           date not null,
    flag_kind       varchar not null,   -- outlier | points
    flag_ref        varchar not null,   -- the indicator key, or mart_points_flag.flag_id
    unit_code       varchar not null,
    indicator_key   varchar,            -- outlier flags only
    decision        varchar not null,
    reason          varchar not null,
    author          varchar not null,
    created_at      timestamp not null,
    voided_at       timestamp,
    voided_by       varchar,
    void_reason     varchar
);

-- Databases made before index 2026.2 gain the new columns.
alter table index_score add column if not exists place_first integer;
alter table index_score add column if not exists place_last integer;
alter table index_score add column if not exists list_note varchar;
alter table index_score add column if not exists adjustment_change_shown double;
alter table index_indicator add column if not exists imputation varchar;
alter table index_indicator add column if not exists value_used double;
alter table index_indicator add column if not exists is_outlier boolean;
alter table index_indicator add column if not exists change_shown double;
alter table index_correlation add column if not exists month date;
alter table index_indicator alter column normalised drop not null;
