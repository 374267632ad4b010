"""The signed-in user of this browser, and the sidebar's logout.

Signing in happens before Streamlit, on the gate's login page (dashboard/gate.py),
which sets the signed session cookie; every run of the app reads it from
`st.context.cookies` and asks core.accounts whether the session still holds
(idle and total age, logout, a disabled or reset account), so a reload or a
bookmarked page keeps the user signed in, and an ended session ends at the next
click.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

import streamlit as st

from core import accounts
from dashboard import session_cookie
from presentation.plain import md

# AppTest cannot send cookies: tests put a session token here instead (server-side
# state that no browser can write).
TOKEN = "_session_token"


def current_user() -> accounts.User | None:
    """The user of this browser session, or None (no cookie, expired, logged out, disabled)."""
    value = st.context.cookies.get(session_cookie.NAME)
    if isinstance(value, str) and value:
        token = session_cookie.unsign(value)
    else:  # no cookie (AppTest's stand-in client answers anything but a string)
        token = st.session_state.get(TOKEN)
    return accounts.session_user(token)


def signed_out_page() -> None:
    """What a browser whose session has ended sees: the way back to the login form."""
    st.title("新时代文明实践数据看板")
    st.warning("登录已过期或已退出，请重新登录。")
    query = urlencode(st.query_params.to_dict())
    path = (urlsplit(st.context.url or "/").path or "/") + (f"?{query}" if query else "")
    st.link_button("重新登录", f"/login?next={quote(path, safe='')}", type="primary")


def logout_button(user: accounts.User) -> None:
    """The user's name and a logout form posting to the gate (which ends the session and
    removes the cookie)."""
    with st.sidebar:
        st.caption(f"{md(user.display_name)}（{user.role_label}）")
        st.html(
            '<form method="post" action="/logout" style="margin:0">'
            '<button type="submit" class="civic-logout" style="padding:4px 14px;'
            "border:1px solid #d0d3d9;border-radius:6px;background:#fff;cursor:pointer;"
            'font:inherit">退出登录</button></form>'
        )
