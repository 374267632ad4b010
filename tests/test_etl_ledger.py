"""Household points ledger rules: floors, clearing, and redemptions the balance must cover."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from etl.rules import LEDGER_SCHEMA, household_ledger

ISSUE, CLEAR, REDEEM = 0, 1, 2


def _run(events):
    """events: (day as 'YYYY-MM-DD', kind, points) for one household."""
    rows = [
        {
            "unit_code": "620623100201",
            "household_id": "H0001",
            "event_date": date.fromisoformat(d),
            "event_order": kind,
            "entry_id": f"E{i:03d}",
            "category": "清零" if kind == CLEAR else None,
            "points": pts,
            "file_id": 1,
            "source_row": i + 2,
        }
        for i, (d, kind, pts) in enumerate(events)
    ]
    out = household_ledger(pl.DataFrame(rows, schema=LEDGER_SCHEMA)).sort("source_row")
    return (
        out["balance_after"].to_list(),
        out["is_counted"].to_list(),
        out["is_overdrawn"].to_list(),
    )


@pytest.mark.parametrize(
    ("events", "balances", "counted", "overdrawn"),
    [
        # earn then spend within the balance
        (
            [("2026-01-05", ISSUE, 10), ("2026-01-22", REDEEM, 8)],
            [10, 2],
            [True, True],
            [False, False],
        ),
        # a redemption bigger than the balance is rejected and leaves it untouched
        (
            [("2026-01-05", ISSUE, 10), ("2026-01-22", REDEEM, 50), ("2026-01-23", REDEEM, 10)],
            [10, 10, 0],
            [True, False, True],
            [False, True, False],
        ),
        # a deduction takes the balance to zero at most; later points start from zero
        (
            [("2026-01-05", ISSUE, 5), ("2026-01-06", ISSUE, -20), ("2026-01-07", ISSUE, 3)],
            [5, 0, 3],
            [True, True, True],
            [False, False, False],
        ),
        # 清零 clears the balance and bars earning for the rest of that year, not the next
        (
            [
                ("2026-03-01", ISSUE, 40),
                ("2026-03-10", CLEAR, 0),
                ("2026-05-01", ISSUE, 7),
                ("2026-05-25", REDEEM, 5),
                ("2027-01-03", ISSUE, 6),
            ],
            [40, 0, 0, 0, 6],
            [True, True, False, False, True],
            [False, False, False, True, False],
        ),
        # points of the same day come before a redemption of that day
        (
            [("2026-01-21", REDEEM, 10), ("2026-01-21", ISSUE, 10)],
            [0, 10],
            [True, True],
            [False, False],
        ),
    ],
)
def test_household_ledger(events, balances, counted, overdrawn):
    assert _run(events) == (balances, counted, overdrawn)


def test_two_overdrawn_redemptions_of_one_household_are_both_found():
    events = [("2026-01-01", ISSUE, 10)] + [(f"2026-01-2{i}", REDEEM, 99) for i in range(1, 4)]
    events.append(("2026-01-28", REDEEM, 10))
    balances, counted, overdrawn = _run(events)
    assert overdrawn == [False, True, True, True, False]
    assert balances[-1] == 0
