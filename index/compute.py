"""Compute the index for some months from the database (reads only; results.py stores)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from core import months as month_math
from core.store import has_table
from index import explain, lists, robust, score, screen
from index.methodology import MART, NORMALISATIONS, Group, Methodology

DEFAULT_DRAWS = 1000
DEFAULT_SEED = 20260101


@dataclass
class Ranking:
    methodology: Methodology
    months: list[date]  # the months asked for (history before them is used, not returned)
    scores: pl.DataFrame  # index_score columns without run_id
    indicators: pl.DataFrame  # index_indicator columns without run_id
    correlations: pl.DataFrame  # index_correlation columns without run_id (with month)
    data_snapshot: str
    draws: int
    seed: int
    flags: pl.DataFrame = field(default_factory=pl.DataFrame)  # index_flag rows: 数据存疑
    sensitivity: pl.DataFrame = field(default_factory=pl.DataFrame)  # index_sensitivity rows
    back_series: Path | None = None  # the report written when the methodology changed


class NotReady(RuntimeError):
    """The database lacks what the index reads; the message tells staff what to do."""


def mart_columns(con) -> set[str]:
    if not has_table(con, MART):
        raise NotReady(f"数据库中没有 {MART}：请先用当前版本导入报送文件（civic ingest）")
    return {r[0] for r in con.sql(f"describe {MART}").fetchall()}


def data_snapshot(con) -> str:
    """Which data a result came from: the last import batch and a fingerprint of every file."""
    batch, files = con.sql(
        "select coalesce(max(batch_id), 0), count(*) from source_file"
    ).fetchall()[0]
    digest = hashlib.sha256()
    for (sha,) in con.sql("select sha256 from source_file order by file_id").fetchall():
        digest.update(sha.encode())
    return f"batch {batch} · {files} files · {digest.hexdigest()[:12]}"


@dataclass
class Inputs:
    """What the index reads from the database for months up to the last one ranked."""

    mart: pl.DataFrame  # mart_unit_month rows, with is_submitted
    adjustments: pl.DataFrame  # unit_code, month, points (signed) in force
    missing_sheets: pl.DataFrame  # unit_code, month, sheet_key: own owed sheets not sent
    reviews: pl.DataFrame  # screen.REVIEW_SCHEMA: the office's decisions on 数据存疑 values


def read_inputs(con, last: date) -> Inputs:
    """The mart rows up to `last`, with is_submitted, and what the office decided."""
    mart = con.sql(
        f"""
        select *, not (own_sheets_owed > 0 and own_sheets_missing = own_sheets_owed)
                  as is_submitted
        from {MART}
        where month <= $last
        """,
        params={"last": last},
    ).pl()
    missing = con.sql(
        """
        select unit_code, month, sheet_key from mart_submission
        where is_expected and status = 'missing' and month <= $last
        """,
        params={"last": last},
    ).pl()
    adjustments = pl.DataFrame(
        schema={"unit_code": pl.String, "month": pl.Date, "points": pl.Float64}
    )
    reviews = pl.DataFrame(schema=screen.REVIEW_SCHEMA)
    if has_table(con, "index_adjustment"):
        adjustments = con.sql(
            """
            select unit_code, month, points from index_adjustment
            where voided_at is null and month <= $last
            """,
            params={"last": last},
        ).pl()
    if has_table(con, "index_flag_review"):
        reviews = con.sql(
            """
            select unit_code, month, indicator_key, decision from index_flag_review
            where flag_kind = 'outlier' and voided_at is null and month <= $last
            """,
            params={"last": last},
        ).pl()
    return Inputs(mart, adjustments, missing.cast({"month": pl.Date}), reviews)


def compute(
    con,
    meth: Methodology,
    months: list[date],
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Ranking:
    """Scores, ranks, explanations and robustness of `months` (history from earlier months)."""
    inputs = read_inputs(con, max(months))
    return compute_frames(
        inputs.mart,
        inputs.adjustments,
        meth,
        months,
        draws,
        seed,
        data_snapshot(con),
        inputs.missing_sheets,
        inputs.reviews,
    )


def compute_frames(
    mart: pl.DataFrame,
    adjustments: pl.DataFrame,
    meth: Methodology,
    months: list[date],
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    snapshot: str = "",
    missing_sheets: pl.DataFrame | None = None,
    reviews: pl.DataFrame | None = None,
) -> Ranking:
    """compute() on frames: the pure core, used by tests and benchmarks directly.

    Every figure of a month M reads rows of months up to M only, so ranking M
    alone and ranking it with later months present give the same result.
    """
    months = sorted(set(months))
    mart = mart.filter(pl.col("month") <= months[-1])
    if missing_sheets is None:
        missing_sheets = pl.DataFrame(schema=score.MISSING_SHEETS_SCHEMA)
    if reviews is None:
        reviews = pl.DataFrame(schema=screen.REVIEW_SCHEMA)
    adjustments = adjustments.with_columns(pl.col("points").cast(pl.Float64))
    names = mart.select("unit_code", pl.col("name").alias("unit_name")).unique("unit_code")
    submitted = mart.select("unit_code", "month", "is_submitted")
    scores, details, corrs, flags, sens = [], [], [], [], []
    for group in meth.groups.values():
        values = score.indicator_values(mart, group, meth, missing_sheets)
        if values.height == 0:
            continue
        screened = screen.screen(values, group, meth.screening, reviews)
        treated = score.treat(
            score.normalise(screened, group, meth.normalisation, meth.winsor), meth
        )
        contrib = score.contributions(treated, group)
        ranked = score.rank(score.aggregate(contrib, adjustments, meth), submitted, meth)
        ranked = score.with_history(ranked, group)
        ranked = ranked.join(explain.strengths_weaknesses(contrib), on=score.UNIT_MONTH, how="left")
        in_months = pl.col("month").is_in(months)
        ranked_m = ranked.filter(in_months)
        robustness, sensitivity = _robustness(ranked_m, screened, treated, group, meth, draws, seed)
        ranked_m = ranked_m.join(robustness, on=score.UNIT_MONTH, how="left")
        ranked_m = lists.with_lists(ranked_m, group, meth.uncertainty.robust_share)
        scores.append(ranked_m.join(names, on="unit_code", how="left"))
        sens.append(sensitivity)
        labels = pl.DataFrame(
            {
                "indicator_key": [i.key for i in group.indicators],
                "indicator_name": [i.name for i in group.indicators],
                "dimension": [i.dimension for i in group.indicators],
                "unit": [i.unit for i in group.indicators],
            }
        )
        changed = explain.with_change(contrib)
        with_prev = in_months | pl.col("month").is_in([month_math.shift(m, -1) for m in months])
        shown = explain.shown_changes(changed.filter(with_prev), ranked.filter(with_prev)).filter(
            in_months
        )
        details.append(
            changed.filter(in_months)
            .join(labels, on="indicator_key")
            .join(shown, on=[*score.UNIT_MONTH, "indicator_key"], how="left")
        )
        adjustment_part = shown.filter(pl.col("indicator_key") == explain.ADJUSTMENT_KEY)
        scores[-1] = scores[-1].join(
            adjustment_part.select(
                *score.UNIT_MONTH, pl.col("change_shown").alias("adjustment_change_shown")
            ),
            on=score.UNIT_MONTH,
            how="left",
        )
        flags.append(
            screened.filter(in_months & pl.col("is_outlier"))
            .join(labels.select("indicator_key", "indicator_name", "unit"), on="indicator_key")
            .select(
                *score.UNIT_MONTH,
                "indicator_key",
                "indicator_name",
                "unit",
                "numerator",
                "denominator",
                "raw_value",
                "cap_value",
                "peer_median",
                "history_median",
                "value_used",
                "review",
            )
        )
        for month in months:
            corrs.append(
                robust.correlations(values.filter(pl.col("month") <= month)).with_columns(
                    group_key=pl.lit(group.key), month=pl.lit(month)
                )
            )
    return Ranking(
        meth,
        months,
        pl.concat(scores, how="diagonal_relaxed").sort(
            "month", "group_key", "partition_code", "rank", "unit_code"
        ),
        pl.concat(details, how="diagonal_relaxed").sort(
            "month", "group_key", "unit_code", "indicator_key"
        ),
        pl.concat(corrs, how="diagonal_relaxed"),
        snapshot,
        draws,
        seed,
        pl.concat(flags, how="diagonal_relaxed").sort(
            "month", "group_key", "unit_code", "indicator_key"
        ),
        pl.concat(sens, how="diagonal_relaxed"),
    )


SENSITIVITY_WEIGHT_DRAWS = 100


def _robustness(
    ranked: pl.DataFrame,
    screened: pl.DataFrame,
    treated: pl.DataFrame,
    group: Group,
    meth: Methodology,
    draws: int,
    seed: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per scored unit and month: median rank, 5–95% interval, share ahead of the next unit.

    And per month, the sensitivity table: the rank shift each assumption causes.
    """
    keys = [i.key for i in group.indicators]
    weights = np.array([group.weights()[k] for k in keys])
    direction = np.array([float(i.direction) for i in group.indicators])
    u = meth.uncertainty
    out, sens = [], []
    for (month,), units in ranked.filter(pl.col("score").is_not_null()).group_by(
        ["month"], maintain_order=True
    ):
        units = units.sort("partition_code", "rank", "unit_code")
        order = units.select("unit_code")
        frames = {}
        for m in NORMALISATIONS:
            if m == meth.normalisation:
                frames[m] = treated.filter(pl.col("month") == month)
            else:
                frames[m] = score.treat(
                    score.normalise(screened, group, m, meth.winsor, [month]), meth
                )

        def matrix(frame: pl.DataFrame, column: str, order: pl.DataFrame = order) -> np.ndarray:
            wide = frame.pivot(on="indicator_key", index="unit_code", values=column)
            for k in keys:
                if k not in wide.columns:
                    wide = wide.with_columns(pl.lit(None, pl.Float64).alias(k))
            aligned = order.join(wide, on="unit_code", how="left", maintain_order="left")
            return aligned.select(keys).cast(pl.Float64).to_numpy()

        base = np.stack(
            [
                np.stack([matrix(frames[m], "normalised"), matrix(frames[m], "normalised_alt")])
                for m in NORMALISATIONS
            ]
        )
        codes = units["partition_code"].to_list()
        lookup = {c: i for i, c in enumerate(dict.fromkeys(codes))}
        partition = np.array([lookup[c] for c in codes], dtype=np.int64)
        inputs = robust.Inputs(
            base,
            matrix(frames["goalposts"], "goalpost_raw"),
            direction,
            weights,
            units["adjustment"].to_numpy().astype(float),
            partition,
        )
        design = robust.random_design(u, len(keys), draws, seed + month.toordinal())
        rank_draws = robust.ranks(robust.scores(inputs, design, meth.rounding), partition)
        stats = robust.summary(rank_draws)
        out.append(
            pl.DataFrame(
                {
                    "group_key": group.key,
                    "partition_code": units["partition_code"],
                    "unit_code": units["unit_code"],
                    "month": [month] * units.height,
                    "rank_median": stats["rank_median"].astype(float),
                    "rank_p05": stats["rank_p05"].astype(np.int32),
                    "rank_p95": stats["rank_p95"].astype(np.int32),
                    "ahead_share": robust.ahead_shares(rank_draws, partition),
                }
            ).with_columns(
                pl.col("ahead_share").fill_nan(None),
                is_order_robust=pl.col("ahead_share").fill_nan(None) >= u.robust_share,
            )
        )
        sdesign, labels = robust.sensitivity_design(
            u,
            [i.name for i in group.indicators],
            SENSITIVITY_WEIGHT_DRAWS,
            seed + month.toordinal() + 1,
        )
        srank = robust.ranks(robust.scores(inputs, sdesign, meth.rounding), partition)
        sens.append(
            robust.sensitivity(srank, units["rank"].to_numpy(), partition, labels).with_columns(
                group_key=pl.lit(group.key), month=pl.lit(month)
            )
        )
    # no scored unit in any month asked for (every unit 未报送): the columns, no rows
    empty = pl.DataFrame(
        schema={
            **{k: pl.String for k in ("group_key", "partition_code", "unit_code")},
            "month": pl.Date,
            "rank_median": pl.Float64,
            "rank_p05": pl.Int32,
            "rank_p95": pl.Int32,
            "ahead_share": pl.Float64,
            "is_order_robust": pl.Boolean,
        }
    )
    return (
        pl.concat(out) if out else empty,
        pl.concat(sens) if sens else pl.DataFrame(),
    )
