-- Bookkeeping of every ingest: batches, files, sheets, submissions, quarantine.
-- Raw tables (raw_<sheet>) are generated from the contract by etl/schema.py.

-- grain: one row per `civic ingest` run that changed the database
create table if not exists import_batch (
    batch_id      integer primary key,
    started_at    timestamp not null,
    finished_at   timestamp,
    inputs        varchar,      -- the paths given, as typed
    files_new     integer,
    files_seen    integer,      -- given again: already in the database, nothing changed
    rows_accepted bigint,
    rows_quarantined bigint
);
-- how the files were dated: run | upload | given | file_dates (etl/receipt.py)
alter table import_batch add column if not exists receipt varchar;

-- grain: one row per distinct file (base name and SHA-256 of its content) ever ingested.
-- Two stations' header-only files can be byte-identical: the name tells them apart.
create table if not exists source_file (
    file_id     integer primary key,
    sha256      varchar not null,
    file_name   varchar not null,
    source_path varchar not null,   -- path, or zip!entry
    size_bytes  bigint,
    received_at timestamp not null, -- when the office received it: upload or ingest time,
                                    -- or as the ingest was told (etl/receipt.py)
    batch_id    integer not null,
    loaded_at   timestamp not null,
    file_format varchar,            -- xlsx | xls | csv
    encoding    varchar,            -- csv only: utf-8 | utf-8-sig | utf-16 | gb18030
    status      varchar not null,   -- loaded | unreadable | skipped
    message     varchar,
    unit_code   varchar,            -- submitting unit (from the name or the rows)
    month       date,               -- reporting month (first day)
    unique (sha256, file_name)
);
-- the file's own date (modification time; a zip entry's stored date): information only
alter table source_file add column if not exists file_modified_at timestamp;

-- grain: one row per sheet (or CSV file) seen in a file
create table if not exists source_sheet (
    file_id          integer not null,
    sheet_name       varchar not null,
    sheet_key        varchar,        -- contract sheet, null when not an export table
    header_row       integer,
    status           varchar not null, -- loaded | missing_columns | skipped | problem
    message          varchar,
    rows_accepted    integer,
    rows_quarantined integer,
    rows_blank       integer,
    rows_total       integer,        -- 合计 rows skipped
    rows_note        integer,        -- notes skipped
    dropped_columns  varchar         -- unrecognised personal-looking columns, not stored
);

-- grain: one row per file and export kind it carries; the current one per
-- (unit_code, month, sheet_key) is the latest received, ties by file_id (see stg_submission)
create table if not exists submission (
    file_id     integer not null,
    sheet_key   varchar not null,
    unit_code   varchar,
    month       date not null,
    received_at timestamp not null,
    is_correction boolean not null  -- named as a correction (更正, 补报 ...)
);

-- grain: one row per rejected source row
create table if not exists quarantine (
    file_id       integer not null,
    sheet_key     varchar not null,
    sheet_name    varchar not null,
    source_row    integer not null,
    column_key    varchar,
    column_header varchar,
    reason_code   varchar not null,
    reason        varchar not null,
    problems      varchar,
    row_values    varchar   -- the row as read, JSON; personal data already masked or hashed
);

-- grain: one row per zero-clearing (清零) the office entered by hand, with its
-- reason; a voided one stays on record. The ledger applies the live ones
-- exactly like a 清零 row of a station's points ledger.
create table if not exists office_clearing (
    clearing_id   integer primary key,
    unit_code     varchar not null,
    household_id  varchar not null,
    cleared_date  date not null,
    reason        varchar not null,
    entered_by    varchar not null,
    entered_at    timestamp not null,
    voided_at     timestamp,
    voided_by     varchar,
    void_reason   varchar
);
