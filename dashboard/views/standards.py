"""阵地达标: each station's 八有 self-check over time, its star level, the stations below
standard, and the town plan's monthly minimum (one 宣讲 and one notable activity)."""

import polars as pl
import streamlit as st

from dashboard import data, ui, village
from dashboard.state import current
from presentation import charts, theme

sel = current()
st.title(f"{ui.md(sel.area_name)} · {sel.month_label}阵地达标")

trend = data.get(village.standards_trend, sel.members)
now = trend.filter(pl.col("month") == sel.month)
if now.is_empty():
    st.info("本月没有实践站的阵地自查或活动数据。")
    st.stop()
now = now.row(0, named=True)
c = st.columns(4)
c[0].metric("报送自查的实践站", f"{now['reporting']} / {now['stations']}")
c[1].metric(
    "“八有”全部达标",
    theme.pct(now["compliant"] / now["reporting"] if now["reporting"] else None),
    help=f"{now['compliant']} 个站八项全有",
)
avg_items = theme.DASH if now["avg_items"] is None else f"{now['avg_items']:.1f} / 8"
c[2].metric("平均达标项", avg_items)
c[3].metric(
    "达到月度最低要求",
    f"{now['meeting']} / {now['stations']}",
    help="乡镇方案：每站每月至少开展 1 场理论政策宣讲和 1 场特色活动（品牌项目、当月主题活动，"
    "或参与人数达到 county.toml [village] notable_min_participants 的活动）",
)

left, right = st.columns(2)
with left:
    shares = (
        trend.tail(24)
        .with_columns(
            (100 * pl.col("compliant") / pl.col("reporting")).alias("八有全部达标"),
            (100 * pl.col("meeting") / pl.col("stations")).alias("月度最低要求"),
        )
        .unpivot(
            ["八有全部达标", "月度最低要求"], index="month", variable_name="kind", value_name="pct"
        )
    )
    fig = charts.lines_by(shares, "kind", "pct", "达标实践站占比（%）", "%")
    st.plotly_chart(fig, key="std-trend")
with right:
    items = data.get(village.standards_items, sel.month, sel.members).with_columns(
        (100 * pl.col("stations") / pl.col("reporting")).alias("pct")
    )
    st.plotly_chart(
        charts.bars(items, "item", "pct", "本月各项“八有”的实践站占比（%）", "%", fmt=".1f"),
        key="std-items",
    )

status = data.get(village.standards_status, sel.month, sel.members)
stars = data.get(village.station_stars, sel.month, sel.members)
st.caption(
    "实践站星级（最近一次自查）："
    + ui.md(
        "，".join(f"{r['station_stars']} {r['stations']} 个" for r in stars.iter_rows(named=True))
    )
)

tab_below, tab_minimum, tab_all = st.tabs(["“八有”未达标", "未达到月度最低要求", "全部实践站"])
status_columns = {"town": "乡镇", "station": "实践站", "checked_month": "自查月份",
                  "items_met": "达标项", "items_lacking": "缺项",
                  "station_stars": "站点星级"}  # fmt: skip
minimum_columns = {"town": "乡镇", "station": "实践站", "activities": "本月活动",
                   "xuanjiang_activities": "宣讲", "notable_activities": "特色活动",
                   "shortfall": "缺少"}  # fmt: skip
below = status.filter(~pl.col("is_compliant").fill_null(False))
missed = status.filter(~pl.col("meets_minimum").fill_null(False))
with tab_below:
    st.write(f"{below.height} 个实践站最近一次自查未达到“八有”全部八项（未报送自查的也列在此）。")
    ui.table(below, status_columns, height=360, key="std-below")
with tab_minimum:
    st.write(f"{missed.height} 个实践站本月未达到“1 场宣讲 + 1 场特色活动”。")
    ui.table(missed.sort("activities"), minimum_columns, height=360, key="std-minimum")
with tab_all:
    ui.table(
        status,
        {**status_columns, "meets_minimum": "月度最低要求", "shortfall": "缺少"},
        height=400,
        key="std-all",
    )
ui.download_xlsx(
    {"八有未达标": below.select(list(status_columns)).rename(status_columns),
     "月度最低要求未达到": missed.select(list(minimum_columns)).rename(minimum_columns)},
    f"阵地达标_{sel.month:%Y-%m}.xlsx", "下载未达标名单（Excel）", key="std-dl",
)  # fmt: skip
