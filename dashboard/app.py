"""The office's dashboard: `civic dashboard` (streamlit run dashboard/app.py).

This entry script sets the page up, draws the shared month and area controls
and runs the chosen page; the pages (dashboard/views/) hold UI only and get
their data through dashboard/data.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# streamlit runs this file as a script: make the project importable
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard import data, state  # noqa: E402

VIEWS = Path(__file__).parent / "views"

st.set_page_config(page_title="新时代文明实践数据看板", page_icon="🏮", layout="wide")

PAGES = {
    "看板": [
        st.Page(VIEWS / "overview.py", title="总览", icon=":material/dashboard:", default=True),
        st.Page(VIEWS / "rankings.py", title="月度排名", icon=":material/leaderboard:"),
        st.Page(VIEWS / "map.py", title="地图", icon=":material/map:"),
        st.Page(VIEWS / "trends.py", title="趋势", icon=":material/trending_up:"),
        st.Page(VIEWS / "points.py", title="积分", icon=":material/redeem:"),
        st.Page(VIEWS / "brands.py", title="品牌项目", icon=":material/workspace_premium:"),
    ],
    "工作": [
        st.Page(VIEWS / "submissions.py", title="数据报送", icon=":material/upload_file:"),
        st.Page(VIEWS / "publishing.py", title="发布", icon=":material/campaign:"),
    ],
}

page = st.navigation(PAGES)
with st.sidebar:
    st.markdown("### 新时代文明实践中心")
st.session_state["_selection"] = state.sidebar()
if st.session_state["_selection"] is None and page.title != "数据报送":
    st.title(page.title)
    st.info("数据库中还没有数据：请先在「数据报送」页上传各单位的报送文件。")
    st.page_link(PAGES["工作"][0], label="前往数据报送", icon=":material/upload_file:")
else:
    page.run()
with st.sidebar:
    st.caption(f"数据版本：{data.version() or '无'}")
