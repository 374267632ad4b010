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
            "household": 1,
            "seq": i,
            "event_date": date.fromisoformat(d),
            "event_order": kind,
            "points": pts,
        }
        for i, (d, kind, pts) in enumerate(events)
    ]
    out = household_ledger(pl.DataFrame(rows, schema=LEDGER_SCHEMA)).sort("seq")
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


def test_households_keep_separate_balances_and_bars():
    """Interleaved events of two households: one's 清零 and spending never touch the other."""
    rows = [
        (1, "2026-01-05", ISSUE, 30),
        (2, "2026-01-05", ISSUE, 8),
        (1, "2026-02-01", CLEAR, 0),
        (2, "2026-02-02", REDEEM, 20),
        (1, "2026-02-03", ISSUE, 5),
        (2, "2026-02-04", ISSUE, 5),
        (2, "2026-02-05", REDEEM, 13),
    ]
    frame = pl.DataFrame(
        [
            {
                "household": h,
                "seq": i,
                "event_date": date.fromisoformat(d),
                "event_order": k,
                "points": p,
            }
            for i, (h, d, k, p) in enumerate(rows)
        ],
        schema=LEDGER_SCHEMA,
    )
    out = household_ledger(frame).sort("seq")
    assert out["balance_after"].to_list() == [30, 8, 0, 8, 0, 13, 0]
    assert out["is_counted"].to_list() == [True, True, True, False, False, True, True]
    assert out["is_overdrawn"].to_list() == [False, False, False, True, False, False, False]
