"""Scores, ranks, tiers, changes and streaks from indicator values (pure polars).

The frames flow: indicator_values (raw per unit, month, indicator, with the
status that decides its treatment) -> screen.screen (outliers capped) ->
normalise (0–100) -> treat (缺报, 不适用 and missing values filled, each
recorded) -> contributions -> aggregate (weighted mean, adjustments, one
decimal) -> rank (competition ranks, 未报送 rule) -> with_history (change,
streaks). Every function takes and returns DataFrames; nothing here reads a
file or the database.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from index.methodology import Group, Methodology

KEYS = ["group_key", "partition_code", "unit_code"]
UNIT_MONTH = [*KEYS, "month"]
LIST = ["group_key", "partition_code", "month"]  # the units ranked together

# status of an indicator value, which decides its treatment (stored per value)
OK = "ok"
MISSING_OWED = "missing_owed"  # 缺报: the unit owed the source sheet and did not send it
NO_DEMAND = "no_demand"  # 不适用: a share of demand with no demand
NO_VALUE = "no_value"  # nothing to divide by (e.g. population not registered)

MISSING_SHEETS_SCHEMA = {"unit_code": pl.String, "month": pl.Date, "sheet_key": pl.String}


def round_half(x: pl.Expr, rounding: str, decimals: int = 1) -> pl.Expr:
    """Round to `decimals` places: "half_up" (81.25 → 81.3) or "half_even" (→ 81.2).

    Half up is decided on the value rounded to nine places first, so 81.15
    (stored as 81.1499999…) rounds up as written. The result is the double
    nearest the decimal (81.3, not 81.30000000000001): polars divides by
    multiplying with the reciprocal, so the quotient is rounded once more.
    """
    if rounding == "half_even":
        return x.round(decimals)
    scale = 10**decimals
    # the last round gives the nearest float to the tenth (polars may divide by multiplying)
    return (((x * scale).round(9) + 0.5).floor() / scale).round(decimals)


def indicator_values(
    mart: pl.DataFrame, group: Group, meth: Methodology, missing_sheets: pl.DataFrame
) -> pl.DataFrame:
    """One row per unit, month and indicator: raw = numerator ÷ denominator × per, and status.

    mart: mart_unit_month rows (with `is_submitted`); missing_sheets: the
    unit's own owed sheets that did not come (unit_code, month, sheet_key).
    A zero or missing denominator gives a null raw value: status no_demand
    for a share of demand under rules.no_demand, else no_value. A value whose
    source sheet is missing is missing_owed under rules.missing_owed.
    """
    rows = mart.filter(pl.col("kind") == group.unit_kind)
    part = pl.col(group.partition).cast(pl.String) if group.partition else pl.lit("")
    missing = missing_sheets.select(
        "unit_code", "month", pl.col("sheet_key").alias("_source"), _missing=pl.lit(True)
    ).unique()
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
                pl.col("is_submitted"),
                pl.lit(ind.source).alias("_source"),
                pl.lit(ind.demand).alias("_demand"),
            )
        )
    v = pl.concat(frames).join(missing, on=["unit_code", "month", "_source"], how="left")
    status = (
        pl.when(pl.col("_missing").fill_null(False) & pl.lit(bool(meth.missing_owed)))
        .then(pl.lit(MISSING_OWED))
        .when(pl.col("raw_value").is_null() & pl.col("_demand") & pl.lit(bool(meth.no_demand)))
        .then(pl.lit(NO_DEMAND))
        .when(pl.col("raw_value").is_null())
        .then(pl.lit(NO_VALUE))
        .otherwise(pl.lit(OK))
    )
    return v.with_columns(status=status).drop("_source", "_demand", "_missing")


def _spec(group: Group) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator_key": [i.key for i in group.indicators],
            "_lo": [i.goalposts[0] for i in group.indicators],
            "_hi": [i.goalposts[1] for i in group.indicators],
            "_dir": [float(i.direction) for i in group.indicators],
        }
    )


def normalise(
    values: pl.DataFrame,
    group: Group,
    method: str,
    winsor: tuple[float, float],
    months: list[date] | None = None,
) -> pl.DataFrame:
    """Add `normalised` (0–100, higher is better), `goalpost_raw` and `is_capped`.

    Reads `value_used` (the screened value; raw_value if there is none).
    goalposts: fixed [lo, hi] per indicator, so any month compares with any
    other; values beyond are capped; goalpost_raw is the uncapped position
    (the robustness draws stretch it). panel_minmax / panel_zscore: for month
    M, over every submitted unit-month of the panel up to M only (no
    look-ahead), after winsorising at the `winsor` percentiles. A constant
    panel gives 50. `months` limits the rows returned (default: all).
    """
    if "value_used" not in values.columns:
        values = values.with_columns(value_used=pl.col("raw_value"))
    v = values.join(_spec(group), on="indicator_key", how="left")
    wanted = v.filter(pl.col("month").is_in(months)) if months is not None else v
    x = pl.col("value_used")
    lo, hi = pl.col("_lo"), pl.col("_hi")
    goalpost_raw = (x - lo) / (hi - lo) * 100
    if method == "goalposts":
        out = wanted.with_columns(_scaled=goalpost_raw.clip(0, 100), _capped=(x < lo) | (x > hi))
    else:
        parts = []
        counted = pl.col("is_submitted") & (pl.col("status") == OK)
        for month in sorted(wanted["month"].unique().to_list()):
            panel = v.filter((pl.col("month") <= month) & counted)
            stats = panel.group_by("indicator_key").agg(
                _plo=x.quantile(winsor[0], "linear"), _phi=x.quantile(winsor[1], "linear")
            )
            w_panel = panel.join(stats, on="indicator_key").with_columns(
                _w=x.clip(pl.col("_plo"), pl.col("_phi"))
            )
            stats = stats.join(
                w_panel.group_by("indicator_key").agg(
                    _mean=pl.col("_w").mean(), _sd=pl.col("_w").std()
                ),
                on="indicator_key",
                how="left",
            )
            rows = wanted.filter(pl.col("month") == month).join(
                stats, on="indicator_key", how="left"
            )
            plo, phi = pl.col("_plo"), pl.col("_phi")
            w = x.clip(plo, phi)
            if method == "panel_minmax":
                span = phi - plo
                scaled = pl.when(span > 0).then((w - plo) / span * 100).otherwise(50.0)
            else:
                sd = pl.col("_sd")
                z = (w - pl.col("_mean")) / sd
                scaled = pl.when(sd > 0).then((50 + z * 100 / 6).clip(0, 100)).otherwise(50.0)
            parts.append(
                rows.with_columns(_scaled=scaled, _capped=(x < plo) | (x > phi)).drop(
                    "_plo", "_phi", "_mean", "_sd"
                )
            )
        out = pl.concat(parts) if parts else wanted.with_columns(_scaled=None, _capped=None)
    flipped = pl.when(pl.col("_dir") < 0).then(100 - pl.col("_scaled")).otherwise(pl.col("_scaled"))
    return out.with_columns(
        normalised=pl.when(pl.col("status") == OK).then(flipped),
        goalpost_raw=pl.when(pl.col("status") == OK).then(goalpost_raw),
        is_capped=pl.col("_capped").fill_null(False) & (pl.col("status") == OK),
    ).drop("_lo", "_hi", "_dir", "_scaled", "_capped")


def treat(norm: pl.DataFrame, meth: Methodology) -> pl.DataFrame:
    """Fill values that are not `ok`, recording how (`imputation`), nominal and alternative.

    normalised (nominal): 缺报 → 0; 不适用 → null (its weight goes to the
    unit's other indicators); no value → 0 under rules.missing_value "zero",
    else the mean of the submitted units ranked with it. normalised_alt (the
    other imputation the robustness draws try): 缺报 → the worst real value
    among the submitted units ranked with it that month (0 if none);
    不适用 → their median. Units that did not submit never enter these
    statistics.
    """
    peers = pl.col("is_submitted") & (pl.col("status") == OK)
    real = pl.col("normalised").filter(peers)
    by = [*LIST, "indicator_key"]
    worst = real.min().over(by).fill_null(0.0)
    median = real.median().over(by)
    mean = real.mean().over(by).fill_null(50.0)
    status = pl.col("status")
    no_value = pl.lit(0.0) if meth.missing_value == "zero" else mean
    nominal = (
        pl.when(status == OK)
        .then(pl.col("normalised"))
        .when(status == MISSING_OWED)
        .then(pl.lit(0.0))
        .when(status == NO_DEMAND)
        .then(pl.lit(None, pl.Float64))
        .otherwise(no_value)
    )
    alternative = (
        pl.when(status == MISSING_OWED)
        .then(worst)
        .when(status == NO_DEMAND)
        .then(median)
        .otherwise(nominal)
    )
    return norm.with_columns(
        imputation=status,
        is_imputed=status != OK,
        normalised_alt=alternative,
        normalised=nominal,
    )


def contributions(norm: pl.DataFrame, group: Group) -> pl.DataFrame:
    """weight (of the unit's applicable indicators, summing to 1) and contribution, in points.

    An indicator that does not apply (不适用, normalised null) has weight 0
    and its nominal weight is spread over the others in proportion.
    """
    w = group.weights()
    nominal = pl.col("indicator_key").replace_strict(w, return_dtype=pl.Float64)
    applies = pl.col("normalised").is_not_null()
    share = pl.when(applies).then(pl.col("_w")).otherwise(0.0)
    df = norm.with_columns(_w=nominal)
    total = share.sum().over(UNIT_MONTH)
    return (
        df.with_columns(weight=pl.when(total > 0).then(share / total).otherwise(0.0))
        .with_columns(contribution=pl.col("weight") * pl.col("normalised").fill_null(0.0))
        .drop("_w")
    )


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
    total = (pl.col("base_score") + pl.col("adjustment")).clip(0, 100)
    return (
        base.join(adj, on=["unit_code", "month"], how="left")
        .with_columns(pl.col("adjustment").fill_null(0.0))
        .with_columns(
            score=round_half(total, meth.rounding),
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
    tie); under "zero" it scores 0 on every indicator (adjustments still
    count); under "exclude" it is left out.
    """
    df = scores.join(submitted, on=["unit_code", "month"], how="left").with_columns(
        pl.col("is_submitted").fill_null(True)
    )
    if meth.unsubmitted == "exclude":
        df = df.filter(pl.col("is_submitted"))
    elif meth.unsubmitted == "last":
        df = df.with_columns(
            score=pl.when(pl.col("is_submitted")).then(pl.col("score")),
            base_score=pl.when(pl.col("is_submitted")).then(pl.col("base_score")),
        )
    else:  # zero
        zero = round_half(pl.col("adjustment").clip(0, 100), meth.rounding)
        df = df.with_columns(
            score=pl.when(pl.col("is_submitted")).then(pl.col("score")).otherwise(zero),
            base_score=pl.when(pl.col("is_submitted")).then(pl.col("base_score")).otherwise(0.0),
        )
    scored = pl.col("score").is_not_null()
    n_scored = scored.sum().over(LIST).cast(pl.Int32)
    df = df.with_columns(
        rank=pl.when(scored).then(competition_rank(pl.col("score"), LIST)).otherwise(n_scored + 1),
        units_listed=pl.len().over(LIST).cast(pl.Int32),
    )
    return df.with_columns(
        tier=pl.col("score").map_elements(meth.tier, return_dtype=pl.String, skip_nulls=False)
    )


def with_history(ranked: pl.DataFrame, group: Group) -> pl.DataFrame:
    """Add change against last month and streaks.

    rank_change: previous rank − rank (3 = up three places), only between two
    scored months: a unit that was 未报送 last month has no previous rank
    (label 新, like a unit never ranked), and one 未报送 this month has no
    change (label 未报送). Streaks count the months in a row a unit ranked
    within the red (black) list's places; the published list itself may name
    more units when places are tied within the margin (lists.py).
    """
    by = LIST
    worse = pl.col("units_listed") - pl.col("rank").rank("max").over(by)
    scored = pl.col("score").is_not_null()
    df = ranked.sort(UNIT_MONTH).with_columns(
        _in_red=(pl.col("rank") <= group.red_list) & scored,
    )
    df = df.with_columns(_in_black=(worse < group.black_list) & ~pl.col("_in_red"))
    prev = df.filter(scored).select(
        *KEYS, pl.col("month").dt.offset_by("1mo"), pl.col("rank").alias("prev_rank")
    )
    df = df.join(prev, on=UNIT_MONTH, how="left").with_columns(
        prev_rank=pl.when(scored).then(pl.col("prev_rank"))
    )
    df = df.with_columns(rank_change=(pl.col("prev_rank") - pl.col("rank")).cast(pl.Int32))
    df = df.with_columns(
        change_label=pl.when(~scored)
        .then(pl.lit("未报送"))
        .when(pl.col("prev_rank").is_null())
        .then(pl.lit("新"))
        .when(pl.col("rank_change") > 0)
        .then(pl.format("↑{}", pl.col("rank_change")))
        .when(pl.col("rank_change") < 0)
        .then(pl.format("↓{}", -pl.col("rank_change")))
        .otherwise(pl.lit("—"))
    )
    return df.with_columns(
        red_streak=_streak(df, "_in_red"), black_streak=_streak(df, "_in_black")
    ).drop("_in_red", "_in_black")


def _streak(df: pl.DataFrame, flag: str) -> pl.Series:
    """Months in a row, ending with each row's month, that the flag has held (df sorted)."""
    month_no = pl.col("month").dt.year() * 12 + pl.col("month").dt.month()
    follows = (month_no - month_no.shift(1).over(KEYS) == 1) & pl.col(flag).shift(1).over(KEYS)
    start = pl.col(flag) & ~follows.fill_null(False)
    run = start.cast(pl.Int32).cum_sum().over(KEYS)
    streak = pl.when(pl.col(flag)).then(pl.int_range(pl.len()).over([*KEYS, run]) + 1)
    return df.select(streak.otherwise(0).cast(pl.Int32).alias(flag))[flag]
