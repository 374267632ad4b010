"""The county's settings (data/registry/county.toml), each declared once, here.

A setting has its section and key in county.toml, a type, a default or none
(required) and a one-line meaning. The registry checks county.toml against
these declarations when it loads: a required setting left out, a value of
the wrong type or out of range, or a key nobody reads is an error naming the
file, section and key (a typo would otherwise fall back to a default, or
leave a model to cross-join with nothing). Ingest writes the resolved values
(defaults applied) to ref_setting; the SQL models read them typed from
stg_settings; Python reads them as a Settings, from the database with read()
or from the registry (Registry.values). data/registry/README.md documents
every one, and tests/test_settings.py fails if one is missing there.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from functools import cache
from typing import Any, get_type_hints

from core import months
from core.access import FREE, query

SOURCE = "county.toml"


def _setting(
    section: str,
    key: str,
    meaning: str,
    *,
    default: Any = MISSING,
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
    choices: tuple[str, ...] = (),
    pattern: str | None = None,
):
    rule = {
        "section": section,
        "key": key,
        "meaning": meaning,
        "minimum": minimum,
        "maximum": maximum,
        "positive": positive,
        "choices": choices,
        "pattern": pattern,
    }
    return field(default=default, metadata=rule)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """county.toml, typed and with defaults applied. Attribute = stg_settings column."""

    county_code: str = _setting(
        "county", "code", "the county's 6-digit statistical division code", pattern=r"\d{6}"
    )
    county_name: str = _setting("county", "name", "the county's full name (天祝藏族自治县)")
    county_short_name: str = _setting(
        "county", "short_name", "the short name titles and file names use (天祝县)"
    )
    centre_name: str = _setting(
        "county", "centre_name", "the practice centre, author of the briefing and the workbook"
    )
    datum: str = _setting(
        "county",
        "datum",
        "datum of every longitude/latitude in units.csv and the exports",
        choices=("WGS-84", "GCJ-02"),
    )
    deadline_day: int = _setting(
        "submission",
        "deadline_day",
        "exports for month M are due by this day of month M+1; later ones are 逾期",
        minimum=1,
        maximum=28,
    )
    yuan_per_point: float = _setting(
        "points",
        "yuan_per_point",
        "1 point buys goods worth this many yuan (the supermarket's liability per point)",
        positive=True,
    )
    budget_yuan_per_household_year: float = _setting(
        "points",
        "budget_yuan_per_household_year",
        "yearly supermarket budget per household, against which the balance is compared",
        default=30.0,
        positive=True,
    )
    matter_open_limit_days: int = _setting(
        "village",
        "matter_open_limit_days",
        "民事直说: a matter open this many days after it was accepted is overdue",
        default=30,
        positive=True,
    )
    notable_min_participants: int = _setting(
        "village",
        "notable_min_participants",
        "participants that make an activity notable for the town plan's monthly minimum",
        default=30,
        positive=True,
    )
    same_day_max_entries: int = _setting(
        "audit",
        "same_day_max_entries",
        "a household credited more often than this on one day is flagged",
        default=3,
        positive=True,
    )
    peer_ratio: float = _setting(
        "audit",
        "peer_ratio",
        "a station issuing more than this multiple of the median station's points "
        "per household in a month is flagged",
        default=5.0,
        positive=True,
    )
    order_timely_hours: int = _setting(
        "orders",
        "timely_hours",
        "an order completed within this many hours of being placed (点单) is timely (及时)",
        default=72,
        positive=True,
    )
    order_rating_min_n: int = _setting(
        "orders",
        "rating_min_n",
        "the briefing warns of a fall in a unit's (or the county's) average rating only when "
        "both months have at least this many rated orders; the warning states them",
        default=10,
        positive=True,
    )
    reading_budget_mb: int = _setting(
        "reading",
        "budget_mb",
        "what decompression (zip entries, workbook parts) may produce in one ingest run or "
        "upload, all files together, in MB; civic ingest --budget-mb overrides it",
        default=512,
        positive=True,
    )
    reading_file_mb: int = _setting(
        "reading",
        "file_mb",
        "one file as read (its size, or what it decompresses to) may be at most this many MB",
        default=64,
        positive=True,
    )
    reading_sheet_rows: int = _setting(
        "reading",
        "sheet_rows",
        "a sheet (or CSV file) with more rows than this is refused before it is read",
        default=100000,
        positive=True,
    )
    reading_sheet_cells: int = _setting(
        "reading",
        "sheet_cells",
        "a sheet (or CSV file) with more cells than this is refused before it is read",
        default=500000,
        positive=True,
    )
    reading_reader_memory_mb: int = _setting(
        "reading",
        "reader_memory_mb",
        "memory (data segment, MB) each reader process may allocate; a file that needs more "
        "is refused, located; 0 leaves it unlimited",
        default=1024,
        minimum=0,
    )

    def deadline(self, month: date) -> date:
        """The day month's exports are due: deadline_day of the next month."""
        return months.shift(month, 1).replace(day=self.deadline_day)


@dataclass(frozen=True)
class Declared:
    """One setting as declared on Settings."""

    name: str  # attribute of Settings, column of stg_settings
    section: str
    key: str
    type: type  # str, int or float
    default: Any  # dataclasses.MISSING: county.toml must set it
    meaning: str
    minimum: float | None
    maximum: float | None
    positive: bool
    choices: tuple[str, ...]
    pattern: str | None

    @property
    def required(self) -> bool:
        return self.default is MISSING


@cache
def declared() -> tuple[Declared, ...]:
    """Every setting, in declaration order."""
    types = get_type_hints(Settings)
    return tuple(
        Declared(f.name, default=f.default, type=types[f.name], **f.metadata)
        for f in fields(Settings)
    )


class SettingsError(ValueError):
    """county.toml (or the database's copy) breaks a declaration; .problems lists each, located."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("settings are invalid:\n" + "\n".join(f"  - {p}" for p in problems))


_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number"}


def _value(d: Declared, raw: Any, from_text: bool) -> tuple[Any, str | None]:
    """(typed value, None) or (None, the reason it is not acceptable)."""
    if from_text and d.type is not str:  # the database keeps every value as text
        try:
            raw = d.type(raw)
        except (TypeError, ValueError):
            return None, f"must be {_TYPE_NAMES[d.type]}, not {raw!r}"
    if d.type is str:
        ok = isinstance(raw, str) and raw.strip() != ""
    elif d.type is int:
        ok = isinstance(raw, int) and not isinstance(raw, bool)
    else:  # a float setting may be written 30 as well as 30.0
        ok = isinstance(raw, int | float) and not isinstance(raw, bool)
    if not ok:
        return None, f"must be {_TYPE_NAMES[d.type]}, not {raw!r}"
    value = d.type(raw)
    if d.choices and value not in d.choices:
        return None, f"must be one of {', '.join(d.choices)}, not {value!r}"
    if d.pattern and not re.fullmatch(d.pattern, value):
        return None, f"{value!r} does not match {d.pattern}"
    if d.positive and value <= 0:
        return None, f"must be a positive {_TYPE_NAMES[d.type].removeprefix('a ')}, not {value!r}"
    if (d.minimum is not None and value < d.minimum) or (
        d.maximum is not None and value > d.maximum
    ):
        return None, f"must be from {d.minimum} to {d.maximum}, not {value!r}"
    return value, None


def _parse(
    raw: dict, source: str, from_text: bool, strict: bool = True
) -> tuple[Settings | None, list[str]]:
    problems: list[str] = []
    values: dict[str, Any] = {}
    known: dict[str, set[str]] = {}
    for d in declared():
        known.setdefault(d.section, set()).add(d.key)
        where = f"{source} [{d.section}] {d.key}"
        body = raw.get(d.section)
        if not isinstance(body, dict) or d.key not in body:
            if d.required:
                problems.append(f"{where}: missing; it is required ({d.meaning})")
            continue
        value, reason = _value(d, body[d.key], from_text)
        if reason:
            problems.append(f"{where}: {reason}")
        else:
            values[d.name] = value
    for section, body in raw.items() if strict else ():
        if section not in known:
            problems.append(f"{source} [{section}]: not a known section ({', '.join(known)})")
        elif isinstance(body, dict):
            for key in body:
                if key not in known[section]:
                    problems.append(
                        f"{source} [{section}] {key}: not a known setting "
                        f"([{section}] has {', '.join(sorted(known[section]))})"
                    )
    return (None if problems else Settings(**values)), problems


def problems(raw: dict, source: str = SOURCE) -> list[str]:
    """Every way county.toml (as read by tomllib) breaks the declarations, located."""
    return _parse(raw, source, from_text=False)[1]


def parse(raw: dict, source: str = SOURCE) -> Settings:
    """county.toml's settings, typed, defaults applied; SettingsError if any is wrong."""
    found, wrong = _parse(raw, source, from_text=False)
    if wrong:
        raise SettingsError(wrong)
    return found


def rows(values: Settings) -> list[tuple[str, str, str]]:
    """(section, key, value as text) for every setting: what ingest stores in ref_setting."""
    return [(d.section, d.key, str(getattr(values, d.name))) for d in declared()]


@query(scope=FREE)
def read(con) -> Settings:
    """The settings of the database's last ingest (ref_setting), typed."""
    raw: dict[str, dict[str, str]] = {}
    for section, key, value in con.sql("select section, key, value from ref_setting").fetchall():
        raw.setdefault(section, {})[key] = value
    # a key the code no longer declares is left alone: the registry reports it at the next ingest
    source = "ref_setting (the database's copy of county.toml)"
    found, wrong = _parse(raw, source, from_text=True, strict=False)
    if wrong:
        raise SettingsError(wrong)
    return found
