"""Store a computed ranking in the database, and read the stored one back."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from core.audit import audit
from index.compute import Ranking

SQL = Path(__file__).parent / "sql" / "index_tables.sql"

SCORE_COLUMNS = [
    "run_id", "month", "group_key", "partition_code", "unit_code", "unit_name", "is_submitted",
    "base_score", "adjustment", "score", "rank", "units_listed", "prev_rank", "rank_change",
    "change_label", "tier", "on_red_list", "on_black_list", "red_streak", "black_streak",
    "rank_median", "rank_p05", "rank_p95", "ahead_share", "is_order_robust", "strengths",
    "weaknesses", "place_first", "place_last", "list_note", "adjustment_change_shown",
]  # fmt: skip


def create_tables(con) -> None:
    con.execute(SQL.read_text(encoding="utf-8"))


def store(con, ranking: Ranking, actor: str = "system") -> dict[date, int]:
    """Write each month's results as a new current run; earlier runs stay, not current."""
    create_tables(con)
    meth = ranking.methodology
    now = datetime.now().replace(microsecond=0)
    con.execute(
        """
        insert into index_methodology
        select $id, $sha, $title, $file, $content, $now
        where not exists (
            select 1 from index_methodology where methodology_id = $id and sha256 = $sha
        )
        """,
        {
            "id": meth.id,
            "sha": meth.sha256,
            "title": meth.title,
            "file": meth.path.name,
            "content": meth.path.read_text(encoding="utf-8"),
            "now": now,
        },
    )
    runs: dict[date, int] = {}
    con.execute("begin transaction")
    try:
        for month in ranking.months:
            run_id = con.sql("select coalesce(max(run_id), 0) + 1 from index_run").fetchall()[0][0]
            con.execute("update index_run set is_current = false where month = $m", {"m": month})
            con.execute(
                "insert into index_run values ($run, $m, $id, $sha, $snap, $now, $by, $draws, "
                "$seed, true)",
                {
                    "run": run_id,
                    "m": month,
                    "id": meth.id,
                    "sha": meth.sha256,
                    "snap": ranking.data_snapshot,
                    "now": now,
                    "by": actor,
                    "draws": ranking.draws,
                    "seed": ranking.seed,
                },
            )
            in_month = pl.col("month") == month
            _insert(con, "index_score", ranking.scores.filter(in_month), run_id)
            _insert(con, "index_indicator", ranking.indicators.filter(in_month), run_id)
            _insert(con, "index_correlation", ranking.correlations.filter(in_month), run_id)
            _insert(con, "index_flag", _in(ranking.flags, month), run_id)
            _insert(con, "index_sensitivity", _in(ranking.sensitivity, month), run_id)
            audit(
                con,
                actor,
                "rank",
                month.strftime("%Y-%m"),
                {"run_id": run_id, "methodology": meth.id},
            )
            runs[month] = run_id
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return runs


def _in(frame: pl.DataFrame, month: date) -> pl.DataFrame:
    return frame.filter(pl.col("month") == month) if "month" in frame.columns else frame


def _insert(con, table: str, frame: pl.DataFrame, run_id: int) -> None:
    if frame.height == 0:
        return
    cols = [r[0] for r in con.sql(f"describe {table}").fetchall()]
    frame = frame.with_columns(run_id=pl.lit(run_id, pl.Int32))
    con.register("_rows", frame.select([c for c in cols if c in frame.columns]))
    try:
        con.execute(f"insert into {table} by name select * from _rows")
    finally:
        con.unregister("_rows")


def current_scores(con, month: date) -> pl.DataFrame:
    """The current run's scores for a month (empty if the month was never ranked)."""
    return con.sql(
        """
        select s.* from index_score s
        join index_run r using (run_id)
        where r.is_current and r.month = $m
        order by group_key, partition_code, rank, unit_code
        """,
        params={"m": month},
    ).pl()
