"""Where things live and how this installation runs: the only module that reads the environment.

Every environment variable civic reads is read here, by one function each,
and listed in the README's table (tests/test_config.py holds both to it).

Run from a checkout (the folder with pyproject.toml), civic keeps its data and
editions in the checkout's data/ and reports/. Installed from a wheel, it uses
data/ and reports/ in the current directory. Environment variables move each
(the CLI's options set some of them for the processes it starts).

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


def _get(name: str) -> str | None:
    """The variable's value; unset and empty are the same (None)."""
    return os.environ.get(name) or None


def data_dir() -> Path:
    """CIVIC_DATA_DIR, default data/: the registry, the methodology, the inbox and the database."""
    return Path(_get("CIVIC_DATA_DIR") or _base() / "data")


def reports_dir() -> Path:
    """CIVIC_REPORTS_DIR, default reports/: the published editions."""
    return Path(_get("CIVIC_REPORTS_DIR") or _base() / "reports")


def inbox_dir() -> Path:
    """CIVIC_INBOX_DIR, default data/inbox/: exports waiting to be ingested (demo, uploads)."""
    return Path(_get("CIVIC_INBOX_DIR") or data_dir() / "inbox")


def _data_or_default(name: str) -> Path:
    local = data_dir() / name
    if local.is_dir():
        return local
    packaged = PACKAGED_DEFAULTS / name
    # in a checkout the defaults are data/ itself (the wheel copies them into core/defaults)
    return packaged if packaged.is_dir() else PROJECT_ROOT / "data" / name


def registry_dir() -> Path:
    """CIVIC_REGISTRY_DIR, else data/registry, else the county shipped with civic."""
    env = _get("CIVIC_REGISTRY_DIR")
    return Path(env) if env else _data_or_default("registry")


def methodology_dir() -> Path:
    """CIVIC_METHODOLOGY_DIR, else data/methodology, else the methodology shipped with civic."""
    env = _get("CIVIC_METHODOLOGY_DIR")
    return Path(env) if env else _data_or_default("methodology")


def db_dir() -> Path:
    """CIVIC_DB_DIR, default data/db/: the database store (versioned files and CURRENT)."""
    return Path(_get("CIVIC_DB_DIR") or data_dir() / "db")


def db_memory_limit() -> str:
    """CIVIC_DB_MEMORY, default 1GB: DuckDB's memory limit for a load (its own syntax: 4GB)."""
    return _get("CIVIC_DB_MEMORY") or "1GB"


def spark_master() -> str:
    """CIVIC_SPARK_MASTER, default local[2]: where `--engine spark` runs the models (a
    master URL such as spark://host:7077, or a Spark Connect address sc://host:15002)."""
    return _get("CIVIC_SPARK_MASTER") or "local[2]"


def accounts_db() -> Path:
    """CIVIC_ACCOUNTS_DB, default data/accounts.sqlite: accounts, sessions and the access log."""
    return Path(_get("CIVIC_ACCOUNTS_DB") or data_dir() / "accounts.sqlite")


def production() -> bool:
    """CIVIC_MODE=production: secrets must exist, nothing is generated (default: demo)."""
    return (_get("CIVIC_MODE") or "demo").strip().lower() == "production"


def hashing_secret() -> str | None:
    """CIVIC_SECRET: the personal-data hashing key (else data/secret.key, core/secrets.py)."""
    return _get("CIVIC_SECRET")


def session_key() -> str | None:
    """CIVIC_SESSION_KEY: the login session key (else data/session.key, core/secrets.py)."""
    return _get("CIVIC_SESSION_KEY")


def log_dir() -> Path:
    """CIVIC_LOG_DIR, default data/logs/: the dashboard's log (unexpected errors, tracebacks)."""
    return Path(_get("CIVIC_LOG_DIR") or data_dir() / "logs")


def secure_cookies() -> bool:
    """CIVIC_SECURE_COOKIES=1: the login cookie is sent over HTTPS only (behind a TLS proxy)."""
    return (_get("CIVIC_SECURE_COOKIES") or "").strip().lower() in ("1", "true", "yes")


def chromium() -> str | None:
    """CIVIC_CHROMIUM: the Chromium that renders images and PDFs (default: the first on PATH)."""
    return _get("CIVIC_CHROMIUM")


def map_style() -> str | None:
    """CIVIC_MAP_STYLE: an intranet Mapbox-GL style URL for the map's basemap (default: none)."""
    return _get("CIVIC_MAP_STYLE")


def child_environment(db: Path | None = None, reports: Path | None = None) -> dict[str, str]:
    """This process's environment for a process it starts (the dashboard server), with
    CIVIC_DB_DIR and CIVIC_REPORTS_DIR set to the store and reports folder it was given."""
    env = dict(os.environ)
    if db:
        env["CIVIC_DB_DIR"] = str(db.resolve())
    if reports:
        env["CIVIC_REPORTS_DIR"] = str(reports.resolve())
    return env
