"""Python models: ledger rules that are sequential by nature.

A household's points balance is a running sum with rules SQL windows do not
express: a deduction takes it at most to zero; a 清零 entry clears it and bars
the household from earning for the rest of that year; a redemption larger
than the balance at that moment is rejected, and a rejected redemption must
not lower the balance that later redemptions are checked against.

The balance arithmetic is vectorised: for a run of amounts x with running
sum S (S_0 = 0), the balance floored at zero after each step is
S_t - min(0, min_{k<=t} S_k). Rejections are found one per household per
pass, so passes = the most overdrawn redemptions any one household has.
"""

from __future__ import annotations

import polars as pl

# event order within a day: points first, then a clearing, then redemptions
_ISSUE, _CLEAR, _REDEEM = 0, 1, 2

LEDGER_SCHEMA = {
    "household": pl.Int64,  # any integer key of a household
    "seq": pl.Int64,  # order among a household's events of one day and kind
    "event_date": pl.Date,
    "event_order": pl.Int8,
    "points": pl.Int64,
}


def household_ledger(events: pl.DataFrame) -> pl.DataFrame:
    """Apply the ledger rules to households' events (pure).

    events: LEDGER_SCHEMA columns, numbers only so that four million events
    fit in a few hundred megabytes; points are signed as written
    (redemptions positive, their event_order says they spend). Returns the
    events sorted, with is_counted (false for points earned while barred and
    rejected redemptions), points_applied, balance_before, balance_after and
    is_overdrawn.
    """
    ev = events.sort("household", "event_date", "event_order", "seq")
    # Households are contiguous after the sort; a 清零 entry starts a new segment.
    is_clear = pl.col("event_order") == _CLEAR
    new_household = (pl.col("household") != pl.col("household").shift()).fill_null(True)
    ev = ev.with_columns(
        _hh=new_household.cum_sum(),
        _seg=(new_household | is_clear).cum_sum(),
    )
    year = pl.col("event_date").dt.year()
    cleared_year = pl.when(is_clear).then(year).forward_fill().over("_hh")
    barred_now = (pl.col("event_order") == _ISSUE) & (cleared_year == year)
    ev = ev.with_columns(
        is_barred=barred_now.fill_null(False),
        is_overdrawn=pl.lit(False),
    )
    while True:
        ev = _balances(ev)
        newly = (
            (pl.col("event_order") == _REDEEM)
            & ~pl.col("is_overdrawn")
            & (pl.col("points") > pl.col("balance_before"))
        )
        first = newly & (newly.cast(pl.Int32).cum_sum().over("_hh") == 1)
        hits = ev.select(first.alias("f"))["f"]
        if not hits.any():
            break
        ev = ev.with_columns(is_overdrawn=pl.col("is_overdrawn") | hits)
    return ev.with_columns(is_counted=~pl.col("is_barred") & ~pl.col("is_overdrawn")).drop(
        "_hh", "_seg", "is_barred", "_x"
    )


def _balances(ev: pl.DataFrame) -> pl.DataFrame:
    x = (
        pl.when(pl.col("is_barred") | pl.col("is_overdrawn") | (pl.col("event_order") == _CLEAR))
        .then(0)
        .when(pl.col("event_order") == _REDEEM)
        .then(-pl.col("points"))
        .otherwise(pl.col("points"))
    )
    # the running sum is a column before its running minimum is taken: a window
    # nested in a window is evaluated group by group, a hundred times slower
    s = pl.col("_s")
    after = s - pl.min_horizontal(pl.lit(0), s.cum_min().over("_seg"))
    ev = (
        ev.with_columns(_x=x)
        .with_columns(_s=pl.col("_x").cum_sum().over("_seg"))
        .with_columns(balance_after=after)
    )
    return ev.with_columns(
        points_applied=pl.col("_x"),
        balance_before=pl.col("balance_after").shift(1, fill_value=0).over("_hh"),
    ).drop("_s")


EVENTS = """
    select unit_code, household_id, entry_date as event_date,
           cast(case when category = '清零' then 1 else 0 end as tinyint) as event_order,
           entry_id, category, points, file_id, sheet_name, source_row
    from stg_points
    where status = '核发' and not is_duplicate
    union all
    select unit_code, household_id, redeemed_date, cast(2 as tinyint), entry_id,
           null, points, file_id, sheet_name, source_row
    from stg_redemptions
    where not is_duplicate
    union all
    select unit_code, household_id, cleared_date, cast(1 as tinyint),
           'QL-' || clearing_id, '清零', 0, null, null, null
    from office_clearing
    where voided_at is null
"""
_EVENTS_OF_UNITS = f"select * from ({EVENTS}) where unit_code in (select unnest($units))"

CHUNK_EVENTS = 500_000  # events per pass; households never span two units, so units chunk


LEDGER_COLUMNS = {
    "unit_code": pl.String, "household_id": pl.String, "event_date": pl.Date,
    "event_kind": pl.String, "entry_id": pl.String, "category": pl.String,
    "points": pl.Int64, "points_applied": pl.Int64, "balance_before": pl.Int64,
    "balance_after": pl.Int64, "is_counted": pl.Boolean, "is_overdrawn": pl.Boolean,
    "event_seq": pl.Int64, "file_id": pl.Int32, "sheet_name": pl.String, "source_row": pl.Int32,
}  # fmt: skip


def ledger_rows(events: pl.DataFrame, seq_base: int = 0) -> pl.DataFrame:
    """The rows of int_household_ledger for `events` (EVENTS rows of whole units), in
    the ledger's order, numbered from `seq_base` (pure: both engines call it).

    The ledger's order is units, households, days, then points before a clearing
    before redemptions, then entry, file, sheet and row: event_seq numbers it, and
    a balance at a time is arg_max(balance_after, event_seq) over the events up to then.
    """
    events = events.sort(
        "unit_code",
        "household_id",
        "event_date",
        "event_order",
        "entry_id",
        "file_id",
        "sheet_name",
        "source_row",
    )
    new_household = (
        (pl.col("unit_code") != pl.col("unit_code").shift())
        | (pl.col("household_id") != pl.col("household_id").shift())
    ).fill_null(True)
    events = events.with_columns(
        household=new_household.cum_sum(), seq=pl.int_range(pl.len(), dtype=pl.Int64)
    )
    ledger = household_ledger(events.select(*LEDGER_SCHEMA).cast(LEDGER_SCHEMA)).sort("seq")
    return events.select(
        "unit_code",
        "household_id",
        "event_date",
        pl.when(pl.col("event_order") == _CLEAR)
        .then(pl.lit("clear"))
        .when(pl.col("event_order") == _REDEEM)
        .then(pl.lit("redeem"))
        .when(pl.col("points") < 0)
        .then(pl.lit("deduct"))
        .otherwise(pl.lit("issue"))
        .alias("event_kind"),
        "entry_id",
        "category",
        "points",
        ledger["points_applied"],
        ledger["balance_before"],
        ledger["balance_after"],
        ledger["is_counted"],
        ledger["is_overdrawn"],
        (pl.col("seq") + seq_base).alias("event_seq"),
        "file_id",
        "sheet_name",
        "source_row",
    ).cast(LEDGER_COLUMNS)


def build_household_ledger(con) -> dict[str, int]:
    """int_household_ledger: every issued, cleared and redeemed entry with the balance.

    Stations are taken a few at a time (a household belongs to one station),
    so memory stays flat however large the county.
    """
    con.execute(
        """
        create or replace table int_household_ledger (
            unit_code varchar, household_id varchar, event_date date, event_kind varchar,
            entry_id varchar, category varchar, points bigint, points_applied bigint,
            balance_before bigint, balance_after bigint, is_counted boolean,
            is_overdrawn boolean, event_seq bigint, file_id integer, sheet_name varchar,
            source_row integer
        )
        """
    )
    sizes = con.sql(
        """
        select unit_code, count(*) from (
            select unit_code from stg_points where status = '核发' and not is_duplicate
            union all
            select unit_code from stg_redemptions where not is_duplicate
            union all
            select unit_code from office_clearing where voided_at is null
        ) group by all order by unit_code
        """
    ).fetchall()
    overdrawn = seq_base = 0
    for units in _chunks(sizes, CHUNK_EVENTS):
        events = con.sql(_EVENTS_OF_UNITS, params={"units": units}).pl()
        rows = ledger_rows(events, seq_base)
        overdrawn += int(rows["is_overdrawn"].sum())
        seq_base += rows.height
        con.register("_ledger", rows)
        try:
            con.execute("insert into int_household_ledger by name select * from _ledger")
        finally:
            con.unregister("_ledger")
    return {"overdrawn_redemption": overdrawn}


def _chunks(sizes: list[tuple[str, int]], limit: int) -> list[list[str]]:
    """Consecutive units grouped so that each group has about `limit` events at most."""
    out: list[list[str]] = [[]]
    total = 0
    for unit, n in sizes:
        if out[-1] and total + n > limit:
            out.append([])
            total = 0
        out[-1].append(unit)
        total += n
    return [c for c in out if c]


# name -> (function building the table, tables it reads)
MODELS = {
    "int_household_ledger": (
        build_household_ledger,
        ("stg_points", "stg_redemptions", "office_clearing"),
    )
}
