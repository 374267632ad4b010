"""The Parquet between the engines' steps: a county's model inputs, exported from its
store, and every model's table, partitioned by county and month.

    <inputs>/<table>/county=<code>/part-0.parquet            the inputs the county's
                                                            ingest loaded (raw_*, source_*,
                                                            submission, ref_*, office_clearing)
    <out>/<model>/county=<code>/[period=<YYYY-MM>/]*.parquet every model's table; a table
                                                            with a month column by month

Both engines (on_duckdb.py, on_spark.py) read the inputs and write the models' tables
in this layout, so either run is read, compared or rolled up the same way.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core import store as db_store
from etl import models, rules


def input_tables(con) -> list[str]:
    """The tables the models read and no model builds, present in the store."""
    found = models.discover()
    built = set(found) | set(rules.MODELS)
    read = set().union(*(models.referenced(m.sql) for m in found.values()))
    read |= {t for _, deps in rules.MODELS.values() for t in deps}
    present = {
        r[0]
        for r in con.sql(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
    }
    return sorted((read - built) & present)


def county_code(con) -> str:
    return con.sql("select code from ref_unit where kind = 'county'").fetchall()[0][0]


def export_inputs(store: Path, inputs: Path) -> str:
    """Write a county store's model inputs as Parquet under `inputs` (partition
    county=<code>, replacing that county's); returns the county's code."""
    with db_store.reading(store) as con:
        code = county_code(con)
        for table in input_tables(con):
            folder = Path(inputs) / table / f"county={code}"
            clear(folder)
            folder.mkdir(parents=True)
            con.sql(f"select * from {table}").write_parquet(str(folder / "part-0.parquet"))
    return code


def clear(folder: Path) -> None:
    """Remove a partition folder (a table's earlier run for the county)."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def inputs_of(inputs: Path, county: str) -> dict[str, Path]:
    """The county's input tables: name → its partition folder."""
    return {
        p.name: p / f"county={county}"
        for p in sorted(Path(inputs).iterdir())
        if (p / f"county={county}").is_dir()
    }


def read_table(out: Path, model: str, county: str) -> pl.DataFrame:
    """A model's table of one county, as either engine wrote it (without `period`)."""
    folder = Path(out) / model / f"county={county}"
    files = sorted(folder.rglob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"{folder}: no Parquet files")
    frame = pl.scan_parquet(files, hive_partitioning=False).collect()
    return frame.drop("period") if "period" in frame.columns else frame
