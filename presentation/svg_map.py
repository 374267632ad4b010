"""A light county map as one SVG: towns, stations and institutes coloured by a metric.

The overview shows it instead of the deck.gl map of the 地图 page: a browser draws a
few hundred SVG shapes in milliseconds, where the WebGL map costs each browser seconds
of CPU on a machine without a GPU (bench/bench_load.py). Hovering a unit shows its
name, its town and the value (the SVG's own <title>, no script). Every text is escaped
here: unit and town names come from the registry.
"""

from __future__ import annotations

import math
from html import escape

import polars as pl

from core import labels
from core.registry import short_name
from presentation import charts, theme

WIDTH = 900  # the drawing's own units are pixels at this width; narrower containers scale it
MARGIN = 24
LEGEND_H = 44


def _project(lon: float, lat: float, mid_lat: float) -> tuple[float, float]:
    """Equirectangular at the county's latitude: good enough for one county."""
    return lon * math.cos(math.radians(mid_lat)), -lat


def _text(words: str) -> str:
    """Text for inside the SVG: escaped, on one line (a line break in a name would end the
    raw-HTML block the dashboard shows the SVG in)."""
    return escape(" ".join(str(words).split()))


def _rgb(colour: list[int]) -> str:
    r, g, b, *alpha = colour
    return f"rgba({r},{g},{b},{(alpha[0] if alpha else 255) / 255:.2f})"


def county_svg(
    units: pl.DataFrame, metric: str, metric_label: str, value_text, width: int = WIDTH
) -> str:
    """The map as SVG text (no script, no external reference).

    units: name, kind, parent_name, longitude, latitude and `metric` (None: no value,
    grey). `value_text` formats a value for the hover text and the legend. `width`: the
    width it is drawn for, in pixels (text keeps its size there)."""
    rows = list(units.iter_rows(named=True))
    if not rows:
        raise ValueError("county_svg needs at least one unit")
    mid_lat = sum(r["latitude"] for r in rows) / len(rows)
    xy = [_project(r["longitude"], r["latitude"], mid_lat) for r in rows]
    x0, x1 = min(p[0] for p in xy), max(p[0] for p in xy)
    y0, y1 = min(p[1] for p in xy), max(p[1] for p in xy)
    span = max(x1 - x0, y1 - y0, 1e-6)
    scale = (width - 2 * MARGIN) / max(x1 - x0, span * 0.3)
    height = round((y1 - y0) * scale + 2 * MARGIN)

    def px(p: tuple[float, float]) -> tuple[float, float]:
        return round(MARGIN + (p[0] - x0) * scale, 1), round(MARGIN + (p[1] - y0) * scale, 1)

    values = [r[metric] for r in rows if r[metric] is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + LEGEND_H}" '
        f'width="100%" role="img" aria-label="{_text(metric_label)}地图" '
        f'style="font-family:{escape(theme.FONT_CSS)};max-width:{width}px">',
        f'<rect width="{width}" height="{height}" fill="#faf7f2" rx="6"/>',
    ]
    towns: dict[str, list[tuple[float, float]]] = {}
    for r, p in zip(rows, xy, strict=True):
        if r["kind"] == "station":
            towns.setdefault(r["parent_name"], []).append(px(p))
    for town, points in towns.items():
        hull = charts.convex_hull(points)
        if len(hull) >= 3:
            path = " ".join(f"{x},{y}" for x, y in hull)
            out.append(
                f'<polygon points="{path}" fill="rgba(230,224,214,0.55)" '
                f'stroke="rgba(120,110,100,0.8)" stroke-width="1"><title>{_text(town)}</title>'
                "</polygon>"
            )
    for town, points in towns.items():  # above its town, on a halo: readable over any dot
        cx = sum(x for x, _ in points) / len(points)
        top = min(y for _, y in points)
        out.append(
            f'<text x="{cx:.1f}" y="{max(top - 7, 12):.1f}" font-size="12" fill="#6b6158" '
            'text-anchor="middle" pointer-events="none" stroke="#faf7f2" stroke-width="3" '
            f'paint-order="stroke">{_text(short_name(town))}</text>'
        )
    # institutes last, drawn larger: they sit over the stations of their town
    order = sorted(range(len(rows)), key=lambda i: rows[i]["kind"] == "institute")
    for i in order:
        r = rows[i]
        x, y = px(xy[i])
        big = r["kind"] == "institute"
        where = labels.unit_kind("institute") if big else r["parent_name"]
        tip = f"{r['name']}（{where}）{metric_label}：{value_text(r[metric])}"
        out.append(
            f'<circle cx="{x}" cy="{y}" r="{7 if big else 4.5}" '
            f'fill="{_rgb(charts.score_colour(r[metric], low, high))}" '
            f'stroke="{"#5a1a1a" if big else "#ffffff"}" stroke-width="{1.5 if big else 1}">'
            f"<title>{_text(tip)}</title></circle>"
        )
    out.append(_legend(height, metric_label, low, high, value_text))
    out.append("</svg>")
    return "".join(out)


def legend(label: str, low: float, high: float, value_text, none_label: str = "无数据",
           width: int = WIDTH) -> str:  # fmt: skip
    """The colour legend alone, as one SVG line: for a map drawn elsewhere (the deck.gl map
    of the 地图 page), the same scale as the units' colours (charts.score_colour)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {LEGEND_H - 10}" '
        f'width="100%" role="img" aria-label="{_text(label)}图例" '
        f'style="font-family:{escape(theme.FONT_CSS)};max-width:{width}px">'
        f"{_legend(-14 + 4, label, low, high, value_text, none_label)}</svg>"
    )


def _legend(top: float, label: str, low: float, high: float, value_text,
            none_label: str = "无得分") -> str:  # fmt: skip
    """A colour bar from low to high with its two values, the two kinds of dot, and the
    grey of no value, in one row under the map."""
    y, x = top + 14, MARGIN
    parts = []

    def text(at: float, words: str, anchor: str = "start", size: int = 12) -> str:
        return (
            f'<text x="{at:.0f}" y="{y + 11}" font-size="{size}" fill="#555" '
            f'text-anchor="{anchor}">{_text(words)}</text>'
        )

    def dot(at: float, r: float, fill: str, stroke: str, width: float) -> str:
        return (
            f'<circle cx="{at:.0f}" cy="{y + 7}" r="{r}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{width}"/>'
        )

    stops = "".join(
        f'<stop offset="{t}" '
        f'stop-color="{_rgb(charts.score_colour(low + t * (high - low), low, high))}"/>'
        for t in (0, 0.5, 1)
    )
    parts.append(f'<defs><linearGradient id="civic-ramp">{stops}</linearGradient></defs>')
    parts.append(text(x, label, size=13))
    x += 13 * len(label) + 10
    low_text, high_text = value_text(low), value_text(high)
    parts.append(text(x, low_text))
    x += 7 * len(low_text) + 4
    ramp = f'<rect x="{x:.0f}" y="{y}" width="120" height="14" fill="url(#civic-ramp)" rx="2"/>'
    parts.append(ramp)
    x += 124
    parts.append(text(x, high_text))
    x += 7 * len(high_text) + 22
    for kind, r, stroke, w in (("institute", 7, "#5a1a1a", 1.5), ("station", 4.5, "#999", 1)):
        name = labels.unit_kind(kind)
        parts += [dot(x, r, "#ddd", stroke, w), text(x + 11, name)]
        x += 11 + 12 * len(name) + 16
    grey = _rgb(charts.score_colour(None, low, high))
    parts += [dot(x, 4.5, grey, grey, 0), text(x + 9, none_label)]
    return "".join(parts)
