"""The back-series report written when the county ranks with a new methodology.

Editions stay as published. What changes is what the office can say about
the past: every month present is ranked under the methodology last used and
under the new one, and the report (JSON and text, in
reports/methodology/<new id>/) shows each unit's score and rank under both,
the change, Spearman's ρ and the mean rank shift per group and month.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.config import reports_dir
from core.store import has_table
from index import report_text
from index.compute import Ranking, compute
from index.methodology import Methodology, MethodologyError, parse


def previous_methodology(con, new: Methodology) -> Methodology | None:
    """The methodology of the newest current run, if it is not `new` (same id and file)."""
    if not has_table(con, "index_run"):
        return None
    row = con.sql(
        """
        select m.content, m.file_name, m.methodology_id, m.sha256
        from index_run r
        join index_methodology m
          on m.methodology_id = r.methodology_id and m.sha256 = r.methodology_sha256
        where r.is_current
        order by r.computed_at desc, r.run_id desc
        limit 1
        """
    ).fetchall()
    if not row:
        return None
    content, file_name, mid, sha = row[0]
    if mid == new.id and sha == new.sha256:
        return None
    return parse(content.encode("utf-8"), Path(file_name or f"{mid}.toml"))


def write(
    con, old: Methodology, new_ranking: Ranking, months: list[date], draws: int, seed: int
) -> Path | None:
    """Rank `months` under the old methodology and write the comparison; None if it cannot run.

    new_ranking: the new methodology's results for the same months.
    """
    try:
        old_ranking = compute(con, old, months, draws, seed)
    except (MethodologyError, KeyError, ValueError):
        return None  # the old file reads columns the database no longer has
    new = new_ranking.methodology
    folder = reports_dir() / "methodology" / new.id
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"back-series-{old.id}-to-{new.id}"
    (folder / f"{stem}.json").write_text(
        report_text.comparison(old_ranking, new_ranking, as_json_out=True) + "\n", encoding="utf-8"
    )
    (folder / f"{stem}.txt").write_text(
        report_text.comparison(old_ranking, new_ranking) + "\n", encoding="utf-8"
    )
    return folder / f"{stem}.txt"
