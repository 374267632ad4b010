"""The office's dashboard: `civic dashboard` (streamlit run dashboard/app.py).

This entry script checks the secrets, signs the user in, offers the pages
their role may see (core/access.py), draws the shared month and area
controls and runs the chosen page; the pages (dashboard/views/) hold UI only
and get their data through dashboard/data.py, which runs only declared
queries and enforces a 乡镇 account's town on them. A refusal
(core.access.Forbidden) from a page or its data ends the page with its message.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# streamlit runs this file as a script: make the project importable
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import access, secrets  # noqa: E402
from dashboard import auth, data, state  # noqa: E402

VIEWS = Path(__file__).parent / "views"

st.set_page_config(page_title="新时代文明实践数据看板", page_icon="🏮", layout="wide")

problems = secrets.check()
if problems:  # production mode without its secrets: refuse to start, say where they go
    st.error("系统配置不完整，无法启动：\n\n" + "\n\n".join(f"- {p}" for p in problems))
    st.stop()

data.keep_warm()  # the landing page of each database version, computed once for everyone

user = auth.current_user()
st.session_state["_user"] = user
if user is None:
    st.navigation([st.Page(auth.login_page, title="登录", icon=":material/login:")]).run()
    st.stop()

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
pages = {
    section: [
        st.Page(VIEWS / f"{key}.py", title=title, icon=icon, default=key == "overview")
        for key, title, icon in entries
        if access.sees(user, key)
    ]
    for section, entries in SECTIONS.items()
}
pages = {section: entries for section, entries in pages.items() if entries}
page = st.navigation(pages)
with st.sidebar:
    st.markdown("### 新时代文明实践中心")
st.session_state["_selection"] = state.sidebar(user)
if st.session_state["_selection"] is None and page.title not in ("数据报送", "账号与审计"):
    st.title(page.title)
    st.info("数据库中还没有数据：请先在「数据报送」页上传各单位的报送文件。")
else:
    try:
        page.run()
    except access.Forbidden as refused:  # the role may not: its message, not a traceback
        st.error(str(refused))
auth.logout_button(user)
with st.sidebar:
    st.caption(f"数据版本：{data.version() or '无'}")
