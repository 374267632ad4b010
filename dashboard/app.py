"""The office's dashboard: `civic dashboard` serves it (dashboard/server.py).

This entry script checks the secrets, reads the signed-in user from the
session cookie (dashboard/auth.py), offers the pages their role may see
(core/access.py; the others answer their address with a message), draws the shared month and area
controls and runs the chosen page; the pages (dashboard/views/) hold UI only
and get their data through dashboard/data.py, which runs only declared
queries and enforces a 乡镇 account's town on them. A refusal
(core.access.Forbidden) from a page or its data ends the page with its message;
any other error shows a reference number and is logged (dashboard/errors.py).
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import streamlit as st

# streamlit runs this file as a script: make the project importable
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import access, secrets  # noqa: E402
from dashboard import auth, data, errors, state, ui  # noqa: E402
from presentation.plain import md  # noqa: E402

VIEWS = Path(__file__).parent / "views"

st.set_page_config(page_title="新时代文明实践数据看板", page_icon="🏮", layout="wide")

problems = secrets.check()
if problems:  # production mode without its secrets: refuse to start, say where they go
    st.error("系统配置不完整，无法启动：\n\n" + "\n\n".join(f"- {md(p)}" for p in problems))
    st.stop()

data.keep_warm()  # the landing page of each database version, computed once for everyone

user = auth.current_user()  # from the signed cookie the gate's login set (dashboard/gate.py)
st.session_state["_user"] = user

SECTIONS = {
    "看板": [
        ("overview", "总览", ":material/dashboard:"),
        ("rankings", "月度排名", ":material/leaderboard:"),
        ("map", "地图", ":material/map:"),
        ("trends", "趋势", ":material/trending_up:"),
        ("points", "积分", ":material/redeem:"),
        ("brands", "品牌项目", ":material/workspace_premium:"),
    ],
    "村级实践": [
        ("matters", "民事直说", ":material/forum:"),
        ("standards", "阵地达标", ":material/fact_check:"),
        ("households", "星级户", ":material/star:"),
    ],
    "工作": [
        ("submissions", "数据报送", ":material/upload_file:"),
        ("publishing", "发布", ":material/campaign:"),
        ("admin", "账号与审计", ":material/admin_panel_settings:"),
    ],
}


def refused(title: str) -> None:
    st.title(title)
    st.error("您的账号无权查看此页，请从左侧菜单选择页面。")


def closed(key: str, title: str, icon: str) -> st.Page:
    """A page this browser may not open, registered (hidden) under its address so that the
    address shows our message rather than Streamlit's English "Page not found"."""
    show = partial(refused, title) if user else auth.signed_out_page
    return st.Page(show, title=title, icon=icon, url_path=key, default=key == "overview",
                   visibility="hidden")  # fmt: skip


pages = {
    section: [
        st.Page(VIEWS / f"{key}.py", title=title, icon=icon, default=key == "overview")
        for key, title, icon in entries
        if user and access.sees(user, key)
    ]
    for section, entries in SECTIONS.items()
}
pages = {section: entries for section, entries in pages.items() if entries}
pages[""] = [
    closed(key, title, icon)
    for entries in SECTIONS.values()
    for key, title, icon in entries
    if not (user and access.sees(user, key))
]
page = st.navigation(pages)
if user is None:  # the session ended while the page was open
    page.run()
    st.stop()
with st.sidebar:
    st.markdown("### 新时代文明实践中心")
st.session_state["_selection"] = state.sidebar(user)
if st.session_state["_selection"] is None and page.title not in ("数据报送", "账号与审计"):
    st.title(page.title)
    st.info(ui.refer("submissions", "数据库中还没有数据：请先在{page}页上传各单位的报送文件。",
                     "数据库中还没有数据：请联系县中心上传各单位的报送文件。"))  # fmt: skip
else:
    try:
        page.run()
    except access.Forbidden as refusal:  # the role may not: its message, not a traceback
        st.error(md(refusal))
    except Exception as error:  # unexpected: a reference for the user, the traceback logged
        errors.show(error)
auth.logout_button(user)
with st.sidebar:
    st.caption(f"数据版本：{md(data.version() or '无')}")
