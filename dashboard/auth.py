"""Login, logout and the signed-in user of this browser session."""

from __future__ import annotations

import streamlit as st

from core import accounts
from presentation.plain import md

TOKEN = "_session_token"


def current_user() -> accounts.User | None:
    """The user of this browser session, or None (never signed in, expired, disabled)."""
    token = st.session_state.get(TOKEN)
    user = accounts.session_user(token)
    if user is None and token:
        del st.session_state[TOKEN]
        st.session_state["_expired"] = True
    return user


def login_page() -> None:
    st.title("新时代文明实践数据看板")
    if st.session_state.pop("_expired", False):
        st.warning("登录已过期，请重新登录。")
    with st.form("login"):
        username = st.text_input("用户名", key="login-user")
        password = st.text_input("密码", type="password", key="login-password")
        if st.form_submit_button("登录", type="primary"):
            try:
                user = accounts.authenticate(username.strip(), password)
            except accounts.LoginError as e:
                st.error(md(e))
            else:
                st.session_state[TOKEN] = accounts.start_session(user)
                st.rerun()
    st.caption("账号由县中心管理员开设。忘记密码请联系管理员重置。")


def logout_button(user: accounts.User) -> None:
    with st.sidebar:
        st.caption(f"{md(user.display_name)}（{user.role_label}）")
        if st.button("退出登录", key="logout"):
            accounts.end_session(st.session_state.pop(TOKEN, ""))
            st.rerun()
