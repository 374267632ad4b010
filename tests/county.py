"""A small hand-made county for the index tests, written as the field's export files.

The real registry cut to two sub-centres, three towns and twelve villages
(populations made round so that twins compare), and two months of exports:
September 2026, where almost every unit sends an ordinary month, and
October 2026, where each of the index's hard cases is played by one unit
next to a twin that sends the same month without the twist. Every unit's
role is a constant below; `write_month` writes one month's files.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from core.contract import SHEET_BY_KEY
from core.registry import Registry, load_registry, validate
from demo.scale import keep_units
from tests.exports import header, write_csv

SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)
# received two days before the deadline (day 5 of the next month)
RECEIVED = {SEP: datetime(2026, 10, 3, 10, 0), OCT: datetime(2026, 11, 3, 10, 0)}

COUNTY = "620623"
PQ2, PQ3 = "620623-PQ2", "620623-PQ3"
# institutes: 打柴沟镇 and 炭山岭镇 (in PQ2), 安远镇 (in PQ3)
I101, I103, I102 = "620623101", "620623103", "620623102"

# stations of 打柴沟镇: three ordinary ones and one per case
S1, S2, S3 = "620623101201", "620623101202", "620623101203"
HOURS_ROW = "620623101204"  # sends one row of 1 volunteer and 100,000 hours besides its month
WITHHOLDS = "620623101205"  # withholds its 阵地自查 (which would show 2 of 8 items met)
PADS = "620623101206"  # sends 40 near-identical rows (new 活动编号) besides its month
PADS_ONCE = "620623101207"  # sends one such row besides its month
MORE_WORK = "620623101208"  # sends five ordinary activities besides its month
# stations of 炭山岭镇: one with a 核发 points entry never publicised, one twice as big
NO_NOTICE, BIG = "620623103201", "620623103202"
# stations of 安远镇, whose institute sends nothing in October
S5, S6 = "620623102201", "620623102202"
STATIONS = [S1, S2, S3, HOURS_ROW, WITHHOLDS, PADS, PADS_ONCE, MORE_WORK, NO_NOTICE, BIG, S5, S6]
ORDINARY_STATIONS = [S1, S2, S3, S5, S6]

STATION_POPULATION, STATION_HOUSEHOLDS = 500, 50
BIG_POPULATION, BIG_HOUSEHOLDS = 1000, 100

# the nine county teams (the registry requires one per service platform)
NEW = "620623-DW01"  # 未报送 in September, at the top in October
CLOSE = "620623-DW02"  # at the top in October, within the margin of NEW
NO_ORDERS = "620623-DW03"  # took no order in October
RATED_3 = "620623-DW04"  # took one order in October, completed and rated 3 stars
SMALL = "620623-DW05"  # 25 members instead of 50, the same work as an ordinary team
ORDINARY_TEAM = "620623-DW06"
RISER = "620623-DW07"  # one activity in September, an ordinary month in October
OUTLIER = "620623-DW08"  # twelve activities a month, far above its peers
SILENT = "620623-DW09"  # 未报送 in October
TEAMS = [NEW, CLOSE, NO_ORDERS, RATED_3, SMALL, ORDINARY_TEAM, RISER, OUTLIER, SILENT]
TEAM_MEMBERS = 50
SMALL_MEMBERS = 25


def registry() -> Registry:
    """The real registry cut to the units above, populations made round."""
    reg = load_registry()
    keep = {COUNTY, PQ2, PQ3, I101, I102, I103, *STATIONS}
    sizes = {s: (STATION_POPULATION, STATION_HOUSEHOLDS) for s in STATIONS}
    sizes[BIG] = (BIG_POPULATION, BIG_HOUSEHOLDS)
    units = reg.units.filter(pl.col("code").is_in(list(keep))).with_columns(
        population=pl.col("code").replace_strict(
            {k: v[0] for k, v in sizes.items()}, default=pl.col("population")
        ),
        households=pl.col("code").replace_strict(
            {k: v[1] for k, v in sizes.items()}, default=pl.col("households")
        ),
    )
    small = keep_units(reg, units)
    problems = validate(small)
    assert problems == [], problems
    return small


# --- rows ------------------------------------------------------------------------------------


def _row(sheet: str, values: dict) -> list[object]:
    return [values.get(c.key, "") for c in SHEET_BY_KEY[sheet].columns]


def _day(month: date, day: int) -> str:
    return month.replace(day=day).isoformat()


def activity(unit: str, month: date, n: int, **over) -> list[object]:
    """An activity row; rows of different n have different 活动编号 and names."""
    values = {
        "activity_id": f"HD{month:%Y%m}-{n:03d}",
        "activity_date": _day(month, 10),
        "activity_name": f"{unit[-3:]}号站文明实践活动（第{n}场）",
        "unit_code": unit,
        "platform": "理论政策宣讲",
        "participants": 75,
        "source": "自主开展",
    }
    values.update(over)
    return _row("activities", values)


def standards(unit: str, month: date, met: int) -> list[object]:
    """A 阵地自查 row with the first `met` of the eight items met."""
    keys = [c.key for c in SHEET_BY_KEY["standards"].columns if c.key.startswith("has_")]
    values = {k: "是" if i < met else "否" for i, k in enumerate(keys)}
    values |= {"unit_code": unit, "month": f"{month:%Y-%m}", "station_stars": "四星"}
    return _row("standards", values)


def points(unit: str, month: date, household: int, publicised: bool = True) -> list[object]:
    return _row(
        "points",
        {
            "entry_id": f"JF{month:%Y%m}{household:04d}",
            "entry_date": _day(month, 3),
            "unit_code": unit,
            "household_id": f"H{household:04d}",
            "category": "基础分",
            "item": "参加升国旗仪式",  # 2–5 points in the catalogue
            "points": 5,
            "status": "核发",
            "publicized_date": _day(month, 6) if publicised else "",
        },
    )


def volunteer(team: str, n: int) -> list[object]:
    return _row(
        "volunteers",
        {
            "volunteer_id": f"{team[-4:]}-{n:03d}",
            "unit_code": team,
            "registered_date": "2026-01-15",
            "status": "在册",
        },
    )


def order(n: int, month: date, taker: str, village: str, rating: int | str = 5) -> list[object]:
    start = datetime.combine(month.replace(day=8), datetime.min.time()) + timedelta(hours=9)
    stamp = start.strftime("%Y-%m-%d %H:%M")
    done = (start + timedelta(hours=48)).strftime("%Y-%m-%d %H:%M")
    return _row(
        "orders",
        {
            "order_id": f"DD{month:%Y%m}{n:04d}",
            "ordered_at": stamp,
            "village_code": village,
            "platform": "卫生健康",
            "request": "义诊进村",
            "dispatched_at": stamp,
            "taker_code": taker,
            "accepted_at": stamp,
            "completed_at": done,
            "rating": rating,
            "status": "已评价" if rating != "" else "已完成",
        },
    )


# --- files -----------------------------------------------------------------------------------

TITLES = {k: s.title for k, s in SHEET_BY_KEY.items()}


def _write(folder: Path, unit: str, month: date, sheet: str, rows: list[list[object]]) -> Path:
    name = f"{unit}_{month:%Y-%m}_{TITLES[sheet]}.csv"
    return write_csv(folder / name, [header(sheet), *rows], received=RECEIVED[month])


def station_activities(unit: str, month: date) -> list[list[object]]:
    """An ordinary station month: one 宣讲 (and in October a second activity), 75 people each."""
    rows = [activity(unit, month, 1)]
    if month == OCT:
        rows.append(activity(unit, month, 2, platform="文体旅游"))
    return rows


def write_station(folder: Path, unit: str, month: date, twist: bool = True) -> None:
    """A station's four owed sheets; in October each case station adds its twist."""
    acts = station_activities(unit, month)
    padding = {"activity_name": "村级文明实践志愿服务", "participants": 2}
    if month == OCT and twist:
        if unit == HOURS_ROW:
            acts.append(activity(unit, month, 3, volunteers=1, volunteer_hours=100000))
        elif unit == PADS:
            acts += [activity(unit, month, 100 + i, **padding) for i in range(40)]
        elif unit == PADS_ONCE:
            acts.append(activity(unit, month, 100, **padding))
        elif unit == MORE_WORK:
            acts += [
                activity(unit, month, 10 + i, platform="文体旅游", participants=5) for i in range(5)
            ]
    _write(folder, unit, month, "activities", acts)
    households = BIG_HOUSEHOLDS if unit == BIG else STATION_HOUSEHOLDS
    earning = [points(unit, month, h) for h in range(1, 21)]  # 20 households earn points
    if month == OCT and unit == NO_NOTICE and twist:
        earning[0] = points(unit, month, 1, publicised=False)
    assert len(earning) <= households
    _write(folder, unit, month, "points", earning)
    _write(folder, unit, month, "redemptions", [])  # nobody redeemed
    if not (month == OCT and unit == WITHHOLDS and twist):
        _write(folder, unit, month, "standards", [standards(unit, month, 7)])


def write_institute(folder: Path, unit: str, month: date) -> None:
    _write(folder, unit, month, "activities", [activity(unit, month, 1, participants=50)])
    _write(folder, unit, month, "standards", [standards(unit, month, 7)])
    team = f"{unit}-DW01"  # the town's 宣讲 team
    _write(folder, unit, month, "volunteers", [volunteer(team, n) for n in range(1, 11)])


def team_activities(team: str, month: date) -> list[list[object]]:
    ordinary = {"participants": 30, "volunteers": 5, "volunteer_hours": 10}
    n = 2
    if month == SEP and team == RISER:
        n = 1
    rows = [activity(team, month, i, platform="卫生健康", **ordinary) for i in range(1, n + 1)]
    if month == OCT and team == NEW:
        # four activities, one on the month's theme, 30 people each
        rows = [activity(team, month, i, platform="卫生健康", **ordinary) for i in range(1, 5)]
        rows[0][SHEET_COLUMN["theme"]] = theme(OCT)
    elif month == OCT and team == CLOSE:
        # four activities, none on the theme, but longer service and more people
        more = {"participants": 45, "volunteers": 5, "volunteer_hours": 16}
        rows = [activity(team, month, i, platform="卫生健康", **more) for i in range(1, 5)]
    elif team == OUTLIER:
        rows = [activity(team, month, i, platform="卫生健康", participants=5) for i in range(1, 13)]
    return rows


def write_team(folder: Path, team: str, month: date) -> None:
    _write(folder, team, month, "activities", team_activities(team, month))
    members = SMALL_MEMBERS if team == SMALL else TEAM_MEMBERS
    _write(folder, team, month, "volunteers", [volunteer(team, n) for n in range(1, members + 1)])


def orders(month: date) -> list[list[object]]:
    """The county's dispatch log: one order per team that served, rated 5 (RATED_3: 3 stars)."""
    rows = []
    for n, team in enumerate(TEAMS, start=1):
        if (month == SEP and team == NEW) or (month == OCT and team in (NO_ORDERS, SILENT)):
            continue
        rating = 3 if (month == OCT and team == RATED_3) else 5
        rows.append(order(n, month, team, ORDINARY_STATIONS[n % 5], rating))
    return rows


def write_month(folder: Path, month: date, twists: bool = True) -> Path:
    """Every file the county sends for `month` into folder/YYYY-MM/."""
    out = folder / f"{month:%Y-%m}"
    for s in STATIONS:
        write_station(out, s, month, twists)
    for i in (I101, I103, I102):
        if not (month == OCT and i == I102 and twists):  # 安远镇 sends nothing in October
            write_institute(out, i, month)
    for pq in (PQ2, PQ3):
        _write(out, pq, month, "activities", [activity(pq, month, 1, participants=60)])
    for t in TEAMS:
        if (month == SEP and t == NEW) or (month == OCT and t == SILENT and twists):
            continue
        write_team(out, t, month)
    _write(out, COUNTY, month, "orders", orders(month))
    return out


SHEET_COLUMN = {c.key: i for i, c in enumerate(SHEET_BY_KEY["activities"].columns)}


def theme(month: date) -> str:
    """The registry's theme of the month (一月一主题)."""
    themes = load_registry().themes
    return themes.filter(pl.col("month") == month.month)["theme"][0]
