"""Why a unit scores what it scores: contributions, month-on-month change, strengths (pure)."""

from __future__ import annotations

import polars as pl

from index.score import KEYS, UNIT_MONTH

GAP_POINTS = 0.05  # smaller gaps than this (score points) are neither strength nor weakness


def with_change(contrib: pl.DataFrame) -> pl.DataFrame:
    """Add each indicator's contribution last month and its change (score points).

    The changes of a unit's indicators, plus the change in its adjustment,
    add up to the change of its score (before rounding).
    """
    prev = contrib.select(
        *KEYS,
        pl.col("month").dt.offset_by("1mo"),
        "indicator_key",
        pl.col("contribution").alias("prev_contribution"),
    )
    return contrib.join(prev, on=[*UNIT_MONTH, "indicator_key"], how="left").with_columns(
        contribution_change=pl.col("contribution") - pl.col("prev_contribution")
    )


def strengths_weaknesses(contrib: pl.DataFrame, n: int = 3) -> pl.DataFrame:
    """Per unit-month, the indicators where it gains most and loses most against its peers.

    The gap is the unit's contribution minus the mean contribution of the
    units ranked with it that month, so it is in score points.
    """
    peers = ["group_key", "partition_code", "month", "indicator_key"]
    gap = contrib.with_columns(
        gap=pl.col("contribution") - pl.col("contribution").mean().over(peers)
    )
    return gap.group_by(UNIT_MONTH).agg(
        strengths=pl.col("indicator_key")
        .sort_by("gap", descending=True)
        .filter(pl.col("gap").sort(descending=True) > GAP_POINTS)
        .head(n),
        weaknesses=pl.col("indicator_key")
        .sort_by("gap")
        .filter(pl.col("gap").sort() < -GAP_POINTS)
        .head(n),
    )
