"""账号与审计 (管理员): accounts, and the log of who did what."""

import polars as pl
import streamlit as st

from core import access, accounts
from dashboard import data, metrics, ui
from presentation import readable

user = ui.me()
st.title("账号与审计")

tab_users, tab_log = st.tabs(["账号", "审计日志"])
with tab_users:
    access.require(user, "manage_users")  # the accounts themselves, and every change below
    areas = data.get(metrics.areas) if data.version() else pl.DataFrame()
    towns = (
        dict(areas.filter(pl.col("kind") == "institute").select("code", "name").iter_rows())
        if not areas.is_empty()
        else {}
    )
    users = pl.DataFrame(accounts.list_users(), infer_schema_length=None)
    if not users.is_empty():
        ui.table(
            users.with_columns(
                role=pl.col("role").replace_strict(accounts.ROLES),
                state=pl.when(pl.col("is_active") == 1)
                .then(pl.lit("启用"))
                .otherwise(pl.lit("停用")),
                # the town by its name (the code when the database does not know it)
                # (a String column even when no account has a town: polars reads that as Null)
                town=pl.col("town_code").cast(pl.String).replace_strict(
                    towns, default=pl.col("town_code").cast(pl.String), return_dtype=pl.String
                )
                if "town_code" in users.columns
                else pl.lit(None, pl.String),
            ),
            {"username": "用户名", "display_name": "姓名", "role": "角色", "town": "所属乡镇",
             "state": "状态", "failed_logins": "连续失败", "locked_until": "锁定至",
             "password_set_at": "密码设置时间"},
            key="admin-users",
        )  # fmt: skip
    with st.form("add-user", clear_on_submit=True):
        st.markdown("**开设账号**")
        c1, c2, c3 = st.columns(3)
        username = c1.text_input("用户名")
        name = c2.text_input("姓名")
        role = c3.selectbox("角色", list(accounts.ROLES), format_func=accounts.ROLES.get)
        c4, c5 = st.columns(2)
        town = c4.selectbox(
            "所属乡镇（乡镇账号）", [None, *towns], format_func=lambda c: towns.get(c, "—")
        )
        password = c5.text_input(
            "初始密码", type="password", help=f"至少 {accounts.MIN_PASSWORD} 位"
        )
        if st.form_submit_button("开设", type="primary"):
            try:
                access.require(user, "manage_users")
                accounts.add_user(username, name, role, password, town, actor=user.username)
                st.success(f"已开设 {ui.md(username)}。")
                st.rerun()
            except accounts.AccountError as e:
                st.error(ui.md(e))
    names = [u["username"] for u in accounts.list_users() if u["username"] != user.username]
    if names:
        with st.form("change-user", clear_on_submit=True):
            st.markdown("**停用、启用或重置密码**")
            c1, c2, c3 = st.columns(3)
            who = c1.selectbox("用户", names)
            what = c2.selectbox("操作", ["重置密码", "停用", "启用"])
            new_password = c3.text_input("新密码（重置时）", type="password")
            if st.form_submit_button("执行"):
                try:
                    access.require(user, "manage_users")
                    if what == "重置密码":
                        accounts.reset_password(who, new_password, actor=user.username)
                    else:
                        accounts.set_active(who, what == "启用", actor=user.username)
                    st.success(f"已{what}：{ui.md(who)}")
                    st.rerun()
                except accounts.AccountError as e:
                    st.error(ui.md(e))

with tab_log:
    access.require(user, "view_audit")  # the access log; the work log's query requires it too
    access_log = pl.DataFrame(
        accounts.auth_log(),
        schema=["logged_at", "actor", "action", "subject", "detail"],
        orient="row",
    ).with_columns(pl.col("logged_at").str.to_datetime())
    work_log = data.get(metrics.audit_log) if data.version() else access_log.clear()
    log = pl.concat([access_log, work_log], how="vertical_relaxed").sort(
        "logged_at", descending=True
    )
    labels = metrics.AUDIT_ACTIONS
    kinds = sorted(set(log["action"].to_list()))
    chosen = st.multiselect(
        "类别", kinds, format_func=lambda a: labels.get(a, a), key="audit-kinds",
        placeholder="全部类别（可多选）",
    )  # fmt: skip
    if chosen:
        log = log.filter(pl.col("action").is_in(chosen))
    names = data.get(metrics.unit_names) if data.version() else {}
    log = log.with_columns(
        action=pl.col("action").replace(labels),
        subject=pl.col("subject").map_elements(
            lambda t: readable.codes_named(t, names), return_dtype=pl.String, skip_nulls=False
        ),
        detail=pl.col("detail").map_elements(
            readable.detail_text, return_dtype=pl.String, skip_nulls=False
        ),
    )
    ui.table(
        log,
        {
            "logged_at": "时间",
            "actor": "操作人",
            "action": "操作",
            "subject": "对象",
            "detail": "详情",
        },
        height=520,
        key="audit-log",
    )
    ui.download_xlsx({"审计日志": log}, "审计日志.xlsx", "下载审计日志", key="audit-download")
