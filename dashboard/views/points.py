"""积分: points issued versus redeemed, redemption by town and station, balance, boards."""

import polars as pl
import streamlit as st

from core import access, labels, settings
from dashboard import data, metrics, ui, village
from dashboard.state import current
from presentation import charts, theme

sel = current()
user = ui.me()
st.title(f"{ui.md(sel.area_name)} · {sel.month_label}道德积分")
st.caption(
    "积分有两种含义：榜单按当期获得的积分排（兑换不减少）；余额是获得减兑换减清零，即爱心超市应兑付的负债。"
)

monthly = data.get(metrics.points_monthly, sel.members)
now = monthly.filter(pl.col("month") == sel.month)
if now.is_empty():
    st.info("本月没有积分数据。")
    st.stop()
now = now.row(0, named=True)
year = monthly.filter(
    (pl.col("month") >= sel.month.replace(month=1)) & (pl.col("month") <= sel.month)
)
issued_ytd, redeemed_ytd = year["points_issued"].sum(), year["points_redeemed"].sum()
coverage = data.get(metrics.household_coverage, sel.month, sel.members)
per_household = data.get(settings.read).budget_yuan_per_household_year
budget = (coverage["households"] or 0) * per_household

c = st.columns(5)
c[0].metric("本月发放", f"{theme.count(now['points_issued'])}分")
c[1].metric("本月兑换", f"{theme.count(now['points_redeemed'])}分")
c[2].metric(
    "今年兑换率",
    theme.pct(redeemed_ytd / issued_ytd if issued_ytd else None),
    help=f"今年以来发放 {theme.count(issued_ytd)} 分，兑换 {theme.count(redeemed_ytd)} 分",
)
c[3].metric(
    "未兑换余额",
    f"{theme.count(now['liability_yuan'])}元",
    help=f"折合年度预算（{coverage['households']:,.0f}户×{per_household:g}元）的"
    f"{theme.pct(now['liability_yuan'] / budget if budget else None)}",
)
households = coverage["households"] or 0
c[4].metric(
    "本月获得积分的户",
    f"{now['households_earning']:,.0f}",
    help=f"占全部 {households:,.0f} 户的"
    f"{theme.pct(now['households_earning'] / households if households else None)}",
)

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.points_flow(monthly.tail(12), "近12个月发放与兑换"), key="pts-flow")
with right:
    st.plotly_chart(charts.points_cumulative(monthly), key="pts-cum")
st.progress(
    min(1.0, now["liability_yuan"] / budget) if budget else 0.0,
    text=f"未兑换余额 {theme.count(now['liability_yuan'])} 元 / "
    f"年度超市预算 {theme.count(budget)} 元",
)

st.subheader("兑换率（今年以来）")
level = st.radio("按", ["institute", "station"], horizontal=True, key="pts-level",
                 format_func=labels.BREAKDOWN.get)  # fmt: skip
by_unit = data.get(metrics.redemption_by_unit, sel.month, level, sel.members)
ui.table(
    by_unit,
    {"unit_name": "单位", "points_issued": "发放", "points_redeemed": "兑换",
     "redemption_rate": "兑换率", "balance_points": "月末余额", "households": "户数"},
    {"points_issued": "%d", "points_redeemed": "%d", "redemption_rate": "pct",
     "balance_points": "%d", "households": "%d"},
    height=320, key=f"pts-by-{level}",
)  # fmt: skip
st.caption("兑换率＝今年以来兑换÷今年以来发放；超过100%，是因为兑换了去年及更早发放的积分。")

left, right = st.columns(2)
with left:
    st.subheader("本月积分构成")
    cats = data.get(metrics.points_categories, sel.month, sel.members)
    st.plotly_chart(
        charts.bars(cats, "category", "points", "各类积分（分）", "积分"), key="pts-cat"
    )
with right:
    st.subheader("星级户")
    stars = data.get(metrics.star_households, sel.month, sel.members)
    rated = stars["households_rated"].sum()
    s = st.columns(3)
    s[0].metric("已评星户", f"{rated:,.0f}")
    s[1].metric("五星以上", theme.pct(stars["stars_5_plus"].sum() / rated if rated else None))
    s[2].metric(
        "达到三颗必评星", theme.pct(stars["required_stars_met"].sum() / rated if rated else None)
    )

# the stations' table under both columns, at full width: in the half column it was cut off
ui.table(
    stars.sort("avg_stars", descending=True),
    {"unit_name": "实践站", "institute_name": "实践所", "households_rated": "评星户",
     "avg_stars": "平均星数", "stars_8_plus": "八星以上"},
    {"avg_stars": "%.2f"}, height=ui.fit_height(10), key="pts-stars",
)  # fmt: skip

st.subheader("榜单")
named = access.can(user, "view_households")  # boards with (masked) household names
GOOD, STARS, LISTS = "善行榜（本月获得积分）", "星级榜", "红黑榜（考评）"
boards = [GOOD, STARS] if named else []
if access.can(user, "view_county_lists"):  # 红黑榜 of every unit
    boards.append(LISTS)
if named:
    st.caption("户主姓名已脱敏。")
tabs = dict(zip(boards, st.tabs(boards), strict=True))
if GOOD in tabs:
    with tabs[GOOD]:
        ui.table(
            data.get(metrics.good_deeds_board, sel.month, sel.members).with_row_index("no", 1),
            {"no": "名次", "head_name": "户主", "station": "实践站",
             "points_earned": "本月获得积分", "entries": "记录数"},
            key="pts-board-good",
        )  # fmt: skip
if STARS in tabs:
    with tabs[STARS]:
        ui.table(
            data.get(metrics.star_board, sel.month, sel.members).with_columns(
                required=pl.when("required_stars_met").then(pl.lit("是")).otherwise(pl.lit("否"))
            ),
            {"head_name": "户主", "station": "实践站", "stars": "星数", "required": "三颗必评星",
             "submitted_month": "评定月份"},
            key="pts-board-stars",
        )  # fmt: skip
if LISTS in tabs:
    with tabs[LISTS]:
        lists = data.get(metrics.red_black_lists, sel.month)
        ui.table(
            lists.with_columns(
                board=pl.when("on_red_list").then(pl.lit("红榜")).otherwise(pl.lit("黑榜")),
                group=pl.col("group_key").replace_strict(
                    labels.RANK_GROUPS, default=pl.col("group_key")
                ),
                streak=pl.max_horizontal("red_streak", "black_streak"),
            ),
            {"board": "榜", "group": "榜单", "unit_name": "单位", "rank": "名次", "score": "得分",
             "streak": "连续上榜（月）"},
            {"score": "%.1f"}, key="pts-board-lists",
        )  # fmt: skip

if access.can(user, "audit_points"):
    st.subheader("积分核查")
    st.caption(
        "积分就是钱（1分=1元）。以下疑点由系统按积分目录和规则自动筛出，每条都附台账原始行，"
        "请核实后处理：分值超出目录范围（含农忙季范围）、同户同日多次记分、户均积分远高于同类站点、"
        "兑换超过余额、核发未经公示。"
    )
    period = st.radio("期间", ["本月", "今年以来"], horizontal=True, key="pts-audit-period")
    start = sel.month if period == "本月" else sel.month.replace(month=1)
    counts = data.get(village.flag_counts, start, sel.month, sel.members)
    cols = st.columns(len(counts))
    for col, r in zip(cols, counts.iter_rows(named=True), strict=True):
        col.metric(r["rule_label"], f"{r['flags']:,}条", help=f"涉及台账 {r['evidence_rows']:,} 行")
    flags = data.get(village.points_flags, start, sel.month, sel.members)
    if flags.is_empty():
        st.success(f"{period}没有发现疑点。")
    else:
        rule = st.selectbox(
            "疑点类型",
            ["全部", *counts.filter(pl.col("flags") > 0)["rule_label"].to_list()],
            key="pts-audit-rule",
        )
        shown = flags if rule == "全部" else flags.filter(pl.col("rule_label") == rule)
        flag_columns = {
            "rule_label": "疑点", "town": "乡镇", "station": "实践站", "household_id": "户编号",
            "head_name": "户主", "first_date": "日期", "detail": "说明",
            "evidence_rows": "台账行数", "points": "涉及积分",
        }  # fmt: skip
        event = ui.table(
            shown, flag_columns, height=320, key="pts-audit-flags",
            on_select="rerun", selection_mode="single-row",
        )  # fmt: skip
        picked = event.selection.rows if event else []
        if picked:
            flag = shown.row(picked[0], named=True)
            evidence = data.get(village.flag_evidence, flag["flag_id"], sel.members)
            st.markdown(
                f"**{ui.md(flag['station'])} · {ui.md(flag['rule_label'])}**："
                + ui.md(flag["detail"])
            )
            ui.table(
                village.evidence_shown(evidence),
                village.EVIDENCE_COLUMNS,
                height=280,
                key="pts-audit-evidence",
            )
        else:
            st.caption("点选一条疑点，查看它所依据的台账原始行。")
        ui.download_xlsx(
            {"疑点": shown.select(list(flag_columns)).rename(flag_columns)},
            f"积分核查_{sel.month:%Y-%m}.xlsx", "下载疑点清单（Excel）", key="pts-audit-dl",
        )  # fmt: skip

if named:  # each clearing names its household
    st.subheader(f"清零（{sel.month.year}年）")
    st.caption(
        "严重违规的户积分清零：余额归零，当年不再获得积分、不上善行榜。清零可来自实践站积分台账，"
        "也可由县中心在此录入（须写明理由）；误录的可撤销，记录保留。"
    )
    cleared = data.get(village.clearings, sel.month.year, sel.members)
    ui.table(
        cleared.with_columns(
            state=pl.when("is_voided").then(pl.lit("已撤销")).otherwise(pl.lit("有效")),
            entered_by=pl.col("entered_by").fill_null("（站点台账）"),
            clearing_id=pl.col("clearing_id").cast(pl.String).fill_null("（站点台账）"),
        ),
        {"cleared_date": "清零日期", "town": "乡镇", "station": "实践站", "household_id": "户编号",
         "head_name": "户主", "source": "来源", "reason": "理由", "points_cleared": "清除余额",
         "entered_by": "录入人", "state": "状态", "clearing_id": "录入编号",
         "void_reason": "撤销理由"},
        {"points_cleared": "%d"}, height=240, key="pts-clearings",
    )  # fmt: skip
    if access.can(user, "clear_points"):
        from etl import clearings as clearing_rules

        add_tab, void_tab = st.tabs(["录入清零", "撤销清零"])
        with add_tab:
            ledgers = data.get(village.notice_stations, sel.members)
            station_names = dict(zip(ledgers["unit_code"], ledgers["station"], strict=True))
            with st.form("pts-clear-form", clear_on_submit=False):
                station = st.selectbox(
                    "实践站",
                    list(station_names),
                    format_func=station_names.get,
                    key="pts-clear-station",
                )
                household = st.text_input(
                    "户编号", key="pts-clear-household", placeholder="如 H0012"
                )
                when = st.date_input("清零日期", key="pts-clear-date", format="YYYY-MM-DD")
                reason = st.text_area("理由（违规事实和处理决定）", key="pts-clear-reason")
                submitted = st.form_submit_button("确认清零", type="primary")
            if submitted:
                try:
                    access.require(user, "clear_points")
                    new_id = clearing_rules.add(
                        data.store(), station, household, when, reason, user.display_name
                    )
                except clearing_rules.ClearingError as e:
                    st.error(ui.md(e))
                else:
                    data.clear()
                    st.success(f"已清零（录入编号 {new_id}），余额、榜单和负债已重新计算。")
        with void_tab:
            live = cleared.filter(pl.col("source") == "办公室录入", ~pl.col("is_voided"))
            if live.is_empty():
                st.caption(f"{sel.month.year}年没有可撤销的办公室录入清零。")
            else:
                with st.form("pts-void-form"):
                    clearing_id = st.selectbox(
                        "清零记录",
                        live["clearing_id"].to_list(),
                        format_func=lambda i: next(
                            f"{r['clearing_id']}：{r['station']} {r['household_id']} "
                            f"{r['cleared_date']:%Y-%m-%d}"
                            for r in live.iter_rows(named=True)
                            if r["clearing_id"] == i
                        ),
                        key="pts-void-id",
                    )
                    why = st.text_input("撤销理由", key="pts-void-reason")
                    undo = st.form_submit_button("撤销清零")
                if undo:
                    try:
                        access.require(user, "clear_points")
                        clearing_rules.void(data.store(), clearing_id, why, user.display_name)
                    except clearing_rules.ClearingError as e:
                        st.error(ui.md(e))
                    else:
                        data.clear()
                        st.success(f"清零记录 {clearing_id} 已撤销，积分已恢复。")

if access.can(user, "download_notice"):
    st.subheader("季度积分公示")
    st.caption(
        "按实践站、季度生成张贴到村务公开栏的道德积分公示（户主姓名脱敏）：本季获得、扣减、兑换和季末余额。"
        "PDF 为 A4 纸，可直接打印。"
    )
    from publish import notice as notices

    stations = data.get(village.notice_stations, sel.members)
    quarters = data.get(village.notice_quarters, sel.members)
    if stations.is_empty() or not quarters:
        st.info("所选区域还没有积分台账。")
    else:
        names = {
            r["unit_code"]: f"{r['town']} · {r['station']}" for r in stations.iter_rows(named=True)
        }
        left, right = st.columns(2)
        station = left.selectbox(
            "实践站", list(names), format_func=names.get, key="pts-notice-station"
        )
        first = dict(zip(stations["unit_code"], stations["first_quarter"], strict=True))
        quarter = right.selectbox(
            "季度", [q for q in quarters if q >= first[station]], key="pts-notice-quarter",
            format_func=lambda q: f"{q[:4]}年第{'一二三四'[int(q[-1]) - 1]}季度",
        )  # fmt: skip
        stem = notices.file_stem(station, quarter)

        def notice_html() -> str:  # cached per database version: a notice is a few hundred rows
            return data.fetch(user, village.notice_html, station, quarter, sel.members)

        b1, b2, b3 = st.columns(3)
        # files as bytes, built once (cached) when asked for: a button outlives a rerun
        with b1:
            if ui.prepared("pts-notice", f"{data.version()}|{stem}|{sel.members}", "生成公示文件"):
                try:
                    html = notice_html()
                    pdf = ui.notice_pdf(html)
                except notices.NoticeError as e:
                    st.warning(ui.md(e))
                else:
                    st.download_button(
                        "下载公示（PDF，A4）", pdf, file_name=f"{stem}.pdf",
                        mime="application/pdf", key="pts-notice-pdf",
                        icon=":material/picture_as_pdf:", on_click="ignore",
                    )  # fmt: skip
                    b2.download_button(
                        "下载公示（网页）", html.encode("utf-8"), file_name=f"{stem}.html",
                        mime="text/html", key="pts-notice-html", icon=":material/download:",
                        on_click="ignore",
                    )  # fmt: skip
        if b3.toggle("预览", key="pts-notice-preview"):
            try:
                st.html(notice_html())
            except notices.NoticeError as e:
                st.warning(ui.md(e))

if access.can(user, "export_credit"):
    st.subheader("道德积分授信导出")
    st.caption(
        "供农村信用社评级授信：每户全年获得、扣减、兑换积分，年末余额，星级和清零情况。"
        "身份证号不出现在导出中，只带县中心密钥计算的身份证号密文；信用社的名单在县中心用同一密钥"
        "计算密文后匹配（命令 civic credit --cooperative），密钥不外传。"
    )
    years = data.get(village.credit_years, sel.members)
    if years:
        year = st.selectbox("年度", years, key="pts-credit-year")

        # a year of households takes a while: built when asked for, then offered as bytes
        # (cached per database version), which outlive a rerun
        if ui.prepared("pts-credit", f"{data.version()}|{year}|{sel.members}", "生成授信导出"):
            st.download_button(
                f"下载{year}年授信导出（Excel）",
                data.fetch(user, village.credit_workbook, year, sel.members),
                file_name=f"道德积分授信_{year}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key="pts-credit-dl",
                icon=":material/download:",
                on_click="ignore",
            )
