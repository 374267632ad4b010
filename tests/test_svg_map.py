"""The overview's SVG map: well-formed, every unit drawn with its value, hostile names inert."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import polars as pl

from presentation import charts, svg_map, theme

SVG = "{http://www.w3.org/2000/svg}"
TOWN = "<b>坏</b>镇新时代文明实践所"


def _units() -> pl.DataFrame:
    rows = [
        ("甲村新时代文明实践站", "station", TOWN, 102.80, 37.10, 80.0),
        ("乙村<script>alert(1)</script>", "station", TOWN, 102.90, 37.20, 40.0),
        ("丙村 &\n\n丁村", "station", TOWN, 102.85, 37.30, None),
        ("<b>坏</b>镇新时代文明实践所", "institute", "", 102.86, 37.18, 60.0),
    ]
    return pl.DataFrame(
        rows,
        schema=["name", "kind", "parent_name", "longitude", "latitude", "score"],
        orient="row",
    )


def _circles(svg: ET.Element) -> dict[str, ET.Element]:
    return {
        c.findtext(SVG + "title").split("（")[0]: c
        for c in svg.iter(SVG + "circle")
        if c.find(SVG + "title") is not None
    }


def test_every_unit_is_one_dot_titled_with_its_value_and_hostile_text_stays_text():
    text = svg_map.county_svg(_units(), "score", "考评得分", theme.score)
    svg = ET.fromstring(text)  # well-formed XML: every name escaped
    assert "\n" not in text  # one line: a blank line would end the dashboard's HTML block
    assert "<script" not in text and "<b>" not in text
    dots = _circles(svg)
    assert sorted(dots) == sorted(" ".join(n.split()) for n in _units()["name"])
    assert dots["乙村<script>alert(1)</script>"].findtext(SVG + "title").endswith("考评得分：40.0")
    assert dots["丙村 & 丁村"].findtext(SVG + "title").endswith(f"考评得分：{theme.DASH}")
    # the town is drawn once, named short, from its stations
    assert [t.text for t in svg.iter(SVG + "text") if t.text == "<b>坏</b>镇"] == ["<b>坏</b>镇"]
    assert len(list(svg.iter(SVG + "polygon"))) == 1


def test_colours_follow_the_scores_and_no_score_is_grey():
    svg = ET.fromstring(svg_map.county_svg(_units(), "score", "考评得分", theme.score))
    dots = _circles(svg)

    def fill(name: str) -> str:
        return dots[name].get("fill")

    high, low = charts.score_colour(80, 40, 80), charts.score_colour(40, 40, 80)
    assert fill("甲村新时代文明实践站") == svg_map._rgb(high)
    assert fill("乙村<script>alert(1)</script>") == svg_map._rgb(low)
    assert fill("丙村 & 丁村") == svg_map._rgb(charts.score_colour(None, 40, 80))
    assert high != low
    # the institute is drawn after (over) the stations, and larger
    order = [c.findtext(SVG + "title").split("（")[0] for c in svg.iter(SVG + "circle") if
             c.find(SVG + "title") is not None]  # fmt: skip
    assert order[-1] == "<b>坏</b>镇新时代文明实践所"
    assert float(dots[order[-1]].get("r")) > float(dots["甲村新时代文明实践站"].get("r"))
