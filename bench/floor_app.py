"""The floor of bench_load.py (--floor): Streamlit alone, two pages of one title each.

The same navigation as the dashboard's (sidebar links named 总览 and 账号与审计), no
data, no login: what a browser pays to open a page in Streamlit at all."""

import streamlit as st


def overview() -> None:
    st.title("全县 · 总览")


def other() -> None:
    st.title("账号与审计")


st.navigation([st.Page(overview, title="总览"), st.Page(other, title="账号与审计")]).run()
