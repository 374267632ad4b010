-- The publisher's own table: one row per edition of a month, through its
-- workflow 草稿 (draft) → 已审核 (reviewed) → 已发布 (published). Carried from
-- version to version like the index tables. A published row never changes;
-- a revision is a new row with the next number.

create table if not exists edition (
    month           date not null,
    edition_no      integer not null,   -- 1, 2, … (folder reports/<YYYY-MM>/v<no>)
    is_revision     boolean not null,   -- a 修订版 of an earlier published edition
    status          varchar not null,   -- draft | reviewed | published
    run_id          integer not null,   -- the index run it shows (index_run)
    reason          varchar,            -- why a revision was made
    created_at      timestamp not null,
    created_by      varchar not null,
    reviewed_at     timestamp,
    reviewed_by     varchar,
    review_note     varchar,
    published_at    timestamp,
    published_by    varchar,            -- the approver (签发人)
    folder          varchar,            -- relative to the reports folder, e.g. 2026-10/v1
    manifest_sha256 varchar,
    changelog       varchar,            -- JSON list of lines, for revisions
    primary key (month, edition_no)
);

-- What each published edition put out, kept by the database so that nothing
-- later depends on files anyone can edit: the report (report.json, the
-- previous edition a revision's changelog compares with) and the manifest
-- (every file's SHA-256 and size, what `civic verify` checks the files against).
-- Grain: one row per published edition. Written in the same database version
-- that records the edition published; never changed.
create table if not exists edition_report (
    month           date not null,
    edition_no      integer not null,
    report_json     varchar not null,   -- the text of report.json, byte for byte
    manifest_json   varchar not null,   -- the text of manifest.json (its SHA-256 is edition.manifest_sha256)
    primary key (month, edition_no)
);
