"""品牌项目: each brand project's activities, people, hours, reach and ratings; trends."""

import polars as pl
import streamlit as st

from dashboard import data, metrics, ui
from dashboard.state import current
from presentation import charts, theme

sel = current()
st.title(f"{ui.md(sel.area_name)} · 品牌项目")

period = st.radio("期间", ["本月", "今年以来"], horizontal=True, key="brand-period")
start = sel.month if period == "本月" else sel.month.replace(month=1)
projects = data.get(metrics.brand_projects, start, sel.month, sel.members)
active = projects.filter(pl.col("activities") > 0)
c = st.columns(4)
c[0].metric("开展活动的品牌项目", f"{active.height} / {projects.height}")
c[1].metric("品牌活动", f"{theme.count(projects['activities'].sum())}场")
c[2].metric("参与群众", f"{theme.count(projects['participants'].sum())}人次")
c[3].metric("志愿服务时长", f"{theme.count(projects['volunteer_hours'].sum())}小时")

ui.table(
    projects,
    {"name": "品牌项目", "platform": "服务平台", "activities": "活动（场）",
     "participants": "参与（人次）", "beneficiaries": "服务（人次）",
     "volunteer_hours": "时长（小时）", "towns": "覆盖乡镇", "avg_rating": "点单评分",
     "ratings": "评分数"},
    {"volunteer_hours": "%.1f", "avg_rating": "%.2f"},
    height=400, key="brand-table",
)  # fmt: skip

left, right = st.columns(2)
with left:
    top = active.sort("participants", descending=True).head(10)
    st.plotly_chart(
        charts.bars(top, "name", "participants", f"参与人次前十（{period}）", "参与（人次）",
                    horizontal=True),
        key="brand-compare",
    )  # fmt: skip
with right:
    chosen = st.multiselect(
        "比较项目", projects["name"].to_list(), default=active["name"].head(3).to_list(),
        key="brand-chosen",
    )  # fmt: skip
    trend = data.get(metrics.brand_trend, sel.members)
    st.plotly_chart(
        charts.lines_by(trend.filter(pl.col("name").is_in(chosen)), "name", "activities",
                        "品牌项目月度活动场次", "活动（场）"),
        key="brand-trend",
    )  # fmt: skip
