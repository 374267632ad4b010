"""星级户: stars by station and town, the share meeting the three required stars, and
how ratings changed between ratings."""

import polars as pl
import streamlit as st

from core import labels
from dashboard import data, ui, village
from dashboard.state import current
from presentation import charts, theme

sel = current()
st.title(f"{ui.md(sel.area_name)} · 星级户")
st.caption(
    "星级户按户评定（户自评、小组评、村委会评），满分十星；爱党爱国、遵规守法、诚实守信为三颗必评星。"
    "以下为截至所选月份各户最近一次评定。"
)

dist = data.get(village.star_distribution, sel.month, sel.members)
rated = int(dist["households"].sum())
if not rated:
    st.info("截至本月没有星级户评定数据。")
    st.stop()
towns = data.get(village.stars_by_unit, sel.month, "institute", sel.members)
required = float((towns["required_share"] * towns["households_rated"]).sum())
five = dist.filter(pl.col("stars") >= 5)["households"].sum()
avg = float((dist["stars"] * dist["households"]).sum()) / rated
c = st.columns(4)
c[0].metric("已评星户", f"{rated:,}")
c[1].metric("平均星数", f"{avg:.2f}")
c[2].metric("五星以上", theme.pct(five / rated))
c[3].metric("三颗必评星全部达标", theme.pct(required / rated))

left, right = st.columns(2)
with left:
    st.plotly_chart(
        charts.bars(dist.with_columns(pl.format("{}星", "stars").alias("label")), "label",
                    "households", "各星级户数", "户"),
        key="hh-dist",
    )  # fmt: skip
with right:
    changes = data.get(village.star_changes, sel.month, sel.members).filter(
        pl.col("change") != "首次评定"
    )
    if changes.is_empty():
        st.info("还没有两次以上的评定，无法比较星级变化。")
    else:
        colours = {"升星": theme.GAIN, "持平": "#B0B7C3", "降星": theme.LOSS, "未评": "#DDDDDD"}
        st.plotly_chart(
            charts.stacked_by(
                changes, "change", "households", "与上次评定相比", "户", colours, every_month=False
            ),  # ratings: twice a year
            key="hh-changes",
        )

down = data.get(village.households_down, sel.month, sel.members)
level = st.radio("按", ["institute", "station"], horizontal=True, key="hh-level",
                 format_func=labels.BREAKDOWN.get)  # fmt: skip
units = (
    towns
    if level == "institute"
    else data.get(village.stars_by_unit, sel.month, "station", sel.members)
)
# each unit's households that lost stars: counted here, listed below one station at a time
down_per_unit = down.group_by(
    unit_code="town_code" if level == "institute" else "station_code"
).agg(households_down=pl.len())
units = units.join(down_per_unit, on="unit_code", how="left").with_columns(
    pl.col("households_down").fill_null(0)
)
unit_columns = {"unit_name": "单位", "households_rated": "已评星户", "avg_stars": "平均星数",
                "share_5_plus": "五星以上", "share_8_plus": "八星以上",
                "required_share": "必评星达标", "households_down": "降星或失去必评星",
                "rated_month": "最近评定"}  # fmt: skip
ui.table(units, unit_columns,
         {"households_rated": "%d", "avg_stars": "%.2f", "share_5_plus": "pct",
          "share_8_plus": "pct", "required_share": "pct", "households_down": "%d"},
         key=f"hh-units-{level}")  # fmt: skip

st.subheader(f"降星或失去必评星的户（{down.height:,}户）")
down_columns = {"town": "乡镇", "station": "实践站", "household_id": "户编号",
                "head_name": "户主", "previous_stars": "上次星级", "stars": "本次星级",
                "stars_change": "变化", "required_stars_met": "必评星达标",
                "previous_month": "上次评定", "month": "本次评定"}  # fmt: skip
if down.is_empty():
    st.info("截至本月没有降星或失去必评星的户。")
else:
    # a station's households at a time (the whole county is tens of thousands of rows):
    # the stations with the most first
    stations = (
        down.group_by("station_code", "town", "station")
        .agg(n=pl.len())
        .sort(["n", "station_code"], descending=[True, False])
    )
    names = {c: f"{t} · {s}（{n:,}户）" for c, t, s, n in stations.iter_rows()}
    station = st.selectbox("实践站", list(names), format_func=names.get, key="hh-down-station")
    ui.table(down.filter(pl.col("station_code") == station), down_columns, height=320,
             key="hh-down")  # fmt: skip
    st.caption(
        f"共 {stations.height:,} 个实践站有降星或失去必评星的户；全部户的名单请生成工作簿下载。"
    )
if ui.prepared(
    "hh-dl", f"{data.version()}|{sel.month}|{sel.members}|{level}",
    f"生成星级户工作簿（各单位 {units.height:,} 个，降星户 {down.height:,} 户）",
):  # fmt: skip
    ui.download_xlsx(
        {"各单位": units.select(list(unit_columns)).rename(unit_columns),
         "降星户": down.select(list(down_columns)).rename(down_columns)},
        f"星级户_{sel.month:%Y-%m}.xlsx", "下载（Excel）", key="hh-download",
    )  # fmt: skip
