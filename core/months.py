"""Months: the first day of a month stands for it (a date), written 2026-10 and 2026年10月.

One home for reading a month, labelling it and counting months, so every
output names a month the same way and no chart drops the year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")


def parse(text: str) -> date:
    """'2026-10' (or '2026/10', '2026-10-05') -> date(2026, 10, 1); ValueError otherwise."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m[2]) <= 12:
        raise ValueError(f"月份应写作 2026-10，而不是 {text!r}")
    return date(int(m[1]), int(m[2]), 1)


def parse_range(spec: str) -> list[date]:
    """'2025-01..2026-10' (or one month '2026-10') -> the first day of each month, in order."""
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:\.\.(\d{4})-(\d{2}))?", spec.strip())
    if not m:
        raise ValueError(f"months must look like 2025-01..2026-10, got {spec!r}")
    y1, m1 = int(m[1]), int(m[2])
    y2, m2 = (int(m[3]), int(m[4])) if m[3] else (y1, m1)
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12) or (y2, m2) < (y1, m1):
        raise ValueError(f"months {spec!r} is not a valid range")
    first, last = date(y1, m1, 1), date(y2, m2, 1)
    return [shift(first, i) for i in range(between(first, last) + 1)]


def shift(month: date, months: int) -> date:
    """The first day of the month `months` away (negative: earlier)."""
    n = month.year * 12 + month.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def between(first: date, last: date) -> int:
    """How many months last is after first (0 for the same month)."""
    return (last.year - first.year) * 12 + last.month - first.month


def key(month: date) -> str:
    """2026-10: the month in file names, links and category axes."""
    return f"{month:%Y-%m}"


def label(month: date) -> str:
    """2026年10月."""
    return f"{month.year}年{month.month}月"


def short_labels(months: Iterable[date], year_break: str = "") -> list[str]:
    """Axis labels for a run of months: the year on the first and on each January
    (2025年10月, 11月, 12月, 2026年1月, … 10月), year_break between year and month
    ("<br>" in a plotly axis). Not unique beyond twelve months: plot against key()
    and show these as tick text."""
    return [
        f"{m.year}年{year_break}{m.month}月" if i == 0 or m.month == 1 else f"{m.month}月"
        for i, m in enumerate(months)
    ]
