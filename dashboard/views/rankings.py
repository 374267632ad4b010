"""月度排名: the lists, each unit's profile, bonuses and penalties, and the review."""

import polars as pl
import streamlit as st

from core import access, labels
from dashboard import data, metrics, ui
from dashboard.state import current
from index import methodology
from index import run as index_run
from index.adjustments import AdjustmentError
from index.compute import NotReady
from presentation import charts, theme
from publish import workflow

sel = current()
user = ui.me()
st.title(f"{sel.month_label}考评指数排名")

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
        interval=pl.format("{}–{}", "rank_p05", "rank_p95"),
        list_mark=pl.when("on_red_list").then(pl.lit("红榜"))
        .when("on_black_list").then(pl.lit("黑榜")).otherwise(pl.lit("")),
        robust=pl.when(pl.col("is_order_robust").not_()).then(pl.lit("与下一名差距不稳"))
        .otherwise(pl.lit("")),
        submitted=pl.when("is_submitted").then(pl.lit("")).otherwise(pl.lit("未报送")),
    )  # fmt: skip
    ui.table(
        shown,
        {"rank": "名次", "change_label": "变化", "unit_name": "单位", "score": "得分",
         "tier": "档次", "list_mark": "红黑榜", "adjustment": "加扣分",
         "interval": "排名区间(5%–95%)", "robust": "稳健性", "submitted": "报送"},
        {"score": "bar", "adjustment": "%+.1f"},
        key=f"rank-table-{group}",
    )  # fmt: skip
    st.caption(
        "排名区间：权重上下浮动 25%、换用不同标准化方法重算 1,000 次后，该单位名次的 5%–95% 范围；"
        "「差距不稳」表示与下一名的先后在不少于 25% 的重算中会颠倒。"
    )

    with st.expander("各单位指标得分（贡献分）"):
        matrix = data.get(metrics.indicator_matrix, sel.month, group)
        matrix = matrix.filter(pl.col("unit_code").is_in(rows["unit_code"].implode()))
        wide = (
            matrix.pivot("indicator_name", index="unit_code", values="contribution")
            .join(rows.select("unit_code", "unit_name", "rank", "score"), on="unit_code")
            .sort("rank")
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
            {"score": "%.1f", **{c: "%.1f" for c in indicator_cols}},
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
    c3.metric("档次", me["tier"])
    c4.metric("加扣分", f"{me['adjustment']:+.1f}")
    history = data.get(metrics.unit_history, unit, sel.month)
    inds = data.get(metrics.unit_indicators, unit, sel.month)
    left, right = st.columns(2)
    with left:
        fig = charts.lines_by(
            history.with_columns(key=pl.lit("得分")), "key", "score", "近12个月得分", "得分"
        )
        st.plotly_chart(fig, key=f"rank-trend-{unit}", config={"displaylogo": False})
    with right:
        steps = [
            (r["indicator_name"], r["contribution_change"])
            for r in inds.iter_rows(named=True)
            if r["contribution_change"] is not None and abs(r["contribution_change"]) >= 0.05
        ]
        prev_score = history.filter(pl.col("month") < sel.month)["score"].tail(1).to_list()
        if prev_score and prev_score[0] is not None:
            fig = charts.waterfall(steps, prev_score[0], "得分变化分解（较上月）")
            st.plotly_chart(fig, key=f"rank-waterfall-{unit}", config={"displaylogo": False})
        else:
            st.info("上月没有得分，无法分解变化。")
    s_col, w_col = st.columns(2)
    names = dict(inds.select("indicator_key", "indicator_name").iter_rows())
    for col, label, keys in ((s_col, "优势", me["strengths"]), (w_col, "短板", me["weaknesses"])):
        listed = "、".join(names.get(k, k) for k in keys or []) or "无"
        col.markdown(f"**相对同类的{label}**：{listed}")
    ui.table(
        inds,
        {"indicator_name": "指标", "dimension": "维度", "raw_value": "原始值", "unit": "计量单位",
         "normalised": "标准化得分", "weight": "权重", "contribution": "贡献分",
         "contribution_change": "较上月"},
        {"raw_value": "%.2f", "normalised": "%.1f", "weight": "pct", "contribution": "%.2f",
         "contribution_change": "%+.2f"},
        key=f"rank-inds-{unit}",
    )  # fmt: skip

st.divider()
st.subheader("加分与扣分")
meth = methodology.load()
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
            f"**录入加扣分**（录入人：{user.display_name}；记入审计日志，并重新计算本月排名）"
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
                    st.error(str(e))
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
        f"本月已发布第{last['edition_no']}版（签发：{last['published_by']}，"
        f"{last['published_at']:%Y-%m-%d %H:%M}）。如需更正，请在「发布」页发布修订版。"
    )
if open_editions:
    e = open_editions[-1]
    st.info(
        f"第{e['edition_no']}版{'（修订版）' if e['is_revision'] else ''}："
        f"{workflow.STATUS_LABELS[e['status']]}"
        + (
            f"，审核人 {e['reviewed_by']}（{e['reviewed_at']:%Y-%m-%d %H:%M}）"
            if e["reviewed_by"]
            else ""
        )
    )
elif not published:
    st.caption("本月尚未审核。")
can_review = access.can(user, "review") and not (published and not open_editions)
if rows is not None and can_review:
    with st.form("review-form"):
        note = st.text_input("审核意见（可选）")
        if st.form_submit_button(f"审核通过（审核人：{user.display_name}）", type="primary"):
            try:
                access.require(user, "review")
                if not open_editions:
                    workflow.draft(
                        data.store(), sel.month, user.display_name, reports=data.reports()
                    )
                workflow.review(data.store(), sel.month, user.display_name, note)
                st.success("已审核。另一位有签发权限的同事可在「发布」页签发发布。")
                st.rerun()
            except workflow.PublishError as e:
                st.error(str(e))
