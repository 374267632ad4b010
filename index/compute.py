"""Compute the index for some months from the database (reads only; results.py stores)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from index import explain, robust, score
from index.methodology import MART, NORMALISATIONS, Group, Methodology

DEFAULT_DRAWS = 1000
DEFAULT_SEED = 20260101


@dataclass
class Ranking:
    methodology: Methodology
    months: list[date]  # the months asked for (history before them is used, not returned)
    scores: pl.DataFrame  # index_score columns without run_id
    indicators: pl.DataFrame  # index_indicator columns without run_id
    correlations: pl.DataFrame  # index_correlation columns without run_id
    data_snapshot: str
    draws: int
    seed: int


class NotReady(RuntimeError):
    """The database lacks what the index reads; the message tells staff what to do."""


def _has_table(con, name: str) -> bool:
    return bool(
        con.sql(
            "select count(*) from information_schema.tables where table_name = $t",
            params={"t": name},
        ).fetchall()[0][0]
    )


def mart_columns(con) -> set[str]:
    if not _has_table(con, MART):
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


def read_inputs(con, last: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The mart rows up to `last`, with is_submitted, and the adjustments in force."""
    mart = con.sql(
        f"""
        select *, not (own_sheets_owed > 0 and own_sheets_missing = own_sheets_owed)
                  as is_submitted
        from {MART}
        where month <= $last
        """,
        params={"last": last},
    ).pl()
    if _has_table(con, "index_adjustment"):
        adjustments = con.sql(
            """
            select unit_code, month, points from index_adjustment
            where voided_at is null and month <= $last
            """,
            params={"last": last},
        ).pl()
    else:  # never ranked yet
        adjustments = pl.DataFrame(
            schema={"unit_code": pl.String, "month": pl.Date, "points": pl.Float64}
        )
    return mart, adjustments


def compute(
    con,
    meth: Methodology,
    months: list[date],
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Ranking:
    """Scores, ranks, explanations and robustness of `months` (history from earlier months)."""
    mart, adjustments = read_inputs(con, max(months))
    return compute_frames(mart, adjustments, meth, months, draws, seed, data_snapshot(con))


def compute_frames(
    mart: pl.DataFrame,
    adjustments: pl.DataFrame,
    meth: Methodology,
    months: list[date],
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    snapshot: str = "",
) -> Ranking:
    """compute() on frames: the pure core, used by tests and benchmarks directly."""
    adjustments = adjustments.with_columns(pl.col("points").cast(pl.Float64))
    names = mart.select("unit_code", pl.col("name").alias("unit_name")).unique("unit_code")
    submitted = mart.select("unit_code", "month", "is_submitted")
    scores, details, corrs = [], [], []
    for group in meth.groups.values():
        values = score.indicator_values(mart, group)
        if values.height == 0:
            continue
        norms = {
            m: score.impute(score.normalise(values, group, m, meth.winsor), meth.missing_value)
            for m in NORMALISATIONS
        }
        contrib = score.contributions(norms[meth.normalisation], group)
        ranked = score.rank(score.aggregate(contrib, adjustments, meth), submitted, meth)
        ranked = score.with_history(ranked, group)
        ranked = ranked.join(explain.strengths_weaknesses(contrib), on=score.UNIT_MONTH, how="left")
        in_months = pl.col("month").is_in(months)
        ranked = ranked.filter(in_months)
        ranked = ranked.join(
            _robustness(ranked, norms, group, draws, seed), on=score.UNIT_MONTH, how="left"
        )
        scores.append(ranked.join(names, on="unit_code", how="left"))
        labels = pl.DataFrame(
            {
                "indicator_key": [i.key for i in group.indicators],
                "indicator_name": [i.name for i in group.indicators],
                "dimension": [i.dimension for i in group.indicators],
                "unit": [i.unit for i in group.indicators],
            }
        )
        details.append(
            explain.with_change(contrib).filter(in_months).join(labels, on="indicator_key")
        )
        corrs.append(robust.correlations(values).with_columns(group_key=pl.lit(group.key)))
    return Ranking(
        meth,
        sorted(months),
        pl.concat(scores, how="diagonal_relaxed").sort(
            "month", "group_key", "partition_code", "rank"
        ),
        pl.concat(details, how="diagonal_relaxed"),
        pl.concat(corrs, how="diagonal_relaxed"),
        snapshot,
        draws,
        seed,
    )


def _robustness(
    ranked: pl.DataFrame, norms: dict[str, pl.DataFrame], group: Group, draws: int, seed: int
) -> pl.DataFrame:
    """Median rank, 5–95% interval and neighbour robustness per scored unit and month."""
    keys = [i.key for i in group.indicators]
    weights = np.array([group.weights()[k] for k in keys])
    # only the months ranked here, split once by the lists units are ranked in
    wanted = pl.col("month").is_in(ranked["month"].unique().implode())
    lists = {
        m: n.filter(wanted)
        .pivot(on="indicator_key", index=score.UNIT_MONTH, values="normalised")
        .partition_by(["partition_code", "month"], as_dict=True)
        for m, n in norms.items()
    }
    out = []
    scored = ranked.filter(pl.col("score").is_not_null())
    for (part, month), units in scored.group_by(["partition_code", "month"], maintain_order=True):
        units = units.sort("rank", "unit_code")
        order = units.select("unit_code")
        matrices = {
            m: order.join(w[(part, month)], on="unit_code", how="left", maintain_order="left")
            .select(keys)
            .to_numpy()
            for m, w in lists.items()
        }
        mc = robust.monte_carlo(
            matrices, weights, units["adjustment"].to_numpy(), draws, seed + month.toordinal()
        )
        shares = robust.ahead_shares(mc["ranks"], np.arange(units.height))
        out.append(
            pl.DataFrame(
                {
                    "group_key": group.key,
                    "partition_code": part,
                    "unit_code": units["unit_code"],
                    "month": [month] * units.height,
                    "rank_median": mc["rank_median"].astype(float),
                    "rank_p05": mc["rank_p05"].astype(np.int32),
                    "rank_p95": mc["rank_p95"].astype(np.int32),
                    "ahead_share": shares,
                }
            ).with_columns(
                pl.col("ahead_share").fill_nan(None),
                is_order_robust=(pl.col("ahead_share").fill_nan(None) >= robust.ROBUST_SHARE),
            )
        )
    if not out:
        return pl.DataFrame(
            schema={
                **{k: pl.String for k in ("group_key", "partition_code", "unit_code")},
                "month": pl.Date,
            }
        )
    return pl.concat(out)
