"""Why a unit scores what it scores: contributions, month-on-month change, strengths (pure)."""

from __future__ import annotations

import math

import polars as pl

from index.score import KEYS, LIST, UNIT_MONTH

GAP_POINTS = 0.05  # smaller gaps than this (score points) are neither strength nor weakness
ADJUSTMENT_KEY = "_adjustment"  # the part of a change that comes from 加分/扣分


def with_change(contrib: pl.DataFrame) -> pl.DataFrame:
    """Add each indicator's contribution last month and its change (score points).

    The changes of a unit's indicators, plus the change in its adjustment,
    add up to the change of its score before rounding; shown_changes() makes
    the published parts add up to the published change exactly.
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


def largest_remainder(parts: list[float], total_tenths: int) -> list[int]:
    """Round `parts` (score points) to tenths so that they add up to `total_tenths` exactly.

    Hamilton's method on signed parts: every part is floored, and the tenths
    still missing go one each to the parts with the largest remainders (or,
    when the floors overshoot, are taken from the smallest). A part is never
    moved by a whole tenth more than its rounding needs, unless the shown
    total differs from the parts' sum by more than rounding (clipping at 0
    or 100), when the difference goes to the largest part.
    """
    scaled = [p * 10 for p in parts]
    floors = [math.floor(round(s, 9)) for s in scaled]
    remainders = [s - f for s, f in zip(scaled, floors, strict=True)]
    missing = total_tenths - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
    out = list(floors)
    if 0 <= missing <= len(parts):
        for i in order[:missing]:
            out[i] += 1
        return out
    # rounding cannot explain the gap: give it to the largest part
    big = max(range(len(parts)), key=lambda i: (abs(scaled[i]), -i)) if parts else None
    if big is not None:
        out[big] += missing
    return out


def shown_changes(details: pl.DataFrame, scores: pl.DataFrame) -> pl.DataFrame:
    """Per unit-month, each indicator's change in tenths as published, adding up exactly.

    details: with_change rows; scores: score, prev month's score and
    adjustments. Returns UNIT_MONTH, indicator_key and change_shown (score
    points, one decimal), with ADJUSTMENT_KEY rows for the adjustments' part.
    Only units scored both months get rows.
    """
    prev = scores.select(
        *KEYS,
        pl.col("month").dt.offset_by("1mo"),
        pl.col("score").alias("_prev_score"),
        pl.col("adjustment").alias("_prev_adjustment"),
    )
    both = (
        scores.join(prev, on=UNIT_MONTH, how="inner")
        .filter(pl.col("score").is_not_null() & pl.col("_prev_score").is_not_null())
        .select(*UNIT_MONTH, "score", "_prev_score", "adjustment", "_prev_adjustment")
    )
    if both.height == 0:
        return pl.DataFrame(
            schema={
                **{k: pl.String for k in KEYS},
                "month": pl.Date,
                "indicator_key": pl.String,
                "change_shown": pl.Float64,
            }
        )
    parts = details.join(both.select(UNIT_MONTH), on=UNIT_MONTH).select(
        *UNIT_MONTH, "indicator_key", pl.col("contribution_change").fill_null(0.0)
    )
    adj = both.select(
        *UNIT_MONTH,
        pl.lit(ADJUSTMENT_KEY).alias("indicator_key"),
        (pl.col("adjustment") - pl.col("_prev_adjustment")).alias("contribution_change"),
    )
    grouped = (
        pl.concat([parts, adj])
        .sort([*UNIT_MONTH, "indicator_key"])
        .group_by(UNIT_MONTH, maintain_order=True)
        .agg("indicator_key", "contribution_change")
        .join(both, on=UNIT_MONTH)
    )
    rows = []
    for r in grouped.iter_rows(named=True):
        total = round((r["score"] - r["_prev_score"]) * 10)
        tenths = largest_remainder(r["contribution_change"], total)
        for key, t in zip(r["indicator_key"], tenths, strict=True):
            rows.append(
                (r["group_key"], r["partition_code"], r["unit_code"], r["month"], key, t / 10)
            )
    return pl.DataFrame(
        rows,
        schema={
            **{k: pl.String for k in KEYS},
            "month": pl.Date,
            "indicator_key": pl.String,
            "change_shown": pl.Float64,
        },
        orient="row",
    )


def strengths_weaknesses(contrib: pl.DataFrame, n: int = 3) -> pl.DataFrame:
    """Per submitted unit-month, the indicators where it gains most and loses most.

    The gap is the unit's contribution minus the mean contribution of the
    submitted units ranked with it that month, so it is in score points.
    Units that did not submit are neither peers nor given strengths.
    """
    peers = [*LIST, "indicator_key"]
    sub = contrib.filter(pl.col("is_submitted"))
    gap = sub.with_columns(gap=pl.col("contribution") - pl.col("contribution").mean().over(peers))
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
