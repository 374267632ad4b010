"""Two runs of the models, table by table and row by row (`differences`: frames in, words
out; `of_runs`: every table of two runs on disk).

Engines agree on values, not on physical types: DuckDB sums integers into HUGEINT
where Spark keeps BIGINT, Spark writes timestamps with their time zone (UTC here) and
DuckDB without. A value is therefore compared as what it means: every integer as a
64-bit integer, every fractional number to 12 significant digits (sums may add in
another order), timestamps without zone, nested values as JSON text, and a JSON text
column (a row kept as sent) parsed, so that key order and spacing do not count.
Rows are compared as sorted multisets: neither engine promises an order without
ORDER BY.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

SIGNIFICANT = 12
JSON_COLUMNS = {"row_values", "extra"}


def _json_text(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False)
    except ValueError:
        return text


def comparable(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with each column as its meaning is compared (see the module)."""
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype.is_integer() or (isinstance(dtype, pl.Decimal) and dtype.scale == 0):
            out.append(col.cast(pl.Int64))
        elif dtype.is_float() or isinstance(dtype, pl.Decimal):
            out.append(col.cast(pl.Float64).round_sig_figs(SIGNIFICANT))
        elif isinstance(dtype, pl.Datetime):
            naive = col.dt.replace_time_zone(None) if dtype.time_zone else col
            out.append(naive.dt.cast_time_unit("us"))
        elif isinstance(dtype, (pl.List, pl.Struct, pl.Array)):
            out.append(pl.struct(col).struct.json_encode().alias(name))
        elif dtype == pl.Binary:  # DuckDB's JSON type is written as bytes
            text = col.map_elements(lambda b: b.decode("utf-8"), return_dtype=pl.String)
            out.append(text.map_elements(_json_text, return_dtype=pl.String).alias(name))
        elif name in JSON_COLUMNS and dtype == pl.String:
            out.append(col.map_elements(_json_text, return_dtype=pl.String))
        else:
            out.append(col)
    return frame.select(out)


def differences(
    name: str,
    left: pl.DataFrame,
    right: pl.DataFrame,
    key: list[str] | None = None,
    labels: tuple[str, str] = ("DuckDB", "Spark"),
) -> list[str]:
    """Every way the two tables differ, in words; empty when they are identical. With
    `key` (the table's unique columns), rows are paired on it and each differing column
    named."""
    a_cols, b_cols = set(left.columns), set(right.columns)
    if a_cols != b_cols:
        return [
            f"{name}: columns only in {labels[0]}: {sorted(a_cols - b_cols)}, "
            f"only in {labels[1]}: {sorted(b_cols - a_cols)}"
        ]
    columns = sorted(a_cols)
    a = comparable(left.select(columns))
    b = comparable(right.select(columns))
    kinds = [
        f"{c} ({a.schema[c]} / {b.schema[c]})"
        for c in columns
        if a.schema[c] != b.schema[c] and pl.Null not in (a.schema[c], b.schema[c])
    ]
    if kinds:
        return [f"{name}: columns of other types in {labels[0]} and {labels[1]}: {kinds}"]
    a = a.cast({c: b.schema[c] for c in columns if a.schema[c] == pl.Null})
    b = b.cast({c: a.schema[c] for c in columns if b.schema[c] == pl.Null})
    problems = []
    if a.height != b.height:
        problems.append(f"{name}: {a.height} rows in {labels[0]}, {b.height} in {labels[1]}")
    a_sorted = a.sort(columns, nulls_last=True)
    b_sorted = b.sort(columns, nulls_last=True)
    if a.height == b.height and a_sorted.equals(b_sorted):
        return problems
    unique = key and not a.select(key).is_duplicated().any()
    if unique and not b.select(key).is_duplicated().any():
        paired = a.join(b, on=key, how="full", suffix="__b", nulls_equal=True, coalesce=True)
        for c in columns:
            if c in key:
                continue
            differ = paired.filter(~pl.col(c).eq_missing(pl.col(f"{c}__b")))
            if differ.height:
                row = differ.row(0, named=True)
                problems.append(
                    f"{name}.{c}: {differ.height} rows differ, e.g. "
                    f"{ {k: row[k] for k in key} }: {row[c]!r} / {row[c + '__b']!r}"
                )
        if problems:
            return problems
    only_a = a.join(b, on=columns, how="anti", nulls_equal=True)
    only_b = b.join(a, on=columns, how="anti", nulls_equal=True)
    for side, rows in ((labels[0], only_a), (labels[1], only_b)):
        if rows.height:
            example = rows.row(0, named=True)
            problems.append(f"{name}: {rows.height} rows only in {side}, e.g. {example}")
    if not problems:
        problems.append(f"{name}: the same rows, repeated a different number of times")
    return problems


def of_runs(out: Path, codes: list[str], left: str = "duckdb", right: str = "spark") -> list[str]:
    """Every difference between two runs in out/<left>/ and out/<right>/ (parquet.py's
    layout), every model of every county, rows paired on each model's unique key."""
    from etl import models
    from etl.engines import on_duckdb, parquet

    found = models.discover()
    problems = []
    for code in codes:
        for name in on_duckdb.model_names():
            problems += differences(
                f"{code}/{name}",
                parquet.read_table(out / left, name, code),
                parquet.read_table(out / right, name, code),
                found[name].unique_key if name in found else None,
            )
    return problems
