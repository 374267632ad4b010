"""Compare two demo builds: every table of their databases and their editions' report.json.

    uv run python bench/compare_builds.py BEFORE_ROOT AFTER_ROOT

Each root is a checkout (or copy) where `uv run civic demo --no-serve` ran: its
data/db/CURRENT and reports/. Columns that hold the wall-clock time of the
build (`*_at` timestamps other than received_at) or a folder of the machine
are left out; everything else must match row for row (EXCEPT ALL both ways).
Prints one line per table that differs, and the report.json keys that differ.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

CLOCK = {"loaded_at", "computed_at", "logged_at", "created_at", "first_used_at",
         "reviewed_at", "approved_at", "published_at", "drafted_at", "voided_at"}  # fmt: skip
PATHS = {"path", "source_path", "folder"}


def database(root: Path) -> Path:
    store = root / "data" / "db"
    return store / (store / "CURRENT").read_text().strip()


def columns(con, schema: str, table: str) -> dict[str, str]:
    rows = con.sql(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = $s and table_name = $t",
        params={"s": schema, "t": table},
    ).fetchall()
    return dict(rows)


def compare_tables(before: Path, after: Path) -> list[str]:
    con = duckdb.connect()
    con.execute(f"attach '{database(before)}' as a (read_only)")
    con.execute(f"attach '{database(after)}' as b (read_only)")
    tables = {
        db: {
            r[0]
            for r in con.sql(
                "select table_name from duckdb_tables() where database_name = $d",
                params={"d": db},
            ).fetchall()
        }
        for db in ("a", "b")
    }
    out = []
    for name in sorted(tables["a"] - tables["b"]):
        out.append(f"{name}: only before")
    for name in sorted(tables["b"] - tables["a"]):
        out.append(f"{name}: only after")
    for name in sorted(tables["a"] & tables["b"]):
        ca, cb = columns(con, "a", name), columns(con, "b", name)
        if set(ca) != set(cb):
            out.append(f"{name}: columns differ {sorted(set(ca) ^ set(cb))}")
        shared = [c for c in ca if c in cb and c not in CLOCK and c not in PATHS]
        cols = ", ".join(f'"{c}"' for c in shared)
        n_a = con.sql(f"select count(*) from a.{name}").fetchall()[0][0]
        n_b = con.sql(f"select count(*) from b.{name}").fetchall()[0][0]
        only_a = con.sql(
            f"select count(*) from (select {cols} from a.{name} except all "
            f"select {cols} from b.{name})"
        ).fetchall()[0][0]
        only_b = con.sql(
            f"select count(*) from (select {cols} from b.{name} except all "
            f"select {cols} from a.{name})"
        ).fetchall()[0][0]
        status = "same" if only_a == only_b == 0 else "DIFFERS"
        out.append(
            f"{name}: {status} ({n_a} / {n_b} rows; {only_a} only before, {only_b} only after)"
        )
    return out


def flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        return {
            k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}.{key}").items()
        }
    if isinstance(value, list):
        return {
            k: v for i, item in enumerate(value) for k, v in flatten(item, f"{prefix}[{i}]").items()
        }
    return {prefix: value}


def compare_reports(before: Path, after: Path) -> list[str]:
    out = []
    for a in sorted((before / "reports").glob("*/v*/report.json")):
        b = after / a.relative_to(before)
        if not b.exists():
            out.append(f"{a.relative_to(before)}: only before")
            continue
        fa = flatten(json.loads(a.read_text(encoding="utf-8")))
        fb = flatten(json.loads(b.read_text(encoding="utf-8")))
        diff = sorted(k for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k))
        out.append(f"{a.relative_to(before)}: {'same' if not diff else f'{len(diff)} keys differ'}")
        out += [f"    {k}: {fa.get(k)!r} → {fb.get(k)!r}" for k in diff]
    return out


if __name__ == "__main__":
    before, after = (Path(p) for p in sys.argv[1:3])
    lines = compare_tables(before, after) + compare_reports(before, after)
    print("\n".join(lines))
    sys.exit(
        1 if any("DIFFERS" in line or "differ" in line or "only" in line for line in lines) else 0
    )
