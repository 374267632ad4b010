"""Copy the registry and the contract into the database (ref_* tables), so models can join to them.

Rewritten on every ingest: the registry is project data and may have changed.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import cache

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


def row_limits_frame() -> pl.DataFrame:
    """The contract's plausibility limits on row values (core.contract.ROW_LIMITS)."""
    return pl.DataFrame(
        contract.row_limits(),
        schema={
            "position": pl.Int32,
            "limit_code": pl.String,
            "sheet_key": pl.String,
            "column_key": pl.String,
            "column_header": pl.String,
            "basis": pl.String,
            "factor": pl.Float64,
            "label": pl.String,
            "reason_template": pl.String,
        },
        orient="row",
    )


@cache
def text_fold_frame() -> pl.DataFrame:
    """Every character whose NFKC form differs from it, with that form.

    DuckDB normalises only to NFC; models fold text to NFKC (full-width letters,
    digits and brackets to ASCII, ① to 1, the ideographic space to a space) by
    mapping each character through this table, then applying nfc_normalize.
    """
    chars = (chr(cp) for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF)
    pairs = [
        (ch, unicodedata.normalize("NFKC", ch))
        for ch in chars
        if not unicodedata.is_normalized("NFKC", ch)  # surrogates (skipped) are not characters
    ]
    return pl.DataFrame(pairs, schema={"source_char": pl.String, "folded": pl.String}, orient="row")


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
    """The contract's tables and the NFKC fold table. They are code, not data: written whenever
    the models run, so a database built by an earlier version never keeps stale ones."""
    _replace(
        con,
        {
            "ref_obligation": obligations_frame(),
            "ref_row_limit": row_limits_frame(),
            "ref_text_fold": text_fold_frame(),
        },
    )
