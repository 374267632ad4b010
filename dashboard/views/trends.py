"""趋势: activities, participants and hours by platform and theme; the order funnel; seasons."""

import polars as pl
import streamlit as st

from dashboard import data, metrics, ui
from dashboard.state import current
from presentation import charts, theme

sel = current()
st.title(f"{ui.md(sel.area_name)} · 趋势")

metric = st.segmented_control(
    "指标", list(metrics.TREND_METRICS), format_func=metrics.TREND_METRICS.get,
    default="activities", key="trend-metric",
) or "activities"  # fmt: skip
label, unit = metrics.TREND_METRICS[metric], metrics.TREND_UNITS[metric]

by_platform = data.get(metrics.activity_trend, "platform", sel.members)
tab_p, tab_t = st.tabs(["按服务平台", "按月度主题"])
with tab_p:
    st.plotly_chart(
        charts.stacked_by(by_platform, "key", metric, f"各服务平台{label}", f"{label}（{unit}）",
                          theme.PLATFORM_COLOURS),
        key="trend-platform",
    )  # fmt: skip
with tab_t:
    by_theme = data.get(metrics.activity_trend, "theme", sel.members)
    top = (
        by_theme.group_by("key").agg(pl.col(metric).sum()).sort(metric, descending=True).head(8)
    )["key"]
    # a theme comes once a year: bars in its months, never a line joining them a year apart
    st.plotly_chart(
        charts.stacked_by(by_theme.filter(pl.col("key").is_in(top.implode())), "key", metric,
                          f"主要月度主题{label}", f"{label}（{unit}）"),
        key="trend-theme",
    )  # fmt: skip

st.subheader("群众点单流程")
year_start = sel.month.replace(month=1)
period = st.radio(
    "期间", ["本月", "今年以来"], horizontal=True, key="trend-period", label_visibility="collapsed"
)
start = sel.month if period == "本月" else year_start
f = data.get(metrics.order_funnel, start, sel.month, sel.members).row(0, named=True)
left, right = st.columns([3, 2])
with left:
    stages = [("点单", f["ordered"]), ("派单", f["dispatched"]), ("接单", f["accepted"]),
              ("完成", f["completed"]), ("评单", f["rated"])]  # fmt: skip
    st.plotly_chart(charts.funnel(stages, f"群众点单流程（{period}）"), key="trend-funnel")
with right:

    def hours(h):
        return theme.DASH if h is None else f"{h:.1f} 小时"

    st.metric("点单 → 派单 平均用时", hours(f["hours_to_dispatch"]))
    st.metric("派单 → 接单 平均用时", hours(f["hours_to_accept"]))
    st.metric("点单 → 完成 平均用时", hours(f["hours_to_complete"]))
    st.metric("平均评分", theme.DASH if f["avg_rating"] is None else f"{f['avg_rating']:.2f} 分")

st.subheader("季节与同比")
totals = data.get(metrics.monthly_totals, sel.members)
st.plotly_chart(
    charts.seasonality(totals, metric, f"各年逐月{label}（{unit}）"), key="trend-season"
)
this_year = totals.filter(pl.col("month").dt.year() == sel.month.year)
last_year = totals.filter(pl.col("month").dt.year() == sel.month.year - 1)
yoy = this_year.with_columns(m=pl.col("month").dt.month()).join(
    last_year.with_columns(m=pl.col("month").dt.month()).select("m", pl.col(metric).alias("ly")),
    on="m", how="left",
).with_columns(change=pl.col(metric) / pl.col("ly") - 1)  # fmt: skip
# as printed: 1,234 / 4.12万, +5.2%, and — where a year has no such month
ui.table(
    yoy.select(
        pl.format("{}月", "m").alias("month_label"),
        pl.col(metric).map_elements(theme.count, return_dtype=pl.String).fill_null(theme.DASH),
        pl.col("ly").map_elements(theme.count, return_dtype=pl.String).fill_null(theme.DASH),
        pl.col("change").map_elements(theme.signed_pct, return_dtype=pl.String)
        .fill_null(theme.DASH),
    ),
    {"month_label": "月份", metric: f"{sel.month.year}年", "ly": f"{sel.month.year - 1}年",
     "change": "同比"},
    key="trend-yoy",
)  # fmt: skip
