"""Village-practice models on hand-made ledgers, every expected figure worked out by hand.

Each store is built once per area by the real ETL from real CSV exports
(tests/exports.py); the figures asserted are computed in the comments, never by
running the model SQL again. Thresholds come from the registry (county.toml).
"""

from __future__ import annotations

import re
import statistics
from datetime import date, datetime
from pathlib import Path

import pytest

from civic import store as db_store
from civic.contract import SHEET_BY_KEY
from etl import clearings
from etl.clearings import ClearingError
from etl.ingest import ingest
from tests.conftest import copy_store
from tests.exports import (
    STATION,
    STATION_B,
    activity,
    header,
    points_row,
    redemption_row,
    write_csv,
)

D = date.fromisoformat


def query(store: Path, sql: str, params=None) -> list[tuple]:
    with db_store.reading(store) as con:
        return con.execute(sql, params or []).fetchall()


def sheet_row(key: str, **values) -> list[object]:
    """One row of a sheet without a row helper, in contract column order (blank by default)."""
    return [values.get(c.key, "") for c in SHEET_BY_KEY[key].columns]


def export(folder: Path, unit: str, month: str, key: str, rows: list[list[object]], received):
    """An export file named as the field names it: {unit}_{YYYY-MM}_{sheet title}.csv."""
    name = f"{unit}_{month}_{SHEET_BY_KEY[key].title}.csv"
    return write_csv(folder / name, [header(key), *rows], received=received)


def load(store: Path, *paths: Path, registry) -> None:
    report = ingest(list(paths), store, registry, workers=1)
    bad = [(o.display, o.status, o.rows_quarantined) for o in report.outcomes if o.status != "loaded"]
    assert not bad, bad


# ============================================================================================
# 1. 民事直说: mart_matter_month and mart_matter_backlog
# ============================================================================================

# Matters of 安家河村 (STATION). The September file (received 3 Oct) and the October file
# (received 3 Nov); M00 and M04, open in September, are sent again in October resolved.
# (matter_id, accepted, category, level, resolved, satisfaction)
MATTERS_SEP = [
    ("M00", "2026-08-25", "村里事", "镇党委督办", "", ""),  # carried over from August
    ("M01", "2026-09-02", "村里事", "网格员直办", "2026-09-05", "满意"),
    ("M02", "2026-09-10", "村里事", "网格员直办", "2026-09-20", "基本满意"),
    ("M03", "2026-09-15", "邻里事", "议事会领办", "", ""),
    ("M04", "2026-09-20", "家里事", "村镇联办", "", ""),
    ("M05", "2026-09-01", "家里事", "镇党委督办", "", ""),
    ("M06", "2026-09-30", "邻里事", "议事会领办", "", ""),
]
MATTERS_OCT = [
    ("M00", "2026-08-25", "村里事", "镇党委督办", "2026-10-20", "满意"),  # resent, resolved
    ("M04", "2026-09-20", "家里事", "村镇联办", "2026-10-08", "不满意"),  # resent, resolved
    ("M07", "2026-10-01", "村里事", "网格员直办", "", ""),
    ("M08", "2026-10-05", "村里事", "网格员直办", "2026-10-06", "满意"),
    ("M09", "2026-10-10", "邻里事", "议事会领办", "2026-10-30", "满意"),
    ("M10", "2026-10-12", "家里事", "镇党委督办", "2026-10-12", "基本满意"),
    ("M11", "2026-10-15", "村里事", "村镇联办", "2026-10-25", "不满意"),
]


def _matter(m):
    mid, accepted, category, level, resolved, satisfaction = m
    return sheet_row(
        "matters",
        matter_id=mid,
        accepted_date=accepted,
        unit_code=STATION,
        category=category,
        level=level,
        resolved_date=resolved,
        satisfaction=satisfaction,
    )


@pytest.fixture(scope="module")
def matters_store(tmp_path_factory, registry) -> Path:
    root = tmp_path_factory.mktemp("matters")
    sep = export(
        root / "in",
        STATION,
        "2026-09",
        "matters",
        [_matter(m) for m in MATTERS_SEP],
        datetime(2026, 10, 3, 9),
    )
    oct_ = export(
        root / "in",
        STATION,
        "2026-10",
        "matters",
        [_matter(m) for m in MATTERS_OCT],
        datetime(2026, 11, 3, 9),
    )
    load(root / "db", sep, oct_, registry=registry)
    return root / "db"


def test_matter_latest_state_wins(matters_store):
    # 12 matters (M00..M11); M00 and M04 in their October state, from the October file
    rows = query(
        matters_store,
        "select m.matter_id, m.is_resolved, m.resolved_date, m.days_to_resolve, m.satisfaction, "
        "f.file_name from fct_matter m join source_file f using (file_id) "
        "where m.matter_id in ('M00', 'M04') order by 1",
    )
    oct_file = f"{STATION}_2026-10_民事直说台账.csv"
    assert rows == [
        # 25 Aug → 20 Oct: 6 days to 31 Aug + 30 (Sep) + 20 = 56
        ("M00", True, D("2026-10-20"), 56, "满意", oct_file),
        # 20 Sep → 8 Oct: 10 + 8 = 18
        ("M04", True, D("2026-10-08"), 18, "不满意", oct_file),
    ]
    assert query(matters_store, "select count(*) from fct_matter") == [(12,)]


def test_matter_month_by_category_and_level(matters_store):
    rows = query(
        matters_store,
        "select strftime(month, '%Y-%m'), category, level, matters, resolved, "
        "avg_days_to_resolve, max_days_to_resolve, rated, satisfied, fairly_satisfied, "
        "dissatisfied from mart_matter_month where unit_code = ? order by 1, 2, 3",
        [STATION],
    )
    assert rows == [
        # month, category, level, matters, resolved, avg days, max days, rated, 满意, 基本, 不满意
        ("2026-08", "村里事", "镇党委督办", 1, 1, 56.0, 56, 1, 1, 0, 0),  # M00
        # M01 (3 days, 满意), M02 (10 days, 基本满意): avg (3 + 10) / 2 = 6.5
        ("2026-09", "村里事", "网格员直办", 2, 2, 6.5, 10, 2, 1, 1, 0),
        ("2026-09", "家里事", "村镇联办", 1, 1, 18.0, 18, 1, 0, 0, 1),  # M04, October state
        ("2026-09", "家里事", "镇党委督办", 1, 0, None, None, 0, 0, 0, 0),  # M05 open
        ("2026-09", "邻里事", "议事会领办", 2, 0, None, None, 0, 0, 0, 0),  # M03, M06 open
        ("2026-10", "家里事", "镇党委督办", 1, 1, 0.0, 0, 1, 0, 1, 0),  # M10 same day
        ("2026-10", "村里事", "村镇联办", 1, 1, 10.0, 10, 1, 0, 0, 1),  # M11 15 → 25 Oct
        # M07 open, M08 1 day 满意
        ("2026-10", "村里事", "网格员直办", 2, 1, 1.0, 1, 1, 1, 0, 0),
        ("2026-10", "邻里事", "议事会领办", 1, 1, 20.0, 20, 1, 1, 0, 0),  # M09 10 → 30 Oct
    ]


def test_matter_backlog_open_past_limit_and_resolved(matters_store, registry):
    limit = registry.settings["village"]["matter_open_limit_days"]
    assert limit == 30  # the day counts below are worked out for a 30-day limit
    rows = query(
        matters_store,
        "select strftime(month, '%Y-%m'), open_at_end, open_past_limit, resolved_in_month, "
        "limit_days from mart_matter_backlog where unit_code = ? order by 1",
        [STATION],
    )
    # The months covered are September and October (the months files were sent for).
    # 30 Sep: open M00 (36 days since 25 Aug > 30: past), M03 (15), M04 (10, resolved only
    #   on 8 Oct), M05 (29), M06 (0) → 5 open, 1 past; resolved in Sep: M01, M02 → 2
    # 31 Oct: open M03 (46 > 30), M05 (60 > 30), M06 (31 > 30), M07 (exactly 30: not past)
    #   → 4 open, 3 past; resolved in Oct: M00, M04, M08, M09, M10, M11 → 6
    assert rows == [("2026-09", 5, 1, 2, limit), ("2026-10", 4, 3, 6, limit)]


# ============================================================================================
# 2. The town plan's monthly minimum: mart_station_minimum
# ============================================================================================

MIN_STATIONS = {
    "meets": STATION,  # 安家河村
    "only_xuanjiang": STATION_B,  # 火石沟村
    "only_notable": "620623101206",  # 下十八村
    "not_notable": "620623101207",  # 友谊村
    "nothing": "620623101208",  # 大湾村: sends no activities at all
    "at_threshold": "620623101210",  # 金强驿村
}


@pytest.fixture(scope="module")
def minimum_store(tmp_path_factory, registry) -> Path:
    # October 2026: the month's theme is 孝老爱亲敬老月 (data/registry/themes.csv)
    theme = registry.themes.filter(registry.themes["month"] == 10)["theme"].item()
    assert theme == "孝老爱亲敬老月"
    low = registry.settings["village"]["notable_min_participants"]
    s = MIN_STATIONS
    xj = "理论政策宣讲"
    by_unit = {
        s["meets"]: [
            activity(1, s["meets"], participants=8),  # 宣讲
            # a registered brand project, few participants: notable
            activity(2, s["meets"], platform="爱心公益奉献", brand_project="长寿食堂", participants=5),
        ],
        s["only_xuanjiang"]: [
            # 宣讲 with a brand, the theme and a crowd: still a 宣讲, not the notable other one
            activity(
                1,
                s["only_xuanjiang"],
                brand_project="马背宣讲",
                theme=theme,
                participants=low + 70,
            ),
            activity(2, s["only_xuanjiang"], platform=xj, participants=12),
        ],
        s["only_notable"]: [
            # the month's theme, few participants, no brand
            activity(1, s["only_notable"], platform="文体旅游", theme=theme, participants=6),
        ],
        s["not_notable"]: [
            # one participant short, an unregistered brand, another month's theme: not notable
            activity(
                1,
                s["not_notable"],
                platform="卫生健康",
                brand_project="自办义诊",
                theme="新春送福",
                participants=low - 1,
            ),
        ],
        s["at_threshold"]: [
            activity(1, s["at_threshold"], participants=3),
            activity(2, s["at_threshold"], platform="教育科技", participants=low),  # exactly
        ],
    }
    root = tmp_path_factory.mktemp("minimum")
    files = [
        export(root / "in", unit, "2026-10", "activities", rows, datetime(2026, 11, 2, 9))
        for unit, rows in by_unit.items()
    ]
    load(root / "db", *files, registry=registry)
    return root / "db"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # activities, 宣讲, notable, meets_minimum, shortfall
        ("meets", (2, 1, 1, True, None)),
        ("only_xuanjiang", (2, 2, 0, False, "缺特色活动")),
        ("only_notable", (1, 0, 1, False, "缺宣讲")),
        ("not_notable", (1, 0, 0, False, "缺宣讲和特色活动")),
        ("nothing", (0, 0, 0, False, "本月无活动")),
        ("at_threshold", (2, 1, 1, True, None)),
    ],
)
def test_station_minimum(minimum_store, case, expected):
    rows = query(
        minimum_store,
        "select activities, xuanjiang_activities, notable_activities, meets_minimum, shortfall "
        "from mart_station_minimum where unit_code = ? and month = ?",
        [MIN_STATIONS[case], D("2026-10-01")],
    )
    assert rows == [expected]


def test_station_minimum_covers_every_registered_station(minimum_store, registry):
    stations = registry.units.filter(registry.units["kind"] == "station").height
    # one month covered (2026-10), one row per registered station
    assert query(minimum_store, "select count(*), count(distinct month) from mart_station_minimum") == [
        (stations, 1)
    ]
