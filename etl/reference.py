"""Copy the registry into the database (ref_* tables), so models can join to it.

Rewritten on every ingest: the registry is project data and may have changed.
"""

from __future__ import annotations

import polars as pl

from core.registry import Registry


def settings_frame(reg: Registry) -> pl.DataFrame:
    """Flatten county.toml into (section, key, value) rows."""
    rows = [
        {"section": section, "key": key, "value": str(value)}
        for section, body in reg.settings.items()
        if isinstance(body, dict)
        for key, value in body.items()
    ]
    return pl.DataFrame(rows, schema={"section": pl.String, "key": pl.String, "value": pl.String})


def write(con, reg: Registry) -> None:
    tables = {
        "ref_unit": reg.units,
        "ref_team": reg.teams,
        "ref_brand_project": reg.brands,
        "ref_theme": reg.themes,
        "ref_points_item": reg.catalogue,
        "ref_setting": settings_frame(reg),
    }
    for name, frame in tables.items():
        con.register("_ref", frame)
        try:
            con.execute(f"create or replace table {name} as select * from _ref")
        finally:
            con.unregister("_ref")
