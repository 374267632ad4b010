"""民事直说: residents' matters by category and escalation level, how fast and how low they
are resolved, satisfaction, and matters open past the county's limit."""

import polars as pl
import streamlit as st

from core import labels
from dashboard import data, ui, village
from dashboard.state import current
from presentation import charts, theme

sel = current()
st.title(f"{ui.md(sel.area_name)} · {sel.month_label}民事直说")
st.caption(
    "群众的村里事、邻里事、家里事由网格员直办，办不了的逐级上交议事会、村镇联办、镇党委督办。"
    "越多事在最低一级办结越好。"
)

s = data.get(village.matters_summary, sel.month, sel.members)
if not s["matters"] and not s["open_at_end"]:
    st.info("本月没有民事直说台账数据（该台账为选报）。")
    st.stop()
share = lambda n, d: n / d if d else None  # noqa: E731
c = st.columns(5)
c[0].metric("本月受理", f"{s['matters']:,}件", help=f"本月受理的事项中已办结 {s['resolved']:,} 件")
c[1].metric("办结率", theme.pct(share(s["resolved"], s["matters"])))
c[2].metric(
    "网格员直办解决",
    theme.pct(share(s["resolved_lowest"], s["matters"])),
    help="本月受理的事项中，在最低一级（网格员直办）办结的比例",
)
c[3].metric(
    "满意度",
    theme.pct(share(s["satisfied"] + s["fairly_satisfied"], s["rated"])),
    help=f"满意 {s['satisfied']}、基本满意 {s['fairly_satisfied']}、不满意 {s['dissatisfied']}"
    f"（共 {s['rated']} 件评价）",
)
c[4].metric(
    f"超过{s['limit_days']}天未办结",
    f"{s['open_past_limit']:,.0f}件",
    help=f"月末仍未办结 {s['open_at_end']:,.0f} 件，其中受理超过 {s['limit_days']} 天的件数"
    "（期限在 county.toml 的 [village] matter_open_limit_days 中设定）",
)
if s["avg_days"] is not None:
    st.caption(f"本月受理并已办结的事项平均用时 {s['avg_days']:.1f} 天。")

trend = data.get(village.matters_trend, sel.members)
backlog = data.get(village.backlog_trend, sel.members)
left, right = st.columns(2)
with left:
    st.plotly_chart(
        charts.stacked_by(trend.tail(36), "category", "matters", "各类事项受理件数", "件"),
        key="mat-trend",
    )
with right:
    lines = backlog.unpivot(
        ["open_at_end", "open_past_limit"], index="month", variable_name="kind", value_name="n"
    ).with_columns(
        pl.col("kind").replace_strict(
            {"open_at_end": "月末未办结", "open_past_limit": f"超过{s['limit_days']}天未办结"}
        )
    )
    st.plotly_chart(charts.lines_by(lines, "kind", "n", "未办结事项", "件"), key="mat-backlog")

st.subheader("按办理层级")
by_level = data.get(village.matters_by_level, sel.month, sel.members)
pivot = by_level.pivot(on="category", index="level", values="matters").fill_null(0)
levels = by_level.group_by("level", maintain_order=True).agg(
    pl.col("matters").sum(),
    pl.col("resolved").sum(),
    ((pl.col("avg_days") * pl.col("resolved")).sum() / pl.col("resolved").sum()).alias("avg_days"),
)
ui.table(
    levels.join(pivot, on="level", how="left").with_columns(
        (pl.col("resolved") / pl.col("matters")).alias("resolved_share")
    ),
    {"level": "办理层级", "matters": "受理（件）", **{c: c for c in village.CATEGORIES},
     "resolved_share": "办结率", "avg_days": "平均用时（天）"},
    {"resolved_share": "pct", "avg_days": "%.1f"}, key="mat-levels",
)  # fmt: skip

st.subheader("各单位")
level = st.radio("按", ["institute", "station"], horizontal=True, key="mat-unit-level",
                 format_func=labels.BREAKDOWN.get)  # fmt: skip
units = data.get(village.matters_by_unit, sel.month, level, sel.members)
columns = {"unit_name": "单位", "matters": "本月受理", "resolved_share": "办结率",
           "lowest_share": "网格员直办解决", "avg_days": "平均用时（天）",
           "satisfaction_share": "满意度", "open_past_limit": "超期未办结"}  # fmt: skip
ui.table(
    units, columns,
    {"resolved_share": "pct", "lowest_share": "pct", "satisfaction_share": "pct",
     "avg_days": "%.1f", "open_past_limit": "%d"},
    height=360, key=f"mat-units-{level}",
)  # fmt: skip

overdue = data.get(village.overdue_matters, sel.month, sel.members)
st.subheader(f"超过{s['limit_days']}天未办结的事项（{overdue.height}件）")
if overdue.is_empty():
    st.success("月末没有超期未办结的事项。")
else:
    overdue_columns = {"town": "乡镇", "station": "实践站", "matter_id": "事项编号",
                       "accepted_date": "受理日期", "category": "类别", "level": "办理层级",
                       "days_open": "已受理（天）"}  # fmt: skip
    ui.table(overdue, overdue_columns, height=320, key="mat-overdue")
    ui.download_xlsx(
        {"超期未办结": overdue.select(list(overdue_columns)).rename(overdue_columns),
         "各单位": units.select(list(columns)).rename(columns)},
        f"民事直说_{sel.month:%Y-%m}.xlsx", "下载超期事项和各单位（Excel）", key="mat-dl",
    )  # fmt: skip
