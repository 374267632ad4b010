"""Where things live: one declared place for paths and settings.

Paths default to the folders of the checkout (data/, reports/) and can be
moved with environment variables, which the CLI's options also set.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """data/: the registry, the methodology, the inbox and the database."""
    return Path(os.environ.get("CIVIC_DATA_DIR", PROJECT_ROOT / "data"))


def reports_dir() -> Path:
    """reports/: the published editions."""
    return Path(os.environ.get("CIVIC_REPORTS_DIR", PROJECT_ROOT / "reports"))


def inbox_dir() -> Path:
    """data/inbox/: where exports wait to be ingested (the demo and the app's uploads)."""
    return Path(os.environ.get("CIVIC_INBOX_DIR", data_dir() / "inbox"))
