"""Many sessions at once: what every session shares is computed once per database version.

The dashboard's query cache belongs to the server, not to a session: twenty
sessions missing the same query at the same moment compute it once; the
overview's queries and its map are computed for the current version before
the first visitor (data.warm) and again for each new version, so the
overview's first visitor computes nothing; the shared map is exactly the one
each session would have built. bench/bench_load.py times it in a browser.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from conftest import copy_store, environment
from streamlit.testing.v1 import AppTest

from core import accounts
from core import store as db_store
from dashboard import asked, data, metrics
from presentation import svg_map, theme
from presentation.plain import md

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
SESSIONS = 20

_started = threading.Event()
_release = threading.Event()


def held_count(con, n: int) -> int:
    """A real query that, the first time, holds on until every session has asked for it."""
    _started.set()
    _release.wait(timeout=120)
    return con.sql("select count(*) from range($n)", params={"n": n}).fetchall()[0][0]


@pytest.fixture
def tiny_store(tmp_path) -> Path:
    store = tmp_path / "db"
    with db_store.building(store) as b:
        con = b.connect()
        con.execute("create table t as select 1 as x")
        con.close()
        b.publish()
    return store


def test_simultaneous_misses_compute_a_query_once(tiny_store):
    version = db_store.current_path(tiny_store).name
    qualified = f"{held_count.__module__}.{held_count.__name__}"
    data.clear()
    before = data.computed.get(qualified, 0)
    gate = threading.Barrier(SESSIONS)
    asked = threading.Semaphore(0)
    results: list[int] = []

    def session() -> None:
        gate.wait()
        asked.release()
        results.append(data._cached(version, str(tiny_store), qualified, (1000,)))

    threads = [threading.Thread(target=session) for _ in range(SESSIONS)]
    for t in threads:
        t.start()
    for _ in range(SESSIONS):  # every session has asked before the first computation ends
        asked.acquire(timeout=120)
    _started.wait(timeout=120)
    threading.Event().wait(0.5)  # let the last of them reach the cache's lock
    _release.set()
    for t in threads:
        t.join(timeout=120)
    assert results == [1000] * SESSIONS
    assert data.computed[qualified] - before == 1


@pytest.fixture(scope="module")
def served(ranked_store, tmp_path_factory):
    """A private copy of the ranked demo store, an administrator's session token."""
    base = tmp_path_factory.mktemp("load")
    store = copy_store(ranked_store, base / "db")
    with environment(CIVIC_DB_DIR=str(store), CIVIC_ACCOUNTS_DB=str(base / "accounts.sqlite")):
        token = accounts.start_session(accounts.add_user("admin", "管理员", "admin", "pass-1234"))
        yield store, token


def _overview(token: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["_session_token"] = token
    at.switch_page("views/overview.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _newest(store: Path) -> date:
    with db_store.reading(store) as con:
        return con.sql("select max(month) from mart_unit_month").fetchall()[0][0]


def test_a_warmed_version_is_drawn_without_a_query_and_with_the_same_map(served):
    store, token = served
    data.clear()
    assert data.warm() == db_store.current_path(store).name
    before = dict(data.computed)
    at = _overview(token)
    assert data.computed == before, "the overview's first visitor computed a query"
    month = _newest(store)
    assert at.title[0].value.endswith(f"{month.year}年{month.month}月总览")
    # the shared map is the one this session would have drawn from the database
    with db_store.reading(store) as con:
        units = metrics.map_units(con, month, None)
    own = svg_map.county_svg(units, "score", "考评得分", theme.score, width=600)
    assert [m.value for m in at.markdown if "<svg" in m.value] == [f"<div>\n{own}\n</div>"]
    assert own.count("<circle") == units.height + 3  # every unit, and the legend's three


def test_a_new_version_is_warmed_before_its_first_visitor(served):
    store, token = served
    data.ensure_warm()
    with db_store.new_version(store):
        pass  # the same data under a new version: every cache key changes
    data.ensure_warm()
    before = dict(data.computed)
    _overview(token)
    assert data.computed == before


def marker(con) -> int:
    """A real query that tells the versions of the test below apart."""
    found = con.sql("select count(*) from duckdb_tables() where table_name = 'load_marker'")
    return found.fetchall()[0][0]


def _write_elsewhere(store: Path) -> str:
    """A new version made by another process (as `civic ingest` makes one): the same data
    and a marker table. Returns its name."""
    script = (
        "import sys; from pathlib import Path; from core import store as s\n"
        "with s.new_version(Path(sys.argv[1])) as con:\n"
        "    con.execute('create or replace table load_marker as select 1 as x')\n"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", script, str(store)], cwd=root, check=True)
    return db_store.current_path(store).name


def test_another_process_s_version_is_served_once_warm(served):
    """While the watcher warms a version another process wrote, pages read the warm one
    before it (no visitor waits, and all are not released at once); then the new one."""
    store, token = served
    data.clear()
    data.keep_warm(interval_s=0.2)
    before = data.version()
    assert before == db_store.current_path(store).name
    qualified = f"{marker.__module__}.{marker.__name__}"
    with data._warm_lock:  # the watcher cannot finish a warm meanwhile
        after = _write_elsewhere(store)
        assert after != before and data.latest(store) == after
        assert data.version() == before
        at = _overview(token)  # drawn at once, from the version before
        assert at.sidebar.caption[-1].value == f"数据版本：{md(before)}"
        # a query reads the version of its key, whatever the pointer says now
        assert data._cached(before, str(store), qualified, ()) == 0
        assert data._cached(after, str(store), qualified, ()) == 1
    for _ in range(2400):  # the watcher is woken by the page that saw the new version
        if data.version() == after:
            break
        threading.Event().wait(0.05)
    assert data.version() == after
    assert _overview(token).sidebar.caption[-1].value == f"数据版本：{md(after)}"


def test_this_server_s_own_version_is_read_at_once(served):
    """A session that wrote a version (an upload, an edition) sees it on its next run."""
    store, token = served
    data.clear()
    data.keep_warm(interval_s=60)
    with db_store.new_version(store):
        pass
    newest = db_store.current_path(store).name
    assert data.version() == newest
    assert _overview(token).sidebar.caption[-1].value == f"数据版本：{md(newest)}"


def test_the_versions_read_stay_open_the_newest_two_per_store(tiny_store):
    """Each version pages read keeps one connection open, so a query's own connection joins
    the open database; a third version lets go of the oldest, and what is open still reads
    the version it was opened on."""
    data.clear()
    qualified = f"{marker.__module__}.{marker.__name__}"
    folder = str(tiny_store)
    names = [db_store.current_path(tiny_store).name]
    for _ in range(2):
        with db_store.new_version(tiny_store) as con:
            con.execute("create or replace table load_marker as select 1 as x")
        names.append(db_store.current_path(tiny_store).name)
    assert data._cached(names[0], folder, qualified, ()) == 0
    assert data._cached(names[1], folder, qualified, ()) == 1
    assert {v for s, v in data._held if s == folder} == {names[0], names[1]}
    held = data._held[(folder, names[1])]
    assert data._cached(names[2], folder, qualified, ()) == 1
    assert {v for s, v in data._held if s == folder} == {names[1], names[2]}
    # the kept connection reads its own version's file
    assert held.sql("select count(*) from duckdb_tables() where table_name = 'load_marker'"
                    ).fetchall() == [(1,)]  # fmt: skip
    data.clear()
    assert not any(s == folder for s, _ in data._held)


def _page(token: str, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["_session_token"] = token
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _until(condition, seconds: float = 120) -> bool:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        threading.Event().wait(0.05)
    return condition()


def test_the_queries_pages_asked_are_computed_on_a_new_version_before_it_is_served(served):
    """A page visited on one version: when another process writes the next, the watcher
    computes that page's queries too before serving it, so its first visit computes none."""
    store, token = served
    data.clear()
    asked.forget()
    data.keep_warm(interval_s=0.2)
    _page(token, "households")  # its queries are now asked ones
    households = {q for q, _ in asked.recent(store) if q.startswith("dashboard.village")}
    assert "dashboard.village.households_down" in households
    after = _write_elsewhere(store)
    assert _until(lambda: data.version() == after)
    before = dict(data.computed)
    _page(token, "households")
    assert data.computed == before, "the first visit on the new version computed a query"


def test_after_a_restart_the_asked_queries_are_replayed_from_the_store(served):
    store, token = served
    data.clear()
    asked.forget()
    data.keep_warm(interval_s=0.2)
    _page(token, "points")
    assert (store / asked.ASKED_FILE).exists()
    # a new server: nothing in memory, the record read from the store's file
    data.clear()
    asked.forget()
    data.keep_warm(interval_s=0.2)
    version = data.version()
    assert _until(lambda: data._replayed.get(store) == version)
    before = dict(data.computed)
    _page(token, "points")
    assert data.computed == before, "the first visit after the restart computed a query"


def test_the_record_keeps_arguments_as_asked_and_runs_only_declared_queries(tmp_path):
    folder = tmp_path
    args = (date(2026, 10, 1), ("620623100", "620623101"), None, 3, "station")
    asked.note(folder, "dashboard.village.households_down", args)
    asked.note(folder, "dashboard.metrics.months", ())
    asked.note(folder, "dashboard.village.households_down", args)  # asked again: most recent
    assert asked.recent(folder) == [
        ("dashboard.village.households_down", args),
        ("dashboard.metrics.months", ()),
    ]
    asked.forget(folder)  # read back from the file, as a new server does
    assert set(asked.recent(folder)) == {
        ("dashboard.village.households_down", args),
        ("dashboard.metrics.months", ()),
    }
    # a file that names anything but a declared query: those keys are dropped
    (folder / asked.ASKED_FILE).write_text(
        '{"asked": [["os.system", ["rm -rf /"]], ["dashboard.data.clear", []],'
        ' ["dashboard.metrics.months", []]]}',
        encoding="utf-8",
    )
    asked.forget(folder)
    assert asked.recent(folder) == [("dashboard.metrics.months", ())]
    (folder / asked.ASKED_FILE).write_text("not json", encoding="utf-8")
    asked.forget(folder)
    assert asked.recent(folder) == []
    # at most MAX keys, the oldest dropped
    for i in range(asked.MAX + 5):
        asked.note(folder, "dashboard.metrics.months", (i,))
    assert len(asked.recent(folder)) == asked.MAX
    assert asked.recent(folder)[0] == ("dashboard.metrics.months", (asked.MAX + 4,))
    asked.forget(folder)
