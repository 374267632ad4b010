"""Where an edition's files live, and how its folder appears in one step.

    reports/2026-10/v3                  a published edition (the database records it)
    reports/2026-10/.v3.building-<id>   one being written, or left by a killed publish
    reports/2026-10/.v3.unregistered-…  a v3 the database did not know, set aside

An edition is written into the hidden folder and renamed to v3 only once the
database version that records it is current (publish/workflow.py): a folder
named v<N> is always one the database knows. publish/recover.py deals with
what a kill leaves.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

FOLDER = re.compile(r"^v(\d+)$")
# ".partial-" is the name civic used before editions were recorded first
STAGING = re.compile(r"^\.v(\d+)\.(?:building|partial)-[0-9A-Za-z]+$")


def staging_dir(final: Path) -> Path:
    """A new hidden folder name next to `final` (…/v3 → …/.v3.building-<random>)."""
    return final.with_name(f".{final.name}.building-{secrets.token_hex(4)}")


def sync(folder: Path) -> None:
    """Flush every file of `folder`, and the folder, to disk (before it is recorded)."""
    for p in [*sorted(folder.rglob("*")), folder]:
        _fsync(p)


def reveal(staging: Path, final: Path) -> None:
    """Rename the finished hidden folder to its public name: one rename, all or nothing."""
    os.rename(staging, final)
    _fsync(final.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
