"""The 数据报送 matrices: stations counted per town, units by month, in words."""

from datetime import date

import polars as pl

from dashboard import submission_grid as grid


def _rows(*rows) -> pl.DataFrame:
    """(town, station, month, status) rows as metrics.submission_matrix returns them."""
    return grid.labelled(
        pl.DataFrame(
            [
                {"unit_code": s, "unit_name": f"{s}站", "kind": "station", "parent_code": t,
                 "parent_name": f"{t}镇", "month": date(2026, m, 1), "status": status}
                for t, s, m, status in rows
            ]
        )
    )  # fmt: skip


ROWS = _rows(
    ("A", "a1", 9, "on_time"), ("A", "a1", 10, "missing"),
    ("A", "a2", 9, "late"), ("A", "a2", 10, "late"),
    ("B", "b1", 9, "on_time"), ("B", "b1", 10, "missing"),
    ("B", "b2", 9, "on_time"), ("B", "b2", 10, "missing"),
    ("C", "c1", 10, "on_time"),
)  # fmt: skip


def test_stations_are_counted_per_town_with_the_most_missing_first():
    towns = grid.by_town(ROWS, "2026-10")
    assert towns.rows() == [
        ("B", "B镇", "按时", "未报送2"),
        ("A", "A镇", "逾期1", "未报送1·逾期1"),
        ("C", "C镇", "—", "按时"),  # C had no station owing in September
    ]


def test_units_by_month_read_their_status_in_words():
    wide = grid.by_unit(ROWS.filter(pl.col("parent_code") == "A"), "实践站")
    assert wide.columns == ["实践站", "2026-09", "2026-10"]
    assert wide.rows() == [("a1站", "按时", "未报送"), ("a2站", "逾期", "逾期")]
