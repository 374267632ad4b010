"""How far a ranking survives reasonable changes of method (after the OECD/JRC Handbook).

Each draw perturbs every weight by a uniform factor in [1 − spread, 1 + spread]
(then rescales them to sum to 1) and picks one of the three normalisations;
ranks are recomputed for every draw. A unit gets its median rank and its
5–95% rank interval; two neighbours in the published order are flagged when
the upper one stays ahead in fewer than ROBUST_SHARE of the draws.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from index.methodology import NORMALISATIONS

ROBUST_SHARE = 0.75
CORRELATION_FLAG = 0.9


def monte_carlo(
    matrices: dict[str, np.ndarray],
    weights: np.ndarray,
    adjustment: np.ndarray,
    draws: int,
    seed: int,
    spread: float = 0.25,
) -> dict[str, np.ndarray]:
    """Ranks of U units over `draws` draws.

    matrices: normalisation -> U × I normalised values (0–100) of the units
    ranked together; weights: I nominal weights; adjustment: U score points.
    Returns rank_median, rank_p05, rank_p95 (U each) and ranks (draws × U).
    """
    rng = np.random.default_rng(seed)
    n_units = next(iter(matrices.values())).shape[0]
    factors = rng.uniform(1 - spread, 1 + spread, size=(draws, weights.size))
    w = weights * factors
    w /= w.sum(axis=1, keepdims=True)
    methods = rng.integers(0, len(NORMALISATIONS), size=draws)
    scores = np.empty((draws, n_units))
    for m, name in enumerate(NORMALISATIONS):
        pick = methods == m
        if pick.any():
            scores[pick] = w[pick] @ matrices[name].T
    scores = np.clip(scores + adjustment, 0, 100).round(1)
    # competition rank: one plus the units strictly ahead
    ranks = np.empty(scores.shape, dtype=np.int32)
    for d in range(draws):
        ordered = np.sort(scores[d])
        ranks[d] = n_units - np.searchsorted(ordered, scores[d], side="right") + 1
    return {
        "ranks": ranks,
        "rank_median": np.median(ranks, axis=0),
        "rank_p05": np.percentile(ranks, 5, axis=0, method="lower"),
        "rank_p95": np.percentile(ranks, 95, axis=0, method="higher"),
    }


def ahead_shares(ranks: np.ndarray, order: np.ndarray) -> np.ndarray:
    """For units in published order, the share of draws each stays at or above the next.

    order: unit indices best first. The last unit gets NaN (no one below).
    """
    out = np.full(order.size, np.nan)
    for k in range(order.size - 1):
        out[k] = float(np.mean(ranks[:, order[k]] <= ranks[:, order[k + 1]]))
    return out


def correlations(values: pl.DataFrame) -> pl.DataFrame:
    """Pearson r of every pair of a group's indicators over its panel, |r| > 0.9 flagged.

    values: indicator_values rows (unit_code, month, indicator_key, raw_value).
    Highly correlated indicators measure one thing twice and weigh it double.
    """
    wide = values.pivot(on="indicator_key", index=["unit_code", "month"], values="raw_value")
    keys = [c for c in wide.columns if c not in ("unit_code", "month")]
    rows = []
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            pair = wide.select(a, b).drop_nulls()
            r = None
            if pair.height > 2 and pair[a].std() > 0 and pair[b].std() > 0:
                r = float(np.corrcoef(pair[a].to_numpy(), pair[b].to_numpy())[0, 1])
            rows.append({"indicator_a": a, "indicator_b": b, "r": r, "n": pair.height})
    frame = pl.DataFrame(
        rows,
        schema={"indicator_a": pl.String, "indicator_b": pl.String, "r": pl.Float64, "n": pl.Int64},
    )
    return frame.with_columns(is_flagged=(pl.col("r").abs() > CORRELATION_FLAG).fill_null(False))
