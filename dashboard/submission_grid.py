"""The 数据报送 page's matrices: who sent each month, per unit, or per town for stations.

Pure functions on `metrics.submission_matrix` rows (one per unit and month, its worst
status): the page draws what they return."""

import polars as pl

from core import labels
from presentation import theme

MARK = labels.SUBMISSION_STATUS  # on_time 按时, late 逾期, missing 未报送
COLOURS = {MARK["missing"]: "background-color: #F5B7B1", MARK["late"]: "background-color: #FAD7A0"}


def labelled(matrix: pl.DataFrame) -> pl.DataFrame:
    """The rows with their status in words (`label`) and their month as a column name."""
    return matrix.with_columns(
        label=pl.col("status").replace_strict(MARK), col=pl.col("month").dt.strftime("%Y-%m")
    )


def month_columns(frame: pl.DataFrame) -> list[str]:
    return sorted(c for c in frame.columns if c[:2] == "20")


def by_unit(rows: pl.DataFrame, name: str) -> pl.DataFrame:
    """A row per unit (in code order), named `name`, a column per month with its status in
    words; a month without an entry reads —."""
    wide = rows.pivot("col", index=["unit_code", "unit_name"], values="label").sort("unit_code")
    return wide.select(
        pl.col("unit_name").alias(name), pl.col(month_columns(wide)).fill_null(theme.DASH)
    )


def by_town(rows: pl.DataFrame, month: str) -> pl.DataFrame:
    """Stations counted per town (parent): a row per town, a column per month reading 按时
    or 「未报送2·逾期1」, towns with the most stations missing in `month` first (then late,
    then code); `parent_code` kept for choosing a town."""
    counted = rows.group_by("parent_code", "parent_name", "col").agg(
        missing=(pl.col("status") == "missing").sum(), late=(pl.col("status") == "late").sum()
    )
    gaps = pl.concat_str(
        pl.when(pl.col("missing") > 0).then(pl.format("未报送{}", "missing")),
        pl.when(pl.col("late") > 0).then(pl.format("逾期{}", "late")),
        separator="·",
        ignore_nulls=True,
    )
    counted = counted.with_columns(
        cell=pl.when(pl.col("missing") + pl.col("late") == 0).then(pl.lit(MARK["on_time"]))
        .otherwise(gaps)
    )  # fmt: skip
    order = counted.filter(pl.col("col") == month).select(
        "parent_code", now_missing="missing", now_late="late"
    )
    wide = counted.pivot("col", index=["parent_code", "parent_name"], values="cell")
    return (
        wide.join(order, on="parent_code", how="left")
        .sort(
            ["now_missing", "now_late", "parent_code"],
            descending=[True, True, False],
            nulls_last=True,
        )
        .select("parent_code", "parent_name", pl.col(month_columns(wide)).fill_null(theme.DASH))
    )
