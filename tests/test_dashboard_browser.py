"""The dashboard in a real browser: served as `civic dashboard` serves it, driven by Chromium.

Every page is opened from the sidebar, one export file is uploaded through
the 数据报送 page, no page shows an error, and nothing is fetched from
outside this machine. Screenshots go to tests/out/screenshots/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import copy_store, environment

from civic.cli import serve
from core import accounts
from core.contract import PLATFORMS
from publish import browser, workflow
from tests.exports import header

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "tests" / "out" / "screenshots"
PAGES = [
    "总览", "月度排名", "地图", "趋势", "积分", "品牌项目", "民事直说", "阵地达标", "星级户",
    "数据报送", "发布", "账号与审计",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(ranked_store, tmp_path_factory):
    """The app served on a free port over a published copy of the demo database."""
    from datetime import date

    base = tmp_path_factory.mktemp("served")
    store = copy_store(ranked_store, base / "db")
    reports = base / "reports"
    workflow.publish_month(store, date(2026, 10, 1), "李签发", "王审核", reports=reports)
    env_accounts = {"CIVIC_ACCOUNTS_DB": str(base / "accounts.sqlite")}
    with environment(**env_accounts):
        accounts.add_user("admin", "管理员甲", "admin", "browser-pass-1")
        accounts.add_user("reviewer", "审核员乙", "reviewer", "browser-pass-2")
        accounts.add_user("leader", "领导戊", "leader", "browser-pass-3")
    env = {
        **env_accounts,
        **os.environ,
        "CIVIC_DB_DIR": str(store),
        "CIVIC_REPORTS_DIR": str(reports),
        "CIVIC_INBOX_DIR": str(base / "inbox"),
        "CIVIC_LOG_DIR": str(base / "logs"),
    }
    with _served(env) as url:
        yield url, store


@contextmanager
def _served(env: dict[str, str]):
    """`civic dashboard`'s server (the login gate in front, dashboard/server.py) on a free
    port with `env`, until the block ends; yields its address."""
    port = _free_port()
    proc = subprocess.Popen(
        serve.command(port), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start:\n" + proc.stdout.read().decode(errors="replace"))
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _settle(page, timeout_s: float = 90) -> None:
    """Wait until the app has finished running the page."""
    deadline = time.time() + timeout_s
    page.wait_for_selector("h1", timeout=timeout_s * 1000)
    quiet_since = None
    while time.time() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.time()
        elif time.time() - quiet_since > 1.5:
            return
        time.sleep(0.25)
    raise AssertionError("the page kept running")


def _rows(store: Path, sql: str) -> list[tuple]:
    from core import store as db_store

    with db_store.reading(store) as con:
        return con.sql(sql).fetchall()


def _clean(row: list[str], file_name: str) -> bool:
    """A plain activities row of the file's own unit (the demo plants dirty copies too)."""
    code, date, name, unit, platform, *_ = row + [""] * 5
    participants = row[7] if len(row) > 7 else ""
    return (
        bool(code and date and name)
        and file_name.startswith(unit)
        and platform in PLATFORMS
        and participants.isdigit()
        and len(row) == len(header("activities"))
    )


def test_every_page_in_a_browser_and_an_upload(server, demo_inbox, tmp_path):
    from playwright.sync_api import sync_playwright

    url, store = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=browser.executable(), args=browser.ARGS)
        page = b.new_page(viewport={"width": 1400, "height": 2400}, locale="zh-CN")
        page.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None)
                and not r.url.startswith(("data:", "blob:"))
                else None
            ),
        )
        page.goto(url)
        _settle(page)
        page.screenshot(path=str(SHOTS / "0-登录.png"), full_page=True)
        page.get_by_label("用户名").fill("admin")
        page.get_by_label("密码").fill("browser-pass-1")
        page.get_by_role("button", name="登录").click()
        page.wait_for_selector('[data-testid="stSidebarNavLink"]', timeout=60_000)
        _settle(page)
        links = page.locator('[data-testid="stSidebarNavLink"]')
        # each link reads "<icon name>\n\n<title>"
        titles = [links.nth(i).inner_text().split("\n")[-1].strip() for i in range(links.count())]
        assert titles == PAGES
        for n, name in enumerate(PAGES, 1):
            page.locator('[data-testid="stSidebarNavLink"]', has_text=name).click()
            _settle(page)
            page.screenshot(path=str(SHOTS / f"{n}-{name}.png"), full_page=True)
            if name == "积分":  # the office's audit and clearings, below the boards
                page.get_by_text("积分核查", exact=True).scroll_into_view_if_needed()
                _settle(page)
                page.screenshot(path=str(SHOTS / f"{n}b-积分核查.png"))
            assert page.locator('[data-testid="stException"]').count() == 0, name
            assert page.locator('[data-testid="stAlertContentError"]').count() == 0, name

        # upload one export through the page
        page.locator('[data-testid="stSidebarNavLink"]', has_text="数据报送").click()
        _settle(page)
        # a station's activities export, sent again with one more activity
        source, text = next(
            (f, t)
            for f in sorted(demo_inbox.rglob("*2026-10_活动台账.csv"))
            if (t := f.read_bytes().decode("utf-8-sig", errors="replace")).startswith("活动编号,")
            and "\ufffd" not in t
        )
        lines = text.splitlines()
        extra = next(row for line in lines[1:] if _clean(row := line.split(","), source.name))
        extra[0] = "HD-BROWSER-1"
        # a new activity, not a copy under a new number (the screen counts the first only)
        extra[2] = "浏览器上传测试活动"
        export = tmp_path / source.name
        export.write_text("\n".join([*lines, ",".join(extra)]) + "\n", encoding="utf-8")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            str(export)
        )
        page.get_by_role("button", name="导入", exact=True).click()
        page.wait_for_selector('[data-testid="stAlertContentSuccess"]', timeout=120_000)
        _settle(page)
        page.screenshot(path=str(SHOTS / "13-上传之后.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        assert export.name in page.content()
        b.close()
    added = _rows(store, "select count(*) from fct_activity where activity_id = 'HD-BROWSER-1'")
    assert added == [(1,)]
    assert outside == [], f"requests left this machine: {outside[:5]}"


FLAG_MONTH = "2026年9月"  # the demo office decided only the month it published: open flags here


def _login(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    _settle(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('[data-testid="stSidebarNavLink"]', timeout=60_000)
    _settle(page)


def _rankings_of(page, month_label: str) -> None:
    """Open 月度排名 and choose the month in the sidebar."""
    page.locator('[data-testid="stSidebarNavLink"]', has_text="月度排名").click()
    _settle(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=month_label).click()
    _settle(page)
    page.get_by_text("疑点核查", exact=True).wait_for(timeout=60_000)
    _settle(page)


def _warning(page) -> str:
    box = page.locator('[data-testid="stAlertContentWarning"]', has_text="本月还有")
    return box.first.inner_text() if box.count() else ""


def _submit_decision(page, decision: str, reason: str) -> None:
    page.locator('[data-testid="stRadio"]').get_by_text(decision, exact=True).click()
    _settle(page)
    box = page.locator('[data-testid="stTextArea"] textarea')
    box.fill(reason)
    box.press("Control+Enter")  # commit the text before the click
    _settle(page)
    page.get_by_role("button", name=re.compile("^提交核查结论")).click()
    page.locator('[data-testid="stAlertContentSuccess"]', has_text="已记录").wait_for(
        timeout=120_000
    )
    _settle(page)


def _open_flags(store: Path) -> list:
    from core import store as db_store
    from index import review

    with db_store.reading(store) as con:
        return review.open_flags(con, date(2026, 9, 1))


def test_a_reviewer_decides_flags_and_a_leader_only_reads_them(server):
    from playwright.sync_api import sync_playwright

    url, store = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    waiting = _open_flags(store)
    assert {f.kind for f in waiting} == {"outlier", "points"}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=browser.executable(), args=browser.ARGS)
        # tall enough for the whole page: the app scrolls inside its own container
        page = b.new_page(viewport={"width": 1400, "height": 6000}, locale="zh-CN")
        _login(page, url, "reviewer", "browser-pass-2")
        _rankings_of(page, FLAG_MONTH)
        assert f"本月还有 {len(waiting)} 条疑点未核查" in _warning(page)
        flags_table = page.locator('[data-testid="stTable"]', has_text="核查结论")
        for f in waiting:  # every flag, in words, with its unit
            assert flags_table.get_by_text(f.detail, exact=True).count() == 1, f.detail
            assert flags_table.get_by_text(f.unit_name, exact=True).count() >= 1
        page.screenshot(path=str(SHOTS / "月度排名-疑点核查-审核前.png"), full_page=True)
        # the first open flag is a 数据存疑 value (open flags list outliers first)
        assert waiting[0].kind == "outlier"
        _submit_decision(page, "维持封顶", "无佐证材料，维持封顶")
        assert f"本月还有 {len(waiting) - 1} 条疑点未核查" in _warning(page)
        # a 积分疑点: penalised with the methodology's item (its default) and points
        points = next(f for f in waiting if f.kind == "points")
        page.locator('[data-testid="stSelectbox"]', has_text="逐条查看").click()
        page.get_by_role("option", name=re.compile(f"积分疑点 · {points.unit_name}")).first.click()
        _settle(page)
        _submit_decision(page, "扣分处理", "核实为虚报积分")
        left = len(waiting) - 2
        assert (f"本月还有 {left} 条疑点未核查" in _warning(page)) if left else not _warning(page)
        assert flags_table.get_by_text(re.compile("^维持封顶（审核员乙，")).count() == 1
        assert (
            flags_table.get_by_text(re.compile("^扣分处理（审核员乙，.*核实为虚报积分")).count()
            == 1
        )
        page.screenshot(path=str(SHOTS / "月度排名-疑点核查.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert not re.search(r"\b(None|nan|True|False)\b|missing_owed|no_demand", text)

        leader = b.new_page(viewport={"width": 1400, "height": 6000}, locale="zh-CN")
        _login(leader, url, "leader", "browser-pass-3")
        _rankings_of(leader, FLAG_MONTH)
        assert leader.locator('[data-testid="stTable"]', has_text="核查结论").count() == 1
        assert leader.get_by_role("button", name=re.compile("^提交核查结论")).count() == 0
        assert leader.locator('[data-testid="stRadio"]').count() == 0
        if left:
            assert "需由县中心审核人员" in _warning(leader)
        leader.screenshot(path=str(SHOTS / "月度排名-疑点核查-领导.png"), full_page=True)
        assert leader.locator('[data-testid="stException"]').count() == 0
        b.close()
    assert len(_open_flags(store)) == len(waiting) - 2
