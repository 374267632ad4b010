"""Village-practice models on hand-made ledgers, every expected figure worked out by hand.

Each store is built once per area by the real ETL from real CSV exports
(tests/exports.py); the figures asserted are computed in the comments, never by
running the model SQL again. Thresholds come from the registry (county.toml).
"""

from __future__ import annotations

import re
import statistics
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from core import store as db_store
from core.contract import SHEET_BY_KEY
from etl import clearings
from etl.clearings import ClearingError
from etl.ingest import ingest
from etl.receipt import Receipt
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
    report = ingest(list(paths), store, registry, workers=1, received=Receipt.from_file_dates())
    bad = [
        (o.display, o.status, o.rows_quarantined) for o in report.outcomes if o.status != "loaded"
    ]
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
        "dissatisfied from mart_matter_month where unit_code = ?",
        [STATION],
    )
    assert sorted(rows) == sorted(
        [
            # month, category, level, matters, resolved, avg/max days, rated, 满意, 基本, 不满意
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
    )


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


@pytest.fixture(scope="module")
def corrected_matters_store(tmp_path_factory, registry) -> Path:
    """September corrected (a satisfaction fixed) and sent again after October's file."""
    root = tmp_path_factory.mktemp("matters-corrected")
    sep = [_matter(m) for m in MATTERS_SEP]
    fixed = [_matter(m) for m in MATTERS_SEP]
    fixed[2][-1] = "满意"  # M02: 基本满意 → 满意
    files = [
        export(root / "in", STATION, "2026-09", "matters", sep, datetime(2026, 10, 3, 9)),
        export(
            root / "in",
            STATION,
            "2026-10",
            "matters",
            [_matter(m) for m in MATTERS_OCT],
            datetime(2026, 11, 3, 9),
        ),
    ]
    load(root / "db", *files, registry=registry)
    again = export(root / "again", STATION, "2026-09", "matters", fixed, datetime(2026, 11, 10, 9))
    load(root / "db", again, registry=registry)
    return root / "db"


def test_corrected_month_replaces_its_own_rows(corrected_matters_store):
    assert query(
        corrected_matters_store,
        "select satisfaction from fct_matter where matter_id = 'M02'",
    ) == [("满意",)]


def test_corrected_earlier_month_does_not_undo_a_later_months_state(corrected_matters_store):
    assert query(
        corrected_matters_store,
        "select matter_id, resolved_date, satisfaction from fct_matter "
        "where matter_id in ('M00', 'M04') order by 1",
    ) == [("M00", D("2026-10-20"), "满意"), ("M04", D("2026-10-08"), "不满意")]
    # and the backlog at October's end stays 4 open, 3 past the limit, 6 resolved in October
    assert query(
        corrected_matters_store,
        "select open_at_end, open_past_limit, resolved_in_month from mart_matter_backlog "
        "where unit_code = ? and month = ?",
        [STATION, D("2026-10-01")],
    ) == [(4, 3, 6)]


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
            activity(
                2, s["meets"], platform="爱心公益奉献", brand_project="长寿食堂", participants=5
            ),
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
    assert query(
        minimum_store, "select count(*), count(distinct month) from mart_station_minimum"
    ) == [(stations, 1)]


# ============================================================================================
# 3. 八有 self-check (mart_standards_month) and 4. star households (mart_household_stars,
#    mart_household_star_change): one store, August to October 2026
# ============================================================================================

EIGHT = ("venue", "position", "team", "rules", "plan", "project", "funds", "results")


def _standards(unit: str, month: str, stars: str, **answers: str) -> list[object]:
    values = {f"has_{k}": answers.get(k, "是") for k in EIGHT}
    return sheet_row("standards", unit_code=unit, month=month, station_stars=stars, **values)


# (household, members, stars, required stars met) per month; "" is left blank
HOUSEHOLDS = {
    (STATION, "2026-09"): [
        ("H01", 4, 5, "是"),
        ("H02", 3, 8, "是"),
        ("H03", 2, 5, "否"),
        ("H05", 5, 4, "否"),
        ("H06", 1, "", ""),  # not rated yet
        ("H07", 6, 10, "是"),
    ],
    (STATION, "2026-10"): [
        ("H01", 4, 7, "是"),  # 5 → 7: 升星
        ("H02", 3, 6, "否"),  # 8 → 6: 降星
        ("H03", 2, 5, "是"),  # 5 → 5: 持平
        ("H04", 2, 3, "否"),  # new this month: 首次评定
        ("H05", 5, "", ""),  # not rated this month: 未评
        ("H06", 1, 6, "是"),  # unrated in September, rated now: 首次评定
        ("H07", 6, 10, "是"),  # 10 → 10: 持平
    ],
    # 火石沟村's H08: rated in August, not in September, rated again in October
    (STATION_B, "2026-08"): [("H08", 3, 5, "是")],
    (STATION_B, "2026-09"): [("H08", 3, "", "")],
    (STATION_B, "2026-10"): [("H08", 3, 6, "是")],
}
RECEIVED = {
    "2026-08": datetime(2026, 9, 3, 9),
    "2026-09": datetime(2026, 10, 3, 9),
    "2026-10": datetime(2026, 11, 3, 9),
}


@pytest.fixture(scope="module")
def village_store(tmp_path_factory, registry) -> Path:
    root = tmp_path_factory.mktemp("village")
    inbox = root / "in"
    files = [
        # 安家河村 September: every item but 有经费; October: all eight
        export(
            inbox,
            STATION,
            "2026-09",
            "standards",
            [_standards(STATION, "2026-09", "四星", funds="否")],
            RECEIVED["2026-09"],
        ),
        export(
            inbox,
            STATION,
            "2026-10",
            "standards",
            [_standards(STATION, "2026-10", "五星")],
            RECEIVED["2026-10"],
        ),
        # 火石沟村 October: 有队伍 and 有计划 否, 有经费 left blank
        export(
            inbox,
            STATION_B,
            "2026-10",
            "standards",
            [_standards(STATION_B, "2026-10", "三星", team="否", plan="否", funds="")],
            RECEIVED["2026-10"],
        ),
    ]
    for (unit, month), rows in HOUSEHOLDS.items():
        sheet = [
            sheet_row(
                "households",
                household_id=h,
                unit_code=unit,
                head_name="李四福",
                members=members,
                group_name="一组",
                stars=stars,
                required_stars_met=met,
                rated_date=f"{month}-15" if stars != "" else "",
            )
            for h, members, stars, met in rows
        ]
        files.append(export(inbox, unit, month, "households", sheet, RECEIVED[month]))
    load(root / "db", *files, registry=registry)
    return root / "db"


def test_standards_month(village_store):
    rows = query(
        village_store,
        "select unit_code, strftime(month, '%Y-%m'), items_met, items_reported, is_compliant, "
        "compliance_pct, station_stars from mart_standards_month order by 1, 2",
    )
    assert rows == [
        # 7 of 8 (有经费 否): 100 × 7 / 8 = 87.5
        (STATION, "2026-09", 7, 8, False, 87.5, "四星"),
        (STATION, "2026-10", 8, 8, True, 100.0, "五星"),
        # 8 − 2 否 − 1 blank = 5 met of 7 reported: 100 × 5 / 8 = 62.5
        (STATION_B, "2026-10", 5, 7, False, 62.5, "三星"),
    ]


def test_household_stars_per_month(village_store):
    rows = query(
        village_store,
        "select strftime(month, '%Y-%m'), households, households_rated, avg_stars, stars_5_plus, "
        "stars_8_plus, stars_10, required_stars_met, members from mart_household_stars "
        "where unit_code = ? order by 1",
        [STATION],
    )
    assert rows == [
        # Sep: 6 households, H06 unrated; stars 5, 8, 5, 4, 10 → avg 32 / 5 = 6.4;
        # ≥5: H01 H02 H03 H07; ≥8: H02 H07; 10: H07; 必创星: H01 H02 H07;
        # members 4 + 3 + 2 + 5 + 1 + 6 = 21
        ("2026-09", 6, 5, 6.4, 4, 2, 1, 3, 21),
        # Oct: 7 households, H05 unrated; stars 7, 6, 5, 3, 6, 10 → avg 37 / 6;
        # ≥5: H01 H02 H03 H06 H07; ≥8: H07; 10: H07; 必创星: H01 H03 H06 H07;
        # members 21 + 2 (H04) = 23
        ("2026-10", 7, 6, pytest.approx(37 / 6), 5, 1, 1, 4, 23),
    ]
    # share of households meeting the three required stars in October: 4 of 7
    ((met, households),) = query(
        village_store,
        "select required_stars_met, households from mart_household_stars "
        "where unit_code = ? and month = ?",
        [STATION, D("2026-10-01")],
    )
    assert met / households == pytest.approx(4 / 7)


def test_household_star_change_labels(village_store):
    rows = query(
        village_store,
        "select household_id, strftime(month, '%Y-%m'), stars, previous_stars, stars_change, "
        "change from mart_household_star_change where unit_code = ? order by 1, 2",
        [STATION],
    )
    assert rows == [
        ("H01", "2026-09", 5, None, None, "首次评定"),
        ("H01", "2026-10", 7, 5, 2, "升星"),
        ("H02", "2026-09", 8, None, None, "首次评定"),
        ("H02", "2026-10", 6, 8, -2, "降星"),
        ("H03", "2026-09", 5, None, None, "首次评定"),
        ("H03", "2026-10", 5, 5, 0, "持平"),
        ("H04", "2026-10", 3, None, None, "首次评定"),
        ("H05", "2026-09", 4, None, None, "首次评定"),
        ("H05", "2026-10", None, 4, None, "未评"),
        ("H06", "2026-09", None, None, None, "未评"),
        ("H06", "2026-10", 6, None, None, "首次评定"),
        ("H07", "2026-09", 10, None, None, "首次评定"),
        ("H07", "2026-10", 10, 10, 0, "持平"),
    ]
    counts = dict(
        query(
            village_store,
            "select change, count(*) from mart_household_star_change "
            "where unit_code = ? and month = ? group by all",
            [STATION, D("2026-10-01")],
        )
    )
    assert counts == {"升星": 1, "降星": 1, "持平": 2, "首次评定": 2, "未评": 1}


def test_household_star_change_compares_with_the_previous_rating(village_store):
    rows = query(
        village_store,
        "select strftime(month, '%Y-%m'), stars, change from mart_household_star_change "
        "where unit_code = ? and household_id = 'H08' order by 1",
        [STATION_B],
    )
    # August 5 (first rating), September unrated, October 6: one star up on the last rating (5)
    assert rows == [("2026-08", 5, "首次评定"), ("2026-09", None, "未评"), ("2026-10", 6, "升星")]


# ============================================================================================
# 5. Zero-clearing (清零): int_household_ledger, fct_clearing, mart_points_month, and the
#    office's clearings (etl/clearings.py)
# ============================================================================================


def _pts(
    entry_id, household, day, category, item, points, unit=STATION, publicized="+3", status="核发"
):
    """A points row, issued (核发) by default; publicized "+3": three days after the entry."""
    if publicized == "+3":
        publicized = (D(day) + timedelta(days=3)).isoformat()
    return points_row(
        0,
        household,
        unit,
        entry_id=entry_id,
        entry_date=day,
        category=category,
        item=item,
        points=points,
        status=status,
        publicized_date=publicized,
    )


def _red(entry_id, household, day, points, unit=STATION):
    return redemption_row(
        0, points, household, entry_id=entry_id, redeemed_date=day, unit_code=unit
    )


# 安家河村, Nov 2025 – Jan 2026. H01 is cleared by a 清零 row of the ledger on 5 Dec 2025.
CLEAR_POINTS = {
    "2025-11": [
        _pts("JF251101", "H01", "2025-11-03", "基础分", "参加升国旗仪式", 5),
        _pts("JF251102", "H01", "2025-11-10", "评议分", "红旗户", 20),
        _pts("JF251103", "H02", "2025-11-05", "基础分", "参加村民大会", 3),
    ],
    "2025-12": [
        _pts("JF251201", "H01", "2025-12-05", "清零", "严重违规清零", 0, publicized=""),
        _pts("JF251202", "H01", "2025-12-15", "基础分", "参加村民大会", 4),  # barred
        _pts("JF251203", "H02", "2025-12-10", "贡献分", "无偿献血", 10),
    ],
    "2026-01": [
        _pts("JF260101", "H01", "2026-01-08", "基础分", "参加村民大会", 5),  # a new year
    ],
}
CLEAR_REDEMPTIONS = {
    "2025-11": [_red("DH251101", "H01", "2025-11-20", 10)],
    "2025-12": [
        _red("DH251201", "H01", "2025-12-22", 3),  # balance 0 since the 清零: overdrawn
        _red("DH251202", "H02", "2025-12-26", 8),
    ],
    "2026-01": [_red("DH260101", "H01", "2026-01-25", 2)],
}
CLEAR_RECEIVED = {
    "2025-11": datetime(2025, 12, 2, 9),
    "2025-12": datetime(2026, 1, 3, 9),
    "2026-01": datetime(2026, 2, 3, 9),
    "2026-02": datetime(2026, 3, 3, 9),
}


def _ledger_files(inbox: Path, unit: str, points: dict, redemptions: dict) -> list[Path]:
    files = [
        export(inbox, unit, month, "points", rows, CLEAR_RECEIVED[month])
        for month, rows in points.items()
    ]
    files += [
        export(inbox, unit, month, "redemptions", rows, CLEAR_RECEIVED[month])
        for month, rows in redemptions.items()
    ]
    return files


@pytest.fixture(scope="module")
def clearing_store(tmp_path_factory, registry) -> Path:
    root = tmp_path_factory.mktemp("clearing")
    files = _ledger_files(root / "in", STATION, CLEAR_POINTS, CLEAR_REDEMPTIONS)
    load(root / "db", *files, registry=registry)
    return root / "db"


def test_ledger_clearing_bars_points_for_the_rest_of_the_year(clearing_store):
    rows = query(
        clearing_store,
        "select entry_id, is_issued, balance_after from fct_points_entry "
        "where household_id = 'H01' order by entry_date",
    )
    assert rows == [
        ("JF251101", True, 5),
        ("JF251102", True, 25),  # 5 + 20 (before the 10 redeemed on 20 Nov)
        ("JF251201", True, 0),  # the 清零 row itself: balance 15 → 0
        ("JF251202", False, 0),  # earned after the 清零 in 2025: not issued
        ("JF260101", True, 5),  # 2026: counts again, from 0
    ]


def test_ledger_clearing_makes_a_later_redemption_overdrawn(clearing_store):
    assert query(
        clearing_store,
        "select entry_id from fct_redemption where household_id = 'H01' order by 1",
    ) == [("DH251101",), ("DH260101",)]
    assert query(clearing_store, "select source_row, reason_code, reason from mart_quarantine") == [
        (2, "overdrawn_redemption", "兑换积分 3 超过该户（H01）当时的积分余额 0")
    ]


def test_ledger_clearing_in_fct_clearing(clearing_store):
    rows = query(
        clearing_store,
        "select unit_code, household_id, entry_id, cleared_date, year, month, source, reason, "
        "clearing_id from fct_clearing",
    )
    assert rows == [
        (
            STATION,
            "H01",
            "JF251201",
            D("2025-12-05"),
            2025,
            D("2025-12-01"),
            "台账",
            "严重违规清零",
            None,
        )
    ]


def test_ledger_clearing_store_flags_only_the_overdrawn_redemption(clearing_store):
    # every issued entry is within its catalogue range and publicized; the 清零 row has no
    # 公示日期 but is not a credit; one station only, so no peer comparison can fire
    assert query(
        clearing_store,
        "select flag_id, household_id, evidence_rows, points, detail from mart_points_flag",
    ) == [(f"overdrawn:{STATION}|DH251201", "H01", 1, 3, "兑换 3 分，超过该户当时余额 0 分")]


# mart_points_month of 安家河村, by hand:
#   Nov: H01 +5 +20 −10 = 15; H02 +3 = 3 → issued 28 (基础 8, 评议 20), redeemed 10, balance 18
#   Dec: H01 清零 15 → 0, +4 barred, redemption 3 overdrawn (not counted) → 0;
#        H02 3 + 10 − 8 = 5 → issued 10 (贡献 10), 1 clearing of 15 points, redeemed 8, balance 5
#   Jan: H01 +5 − 2 = 3; H02 carries 5 → issued 5, redeemed 2, balance 8
# liability = balance × yuan_per_point (1.0)
CLEAR_MONTHS = [
    # month, issued, basic, review, contribution, clearings, cleared, redeemed, balance, liability
    ("2025-11", 28, 8, 20, 0, 0, 0, 10, 18, 18.0),
    ("2025-12", 10, 0, 0, 10, 1, 15, 8, 5, 5.0),
    ("2026-01", 5, 5, 0, 0, 0, 0, 2, 8, 8.0),
]
POINTS_MONTH_SQL = (
    "select strftime(month, '%Y-%m'), points_issued, points_basic, points_review, "
    "points_contribution, clearings, points_cleared, points_redeemed, balance_points, "
    "liability_yuan from mart_points_month where unit_code = ? order by month"
)


def test_points_month_with_a_ledger_clearing(clearing_store, registry):
    assert registry.settings["points"]["yuan_per_point"] == 1.0
    # H01 had 5 + 20 − 10 = 15 points when the 清零 row cleared them
    assert query(clearing_store, "select points_cleared from fct_clearing") == [(15,)]
    assert query(clearing_store, POINTS_MONTH_SQL, [STATION]) == CLEAR_MONTHS


@pytest.fixture(scope="module")
def same_day_clearing_store(tmp_path_factory, registry) -> Path:
    """A 清零 row keyed before another credit of the same day (a smaller 流水号)."""
    root = tmp_path_factory.mktemp("clearing-same-day")
    rows = [
        _pts("JF260301", "H01", "2026-03-12", "清零", "严重违规清零", 0, publicized=""),
        _pts("JF260302", "H01", "2026-03-12", "基础分", "参加升国旗仪式", 3),
        _pts("JF260303", "H01", "2026-03-10", "基础分", "参加村民大会", 5),
    ]
    files = [export(root / "in", STATION, "2026-03", "points", rows, datetime(2026, 4, 2, 9))]
    load(root / "db", *files, registry=registry)
    return root / "db"


def test_points_of_the_clearing_day_come_before_the_clearing(same_day_clearing_store):
    # the ledger applies a day's credits before its 清零: 5 (10 Mar) + 3 (12 Mar) = 8 cleared
    assert query(
        same_day_clearing_store,
        "select entry_id, is_issued, balance_after from fct_points_entry order by entry_date, 1",
    ) == [("JF260303", True, 5), ("JF260301", True, 0), ("JF260302", True, 8)]
    assert query(same_day_clearing_store, "select points_cleared from fct_clearing") == [(8,)]


def test_month_end_balance_after_a_clearing_day(same_day_clearing_store):
    # March: issued 5 + 3 = 8, one clearing of 8 points, balance 0 at the end of the month
    # (the month-end balance follows the ledger's order, not the 流水号: JF260302 sorts after
    # the 清零 row JF260301 but was applied before it)
    assert query(
        same_day_clearing_store,
        "select points_issued, clearings, points_cleared, balance_points, liability_yuan "
        "from mart_points_month where unit_code = ?",
        [STATION],
    ) == [(8, 1, 8, 0, 0.0)]


# --- the office's clearings -------------------------------------------------------------------

# 火石沟村 (STATION_B), January 2026: H21 earns 5 + 25 = 30; H22 earns 4 and spends 3 → 1.
# February (ingested after the office's clearing): H21 +3, H22 +2.
OFFICE_POINTS = {
    "2026-01": [
        _pts("JF260101", "H21", "2026-01-05", "基础分", "参加村民大会", 5, STATION_B),
        _pts("JF260102", "H21", "2026-01-12", "评议分", "红旗户", 25, STATION_B),
        _pts("JF260103", "H22", "2026-01-06", "基础分", "参加升国旗仪式", 4, STATION_B),
    ]
}
OFFICE_REDEMPTIONS = {"2026-01": [_red("DH260101", "H22", "2026-01-26", 3, STATION_B)]}
OFFICE_FEB = {
    "2026-02": [
        _pts("JF260201", "H21", "2026-02-06", "基础分", "参加升国旗仪式", 3, STATION_B),
        _pts("JF260202", "H22", "2026-02-07", "基础分", "参加村民大会", 2, STATION_B),
    ]
}
REASON = "县法院判决认定聚众赌博，镇党委决定清零"
VOID_REASON = "判决已撤销，清零有误"


def _office_snapshot(store: Path) -> dict:
    # audit_log is created by the first audited action
    has_audit = query(
        store, "select count(*) from information_schema.tables where table_name = 'audit_log'"
    ) == [(1,)]
    return {
        "version": db_store.version_of(db_store.current_path(store)),
        "clearing": query(
            store,
            "select unit_code, household_id, entry_id, cleared_date, source, reason, clearing_id, "
            "entered_by from fct_clearing",
        ),
        "points_cleared": query(store, "select points_cleared from fct_clearing"),
        "months": query(
            store,
            "select strftime(month, '%Y-%m'), points_issued, clearings, points_redeemed, "
            "balance_points, liability_yuan from mart_points_month where unit_code = ? "
            "order by month",
            [STATION_B],
        ),
        "issued": query(
            store,
            "select entry_id, is_issued from fct_points_entry where household_id = 'H21' "
            "order by 1",
        ),
        "audit": query(
            store,
            "select actor, action, subject from audit_log "
            "where action in ('clear_points', 'void_clearing') order by logged_at, action",
        )
        if has_audit
        else [],
        "office": query(
            store,
            "select clearing_id, unit_code, household_id, cleared_date, reason, entered_by, "
            "voided_at is not null, voided_by, void_reason from office_clearing",
        ),
    }


@pytest.fixture(scope="module")
def office_steps(tmp_path_factory, registry) -> dict:
    """The office clears H21, a February file is ingested, then the clearing is voided."""
    root = tmp_path_factory.mktemp("office")
    store = root / "db"
    load(
        store,
        *_ledger_files(root / "in", STATION_B, OFFICE_POINTS, OFFICE_REDEMPTIONS),
        registry=registry,
    )
    steps = {"before": _office_snapshot(store)}
    cid = clearings.add(
        store, STATION_B, "H21", D("2026-01-20"), REASON, "李办事员", today=D("2026-03-01")
    )
    steps["added"] = _office_snapshot(store)
    steps["clearing_id"] = cid
    load(store, *_ledger_files(root / "feb", STATION_B, OFFICE_FEB, {}), registry=registry)
    steps["ingested"] = _office_snapshot(store)
    clearings.void(store, cid, VOID_REASON, "王审核")
    steps["voided"] = _office_snapshot(store)
    return steps


def test_office_clearing_is_applied_in_a_new_version(office_steps):
    before, added = office_steps["before"], office_steps["added"]
    assert office_steps["clearing_id"] == 1
    assert added["version"] == before["version"] + 1
    assert added["clearing"] == [
        (STATION_B, "H21", "QL-1", D("2026-01-20"), "办公室录入", REASON, 1, "李办事员")
    ]
    # January: issued 5 + 25 + 4 = 34, redeemed 3; balance H21 30 → 0 by the clearing, H22 1
    assert before["months"] == [("2026-01", 34, 0, 3, 31, 31.0)]
    assert added["months"] == [("2026-01", 34, 1, 3, 1, 1.0)]
    assert added["audit"] == [("李办事员", "clear_points", f"{STATION_B}/H21")]


def test_office_clearing_records_the_points_it_cleared(office_steps):
    # H21 had 5 + 25 = 30 points on 20 Jan 2026
    assert office_steps["added"]["points_cleared"] == [(30,)]


def test_office_clearing_survives_a_later_ingest(office_steps):
    ingested = office_steps["ingested"]
    assert ingested["version"] == office_steps["added"]["version"] + 1
    assert ingested["clearing"] == office_steps["added"]["clearing"]
    # February: H21's 3 points are barred (cleared in 2026), H22 1 + 2 = 3 → issued 2, balance 3
    assert ingested["months"] == [("2026-01", 34, 1, 3, 1, 1.0), ("2026-02", 2, 0, 0, 3, 3.0)]
    assert ingested["issued"] == [("JF260101", True), ("JF260102", True), ("JF260201", False)]


def test_voiding_an_office_clearing_restores_the_balance(office_steps):
    voided = office_steps["voided"]
    assert voided["version"] == office_steps["ingested"]["version"] + 1
    assert voided["clearing"] == []
    # Jan: H21 30 + H22 1 = 31; Feb: H21 30 + 3 = 33, H22 3 → 36, issued 3 + 2 = 5
    assert voided["months"] == [("2026-01", 34, 0, 3, 31, 31.0), ("2026-02", 5, 0, 0, 36, 36.0)]
    assert voided["issued"] == [("JF260101", True), ("JF260102", True), ("JF260201", True)]
    assert voided["audit"] == [
        ("李办事员", "clear_points", f"{STATION_B}/H21"),
        ("王审核", "void_clearing", f"{STATION_B}/H21"),
    ]
    # the voided clearing stays on record
    assert voided["office"] == [
        (1, STATION_B, "H21", D("2026-01-20"), REASON, "李办事员", True, "王审核", VOID_REASON)
    ]


@pytest.fixture(scope="module")
def errors_store(clearing_store, tmp_path_factory) -> Path:
    return copy_store(clearing_store, tmp_path_factory.mktemp("clearing-errors") / "db")


TODAY = D("2026-03-01")


@pytest.mark.parametrize(
    ("unit", "household", "day", "reason", "message"),
    [
        (STATION, "H01", "2026-01-10", "  ", "请填写清零理由（如违法违规的事实和处理决定）"),
        (STATION, "H01", "2026-01-10", REASON, "请填写经办人"),  # no author (below)
        (
            STATION[:-3] + "999",
            "H01",
            "2026-01-10",
            REASON,
            "单位编码 620623101999 不是登记的实践站",
        ),
        ("620623101", "H01", "2026-01-10", REASON, "单位编码 620623101 不是登记的实践站"),  # 所
        (
            STATION,
            "H99",
            "2026-01-10",
            REASON,
            f"安家河村新时代文明实践站（{STATION}）的积分台账中没有户编号 H99",
        ),
        (STATION, "H02", "2026-03-02", REASON, "清零日期 2026-03-02 晚于今天"),  # after TODAY
        (
            STATION,
            "H01",
            "2025-12-20",
            REASON,
            "户 H01 已于 2025-12-05 清零（台账），2025 年内不再重复清零",
        ),
    ],
)
def test_office_clearing_refused(errors_store, unit, household, day, reason, message):
    version = db_store.current_path(errors_store)
    author = " " if message == "请填写经办人" else "李办事员"
    with pytest.raises(ClearingError) as err:
        clearings.add(errors_store, unit, household, D(day), reason, author, today=TODAY)
    assert str(err.value) == message
    assert db_store.current_path(errors_store) == version  # nothing written
    assert query(errors_store, "select count(*) from office_clearing") == [(0,)]


def test_voiding_twice_or_an_unknown_clearing_is_refused(clearing_store, tmp_path):
    store = copy_store(clearing_store, tmp_path / "db")
    with pytest.raises(ClearingError) as err:
        clearings.void(store, 99, VOID_REASON, "王审核")
    assert str(err.value) == "没有编号为 99 的办公室清零记录"
    cid = clearings.add(store, STATION, "H02", D("2026-01-10"), REASON, "李办事员", today=TODAY)
    with pytest.raises(ClearingError) as err:
        clearings.void(store, cid, " ", "王审核")
    assert str(err.value) == "请填写撤销理由"
    clearings.void(store, cid, VOID_REASON, "王审核")
    with pytest.raises(ClearingError) as err:
        clearings.void(store, cid, VOID_REASON, "王审核")
    assert re.fullmatch(rf"清零记录 {cid} 已于 \d{{4}}-\d\d-\d\d \d\d:\d\d 撤销", str(err.value))
    assert query(store, "select count(*) from audit_log where action = 'void_clearing'") == [(1,)]
    # a voided clearing no longer counts: the household may be cleared again that year
    again = clearings.add(store, STATION, "H02", D("2026-01-12"), REASON, "李办事员", today=TODAY)
    assert again == cid + 1
    assert query(
        store, "select entry_id, cleared_date, source from fct_clearing where year = 2026"
    ) == [(f"QL-{again}", D("2026-01-12"), "办公室录入")]


# ============================================================================================
# 6. Points integrity audit: int_points_evidence and mart_points_flag
# ============================================================================================

# May 2026 is a farming-season month for 参加春耕秋收互助 (2–5, in months 4, 5, 9, 10: 5–10);
# July is not. May and July have points at two stations only, so no peer outlier is possible
# there (a > 5 × (a + b) / 2 has no positive solution); August is the peer month.
AUDIT_POINTS = {
    (STATION, "2026-05"): [
        _pts("A01", "H01", "2026-05-06", "基础分", "参加春耕秋收互助", 10),  # season max: ok
        _pts("A02", "H02", "2026-05-06", "基础分", "参加春耕秋收互助", 4),  # < season min 5
        _pts("A03", "H01", "2026-05-07", "基础分", "参加春耕秋收互助", 5),  # season min: ok
    ],
    (STATION_B, "2026-05"): [
        _pts("B01", "H21", "2026-05-08", "基础分", "参加村民大会", 3, STATION_B, ""),  # 未公示
        _pts("B02", "H22", "2026-05-09", "评议分", "红旗户", 10, STATION_B, ""),  # 未公示
        # not issued, so no publicity step is owed yet
        _pts("B03", "H21", "2026-05-10", "基础分", "参加村民大会", 4, STATION_B, "", "公示"),
        _pts("B04", "H23", "2026-05-11", "基础分", "参加村民大会", 2, STATION_B, "", "申报"),
        _pts("B05", "H23", "2026-05-12", "基础分", "参加升国旗仪式", 5, STATION_B),
    ],
    (STATION, "2026-07"): [
        _pts("C01", "H01", "2026-07-02", "基础分", "参加春耕秋收互助", 10),  # off season: > 5
        _pts("C02", "H02", "2026-07-02", "基础分", "参加春耕秋收互助", 5),  # max: ok
        _pts("C03", "H02", "2026-07-03", "基础分", "参加春耕秋收互助", 2),  # min: ok
        # H03 credited four times on 10 July: 3 + 4 + 6 + 2 = 15
        _pts("C04", "H03", "2026-07-10", "基础分", "参加升国旗仪式", 3),
        _pts("C05", "H03", "2026-07-10", "基础分", "参加村民大会", 4),
        _pts("C06", "H03", "2026-07-10", "基础分", "清理垃圾", 6),
        _pts("C07", "H03", "2026-07-10", "基础分", "庭院整洁", 2),
        # H04 three times on 11 July (the limit), and a fourth entry rejected (驳回)
        _pts("C08", "H04", "2026-07-11", "基础分", "参加升国旗仪式", 3),
        _pts("C09", "H04", "2026-07-11", "基础分", "参加村民大会", 4),
        _pts("C10", "H04", "2026-07-11", "基础分", "清理垃圾", 6),
        _pts("C11", "H04", "2026-07-11", "基础分", "庭院整洁", 2, status="驳回"),
        _pts("C12", "H05", "2026-07-03", "基础分", "参加升国旗仪式", 5),
        _pts("C13", "H06", "2026-07-04", "基础分", "参加升国旗仪式", 5),
    ],
    (STATION_B, "2026-07"): [
        _pts("D01", "H21", "2026-07-05", "基础分", "参加升国旗仪式", 2, STATION_B),  # min: ok
        _pts("D02", "H22", "2026-07-05", "基础分", "参加升国旗仪式", 5, STATION_B),  # max: ok
        _pts("D03", "H23", "2026-07-06", "基础分", "参加升国旗仪式", 6, STATION_B),  # > 5
        _pts("D04", "H24", "2026-07-07", "基础分", "帮忙搬家", 5, STATION_B),  # not in catalogue
        _pts("D05", "H21", "2026-07-08", "扣分", "乱倒垃圾", -10, STATION_B),  # −10..−2: ok
        _pts("D06", "H22", "2026-07-08", "扣分", "乱倒垃圾", -12, STATION_B),  # < −10
        # 50 is outside 红旗户's 10–30, but only proposed for public notice (公示), not issued
        _pts("D07", "H25", "2026-07-09", "评议分", "红旗户", 50, STATION_B, status="公示"),
    ],
}
AUDIT_REDEMPTIONS = {
    (STATION, "2026-07"): [
        _red("R01", "H05", "2026-07-20", 8),  # H05 has 5: overdrawn
        _red("R02", "H06", "2026-07-21", 5),  # H06 has exactly 5: ok
    ],
}
# August: seven stations credit one 获县级以上表彰 (100–2000) per household entry.
# (code, households in units.csv, points per entry)
PEERS = [
    ("620623101202", 240, [120]),  # 大庄村 120 / 240 = 0.5 a household
    ("620623101203", 140, [112]),  # 铁腰村 112 / 140 = 0.8
    ("620623101211", 221, [200]),  # 石灰沟村 200 / 221 ≈ 0.905
    ("620623101207", 274, [274]),  # 友谊村 274 / 274 = 1.0: the median of seven
    ("620623101208", 271, [542]),  # 大湾村 542 / 271 = 2.0
    ("620623101210", 109, [545]),  # 金强驿村 545 / 109 = 5.0: exactly 5 × median, not above
    ("620623101206", 118, [400, 308]),  # 下十八村 708 / 118 = 6.0 > 5 × 1.0: flagged
]
OUTLIER = "620623101206"


def _peer_rows(code: str, points: list[int]) -> list[list[object]]:
    return [
        _pts(f"P{k + 1:02d}", f"H{k + 1:02d}", "2026-08-09", "贡献分", "获县级以上表彰", p, code)
        for k, p in enumerate(points)
    ]


def _file_name(unit: str, month: str, key: str) -> str:
    return f"{unit}_{month}_{SHEET_BY_KEY[key].title}.csv"


@pytest.fixture(scope="module")
def audit_store(tmp_path_factory, registry) -> Path:
    root = tmp_path_factory.mktemp("audit")
    received = datetime(2026, 9, 2, 9)
    files = [
        export(root / "in", unit, month, "points", rows, received)
        for (unit, month), rows in AUDIT_POINTS.items()
    ]
    files += [
        export(root / "in", unit, month, "redemptions", rows, received)
        for (unit, month), rows in AUDIT_REDEMPTIONS.items()
    ]
    files += [
        export(root / "in", code, "2026-08", "points", _peer_rows(code, points), received)
        for code, _, points in PEERS
    ]
    load(root / "db", *files, registry=registry)
    return root / "db"


def _source_row(unit: str, month: str, entry_id: str, sheet: dict = AUDIT_POINTS) -> int:
    """The physical row of an entry in its file: the header is row 1."""
    ids = [row[0] for row in sheet[(unit, month)]]
    return ids.index(entry_id) + 2


PEER_DETAIL = "本月户均发放 6.0 分，是全县 7 个有积分站点中位数（1.0 分）的 6.0 倍"
# flag_id, rule, unit, household, households, month, evidence_rows, points, detail,
# evidence [(entry_id, file name, source_row)]
FLAGS = [
    (
        f"out_of_range:{STATION}|2026-05|参加春耕秋收互助",
        "out_of_range",
        STATION,
        "H02",
        1,
        "2026-05",
        1,
        4,
        "「参加春耕秋收互助」农忙季目录分值为 5–10 分",
        [("A02", _file_name(STATION, "2026-05", "points"), _source_row(STATION, "2026-05", "A02"))],
    ),
    (
        f"out_of_range:{STATION}|2026-07|参加春耕秋收互助",
        "out_of_range",
        STATION,
        "H01",
        1,
        "2026-07",
        1,
        10,
        "「参加春耕秋收互助」目录分值为 2–5 分",
        [("C01", _file_name(STATION, "2026-07", "points"), _source_row(STATION, "2026-07", "C01"))],
    ),
    (
        f"out_of_range:{STATION_B}|2026-07|参加升国旗仪式",
        "out_of_range",
        STATION_B,
        "H23",
        1,
        "2026-07",
        1,
        6,
        "「参加升国旗仪式」目录分值为 2–5 分",
        [
            (
                "D03",
                _file_name(STATION_B, "2026-07", "points"),
                _source_row(STATION_B, "2026-07", "D03"),
            )
        ],
    ),
    (
        f"out_of_range:{STATION_B}|2026-07|帮忙搬家",
        "out_of_range",
        STATION_B,
        "H24",
        1,
        "2026-07",
        1,
        5,
        "积分项目「帮忙搬家」不在积分目录中",
        [
            (
                "D04",
                _file_name(STATION_B, "2026-07", "points"),
                _source_row(STATION_B, "2026-07", "D04"),
            )
        ],
    ),
    (
        f"out_of_range:{STATION_B}|2026-07|乱倒垃圾",
        "out_of_range",
        STATION_B,
        "H22",
        1,
        "2026-07",
        1,
        -12,
        "「乱倒垃圾」目录分值为 -10–-2 分",
        [
            (
                "D06",
                _file_name(STATION_B, "2026-07", "points"),
                _source_row(STATION_B, "2026-07", "D06"),
            )
        ],
    ),
    (
        f"same_day:{STATION}|H03|2026-07-10",
        "same_day",
        STATION,
        "H03",
        1,
        "2026-07",
        4,
        15,  # 3 + 4 + 6 + 2
        "同一户同一天记分 4 次（上限 3 次），共 15 分",
        [
            (e, _file_name(STATION, "2026-07", "points"), _source_row(STATION, "2026-07", e))
            for e in ("C04", "C05", "C06", "C07")
        ],
    ),
    (
        f"overdrawn:{STATION}|R01",
        "overdrawn",
        STATION,
        "H05",
        1,
        "2026-07",
        1,
        8,
        "兑换 8 分，超过该户当时余额 5 分",
        [
            (
                "R01",
                _file_name(STATION, "2026-07", "redemptions"),
                _source_row(STATION, "2026-07", "R01", AUDIT_REDEMPTIONS),
            )
        ],
    ),
    (
        f"no_publicity:{STATION_B}|2026-05",
        "no_publicity",
        STATION_B,
        None,  # two households
        2,
        "2026-05",
        2,
        13,  # 3 + 10
        "已核发但没有公示日期（未经公示环节）",
        [
            (e, _file_name(STATION_B, "2026-05", "points"), _source_row(STATION_B, "2026-05", e))
            for e in ("B01", "B02")
        ],
    ),
    (
        f"peer_outlier:{OUTLIER}|2026-08",
        "peer_outlier",
        OUTLIER,
        None,  # two households
        2,
        "2026-08",
        2,
        708,  # 400 + 308
        PEER_DETAIL,
        [(e, _file_name(OUTLIER, "2026-08", "points"), r) for e, r in (("P01", 2), ("P02", 3))],
    ),
]


def test_audit_thresholds_are_the_registry_s(registry):
    # the hand-made ledger above is built around these thresholds
    audit = registry.settings["audit"]
    assert (audit["same_day_max_entries"], audit["peer_ratio"]) == (3, 5.0)


def test_peer_figures_by_hand(registry):
    """The registered households the peer figures above were worked out with."""
    ratio = registry.settings["audit"]["peer_ratio"]
    households = dict(registry.units.select("code", "households").iter_rows())
    per_household = {code: sum(pts) / households[code] for code, hh, pts in PEERS}
    assert {code: households[code] for code, _, _ in PEERS} == {c: hh for c, hh, _ in PEERS}
    median = statistics.median(per_household.values())
    assert median == 1.0
    assert [c for c, v in per_household.items() if v > ratio * median] == [OUTLIER]
    assert per_household["620623101210"] == ratio * median  # at the ratio, not above


def test_audit_flags_are_exactly_the_planted_ones(audit_store):
    got = {r[0] for r in query(audit_store, "select flag_id from mart_points_flag")}
    assert got == {f[0] for f in FLAGS}


@pytest.mark.parametrize("flag", FLAGS, ids=[f[0].split(":")[0] + "-" + f[8][:6] for f in FLAGS])
def test_audit_flag_and_its_evidence(audit_store, flag):
    flag_id, rule, unit, household, households, month, n, points, detail, evidence = flag
    assert query(
        audit_store,
        "select rule, unit_code, household_id, households, strftime(month, '%Y-%m'), "
        "evidence_rows, points, detail from mart_points_flag where flag_id = ?",
        [flag_id],
    ) == [(rule, unit, household, households, month, n, points, detail)]
    rows = query(
        audit_store,
        "select e.entry_id, f.file_name, e.source_row from int_points_evidence e "
        "join source_file f using (file_id) where e.rule || ':' || e.flag_key = ? order by 1",
        [flag_id],
    )
    assert rows == sorted(evidence)


def test_audit_evidence_kinds(audit_store):
    # credits are evidence of kind 积分; the overdrawn redemption is 兑换, with the balance it
    # exceeded (H05 had 5)
    assert query(
        audit_store,
        "select kind, count(*), count(balance_before) from int_points_evidence group by all "
        "order by 1",
    ) == [("兑换", 1, 1), ("积分", 13, 0)]  # 1 + 1 + 1 + 1 + 1 + 4 + 2 + 2 credits
    assert query(
        audit_store,
        "select entry_id, item, balance_before from int_points_evidence where rule = 'overdrawn'",
    ) == [("R01", "洗衣粉×1", 5)]


@pytest.mark.parametrize(
    ("rule", "unit", "entry_id", "why"),
    [
        ("out_of_range", STATION, "A01", "10 in May: the season's maximum"),
        ("out_of_range", STATION, "A03", "5 in May: the season's minimum"),
        ("out_of_range", STATION, "C02", "5 in July: the maximum"),
        ("out_of_range", STATION, "C03", "2 in July: the minimum"),
        ("out_of_range", STATION_B, "D01", "2: the minimum"),
        ("out_of_range", STATION_B, "D02", "5: the maximum"),
        ("out_of_range", STATION_B, "D05", "−10: the deduction's floor"),
        ("out_of_range", STATION_B, "D07", "50 but only 公示, not issued"),
        ("same_day", STATION, "C08", "three entries on one day: the limit"),
        ("overdrawn", STATION, "R02", "redeems exactly the balance"),
        ("no_publicity", STATION_B, "B03", "no 公示日期 but not issued (公示)"),
        ("no_publicity", STATION_B, "B04", "no 公示日期 but not issued (申报)"),
        ("peer_outlier", "620623101210", "P01", "exactly peer_ratio × the median"),
    ],
)
def test_audit_boundaries_do_not_fire(audit_store, rule, unit, entry_id, why):
    assert query(
        audit_store,
        "select count(*) from int_points_evidence where rule = ? and unit_code = ? "
        "and entry_id = ?",
        [rule, unit, entry_id],
    ) == [(0,)], why


CLEAN_STATIONS = [
    # (code, households): per-household points within a factor of two of each other
    ("620623101201", 377),  # 打柴沟村
    ("620623101202", 240),  # 大庄村
    ("620623101203", 140),  # 铁腰村
    (STATION, 380),  # 安家河村
]


@pytest.fixture(scope="module")
def clean_store(tmp_path_factory, registry) -> Path:
    root = tmp_path_factory.mktemp("clean")
    received = datetime(2026, 11, 2, 9)
    files = []
    for n, (code, _) in enumerate(CLEAN_STATIONS):
        # October (a season month): 参加春耕秋收互助 at 5–10, three entries a day at most,
        # every entry publicized; spending within the balance
        rows = [
            _pts("Q01", "H01", "2026-10-03", "基础分", "参加春耕秋收互助", 8, code),
            _pts("Q02", "H01", "2026-10-03", "基础分", "参加升国旗仪式", 5, code),
            _pts("Q03", "H01", "2026-10-03", "评议分", "红旗户", 10 + n, code),
            _pts("Q04", "H02", "2026-10-04", "基础分", "参加村民大会", 2, code),
            _pts("Q05", "H02", "2026-10-05", "扣分", "乱倒垃圾", -2, code),
            _pts("Q06", "H03", "2026-10-06", "贡献分", "无偿献血", 10, code),
            # proposed only: no 公示日期 owed yet
            _pts("Q07", "H03", "2026-10-07", "基础分", "参加村民大会", 3, code, "", "申报"),
        ]
        reds = [
            _red("R01", "H01", "2026-10-25", 23, code),  # 8 + 5 + 10 (+ n) on hand
            _red("R02", "H03", "2026-10-26", 10, code),  # exactly the 10 on hand
        ]
        files.append(export(root / "in", code, "2026-10", "points", rows, received))
        files.append(export(root / "in", code, "2026-10", "redemptions", reds, received))
    load(root / "db", *files, registry=registry)
    return root / "db"


def test_clean_ledger_raises_no_flag(clean_store, registry):
    # per household: (8 + 5 + 10 + n + 2 + 10) / households ranges from 35 / 377 ≈ 0.09 to
    # 37 / 140 ≈ 0.26: the highest is under 3 × the lowest, far from 5 × the median
    assert query(clean_store, "select count(*) from fct_points_entry where is_issued") == [(24,)]
    assert query(clean_store, "select count(*) from fct_redemption") == [(8,)]
    assert query(clean_store, "select * from mart_points_flag") == []
    assert query(clean_store, "select count(*) from int_points_evidence") == [(0,)]


# ============================================================================================
# 7. The demo county: every planted integrity problem found, and no false alarm
# ============================================================================================

SINGLE_ROW_KINDS = {"out_of_range": "out_of_range", "off_season": "out_of_range"}


def _planted_at(planted: list[dict]) -> set[tuple[str, str]]:
    return {(p["unit_code"], str(p["month"])[:7]) for p in planted}


def test_demo_plants_every_kind_of_integrity_problem(demo_manifest):
    kinds = {p["kind"] for p in demo_manifest["integrity"]}
    assert kinds == {"out_of_range", "off_season", "same_day", "inflated", "no_publicity"}


def test_demo_every_planted_integrity_problem_is_flagged(demo_store, demo_manifest):
    store, _ = demo_store
    evidence = set(
        query(
            store,
            "select rule, unit_code, strftime(month, '%Y-%m'), household_id, entry_id "
            "from int_points_evidence",
        )
    )
    by_entry = {(r, u, m, e) for r, u, m, _, e in evidence}
    same_day = {(u, m, h, e) for r, u, m, h, e in evidence if r == "same_day"}
    flags = set(
        query(store, "select rule, unit_code, strftime(month, '%Y-%m') from mart_points_flag")
    )
    missed = []
    for p in demo_manifest["integrity"]:
        unit, month, kind = p["unit_code"], str(p["month"])[:7], p["kind"]
        if kind in SINGLE_ROW_KINDS:
            found = ("out_of_range", unit, month, p["entry_id"]) in by_entry
        elif kind == "same_day":
            found = (unit, month, p["household_id"], p["entry_id"]) in same_day
        elif kind == "inflated":
            found = ("peer_outlier", unit, month) in flags
        else:  # no_publicity
            found = ("no_publicity", unit, month) in flags
        if not found:
            missed.append(p)
    assert missed == []


def test_demo_raises_no_false_alarm(demo_store, demo_manifest):
    store, _ = demo_store
    planted = _planted_at(demo_manifest["integrity"])
    flags = query(
        store,
        "select flag_id, rule, unit_code, strftime(month, '%Y-%m') from mart_points_flag "
        "where rule <> 'overdrawn'",
    )
    unexplained = [f for f in flags if (f[2], f[3]) not in planted]
    assert unexplained == []
    assert flags  # the planted problems are there to be explained


def test_demo_overdrawn_flags_are_the_planted_overdrawn_redemptions(demo_store, demo_manifest):
    store, _ = demo_store
    planted = sum(1 for d in demo_manifest["dirt"] if d["kind"] == "overdrawn_redemption")
    assert planted > 0
    assert query(store, "select count(*) from mart_points_flag where rule = 'overdrawn'") == [
        (planted,)
    ]
