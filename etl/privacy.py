"""Personal data at the ETL boundary: names masked, ID and phone numbers keyed-hashed.

Nothing downstream of the reader sees a clear ID number or phone number.
The hash is HMAC-SHA256 under a secret that never enters the database, so
the same person links across months and files, but a leaked database cannot
be reversed by hashing every possible ID number. The secret comes from the
CIVIC_SECRET environment variable or, failing that, from data/secret.key,
created on first use in the demo and required in production (core.secrets).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from pathlib import Path

import polars as pl

from core import secrets

HASH_HEX = 32  # 128 bits: collisions among a county's people are out of the question


def load_secret(folder: Path | None = None) -> bytes:
    """The hashing key: CIVIC_SECRET, else data/secret.key (see core.secrets)."""
    return secrets.get(secrets.HASHING, folder)


_DROPPED = str.maketrans("", "", " -\t")


def canonical_secret(value: str) -> str:
    """ID and phone numbers as they are compared: folded, no spaces or dashes, X upper."""
    s = value if value.isascii() else unicodedata.normalize("NFKC", value)
    return s.translate(_DROPPED).upper()


def keyed_hash(value: str, key: bytes) -> str:
    digest = hmac.new(key, canonical_secret(value).encode(), hashlib.sha256).hexdigest()
    return digest[:HASH_HEX]


def hash_column(s: pl.Series, key: bytes) -> pl.Series:
    """Keyed hashes of a text column; blanks stay null. Each distinct value is hashed once."""
    stripped = s.str.strip_chars()
    distinct = stripped.drop_nulls().unique()
    distinct = distinct.filter(distinct != "")
    table = {v: keyed_hash(v, key) for v in distinct.to_list()}
    return stripped.replace_strict(table, default=None, return_dtype=pl.String)


def mask_column(s: pl.Series) -> pl.Series:
    """张三明 → 张*明, 张三 → 张*, a single character → *; blanks stay null."""
    n = s.str.strip_chars()
    length = n.str.len_chars()
    return (
        pl.select(
            pl.when(n.is_null() | (length == 0))
            .then(None)
            .when(length == 1)
            .then(pl.lit("*"))
            .when(length == 2)
            .then(n.str.slice(0, 1) + "*")
            .otherwise(
                n.str.slice(0, 1) + pl.lit("*" * 40).str.slice(0, length - 2) + n.str.slice(-1, 1)
            )
        )
        .to_series()
        .rename(s.name)
    )
