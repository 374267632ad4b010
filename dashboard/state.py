"""The month and area every page shows, chosen once in the sidebar and kept in the link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from core import access, months
from dashboard import data, metrics

COUNTY = ""  # the area key of the whole county


@dataclass(frozen=True)
class Selection:
    month: date
    area_code: str | None  # None: the whole county
    area_name: str
    members: tuple[str, ...] | None

    @property
    def month_label(self) -> str:
        return months.label(self.month)


def sidebar(user=None) -> Selection | None:
    """Draw the shared controls; None when the database is empty.

    A 乡镇 account's area is its town, and the selector offers nothing else
    (the data layer enforces it too).
    """
    if not data.version():
        return None
    available = data.get(metrics.months)
    if not available:
        return None
    areas = data.get(metrics.areas)
    qp = st.query_params
    month_keys = [months.key(m) for m in available]
    if "month" not in st.session_state:
        wanted = qp.get("month")
        st.session_state["month"] = wanted if wanted in month_keys else month_keys[0]
    if st.session_state["month"] not in month_keys:
        st.session_state["month"] = month_keys[0]
    names = {COUNTY: "全县"}
    for r in areas.iter_rows(named=True):
        indent = "" if r["kind"] == "subcentre" else "　"
        names[r["code"]] = indent + r["name"]
    if access.scoped(user):
        names = {user.town_code: names.get(user.town_code, user.town_code).strip()}
        st.session_state["area"] = user.town_code
    if "area" not in st.session_state:
        wanted = qp.get("area")
        st.session_state["area"] = wanted if wanted in names else COUNTY
    with st.sidebar:
        st.selectbox(
            "月份",
            month_keys,
            key="month",
            format_func=lambda k: months.label(months.parse(k)),
        )
        st.selectbox(
            "片区 / 乡镇",
            list(names),
            key="area",
            format_func=lambda c: names[c],
            help="片区分中心及其下属乡镇（实践所）；选择后各页只统计该范围内的单位",
        )
    month = available[month_keys.index(st.session_state["month"])]
    area = st.session_state["area"] or None
    qp["month"] = st.session_state["month"]
    if area:
        qp["area"] = area
    elif "area" in qp:
        del qp["area"]
    members = data.get(metrics.members, area)
    return Selection(
        month, area, names[area or COUNTY].strip(), tuple(members) if members else None
    )


def current() -> Selection | None:
    return st.session_state.get("_selection")
