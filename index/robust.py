"""How far a ranking survives reasonable changes of method (after the OECD/JRC Handbook).

Uncertainty: each draw changes every assumption at once. Every weight is
multiplied by a uniform factor in [1 − weight_spread, 1 + weight_spread]
(then the unit's applicable weights are rescaled to sum to 1); one of the
three normalisations is picked (the panel ones over months up to the one
ranked); each goalpost span is stretched by a factor in [1 − goalpost_spread,
1 + goalpost_spread]; the other imputation (缺报 = the group's worst real
value, 不适用 = its median) and the geometric mean are each tried in half the
draws when the methodology allows. Ranks are recomputed in every draw; a
unit gets its median rank, its 5–95% interval and, for the unit below it,
the share of draws it stays strictly ahead.

Sensitivity: the same scoring run on one changed assumption at a time
(SENSITIVITY variants) says which assumption moves ranks most.

Everything is numpy on one group and month at a time; a group ranked in
partitions (stations within institutes) is scored in one pass and ranked
within each partition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from index.methodology import NORMALISATIONS, Uncertainty

CORRELATION_FLAG = 0.9
GEOMETRIC_FLOOR = 1.0  # values below 1 point count as 1 in the geometric mean
CELLS_PER_CHUNK = 4_000_000  # draws × units × indicators held in memory at once


@dataclass(frozen=True)
class Inputs:
    """One group and month: U units (in published order) and I indicators."""

    base: np.ndarray  # (normalisations, 2 imputations, U, I) 0–100; NaN = does not apply
    goalpost_raw: np.ndarray  # (U, I) uncapped goalposts position of real values, else NaN
    direction: np.ndarray  # (I,) +1 / −1
    weights: np.ndarray  # (I,) nominal, summing to 1
    adjustment: np.ndarray  # (U,) score points
    partition: np.ndarray  # (U,) integer code of the list each unit is ranked in


@dataclass(frozen=True)
class Design:
    """D scorings: which normalisation, imputation and mean, and the factors."""

    method: np.ndarray  # (D,) index into NORMALISATIONS
    imputation: np.ndarray  # (D,) 0 nominal, 1 alternative
    geometric: np.ndarray  # (D,) bool
    weight_factor: np.ndarray  # (D, I); 0 drops the indicator
    goalpost_factor: np.ndarray  # (D, I) multiplies each goalpost span

    @property
    def size(self) -> int:
        return self.method.size


def nominal(n_ind: int, count: int = 1) -> Design:
    return Design(
        np.zeros(count, dtype=np.int64),
        np.zeros(count, dtype=np.int64),
        np.zeros(count, dtype=bool),
        np.ones((count, n_ind)),
        np.ones((count, n_ind)),
    )


def random_design(u: Uncertainty, n_ind: int, draws: int, seed: int) -> Design:
    """The Monte Carlo draws: every assumption varied at once."""
    rng = np.random.default_rng(seed)
    weight = rng.uniform(1 - u.weight_spread, 1 + u.weight_spread, size=(draws, n_ind))
    method = rng.integers(0, len(NORMALISATIONS), size=draws)
    goal = rng.uniform(1 - u.goalpost_spread, 1 + u.goalpost_spread, size=(draws, n_ind))
    imputation = rng.integers(0, 2, size=draws) if u.vary_imputation else np.zeros(draws, int)
    geometric = rng.integers(0, 2, size=draws).astype(bool)
    if not u.vary_aggregation:
        geometric[:] = False
    return Design(method, imputation, geometric, weight, goal)


def scores(inp: Inputs, design: Design, rounding: str) -> np.ndarray:
    """(D, U) scores, 0–100, rounded as the methodology says."""
    n_units, n_ind = inp.goalpost_raw.shape
    out = np.empty((design.size, n_units))
    chunk = max(1, CELLS_PER_CHUNK // max(1, n_units * n_ind))
    gp = inp.goalpost_raw
    for start in range(0, design.size, chunk):
        sl = slice(start, start + chunk)
        method, imputation = design.method[sl], design.imputation[sl]
        x = inp.base[method, imputation]  # (d, U, I)
        stretch = design.goalpost_factor[sl]
        if np.any(stretch != 1):
            moved = np.clip(gp[None] / stretch[:, None, :], 0, 100)
            moved = np.where(inp.direction[None, None, :] < 0, 100 - moved, moved)
            use = (method == 0)[:, None, None] & ~np.isnan(gp)[None]
            x = np.where(use, moved, x)
        w = inp.weights[None, :] * design.weight_factor[sl]  # (d, I)
        applies = ~np.isnan(x)
        wsum = np.einsum("di,dui->du", w, applies)
        arith = np.einsum("di,dui->du", w, np.where(applies, x, 0.0))
        logs = np.log(np.maximum(np.where(applies, x, GEOMETRIC_FLOOR), GEOMETRIC_FLOOR))
        geo = np.einsum("di,dui->du", w, logs)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(design.geometric[sl, None], np.exp(geo / wsum), arith / wsum)
        mean = np.where(wsum > 0, mean, 0.0)
        out[sl] = np.clip(mean + inp.adjustment[None, :], 0, 100)
    return _round(out, rounding)


def _round(x: np.ndarray, rounding: str) -> np.ndarray:
    if rounding == "half_even":
        return np.round(x, 1)
    return np.floor(np.round(x * 10, 9) + 0.5) / 10


def ranks(score: np.ndarray, partition: np.ndarray) -> np.ndarray:
    """(D, U) competition ranks within each partition: one plus the units strictly ahead."""
    d, u = score.shape
    tenths = np.rint(score * 10).astype(np.int64)  # 0..1000
    n_part = int(partition.max()) + 1 if u else 1
    base = (np.arange(d, dtype=np.int64)[:, None] * n_part + partition[None, :]) * 1001
    key = base + (1000 - tenths)
    flat = np.sort(key, axis=None)
    position = np.searchsorted(flat, key.ravel(), side="left").reshape(d, u)
    start = np.searchsorted(flat, base.ravel(), side="left").reshape(d, u)
    return (position - start + 1).astype(np.int32)


def summary(rank_draws: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "rank_median": np.median(rank_draws, axis=0),
        "rank_p05": np.percentile(rank_draws, 5, axis=0, method="lower"),
        "rank_p95": np.percentile(rank_draws, 95, axis=0, method="higher"),
    }


def ahead_shares(rank_draws: np.ndarray, partition: np.ndarray) -> np.ndarray:
    """For units in published order, the share of draws each is strictly ahead of the next.

    The last unit of each partition gets NaN (no one below it).
    """
    u = partition.size
    out = np.full(u, np.nan)
    if u < 2:
        return out
    same = partition[:-1] == partition[1:]
    ahead = np.mean(rank_draws[:, :-1] < rank_draws[:, 1:], axis=0)
    out[:-1] = np.where(same, ahead, np.nan)
    return out


# One assumption changed at a time: (assumption, variant key, Chinese label).
def sensitivity_design(
    u: Uncertainty, names: list[str], weight_draws: int, seed: int
) -> tuple[Design, list[tuple[str, str, str]]]:
    n_ind = len(names)
    labels: list[tuple[str, str, str]] = []
    parts: list[Design] = []

    def add(design: Design, assumption: str, key: str, label: str) -> None:
        parts.append(design)
        labels.extend([(assumption, key, label)] * design.size)

    rng = np.random.default_rng(seed)
    w = nominal(n_ind, weight_draws)
    w = Design(
        w.method,
        w.imputation,
        w.geometric,
        rng.uniform(1 - u.weight_spread, 1 + u.weight_spread, size=(weight_draws, n_ind)),
        w.goalpost_factor,
    )
    add(w, "weights", "weights", f"权重在 ±{u.weight_spread:.0%} 内随机变动")
    for m, name in enumerate(NORMALISATIONS[1:], 1):
        d = nominal(n_ind)
        d.method[:] = m
        add(
            d,
            "normalisation",
            name,
            {"panel_minmax": "改用面板极差标准化", "panel_zscore": "改用面板 z 分数标准化"}[name],
        )
    if u.goalpost_spread:
        for sign, word in ((1, "放宽"), (-1, "收窄")):
            d = nominal(n_ind)
            d.goalpost_factor[:] = 1 + sign * u.goalpost_spread
            add(d, "goalposts", f"goalposts_{word}", f"目标值区间{word} {u.goalpost_spread:.0%}")
    if u.vary_imputation:
        d = nominal(n_ind)
        d.imputation[:] = 1
        add(d, "imputation", "alternative", "缺报按组内最差值、不适用按组内中位数计")
    if u.vary_aggregation:
        d = nominal(n_ind)
        d.geometric[:] = True
        add(d, "aggregation", "geometric", "改用几何平均")
    for i, name in enumerate(names):
        d = nominal(n_ind)
        d.weight_factor[:, i] = 0.0
        add(d, "drop_indicator", f"drop:{i}", f"去掉指标「{name}」")
    design = Design(
        np.concatenate([p.method for p in parts]),
        np.concatenate([p.imputation for p in parts]),
        np.concatenate([p.geometric for p in parts]),
        np.concatenate([p.weight_factor for p in parts]),
        np.concatenate([p.goalpost_factor for p in parts]),
    )
    return design, labels


def sensitivity(
    rank_draws: np.ndarray,
    published: np.ndarray,
    partition: np.ndarray,
    labels: list[tuple[str, str, str]],
) -> pl.DataFrame:
    """Per variant: mean and largest rank shift against the published ranks, units moved, ρ."""
    shift = np.abs(rank_draws - published[None, :])
    rho = _spearman(rank_draws, published, partition)
    frame = pl.DataFrame(
        {
            "assumption": [a for a, _, _ in labels],
            "variant": [k for _, k, _ in labels],
            "label": [lb for _, _, lb in labels],
            "mean_abs_shift": shift.mean(axis=1),
            "max_shift": shift.max(axis=1).astype(np.int32),
            "units_moved": (shift > 0).sum(axis=1).astype(np.int32),
            "spearman": rho,
        }
    )
    return (
        frame.group_by("assumption", "variant", "label", maintain_order=True)
        .agg(
            pl.col("mean_abs_shift").mean(),
            pl.col("max_shift").max(),
            pl.col("units_moved").mean().round(0).cast(pl.Int32),
            pl.col("spearman").mean(),
        )
        .with_columns(units=pl.lit(published.size, pl.Int32))
    )


def _spearman(rank_draws: np.ndarray, published: np.ndarray, partition: np.ndarray) -> np.ndarray:
    """(D,) Spearman's ρ of each row against the published ranks, within partitions.

    Computed per partition on average ranks (ties share the mean place), then
    averaged over partitions weighted by their size; partitions of fewer than
    three units are left out (ρ = 1 when none is left).
    """
    d = rank_draws.shape[0]
    total, weight = np.zeros(d), 0
    for p in np.unique(partition):
        pick = partition == p
        n = int(pick.sum())
        if n < 3:
            continue
        a = _average_ranks(rank_draws[:, pick])
        b = _average_ranks(published[pick][None, :])[0]
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean()
        denom = np.sqrt((a * a).sum(axis=1) * (b * b).sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(denom > 0, (a * b).sum(axis=1) / denom, 1.0)
        total += r * n
        weight += n
    return total / weight if weight else np.ones(d)


def _average_ranks(competition: np.ndarray) -> np.ndarray:
    """(D, n) competition ranks (1, 2, 2, 4) to average ranks (1, 2.5, 2.5, 4)."""
    ties = (competition[:, :, None] == competition[:, None, :]).sum(axis=2)
    return competition + (ties - 1) / 2


def correlations(values: pl.DataFrame) -> pl.DataFrame:
    """Pearson r of every pair of a group's indicators over its panel, |r| > 0.9 flagged.

    values: indicator_values rows (unit_code, month, indicator_key, raw_value)
    of the months up to the one ranked. Highly correlated indicators measure
    one thing twice and weigh it double.
    """
    wide = values.pivot(on="indicator_key", index=["unit_code", "month"], values="raw_value")
    keys = [c for c in wide.columns if c not in ("unit_code", "month")]
    x = wide.select(keys).cast(pl.Float64).to_numpy()
    present = ~np.isnan(x)
    rows = []
    for i, a in enumerate(keys):
        for j in range(i + 1, len(keys)):
            both = present[:, i] & present[:, j]
            xa, xb = x[both, i], x[both, j]
            r = None
            if xa.size > 2 and xa.std() > 0 and xb.std() > 0:
                r = float(np.corrcoef(xa, xb)[0, 1])
            rows.append({"indicator_a": a, "indicator_b": keys[j], "r": r, "n": int(xa.size)})
    frame = pl.DataFrame(
        rows,
        schema={"indicator_a": pl.String, "indicator_b": pl.String, "r": pl.Float64, "n": pl.Int64},
    )
    return frame.with_columns(is_flagged=(pl.col("r").abs() > CORRELATION_FLAG).fill_null(False))
