"""Rank months and keep the results: the database side of `civic rank` and `civic adjust`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core import store as db_store
from index import adjustments, backseries, methodology, results, review
from index.compute import DEFAULT_DRAWS, DEFAULT_SEED, Ranking, compute, mart_columns


def months_present(con) -> list[date]:
    return [
        r[0] for r in con.sql("select distinct month from mart_unit_month order by 1").fetchall()
    ]


def load_methodology(con, path: Path | None) -> methodology.Methodology:
    return methodology.load(path, mart_columns(con))


def rank_and_store(
    store: Path | None,
    months: list[date] | None,
    method_path: Path | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    actor: str = "system",
) -> Ranking:
    """Compute `months` (None: every month present) and publish them as a new database version."""
    with db_store.new_version(store) as con:
        meth = load_methodology(con, method_path)
        previous = backseries.previous_methodology(con, meth)
        ranking = compute(con, meth, months or months_present(con), draws, seed)
        if previous is not None:
            every = months_present(con)
            whole = ranking if ranking.months == every else compute(con, meth, every, draws, seed)
            ranking.back_series = backseries.write(con, previous, whole, every, draws, seed)
        results.store(con, ranking, actor)
    return ranking


def rank_only(
    store: Path | None,
    months: list[date] | None,
    method_path: Path | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Ranking:
    """Compute without storing anything (trying another methodology)."""
    with db_store.reading(store) as con:
        meth = load_methodology(con, method_path)
        return compute(con, meth, months or months_present(con), draws, seed)


def adjust(
    store: Path | None,
    month: date,
    unit_code: str,
    item: str,
    points: float,
    reason: str,
    author: str,
) -> tuple[int, Ranking]:
    """Record an adjustment and rank its month again, in one new database version."""
    with db_store.new_version(store) as con:
        meth = load_methodology(con, None)
        new_id = adjustments.add(con, meth, month, unit_code, item, points, reason, author)
        ranking = compute(con, meth, [month])
        results.store(con, ranking, author)
    return new_id, ranking


def void_adjustment(store: Path | None, adjustment_id: int, reason: str, author: str) -> Ranking:
    """Void an adjustment (it stays on record) and rank its month again."""
    with db_store.new_version(store) as con:
        meth = load_methodology(con, None)
        month = adjustments.void(con, adjustment_id, reason, author)
        ranking = compute(con, meth, [month])
        results.store(con, ranking, author)
    return ranking


@dataclass(frozen=True)
class Decision:
    """The office's decision on one flag (see index.review.decide)."""

    kind: str
    ref: str
    unit_code: str
    decision: str
    reason: str
    penalty_item: str = ""
    penalty_points: float = 0.0


def decide_flags(
    store: Path | None, month: date, decisions: list[Decision], author: str
) -> Ranking:
    """Record decisions on a month's flags and rank the month again, in one new version."""
    with db_store.new_version(store) as con:
        meth = load_methodology(con, None)
        for d in decisions:
            review.decide(
                con, meth, month, d.kind, d.ref, d.unit_code, d.decision, d.reason, author,
                d.penalty_item, d.penalty_points,
            )  # fmt: skip
        ranking = compute(con, meth, [month])
        results.store(con, ranking, author)
    return ranking
