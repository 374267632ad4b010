"""Charts and the 地图 page's deck read true: distinct platform colours, month categories
(themes as bars), round ticks, 未报送 marked, towns named, tooltips filled, the view on the
selected area, tables that fit their names and up to 25 rows."""

from __future__ import annotations

import itertools
import json
import math
import xml.etree.ElementTree as ET
from datetime import date

import polars as pl
import pytest

from core import months
from presentation import charts, svg_map, theme

# ---------------------------------------------------------------- colour distance


def _lab(colour: str) -> tuple[float, float, float]:
    """#RRGGBB (sRGB) → CIELAB under D65."""
    rgb = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(c1: str, c2: str) -> float:
    """The CIEDE2000 colour difference of two sRGB colours."""
    return de2000(_lab(c1), _lab(c2))


def de2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 of two Lab colours (Sharma, Wu, Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1 = math.degrees(math.atan2(b1, a1p)) % 360
    h2 = math.degrees(math.atan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0 if c1p * c2p == 0 else (h2 - h1 + 180) % 360 - 180
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_bar = (h1 + h2) / 2
    else:
        h_bar = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt(
        (dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (dc / s_c) * (d_h / s_h)
    )


@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [  # pairs from Sharma, Wu and Dalal's test data for CIEDE2000
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, -1.0, 2.0), (50.0, 0.0, 0.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_the_colour_difference_is_ciede2000(lab1, lab2, expected):
    assert de2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000("#000000", "#FFFFFF") == pytest.approx(100, abs=0.01)


MIN_DE = 20


@pytest.mark.parametrize("palette", [list(theme.PLATFORM_COLOURS.values()), list(theme.SERIES)])
def test_every_pair_of_platform_colours_is_clearly_distinct(palette):
    colours = palette
    assert len(set(colours)) == len(colours) >= 8
    close = [
        (a, b, round(ciede2000(a, b), 1))
        for a, b in itertools.combinations(colours, 2)
        if ciede2000(a, b) < MIN_DE
    ]
    assert close == []


@pytest.mark.parametrize(("a", "b"), [("#C0392B", "#B03A2E"), ("#D68910", "#CA6F1E"),
                                      ("#17A589", "#229954")])  # fmt: skip
def test_the_check_bites_on_the_old_palettes_look_alike_pairs(a, b):
    assert ciede2000(a, b) < MIN_DE


# ---------------------------------------------------------------- month axes

RUN = [months.shift(date(2025, 10, 1), i) for i in range(13)]  # 2025年10月 … 2026年10月
THEMES = {10: "孝老爱亲敬老月", 11: "法治宣传进万家", 1: "新春送福", 3: "学雷锋志愿服务"}


def _themes() -> pl.DataFrame:
    rows = [(m, THEMES[m.month], 10 + i) for i, m in enumerate(RUN) if m.month in THEMES]
    return pl.DataFrame(rows, schema=["month", "key", "activities"], orient="row")


def test_yearly_themes_are_bars_in_their_own_months_on_thirteen_month_categories():
    fig = charts.stacked_by(_themes(), "key", "activities", "主要月度主题", "场")
    assert {t.type for t in fig.data} == {"bar"}  # no line joins a theme's two Octobers
    axis = fig.layout.xaxis
    assert axis.type == "category"
    assert list(axis.tickvals) == [months.key(m) for m in RUN]
    assert len(set(axis.ticktext)) == 13 and axis.ticktext[0] == "2025年<br>10月"
    assert "2026年<br>1月" in axis.ticktext
    october = next(t for t in fig.data if t.name == "孝老爱亲敬老月")
    drawn = [x for x, y in zip(october.x, october.y, strict=True) if y is not None]
    assert drawn == ["2025-10", "2026-10"]


def test_two_months_are_two_distinct_ticks():
    frame = pl.DataFrame({"month": [date(2026, 9, 1), date(2026, 10, 1)], "key": ["甲", "甲"],
                          "n": [3, 4]})  # fmt: skip
    for fig in (
        charts.stacked_by(frame, "key", "n", "t", "场"),
        charts.lines_by(frame, "key", "n", "t", "场"),
    ):
        assert list(fig.layout.xaxis.tickvals) == ["2026-09", "2026-10"]
        assert list(fig.layout.xaxis.ticktext) == ["2026年<br>9月", "10月"]


def test_a_line_has_a_gap_not_a_segment_across_a_month_it_lacks():
    frame = pl.DataFrame({"month": [date(2026, 1, 1), date(2026, 3, 1)], "key": ["甲", "甲"],
                          "n": [3, 4]})  # fmt: skip
    (trace,) = charts.lines_by(frame, "key", "n", "t", "场").data
    assert list(trace.x) == ["2026-01", "2026-02", "2026-03"]
    assert list(trace.y) == [3, None, 4] and trace.connectgaps is False


def test_unsubmitted_months_are_marked_on_the_score_history():
    run = RUN[-4:]
    history = pl.DataFrame(
        {"month": run[:3], "score": [71.2, None, 68.0], "is_submitted": [True, False, True]}
    )  # the last month has no row at all
    fig = charts.score_history(history, run)
    line, marks = fig.data
    assert list(line.y) == [71.2, None, 68.0, None]
    assert marks.name == "未报送" and list(marks.text) == ["未报送", "未报送"]
    assert list(marks.x) == [months.key(run[1]), months.key(run[3])]
    low, high = fig.layout.yaxis.range
    assert low <= 68.0 and high >= 71.2 and all(m == low for m in marks.y)


def _round(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, m) for m in (1, 2, 5))


@pytest.mark.parametrize("balance", [903_569, 47, 1_234_567, 12_000])
def test_both_axes_of_the_points_flow_have_round_ticks(balance):
    frame = pl.DataFrame(
        {"month": RUN[:2], "points_issued": [1234, 2345], "points_redeemed": [512, 873],
         "balance_points": [balance, balance - 5]}
    )  # fmt: skip
    fig = charts.points_flow(frame)
    for axis, high in ((fig.layout.yaxis, 2345), (fig.layout.yaxis2, balance)):
        assert _round(axis.dtick), axis.dtick
        low, top = axis.range
        assert low == 0 and top >= high and (top / axis.dtick).is_integer()


# ---------------------------------------------------------------- the deck.gl map

TOWN_A, TOWN_B = "天堂镇新时代文明实践所", "朵什镇新时代文明实践所"


def _units() -> pl.DataFrame:
    rows = [
        ("1", "天堂村新时代文明实践站", "station", TOWN_A, 102.80, 37.10, 0.5),
        ("2", "本康村新时代文明实践站", "station", TOWN_A, 102.90, 37.20, None),
        ("3", "大湾村新时代文明实践站", "station", TOWN_A, 102.85, 37.30, 0.25),
        ("4", TOWN_A, "institute", "", 102.86, 37.18, None),
        ("5", "朵什村新时代文明实践站", "station", TOWN_B, 103.40, 37.60, 0.75),
        ("6", "寺沟村新时代文明实践站", "station", TOWN_B, 103.50, 37.70, 0.1),
        ("7", "代乾村新时代文明实践站", "station", TOWN_B, 103.45, 37.80, 0.3),
        ("9", "无上级新时代文明实践站", "station", "", 103.00, 37.50, 0.2),
        ("8", TOWN_B, "institute", "", 103.46, 37.69, 0.4),
    ]
    return pl.DataFrame(
        rows,
        schema=["unit_code", "name", "kind", "parent_name", "longitude", "latitude",
                "redemption_rate"],
        orient="row",
    )  # fmt: skip


def _deck(units: pl.DataFrame) -> dict:
    deck = charts.county_map(units, None, "redemption_rate", "积分兑换率", theme.pct)
    return json.loads(deck.to_json())


def test_the_map_names_every_town_with_the_characters_of_its_names():
    spec = _deck(_units())
    (text,) = [layer for layer in spec["layers"] if layer["@@type"] == "TextLayer"]
    assert sorted(t["text"] for t in text["data"]) == ["天堂镇", "朵什镇"]
    # plain strings, not pydeck expressions ("@@=…", which deck.gl would try to evaluate)
    assert text["characterSet"] == "".join(sorted(set("天堂镇朵什")))
    assert text["fontFamily"] == theme.FONT_CSS and "Noto Sans CJK SC" in text["fontFamily"]


def test_every_tooltip_field_is_filled():
    spec = _deck(_units())
    layers = {layer["@@type"]: layer for layer in spec["layers"]}
    objects = layers["ScatterplotLayer"]["data"] + [
        f["properties"] for f in layers["GeoJsonLayer"]["data"]["features"]
    ]
    assert len(objects) == 9 + 2
    for obj in objects:
        assert all(str(obj[f]).strip() for f in ("name", "parent", "value")), obj
    towns = {
        f["properties"]["name"]: f["properties"] for f in layers["GeoJsonLayer"]["data"]["features"]
    }
    assert towns[TOWN_A]["value"] == theme.DASH  # its institute has no rate
    assert towns[TOWN_B]["value"] == "40.0%"
    unit = next(o for o in layers["ScatterplotLayer"]["data"] if o["name"].startswith("本康村"))
    assert unit["value"] == theme.DASH


def test_the_view_fits_the_selected_area_only():
    units = _units()
    area = units.filter(pl.col("parent_name").eq(TOWN_A) | pl.col("name").eq(TOWN_A))
    whole, part = _deck(units)["initialViewState"], _deck(area)["initialViewState"]
    assert part["longitude"] == pytest.approx((102.80 + 102.90) / 2)
    assert part["latitude"] == pytest.approx((37.10 + 37.30) / 2)
    assert part["zoom"] > whole["zoom"]  # closer in: the area fills the map
    # the whole area is inside the view, with room around it, at the map's expected size
    world = charts.WORLD_PX * 2 ** part["zoom"]
    wide = world * (102.90 - 102.80) / 360
    tall = world * (37.30 - 37.10) / 360 / math.cos(math.radians(37.2))
    assert wide < 760 * 0.8 and tall < 560 * 0.8
    assert max(wide / 760, tall / 560) > 0.6  # and fills it


def test_no_request_leaves_the_machine():
    text = json.dumps(_deck(_units()))
    assert "http" not in text.lower() and "//" not in text
    spec = json.loads(text)
    assert spec.get("mapStyle") == "__MAP_STYLE__" and "mapProvider" not in spec


def test_the_legend_shows_the_scale_of_the_map():
    units = _units()
    low, high = charts.metric_range(units, "redemption_rate")
    svg = ET.fromstring(svg_map.legend("积分兑换率", low, high, theme.pct))
    words = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert words[:3] == ["积分兑换率", "10.0%", "75.0%"] and "无数据" in words


def test_ratings_twice_a_year_are_two_bars_without_empty_months_between():
    frame = pl.DataFrame({"month": [date(2026, 1, 1), date(2026, 7, 1)], "change": ["升星"] * 2,
                          "households": [9, 12]})  # fmt: skip
    fig = charts.stacked_by(frame, "change", "households", "与上次评定相比", "户",
                            every_month=False)  # fmt: skip
    assert list(fig.layout.xaxis.tickvals) == ["2026-01", "2026-07"]
    assert list(fig.data[0].y) == [9, 12]
