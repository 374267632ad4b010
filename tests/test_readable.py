"""presentation/readable.py: cells in words, never None, nan, True/False or JSON."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from presentation import readable


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "—"), (float("nan"), "—"), (True, "是"), (False, "否"), (3.0, "3"), ("", "—"),
        ([1, "a"], "1、a"), ({"a": None}, "a：—"), ("文字", "文字"),
    ],
)  # fmt: skip
def test_value_text(value, expected):
    assert readable.value_text(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"edition": 2, "revision": true, "reason": "补报"}', "版次：2；修订版：是；理由：补报"),
        ('{"run_id": 7, "methodology": "tianzhu-2026.2"}', "计算编号：7；方法版本：tianzhu-2026.2"),
        ('{"new_key": null}', "new_key：—"),
        ("plain text", "plain text"),
        ("{not json", "{not json"),
        (None, "—"),
    ],
)
def test_detail_text(text, expected):
    assert readable.detail_text(text) == expected


def test_json_columns_spread_a_row_into_its_columns():
    frame = pl.DataFrame(
        {"行号": [3, 4], "row_values": ['{"活动编号": "A1", "行号": "x"}', '{"参与人数": 12}']}
    )
    out = readable.json_columns(frame, "row_values")
    assert out.columns == ["行号", "活动编号", "行号（原行）", "参与人数"]
    assert out.row(0) == (3, "A1", "x", "—")
    assert out.row(1) == (4, "—", "—", "12")


def test_codes_named():
    names = {"620623100": "华藏寺镇", "620623101204": "安家河村"}
    assert readable.codes_named("620623101204/H0012", names) == "安家河村/H0012"
    assert readable.codes_named("2026-10", names) == "2026-10"
    assert readable.codes_named(None, names) == "—"


def test_cells_word_only_the_columns_that_would_show_raw_values():
    frame = pl.DataFrame(
        {
            "名称": ["a", None],
            "评分": [4.5, None],
            "比例": [0.25, float("nan")],
            "次数": [1, 2],
            "锁定": [True, False],
            "日期": [date(2026, 10, 1), None],
        }
    )
    out, worded = readable.cells(frame, {"评分": "%.2f", "比例": "pct"})
    assert worded == {"评分", "比例", "锁定", "日期"}
    assert out["名称"].to_list() == ["a", "—"]
    assert out["评分"].to_list() == ["4.50", "—"]
    assert out["比例"].to_list() == ["25.0%", "—"]
    assert out["次数"].to_list() == [1, 2]  # untouched: no missing value
    assert out["锁定"].to_list() == ["是", "否"]
    assert out["日期"].to_list() == ["2026-10-01", "—"]


def test_a_quarantined_row_reads_with_its_sheets_headers():
    points = readable.row_headers("202608_620623100207_积分台账")
    orders = readable.row_headers("群众点单")
    assert points["household_id"] == "户编号"
    assert points["points"] == "积分" and orders["platform"] == "需求平台"
    assert readable.detail_text('{"household_id": "H0042"}', points) == "户编号：H0042"
