"""Every role's pages (AppTest on a small published county): each opens, every page a text
names is in the reader's menu, and no table holds a raw value (None, nan, True/False, JSON,
a bare unit code)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_store, environment
from streamlit.testing.v1 import AppTest

from core import access, accounts, labels

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TOWN = "620623100"
ROLES = ("admin", "reviewer", "town", "leader")
# text elements whose words a person reads (widgets: their labels)
TEXTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success",
         "error", "text")  # fmt: skip
WIDGETS = ("button", "radio", "selectbox", "multiselect", "toggle", "text_input", "tabs")
RAW_WORDS = {"None", "none", "nan", "NaN", "True", "False", "null", "NaT"}
BARE_CODE = re.compile(r"^\d{9}(\d{3})?$")  # a town (9 digits) or a unit (12)


@pytest.fixture(scope="module")
def served(small_site, tmp_path_factory):
    """The small site (a private copy) and an account per role; role → session token."""
    store, reports = small_site
    base = tmp_path_factory.mktemp("roles")
    store = copy_store(store, base / "db")
    with environment(
        CIVIC_DB_DIR=str(store), CIVIC_REPORTS_DIR=str(reports),
        CIVIC_ACCOUNTS_DB=str(base / "accounts.sqlite"), CIVIC_LOG_DIR=str(base / "logs"),
    ):  # fmt: skip
        tokens = {}
        for role in ROLES:
            user = accounts.add_user(role, f"{role}甲", role, "password-123",
                                     TOWN if role == "town" else None)  # fmt: skip
            tokens[role] = accounts.start_session(user)
        yield tokens


def _run(token: str, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["_session_token"] = token
    at.session_state["month"] = "2026-10"
    at.session_state["area"] = ""
    at.switch_page(f"views/{page}.py")
    at.run()
    return at


def _texts(at: AppTest) -> list[str]:
    found = []
    for kind in TEXTS:
        found += [str(e.value) for e in at.get(kind)]
    for kind in WIDGETS:
        found += [str(getattr(e, "label", "")) for e in at.get(kind)]
    found += [f"{m.label} {m.help or ''}" for m in at.metric]
    return found


def named_pages(text: str) -> set[str]:
    """The pages a text sends its reader to: 「<title>」 or <title>页."""
    return {
        key for key, title in labels.PAGES.items() if f"「{title}」" in text or f"{title}页" in text
    }


def raw_cells(frame: pd.DataFrame) -> list[str]:
    """Cells a person should not read: missing, flags, JSON, bare unit codes."""
    bad = []
    for name in frame.columns:
        col = frame[name]
        if col.dtype == bool:
            bad.append(f"{name}: flags")
        if col.isna().any():
            bad.append(f"{name}: missing at row {int(col.isna().to_numpy().argmax())}")
        for v in col.dropna():
            text = str(v).strip()
            if text in RAW_WORDS or text.startswith(("{", "[")):
                bad.append(f"{name}: {text[:40]}")
                break
            if BARE_CODE.match(text) and "编码" not in str(name):
                bad.append(f"{name}: code {text}")
                break
    return bad


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        ("详见「数据报送」页的报送矩阵。", {"submissions"}),
        ("请在发布页发布修订版", {"publishing"}),
        ("全县排名由县中心审核发布", set()),
        ("在发布后的文章中", set()),
        ("「疑点核查」中", set()),
    ],
)
def test_named_pages_finds_page_references(text, pages):
    assert named_pages(text) == pages


def test_every_role_opens_its_pages_and_is_sent_only_where_it_may_go(served):
    seen: dict[str, list[str]] = {}
    for role in ROLES:
        menu = {k for k, roles in access.PAGES.items() if role in roles}
        for page in sorted(menu):
            at = _run(served[role], page)
            where = f"{role} · {labels.PAGES[page]}"
            assert not at.exception, (where, [e.value for e in at.exception])
            errors = [e.value for e in at.error]
            assert not errors, (where, errors)
            for text in _texts(at):
                assert named_pages(text) <= menu, (where, text)
            for frame in [d.value for d in at.dataframe] + [t.value for t in at.table]:
                frame = frame.data if hasattr(frame, "data") else frame  # a pandas Styler
                assert not raw_cells(frame), (where, list(frame.columns), raw_cells(frame))
            seen.setdefault(role, []).append(page)
    # the leader reads 积分, 品牌项目, 趋势 and 地图 (issue 19)
    assert {"points", "brands", "trends", "map"} <= set(seen["leader"])
    assert "households" not in seen["leader"] and "submissions" not in seen["leader"]


def test_a_leader_reads_points_without_household_names(served):
    at = _run(served["leader"], "points")
    assert not at.exception
    tabs = [t.label for t in at.tabs]
    assert "红黑榜（考评）" in tabs
    assert not {"善行榜（本月获得积分）", "星级榜"} & set(tabs)
    headers = {c for d in at.dataframe for c in d.value.columns}
    assert "户主" not in headers and "户编号" not in headers
