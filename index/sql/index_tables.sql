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
    ahead_share     double,             -- share of draws this unit stays at or above the next one
    is_order_robust boolean,
    strengths       varchar[],
    weaknesses      varchar[],
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
    normalised      double not null,
    is_capped       boolean not null,
    is_imputed      boolean not null,
    weight          double not null,
    contribution    double not null,    -- score points: weight × normalised
    prev_contribution double,
    contribution_change double,
    primary key (run_id, group_key, unit_code, indicator_key)
);

create table if not exists index_correlation (
    run_id          integer not null,
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
