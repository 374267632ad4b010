"""Months (core/months.py): read, labelled and counted one way, and charts that keep years apart."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core import months
from presentation import charts, theme

D = date.fromisoformat


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-10", D("2026-10-01")),
        ("2026/10", D("2026-10-01")),
        ("2026-1", D("2026-01-01")),
        (" 2026-10-05 ", D("2026-10-01")),
    ],
)
def test_parse(text, month):
    assert months.parse(text) == month


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "10-2026", "last month", ""])
def test_parse_rejects_with_the_expected_form(text):
    with pytest.raises(ValueError, match="月份应写作 2026-10"):
        months.parse(text)


@pytest.mark.parametrize(
    ("spec", "first", "last", "n"),
    [
        ("2025-01..2026-10", "2025-01-01", "2026-10-01", 22),
        ("2026-10", "2026-10-01", "2026-10-01", 1),
        ("2025-11..2026-02", "2025-11-01", "2026-02-01", 4),
    ],
)
def test_parse_range(spec, first, last, n):
    run = months.parse_range(spec)
    assert (str(run[0]), str(run[-1]), len(run)) == (first, last, n)


@pytest.mark.parametrize("spec", ["2026-13", "2026-10..2026-01", "last year", "2026/10"])
def test_parse_range_rejects(spec):
    with pytest.raises(ValueError):
        months.parse_range(spec)


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        ("2026-10-01", -1, "2026-09-01"),
        ("2026-10-01", -12, "2025-10-01"),
        ("2026-01-01", -1, "2025-12-01"),
        ("2026-12-01", 1, "2027-01-01"),
        ("2026-10-17", 0, "2026-10-01"),
    ],
)
def test_shift(month, n, expected):
    assert months.shift(D(month), n) == D(expected)


def test_label_key_and_short_labels():
    run = months.parse_range("2025-10..2026-10")
    assert (months.label(run[0]), months.key(run[-1])) == ("2025年10月", "2026-10")
    assert months.short_labels(run) == [
        "2025年10月", "11月", "12月", "2026年1月", "2月", "3月", "4月", "5月", "6月", "7月",
        "8月", "9月", "10月",
    ]  # fmt: skip


# ---------------------------------------------- charts: a month is a bar of its own, year included

THIRTEEN = months.parse_range("2025-10..2026-10")


def _per_month(fig) -> dict[str, float]:
    totals: dict[str, float] = {}
    for trace in fig.data:
        if trace.type != "bar":
            continue
        for x, y in zip(trace.x, trace.y, strict=True):
            totals[x] = totals.get(x, 0) + y
    return totals


def test_activity_chart_keeps_two_octobers_apart():
    """The briefing's 13 months begin and end in October: before, both were the category
    "10月" and plotly stacked 2025-10 onto 2026-10."""
    platform = next(iter(theme.PLATFORM_COLOURS))
    frame = pl.DataFrame(
        {"month": THIRTEEN, "platform": [platform] * 13, "activities": list(range(1, 14))}
    )
    fig = charts.activities_by_platform(frame)
    per_month = _per_month(fig)
    assert per_month == {months.key(m): i + 1 for i, m in enumerate(THIRTEEN)}
    assert (per_month["2025-10"], per_month["2026-10"]) == (1, 13)
    assert list(fig.layout.xaxis.tickvals) == [months.key(m) for m in THIRTEEN]
    assert list(fig.layout.xaxis.ticktext) == months.short_labels(THIRTEEN, "<br>")
    bar = next(t for t in fig.data if t.name == platform)
    assert (bar.customdata[0], bar.customdata[-1]) == ("2025年10月", "2026年10月")


def test_points_chart_keeps_each_month():
    run = months.parse_range("2025-07..2026-10")  # 16 months: July to October twice
    n = len(run)
    frame = pl.DataFrame(
        {
            "month": run,
            "points_issued": [100 * (i + 1) for i in range(n)],
            "points_redeemed": [10 * (i + 1) for i in range(n)],
            "balance_points": list(range(n)),
        }
    )
    fig = charts.points_flow(frame)
    issued = next(t for t in fig.data if t.name == "发放积分")
    assert dict(zip(issued.x, issued.y, strict=True)) == {
        months.key(m): 100 * (i + 1) for i, m in enumerate(run)
    }
