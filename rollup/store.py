"""The city or province store: counties' packages as Parquet, partitioned by county and
month, and one manifest naming the files that are current.

    <store>/tables/<table>/county=<code>/period=<YYYY-MM>/<stamp>.parquet
    <store>/CURRENT.json   {"version": n, "packages": {"<code>_<YYYY-MM>": {...}}}

A load copies the package's files in under a name of their own (`stamp`), then
replaces CURRENT.json in one rename: a reader sees the packages before or after a
load, never half of one, and never waits; a load killed before the rename leaves
files no manifest names, removed by the next load of that county and month. What
a load costs grows with its package, not with the store (no database file is
copied). A corrected package replaces the county's month: the manifest names its
files; those it replaced stay one load longer, for readers that opened before.

Readers get an in-memory DuckDB connection with a view per table over the current
files; each view has the partition's columns `county` (its code) and `period` (the
package's month as YYYY-MM; the tables' own `month` columns stay dates).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import duckdb

from core import store as db_store
from rollup import package, registry

CURRENT = "CURRENT.json"


class Refused(ValueError):
    """A package refused whole: its problems, located."""

    def __init__(self, folder: Path, problems: list[str]):
        self.folder, self.problems = folder, problems
        super().__init__(f"{folder.name}：拒收。" + "；".join(problems))


def current(store: Path) -> dict:
    """The manifest of the current files: {"version": n, "packages": {key: entry}}."""
    try:
        return json.loads((store / CURRENT).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": 0, "packages": {}}


def _partition(table: str, county: str, month: str) -> Path:
    return Path("tables") / table / f"county={county}" / f"period={month}"


def load(store: Path, folder: Path, received_at: datetime | None = None) -> dict:
    """Check a package and make it current for its county and month (replacing an earlier
    one); raise Refused, storing nothing, when it has any problem. Returns its entry."""
    checked = package.verify(folder)
    if not checked.ok:
        raise Refused(folder, checked.problems)
    m = checked.manifest
    county, month = m["county_code"], m["month"]
    region = registry.load(store)
    if region is not None and county not in region.codes:
        raise Refused(
            folder, [f"县代码 {county} 不在{region.name}的县名单中（civic rollup counties）"]
        )
    key = package.name_of(county, date.fromisoformat(f"{month}-01"))
    received_at = received_at or datetime.now().replace(microsecond=0)
    with db_store.writer_lock(store):  # one load at a time, as the county store's
        manifest = current(store)
        version = manifest["version"] + 1
        stamp = f"v{version:06d}"
        files = {}
        for name in m["tables"]:
            target = _partition(name, county, month) / f"{stamp}.parquet"
            (store / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / package.table_file(name), store / target)  # as checked
            files[name] = target.as_posix()
        entry = {
            "county_code": county,
            "county_name": m["county_name"],
            "month": month,
            "made_at": m["made_at"],
            "received_at": received_at.isoformat(),
            "methodology_id": m["methodology_id"],
            "rows": {n: e["rows"] for n, e in m["tables"].items()},
            "sha256": {n: e["sha256"] for n, e in m["tables"].items()},
            "files": files,
            "replaces": manifest["packages"].get(key, {}).get("made_at"),
        }
        before = manifest["packages"].get(key)
        switch(store, {**manifest, "version": version,
                       "packages": {**manifest["packages"], key: entry}})  # fmt: skip
        _remove_unnamed(store, entry, before)
    return entry


def switch(store: Path, manifest: dict) -> None:
    """Make `manifest` current in one rename: readers see what it names from here on.
    Call it holding the store's writer lock, with a manifest read under that lock."""
    tmp = store / f"{CURRENT}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, store / CURRENT)


def _remove_unnamed(store: Path, entry: dict, before: dict | None) -> None:
    """In the package's own partitions, the files neither its entry nor the one it replaced
    names: what killed loads left, and the package before the one replaced (a reader that
    opened its views before the switch goes on reading the one replaced)."""
    named = set(entry["files"].values()) | set((before or {}).get("files", {}).values())
    for table in package.TABLES:
        folder = store / _partition(table, entry["county_code"], entry["month"])
        for path in folder.glob("*.parquet"):
            if path.relative_to(store).as_posix() not in named:
                path.unlink()


@contextmanager
def reading(store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection with a view per package table over the current files, with
    the partition's columns `county` and `period`; a table no package holds has no view."""
    manifest = current(store)
    con = duckdb.connect()
    try:
        _describe_store(con, store, manifest)
        for name in package.TABLES:
            files = [
                str(store / e["files"][name])
                for e in manifest["packages"].values()
                if name in e["files"]
            ]
            if files:
                listed = ", ".join("'" + f.replace("'", "''") + "'" for f in sorted(files))
                con.execute(
                    f"create view {name} as select * from read_parquet([{listed}], "
                    "hive_partitioning = true, hive_types_autocast = false, union_by_name = true)"
                )
        yield con
    finally:
        con.close()


def _describe_store(con: duckdb.DuckDBPyConnection, store: Path, manifest: dict) -> None:
    """Tables `rollup_package` (each current package: county, month, when made and
    received) and `rollup_county` (the registry's counties; none stored: the counties
    of the packages, without a city)."""
    con.execute(
        "create table rollup_package (county varchar, county_name varchar, month date, "
        "made_at timestamp, received_at timestamp, methodology_id varchar)"
    )
    rows = [
        (e["county_code"], e["county_name"], date.fromisoformat(f"{e['month']}-01"),
         e["made_at"], e["received_at"], e["methodology_id"])
        for e in manifest["packages"].values()
    ]  # fmt: skip
    if rows:
        con.executemany("insert into rollup_package values (?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "create table rollup_county (code varchar primary key, name varchar, "
        "city_code varchar, city_name varchar)"
    )
    region = registry.load(store)
    if region is not None:
        counties = [(c.code, c.name, c.city_code, c.city_name) for c in region.counties]
    else:
        named = {r[0]: r[1] for r in sorted(rows, key=lambda r: r[2])}  # the newest month's name
        counties = [(code, name, code[:4], "") for code, name in sorted(named.items())]
    if counties:
        con.executemany("insert into rollup_county values (?, ?, ?, ?)", counties)
