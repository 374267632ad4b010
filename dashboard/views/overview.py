"""总览: the month's headline figures, the top and bottom of each ranking, submissions, a map."""

import polars as pl
import streamlit as st

from core import access, labels, months
from dashboard import data, metrics, ui
from dashboard.state import current
from presentation import theme
from publish import queries
from publish.model import figure_value

sel = current()
user = ui.me()
st.title(f"{ui.md(sel.area_name)} · {sel.month_label}总览")

prev, last_year = months.shift(sel.month, -1), months.shift(sel.month, -12)
heads = data.get(queries.headline, [last_year, prev, sel.month], sel.members)
now, before, ly = (heads[m] for m in (sel.month, prev, last_year))


FIGURES = [
    ("activities", "开展活动", "场", "count"),
    ("participants", "参与群众", "人次", "count"),
    ("volunteer_hours", "志愿服务时长", "小时", "count"),
    ("volunteers_active", "在册志愿者", "人", "count"),
    ("orders", "群众点单", "单", "count"),
    ("completion_rate", "点单完成率", "", "pct"),
    ("points_issued", "发放积分", "分", "count"),
    ("points_redeemed", "兑换积分", "分", "count"),
]
for row_start in (0, 4):
    cols = st.columns(4)
    for col, (key, label, unit, kind) in zip(cols, FIGURES[row_start : row_start + 4], strict=True):
        ui.figure(col, label, *(figure_value(r, key) for r in (now, before, ly)), unit, kind)

left, right = st.columns([3, 2])
with left:
    if not access.can(user, "view_county_lists"):
        st.subheader("考评排名")
        st.caption("全县排名由县中心审核发布；本乡镇的名次以县中心公开的考评文章为准。")
    else:
        st.subheader("考评排名：前三与后三")
        tabs = st.tabs(list(labels.RANK_GROUPS.values()))
        for tab, group in zip(tabs, labels.RANK_GROUPS, strict=True):
            with tab:
                rows = data.get(metrics.ranking, sel.month, group)
                if rows.is_empty():
                    st.info("本月尚未计算考评指数。")
                    continue
                shown = rows if rows.height <= 6 else rows.head(3).vstack(rows.tail(3))
                # a static table of six rows: drawn as text, no grid to load in the browser
                ui.text_table(
                    shown.select(
                        pl.col("rank").cast(pl.String).alias("名次"),
                        pl.col("change_label").fill_null(theme.DASH).alias("变化"),
                        pl.col("unit_name").alias("单位"),
                        pl.col("score").map_elements(theme.score, return_dtype=pl.String)
                        .alias("得分"),
                        pl.col("tier").fill_null(theme.DASH).alias("档次"),
                    ),
                    numeric=("名次", "得分"),
                )  # fmt: skip
with right:
    st.subheader("报送情况")
    status = data.get(metrics.submission_status, sel.month, sel.members)
    counts = {r["status"]: r for r in status.iter_rows(named=True)}
    owed = int(status["sheets"].sum()) if status.height else 0
    c1, c2, c3 = st.columns(3)
    for col, key in zip((c1, c2, c3), labels.SUBMISSION_STATUS, strict=True):
        label = labels.SUBMISSION_STATUS[key]
        col.metric(f"{label}（台账）", f"{int(counts.get(key, {}).get('sheets', 0)):,}")
    received = owed - int(counts.get("missing", {}).get("sheets", 0))
    st.progress(received / owed if owed else 0.0, text=f"已收到 {received:,} / {owed:,} 份台账")
    st.caption(
        f"未报送单位 {int(counts.get('missing', {}).get('units', 0))} 个，"
        + ui.refer("submissions", "详见{page}页的报送矩阵。", "名单可向县中心了解。")
    )

st.subheader("各站所考评得分")
# built and serialised once per database version and area, for every session
picture = data.derived(ui.score_map, [(metrics.map_units, (sel.month, sel.members))])
if picture is None:
    st.info("所选范围没有带坐标的站所。")
else:
    ui.svg(picture)
    st.caption(
        "鼠标停在站所上可看名称与得分。"
        + ui.refer("map", "可缩放、可看活动热力的地图在{page}页。", "")
    )
