"""Screen unit-month values for outliers before they are aggregated (pure).

After the OECD/JRC Handbook's "treatment" step: a value is an outlier when it
is favourable to the unit and far above both its peers that month and its
own history before that month (robust z-scores: median and MAD for peers,
median and IQR for the history; thresholds in the methodology's
[screening]). An outlier is capped for the index at the higher fence and
flagged 数据存疑 until the office reviews it: "accept" uses the value as
sent, "cap" confirms the cap. Nothing is dropped: the flag keeps the raw
value, the cap and the evidence. Only data up to the month screened is read,
so a month's screen never changes when later months arrive.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from index.methodology import Group, Screening
from index.score import OK

MAD_TO_SD = 1.4826  # MAD × this estimates the standard deviation of normal data
IQR_TO_SD = 1 / 1.349
MIN_PEERS = 4  # fewer submitted peers than this: no peer fence, no flag

REVIEW_SCHEMA = {
    "unit_code": pl.String,
    "month": pl.Date,
    "indicator_key": pl.String,
    "decision": pl.String,  # accept | cap
}


def screen(
    values: pl.DataFrame, group: Group, sc: Screening | None, reviews: pl.DataFrame
) -> pl.DataFrame:
    """Add value_used (capped unless accepted), is_outlier, the fences and the review.

    values: indicator_values rows of one group over every month up to the
    last one ranked. reviews: REVIEW_SCHEMA rows the office decided.
    """
    if sc is None:
        return values.with_columns(
            value_used=pl.col("raw_value"),
            is_outlier=pl.lit(False),
            cap_value=pl.lit(None, pl.Float64),
            peer_median=pl.lit(None, pl.Float64),
            history_median=pl.lit(None, pl.Float64),
            review=pl.lit(None, pl.String),
        )
    spec = pl.DataFrame(
        {
            "indicator_key": [i.key for i in group.indicators],
            "_dir": [float(i.direction) for i in group.indicators],
            "_floor": [sc.min_scale * (i.goalposts[1] - i.goalposts[0]) for i in group.indicators],
        }
    )
    counted = pl.col("is_submitted") & (pl.col("status") == OK)
    v = values.join(spec, on="indicator_key", how="left").with_columns(
        _x=pl.when(counted).then(pl.col("raw_value") * pl.col("_dir"))
    )
    peers = ["group_key", "month", "indicator_key"]
    v = v.with_columns(
        _pmed=pl.col("_x").median().over(peers),
        _pn=pl.col("_x").count().over(peers),
    ).with_columns(_pmad=(pl.col("_x") - pl.col("_pmed")).abs().median().over(peers))
    v = _with_history(v, sc.history_months)
    k = sc.threshold
    peer_fence = pl.col("_pmed") + k * pl.max_horizontal(
        MAD_TO_SD * pl.col("_pmad"), pl.col("_floor")
    )
    has_history = pl.col("_hn") >= sc.min_history
    history_fence = pl.when(has_history).then(
        pl.col("_hmed")
        + k * pl.max_horizontal(IQR_TO_SD * (pl.col("_hq3") - pl.col("_hq1")), pl.col("_floor"))
    )
    v = v.with_columns(_pf=peer_fence, _hf=history_fence)
    outlier = (
        counted
        & (pl.col("_pn") >= MIN_PEERS)
        & (pl.col("_x") > pl.col("_pf"))
        & (~has_history | (pl.col("_x") > pl.col("_hf")))
    )
    cap = pl.max_horizontal(pl.col("_pf"), pl.col("_hf").fill_null(pl.col("_pf")))
    review = reviews.select(
        "unit_code", "month", "indicator_key", pl.col("decision").alias("review")
    )
    v = v.with_columns(is_outlier=outlier.fill_null(False)).join(
        review, on=["unit_code", "month", "indicator_key"], how="left"
    )
    keep_raw = ~pl.col("is_outlier") | (pl.col("review") == "accept").fill_null(False)
    return v.with_columns(
        cap_value=pl.when(pl.col("is_outlier")).then(cap * pl.col("_dir")),
        peer_median=pl.when(pl.col("is_outlier")).then(pl.col("_pmed") * pl.col("_dir")),
        history_median=pl.when(pl.col("is_outlier")).then(pl.col("_hmed") * pl.col("_dir")),
        value_used=pl.when(keep_raw).then(pl.col("raw_value")).otherwise(cap * pl.col("_dir")),
        review=pl.when(pl.col("is_outlier")).then(pl.col("review")),
    ).drop(
        "_dir",
        "_floor",
        "_x",
        "_pmed",
        "_pn",
        "_pmad",
        "_pf",
        "_hf",
        "_hn",
        "_hmed",
        "_hq1",
        "_hq3",
    )


def _quartiles(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """First quartile, median, third quartile and count of the non-NaN values of each window.

    Linear interpolation between order statistics (numpy's default); NaN
    where a window is empty. Sorting once puts the NaNs last, so this is
    vectorised where np.nanpercentile loops.
    """
    ordered = np.sort(windows, axis=-1)
    count = np.sum(~np.isnan(windows), axis=-1)
    out = []
    for q in (0.25, 0.5, 0.75):
        pos = q * np.maximum(count - 1, 0)
        lo = np.floor(pos).astype(np.int64)
        hi = np.ceil(pos).astype(np.int64)
        a = np.take_along_axis(ordered, lo[..., None], axis=-1)[..., 0]
        b = np.take_along_axis(ordered, hi[..., None], axis=-1)[..., 0]
        out.append(np.where(count > 0, a + (pos - lo) * (b - a), np.nan))
    return out[0], out[1], out[2], count


def _with_history(v: pl.DataFrame, months_back: int) -> pl.DataFrame:
    """Median, quartiles and count of each unit's own `_x` over the months before each month."""
    months = sorted(v["month"].unique().to_list())
    position = {m: p for p, m in enumerate(months)}
    wide = v.select("unit_code", "indicator_key", "month", "_x").with_columns(
        _pos=pl.col("month").replace_strict(position, return_dtype=pl.Int32)
    )
    keys = wide.select("unit_code", "indicator_key").unique(maintain_order=True)
    keys = keys.with_row_index("_row")
    wide = wide.join(keys, on=["unit_code", "indicator_key"])
    grid = np.full((keys.height, len(months)), np.nan)
    x = wide["_x"].to_numpy().astype(float)
    grid[wide["_row"].to_numpy(), wide["_pos"].to_numpy()] = x
    # pad months_back empty months in front: window t holds months t-months_back .. t-1
    padded = np.concatenate([np.full((keys.height, months_back), np.nan), grid], axis=1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, months_back, axis=1)[:, :-1, :]
    q1, med, q3, count = _quartiles(windows)
    rows, cols = wide["_row"].to_numpy(), wide["_pos"].to_numpy()
    wide = wide.with_columns(
        _hmed=pl.Series(med[rows, cols]).fill_nan(None),
        _hq1=pl.Series(q1[rows, cols]).fill_nan(None),
        _hq3=pl.Series(q3[rows, cols]).fill_nan(None),
        _hn=pl.Series(count[rows, cols], dtype=pl.Int32),
    )
    return v.join(
        wide.select("unit_code", "indicator_key", "month", "_hmed", "_hq1", "_hq3", "_hn"),
        on=["unit_code", "indicator_key", "month"],
        how="left",
    )
