"""月度排名: the lists, each unit's profile, the flags to decide, bonuses and penalties, and
the review."""

import polars as pl
import streamlit as st

from core import access, labels, months
from dashboard import data, metrics, ui, village, words
from dashboard.state import current
from index import methodology
from index import run as index_run
from index.adjustments import AdjustmentError
from index.compute import NotReady
from index.review import DECISIONS, ReviewError
from presentation import charts, theme
from publish import workflow

sel = current()
user = ui.me()
st.title(f"{sel.month_label}考评指数排名")

flags = data.get(metrics.month_flags, sel.month)
open_flags = flags.filter("is_open")
may_decide = access.can(user, "review_flags")
if not open_flags.is_empty():
    st.warning(
        words.open_flags_warning(
            dict(open_flags.group_by("kind_label", maintain_order=True).len().iter_rows()),
            may_decide,
            "本页下方「疑点核查」中",
        ),
        icon=":material/report:",
    )

GROUPS = {**labels.RANK_GROUPS, "station": f"{labels.UNIT_KINDS['station']}（所内）"}
group = (
    st.segmented_control(
        "榜单", list(GROUPS), format_func=GROUPS.get, default="subcentre", key="rank-group"
    )
    or "subcentre"
)
rows = data.get(metrics.ranking, sel.month, group)
if rows.is_empty():
    st.warning("本月尚未计算考评指数。")
    rows = None
if rows is not None and group == "station":
    institutes = rows.select("partition_code", "partition_name").unique().sort("partition_code")
    names = dict(institutes.iter_rows())
    # an area chosen in the sidebar: only its institutes
    in_area = [c for c in names if sel.members and c in sel.members]
    codes = in_area or list(names)
    inst = st.selectbox("实践所", codes, format_func=names.get, key="rank-institute")
    rows = rows.filter(pl.col("partition_code") == inst)

if rows is not None:
    shown = rows.with_columns(
        place=pl.struct("rank", "place_first", "place_last", "score").map_elements(
            lambda r: words.place(r["rank"], r["place_first"], r["place_last"],
                                  r["score"] is not None),
            return_dtype=pl.String,
        ),
        interval=pl.struct("rank_p05", "rank_p95").map_elements(
            lambda r: words.interval(r["rank_p05"], r["rank_p95"]), return_dtype=pl.String
        ),
        ahead=pl.col("ahead_share").map_elements(words.share, return_dtype=pl.String,
                                                 skip_nulls=False),
        # no adjustment reads 0.0, not +0.0
        adjustment=pl.col("adjustment").map_elements(words.signed, return_dtype=pl.String,
                                                     skip_nulls=False),
        list_mark=pl.when("on_red_list").then(pl.lit("红榜"))
        .when("on_black_list").then(pl.lit("黑榜")).otherwise(pl.lit("")),
    )  # fmt: skip
    for note in rows["list_note"].drop_nulls().unique(maintain_order=True):
        st.info(ui.md(note), icon=":material/info:")
    # (a unit that sent nothing reads 未报送 under 变化; the caption explains the interval)
    columns = {
        "place": "名次", "change_label": "变化", "unit_name": "单位", "score": "得分",
        "tier": "档次", "list_mark": "红黑榜", "adjustment": "加扣分", "interval": "排名区间",
        "ahead": "领先下一名",
    }  # fmt: skip
    ui.table(shown, columns, {"score": "bar"}, key=f"rank-table-{group}")
    st.caption(words.uncertainty_caption(data.get(metrics.uncertainty, sel.month)))

    with st.expander("敏感性分析"):
        sens = data.get(metrics.sensitivity, sel.month, group)
        if sens.is_empty():
            st.caption("本月没有敏感性分析结果。")
        else:
            st.caption(
                f"每次只改变一项假设、其余照旧，重新排名后与公布的名次比较（{GROUPS[group]}，"
                f"共 {sens['units'][0]} 个单位）。平均名次变动越大，排名越依赖这项假设；"
                "斯皮尔曼相关越接近 1，名次顺序越接近公布的排名。"
            )
            ui.table(
                sens.with_columns(
                    rho=pl.col("spearman").map_elements(
                        lambda x: words.number(x, 3), return_dtype=pl.String, skip_nulls=False
                    )
                ),
                {"label": "假设", "mean_abs_shift": "平均名次变动", "max_shift": "最大变动",
                 "units_moved": "名次变化的单位数", "rho": "斯皮尔曼相关"},
                {"mean_abs_shift": "%.2f", "max_shift": "%d", "units_moved": "%d"},
                key=f"rank-sensitivity-{group}",
            )  # fmt: skip

    with st.expander("各单位指标得分（贡献分）"):
        matrix = data.get(metrics.indicator_matrix, sel.month, group)
        matrix = matrix.filter(pl.col("unit_code").is_in(rows["unit_code"].implode()))
        matrix = matrix.with_columns(
            cell=pl.struct("contribution", "imputation", "is_outlier", "flag_review").map_elements(
                lambda r: words.matrix_cell(
                    r["contribution"], r["imputation"], r["is_outlier"], r["flag_review"]
                ),
                return_dtype=pl.String,
            )
        )
        st.caption(words.MATRIX_LEGEND)
        wide = (
            matrix.pivot("indicator_name", index="unit_code", values="cell")
            .join(rows.select("unit_code", "unit_name", "rank", "score"), on="unit_code")
            .sort("rank")
            .with_columns(  # 未报送 has no score: — rather than an empty number
                pl.col("score").map_elements(theme.score, return_dtype=pl.String, skip_nulls=False)
            )
        )
        indicator_cols = [
            c for c in wide.columns if c not in ("unit_code", "unit_name", "rank", "score")
        ]
        ui.table(
            wide,
            {
                "rank": "名次",
                "unit_name": "单位",
                "score": "得分",
                **{c: c for c in indicator_cols},
            },
            key=f"rank-matrix-{group}",
        )

    st.subheader("单位画像")
    units = dict(rows.select("unit_code", "unit_name").iter_rows())
    unit = st.selectbox("单位", list(units), format_func=units.get, key=f"rank-unit-{group}")
    me = rows.filter(pl.col("unit_code") == unit).row(0, named=True)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("得分", theme.score(me["score"]))
    c2.metric(
        "名次",
        f"{me['rank']} / {rows.height}",
        me["change_label"] if me["change_label"] not in ("—", "新") else None,
    )
    c3.metric("档次", ui.md(me["tier"]))
    c4.metric("加扣分", words.signed(me["adjustment"]))
    history = data.get(metrics.unit_history, unit, sel.month)
    inds = data.get(metrics.unit_indicators, unit, sel.month)
    left, right = st.columns(2)
    with left:
        run = [months.shift(sel.month, -i) for i in range(11, -1, -1)]
        fig = charts.score_history(history, run, "近12个月得分")
        st.plotly_chart(fig, key=f"rank-trend-{unit}", config={"displaylogo": False})
    with right:
        # the published change per indicator (one decimal, adding up exactly to the change)
        steps = [
            (r["indicator_name"], r["change_shown"])
            for r in inds.iter_rows(named=True)
            if r["change_shown"]
        ]
        if me["adjustment_change_shown"]:
            steps.append(("加扣分", me["adjustment_change_shown"]))
        prev_score = history.filter(pl.col("month") < sel.month)["score"].tail(1).to_list()
        if prev_score and prev_score[0] is not None and me["score"] is not None:
            fig = charts.waterfall(steps, prev_score[0], "得分变化分解（较上月）")
            st.plotly_chart(fig, key=f"rank-waterfall-{unit}", config={"displaylogo": False})
        else:
            st.info("上月或本月没有得分，无法分解变化。")
    s_col, w_col = st.columns(2)
    names = dict(inds.select("indicator_key", "indicator_name").iter_rows())
    for col, label, keys in ((s_col, "优势", me["strengths"]), (w_col, "短板", me["weaknesses"])):
        listed = "、".join(names.get(k, k) for k in keys or []) or "无"
        col.markdown(f"**相对同类的{label}**：{ui.md(listed)}")
    ui.table(
        inds.with_columns(
            raw=pl.col("raw_value").map_elements(words.number, return_dtype=pl.String,
                                                 skip_nulls=False),
            used=pl.col("value_used").map_elements(words.number, return_dtype=pl.String,
                                                   skip_nulls=False),
            norm=pl.col("normalised").map_elements(theme.score, return_dtype=pl.String,
                                                   skip_nulls=False),
            change=pl.col("change_shown").map_elements(words.signed, return_dtype=pl.String,
                                                       skip_nulls=False),
            note=pl.struct("imputation", "is_outlier", "flag_review").map_elements(
                lambda r: words.treatment(r["imputation"], r["is_outlier"], r["flag_review"]),
                return_dtype=pl.String,
            ),
        ),
        {"indicator_name": "指标", "dimension": "维度", "raw": "报送值", "used": "计分值",
         "unit": "计量单位", "norm": "标准化得分", "weight": "权重", "contribution": "贡献分",
         "change": "较上月", "note": "说明"},
        {"weight": "pct", "contribution": "%.1f"},
        key=f"rank-inds-{unit}",
    )  # fmt: skip

st.divider()
st.subheader("疑点核查", anchor="flags")
st.caption(
    "「数据存疑」：远高于同类单位和本单位以往水平的数值，计分时暂按封顶值计，请核对活动台账后"
    "决定接受原值或维持封顶。「积分疑点」：积分台账中不合规则的记录，请核实无误或按考评办法扣分。"
    "每条结论须写明理由，记入审计日志；提交后本月排名自动重新计算。"
)
meth = methodology.load()
done = st.session_state.pop("_flag_done", None)
if done:
    st.success(done, icon=":material/check_circle:")
if flags.is_empty():
    st.success("本月没有需要核查的疑点。")
else:
    f1, f2, f3 = st.columns(3)
    f1.metric("疑点", f"{flags.height}条")
    f2.metric("待核查", f"{open_flags.height}条")
    f3.metric("已核查", f"{flags.height - open_flags.height}条")
    # a static table: the words wrap, every figure stays readable
    ui.static_table(
        flags.with_columns(
            verdict=pl.when("is_open")
            .then(pl.lit("待核查"))
            .otherwise(
                pl.format(
                    "{}（{}，{}）：{}", "decision_label", "author",
                    pl.col("decided_at").dt.strftime("%Y-%m-%d %H:%M"), "reason",
                )
            )
        )
        .select("kind_label", "unit_name", "label", "detail", "verdict")
        .rename({"kind_label": "类别", "unit_name": "单位", "label": "疑点", "detail": "情况",
                 "verdict": "核查结论"}),
        hide_index=True,
    )  # fmt: skip
    keys = [f"{r['kind']}|{r['unit_code']}|{r['ref']}" for r in flags.iter_rows(named=True)]
    by_key = dict(zip(keys, flags.iter_rows(named=True), strict=True))
    pick = st.selectbox(
        "逐条查看",
        keys,
        format_func=lambda k: (
            f"{'【待核查】' if by_key[k]['is_open'] else '【已核查】'}{by_key[k]['kind_label']}"
            f" · {by_key[k]['unit_name']} · {by_key[k]['label']}"
        ),
        # a new key whenever a flag is decided: the list moves on to the next open flag
        key=f"flag-pick-{sel.month:%Y-%m}-{open_flags.height}",
    )
    flag = by_key[pick]
    st.markdown(f"**{ui.md(flag['unit_name'])} · {ui.md(flag['label'])}**　{ui.md(flag['detail'])}")
    if flag["is_open"]:
        st.caption("尚未核查。")
    else:
        st.markdown(
            f"核查结论：**{ui.md(flag['decision_label'])}**　经办人：{ui.md(flag['author'])}"
            + (f"（{flag['decided_at']:%Y-%m-%d %H:%M}）" if flag["decided_at"] is not None else "")
            + f"　理由：{ui.md(flag['reason'])}"
        )
    if flag["kind"] == "outlier":
        evidence = data.get(metrics.outlier_evidence, sel.month, flag["unit_code"], flag["ref"])
        if evidence.is_empty():
            st.caption("该指标的数据不来自活动台账，请到相应台账（如积分台账）核对本单位当月报送。")
        else:
            measure = evidence["counted_label"][0]
            total = evidence["counted"].sum()
            said = (
                f"依据：本单位当月活动台账 {evidence.height} 行，"
                f"{measure.removeprefix('计入')}合计 {words.number(total, 1)}"
            )
            by_member = (
                evidence.group_by("member_name")
                .agg(pl.col("counted").sum())
                .sort("counted", "member_name", descending=[True, False])
            )
            if by_member.height > 1:  # a district or a town: which of its units sent most
                said += "（含所辖单位）；贡献最多的：" + "、".join(
                    f"{r['member_name']} {words.number(r['counted'], 1)}"
                    f"（{r['counted'] / total:.0%}）"
                    for r in by_member.head(3).iter_rows(named=True)
                )
            st.markdown(ui.md(said) + "。下表按计入多少排列，附来源文件和行号。")
            columns = {
                "member_name": "单位", "activity_id": "活动编号", "activity_date": "日期",
                "activity_name": "活动名称", "counted": measure,
                "participants": "参与人次", "volunteers": "志愿者",
                "volunteer_hours": "志愿时长", "file_name": "来源文件", "source_row": "行号",
            }  # fmt: skip
            columns.pop(evidence["counted_from"][0], None)  # the counted column is that one
            if by_member.height == 1:
                columns.pop("member_name")
            ui.table(
                evidence.with_columns(
                    pl.col("counted", "volunteer_hours", "volunteers").map_elements(
                        words.number, return_dtype=pl.String, skip_nulls=False
                    )
                ),
                columns,
                key="rank-flag-evidence",
            )
    elif access.can(user, "audit_points"):
        evidence = data.get(village.flag_evidence, flag["ref"], None)
        st.markdown(f"依据：积分台账 {evidence.height} 行，附来源文件和行号。")
        ui.table(
            village.evidence_shown(evidence),
            village.EVIDENCE_COLUMNS,
            key="rank-flag-points-evidence",
        )
    else:
        st.caption("积分台账明细（含户编号）仅县中心核查人员可见。")

    if flag["is_open"] and may_decide:
        kind, options = flag["kind"], DECISIONS[flag["kind"]]
        fk = f"{pick}-{sel.month:%Y-%m}"
        choice = st.radio(
            "核查结论", list(options), format_func=options.get, horizontal=True,
            key=f"flag-decision-{fk}",
        )  # fmt: skip
        item, points = "", 0.0
        if choice == "penalise":
            penalties = {a.item: a for a in meth.adjustment_items if a.kind == "penalty"}
            p1, p2 = st.columns(2)
            item = p1.selectbox(
                "扣分项目",
                list(penalties),
                format_func=lambda i: f"{i}（上限{penalties[i].max:g}分）",
                key=f"flag-item-{fk}",
            )
            points = p2.number_input(
                "扣分分值", min_value=0.5, max_value=float(penalties[item].max),
                value=min(2.0, float(penalties[item].max)), step=0.5, key=f"flag-points-{fk}",
            )  # fmt: skip
        reason = st.text_area(
            "理由", key=f"flag-reason-{fk}",
            placeholder="例如：已调阅活动照片和签到表，人数属实；或：无佐证材料，维持封顶",
        )  # fmt: skip
        if st.button(
            f"提交核查结论并重新计算（经办人：{ui.md(user.display_name)}）",
            type="primary",
            key=f"flag-submit-{fk}",
        ):
            if not reason.strip():
                st.error("请填写理由。")
            else:
                try:
                    access.require(user, "review_flags")
                    with st.spinner("正在记录核查结论并重新计算本月排名……"):
                        index_run.decide_flags(
                            data.store(), sel.month,
                            [index_run.Decision(kind, flag["ref"], flag["unit_code"], choice,
                                                reason, item, points)],
                            user.display_name,
                        )  # fmt: skip
                    st.session_state["_flag_done"] = (
                        f"已记录：{ui.md(flag['unit_name'])} · {ui.md(flag['label'])}"
                        f"——{options[choice]}。"
                        "本月排名已重新计算。"
                    )
                    st.rerun()
                except (ReviewError, AdjustmentError, NotReady) as e:
                    st.error(ui.md(e))
    elif flag["is_open"]:
        st.caption("核查结论由县中心审核人员作出。")

st.divider()
st.subheader("加分与扣分")
adj = data.get(metrics.adjustments, sel.month)
if not adj.is_empty():
    ui.table(
        adj.with_columns(
            state=pl.when(pl.col("voided_at").is_null())
            .then(pl.lit("有效"))
            .otherwise(pl.lit("已撤销"))
        ),
        {"adjustment_id": "编号", "unit_name": "单位", "item": "项目", "points": "分值",
         "reason": "理由", "author": "录入人", "created_at": "录入时间", "state": "状态"},
        {"points": "%+.1f"},
        key="rank-adjustments",
    )  # fmt: skip
elif not access.can(user, "adjust"):
    st.caption("本月没有加扣分。")
if rows is not None and access.can(user, "adjust"):
    with st.form("adjust-form", clear_on_submit=True):
        st.markdown(
            f"**录入加扣分**（录入人：{ui.md(user.display_name)}；记入审计日志，并重新计算本月排名）"
        )
        a1, a2 = st.columns(2)
        a_unit = a1.selectbox("单位", list(units), format_func=units.get, key="adj-unit")
        items = {a.item: a for a in meth.adjustment_items}
        kinds = {"bonus": "加分", "penalty": "扣分"}
        a_item = a2.selectbox(
            "项目",
            list(items),
            format_func=lambda i: f"{kinds[items[i].kind]}：{i}（上限{items[i].max:g}分）",
            key="adj-item",
        )
        a_points = a1.number_input(
            "分值（正数）", min_value=0.1, max_value=10.0, value=1.0, step=0.5
        )
        a_reason = a2.text_input("理由", placeholder="例如：获省级表彰（文号）")
        if st.form_submit_button("保存并重新计算", type="primary"):
            if not a_reason.strip():
                st.error("请填写理由。")
            else:
                signed = a_points if items[a_item].kind == "bonus" else -a_points
                try:
                    access.require(user, "adjust")
                    with st.spinner("正在重新计算本月排名……"):
                        new_id, _ = index_run.adjust(
                            data.store(), sel.month, a_unit, a_item, signed, a_reason,
                            user.display_name,
                        )  # fmt: skip
                    st.success(f"已记录加扣分 #{new_id}，排名已更新。")
                    st.rerun()
                except (AdjustmentError, NotReady) as e:
                    st.error(ui.md(e))
    active = adj.filter(pl.col("voided_at").is_null()) if not adj.is_empty() else adj
    if not active.is_empty():
        with st.form("void-form", clear_on_submit=True):
            st.markdown("**撤销加扣分**（记录保留，注明原因）")
            v1, v2 = st.columns(2)
            v_id = v1.selectbox("编号", active["adjustment_id"].to_list())
            v_reason = v2.text_input("撤销原因")
            if st.form_submit_button("撤销并重新计算"):
                if not v_reason.strip():
                    st.error("请填写撤销原因。")
                else:
                    access.require(user, "adjust")
                    with st.spinner("正在重新计算本月排名……"):
                        index_run.void_adjustment(data.store(), v_id, v_reason, user.display_name)
                    st.rerun()

st.divider()
st.subheader("审核")
editions = data.get(workflow.editions, sel.month)
open_editions = [e for e in editions if e["status"] != "published"]
published = [e for e in editions if e["status"] == "published"]
if published:
    last = published[-1]
    st.success(
        f"本月已发布第{last['edition_no']}版（签发：{ui.md(last['published_by'])}，"
        f"{last['published_at']:%Y-%m-%d %H:%M}）。"
        + ui.refer(
            "publishing",
            "如需更正，请在{page}页发布修订版。",
            "如需更正，由县中心审核人员发布修订版。",
            action="publish",
        )
    )
if open_editions:
    e = open_editions[-1]
    st.info(
        f"第{e['edition_no']}版{'（修订版）' if e['is_revision'] else ''}："
        f"{workflow.STATUS_LABELS[e['status']]}"
        + (
            f"，审核人 {ui.md(e['reviewed_by'])}（{e['reviewed_at']:%Y-%m-%d %H:%M}）"
            if e["reviewed_by"]
            else ""
        )
    )
elif not published:
    st.caption("本月尚未审核。")
can_review = access.can(user, "review") and not (published and not open_editions)
if can_review and not open_flags.is_empty():
    st.warning(f"本月还有 {open_flags.height} 条疑点未核查，核查完毕后才能审核。")
elif rows is not None and can_review:
    with st.form("review-form"):
        note = st.text_input("审核意见（可选）")
        if st.form_submit_button(f"审核通过（审核人：{ui.md(user.display_name)}）", type="primary"):
            try:
                access.require(user, "review")
                # a new draft, or the open one brought up to the month's current ranking
                e = open_editions[-1] if open_editions else {"is_revision": False, "reason": ""}
                workflow.draft(
                    data.store(), sel.month, user.display_name, e["is_revision"],
                    e["reason"] or "", data.reports(),
                )  # fmt: skip
                workflow.review(data.store(), sel.month, user.display_name, note)
                st.success(
                    ui.refer("publishing", "已审核。另一位有签发权限的同事可在{page}页签发发布。",
                             "已审核。另一位有签发权限的同事可签发发布。")
                )  # fmt: skip
                st.rerun()
            except workflow.PublishError as e:
                st.error(ui.md(e))
