"""Where things live: one declared place for paths and settings.

Run from a checkout (the folder with pyproject.toml), civic keeps its data and
editions in the checkout's data/ and reports/. Installed from a wheel, it uses
data/ and reports/ in the current directory. Environment variables move each
(the CLI's options set some of them).

The county registry and the methodology are read from data/registry and
data/methodology when those folders exist, else from the defaults shipped
inside the package (core/defaults/, copied from the checkout's data/ when the
wheel is built), so an installed civic works in an empty folder.
"""

from __future__ import annotations

import os
from pathlib import Path

# The folder holding the packages: the checkout, or site-packages when installed.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
# data/registry too: a stray pyproject.toml in site-packages must not make it a checkout
IN_CHECKOUT = all((PROJECT_ROOT / p).exists() for p in ("pyproject.toml", "data/registry"))
# The wheel's copy of data/registry and data/methodology (absent in a checkout).
PACKAGED_DEFAULTS = Path(__file__).resolve().parent / "defaults"


def _base() -> Path:
    """The checkout, or (installed) the current directory, evaluated at each call."""
    return PROJECT_ROOT if IN_CHECKOUT else Path.cwd()


def data_dir() -> Path:
    """data/: the registry, the methodology, the inbox and the database."""
    return Path(os.environ.get("CIVIC_DATA_DIR", _base() / "data"))


def reports_dir() -> Path:
    """reports/: the published editions."""
    return Path(os.environ.get("CIVIC_REPORTS_DIR", _base() / "reports"))


def inbox_dir() -> Path:
    """data/inbox/: where exports wait to be ingested (the demo and the app's uploads)."""
    return Path(os.environ.get("CIVIC_INBOX_DIR", data_dir() / "inbox"))


def _data_or_default(name: str) -> Path:
    local = data_dir() / name
    if local.is_dir():
        return local
    packaged = PACKAGED_DEFAULTS / name
    # in a checkout the defaults are data/ itself (the wheel copies them into core/defaults)
    return packaged if packaged.is_dir() else PROJECT_ROOT / "data" / name


def registry_dir() -> Path:
    """The county registry: CIVIC_REGISTRY_DIR, else data/registry, else the packaged county."""
    env = os.environ.get("CIVIC_REGISTRY_DIR")
    return Path(env) if env else _data_or_default("registry")


def methodology_dir() -> Path:
    """The methodology files: CIVIC_METHODOLOGY_DIR, else data/methodology, else the packaged."""
    env = os.environ.get("CIVIC_METHODOLOGY_DIR")
    return Path(env) if env else _data_or_default("methodology")
