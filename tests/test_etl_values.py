"""Cell text to typed values: every date and number form in the contract, and what is refused."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from etl import values


def _parse(parser, cells, *args):
    frame = pl.DataFrame({"c": cells}, schema={"c": pl.String})
    p = parser("c", *args)
    out = frame.select(v=p.value, problem=p.problem)
    return out["v"].to_list(), out["problem"].to_list()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-10-05", date(2026, 10, 5)),
        ("2026/10/5", date(2026, 10, 5)),
        ("2026年10月5日", date(2026, 10, 5)),
        ("20261005", date(2026, 10, 5)),
        ("46300", date(2026, 10, 5)),  # Excel serial
        ("46300.75", date(2026, 10, 5)),
        ("2026-10-05 00:00:00", date(2026, 10, 5)),  # an Excel date cell read as text
        ("２０２６－１０－０５", date(2026, 10, 5)),  # full width
        (" 2026.10.5 ", date(2026, 10, 5)),
        ("2026-2-28", date(2026, 2, 28)),
    ],
)
def test_dates_in_every_contract_form(cell, expected):
    got, problem = _parse(values.date, [cell])
    assert got == [expected]
    assert problem == [None]


@pytest.mark.parametrize(
    "cell", ["2026-02-30", "2025年13月5日", "十月五日", "20251341", "2026/0/12", "5", "1899-01-01"]
)
def test_impossible_dates_are_refused_with_the_cell_quoted(cell):
    got, problem = _parse(values.date, [cell])
    assert got == [None]
    assert problem == [f"「{cell}」不是有效日期"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-10-05 14:30", datetime(2026, 10, 5, 14, 30)),
        ("2026/10/5 9:05:30", datetime(2026, 10, 5, 9, 5, 30)),
        ("2026年10月5日 14:30", datetime(2026, 10, 5, 14, 30)),
        ("46300.5", datetime(2026, 10, 5, 12, 0)),
        ("2026-10-05", datetime(2026, 10, 5)),
    ],
)
def test_timestamps(cell, expected):
    got, problem = _parse(values.timestamp, [cell])
    assert got == [expected]
    assert problem == [None]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-10", date(2026, 10, 1)),
        ("2026年10月", date(2026, 10, 1)),
        ("202610", date(2026, 10, 1)),
        ("2026-10-17", date(2026, 10, 1)),
        ("46300", date(2026, 10, 1)),
    ],
)
def test_months(cell, expected):
    assert _parse(values.month, [cell]) == ([expected], [None])


@pytest.mark.parametrize(
    ("cell", "expected", "problem"),
    [
        ("12", 12, None),
        ("１２", 12, None),
        ("1,234", 1234, None),
        ("1，234", 1234, None),
        ("12.0", 12, None),  # a numeric cell read as text
        ("-3", -3, None),
        ("", None, None),
        ("12.5", None, "「12.5」不是整数"),
        ("十二", None, "「十二」不是整数"),
        ("12人", None, "「12人」不是整数"),
    ],
)
def test_integers(cell, expected, problem):
    assert _parse(values.integer, [cell]) == ([expected], [problem])


@pytest.mark.parametrize(
    ("cell", "expected", "problem"),
    [
        ("3.5", 3.5, None),
        ("１２.５", 12.5, None),
        ("12,345.5", 12345.5, None),
        ("abc", None, "「abc」不是数字"),
    ],
)
def test_numbers(cell, expected, problem):
    assert _parse(values.number, [cell]) == ([expected], [problem])


def test_codes_must_be_registered_and_scientific_notation_is_explained():
    known = pl.Series(["620623100201"])
    got, problems = _parse(
        values.code, ["620623100201", "620623100201.0", "620623100999", "6.20623E+11"], known
    )
    assert got[:2] == ["620623100201", "620623100201"]
    assert problems[:2] == [None, None]
    assert problems[2] == "620623100999 不在单位名册中"
    assert "科学计数法" in problems[3]


def test_enums_and_yes_no():
    got, problems = _parse(values.enum, ["满意", "很满意"], ("满意", "不满意"))
    assert got == ["满意", None]
    assert problems == [None, "「很满意」不是可选值（可选：满意、不满意）"]
    got, problems = _parse(values.boolean, ["是", "否", "有"])
    assert got == [True, False, None]
    assert problems == [None, None, "「有」应填“是”或“否”"]
