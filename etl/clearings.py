"""Zero-clearings (清零) the office enters by hand: checked, stored, applied, audited.

A station's points ledger can carry a 清零 row; when a violation reaches the
office another way (a court notice, a town decision) staff enter it here with
a reason. Either way the household ledger (etl/rules.py) clears the balance on
that date and bars the household from earning for the rest of the year, and
every mart built on the ledger follows. Nothing is deleted: a mistaken
clearing is voided with a reason and stays on record.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from core.audit import audit
from etl import models
from etl.schema import create_all


class ClearingError(ValueError):
    """A clearing that cannot be recorded; the message says why, in Chinese."""


def add(
    store: Path | None,
    unit_code: str,
    household_id: str,
    cleared_date: date,
    reason: str,
    author: str,
    today: date | None = None,
) -> int:
    """Record a clearing and rebuild the models, in one new database version."""
    with models.rebuilt_version(store, ClearingError) as con:
        new_id = add_in(con, unit_code, household_id, cleared_date, reason, author, today)
    return new_id


def void(store: Path | None, clearing_id: int, reason: str, author: str) -> None:
    """Void an office clearing (it stays on record) and rebuild the models."""
    with models.rebuilt_version(store, ClearingError) as con:
        void_in(con, clearing_id, reason, author)


def add_in(
    con,
    unit_code: str,
    household_id: str,
    cleared_date: date,
    reason: str,
    author: str,
    today: date | None = None,
) -> int:
    create_all(con)
    unit_code, household_id, reason = unit_code.strip(), household_id.strip(), reason.strip()
    if not reason:
        raise ClearingError("请填写清零理由（如违法违规的事实和处理决定）")
    if not author.strip():
        raise ClearingError("请填写经办人")
    if cleared_date > (today or date.today()):
        raise ClearingError(f"清零日期 {cleared_date:%Y-%m-%d} 晚于今天")
    station = con.sql(
        "select name from ref_unit where code = $u and kind = 'station'", params={"u": unit_code}
    ).fetchall()
    if not station:
        raise ClearingError(f"单位编码 {unit_code} 不是登记的实践站")
    known = con.sql(
        """
        select min(event_date) from int_household_ledger where unit_code = $u and household_id = $h
        """,
        params={"u": unit_code, "h": household_id},
    ).fetchall()[0][0]
    if known is None:
        raise ClearingError(f"{station[0][0]}（{unit_code}）的积分台账中没有户编号 {household_id}")
    same_year = con.sql(
        """
        select cleared_date, source from fct_clearing
        where unit_code = $u and household_id = $h and year = $y
        """,
        params={"u": unit_code, "h": household_id, "y": cleared_date.year},
    ).fetchall()
    if same_year:
        when, source = same_year[0]
        raise ClearingError(
            f"户 {household_id} 已于 {when:%Y-%m-%d} 清零（{source}），"
            f"{cleared_date.year} 年内不再重复清零"
        )
    new_id = con.sql("select coalesce(max(clearing_id), 0) + 1 from office_clearing").fetchall()[0][
        0
    ]
    con.execute(
        "insert into office_clearing values "
        "($id, $u, $h, $d, $reason, $by, $now, null, null, null)",
        {
            "id": new_id,
            "u": unit_code,
            "h": household_id,
            "d": cleared_date,
            "reason": reason,
            "by": author,
            "now": datetime.now().replace(microsecond=0),
        },
    )
    audit(
        con,
        author,
        "clear_points",
        f"{unit_code}/{household_id}",
        {"clearing_id": new_id, "date": cleared_date, "reason": reason},
    )
    return new_id


def void_in(con, clearing_id: int, reason: str, author: str) -> None:
    create_all(con)
    if not reason.strip():
        raise ClearingError("请填写撤销理由")
    row = con.sql(
        "select unit_code, household_id, voided_at from office_clearing where clearing_id = $id",
        params={"id": clearing_id},
    ).fetchall()
    if not row:
        raise ClearingError(f"没有编号为 {clearing_id} 的办公室清零记录")
    unit_code, household_id, voided_at = row[0]
    if voided_at is not None:
        raise ClearingError(f"清零记录 {clearing_id} 已于 {voided_at:%Y-%m-%d %H:%M} 撤销")
    con.execute(
        "update office_clearing set voided_at = $now, voided_by = $by, void_reason = $r "
        "where clearing_id = $id",
        {
            "now": datetime.now().replace(microsecond=0),
            "by": author,
            "r": reason,
            "id": clearing_id,
        },
    )
    audit(
        con,
        author,
        "void_clearing",
        f"{unit_code}/{household_id}",
        {"clearing_id": clearing_id, "reason": reason},
    )
