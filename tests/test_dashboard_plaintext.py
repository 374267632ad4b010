"""Text is text: hostile export, form and database text in a real browser, and downloads.

A small county (tests/county.py) goes through the real `civic ingest` and
`civic rank` with hostile text planted where the field and the office type:
activity themes with an <a href> and an <img> pointing at a listener on this
machine, flag decisions and a revision reason in Markdown and HTML, an
approver named like a spreadsheet formula. The dashboard is served by
`civic dashboard` and driven by Chromium: every such text reads literally, no
request leaves the page for the listener or another host, the dashboard's
workbook neutralises the formula as the published workbook does, and a
download clicked after the page re-ran yields its file.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import environment

from civic.cli import main
from core import accounts
from core import store as db_store
from demo.scale import write_registry
from index import review
from index import run as index_run
from presentation import plain
from publish import browser, workflow
from tests import county as c
from tests.test_dashboard_browser import _login, _served, _settle

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "tests" / "out" / "screenshots"
LINK_THEME = '<a href="http://evil.example/">x</a>'
FORMULA = '=HYPERLINK("http://evil.example/","x")'


@dataclass(frozen=True)
class Site:
    url: str
    store: Path
    reports: Path
    hits: list[str]  # paths the listener was asked for
    port: int

    @property
    def img_theme(self) -> str:
        return f"<img src=http://127.0.0.1:{self.port}/pixel>"

    @property
    def reason(self) -> str:
        return f"![x](http://127.0.0.1:{self.port}/x.png) <b>x</b>"

    @property
    def flag_reason(self) -> str:
        return f"![y](http://127.0.0.1:{self.port}/flag.png) **粗体** <i>斜</i>"


def _listener() -> tuple[http.server.ThreadingHTTPServer, list[str]]:
    """An HTTP server on this machine that records every path asked of it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


def _cli(*args) -> str:
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The hostile small county, ingested, ranked, decided, published and revised, served."""
    listener, hits = _listener()
    port = listener.server_address[1]
    base = tmp_path_factory.mktemp("plaintext")
    registry_dir = write_registry(c.registry(), base / "registry")
    inbox = base / "inbox"
    c.write_month(inbox, c.SEP)
    c.write_month(inbox, c.OCT)
    # station S1 (打柴沟镇) sends three more September activities under hostile themes
    img_theme = f"<img src=http://127.0.0.1:{port}/pixel>"
    c._write(
        inbox / "2026-09", c.S1, c.SEP, "activities",
        [*c.station_activities(c.S1, c.SEP),
         c.activity(c.S1, c.SEP, 20, theme=LINK_THEME, participants=40),
         c.activity(c.S1, c.SEP, 22, theme=LINK_THEME, participants=40),
         c.activity(c.S1, c.SEP, 21, theme=img_theme, participants=30)],
    )  # fmt: skip
    store = base / "db"
    _cli("ingest", inbox, "--db", store, "--registry", registry_dir, "--workers", 1)
    _cli("rank", "--all", "--draws", 50, "--db", store)
    site = Site("", store, base / "reports", hits, port)
    with db_store.reading(store) as con:
        waiting = {m: review.open_flags(con, m) for m in (c.SEP, c.OCT)}
    for month, flags in waiting.items():  # decided with hostile reasons, by a formula
        index_run.decide_flags(
            store, month,
            [index_run.Decision(f.kind, f.ref, f.unit_code, "accept", site.flag_reason)
             for f in flags],
            FORMULA,
        )  # fmt: skip
    workflow.publish_month(store, c.SEP, "李签发", "王审核", reports=site.reports)
    workflow.publish_month(
        store, c.SEP, FORMULA, "王审核", revise=True, reason=site.reason, reports=site.reports
    )
    env_accounts = {"CIVIC_ACCOUNTS_DB": str(base / "accounts.sqlite")}
    with environment(**env_accounts):
        accounts.add_user("admin", "管理员甲", "admin", "plain-pass-1")
        accounts.add_user("town", "乡镇丁", "town", "plain-pass-2", c.I101)
    env = {
        **os.environ,
        **env_accounts,
        "CIVIC_DB_DIR": str(store),
        "CIVIC_REPORTS_DIR": str(site.reports),
        "CIVIC_INBOX_DIR": str(base / "inbox-app"),
        "CIVIC_REGISTRY_DIR": str(registry_dir),
        "CIVIC_LOG_DIR": str(base / "logs"),
    }
    with _served(env) as url:
        yield Site(url, store, site.reports, hits, port)
    listener.shutdown()


@pytest.fixture
def browse(site):
    """A Chromium page that records every request it makes; yields (page, requests)."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=browser.executable(), args=browser.ARGS)
        context = b.new_context(
            viewport={"width": 1400, "height": 4000}, locale="zh-CN", accept_downloads=True
        )
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        yield page, requests
        b.close()


def _outside(requests: list[str], site: Site) -> list[str]:
    """Requests to any host but the app's (the listener is on this machine, but not the app)."""
    app = urlparse(site.url).netloc
    return [
        u for u in requests
        if not u.startswith(("data:", "blob:")) and urlparse(u).netloc != app
    ]  # fmt: skip


def _open(page, name: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]', has_text=name).click()
    _settle(page)


def _read(locator) -> str:
    """The text as a reader sees it (the invisible word joiners that keep a URL
    from becoming a link left out: presentation.plain.md)."""
    return locator.inner_text().replace(plain.JOINER, "")


def _month(page, label: str, settle: bool = True) -> None:
    """Choose the sidebar's month (the page re-runs)."""
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=label).click()
    if settle:
        _settle(page)


def _no_markup_from_data(page) -> None:
    """No link, image or bold/italic element came from the planted text."""
    planted = page.locator('a[href*="evil.example"], img[src*="127.0.0.1"]')
    assert planted.count() == 0, [planted.nth(i).evaluate("e => e.outerHTML") for i in range(3)]
    assert page.locator("svg a").count() == 0  # plotly draws <a> as an svg link
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_hostile_theme_reads_literally_on_trends_for_a_town(site, browse):
    page, requests = browse
    _login(page, site.url, "town", "plain-pass-2")
    _open(page, "趋势")
    page.get_by_role("tab", name="按月度主题").click()
    _settle(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(1)
    chart.locator(".legendtext").first.wait_for(timeout=30_000)
    legend = [t.text_content() for t in chart.locator(".legendtext").all()]
    assert LINK_THEME in legend, legend
    assert site.img_theme in legend, legend
    # the hover of each bar (themes are bars in their months) names its theme as it was sent
    hovered = []
    for point in chart.locator(".barlayer .point path, .scatterlayer .points path").all():
        shape = point.bounding_box()
        if not shape or shape["width"] < 1 or shape["height"] < 1:
            continue  # a month without this theme: an empty bar, nothing to hover
        point.hover(force=True)
        box = page.locator(".hoverlayer .hovertext")
        if box.count():
            hovered.append(box.first.text_content())
    assert any(t.startswith(LINK_THEME) for t in hovered), hovered
    page.screenshot(path=str(SHOTS / "纯文本-趋势-主题.png"), full_page=True)
    _no_markup_from_data(page)
    assert _outside(requests, site) == []
    assert site.hits == []


def test_a_revision_reason_and_flag_reasons_read_literally(site, browse):
    page, requests = browse
    _login(page, site.url, "admin", "plain-pass-1")
    _open(page, "发布")
    main_text = _read(page.locator('[data-testid="stMain"]'))
    assert site.reason in main_text  # the newest edition, the revision, is shown first
    assert FORMULA in main_text  # its approver
    assert page.locator('[data-testid="stMain"] b', has_text="x").count() == 0
    page.screenshot(path=str(SHOTS / "纯文本-发布-修订原因.png"), full_page=True)
    _open(page, "月度排名")  # October's flags, decided with Markdown and HTML reasons
    page.get_by_text("疑点核查", exact=True).wait_for(timeout=60_000)
    _settle(page)
    table = page.locator('[data-testid="stTable"]', has_text="核查结论")
    assert site.flag_reason in _read(table)
    assert table.locator("strong, em, i, img").count() == 0
    page.screenshot(path=str(SHOTS / "纯文本-月度排名-核查结论.png"), full_page=True)
    _no_markup_from_data(page)
    assert _outside(requests, site) == []
    assert site.hits == []


def test_the_audit_workbook_neutralises_a_formula_after_a_rerun(site, browse, tmp_path):
    page, _ = browse
    _login(page, site.url, "admin", "plain-pass-1")
    _open(page, "账号与审计")
    page.get_by_role("tab", name="审计日志").click()
    _settle(page)
    button = page.get_by_role("button", name="下载审计日志")
    button.wait_for()
    # the page re-runs (another month chosen: the log stays the same), then the download
    _month(page, "2026年9月")
    with page.expect_download(timeout=60_000) as got:
        button.click()
    path = tmp_path / "audit.xlsx"
    got.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value]
    formula = [cell for cell in cells if FORMULA in str(cell.value)]
    assert formula, "the decisions' author is in the log"
    # exactly as publish/render_xlsx.py writes it: text with a leading apostrophe
    assert {(cell.data_type, cell.value) for cell in formula} == {("s", "'" + FORMULA)}
    assert not any(cell.data_type == "f" for cell in cells)


def test_an_edition_file_downloads_after_the_page_reran(site, browse, tmp_path):
    page, _ = browse
    _login(page, site.url, "admin", "plain-pass-1")
    _open(page, "发布")
    # choose the first edition, then the revision again: two reruns
    for pick in ("第1版", "第2版"):
        page.locator('[data-testid="stSelectbox"]', has_text="版本").click()
        page.get_by_role("option", name=re.compile(pick)).click()
        _settle(page)
    _month(page, "2026年9月")  # and the month of the sidebar
    button = page.get_by_role("button", name=re.compile("发布数据（JSON）"))
    with page.expect_download(timeout=60_000) as got:
        button.click()
    path = tmp_path / "report.json"
    got.value.save_as(path)
    # clicked while the page re-runs (the button still the one drawn before the rerun)
    for n, label in enumerate(("2026年10月", "2026年9月", "2026年10月")):
        _month(page, label, settle=False)
        with page.expect_download(timeout=60_000) as got:
            button.click()
        again = tmp_path / f"report-{n}.json"
        got.value.save_as(again)
        assert again.read_bytes() == path.read_bytes()
        _settle(page)
    folder = next(site.reports.glob("2026-09/v2"))
    assert (
        hashlib.sha256(path.read_bytes()).digest()
        == hashlib.sha256((folder / "report.json").read_bytes()).digest()
    )
    assert json.loads(path.read_text(encoding="utf-8"))
