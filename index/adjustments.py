"""Bonus and penalty items (加分/扣分) the office adds to a unit's month: checked, stored, audited.

Nothing is ever deleted: a mistaken adjustment is voided with a reason and
an author, and both the entry and the voiding stay in the record.
"""

from __future__ import annotations

from datetime import date, datetime

from core.audit import audit
from index.methodology import Methodology
from index.results import create_tables


class AdjustmentError(ValueError):
    """An adjustment that cannot be recorded; the message says why, in Chinese."""


def add(
    con,
    meth: Methodology,
    month: date,
    unit_code: str,
    item: str,
    points: float,
    reason: str,
    author: str,
) -> int:
    """Record an adjustment; points are given as a size, the item's kind gives the sign."""
    create_tables(con)
    spec = meth.item(item)
    if spec is None:
        allowed = "、".join(a.item for a in meth.adjustment_items)
        raise AdjustmentError(f"考评方法 {meth.id} 中没有加扣分项目「{item}」（可选：{allowed}）")
    size = abs(float(points))
    if size == 0 or size > spec.max:
        verb = "加" if spec.kind == "bonus" else "扣"
        raise AdjustmentError(f"「{item}」每次可{verb} 0–{spec.max:g} 分，而不是 {size:g}")
    if not reason.strip():
        raise AdjustmentError("请填写加扣分理由")
    if not author.strip():
        raise AdjustmentError("请填写经办人")
    known = con.sql(
        "select count(*) from mart_unit_month where unit_code = $u and month = $m",
        params={"u": unit_code, "m": month},
    ).fetchall()[0][0]
    if not known:
        raise AdjustmentError(f"{month:%Y-%m} 没有参加排名的单位 {unit_code}")
    new_id = con.sql("select coalesce(max(adjustment_id), 0) + 1 from index_adjustment").fetchall()[
        0
    ][0]
    signed = size if spec.kind == "bonus" else -size
    con.execute(
        "insert into index_adjustment values ($id, $m, $u, $kind, $item, $pts, $reason, $author, "
        "$now, null, null, null)",
        {
            "id": new_id,
            "m": month,
            "u": unit_code,
            "kind": spec.kind,
            "item": item,
            "pts": signed,
            "reason": reason.strip(),
            "author": author.strip(),
            "now": datetime.now().replace(microsecond=0),
        },
    )
    audit(
        con,
        author,
        "adjust",
        unit_code,
        {"adjustment_id": new_id, "month": month, "item": item, "points": signed, "reason": reason},
    )
    return new_id


def void(con, adjustment_id: int, reason: str, author: str) -> date:
    """Void an adjustment (it stays on record); returns its month, which needs ranking again."""
    create_tables(con)
    row = con.sql(
        "select month, voided_at from index_adjustment where adjustment_id = $id",
        params={"id": adjustment_id},
    ).fetchall()
    if not row:
        raise AdjustmentError(f"没有编号为 {adjustment_id} 的加扣分记录")
    if row[0][1] is not None:
        raise AdjustmentError(f"加扣分记录 {adjustment_id} 已于 {row[0][1]} 作废")
    if not reason.strip() or not author.strip():
        raise AdjustmentError("作废加扣分须填写理由和经办人")
    con.execute(
        "update index_adjustment set voided_at = $now, voided_by = $by, void_reason = $why "
        "where adjustment_id = $id",
        {
            "now": datetime.now().replace(microsecond=0),
            "by": author,
            "why": reason,
            "id": adjustment_id,
        },
    )
    audit(con, author, "void_adjustment", str(adjustment_id), {"reason": reason})
    return row[0][0]
