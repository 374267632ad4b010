"""Charts as functions: data frame in, plotly figure out.

The dashboard shows these figures and the publisher renders them to PNG for
the briefing, so a chart looks the same wherever a leader meets it.

plotly.js renders a subset of HTML (<a href>, <b>, <br>, <span style>...) in
trace names, legends, titles, tick labels and hovers. Every plotly chart here
is `@escaped`: the text it is given (frames, titles, labels) reaches plotly
escaped, so a theme sent as `<a href=...>` reads as those characters; markup
the chart adds itself (a <br> in a tick label) stays markup. Data never goes
into a hovertemplate's text: it is named there (%{fullData.name}, %{x}).
"""

from __future__ import annotations

import functools
from datetime import date

import plotly.graph_objects as go
import polars as pl

from core import labels, months
from presentation import plain, theme


def _inert(value):
    """Text in `value` escaped for plotly, whatever holds it (frames, lists, tuples, dicts)."""
    if isinstance(value, str):
        return plain.markup(value)
    if isinstance(value, pl.DataFrame):
        return plain.markups(value)
    if isinstance(value, list | tuple):
        return type(value)(_inert(v) for v in value)
    if isinstance(value, dict):
        return {_inert(k): _inert(v) for k, v in value.items()}
    return value


def escaped(chart):
    """A chart whose every text argument is escaped for plotly before it is drawn."""

    @functools.wraps(chart)
    def drawn(*args, **kwargs):
        return chart(*_inert(args), **_inert(kwargs))

    drawn.escaped = True
    return drawn


def _month_axis(fig: go.Figure, run: list[date]) -> None:
    """Bars over a run of months: one category per month (2026-10, never merged with
    2025-10), labelled 10月 with the year where it changes."""
    fig.update_xaxes(
        type="category",
        tickmode="array",
        tickvals=[months.key(m) for m in run],
        ticktext=months.short_labels(run, year_break="<br>"),  # the year above: no tilted ticks
    )


@escaped
def activities_by_platform(frame: pl.DataFrame, title: str = "各服务平台月度活动场次") -> go.Figure:
    """Stacked monthly activities per service platform.

    frame: month, platform, activities (one row per month and platform).
    """
    run = sorted(frame["month"].unique().to_list())
    fig = go.Figure()
    for platform, colour in theme.PLATFORM_COLOURS.items():
        rows = frame.filter(pl.col("platform") == platform)
        by_month = dict(zip(rows["month"].to_list(), rows["activities"].to_list(), strict=True))
        fig.add_bar(
            name=platform,
            x=[months.key(m) for m in run],
            y=[by_month.get(m, 0) for m in run],
            customdata=[months.label(m) for m in run],
            marker_color=colour,
            hovertemplate="%{customdata} %{fullData.name}：%{y:,}场<extra></extra>",
        )
    _month_axis(fig, run)
    fig.update_layout(
        **theme.plotly_layout(title, barmode="stack", yaxis_title="活动（场）"),
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.15, "x": 0, "font": {"size": 11}})
    return fig


@escaped
def points_flow(frame: pl.DataFrame, title: str = "道德积分发放与兑换") -> go.Figure:
    """Points issued and redeemed per month (bars) and the outstanding balance (line).

    frame: month, points_issued, points_redeemed, balance_points.
    """
    frame = frame.sort("month")
    run = frame["month"].to_list()
    x = [months.key(m) for m in run]
    full = [months.label(m) for m in run]
    fig = go.Figure()
    fig.add_bar(
        name="发放积分",
        x=x,
        y=frame["points_issued"].to_list(),
        customdata=full,
        marker_color=theme.ISSUED,
        hovertemplate="%{customdata} 发放：%{y:,}分<extra></extra>",
    )
    fig.add_bar(
        name="兑换积分",
        x=x,
        y=frame["points_redeemed"].to_list(),
        customdata=full,
        marker_color=theme.REDEEMED,
        hovertemplate="%{customdata} 兑换：%{y:,}分<extra></extra>",
    )
    fig.add_scatter(
        name="未兑换余额（右轴）",
        x=x,
        y=frame["balance_points"].to_list(),
        customdata=full,
        mode="lines+markers",
        line={"color": theme.BALANCE, "width": 2},
        yaxis="y2",
        hovertemplate="%{customdata} 余额：%{y:,}分<extra></extra>",
    )
    _month_axis(fig, run)
    fig.update_layout(
        **theme.plotly_layout(
            title,
            barmode="group",
            yaxis_title="积分（分）",
            yaxis2={
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "tickformat": ",d",
                "title": "余额（分）",
                **theme.nice_axis(max(frame["balance_points"].drop_nulls(), default=0)),
            },
        )
    )
    bars_top = max(
        [v for c in ("points_issued", "points_redeemed") for v in frame[c].to_list() if v] or [0]
    )
    fig.update_layout(yaxis=theme.nice_axis(bars_top))
    fig.update_layout(margin={"l": 70, "r": 80, "t": 56, "b": 40})
    return fig


def _run(frame: pl.DataFrame) -> list[date]:
    """Every month from the frame's first to its last, none skipped (a month no series has
    still gets its place on the axis)."""
    present = frame["month"].drop_nulls()
    if present.is_empty():
        return []
    first, last = present.min(), present.max()
    return [months.shift(first, i) for i in range(months.between(first, last) + 1)]


def _on_run(rows: pl.DataFrame, value: str, run: list[date]) -> list:
    """`value` per month of the run, None where the rows have no such month."""
    by_month = dict(zip(rows["month"].to_list(), rows[value].to_list(), strict=True))
    return [by_month.get(m) for m in run]


@escaped
def lines_by(
    frame: pl.DataFrame, key: str, value: str, title: str, y_title: str, colours: dict | None = None
) -> go.Figure:
    """One line per `key` over months (frame: month, key, value), one category per month: a
    month a series lacks is a gap in its line, never a segment drawn across it."""
    frame = frame.sort("month")
    run = _run(frame)
    fig = go.Figure()
    for n, k in enumerate(frame[key].unique(maintain_order=True).to_list()):
        rows = frame.filter(pl.col(key) == k)
        colour = (colours or {}).get(k) or theme.SERIES[n % len(theme.SERIES)]
        fig.add_scatter(
            name=str(k),
            x=[months.key(m) for m in run],
            y=_on_run(rows, value, run),
            customdata=[months.label(m) for m in run],
            mode="lines+markers",
            connectgaps=False,
            line={"color": colour, "width": 2},
            hovertemplate="%{fullData.name} %{customdata}：%{y:,.0f}<extra></extra>",
        )
    _month_axis(fig, run)
    fig.update_layout(**theme.plotly_layout(title, yaxis_title=y_title))
    return fig


@escaped
def stacked_by(
    frame: pl.DataFrame, key: str, value: str, title: str, y_title: str,
    colours: dict | None = None, every_month: bool = True,
) -> go.Figure:  # fmt: skip
    """Stacked monthly bars per `key` (frame: month, key, value), one category per month.

    Also the chart of series that come once a year (the monthly themes): a bar in each
    month the series has, nothing drawn between them. `every_month=False`: only the
    months the frame has (ratings made twice a year), no empty months between."""
    frame = frame.sort("month")
    run = _run(frame) if every_month else frame["month"].unique().sort().to_list()
    fig = go.Figure()
    for n, k in enumerate(frame[key].unique(maintain_order=True).to_list()):
        rows = frame.filter(pl.col(key) == k)
        fig.add_bar(
            name=str(k),
            x=[months.key(m) for m in run],
            y=_on_run(rows, value, run),
            customdata=[months.label(m) for m in run],
            marker_color=(colours or {}).get(k) or theme.SERIES[n % len(theme.SERIES)],
            hovertemplate="%{fullData.name} %{customdata}：%{y:,.0f}<extra></extra>",
        )
    _month_axis(fig, run)
    fig.update_layout(**theme.plotly_layout(title, barmode="stack", yaxis_title=y_title))
    return fig


@escaped
def score_history(frame: pl.DataFrame, run: list[date], title: str = "近12个月得分") -> go.Figure:
    """A unit's score over a run of months, each month it did not submit (未报送: no
    score, or no row) marked on the axis rather than left as a silent gap.

    frame: month, score and optionally is_submitted (None score, no row or not submitted:
    未报送; a rule that gives 未报送 a score of zero still draws that score)."""
    scores = _on_run(frame, "score", run)
    sent = _on_run(frame, "is_submitted", run) if "is_submitted" in frame.columns else scores
    x = [months.key(m) for m in run]
    full = [months.label(m) for m in run]
    shown = [v for v in scores if v is not None]
    low = max(0.0, 10 * ((min(shown) - 5) // 10)) if shown else 0.0
    high = min(100.0, 10 * -(-(max(shown) + 5) // 10)) if shown else 100.0
    fig = go.Figure()
    fig.add_scatter(
        name="得分",
        x=x,
        y=scores,
        customdata=full,
        mode="lines+markers",
        connectgaps=False,
        line={"color": theme.ACCENT, "width": 2},
        hovertemplate="%{customdata} 得分：%{y:.1f}<extra></extra>",
    )
    missing = [i for i, (v, s) in enumerate(zip(scores, sent, strict=True)) if v is None or not s]
    if missing:
        fig.add_scatter(
            name="未报送",
            x=[x[i] for i in missing],
            y=[low] * len(missing),
            customdata=[full[i] for i in missing],
            mode="markers+text",
            text=["未报送"] * len(missing),
            textposition="top center",
            textfont={"color": theme.MUTED, "size": 11},
            marker={"symbol": "x-thin-open", "size": 10, "color": theme.MUTED,
                    "line": {"width": 2, "color": theme.MUTED}},
            cliponaxis=False,
            hovertemplate="%{customdata} 未报送<extra></extra>",
        )  # fmt: skip
    _month_axis(fig, run)
    fig.update_layout(**theme.plotly_layout(title, yaxis_title="得分"))
    fig.update_yaxes(range=[low, high], dtick=10, tickformat=".0f", rangemode="normal")
    return fig


@escaped
def funnel(stages: list[tuple[str, float]], title: str = "群众点单流程") -> go.Figure:
    """点单 → 派单 → 接单 → 完成 → 评单: how many orders reach each stage."""
    fig = go.Figure(
        go.Funnel(
            y=[s for s, _ in stages],
            x=[v for _, v in stages],
            textinfo="value+percent initial",
            marker={"color": theme.ACCENT},
            hovertemplate="%{y}：%{x:,}单<extra></extra>",
        )
    )
    fig.update_layout(**theme.plotly_layout(title))
    fig.update_yaxes(tickformat=None)
    return fig


@escaped
def waterfall(steps: list[tuple[str, float]], start: float | None, title: str) -> go.Figure:
    """A score's change since last month, indicator by indicator (points of score)."""
    names = ["上月得分", *[s for s, _ in steps], "本月得分"]
    values = [start or 0, *[v for _, v in steps], 0]
    measures = ["absolute", *["relative"] * len(steps), "total"]
    fig = go.Figure(
        go.Waterfall(
            x=names,
            y=values,
            measure=measures,
            increasing={"marker": {"color": theme.GAIN}},  # red is better (theme)
            decreasing={"marker": {"color": theme.LOSS}},
            totals={"marker": {"color": theme.BALANCE}},
            hovertemplate="%{x}：%{y:+.1f}<extra></extra>",
        )
    )
    fig.update_layout(**theme.plotly_layout(title, yaxis_title="得分"))
    # zoom on the scores: from zero, a change of a point would not show
    levels = [start or 0]
    for _, v in steps:
        levels.append(levels[-1] + v)
    low, high = min(levels), max(levels)
    fig.update_yaxes(tickformat=".0f", rangemode="normal", range=[low - 3, high + 3])
    return fig


@escaped
def bars(frame: pl.DataFrame, x: str, y: str, title: str, y_title: str, fmt: str = ",.0f",
         colour: str | None = None, horizontal: bool = False) -> go.Figure:  # fmt: skip
    """One bar per row (frame: x, y), e.g. projects or towns."""
    xs, ys = frame[x].to_list(), frame[y].to_list()
    bar = (
        go.Bar(x=ys, y=xs, orientation="h", marker_color=colour or theme.ACCENT,
               hovertemplate=f"%{{y}}：%{{x:{fmt}}}<extra></extra>")
        if horizontal
        else go.Bar(x=xs, y=ys, marker_color=colour or theme.ACCENT,
                    hovertemplate=f"%{{x}}：%{{y:{fmt}}}<extra></extra>")
    )  # fmt: skip
    fig = go.Figure(bar)
    fig.update_layout(**theme.plotly_layout(title, yaxis_title=None if horizontal else y_title))
    if horizontal:
        fig.update_yaxes(autorange="reversed", tickformat=None)
        fig.update_xaxes(title=y_title)
    return fig


@escaped
def seasonality(frame: pl.DataFrame, value: str, title: str) -> go.Figure:
    """Month of year (x) by year (one line each): seasons and year over year at once."""
    frame = frame.with_columns(
        year=pl.col("month").dt.year(), month_no=pl.col("month").dt.month()
    ).sort("month")
    fig = go.Figure()
    years = frame["year"].unique().sort().to_list()
    for year in years:
        rows = frame.filter(pl.col("year") == year)
        latest = year == years[-1]
        fig.add_scatter(
            name=f"{year}年",
            x=[f"{m}月" for m in rows["month_no"].to_list()],
            y=rows[value].to_list(),
            mode="lines+markers",
            line={
                "color": theme.ACCENT if latest else theme.BALANCE,
                "width": 3 if latest else 2,
                "dash": "solid" if latest else "dot",
            },  # fmt: skip
            hovertemplate=f"{year}年%{{x}}：%{{y:,.0f}}<extra></extra>",
        )
    fig.update_layout(**theme.plotly_layout(title))
    fig.update_xaxes(categoryorder="array", categoryarray=[f"{m}月" for m in range(1, 13)])
    return fig


@escaped
def points_cumulative(frame: pl.DataFrame, title: str = "累计发放与兑换") -> go.Figure:
    """Cumulative points issued and redeemed (frame: month, cum_issued, cum_redeemed)."""
    frame = frame.sort("month")
    run = frame["month"].to_list()
    fig = go.Figure()
    for col, name, colour in (
        ("cum_issued", "累计发放", theme.ISSUED),
        ("cum_redeemed", "累计兑换", theme.REDEEMED),
    ):
        fig.add_scatter(
            name=name,
            x=[months.key(m) for m in run],
            y=frame[col].to_list(),
            customdata=[months.label(m) for m in run],
            mode="lines",
            fill="tozeroy",
            line={"color": colour},
            hovertemplate=f"%{{customdata}} {name}：%{{y:,}}分<extra></extra>",
        )
    _month_axis(fig, run)
    top = max([v for c in ("cum_issued", "cum_redeemed") for v in frame[c].to_list() if v] or [0])
    fig.update_layout(**theme.plotly_layout(title, yaxis_title="积分（分）"))
    fig.update_yaxes(**theme.nice_axis(top))
    return fig


def convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull of points, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


WORLD_PX = 512  # deck.gl's world width at zoom 0, pixels


def fit_zoom(lon_span: float, lat_span: float, width_px: int, height_px: int,
             mid_lat: float = 0.0) -> float:  # fmt: skip
    """The web-mercator zoom that shows the spans (degrees, around latitude `mid_lat`) in
    the given pixels, with a margin on every side (room for the town names above).

    At zoom z deck.gl's world is 512·2^z pixels wide (512-pixel tiles, as Mapbox GL); a
    degree of latitude is 1/cos(lat) times as tall as a degree of longitude there."""
    import math

    margin = 1.35
    world_x = width_px * 360 / max(lon_span * margin, 1e-3)
    world_y = height_px * 360 * math.cos(math.radians(mid_lat)) / max(lat_span * margin, 1e-3)
    zoom = math.log2(min(world_x, world_y) / WORLD_PX)
    return round(max(3.0, min(zoom, 14.0)), 2)


def score_colour(value: float | None, low: float, high: float) -> list[int]:
    """Light grey-red (low) to party red (high); grey for no value."""
    if value is None or high <= low:
        return [190, 190, 190, 160] if value is None else [178, 34, 34, 220]
    t = max(0.0, min(1.0, (value - low) / (high - low)))
    start, end = (253, 219, 199), (178, 34, 34)
    return [round(s + (e - s) * t) for s, e in zip(start, end, strict=True)] + [230]


def metric_range(units: pl.DataFrame, metric: str) -> tuple[float, float]:
    """The low and high of a metric over the units drawn: the ends of the colour scale."""
    values = [v for v in units[metric].to_list() if v is not None]
    return (min(values), max(values)) if values else (0.0, 1.0)


def view_of(units: pl.DataFrame, width_px: int, height_px: int) -> dict:
    """The centre and zoom that fit these units (the selected area's, nothing else)."""
    lons, lats = units["longitude"].to_list(), units["latitude"].to_list()
    return {
        "longitude": (min(lons) + max(lons)) / 2,
        "latitude": (min(lats) + max(lats)) / 2,
        "zoom": fit_zoom(
            max(lons) - min(lons),
            max(lats) - min(lats),
            width_px,
            height_px,
            (min(lats) + max(lats)) / 2,
        ),  # fmt: skip
    }


def _literal(layer, **props):
    """A layer with these props as plain strings: pydeck reads a string given to pdk.Layer
    as an expression to evaluate (a font list or a set of characters would fail there)."""
    for name, value in props.items():
        setattr(layer, name, value)
    return layer


def _filled(text) -> str:
    """A tooltip value: '—' rather than nothing."""
    return text if isinstance(text, str) and text.strip() else theme.DASH


# the density layer: activities counted per cell of 0.01° (metrics.activity_points), each
# cell a translucent disc about its size, coloured by its count. Aggregated on the server:
# deck.gl's HeatmapLayer aggregated thousands of points in the browser and kept a software-
# rendered GPU (no graphics card) busy for seconds after the map was drawn.
DENSITY_CELL_M = 1000
# blue, apart from the units' reds: a disc is never read as a unit
DENSITY_LOW, DENSITY_HIGH = (158, 202, 225, 45), (33, 113, 181, 130)


def county_map(
    units: pl.DataFrame,
    density: pl.DataFrame | None,
    metric: str,
    metric_label: str,
    value_text,
    map_style: str | None = None,
    width_px: int = 760,
    height_px: int = 560,
):
    """Stations and institutes coloured by `metric`, towns drawn from the registry and
    named, density.

    units: unit_code, name, kind, parent_name, longitude, latitude and the metric (only
    the selected area's: the view fits them); density: longitude, latitude, activities
    per cell (None: no density layer). No
    basemap unless `map_style` (an intranet Mapbox-GL style URL) is given: the county
    is drawn from the registry. `width_px`: the narrowest width the map is expected to
    get (a view fitted to a wider one would cut the area's edge off).
    `value_text` formats a metric value for the tooltip. Streamlit escapes the
    values it puts into the tooltip's HTML ({name}, {parent}, {value}); the
    template's own text is escaped here. Every tooltip field is filled: '—' for none.
    """
    import pydeck as pdk

    from core.registry import short_name

    stations = units.filter(pl.col("kind") == "station")
    low, high = metric_range(units, metric)
    records = [
        {
            "name": _filled(r["name"]),
            "parent": _filled(
                r["parent_name"] if r["kind"] == "station" else labels.unit_kind("institute")
            ),
            "lon": r["longitude"],
            "lat": r["latitude"],
            "kind": r["kind"],
            "value": _filled(value_text(r[metric])),
            "colour": score_colour(r[metric], low, high),
            "radius": 900 if r["kind"] == "institute" else 420,
        }
        for r in units.iter_rows(named=True)
    ]
    # a town's own figure is its institute's (the unit whose area the polygon is)
    institutes = {
        r["name"]: r[metric] for r in units.iter_rows(named=True) if r["kind"] == "institute"
    }
    towns, names = [], []
    for parent, rows in stations.group_by("parent_name", maintain_order=True):
        town = parent[0]
        if not town:  # a station without a town: a dot, no town drawn or named
            continue
        points = list(zip(rows["longitude"], rows["latitude"], strict=True))
        hull = convex_hull(points)
        if len(hull) >= 3:
            towns.append(
                {
                    "type": "Feature",
                    "properties": {
                        "name": _filled(town),
                        "parent": f"乡镇范围（{rows.height}个实践站）",
                        "value": _filled(value_text(institutes.get(town))),
                    },
                    "geometry": {"type": "Polygon", "coordinates": [[*hull, hull[0]]]},
                }
            )
        names.append(
            {
                "text": short_name(town) or town,
                "lon": sum(p[0] for p in points) / len(points),
                "lat": max(p[1] for p in points),  # above its stations: the dots stay visible
            }
        )
    view = view_of(units, width_px, height_px)
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            {"type": "FeatureCollection", "features": towns},
            stroked=True,
            filled=True,
            get_fill_color=[230, 224, 214, 90],
            get_line_color=[120, 110, 100, 200],
            line_width_min_pixels=1,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            records,
            id="units",
            get_position=["lon", "lat"],
            get_fill_color="colour",
            get_radius="radius",
            radius_min_pixels=3,
            stroked=True,
            get_line_color=[255, 255, 255],
            line_width_min_pixels=1,
            pickable=True,
        ),
        # town names: deck.gl draws text from a font atlas of `character_set` only (ASCII by
        # default), so the atlas gets exactly the characters of these names; the font is the
        # CJK one installed on the machine (no font is fetched)
        _literal(
            pdk.Layer(
                "TextLayer",
                names,
                get_position=["lon", "lat"],
                get_text="text",
                get_size=13,
                get_color=[80, 70, 62, 255],
                get_alignment_baseline="'bottom'",
                get_pixel_offset=[0, -8],
                font_settings={"sdf": True},
                outline_width=3,
                outline_color=[250, 247, 242, 255],
                pickable=False,
            ),
            font_family=theme.FONT_CSS,
            character_set="".join(sorted({c for n in names for c in n["text"]})),
        ),
    ]
    if density is not None and density.height:  # under the units
        most = max(float(density["activities"].max() or 1), 1.0)
        cells = [
            {
                "lon": r["longitude"],
                "lat": r["latitude"],
                # light to deep blue by the square root of the count (a few busy cells
                # would leave every other one pale on a linear scale)
                "colour": [
                    round(a + (b - a) * (r["activities"] / most) ** 0.5)
                    for a, b in zip(DENSITY_LOW, DENSITY_HIGH, strict=True)
                ],
            }
            for r in density.iter_rows(named=True)
        ]
        layers.insert(
            1,
            pdk.Layer(
                "ScatterplotLayer",
                cells,
                id="density",
                get_position=["lon", "lat"],
                get_fill_color="colour",
                get_radius=DENSITY_CELL_M * 0.4,
                # seen from the whole county a cell is a few pixels: a soft disc at least
                # this wide, whose overlaps deepen where activities cluster
                radius_min_pixels=14,
                stroked=False,
                pickable=False,
            ),
        )
    # No basemap: map_provider=None with pydeck's default map_style (a sentinel Streamlit
    # reads as "none"); an explicit map_style=None makes Streamlit fetch Carto's instead.
    basemap = {"map_provider": "carto", "map_style": map_style} if map_style else {}
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view),
        **({"map_provider": None} | basemap),
        tooltip={
            "html": "<b>{name}</b><br/>{parent}<br/>" + plain.markup(metric_label) + "：{value}",
            "style": {"fontFamily": theme.FONT_CSS, "fontSize": "13px"},
        },
    )
    return deck
