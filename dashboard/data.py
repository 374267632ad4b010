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
