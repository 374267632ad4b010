"""Copy the registry and the contract into the database (ref_* tables), so models can join to them.

Rewritten on every ingest: the registry is project data and may have changed.
"""

from __future__ import annotations

import polars as pl

from core import contract, settings
from core.registry import Registry


def settings_frame(reg: Registry) -> pl.DataFrame:
    """Every declared setting as (section, key, value) rows, defaults applied.

    stg_settings types them."""
    return pl.DataFrame(
        settings.rows(reg.values),
        schema={"section": pl.String, "key": pl.String, "value": pl.String},
        orient="row",
    )


def obligations_frame() -> pl.DataFrame:
    """Which unit kinds owe which sheet every month (the contract's owed_by)."""
    return pl.DataFrame(
        contract.obligations(), schema={"kind": pl.String, "sheet_key": pl.String}, orient="row"
    )


def _replace(con, tables: dict[str, pl.DataFrame]) -> None:
    for name, frame in tables.items():
        con.register("_ref", frame)
        try:
            con.execute(f"create or replace table {name} as select * from _ref")
        finally:
            con.unregister("_ref")


def write(con, reg: Registry) -> None:
    """The registry's tables (at ingest)."""
    _replace(
        con,
        {
            "ref_unit": reg.units,
            "ref_team": reg.teams,
            "ref_brand_project": reg.brands,
            "ref_theme": reg.themes,
            "ref_points_item": reg.catalogue,
            "ref_setting": settings_frame(reg),
        },
    )


def write_contract(con) -> None:
    """The contract's tables. The contract is code, not data: written whenever the models run,
    so a database built by an earlier version never keeps stale obligations."""
    _replace(con, {"ref_obligation": obligations_frame()})
