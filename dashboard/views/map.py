"""地图: stations and institutes coloured by a metric, towns drawn from the registry, density."""

import streamlit as st

from core import config
from dashboard import data, metrics, ui
from dashboard.state import current
from presentation import charts, svg_map, theme

sel = current()
st.title(f"{ui.md(sel.area_name)} · {sel.month_label}地图")

FORMATS = {
    "score": theme.score,
    "activities_per_1000": lambda v: theme.DASH if v is None else f"{v:.2f}",
    "redemption_rate": theme.pct,
    "star_share": theme.pct,
}
metric = st.segmented_control(
    "着色指标", list(metrics.MAP_METRICS), format_func=metrics.MAP_METRICS.get,
    default="score", key="map-metric",
) or "score"  # fmt: skip
units = data.get(metrics.map_units, sel.month, sel.members)
density = data.get(metrics.activity_points, sel.month, sel.members)
if units.is_empty():
    st.info("所选范围没有带坐标的站所。")
    st.stop()

# an intranet Mapbox-GL style URL adds a basemap; without one the county is drawn from the registry
deck = charts.county_map(
    units, density, metric, metrics.MAP_METRICS[metric], FORMATS[metric],
    map_style=config.map_style(),
)  # fmt: skip
st.pydeck_chart(deck, height=560, key="map-deck")
# the colour scale, drawn by the overview map's own legend
ui.svg(svg_map.legend(metrics.MAP_METRICS[metric], *charts.metric_range(units, metric),
                      FORMATS[metric]))  # fmt: skip
st.caption(
    "圆点：实践站（小）与实践所（大），颜色越深数值越高，灰色表示无数据；"
    "浅色区域：各乡镇实践站的分布范围（标有乡镇名）；蓝色圆斑：约 1 公里范围内本月活动场次，"
    "颜色越深活动越多。"
    "视野按所选范围内的站所确定。"
)
ui.table(
    units.sort(metric, descending=True, nulls_last=True),
    {"name": "单位", "parent_name": "上级单位", "activities": "活动（场）",
     "activities_per_1000": "每千人活动数", "redemption_rate": "积分兑换率",
     "score": "考评得分", "star_share": "五星以上户占比"},
    {"activities_per_1000": "%.2f", "redemption_rate": "pct", "score": "%.1f",
     "star_share": "pct"},
    height=360,
    key="map-table",
)  # fmt: skip
