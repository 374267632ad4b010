"""Shared fixtures: the real registry and generated demo exports (built once per session)."""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from core.months import parse_range
from core.registry import load_registry
from demo.generate import MANIFEST, generate


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def demo_inbox(tmp_path_factory, registry) -> Path:
    """The default demo county (22 months, seed 7), generated once for the session."""
    out = tmp_path_factory.mktemp("inbox")
    generate(out, parse_range("2025-01..2026-10"), seed=7, registry=registry, workers=2)
    return out


@pytest.fixture(scope="session")
def demo_manifest(demo_inbox) -> dict:
    return json.loads((demo_inbox / MANIFEST).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory, demo_inbox, registry):
    """The demo county ingested once: (store folder, IngestReport). Do not write to it."""
    from etl.ingest import ingest
    from etl.receipt import Receipt

    store = tmp_path_factory.mktemp("demo-db")
    # the inbox is an archive whose files carry the day the office received them, as civic demo
    report = ingest([demo_inbox], store, registry, workers=2, received=Receipt.from_file_dates())
    return store, report


@contextmanager
def environment(**env: str | None):
    """Set (or, with None, unset) environment variables for the block; restore them after."""
    old = {k: os.environ.get(k) for k in env}
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def copy_store(source: Path, target: Path) -> Path:
    """A private copy of a store's current version (for tests that write)."""
    from core import store as db_store

    target.mkdir(parents=True)
    current = db_store.current_path(source)
    shutil.copyfile(current, target / current.name)
    (target / "CURRENT").write_text(current.name + "\n")
    return target


@pytest.fixture(scope="session")
def ranked_store(demo_store, demo_manifest, tmp_path_factory) -> Path:
    """The demo county ingested and ranked (every month), 2026-10's flags decided by the demo
    office as `civic demo` does before publishing it. Do not write to it: copy it."""
    from datetime import date

    from demo import office
    from index import run as index_run

    source, _ = demo_store
    target = copy_store(source, tmp_path_factory.mktemp("ranked") / "db")
    index_run.rank_and_store(target, None, draws=200)
    office.review_month(target, date(2026, 10, 1), demo_manifest)
    return target


@pytest.fixture(autouse=True)
def _keep_main_module():
    """AppTest runs page scripts as __main__ and leaves them in sys.modules; processes
    spawned later (the demo generator's pool) would re-run the page. Put it back."""
    import sys

    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main


def admin_page(view: str):
    """The app run once (AppTest) as an administrator on page `view` (views/<view>.py), for
    2026-10 and the whole county. Call it inside an environment() that names the store and
    CIVIC_ACCOUNTS_DB; the administrator is opened there."""
    from streamlit.testing.v1 import AppTest

    from core import accounts

    user = accounts.add_user("admin", "管理员甲", "admin", "password-123", None)
    app = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=180)
    at.session_state["_session_token"] = accounts.start_session(user)
    at.session_state["month"] = "2026-10"
    at.session_state["area"] = ""
    at.switch_page(f"views/{view}.py")
    at.run()
    return at


@pytest.fixture(scope="session")
def small_site(tmp_path_factory, registry) -> tuple[Path, Path]:
    """A small demo county (2026-08..2026-10, seed 7): ingested, every month ranked (few
    draws), 2026-10's flags decided by the demo office and 2026-10 published. (store,
    reports); do not write to it: copy it. Minutes cheaper than ranked_store."""
    from datetime import date

    from demo import office
    from etl.ingest import ingest
    from etl.receipt import Receipt
    from index import run as index_run
    from publish import workflow

    inbox = tmp_path_factory.mktemp("small-inbox")
    generate(inbox, parse_range("2026-08..2026-10"), seed=7, registry=registry, workers=2)
    manifest = json.loads((inbox / MANIFEST).read_text(encoding="utf-8"))
    base = tmp_path_factory.mktemp("small-site")
    store, reports = base / "db", base / "reports"
    store.mkdir()
    ingest([inbox], store, registry, workers=2, received=Receipt.from_file_dates())
    index_run.rank_and_store(store, None, draws=50)
    office.review_month(store, date(2026, 10, 1), manifest)
    workflow.publish_month(store, date(2026, 10, 1), "李签发", "王审核", reports=reports)
    return store, reports


ROLLUP_MONTHS = (date(2026, 9, 1), date(2026, 10, 1))


@pytest.fixture(scope="session")
def county_stores(ranked_store, tmp_path_factory) -> dict[str, Path]:
    """The demo county, and a generated county of its own registry (990101) ingested and
    ranked for 2026-09 and 2026-10: code → store. Do not write to them."""
    from demo import counties
    from demo.generate import generate
    from etl.ingest import ingest
    from etl.receipt import Receipt
    from index import run as index_run

    base = tmp_path_factory.mktemp("second_county")
    reg = counties.write_county(counties.make_county(load_registry(), 0), base / "registry")
    generate(base / "inbox", list(ROLLUP_MONTHS), seed=11, registry=reg, workers=2)
    ingest([base / "inbox"], base / "db", reg, workers=2, received=Receipt.from_file_dates())
    index_run.rank_and_store(base / "db", list(ROLLUP_MONTHS), actor="test", draws=200)
    return {"620623": ranked_store, reg.county_code: base / "db"}


@pytest.fixture(scope="session")
def month_packages(county_stores, tmp_path_factory) -> dict[tuple[str, date], Path]:
    """Each county's package of 2026-09 and 2026-10: (code, month) → folder."""
    from rollup import package

    out = tmp_path_factory.mktemp("packages")
    return {
        (code, m): package.make(s, m, out)
        for code, s in county_stores.items()
        for m in ROLLUP_MONTHS
    }


@pytest.fixture(scope="session")
def packages(month_packages) -> dict[str, Path]:
    """Each county's package of 2026-10: code → folder."""
    return {code: f for (code, m), f in month_packages.items() if m == ROLLUP_MONTHS[-1]}
