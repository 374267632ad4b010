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


def tables(ranking: Ranking, month: date) -> str:
    """The three main rankings of a month, as aligned text."""
    meth = ranking.methodology
    lines = [f"{months.label(month)} 考评指数（方法 {meth.id}）"]
    for key in MAIN_GROUPS:
        if key not in meth.groups:
            continue
        rows = ranking.scores.filter((pl.col("month") == month) & (pl.col("group_key") == key))
        lines.append("")
        lines.append(f"【{meth.groups[key].label}】")
        lines.append(
            f"  {_pad('名次', 6)}{_pad('变化', 6)}{_pad('单位', 30)}{_pad('得分', 8)}"
            f"{_pad('档次', 6)}稳健区间"
        )
        for r in rows.sort("rank", "unit_code").iter_rows(named=True):
            score = "未报送" if r["score"] is None else f"{r['score']:.1f}"
            interval = f"{r['rank_p05']}–{r['rank_p95']}" if r.get("rank_p05") is not None else "—"
            mark = " 红榜" if r["on_red_list"] else (" 黑榜" if r["on_black_list"] else "")
            lines.append(
                f"  {_pad(str(r['rank']), 6)}{_pad(r['change_label'], 6)}"
                f"{_pad(r['unit_name'], 30)}{_pad(score, 8)}{_pad(r['tier'], 6)}{interval}{mark}"
            )
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
                }
                for r in rows.iter_rows(named=True)
            ]
        out.append(
            {"month": f"{month:%Y-%m}", "methodology": ranking.methodology.id, "groups": groups}
        )
    return json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False, indent=2)


def comparison_frame(a: Ranking, b: Ranking) -> pl.DataFrame:
    """Each unit's rank under two methodologies and the difference (b − a)."""
    cols = ["month", "group_key", "partition_code", "unit_code", "unit_name"]
    left = a.scores.select(*cols, pl.col("score").alias("score_a"), pl.col("rank").alias("rank_a"))
    right = b.scores.select(
        *cols[:4], pl.col("score").alias("score_b"), pl.col("rank").alias("rank_b")
    )
    return left.join(right, on=cols[:4], how="full", coalesce=True).with_columns(
        rank_difference=pl.col("rank_b") - pl.col("rank_a")
    )


def comparison(a: Ranking, b: Ranking, as_json_out: bool = False) -> str:
    frame = comparison_frame(a, b).filter(pl.col("group_key").is_in(MAIN_GROUPS))
    ia, ib = a.methodology.id, b.methodology.id
    if as_json_out:
        return json.dumps(
            {
                "methodology_a": ia,
                "methodology_b": ib,
                "units": frame.drop("month").to_dicts(),
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        )
    lines = [f"方法比较：A = {ia}，B = {ib}（名次差 = B − A）"]
    for key in MAIN_GROUPS:
        rows = frame.filter(pl.col("group_key") == key).sort("rank_a", "unit_code")
        if rows.height == 0:
            continue
        lines.append("")
        lines.append(f"【{a.methodology.groups[key].label}】")
        for r in rows.iter_rows(named=True):
            diff = r["rank_difference"]
            shown = "—" if diff in (0, None) else f"{diff:+d}"
            lines.append(
                f"  {_pad(r['unit_name'] or r['unit_code'], 30)} A 第 {r['rank_a']} 名  "
                f"B 第 {r['rank_b']} 名  {shown}"
            )
    return "\n".join(lines)
