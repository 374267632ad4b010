"""Scores, ranks, tiers, changes and streaks from indicator values (pure polars).

The frames flow: indicator_values (raw per unit, month, indicator) ->
normalise (0–100) -> aggregate (weighted mean, adjustments, one decimal) ->
rank (competition ranks, 未报送 rule) -> with_history (change, 红榜/黑榜, streaks).
Every function takes and returns DataFrames; nothing here reads a file or
the database.
"""

from __future__ import annotations

import polars as pl

from index.methodology import Group, Methodology

KEYS = ["group_key", "partition_code", "unit_code"]
UNIT_MONTH = [*KEYS, "month"]


def indicator_values(mart: pl.DataFrame, group: Group) -> pl.DataFrame:
    """One row per unit, month and indicator: raw = numerator ÷ denominator × per.

    mart: mart_unit_month rows of the group's units (with `is_submitted`).
    A zero or missing denominator gives a null value (nothing to measure).
    """
    rows = mart.filter(pl.col("kind") == group.unit_kind)
    part = pl.col(group.partition).cast(pl.String) if group.partition else pl.lit("")
    frames = []
    for ind in group.indicators:
        num = pl.col(ind.numerator).cast(pl.Float64)
        den = pl.col(ind.denominator).cast(pl.Float64) if ind.denominator else pl.lit(1.0)
        raw = pl.when(den > 0).then(num / den * ind.per)
        frames.append(
            rows.select(
                pl.lit(group.key).alias("group_key"),
                part.fill_null("").alias("partition_code"),
                pl.col("unit_code"),
                pl.col("month"),
                pl.lit(ind.key).alias("indicator_key"),
                num.alias("numerator"),
                (den if ind.denominator else pl.lit(None, pl.Float64)).alias("denominator"),
                raw.alias("raw_value"),
            )
        )
    return pl.concat(frames)


def normalise(
    values: pl.DataFrame, group: Group, method: str, winsor: tuple[float, float]
) -> pl.DataFrame:
    """Add `normalised` (0–100, higher is better) and `is_capped` to indicator values.

    goalposts: fixed [lo, hi] per indicator, so any month compares with any
    other; values beyond are capped. panel_minmax / panel_zscore: over every
    unit-month in `values` (the whole panel, not one month), after
    winsorising at the `winsor` percentiles. A constant panel gives 50.
    """
    spec = pl.DataFrame(
        {
            "indicator_key": [i.key for i in group.indicators],
            "_lo": [i.goalposts[0] for i in group.indicators],
            "_hi": [i.goalposts[1] for i in group.indicators],
            "_dir": [float(i.direction) for i in group.indicators],
        }
    )
    v = values.join(spec, on="indicator_key", how="left")
    x = pl.col("raw_value")
    if method == "goalposts":
        lo, hi = pl.col("_lo"), pl.col("_hi")
        capped = (x < lo) | (x > hi)
        scaled = (x.clip(lo, hi) - lo) / (hi - lo) * 100
    else:
        by = "indicator_key"
        lo = x.quantile(winsor[0], "linear").over(by)
        hi = x.quantile(winsor[1], "linear").over(by)
        capped = (x < lo) | (x > hi)
        w = x.clip(lo, hi)
        if method == "panel_minmax":
            span = hi - lo
            scaled = pl.when(span > 0).then((w - lo) / span * 100).otherwise(50.0)
        else:
            sd = w.std().over(by)
            z = (w - w.mean().over(by)) / sd
            scaled = pl.when(sd > 0).then((50 + z * 100 / 6).clip(0, 100)).otherwise(50.0)
    flipped = pl.when(pl.col("_dir") < 0).then(100 - scaled).otherwise(scaled)
    return v.with_columns(normalised=flipped, is_capped=capped.fill_null(False)).drop(
        "_lo", "_hi", "_dir"
    )


def impute(norm: pl.DataFrame, rule: str) -> pl.DataFrame:
    """Fill indicators with no value: the group's mean that month (neutral), or 0."""
    missing = pl.col("normalised").is_null()
    if rule == "zero":
        fill = pl.lit(0.0)
    else:
        fill = (
            pl.col("normalised")
            .mean()
            .over("group_key", "partition_code", "month", "indicator_key")
        )
    return norm.with_columns(
        is_imputed=missing,
        normalised=pl.when(missing).then(fill.fill_null(50.0)).otherwise(pl.col("normalised")),
    )


def contributions(norm: pl.DataFrame, group: Group) -> pl.DataFrame:
    """weight (summing to 1) and contribution = weight × normalised, in score points."""
    w = group.weights()
    return norm.with_columns(
        weight=pl.col("indicator_key").replace_strict(w, return_dtype=pl.Float64)
    ).with_columns(contribution=pl.col("weight") * pl.col("normalised"))


def aggregate(contrib: pl.DataFrame, adjustments: pl.DataFrame, meth: Methodology) -> pl.DataFrame:
    """One row per unit-month: base_score, adjustment (capped), score (0–100, one decimal).

    adjustments: unit_code, month, points (signed: bonus > 0, penalty < 0).
    """
    base = contrib.group_by(UNIT_MONTH).agg(base_score=pl.col("contribution").sum())
    adj = (
        adjustments.group_by("unit_code", "month")
        .agg(
            bonus=pl.col("points").filter(pl.col("points") > 0).sum(),
            penalty=pl.col("points").filter(pl.col("points") < 0).sum(),
        )
        .with_columns(
            adjustment=pl.col("bonus").clip(upper_bound=meth.bonus_cap)
            + pl.col("penalty").clip(lower_bound=-meth.penalty_cap)
        )
        .select("unit_code", "month", "adjustment")
    )
    return (
        base.join(adj, on=["unit_code", "month"], how="left")
        .with_columns(pl.col("adjustment").fill_null(0.0))
        .with_columns(
            score=(pl.col("base_score") + pl.col("adjustment")).clip(0, 100).round(1),
            base_score=pl.col("base_score").round(2),
        )
    )


def competition_rank(score: pl.Expr, by: list[str]) -> pl.Expr:
    """1, 2, 2, 4: one plus the number of units with a strictly higher score."""
    return score.rank("min", descending=True).over(by).cast(pl.Int32)


def rank(scores: pl.DataFrame, submitted: pl.DataFrame, meth: Methodology) -> pl.DataFrame:
    """Competition ranks within each group, partition and month, with the 未报送 rule.

    submitted: unit_code, month, is_submitted. Under "last", a unit that sent
    nothing has no score and ranks after every scored unit (all such units
    tie); under "zero" it is scored on what the database holds; under
    "exclude" it is left out.
    """
    df = scores.join(submitted, on=["unit_code", "month"], how="left").with_columns(
        pl.col("is_submitted").fill_null(True)
    )
    by = ["group_key", "partition_code", "month"]
    if meth.unsubmitted == "exclude":
        df = df.filter(pl.col("is_submitted"))
    elif meth.unsubmitted == "last":
        df = df.with_columns(
            score=pl.when(pl.col("is_submitted")).then(pl.col("score")),
            base_score=pl.when(pl.col("is_submitted")).then(pl.col("base_score")),
        )
    scored = pl.col("score").is_not_null()
    n_scored = scored.sum().over(by).cast(pl.Int32)
    df = df.with_columns(
        rank=pl.when(scored).then(competition_rank(pl.col("score"), by)).otherwise(n_scored + 1),
        units_listed=pl.len().over(by).cast(pl.Int32),
    )
    return df.with_columns(
        tier=pl.col("score").map_elements(meth.tier, return_dtype=pl.String, skip_nulls=False)
    )


def with_history(ranked: pl.DataFrame, group: Group) -> pl.DataFrame:
    """Add change against last month, 红榜/黑榜 membership and streaks.

    rank_change: previous rank − rank (3 = up three places); change_label
    ↑3, ↓1, — (same) or 新 (not ranked last month). A unit is on the 红榜 if
    its rank is within the top `red_list`, on the 黑榜 if within the bottom
    `black_list` counted from the end (ties included both ways).
    """
    by = ["group_key", "partition_code", "month"]
    # units with a strictly worse rank; fewer than black_list means the bottom
    worse = pl.col("units_listed") - pl.col("rank").rank("max").over(by)
    red = (pl.col("rank") <= group.red_list) & pl.col("score").is_not_null()
    df = ranked.sort(UNIT_MONTH).with_columns(on_red_list=red)
    df = df.with_columns(on_black_list=(worse < group.black_list) & ~pl.col("on_red_list"))
    prev = df.select(*KEYS, pl.col("month").dt.offset_by("1mo"), pl.col("rank").alias("prev_rank"))
    df = df.join(prev, on=UNIT_MONTH, how="left")
    df = df.with_columns(rank_change=(pl.col("prev_rank") - pl.col("rank")).cast(pl.Int32))
    df = df.with_columns(
        change_label=pl.when(pl.col("prev_rank").is_null())
        .then(pl.lit("新"))
        .when(pl.col("rank_change") > 0)
        .then(pl.format("↑{}", pl.col("rank_change")))
        .when(pl.col("rank_change") < 0)
        .then(pl.format("↓{}", -pl.col("rank_change")))
        .otherwise(pl.lit("—"))
    )
    return df.with_columns(
        red_streak=_streak(df, "on_red_list"), black_streak=_streak(df, "on_black_list")
    )


def _streak(df: pl.DataFrame, flag: str) -> pl.Series:
    """Months in a row, ending with each row's month, that the flag has held (df sorted)."""
    month_no = pl.col("month").dt.year() * 12 + pl.col("month").dt.month()
    follows = (month_no - month_no.shift(1).over(KEYS) == 1) & pl.col(flag).shift(1).over(KEYS)
    start = pl.col(flag) & ~follows.fill_null(False)
    run = start.cast(pl.Int32).cum_sum().over(KEYS)
    streak = pl.when(pl.col(flag)).then(pl.int_range(pl.len()).over([*KEYS, run]) + 1)
    return df.select(streak.otherwise(0).cast(pl.Int32).alias(flag))[flag]
