"""Each of the four roles in a real browser: signed in through the form, every page of its
menu opened, with no error, no raw value and no English widget text on any of them.

Screenshots: tests/out/screenshots/<role>-<page>.png. (st.dataframe draws its cells on a
canvas, out of the page's text: tests/test_dashboard_roles.py checks the frames passed.)
"""

from __future__ import annotations

import os
import re

import pytest
from conftest import copy_store, environment
from test_dashboard_browser import SHOTS, _login, _served, _settle

from core import access, accounts, labels
from publish import browser

TOWN = "620623100"
PASSWORD = "roles-pass-123"
ROLES = ("admin", "reviewer", "town", "leader")
# raw values, as whole words (case matters: icon ligatures such as "upload" are lowercase)
RAW = re.compile(r"(?<![A-Za-z])(None|nan|NaN|True|False)(?![A-Za-z])")
# Streamlit's English widget texts
ENGLISH = ("Upload", "Browse files", "Drag and drop", "Choose options", "No results", "Limit",
           "per file", "Choose an option", "Press Enter", "Select all")  # fmt: skip


@pytest.fixture(scope="module")
def site(small_site, tmp_path_factory):
    """The small published county served on a free port, an account per role."""
    store, reports = small_site
    base = tmp_path_factory.mktemp("roles-served")
    store = copy_store(store, base / "db")
    env_accounts = {"CIVIC_ACCOUNTS_DB": str(base / "accounts.sqlite")}
    with environment(**env_accounts):
        for role in ROLES:
            accounts.add_user(role, f"{role}甲", role, PASSWORD, TOWN if role == "town" else None)
    env = {
        **os.environ,
        **env_accounts,
        "CIVIC_DB_DIR": str(store),
        "CIVIC_REPORTS_DIR": str(reports),
        "CIVIC_INBOX_DIR": str(base / "inbox"),
        "CIVIC_LOG_DIR": str(base / "logs"),
    }
    with _served(env) as url:
        yield url


def _menu(page) -> list[str]:
    links = page.locator('[data-testid="stSidebarNavLink"]')
    # each link reads "<icon name>\n\n<title>"
    return [links.nth(i).inner_text().split("\n")[-1].strip() for i in range(links.count())]


def test_every_role_opens_every_page_of_its_menu(site):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=browser.executable(), args=browser.ARGS)
        for role in ROLES:
            context = b.new_context(viewport={"width": 1400, "height": 2000}, locale="zh-CN")
            page = context.new_page()
            _login(page, site, role, PASSWORD)
            menu = _menu(page)
            expected = [t for k, t in labels.PAGES.items() if role in access.PAGES[k]]
            assert menu == expected, role
            for title in menu:
                page.locator('[data-testid="stSidebarNavLink"]', has_text=title).click()
                _settle(page)
                page.screenshot(path=str(SHOTS / f"{role}-{title}.png"), full_page=True)
                where = f"{role} · {title}"
                if page.locator('[data-testid="stException"]').count():
                    problems.append(f"{where}: exception")
                if page.locator('[data-testid="stAlertContentError"]').count():
                    problems.append(f"{where}: error box")
                text = page.locator("body").inner_text()
                problems += [f"{where}: raw {m.group(0)!r}" for m in RAW.finditer(text)]
                problems += [f"{where}: English {w!r}" for w in ENGLISH if w in text]
            context.close()
        b.close()
    assert not problems, problems


def test_the_uploader_speaks_chinese_while_files_are_dragged_over_it(site):
    """Streamlit's "Drag and drop files here" overlay, shown while a file is over the
    uploader, says it in Chinese."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=browser.executable(), args=browser.ARGS)
        page = b.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN").new_page()
        _login(page, site, "admin", PASSWORD)
        page.locator('[data-testid="stSidebarNavLink"]', has_text="数据报送").click()
        _settle(page)
        zone = page.locator('[data-testid="stFileUploaderDropzone"]').first
        zone.evaluate(
            """(zone) => {
              const files = new DataTransfer();
              files.items.add(new File(["x"], "站点.xlsx"));
              zone.dispatchEvent(new DragEvent('dragenter', {dataTransfer: files, bubbles: true}));
            }"""
        )
        overlay = zone.locator(":scope > input + div:not(:has(button))")
        overlay.wait_for(state="attached")
        page.screenshot(path=str(SHOTS / "admin-数据报送-dragging.png"))
        said = overlay.evaluate("(e) => getComputedStyle(e, '::after').content")
        shown = zone.inner_text()
        b.close()
    assert said == '"松开鼠标即可添加文件"'
    assert "Drag" not in shown and "drop" not in shown, shown
