"""The rankings as terminal text and as JSON (for `civic rank`)."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import polars as pl

from core import months
from index.compute import Ranking

MAIN_GROUPS = ("subcentre", "team", "institute")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def tables(ranking: Ranking, month: date, groups: tuple[str, ...] = MAIN_GROUPS) -> str:
    """The rankings of `groups` (the county's three main ones) in a month, as aligned text."""
    meth = ranking.methodology
    lines = [f"{months.label(month)} 考评指数（方法 {meth.id}）"]
    for key in groups:
        if key not in meth.groups:
            continue
        rows = ranking.scores.filter((pl.col("month") == month) & (pl.col("group_key") == key))
        lines.append("")
        lines.append(f"【{meth.groups[key].label}】")
        lines.append(
            f"  {_pad('名次', 6)}{_pad('变化', 8)}{_pad('单位', 30)}{_pad('得分', 8)}"
            f"{_pad('档次', 6)}{_pad('5–95%名次区间', 16)}差距在误差内的名次"
        )
        for r in rows.sort("rank", "unit_code").iter_rows(named=True):
            score = "未报送" if r["score"] is None else f"{r['score']:.1f}"
            interval = f"{r['rank_p05']}–{r['rank_p95']}" if r.get("rank_p05") is not None else "—"
            mark = " 红榜" if r["on_red_list"] else (" 黑榜" if r["on_black_list"] else "")
            tied = ""
            if r.get("place_first") is not None and r["place_first"] != r["place_last"]:
                tied = f"第{r['place_first']}–{r['place_last']}名"
            lines.append(
                f"  {_pad(str(r['rank']), 6)}{_pad(r['change_label'], 8)}"
                f"{_pad(r['unit_name'], 30)}{_pad(score, 8)}{_pad(r['tier'], 6)}"
                f"{_pad(interval, 16)}{_pad(tied, 14)}{mark}"
            )
        notes = rows.filter(pl.col("list_note").is_not_null())["list_note"].unique().to_list()
        lines.extend(f"  （{n}）" for n in notes)
    return "\n".join(lines)


def as_json(ranking: Ranking) -> str:
    """{"month", "methodology", "groups": {group: [...]}}; a list of such for several months."""
    out = []
    for month in ranking.months:
        groups = {}
        for key in MAIN_GROUPS:
            rows = ranking.scores.filter(
                (pl.col("month") == month) & (pl.col("group_key") == key)
            ).sort("rank", "unit_code")
            groups[key] = [
                {
                    "code": r["unit_code"],
                    "name": r["unit_name"],
                    "score": r["score"],
                    "rank": r["rank"],
                    "change": r["change_label"],
                    "tier": r["tier"],
                    "rank_interval": [r["rank_p05"], r["rank_p95"]]
                    if r.get("rank_p05") is not None
                    else None,
                    "tied_places": [r["place_first"], r["place_last"]]
                    if r.get("place_first") is not None
                    else None,
                    "red_list": r["on_red_list"],
                    "black_list": r["on_black_list"],
                }
                for r in rows.iter_rows(named=True)
            ]
        out.append(
            {"month": f"{month:%Y-%m}", "methodology": ranking.methodology.id, "groups": groups}
        )
    return json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False, indent=2)


def comparison_frame(a: Ranking, b: Ranking) -> pl.DataFrame:
    """Each unit's score and rank under two methodologies, month by month.

    rank_shift = rank_a − rank_b (3 = three places higher under B), labelled
    with the ↑/↓ convention of the rankings.
    """
    cols = ["month", "group_key", "partition_code", "unit_code"]
    left = a.scores.select(
        *cols, "unit_name", pl.col("score").alias("score_a"), pl.col("rank").alias("rank_a")
    )
    right = b.scores.select(
        *cols,
        pl.col("unit_name").alias("_name_b"),
        pl.col("score").alias("score_b"),
        pl.col("rank").alias("rank_b"),
    )
    shift = pl.col("rank_a") - pl.col("rank_b")
    return (
        left.join(right, on=cols, how="full", coalesce=True)
        .with_columns(pl.col("unit_name").fill_null(pl.col("_name_b")))
        .drop("_name_b")
        .with_columns(rank_shift=shift.cast(pl.Int32))
        .with_columns(
            shift_label=pl.when(pl.col("rank_shift").is_null())
            .then(pl.lit("—"))
            .when(pl.col("rank_shift") > 0)
            .then(pl.format("↑{}", pl.col("rank_shift")))
            .when(pl.col("rank_shift") < 0)
            .then(pl.format("↓{}", -pl.col("rank_shift")))
            .otherwise(pl.lit("—"))
        )
        .sort("month", "group_key", "partition_code", "rank_a", "unit_code")
    )


def comparison_summary(frame: pl.DataFrame) -> pl.DataFrame:
    """Per month and group: Spearman's ρ of the two rankings and the mean absolute rank shift.

    Units ranked under both only; a group ranked in partitions (stations)
    averages ρ over its partitions, weighted by their size.
    """
    both = frame.filter(pl.col("rank_a").is_not_null() & pl.col("rank_b").is_not_null())
    per_list = both.group_by("month", "group_key", "partition_code").agg(
        units=pl.len(),
        rho=pl.corr(
            pl.col("rank_a").rank("average"), pl.col("rank_b").rank("average"), method="pearson"
        ),
        abs_shift=(pl.col("rank_a") - pl.col("rank_b")).abs().sum(),
        moved=((pl.col("rank_a") - pl.col("rank_b")) != 0).sum(),
    )
    rho = pl.when(pl.col("units") >= 3).then(pl.col("rho").fill_nan(1.0))
    return (
        per_list.with_columns(_rho=rho)
        .group_by("month", "group_key")
        .agg(
            units=pl.col("units").sum(),
            spearman=(pl.col("_rho") * pl.col("units")).sum()
            / pl.col("units").filter(pl.col("_rho").is_not_null()).sum(),
            mean_abs_shift=pl.col("abs_shift").sum() / pl.col("units").sum(),
            units_moved=pl.col("moved").sum(),
        )
        .sort("month", "group_key")
    )


def comparison(a: Ranking, b: Ranking, as_json_out: bool = False) -> str:
    """Both methodologies' scores and ranks, month by month, with ρ and the mean shift."""
    whole = comparison_frame(a, b)
    summary = comparison_summary(whole)
    frame = whole.filter(pl.col("group_key").is_in(MAIN_GROUPS))
    ia, ib = a.methodology.id, b.methodology.id
    if as_json_out:
        months_out = []
        for month in sorted(frame["month"].unique().to_list()):
            in_month = pl.col("month") == month
            months_out.append(
                {
                    "month": f"{month:%Y-%m}",
                    "groups": {
                        r["group_key"]: {
                            "spearman": _r(r["spearman"], 3),
                            "mean_abs_rank_shift": _r(r["mean_abs_shift"], 2),
                            "units_moved": r["units_moved"],
                            "units": r["units"],
                        }
                        for r in summary.filter(in_month).iter_rows(named=True)
                    },
                    "units": [
                        {
                            "group": r["group_key"],
                            "code": r["unit_code"],
                            "name": r["unit_name"],
                            "score_a": r["score_a"],
                            "rank_a": r["rank_a"],
                            "score_b": r["score_b"],
                            "rank_b": r["rank_b"],
                            "change": r["shift_label"],
                        }
                        for r in frame.filter(in_month).iter_rows(named=True)
                    ],
                }
            )
        return json.dumps(
            {"methodology_a": ia, "methodology_b": ib, "months": months_out},
            ensure_ascii=False,
            indent=2,
        )
    lines = [f"方法比较：A = {ia}，B = {ib}（变化 = B 相对 A 的名次升降）"]
    for month in sorted(frame["month"].unique().to_list()):
        lines.append("")
        lines.append(f"===== {months.label(month)} =====")
        for key in MAIN_GROUPS:
            rows = frame.filter((pl.col("month") == month) & (pl.col("group_key") == key))
            if rows.height == 0:
                continue
            s = summary.filter((pl.col("month") == month) & (pl.col("group_key") == key))
            lines.append("")
            label = a.methodology.groups[key].label if key in a.methodology.groups else key
            if s.height:
                r = s.row(0, named=True)
                rho = "—" if r["spearman"] is None else f"{r['spearman']:.3f}"
                lines.append(
                    f"【{label}】 斯皮尔曼 ρ = {rho}，平均名次变动 {r['mean_abs_shift']:.2f} 位，"
                    f"{r['units_moved']} 个单位名次变化"
                )
            else:
                lines.append(f"【{label}】")
            lines.append(
                f"  {_pad('单位', 30)}{_pad('A 得分', 9)}{_pad('A 名次', 8)}"
                f"{_pad('B 得分', 9)}{_pad('B 名次', 8)}变化"
            )
            for r in rows.iter_rows(named=True):
                lines.append(
                    f"  {_pad(r['unit_name'] or r['unit_code'], 30)}"
                    f"{_pad(_score(r['score_a']), 9)}{_pad(_place(r['rank_a']), 8)}"
                    f"{_pad(_score(r['score_b']), 9)}{_pad(_place(r['rank_b']), 8)}"
                    f"{r['shift_label']}"
                )
    return "\n".join(lines)


def _r(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def _score(x: float | None) -> str:
    return "未报送" if x is None else f"{x:.1f}"


def _place(x: int | None) -> str:
    return "—" if x is None else f"第{x}名"
