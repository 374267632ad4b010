"""The models on DuckDB over Parquet: a county's exported inputs in, every model's
table out, in the layout of parquet.py. The same run `civic ingest` does in the
county store (etl/models.py), here in an in-memory database, so that a province's
counties can be built apart from their stores and set beside the Spark run."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.config import db_memory_limit
from etl import models, rules
from etl.engines import parquet


def model_names() -> list[str]:
    """Every model's table (SQL and Python), in build order."""
    found = models.discover()
    return [n for n in models.order(found) if n in found or n in rules.MODELS]


def build(inputs: Path, out: Path, county: str) -> dict[str, int]:
    """Every model of one county on DuckDB, into out/<model>/county=<code>/; returns the
    rows of each table."""
    con = duckdb.connect(config={"memory_limit": db_memory_limit()})
    try:
        for table, folder in parquet.inputs_of(inputs, county).items():
            con.execute(
                f"create table {table} as select * from read_parquet('{folder}/*.parquet', "
                "hive_partitioning = false)"
            )
        models.run(con)
        return {
            name: write_table(con, name, Path(out) / name / f"county={county}")
            for name in model_names()
        }
    finally:
        con.close()


def write_table(con: duckdb.DuckDBPyConnection, name: str, folder: Path) -> int:
    """A table into its county's partition folder, by month (period) when it has one and
    rows; returns its rows."""
    parquet.clear(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    described = con.sql(f"describe {name}").fetchall()
    # Parquet has no 128-bit integer: DuckDB would write HUGEINT sums as DOUBLE
    listed = ", ".join(
        f"cast({c} as bigint) as {c}" if kind == "HUGEINT" else c for c, kind, *_ in described
    )
    rows = con.sql(f"select count(*) from {name}").fetchall()[0][0]
    if "month" in {c for c, *_ in described} and rows:
        con.execute(
            f"copy (select {listed}, strftime(month, '%Y-%m') as period from {name}) "
            f"to '{folder}' (format parquet, partition_by (period))"
        )
    else:  # no month, or no rows (one file still, that carries the columns)
        folder.mkdir()
        con.execute(
            f"copy (select {listed} from {name}) to '{folder / 'part-0.parquet'}' (format parquet)"
        )
    return rows
