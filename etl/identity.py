"""Which unit sent a file and for which month: from its name, else from its rows.

A submission is identified by (unit, month, sheet); a corrected resubmission
replaces the earlier one with the same identity. File names seen in the
field: `620623100201_安家河村_2026-10.xlsx`, `安家河村2026年10月台账.xls`,
`202610_620623100201_活动台账.csv`.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

_CODE = re.compile(r"(?<![\d-])(\d{6}-[A-Z]{2}\d+|\d{12}|\d{9})(?![\d])")
# a county's own 6-digit code; also the shape of 202610, so only used to name a unit
_CODE_OR_COUNTY = re.compile(r"(?<![\d-])(\d{6}-[A-Z]{2}\d+|\d{12}|\d{9}|\d{6})(?![\d-])")
_MONTHS = (
    re.compile(r"(?<!\d)(20\d{2})\s*[-_.年]\s*(0?[1-9]|1[0-2])(?!\d)\s*月?"),
    re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(?!\d)"),
)
CORRECTION_MARKS = ("更正", "修正", "修订", "补报", "重报")


def name_month(name: str) -> date | None:
    """The reporting month written in a file name, if any."""
    stem = _CODE.sub(" ", name)  # a 12-digit code must not be read as a month
    for pattern in _MONTHS:
        m = pattern.search(stem)
        if m:
            return date(int(m.group(1)), int(m.group(2)), 1)
    return None


def name_codes(name: str) -> list[str]:
    return _CODE_OR_COUNTY.findall(name)


def name_unit(name: str, short_names: dict[str, str]) -> str | None:
    """The unit a file name calls by its short name (安家河村), the longest one found."""
    hits = [(len(s), code) for s, code in short_names.items() if s and s in name]
    return max(hits)[1] if hits else None


def majority(values: list[str | date | None]) -> str | date | None:
    """The most common non-null value; ties go to the smallest, so the choice is stable."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    top = max(counts.values())
    return min(v for v, n in counts.items() if n == top)


def is_correction(name: str) -> bool:
    return any(mark in name for mark in CORRECTION_MARKS)
