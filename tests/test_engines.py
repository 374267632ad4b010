"""The models on a second engine: the same model files on DuckDB and on Apache Spark
(local[2]), two counties with their own registries, every table compared row by row;
the dialect rules checked on both real engines."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from civic.cli import main
from core import store as db_store
from core.contract import ROW_LIMITS
from etl import dialect, models
from etl.engines import compare, on_duckdb, on_spark, parquet


@pytest.fixture(scope="module")
def spark():
    with on_spark.session("local[2]") as s:
        yield s


def test_every_model_transpiles_to_spark_sql():
    found = models.discover()
    assert len(found) > 40
    for name, model in found.items():
        spark_sql = dialect.to_spark(model.sql, name).upper().lstrip()
        assert spark_sql.startswith(("WITH", "SELECT", "/*"))


@pytest.mark.parametrize(
    "sql",
    [
        # DuckDB counts minute boundaries; Spark elapsed minutes unless truncated
        "select date_diff('minute', timestamp '2026-01-01 10:00:59', "
        "timestamp '2026-01-01 10:01:00') as x",
        # a decimal literal divides in double precision, as DuckDB does
        "select 85 / 60.0 as x",
        # {} placeholders, not printf's, and a % kept as written
        "select format('第 {} 行，{}%', 12, 'x') as x",
        # a list in the order asked for, whatever the rows' order
        "select list(v order by k) as x from (values (2, 'b'), (1, 'a'), (3, 'c')) t(k, v)",
        # NULLs last in an ascending order
        "select list(k order by k) as x from (values (2), (null), (1)) t(k)",
        # a whole row as JSON text, null fields kept
        "select to_json(t) as x from (select 1 as a, cast(null as varchar) as b, "
        "timestamp '2026-09-02 10:20:00' as c) as t",
        # arg_max passes over the rows whose value is NULL
        "select arg_max(s, m) as x from (values (1, 1), (null, 2)) t(s, m)",
        "select arg_min(s, m) as x from (values (null, 1), (7, 2)) t(s, m)",
        # the months between two dates, both ends included
        "select list(cast(m as date) order by m) as x from (select unnest(generate_series("
        "date '2026-01-01', date '2026-03-01', interval 1 month)) as m)",
    ],
)
def test_a_dialect_rule_gives_the_same_value_on_both_engines(spark, sql):
    expected = duckdb.sql(sql).fetchall()[0][0]
    got = spark.sql(dialect.to_spark(sql)).collect()[0][0]
    if isinstance(got, list) and got and hasattr(got[0], "asDict"):
        got = [r.asDict() for r in got]
    if isinstance(expected, str) and expected.startswith("{"):
        import json

        expected, got = json.loads(expected), json.loads(got)
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-12)
    else:
        assert got == expected


def test_a_construct_spark_cannot_mean_the_same_is_refused_not_run():
    with pytest.raises(dialect.Untranslatable, match="only ascending"):
        dialect.to_spark("select list(v order by k desc) from t", "mart_x")


def test_the_activity_screen_reads_every_column_a_row_limit_names():
    """int_activity_screen picks the limited column by name in a CASE (portable SQL);
    a limit on a column the CASE lacks would never fire on either engine."""
    sql = (models.MODELS_DIR / "intermediate" / "int_activity_screen.sql").read_text("utf-8")
    cased = set(re.findall(r"when '([a-z_]+)' then a\.\1\b", sql))
    limited = {limit.column_key for limit in ROW_LIMITS if limit.sheet_key == "activities"}
    assert limited and limited <= cased


@pytest.fixture(scope="module")
def both_runs(county_stores, spark, tmp_path_factory) -> tuple[Path, list[str]]:
    """Two counties' inputs exported, every model built on DuckDB and on Spark."""
    out = tmp_path_factory.mktemp("engines")
    codes = [parquet.export_inputs(store, out / "inputs") for store in county_stores.values()]
    for code in codes:
        on_duckdb.build(out / "inputs", out / "duckdb", code)
        on_spark.build(spark, out / "inputs", out / "spark", code)
    return out, codes


def test_spark_and_duckdb_build_identical_tables_for_every_model_of_two_counties(both_runs):
    out, codes = both_runs
    assert sorted(codes) == ["620623", "990101"]
    names = on_duckdb.model_names()
    assert "int_household_ledger" in names and "mart_unit_month" in names
    assert compare.of_runs(out, codes) == []
    # real work was compared: each county's facts are there, in both runs
    for code in codes:
        activities = parquet.read_table(out / "spark", "fct_activity", code)
        assert activities.height > 500 and set(activities["unit_code"].str.slice(0, 6)) == {code}


def test_the_parquet_run_is_the_county_stores_own_and_is_laid_out_by_county_and_month(
    both_runs, county_stores
):
    out, codes = both_runs
    for code, store in county_stores.items():
        with db_store.reading(store) as con:
            own = con.sql("select * from mart_unit_month").pl()
        built = parquet.read_table(out / "duckdb", "mart_unit_month", code)
        key = models.discover()["mart_unit_month"].unique_key
        assert compare.differences("mart_unit_month", own, built, key, ("store", "DuckDB")) == []
    months = sorted(p.name for p in (out / "spark" / "fct_activity" / "county=990101").iterdir()
                    if p.is_dir())  # fmt: skip
    assert months == ["period=2026-09", "period=2026-10"]
    assert (out / "duckdb" / "fct_activity" / "county=990101" / "period=2026-10").is_dir()
    # a table without a month is one file per county
    assert list((out / "duckdb" / "ref_unit_all" / "county=990101").glob("*.parquet"))


def test_the_comparison_names_the_column_that_differs():
    left = pl.DataFrame({"k": [1, 2], "v": [1.0, 2.0], "d": [date(2026, 1, 1)] * 2})
    same = left.with_columns(pl.col("v") + 1e-14)  # another order of adding
    assert compare.differences("t", left, same, ["k"]) == []
    other = left.with_columns(pl.when(pl.col("k") == 2).then(2.5).otherwise(pl.col("v")).alias("v"))
    assert compare.differences("t", left, other, ["k"]) == [
        "t.v: 1 rows differ, e.g. {'k': 2}: 2.0 / 2.5"
    ]
    missing = compare.differences("t", left, left.head(1))
    assert missing[0] == "t: 2 rows in DuckDB, 1 in Spark"
    renamed = compare.differences("t", left, left.rename({"v": "w"}))
    assert renamed == ["t: columns only in DuckDB: ['v'], only in Spark: ['w']"]


def test_civic_rollup_models_builds_on_both_engines_and_says_they_agree(county_stores, tmp_path):
    store = county_stores["990101"]
    result = CliRunner().invoke(
        main, ["rollup", "models", str(store), "--engine", "both", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    tables = len(on_duckdb.model_names())
    assert f"DuckDB 与 Spark：1 个县的 {tables} 张表逐行一致" in result.output
    assert (tmp_path / "inputs" / "raw_activities" / "county=990101").is_dir()


def test_an_empty_table_is_one_file_that_carries_its_columns_on_both_engines(spark, tmp_path):
    """A county without a sheet's rows (no 民事直说) has empty tables; each engine still
    writes a file with the columns, which reads back as an empty table."""
    from pyspark.sql import functions as F

    empty = spark.range(0).select(F.lit("x").alias("unit_code"), F.current_date().alias("month"))
    folder = tmp_path / "spark" / "fct_matter" / "county=990101"
    on_spark._write(empty, folder)
    assert on_spark._read(spark, folder).count() == 0
    from_spark = parquet.read_table(tmp_path / "spark", "fct_matter", "990101")
    assert from_spark.height == 0 and from_spark.columns == ["unit_code", "month"]
    con = duckdb.connect()
    con.execute("create table fct_matter as select 'x' as unit_code, current_date as month limit 0")
    written = on_duckdb.write_table(con, "fct_matter", tmp_path / "duckdb" / folder.relative_to(
        tmp_path / "spark"))  # fmt: skip
    assert written == 0
    from_duckdb = parquet.read_table(tmp_path / "duckdb", "fct_matter", "990101")
    assert compare.differences("fct_matter", from_duckdb, from_spark) == []
