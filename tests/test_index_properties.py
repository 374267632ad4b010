"""What makes a ranking defensible, as Hypothesis properties over the real 2026.2 file.

The pure core (index.compute.compute_frames) on generated mart_unit_month
frames, one group at a time: every column the file's indicators read, kept
as consistent as the mart's own checks (a share's numerator within its
denominator). The properties are DESIGN.md's: more valid work never lowers a
score; withholding an owed sheet never raises one; a unit at least as good
on every numerator never ranks below; a month ranked alone equals it ranked
with later months present, frame for frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import config
from core.contract import owed_sheets
from index.compute import compute_frames
from index.methodology import load
from index.score import MISSING_SHEETS_SCHEMA

METHOD = load(config.methodology_dir() / "tianzhu-2026.2.toml")
MONTHS = [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
DRAWS = 20  # the score does not depend on the draws; the lists do, and they only need to run
NO_ADJUSTMENTS = pl.DataFrame(
    schema={"unit_code": pl.String, "month": pl.Date, "points": pl.Float64}
)
COUNTS = [
    "activities", "theme_activities", "brand_activities", "participants", "stations",
    "stations_meeting_minimum", "volunteers_active", "population", "households",
    "households_earning", "households_redeeming", "standards_items_met", "standards_items_owed",
    "orders_taken", "orders_completed", "orders_satisfied", "orders_timely", "orders_placed",
    "orders_placed_completed", "orders_placed_satisfied", "orders_placed_timely", "sheets_owed",
    "sheets_on_time",
]  # fmt: skip
# a share's numerator and the denominator it may not exceed
WITHIN = {
    "theme_activities": "activities",
    "brand_activities": "activities",
    "stations_meeting_minimum": "stations",
    "households_earning": "households",
    "households_redeeming": "households",
    "standards_items_met": "standards_items_owed",
    "orders_completed": "orders_taken",
    "orders_satisfied": "orders_completed",
    "orders_timely": "orders_completed",
    "orders_placed_completed": "orders_placed",
    "orders_placed_satisfied": "orders_placed_completed",
    "orders_placed_timely": "orders_placed_completed",
    "sheets_on_time": "sheets_owed",
}
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_generated_mart_offers_every_column_the_file_reads():
    read = {
        col
        for g in METHOD.groups.values()
        for i in g.indicators
        for col in (i.numerator, i.denominator)
        if col
    }
    assert read <= {*COUNTS, "volunteer_hours"}


@dataclass(frozen=True)
class Panel:
    group: str
    mart: pl.DataFrame
    missing: pl.DataFrame  # owed sheets not sent: unit_code, month, sheet_key

    def score(self, frames, unit: str, month: date) -> float | None:
        row = frames.scores.filter(unit_code=unit, month=month)
        assert row.height == 1
        return row["score"][0]


def _consistent(row: dict) -> dict:
    """Clamp each share's numerator into its denominator, in dependency order."""
    for num, den in WITHIN.items():
        row[num] = min(row[num], row[den])
    return row


@st.composite
def unit_month(draw, kind: str) -> dict:
    """One unit's month as mart_unit_month holds it."""
    small = st.integers(0, 12)
    population = draw(st.integers(100, 3000))
    stations = {"station": 1, "county_team": 0}.get(kind, draw(st.integers(1, 8)))
    owed = {"station": 4, "county_team": 2, "subcentre": 1 + 4 * stations}.get(kind)
    owed = owed or 3 + 4 * stations
    row = {
        "activities": draw(st.integers(0, 25)),
        "theme_activities": draw(small),
        "brand_activities": draw(small),
        "participants": draw(st.integers(0, 800)),
        "volunteer_hours": float(draw(st.integers(0, 400))),
        "stations": stations,
        "stations_meeting_minimum": draw(st.integers(0, 8)),
        "volunteers_active": draw(st.integers(0, 120)),
        "population": population,
        "households": population // 4,
        "households_earning": draw(st.integers(0, 400)),
        "households_redeeming": draw(st.integers(0, 200)),
        "standards_items_owed": 0 if kind == "county_team" else 8 * max(stations, 1),
        "standards_items_met": draw(st.integers(0, 64)),
        "orders_taken": draw(st.integers(0, 6)),
        "orders_completed": draw(st.integers(0, 6)),
        "orders_satisfied": draw(st.integers(0, 6)),
        "orders_timely": draw(st.integers(0, 6)),
        "orders_placed": draw(st.integers(0, 6)),
        "orders_placed_completed": draw(st.integers(0, 6)),
        "orders_placed_satisfied": draw(st.integers(0, 6)),
        "orders_placed_timely": draw(st.integers(0, 6)),
        "sheets_owed": owed,
        "sheets_on_time": draw(st.integers(0, owed)),
    }
    return _consistent(row)


@st.composite
def panels(draw, months: int | None = None, min_units: int = 3) -> Panel:
    """A group's units over one to four months, some not submitted, some sheets withheld."""
    group = draw(st.sampled_from(sorted(METHOD.groups)))
    kind = METHOD.groups[group].unit_kind
    n_months = months or draw(st.integers(1, 4))
    n_units = draw(st.integers(min_units, 6))
    owed = [
        s for s in owed_sheets(kind) if any(i.source == s for i in METHOD.groups[group].indicators)
    ]
    rows, missing = [], []
    for u in range(n_units):
        code = f"U{u}"
        parent = f"P{u % 2}" if kind == "station" else "P0"
        for month in MONTHS[:n_months]:
            row = draw(unit_month(kind))
            submitted = draw(st.integers(0, 9)) > 0  # one in ten sends nothing
            if submitted and draw(st.integers(0, 4)) == 0:  # one in five withholds a sheet
                missing.append((code, month, draw(st.sampled_from(owed))))
            rows.append(
                {
                    "unit_code": code,
                    "name": f"{code}单位",
                    "kind": kind,
                    "parent_code": parent,
                    "month": month,
                    "is_submitted": submitted,
                    **row,
                }  # fmt: skip
            )
    mart = pl.DataFrame(
        rows,
        schema_overrides={c: pl.Int64 for c in COUNTS} | {"volunteer_hours": pl.Float64},
    )
    frame = pl.DataFrame(missing, schema=MISSING_SHEETS_SCHEMA, orient="row")
    return Panel(group, mart, frame.unique(maintain_order=True))


def rank(panel: Panel, months: list[date], mart: pl.DataFrame | None = None, missing=None):
    return compute_frames(
        panel.mart if mart is None else mart,
        NO_ADJUSTMENTS,
        METHOD,
        months,
        draws=DRAWS,
        seed=7,
        missing_sheets=panel.missing if missing is None else missing,
    )


def _set(mart: pl.DataFrame, unit: str, month: date, **values) -> pl.DataFrame:
    here = (pl.col("unit_code") == unit) & (pl.col("month") == month)
    return mart.with_columns(
        pl.when(here).then(pl.lit(v, mart.schema[k])).otherwise(pl.col(k)).alias(k)
        for k, v in values.items()
    )


def _row(mart: pl.DataFrame, unit: str, month: date) -> dict:
    return mart.filter(unit_code=unit, month=month).row(0, named=True)


def _submitted_unit(draw, panel: Panel) -> tuple[str, date]:
    sent = panel.mart.filter("is_submitted").select("unit_code", "month").rows()
    if not sent:
        return draw(st.nothing())
    return draw(st.sampled_from(sorted(sent)))


# --- (a) monotone ------------------------------------------------------------------------------


@SETTINGS
@given(st.data())
def test_more_valid_work_never_lowers_a_score(data):
    """An activity within the row limits, or a completed timely satisfied order, never hurts."""
    panel = data.draw(panels())
    unit, month = _submitted_unit(data.draw, panel)
    kind = METHOD.groups[panel.group].unit_kind
    before = _row(panel.mart, unit, month)
    extra: dict = {}
    if data.draw(st.booleans(), label="an activity"):
        people = data.draw(st.integers(0, min(before["population"], 200)), label="participants")
        volunteers = data.draw(st.integers(0, 10), label="volunteers")
        hours = data.draw(st.integers(0, 12 * max(volunteers, 1)), label="hours")
        extra |= {
            "activities": before["activities"] + 1,
            "participants": before["participants"] + people,
            "volunteer_hours": before["volunteer_hours"] + hours,
        }
        if data.draw(st.booleans(), label="on the month's theme"):
            extra["theme_activities"] = before["theme_activities"] + 1
        if data.draw(st.booleans(), label="a registered brand"):
            extra["brand_activities"] = before["brand_activities"] + 1
        if data.draw(st.booleans(), label="a 宣讲 where none was"):
            met = before["stations_meeting_minimum"] + 1
            extra["stations_meeting_minimum"] = min(met, before["stations"])
    if data.draw(st.booleans(), label="a completed, timely, satisfied order") or not extra:
        prefix = "orders_" if kind == "county_team" else "orders_placed_"
        total = "orders_taken" if kind == "county_team" else "orders_placed"
        extra[total] = before[total] + 1
        for outcome in ("completed", "satisfied", "timely"):
            extra[prefix + outcome] = before[prefix + outcome] + 1
    was = panel.score(rank(panel, [month]), unit, month)
    now = panel.score(rank(panel, [month], _set(panel.mart, unit, month, **extra)), unit, month)
    assert was is not None and now is not None
    assert now >= was, (extra, was, now)


# --- (b) withholding ---------------------------------------------------------------------------


@SETTINGS
@given(st.data())
def test_withholding_an_owed_sheet_never_raises_a_score(data):
    """A sheet owed and not sent scores 0 where it feeds (缺报), never more than sending it."""
    panel = data.draw(panels())
    unit, month = _submitted_unit(data.draw, panel)
    group = METHOD.groups[panel.group]
    sources = sorted(
        {i.source for i in group.indicators if i.source} & set(owed_sheets(group.unit_kind))
    )
    sheet = data.draw(st.sampled_from(sources), label="withheld")
    here = (pl.col("unit_code") == unit) & (pl.col("month") == month)
    sent = panel.missing.filter(~(here & (pl.col("sheet_key") == sheet)))
    withheld = pl.concat(
        [sent, pl.DataFrame([(unit, month, sheet)], schema=MISSING_SHEETS_SCHEMA, orient="row")]
    )
    on_time = _row(panel.mart, unit, month)["sheets_on_time"]
    late_mart = _set(panel.mart, unit, month, sheets_on_time=max(on_time - 1, 0))
    was = rank(panel, [month], missing=sent)
    now = rank(panel, [month], late_mart, withheld)
    assert panel.score(now, unit, month) <= panel.score(was, unit, month)
    fed = now.indicators.filter(
        unit_code=unit,
        month=month,
    ).filter(pl.col("indicator_key").is_in([i.key for i in group.indicators if i.source == sheet]))
    assert fed.height > 0
    assert set(fed["imputation"]) == {"missing_owed"}
    assert set(fed["normalised"]) == {0.0}


# --- (c) dominance -----------------------------------------------------------------------------


@SETTINGS
@given(st.data())
def test_a_unit_at_least_as_good_on_every_numerator_never_ranks_below(data):
    """Same denominators, every numerator at least as high: never a lower place."""
    panel = data.draw(panels(months=1))
    group = METHOD.groups[panel.group]
    month = MONTHS[0]
    mart = panel.mart.with_columns(is_submitted=pl.lit(True))
    codes = sorted(mart["unit_code"].unique())
    worse, better = data.draw(st.permutations(codes), label="pair")[:2]
    base = _row(mart, worse, month)
    denominators = {i.denominator for i in group.indicators if i.denominator}
    numerators = sorted({i.numerator for i in group.indicators} - denominators)
    row = dict(base)
    for col in numerators:
        row[col] = base[col] + data.draw(st.integers(0, 3), label=col)
    row = _consistent(row)
    mart = _set(mart, better, month, parent_code=base["parent_code"])
    mart = _set(mart, better, month, **{k: row[k] for k in [*COUNTS, "volunteer_hours"]})
    missing = panel.missing.filter(pl.col("unit_code") != better)
    missing = pl.concat(
        [missing, missing.filter(unit_code=worse).with_columns(unit_code=pl.lit(better))]
    )
    scores = rank(panel, [month], mart, missing).scores
    a = scores.filter(unit_code=better).row(0, named=True)
    b = scores.filter(unit_code=worse).row(0, named=True)
    assert a["score"] >= b["score"] and a["rank"] <= b["rank"], (a, b)


# --- (d) no look-ahead -------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_month_ranked_alone_equals_it_ranked_with_later_months(data):
    """Month M's every output frame, ranked alone and with the months after it, byte for byte."""
    panel = data.draw(panels(months=data.draw(st.integers(2, 4), label="months")))
    months = sorted(panel.mart["month"].unique())
    month = data.draw(st.sampled_from(months[:-1]), label="ranked")
    alone = rank(panel, [month])
    later = rank(panel, [m for m in months if m >= month])
    for name in ("scores", "indicators", "correlations", "flags", "sensitivity"):
        a, b = getattr(alone, name), getattr(later, name)
        if "month" in b.columns:
            b = b.filter(pl.col("month") == month)
        assert_frame_equal(a, b, check_exact=True)


def test_a_month_where_no_unit_of_a_group_submitted_is_ranked():
    """Found by the look-ahead property: every unit 未报送 crashed the lists (no ahead_share)."""
    rows = [
        {
            "unit_code": f"U{u}",
            "name": f"U{u}单位",
            "kind": "institute",
            "parent_code": "P0",
            "month": MONTHS[0],
            "is_submitted": False,
            **{c: 1 for c in COUNTS},
            "volunteer_hours": 1.0,
        }  # fmt: skip
        for u in range(3)
    ]
    panel = Panel("institute", pl.DataFrame(rows), pl.DataFrame(schema=MISSING_SHEETS_SCHEMA))
    scores = rank(panel, [MONTHS[0]]).scores
    assert scores["score"].to_list() == [None] * 3
    assert scores["change_label"].to_list() == ["未报送"] * 3
    assert not scores["on_red_list"].any()
