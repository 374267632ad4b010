"""Plant padded activity reports (虚报活动) that only the index's outlier screen catches.

Now and then a station pads one month's activity ledger with many extra
rows. Each row is plausible on its own (within the contract's ROW_LIMITS)
and none is a near-duplicate of another (each differs in date, name or
counts; int_activity_screen's rule), so the ETL accepts every one and only
the index's screen (index/screen.py, the methodology's [screening]) shows
the month, as 数据存疑. The padding is sized to clear both of the screen's
fences for the stations' 每千人活动场次 with room to spare: the station's
own history fence, computed here as the screen computes it, and the highest
peer fence the demo county's stations see.

The draws come from a generator of their own (seeded like demo/integrity.py)
and the rows are added after the station's month is drawn and its dirt
planted, so nothing else in the county changes, nor anything else the
station sends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from core.contract import PLATFORMS, ROW_LIMITS
from demo import ledgers
from demo.world import Unit, code_seed

RATE = 0.003  # chance per station and month
# The screen's rule for the stations' activities per 1,000 residents, as tianzhu-2026.2 sets it:
# [screening] threshold, history_months, min_history, and min_scale × the goalpost span (0–20).
THRESHOLD = 3.5
HISTORY_MONTHS = 12
MIN_HISTORY = 3
MIN_SCALE_PER_1K = 0.2 * 20
IQR_TO_SD = 1 / 1.349
# The peers' fence (median + 3.5 × max(1.4826 × MAD, 4)) of the demo county's stations is
# 17–24 activities per 1,000 residents in every month of 2025–2026 (seed 7).
PEER_FENCE_PER_1K = 25.0
MARGIN = 1.3  # the padded month lands this far above the higher of the two fences
MIN_EXTRA_ROWS = 5


@dataclass
class Padding:
    """The rows a station added to one month's activities, and the manifest's record of them."""

    rows: list[dict]
    record: dict


def history_fence(per_1k: list[float | None]) -> float | None:
    """The screen's own-history fence over the months before (None: not sent).

    Median + THRESHOLD × max(IQR ÷ 1.349, the scale floor); None with fewer
    than MIN_HISTORY months sent, when the screen uses the peers alone.
    """
    sent = [v for v in per_1k if v is not None]
    if len(sent) < MIN_HISTORY:
        return None
    q1, med, q3 = np.percentile(sent, [25, 50, 75])
    return float(med + THRESHOLD * max(IQR_TO_SD * (q3 - q1), MIN_SCALE_PER_1K))


def pad(
    unit: Unit,
    month: date,
    rows: list[dict],
    before: list[int | None],
    population: int,
    ctx: ledgers.Context,
    force: bool = False,
) -> Padding | None:
    """The extra rows if the station pads this month (always if force), else None.

    rows: the month's clean activity rows; before: the station's activity
    counts in the HISTORY_MONTHS months before (None: not sent).
    """
    rng = code_seed(ctx.seed, unit.code, f"outlier{month:%Y%m}")
    if not (rng.random() < RATE or force) or population <= 0:
        return None
    per_1k = [None if n is None else n * 1000 / population for n in before]
    fence = max(PEER_FENCE_PER_1K, history_fence(per_1k) or 0.0)
    target = math.ceil(MARGIN * fence * population / 1000)
    extra = _rows(unit, month, rows, max(MIN_EXTRA_ROWS, target - len(rows)), population, ctx, rng)
    record = {
        "kind": "padded_activities",
        "unit_code": unit.code,
        "month": month,
        "inflated": ["activities", "participants", "volunteer_hours"],
        "rows_added": len(extra),
        "activities_before": len(rows),
        "activities_after": len(rows) + len(extra),
        "participants_added": sum(r["participants"] for r in extra),
        "volunteer_hours_added": sum(r["volunteer_hours"] for r in extra),
        "first_activity_id": extra[0]["activity_id"],
        "last_activity_id": extra[-1]["activity_id"],
    }
    return Padding(extra, record)


def add(sheets: dict[str, list[dict]], padding: Padding | None) -> dict[str, list[dict]]:
    """The sheets with the padding's rows among the activities, in date order."""
    if padding is None:
        return sheets
    rows = list(sheets["activities"])
    for extra in sorted(padding.rows, key=lambda r: (r["activity_date"], r["activity_id"])):
        day = extra["activity_date"]
        # after the last row dated on or before it (a planted dirty row may carry a broken date)
        earlier = [i for i, r in enumerate(rows) if isinstance(r["activity_date"], date)
                   and r["activity_date"] <= day]  # fmt: skip
        rows.insert(earlier[-1] + 1 if earlier else 0, extra)
    return {**sheets, "activities": rows}


def _near_key(r: dict) -> tuple:
    """What int_activity_screen compares (names differ here only in their characters)."""
    return (r["activity_date"], r["activity_name"], r["participants"], r["volunteers"],
            r["volunteer_hours"])  # fmt: skip


def _within_limits(r: dict, population: int) -> bool:
    basis = {"volunteers": max(r["volunteers"], 1), "population": population}
    return all(r[lim.column_key] <= lim.factor * basis[lim.basis] for lim in ROW_LIMITS)


def _rows(
    unit: Unit,
    month: date,
    rows: list[dict],
    n: int,
    population: int,
    ctx: ledgers.Context,
    rng: np.random.Generator,
) -> list[dict]:
    """n activities like the station's own, each within the limits and unlike every other row."""
    weights = ledgers.platform_weights(month, ctx, unit)
    theme, _ = ctx.themes[month.month]
    seen = {_near_key(r) for r in rows}
    people = ledgers.BASE_PEOPLE["station"]
    out: list[dict] = []
    while len(out) < n:
        platform = str(rng.choice(PLATFORMS, p=weights))
        participants = int(max(3, rng.gamma(3.0, people / 3)))
        volunteers = int(max(1, min(participants, rng.poisson(3 + participants * 0.12))))
        has_pos = rng.random() < 0.7
        row = {
            "activity_id": f"HD{month:%Y%m}-{len(rows) + len(out) + 1:03d}",
            "activity_date": ledgers.day_in(rng, month),
            "activity_name": str(rng.choice(ledgers.ACTIVITY_NAMES[platform])),
            "unit_code": unit.code,
            "platform": platform,
            "brand_project": "",
            "theme": theme if rng.random() < 0.55 else "",
            "participants": participants,
            "volunteers": volunteers,
            "volunteer_hours": float(round(volunteers * float(rng.uniform(1.0, 4.0)) * 2) / 2),
            "beneficiaries": int(participants * rng.uniform(0.4, 1.2)),
            "source": "自主开展",
            "order_id": "",
            "longitude": round(unit.lon + float(rng.normal(0, 0.004)), 5) if has_pos else None,
            "latitude": round(unit.lat + float(rng.normal(0, 0.003)), 5) if has_pos else None,
        }
        if _near_key(row) in seen or not _within_limits(row, population):
            continue
        seen.add(_near_key(row))
        out.append(row)
    return out
