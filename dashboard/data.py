"""The pages' one way to the data: queries cached per database version.

Every query opens a short read-only connection to the current database
version (core.store), so the ETL and the publisher never wait for the
dashboard. The version's file name is part of every cache key: a new ingest,
ranking or edition is seen at the next rerun, and old entries age out.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import streamlit as st

from core import access
from core import store as db_store
from core.accounts import User
from core.config import reports_dir

CACHE_TTL_S = 600


def store() -> Path:
    return db_store.default_store()


def reports() -> Path:
    return reports_dir()


def version() -> str:
    """The current database file's name ('' when nothing has been ingested yet)."""
    try:
        return db_store.current_path(store()).name
    except db_store.NoDatabase:
        return ""


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=1000)
def _cached(db_version: str, store_dir: str, qualified: str, args: tuple):
    module, name = qualified.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), name)
    with db_store.reading(Path(store_dir)) as con:
        return fn(con, *[_plain(a) for a in args])


# what a 乡镇 account may read that has no area to limit: lists of months and areas
TOWN_FREE = {
    "dashboard.metrics.months",
    "dashboard.metrics.areas",
    "dashboard.metrics.members",
    "core.settings.read",
}
AREA_PARAMS = ("member_list", "members")


def scope_of(user: User) -> tuple[str, ...]:
    """The unit codes a 乡镇 account may see: its town (institute) and everything in it."""
    members = _cached(version(), str(store()), "dashboard.metrics.members", (user.town_code,))
    return tuple(members or ())


def limit_to_user(user: User | None, fn, args: tuple) -> tuple:
    """The arguments a query is run with for this user: a 乡镇 account's area is forced.

    Town scoping is enforced here, where every page reads its data, not by
    hiding widgets: a query with an area parameter gets the account's own
    town (or the part of the asked area inside it); any other query is refused.
    """
    if not access.scoped(user):
        return args
    qualified = f"{fn.__module__}.{fn.__name__}"
    params = list(inspect.signature(fn).parameters)[1:]  # after the connection
    for name in AREA_PARAMS:
        if name in params:
            i = params.index(name)
            scope = scope_of(user)
            asked = args[i] if i < len(args) else None
            inside = tuple(c for c in asked if c in scope) if asked else ()
            return (*args[:i], inside or scope, *args[i + 1 :])
    if qualified in TOWN_FREE:
        return args
    raise access.Forbidden(f"乡镇账号不能读取全县数据（{fn.__name__}）")


def fetch(user: User | None, fn, *args):
    """fn(con, *args) for `user` on the current version, cached."""
    args = tuple(tuple(a) if isinstance(a, list) else a for a in args)
    args = limit_to_user(user, fn, args)
    return _cached(version(), str(store()), f"{fn.__module__}.{fn.__name__}", args)


def get(fn, *args):
    """fn(con, *args) for the signed-in user (see fetch); lists in args are passed as tuples."""
    return fetch(st.session_state.get("_user"), fn, *args)


def clear() -> None:
    """Forget cached results (after this session wrote a new version)."""
    _cached.clear()


@st.cache_data(ttl=24 * 3600, show_spinner=False)
def _plain_cached(qualified: str, args: tuple):
    module, name = qualified.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)(*args)


def get_plain(fn, *args):
    """fn(*args) cached for a day: for what does not depend on the database (templates)."""
    return _plain_cached(f"{fn.__module__}.{fn.__name__}", args)
