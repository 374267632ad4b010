"""Plant the dirty rows the field really sends, each marked with its kind.

Dirty rows are extra rows (a corrupted copy of a clean one), so the clean
data stays whole and the ETL's expected result is known: accept every clean
row, quarantine every planted one with the right reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

# kind -> column it breaks, per sheet, with its rate per clean row
PLAN: dict[str, list[tuple[str, str, float]]] = {
    "activities": [
        ("unknown_unit_code", "unit_code", 0.002),
        ("negative_count", "participants", 0.002),
        ("duplicate_row", "activity_id", 0.002),
        ("bad_date", "activity_date", 0.0015),
        ("invalid_enum", "platform", 0.0015),
        ("missing_required", "activity_name", 0.001),
    ],
    "points": [
        ("unknown_unit_code", "unit_code", 0.002),
        ("duplicate_row", "entry_id", 0.002),
        ("bad_date", "entry_date", 0.0015),
        ("invalid_enum", "category", 0.0015),
        ("missing_required", "household_id", 0.0015),
    ],
    "redemptions": [
        ("overdrawn_redemption", "points", 0.005),
        ("unknown_unit_code", "unit_code", 0.002),
        ("duplicate_row", "entry_id", 0.002),
        ("bad_date", "redeemed_date", 0.001),
    ],
    "orders": [
        ("completed_before_ordered", "completed_at", 0.008),
        ("duplicate_row", "order_id", 0.002),
        ("invalid_enum", "platform", 0.0015),
    ],
    "matters": [("bad_date", "accepted_date", 0.004), ("invalid_enum", "level", 0.003)],
    "households": [("out_of_range", "stars", 0.002)],
    "volunteers": [
        ("bad_date", "registered_date", 0.002),
        ("unknown_unit_code", "unit_code", 0.002),
    ],
    "standards": [("invalid_enum", "has_funds", 0.004)],
}
BAD_DATES = ["2026-02-30", "2025年13月5日", "十月五日", "20251341", "2026/0/12"]
BAD_ENUMS = {
    "platform": "其他平台",
    "category": "奖励分",
    "level": "其他",
    "has_funds": "有",
}
UNKNOWN_SUFFIX = "999"


def plant(
    sheet_key: str,
    rows: list[dict],
    rng: np.random.Generator,
    codes: set[str],
    balances: dict[str, int] | None = None,
) -> list[dict]:
    """Rows with dirty copies inserted at random places; each dirty row carries `_dirt`."""
    if not rows:
        return rows
    out = list(rows)
    for kind, column, rate in PLAN.get(sheet_key, []):
        for _ in range(int(rng.binomial(len(rows), rate))):
            src = rows[int(rng.integers(0, len(rows)))]
            bad = _corrupt(kind, column, dict(src), rng, codes, balances or {})
            if bad is None:
                continue
            bad["_dirt"] = (kind, column)
            out.insert(
                int(rng.integers(0, len(out) + 1))
                if kind != "duplicate_row"
                else out.index(src) + 1 + int(rng.integers(0, len(out) - out.index(src))),
                bad,
            )
    return out


def _fresh_id(row: dict, column: str, rng: np.random.Generator) -> None:
    """Give a copy its own id so that only the planted fault is wrong with it."""
    for key in ("activity_id", "entry_id", "order_id", "matter_id", "volunteer_id"):
        if key in row and key != column:
            row[key] = f"{row[key]}X{int(rng.integers(100, 999))}"


def _corrupt(kind: str, column: str, row: dict, rng, codes: set[str], balances) -> dict | None:
    if kind == "duplicate_row":
        return row
    _fresh_id(row, column, rng)
    if kind == "unknown_unit_code":
        code = row[column]
        bad = code[:-3] + UNKNOWN_SUFFIX if len(code) > 6 and code[-3:].isdigit() else code + "9"
        if bad in codes:
            return None
        row[column] = bad
    elif kind == "negative_count":
        row[column] = -int(rng.integers(1, 30))
    elif kind == "bad_date":
        row[column] = str(rng.choice(BAD_DATES))
    elif kind == "invalid_enum":
        row[column] = BAD_ENUMS[column]
    elif kind == "missing_required":
        row[column] = ""
    elif kind == "out_of_range":
        row[column] = int(rng.integers(11, 15))
    elif kind == "overdrawn_redemption":
        # More than the balance before and after the household's own redemption that
        # day, so it overdraws whichever order rows of one date are applied in.
        have = balances.get(row["household_id"], 0) + row[column]
        row[column] = have + int(rng.integers(50, 400))
        row["goods_yuan"] = float(row[column])
    elif kind == "completed_before_ordered":
        at: datetime = row["ordered_at"]
        row["completed_at"] = at - timedelta(hours=int(rng.integers(2, 72)))
        row["status"] = "已完成"
        if row.get("dispatched_at") is None:
            row["dispatched_at"] = at + timedelta(hours=1)
            row["accepted_at"] = at + timedelta(hours=2)
        if not row.get("taker_code"):
            return None
    return row
