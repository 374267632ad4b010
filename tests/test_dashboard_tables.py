"""ui.table: names whole, empty columns left out, up to 25 rows without scrolling inside."""

from __future__ import annotations

import json

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import ui

LONG = "毛藏乡新时代文明实践所理论政策宣讲志愿服务队"


@pytest.mark.parametrize(
    ("rows", "height"),
    [(1, 2 * 35 + 3), (10, 11 * 35 + 3), (25, 26 * 35 + 3), (26, 26 * 35 + 3), (0, 2 * 35 + 3)],
)
def test_the_height_shows_up_to_25_rows_and_the_header_whole(rows, height):
    assert ui.fit_height(rows) == height
    # st.dataframe draws rows and header at 35 px and a 1 px border top and bottom
    assert ui.fit_height(25) >= (25 + 1) * ui.ROW_PX + 2


@pytest.mark.parametrize(
    ("values", "blank"),
    [([None, None], True), (["", " "], True), (["—", None], True), (["红榜", ""], False),
     ([0, None], False)],
)  # fmt: skip
def test_a_blank_column(values, blank):
    assert ui.is_blank(pl.Series(values)) is blank


def _app():
    import polars as pl

    from dashboard import ui

    long = (
        "毛藏乡新时代文明实践所理论政策宣讲志愿服务队"  # the test's LONG (a copy: this runs alone)
    )
    frame = pl.DataFrame(
        {
            "name": [f"{long}{i}" for i in range(25)],
            "n": list(range(25)),
            "mark": [""] * 25,
            "sent": [None] * 25,
        },
        schema={"name": pl.String, "n": pl.Int64, "mark": pl.String, "sent": pl.String},
    )
    ui.table(frame, {"name": "队伍", "n": "活动（场）", "mark": "红黑榜", "sent": "报送"},
             height=360, key="t")  # fmt: skip


def test_names_are_whole_and_empty_columns_hidden():
    at = AppTest.from_function(_app, args=(), kwargs={}).run(timeout=60)
    (table,) = at.dataframe
    assert table.value.columns.tolist() == ["队伍", "活动（场）"]  # 红黑榜 and 报送 were empty
    width = json.loads(table.proto.columns)["队伍"]["width"]
    assert width >= ui.TEXT_PX * len(f"{LONG}24")  # the longest name fits
