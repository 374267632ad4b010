"""The queries pages asked lately, per store, kept in a small file across restarts.

dashboard.data replays them on each new database version before serving it,
and after the server starts, so that a page's first visit finds its data
computed (`data.replay_asked`). A key is a declared query's name (core.access.query)
and the arguments it ran with, already limited to the asker's scope; the most
recently asked first, at most MAX. The file (ASKED_FILE in the store) is
written when a key is new (the order it keeps is as of then), atomically; a
file that does not read, or a name that is not a declared query, is ignored:
nothing in it can run anything else.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import threading
from datetime import date
from pathlib import Path

from core import access

ASKED_FILE = ".dashboard-asked.json"
MAX = 300

_lock = threading.Lock()
_keys: dict[Path, dict[tuple, None]] = {}  # store → keys, the most recently asked last


def _encode(value):
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    if isinstance(value, dict):
        return date.fromisoformat(value["date"])
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    return value


def is_query(qualified: str) -> bool:
    """A name that resolves to a query declared with core.access.query in civic's own
    modules: only those are replayed."""
    module, _, name = qualified.rpartition(".")
    if not module.startswith(("core.", "dashboard.", "publish.", "index.")):
        return False
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return False
    return access.rule_of(fn) is not None


def _read(folder: Path) -> dict[tuple, None]:
    try:
        found = json.loads((folder / ASKED_FILE).read_text(encoding="utf-8"))
        keys = [(q, _decode(a)) for q, a in found["asked"] if isinstance(q, str)]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return dict.fromkeys(k for k in keys[-MAX:] if is_query(k[0]))


def _write(folder: Path, keys: dict[tuple, None]) -> None:
    tmp = folder / f"{ASKED_FILE}.{os.getpid()}.tmp"
    try:
        tmp.write_text(
            json.dumps({"asked": [[q, _encode(a)] for q, a in keys]}, ensure_ascii=False),
            encoding="utf-8",
        )
        os.replace(tmp, folder / ASKED_FILE)
    except OSError:  # a read-only store: the record lives as long as the process
        logging.getLogger(__name__).warning("cannot write %s", folder / ASKED_FILE)
        tmp.unlink(missing_ok=True)


def _of(folder: Path) -> dict[tuple, None]:
    if folder not in _keys:
        _keys[folder] = _read(folder)
    return _keys[folder]


def note(folder: Path, qualified: str, args: tuple) -> None:
    """A page asked `qualified` with `args`: it becomes the most recent; the file is
    written when the key is new."""
    key = (qualified, args)
    with _lock:
        keys = _of(folder)
        new = key not in keys
        keys.pop(key, None)
        keys[key] = None
        while len(keys) > MAX:
            keys.pop(next(iter(keys)))
        if new:
            _write(folder, keys)


def recent(folder: Path) -> list[tuple[str, tuple]]:
    """The keys asked in `folder`'s store, the most recent first."""
    with _lock:
        return list(reversed(_of(folder)))


def forget(folder: Path | None = None) -> None:
    """Drop what is in memory (the file stays): for the tests."""
    with _lock:
        if folder is None:
            _keys.clear()
        else:
            _keys.pop(folder, None)
