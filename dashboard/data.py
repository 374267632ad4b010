"""The pages' one way to the data: queries cached per database version.

Every query opens a short read-only connection to the current database
version (core.store), so the ETL and the publisher never wait for the
dashboard; one connection per version read stays open (`_hold`) so that
those open at once and share what DuckDB has read. The version's file
name is part of every cache key: a new ingest, ranking or edition is seen
at the next rerun, and old entries age out.

The cache is the server's, shared by every session: a query is computed once
per version and arguments, and sessions that miss the same entry at the same
moment wait for that one computation (Streamlit holds a lock per cache key;
tests/test_dashboard_load.py holds it to that). `derived` shares what is
built from query results (the overview's map) the same way, and `warm`
computes the overview of the current version before its first visitor, and
again whenever a new version appears (`keep_warm`).

A new version is served once it is warm: while the watcher warms it, pages
go on reading the version before (still on disk, core.store.KEEP_VERSIONS),
so no visitor waits for a warm and twenty visitors are not released at once
when it ends. A version this server wrote (an upload, an edition, a
clearing) is read at once, and warmed by the run that first reads it.
"""

from __future__ import annotations

import atexit
import importlib
import inspect
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import access
from core import store as db_store
from core.accounts import User
from core.config import reports_dir
from dashboard import asked

CACHE_TTL_S = 600


def store() -> Path:
    return db_store.default_store()


def reports() -> Path:
    return reports_dir()


_pointer: dict[Path, tuple[tuple, str]] = {}  # store → (the pointer file's identity, version)


def latest(folder: Path | None = None) -> str:
    """The name of the database file the store's pointer names ('' when nothing has been
    ingested yet).

    Every query asks, so the pointer is read again only when the file changed:
    a version swap replaces it (a new inode)."""
    folder = folder or store()
    try:
        st_ = (folder / db_store.POINTER).stat()
    except FileNotFoundError:
        return ""
    identity = (st_.st_ino, st_.st_mtime_ns, st_.st_size)
    known = _pointer.get(folder)
    if known is not None and known[0] == identity:
        return known[1]
    try:
        name = db_store.current_path(folder).name
    except db_store.NoDatabase:
        return ""
    _pointer[folder] = (identity, name)
    return name


_run = threading.local()  # the version a page run reads, chosen once at its start (keep_warm)


def version() -> str:
    """The database version this run reads: the one chosen when the run started, so that a
    page reads one version throughout (see choose_version)."""
    pinned = getattr(_run, "version", None)
    if pinned is not None and pinned[0] == store():
        return pinned[1]
    return choose_version()


def choose_version() -> str:
    """The latest version once it is warm; while the watcher warms a newer one that another
    process wrote, the warm one before it (if its file is still there). A version this
    server wrote (an upload, an edition) is read at once: the session that wrote it must
    see what it did."""
    folder = store()
    newest, served = latest(folder), _warmed.get(folder, "")
    if newest == served or _watcher is None or not _may_serve_before(folder, newest, served):
        return newest
    _wake.set()  # the watcher warms the newest now rather than at its next look
    return served


def _may_serve_before(folder: Path, newest: str, served: str) -> bool:
    """Whether pages may read the warm version `served` while `newest` is warmed: there is
    one, its file is still there, and this server did not write `newest` itself."""
    return bool(served) and (folder / served).exists() and newest != db_store.made_here(folder)


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _qualified(fn) -> str:
    return f"{fn.__module__}.{fn.__name__}"


def _resolve(qualified: str):
    module, name = qualified.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


# queries computed in this process, by name: what a cache miss cost (for the tests and the bench)
computed: dict[str, int] = {}


# one connection held open per version pages read (the newest two per store): DuckDB shares
# its database (catalog, buffer pool) with every query's own connection, which then opens in
# under a millisecond (30–50 ms each at scale 10 without) and finds the blocks read before
_held: dict[tuple[str, str], duckdb.DuckDBPyConnection] = {}
_held_lock = threading.Lock()
HELD_PER_STORE = 2


def _hold(store_dir: str, db_version: str) -> None:
    """Keep `db_version` open; let go of the store's older versions beyond HELD_PER_STORE
    (a query still reading one keeps its own connection: closing ours ends nothing)."""
    if (store_dir, db_version) in _held:
        return
    with _held_lock:
        if (store_dir, db_version) in _held:
            return
        _held[(store_dir, db_version)] = db_store.connect(store=Path(store_dir), version=db_version)
        mine = sorted(v for s, v in _held if s == store_dir)  # version names sort by number
        for old in mine[:-HELD_PER_STORE]:
            _held.pop((store_dir, old)).close()


def _let_go() -> None:
    with _held_lock:
        while _held:
            _held.popitem()[1].close()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=1000)
def _cached(db_version: str, store_dir: str, qualified: str, args: tuple):
    computed[qualified] = computed.get(qualified, 0) + 1
    fn = _resolve(qualified)
    _hold(store_dir, db_version)
    with db_store.reading(Path(store_dir), db_version) as con:  # the version of the key
        return fn(con, *[_plain(a) for a in args])


def scope_of(user: User) -> tuple[str, ...]:
    """The unit codes a 乡镇 account may see: its town (institute) and everything in it."""
    members = _cached(version(), str(store()), "dashboard.metrics.members", (user.town_code,))
    return tuple(members or ())


def limit_to_user(user: User | None, fn, args: tuple) -> tuple:
    """The arguments `fn` runs with for `user`, as the query declares (core.access.query).

    Access is enforced here, where every page reads its data, not by hiding
    widgets: a query that declares nothing is refused for everyone, and so is
    anyone not signed in; the action a query names is required of every
    user; a 乡镇 account's AREA query gets its town forced into the declared
    parameter (the part of the asked area inside the town, else the whole
    town) and its COUNTY query is refused.
    """
    rule = access.rule_of(fn)
    if rule is None:
        raise access.Undeclared(
            f"查询 {fn.__module__}.{fn.__name__} 没有声明读取范围（core.access.query），不予运行"
        )
    if user is None:
        raise access.Forbidden("请先登录")
    if rule.action is not None:
        access.require(user, rule.action)
    if not access.scoped(user) or rule.scope == access.FREE:
        return args
    if rule.scope == access.COUNTY:
        raise access.Forbidden(f"乡镇账号不能读取全县数据（{fn.__name__}）")
    params = list(inspect.signature(fn).parameters.values())[1:]  # after the connection
    i = [p.name for p in params].index(rule.area)
    if i >= len(args):  # the area left to its default: spell out the defaults up to it
        missing = params[len(args) : i + 1]
        if any(p.default is inspect.Parameter.empty for p in missing):
            raise TypeError(f"{fn.__name__}() is missing arguments before {rule.area!r}")
        args = (*args, *(p.default for p in missing))
    scope = scope_of(user)
    asked = args[i]
    inside = tuple(c for c in asked if c in scope) if asked else ()
    return (*args[:i], inside or scope, *args[i + 1 :])


def fetch(user: User | None, fn, *args):
    """fn(con, *args) for `user` on the current version, cached; refused as `limit_to_user` says.

    Pass the user explicitly where no script run is active (a download's
    callable runs outside it, where the session's user is unknown)."""
    args = limit_to_user(user, fn, _hashable(args))
    folder = store()
    if get_script_run_ctx(suppress_warning=True) is not None:  # a page asked: replay it later
        asked.note(folder, _qualified(fn), args)
    return _cached(version(), str(folder), _qualified(fn), args)


def _hashable(args: tuple) -> tuple:
    return tuple(tuple(a) if isinstance(a, list) else a for a in args)


def get(fn, *args):
    """fn(con, *args) for the signed-in user (see fetch); lists in args are passed as tuples."""
    return fetch(st.session_state.get("_user"), fn, *args)


def clear() -> None:
    """Forget cached results (after this session wrote a new version)."""
    _cached.clear()
    _derived.clear()
    _warmed.clear()
    _replayed.clear()
    _generation[0] += 1
    _let_go()
    _run.version = None  # the rest of this run reads what the session just wrote


def derived(build: Callable, queries: list[tuple], *extra, user: User | None = None):
    """build(*results, *extra), once per database version for every session reading the same.

    `queries` are (fn, args) pairs, run as `get` runs them (limited to the user's
    scope, so sessions share a result only where they may read the same rows).
    The result is one object shared by every session, not a copy: never change it.
    For what costs to build from the results and is the same for everyone: a
    figure, a map. `build` and `extra` must be the same for the same result.
    """
    user = user if user is not None else st.session_state.get("_user")
    limited = tuple(
        (_qualified(fn), limit_to_user(user, fn, _hashable(tuple(args)))) for fn, args in queries
    )
    return _derived(version(), str(store()), _qualified(build), limited, extra)


@st.cache_resource(ttl=CACHE_TTL_S, show_spinner=False, max_entries=200)
def _derived(db_version: str, store_dir: str, build: str, limited: tuple, extra: tuple):
    results = [_cached(db_version, store_dir, q, args) for q, args in limited]
    return _resolve(build)(*results, *extra)


@st.cache_data(ttl=24 * 3600, show_spinner=False)
def _plain_cached(qualified: str, args: tuple):
    module, name = qualified.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)(*args)


def get_plain(fn, *args):
    """fn(*args) cached for a day: for what does not depend on the database (templates)."""
    return _plain_cached(f"{fn.__module__}.{fn.__name__}", args)


# ------------------------------------------------------------------ warming

_warm_lock = threading.Lock()
_warmed: dict[Path, str] = {}  # store → the version whose overview has been computed
_watcher: threading.Thread | None = None
_watcher_lock = threading.Lock()  # not _warm_lock: starting it never waits for a warm
_stopping = threading.Event()
_wake = threading.Event()  # set when a page saw a version newer than the warm one


def warm(store_dir: Path | None = None) -> str:
    """Compute the landing page of the current version: the newest month's overview of the
    county (as an administrator, a reviewer or a leader sees it, and the sidebar's lists).

    Loads the modules a first page draw imports, then puts the overview's queries and
    its map in the shared cache, so the first visitors of a version find them there.
    The server's lifespan can call it before the first session. Returns the version.
    """
    import pandas  # noqa: F401  (st.pydeck_chart imports it; st.dataframe needs pyarrow)
    import pyarrow  # noqa: F401

    from core import labels
    from core.months import shift
    from dashboard import metrics, ui
    from publish import queries

    folder = str(store_dir or store())
    v = latest(Path(folder))
    if not v:
        return ""
    available = _cached(v, folder, _qualified(metrics.months), ())
    _cached(v, folder, _qualified(metrics.areas), ())
    _cached(v, folder, _qualified(metrics.members), (None,))
    if not available:
        return v
    month = available[0]
    heads = (shift(month, -12), shift(month, -1), month)
    _cached(v, folder, _qualified(queries.headline), (heads, None))
    for group in labels.RANK_GROUPS:
        _cached(v, folder, _qualified(metrics.ranking), (month, group))
    _cached(v, folder, _qualified(metrics.submission_status), (month, None))
    _derived(
        v, folder, _qualified(ui.score_map), ((_qualified(metrics.map_units), (month, None)),), ()
    )
    return v


def ensure_warm(replay: bool = False) -> None:
    """Warm the latest version once; a caller arriving meanwhile waits for that warm.

    With `replay` (the watcher, while pages read the version before): the queries pages
    asked lately are computed too before the version is served (`replay_asked`)."""
    folder = store()
    if latest(folder) == _warmed.get(folder):
        return
    with _warm_lock:
        newest = latest(folder)
        if newest != _warmed.get(folder):
            try:
                v = warm(folder)
                if replay:
                    replay_asked(folder, v)
                _warmed[folder] = v
            except Exception:  # the pages report their own errors; warm once per version
                _warmed[folder] = newest
                logging.getLogger(__name__).exception("warming the dashboard's cache failed")


_replayed: dict[Path, str] = {}  # store → the version whose asked queries have been computed
_generation = [0]  # counts `clear`s: a replay the cache was cleared under is done again
REPLAY_BUDGET_S = 120.0


def replay_asked(folder: Path, v: str, budget_s: float = REPLAY_BUDGET_S) -> int:
    """Compute on version `v` the queries pages asked lately (the most recent first, as the
    record keeps them across restarts: dashboard/asked.py), so that a page's first visit on
    a new version, or after the server started, finds its data computed. Stops when a newer
    version appears, at exit, or after `budget_s`; a query that fails is left to its page.
    Returns how many were computed or found."""
    generation, done, until = _generation[0], 0, time.monotonic() + budget_s
    for qualified, args in asked.recent(folder):
        if _stopping.is_set() or time.monotonic() > until or latest(folder) != v:
            break
        try:
            _cached(v, str(folder), qualified, args)
            done += 1
        except Exception:  # noqa: BLE001  (the page shows its own error when it asks)
            continue
    if generation == _generation[0]:  # not cleared meanwhile (else: again, from the start)
        _replayed[folder] = v
    return done


def _catch_up(folder: Path) -> None:
    """Replay the asked queries on the version served before they were (the first version
    a server sees, a version this server wrote), in the background."""
    v = _warmed.get(folder, "")
    if v and _replayed.get(folder) != v and latest(folder) == v:
        replay_asked(folder, v)


def keep_warm(interval_s: float = 2.0) -> None:
    """Called at the start of every page run: choose the version the run reads.

    Warms the latest version now if there is no warm one to serve meanwhile (the first
    version a server sees) or if this server wrote it; and (once per process) starts a
    thread that warms each new version as soon as the pointer names it or a page saw it."""
    global _watcher
    folder = store()
    _run.version = None
    served, newest = _warmed.get(folder, ""), latest(folder)
    if not _may_serve_before(folder, newest, served):
        ensure_warm()
    elif newest != served:
        _wake.set()
    if get_script_run_ctx(suppress_warning=True) is not None:  # a page run, not a script
        _run.version = (folder, choose_version())  # it reads this version throughout
    with _watcher_lock:
        if _watcher is None:
            _watcher = threading.Thread(
                target=_watch, args=(interval_s,), name="civic-warm", daemon=True
            )
            _watcher.start()
            atexit.register(_stop_watching)


def _stop_watching() -> None:
    """At exit, before the interpreter ends: let a warm under way finish. A daemon thread
    killed inside DuckDB aborts the process ("terminate called…")."""
    _stopping.set()
    _wake.set()
    if _watcher is not None:
        _watcher.join(timeout=300)
    _let_go()


def _watch(interval_s: float) -> None:
    while not _stopping.is_set():
        _wake.wait(interval_s)
        _wake.clear()
        if _stopping.is_set():
            return
        try:
            ensure_warm(replay=True)
            _catch_up(store())
        except Exception:  # keep watching: the next version may read fine
            logging.getLogger(__name__).exception("watching the database version failed")
