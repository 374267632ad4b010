"""The staging, fact and mart models on Apache Spark, from the same model files.

DuckDB is civic's engine: embedded, one county on one machine. A province's counties
can be built on a Spark cluster instead; this module runs the very model files of
etl/models/ there (SQL transpiled by etl/dialect.py, the ledger rule of etl/rules.py
as a grouped Arrow function per station), so there is one definition of every table.

The data between steps is Parquet, partitioned by county and month:

    <inputs>/<table>/county=<code>/part-0.parquet       what the county's ingest loaded
                                                          (raw_*, source_*, submission,
                                                          ref_*, office_clearing)
    <out>/<model>/county=<code>/[period=<YYYY-MM>/]*.parquet   every model's table

`export_inputs` writes a county store's inputs; `build` runs every model of the
counties given, each model reading its inputs' partitions of the county. A county is
built on its own (the models answer for one county: its settings, its registry), the
counties one after another in one Spark application; on a cluster each model's work
within a county is spread over the executors, and counties can be submitted as
separate applications side by side.

`session` starts Spark: `local[2]` on this machine, or a master URL / Spark Connect
address (sc://host:15002) in production. pyspark is an optional extra (civic[spark]),
installed with the development group; Spark needs Java 17.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa

from core.config import spark_master
from etl import dialect, models, rules
from etl.engines import parquet

LEDGER = "int_household_ledger"


@contextmanager
def session(master: str | None = None, memory: str = "2g") -> Iterator:
    """A SparkSession: `master` local[2] (default), spark://… or sc://… (Spark Connect).

    Settings that make Spark compute what DuckDB computes: UTC dates, and SQL that
    gives NULL where DuckDB gives NULL (division by zero, a failed cast) rather than
    failing (ANSI mode off)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:  # a session of the caller's: used, left running
        _functions(active)
        yield active
        return
    master = master or spark_master()
    builder = SparkSession.builder.appName("civic")
    builder = builder.remote(master) if master.startswith("sc://") else builder.master(master)
    spark = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    _functions(spark)
    try:
        yield spark
    finally:
        spark.stop()


def _nfc(text: str | None) -> str | None:
    import unicodedata

    return None if text is None else unicodedata.normalize("NFC", text)


def _functions(spark) -> None:
    """DuckDB functions the models use that Spark lacks, as Python functions of the
    session: nfc_normalize (Unicode NFC, as DuckDB's)."""
    from pyspark.sql.types import StringType

    spark.udf.register("nfc_normalize", _nfc, StringType())


def _write(df, folder: Path) -> None:
    """A model's table into its county's partition, by month (period) when it has one
    (parquet.layout: the same folders as the DuckDB run)."""
    from pyspark.sql import functions as F

    if "month" in df.columns:
        by_month = df.withColumn("period", F.date_format("month", "yyyy-MM"))
        by_month.write.mode("overwrite").partitionBy("period").parquet(str(folder))
        if any(Path(folder).rglob("*.parquet")):
            return
    # no month, or no rows (Spark wrote no file): one file that carries the columns
    df.coalesce(1).write.mode("overwrite").parquet(str(folder))


def _read(spark, folder: Path):
    df = spark.read.parquet(str(folder))
    return df.drop("period") if "period" in df.columns else df


def _ledger(spark):
    """int_household_ledger on Spark: the events (EVENTS of etl/rules.py, transpiled),
    numbered like DuckDB's pass (each station's events after all stations' before it),
    then etl.rules.ledger_rows per station as a grouped Arrow function."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    events = spark.sql(dialect.to_spark(rules.EVENTS, LEDGER))
    sizes = events.groupBy("unit_code").count()
    offsets = sizes.select(
        "unit_code",
        (F.sum("count").over(Window.orderBy("unit_code")) - F.col("count")).alias("_base"),
    )
    arrow = {pl.String: pa.string(), pl.Date: pa.date32(), pl.Int64: pa.int64(),
             pl.Int32: pa.int32(), pl.Boolean: pa.bool_()}  # fmt: skip
    schema = pa.schema([pa.field(n, arrow[t]) for n, t in rules.LEDGER_COLUMNS.items()])
    arrow_schema = _spark_schema(schema)

    def per_station(table: pa.Table) -> pa.Table:
        frame = pl.from_arrow(table)
        base = int(frame["_base"][0])
        events_of = frame.drop("_base").with_columns(pl.col("event_order").cast(pl.Int8))
        return rules.ledger_rows(events_of, base).to_arrow().cast(schema)

    return (
        events.join(offsets, "unit_code")
        .groupBy("unit_code")
        .applyInArrow(per_station, arrow_schema)
    )


def _spark_schema(schema: pa.Schema) -> str:
    kinds = {pa.string(): "string", pa.large_string(): "string", pa.date32(): "date",
             pa.int64(): "bigint", pa.int32(): "int", pa.bool_(): "boolean",
             pa.float64(): "double", pa.int8(): "tinyint"}  # fmt: skip
    return ", ".join(f"{f.name} {kinds[f.type]}" for f in schema)


def build(spark, inputs: Path, out: Path, county: str, clock=None) -> dict[str, int]:
    """Every model of one county on Spark, into out/<model>/county=<code>/; returns the
    rows of each table. `clock`, if given, has lap(name) called after each model."""
    found = models.discover()
    for table, folder in parquet.inputs_of(inputs, county).items():
        spark.read.parquet(str(folder)).createOrReplaceTempView(table)
    rows = {}
    for name in models.order(found):
        if name in found:
            df = spark.sql(dialect.to_spark(found[name].sql, name))
        elif name == LEDGER:
            df = _ledger(spark)
        elif name in rules.MODELS:  # a Python model this engine does not know: an error
            raise NotImplementedError(f"{name}: no Spark version of this Python model")
        else:
            continue  # an input (office_clearing …), registered above
        folder = Path(out) / name / f"county={county}"
        _write(df, folder)
        table = _read(spark, folder)
        table.createOrReplaceTempView(name)
        rows[name] = table.count()
        if clock:
            clock.lap(name)
    return rows


class Clock:
    """Seconds per step, for bench/."""

    def __init__(self) -> None:
        self.t = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.t
        self.t = now
