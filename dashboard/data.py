"""The pages' one way to the data: queries cached per database version.

Every query opens a short read-only connection to the current database
version (civic.store), so the ETL and the publisher never wait for the
dashboard. The version's file name is part of every cache key: a new ingest,
ranking or edition is seen at the next rerun, and old entries age out.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import streamlit as st

from civic import store as db_store
from civic.config import reports_dir

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


def get(fn, *args):
    """fn(con, *args) on the current version, cached; lists in args are passed as tuples."""
    args = tuple(tuple(a) if isinstance(a, list) else a for a in args)
    return _cached(version(), str(store()), f"{fn.__module__}.{fn.__name__}", args)


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
