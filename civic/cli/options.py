"""Options and values shared by several commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click


def registry_option(f):
    return click.option(
        "--registry",
        "registry_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        metavar="DIR",
        help="Registry folder (default: data/registry, else the county shipped with civic).",
    )(f)


def store_option(f):
    return click.option(
        "--db",
        "store",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        metavar="DIR",
        help="Database folder: versions and the CURRENT pointer (default: data/db).",
    )(f)


def reports_option(f):
    return click.option(
        "--reports",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        metavar="DIR",
        help="Folder of the published editions (default: reports/).",
    )(f)


def parse_month(text: str) -> date:
    """2026-10 (or 2026/10) → the first day of that month; a usage error otherwise."""
    from core import months

    try:
        return months.parse(text)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
