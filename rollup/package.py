"""What a county sends upward for a month, and its check on arrival.

A package is a folder (or a .zip of one) named <county code>_<YYYY-MM>:

    manifest.json        schema version, county, month, when made, the methodology,
                         and every file with its rows, columns and SHA-256
    tables/<name>.parquet  the month's facts and marts, the month's index results,
                         and the registry's snapshot (TABLES: the columns are the
                         contract of SCHEMA_VERSION)

Personal data leaves the county only as it is in the store: names masked, ID and
phone numbers as keyed hashes; free text a resident or an officer wrote (a service
request, who entered a clearing, the quarantined rows as sent) is left out.

`verify` checks a package against the contract and returns every problem found, in
Chinese, located; a package with any problem is refused whole by the roll-up.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from core import months
from core import store as db_store
from publish.manifest import sha256

SCHEMA_VERSION = 2  # 2: mart_unit_month with orders placed and standards items (2026-11)
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Table:
    """A table of the package: `columns` of `source`, the rows of the month where
    `month` names the month column (None: every row, a snapshot)."""

    source: str
    columns: tuple[str, ...]
    month: str | None = "month"


def _t(source: str, columns: str, month: str | None = "month") -> Table:
    return Table(source, tuple(c.strip() for c in columns.split(",")), month)


TABLES: dict[str, Table] = {
    # the registry as the month was computed with it
    "ref_unit": _t("ref_unit", "code, name, kind, parent_code, population, households, "
                   "longitude, latitude", None),
    "ref_team": _t("ref_team", "code, name, level, parent_code, platform, lead_department", None),
    "ref_setting": _t("ref_setting", "section, key, value", None),
    # marts of the month
    "mart_unit_month": _t("mart_unit_month", "unit_code, month, name, kind, parent_code, "
                          "population, households, stations, activities, xuanjiang_activities, "
                          "theme_activities, brand_activities, ordered_activities, participants, "
                          "volunteer_times, volunteer_hours, beneficiaries, stations_active, "
                          "stations_meeting_minimum, orders_taken, orders_completed, "
                          "orders_satisfied, orders_timely, orders_rated, rating_sum, "
                          "orders_placed, orders_placed_completed, orders_placed_satisfied, "
                          "points_issued, points_redeemed, households_earning, "
                          "households_redeeming, balance_points, standards_reported, "
                          "standards_compliant, standards_items_owed, standards_items_met, "
                          "volunteers_active, sheets_owed, sheets_on_time, sheets_late, "
                          "sheets_missing"),
    "mart_activity_month": _t("mart_activity_month", "unit_code, month, platform, brand_project, "
                              "theme, activities, participants, volunteers, volunteer_hours, "
                              "beneficiaries, ordered_activities, theme_activities, "
                              "brand_activities"),
    "mart_points_month": _t("mart_points_month", "unit_code, month, points_issued, points_basic, "
                            "points_review, points_contribution, points_deducted, clearings, "
                            "points_cleared, points_redeemed, redemptions, households_earning, "
                            "households_redeeming, balance_points, households_with_balance, "
                            "liability_yuan"),
    "mart_order_month": _t("mart_order_month", "month, platform, taker_code, orders, dispatched, "
                           "accepted, completed, rated, cancelled, avg_hours_to_complete, "
                           "avg_rating"),
    "mart_matter_month": _t("mart_matter_month", "unit_code, month, category, level, matters, "
                            "resolved, avg_days_to_resolve, rated, satisfied, dissatisfied"),
    "mart_standards_month": _t("mart_standards_month", "unit_code, month, items_met, "
                               "items_reported, is_compliant, compliance_pct, station_stars"),
    "mart_household_stars": _t("mart_household_stars", "unit_code, month, households, "
                               "households_rated, avg_stars, stars_5_plus, stars_8_plus, "
                               "stars_10, required_stars_met, members"),
    "mart_volunteer_month": _t("mart_volunteer_month", "team_code, month, volunteers_active, "
                               "joined, left_team"),
    "mart_submission": _t("mart_submission", "unit_code, month, sheet_key, is_expected, status, "
                          "received_at, deadline_date, versions, is_correction"),
    # facts of the month (personal data as in the store: masked or keyed hashes)
    "fct_activity": _t("fct_activity", "unit_code, activity_id, activity_date, month, "
                       "activity_name, platform, brand_project, theme, participants, volunteers, "
                       "volunteer_hours, beneficiaries, longitude, latitude"),
    "fct_points_entry": _t("fct_points_entry", "unit_code, entry_id, entry_date, month, "
                           "household_id, id_number_hash, category, item, points, status, "
                           "is_issued"),
    "fct_redemption": _t("fct_redemption", "unit_code, entry_id, redeemed_date, month, "
                         "household_id, points, goods_yuan"),
    "fct_order": _t("fct_order", "order_id, ordered_at, month, village_code, platform, "
                    "taker_code, status, is_completed, is_satisfied, is_timely, rating"),
    # the month's index: its current run and every unit's score and place
    "index_run": _t("index_run", "run_id, month, methodology_id, methodology_sha256, "
                    "computed_at, draws, seed"),
    "index_score": _t("index_score", "run_id, month, group_key, unit_code, unit_name, "
                      "is_submitted, score, rank, units_listed, tier, rank_p05, rank_p95"),
}  # fmt: skip

# rows of the current ranking run only
_CURRENT_RUN = {"index_run", "index_score"}


class PackageError(ValueError):
    """A package could not be made (nothing ranked for the month …)."""


def table_file(name: str) -> str:
    """Where a package keeps a table (the only place a manifest may name)."""
    return f"tables/{name}.parquet"


def name_of(county: str, month: date) -> str:
    return f"{county}_{month:%Y-%m}"


def _select(table: Table, name: str, month: date) -> tuple[str, dict]:
    where, params = [], {}
    if table.month:
        where.append(f"{table.month} = $m")
        params["m"] = month
    if name in _CURRENT_RUN:
        where.append("run_id = (select run_id from index_run where is_current and month = $m)")
        params["m"] = month
    sql = f"select {', '.join(table.columns)} from {table.source}"
    if where:
        sql += " where " + " and ".join(where)
    return sql + f" order by {table.columns[0]}", params


def make(store: Path, month: date, out: Path, made_at: datetime | None = None) -> Path:
    """Write the package of `month` from the store's current version into out/<name>/
    (replacing one there); returns its folder."""
    made_at = made_at or datetime.now().replace(microsecond=0)
    with db_store.reading(store) as con:
        county = con.sql(
            "select u.code, coalesce(s.value, u.name) from ref_unit u left join ref_setting s "
            "on s.section = 'county' and s.key = 'name' where u.kind = 'county'"
        ).fetchall()
        if len(county) != 1:
            raise PackageError("数据库中没有县级单位（ref_unit）")
        ((code, county_name),) = county
        run = con.sql(
            "select methodology_id, methodology_sha256 from index_run "
            "where is_current and month = $m", params={"m": month},
        ).fetchall()  # fmt: skip
        if not run:
            raise PackageError(f"{months.label(month)}还没有计算考评指数，不能打包（civic rank）")
        folder = Path(out) / name_of(code, month)
        building = folder.with_name(folder.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        (building / "tables").mkdir(parents=True)
        tables = {}
        for name, table in TABLES.items():
            sql, params = _select(table, name, month)
            path = building / "tables" / f"{name}.parquet"
            rel = con.sql(sql, params=params)
            rel.write_parquet(str(path), compression="zstd")
            rows = duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
            tables[name] = {
                "file": table_file(name),
                "rows": rows,
                "columns": list(table.columns),
                "sha256": sha256(path),
            }
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "county_code": code,
        "county_name": county_name,
        "month": f"{month:%Y-%m}",
        "made_at": made_at.isoformat(),
        "methodology_id": run[0][0],
        "methodology_sha256": run[0][1],
        "tables": tables,
    }
    (building / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)
    return folder


def zip_package(folder: Path) -> Path:
    """The package folder as <folder>.zip (entries under the package's name)."""
    target = folder.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return target


@dataclass(frozen=True)
class Checked:
    """A package as checked: its manifest (None when unreadable) and every problem."""

    folder: Path
    manifest: dict | None
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(folder: Path, county: str | None = None, month: date | None = None) -> Checked:
    """Check a package folder against the contract: the manifest reads and names this
    schema version, its county and month (those expected, when given, and the folder's
    name), every table of TABLES and nothing else, each file's SHA-256, and each table's
    columns and rows as the manifest states. Every problem, located."""
    folder = Path(folder)
    where = folder.name
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
    except FileNotFoundError:
        return Checked(folder, None, [f"{where}：缺少 {MANIFEST}"])
    except (ValueError, UnicodeDecodeError) as e:
        return Checked(folder, None, [f"{where}/{MANIFEST}：无法读取（{e}）"])
    problems: list[str] = []
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        problems.append(
            f"{where}/{MANIFEST}：数据包格式版本为 {version!r}，本系统接收版本 {SCHEMA_VERSION}"
        )
        return Checked(folder, manifest, problems)
    code, stated = str(manifest.get("county_code", "")), str(manifest.get("month", ""))
    if not re.fullmatch(r"\d{6}", code):
        problems.append(f"{where}/{MANIFEST}：县代码应为 6 位数字，而不是 {code!r}")
    for field, kind in (("county_name", str), ("methodology_id", str), ("made_at", str)):
        if not isinstance(manifest.get(field), kind) or not manifest.get(field):
            problems.append(f"{where}/{MANIFEST}：缺少 {field}")
    try:
        datetime.fromisoformat(str(manifest.get("made_at")))
    except ValueError:
        problems.append(f"{where}/{MANIFEST}：制作时间 {manifest.get('made_at')!r} 无效")
    if problems:
        return Checked(folder, manifest, problems)
    if county is not None and code != county:
        problems.append(f"{where}/{MANIFEST}：县代码为 {code}，应为 {county}")
    try:
        stated_month = months.parse(stated)
    except ValueError:
        problems.append(f"{where}/{MANIFEST}：月份 {stated!r} 无效")
        stated_month = None
    if month is not None and stated_month is not None and stated_month != month:
        problems.append(f"{where}/{MANIFEST}：月份为 {stated}，应为 {month:%Y-%m}")
    if stated_month is not None and folder.name != name_of(code, stated_month):
        problems.append(f"{where}：文件夹名应为 {name_of(code, stated_month)}（与清单不符）")
    listed = manifest.get("tables") or {}
    for name in sorted(set(TABLES) - set(listed)):
        problems.append(f"{where}/{MANIFEST}：缺少数据表 {name}")
    for name in sorted(set(listed) - set(TABLES)):
        problems.append(f"{where}/{MANIFEST}：多出数据表 {name}")
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    expected = {MANIFEST} | {f"tables/{n}.parquet" for n in TABLES}
    for extra in sorted(on_disk - expected):
        problems.append(f"{where}/{extra}：清单之外的文件")
    for name, table in TABLES.items():
        entry = listed.get(name)
        path = folder / table_file(name)
        if entry is None:
            continue
        if entry.get("file") != table_file(name):
            problems.append(f"{where}/{MANIFEST}：{name} 的文件应为 {table_file(name)}")
            continue
        if not path.is_file():
            problems.append(f"{where}/tables/{name}.parquet：文件缺失")
            continue
        if sha256(path) != entry.get("sha256"):
            problems.append(f"{where}/tables/{name}.parquet：SHA-256 与清单不符（文件被改动）")
            continue
        try:
            got = duckdb.sql(f"describe select * from read_parquet('{path}')").fetchall()
            rows = duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
        except duckdb.Error as e:
            problems.append(f"{where}/tables/{name}.parquet：无法读取（{e}）")
            continue
        columns = [r[0] for r in got]
        if columns != list(table.columns) or entry.get("columns") != list(table.columns):
            problems.append(
                f"{where}/tables/{name}.parquet：列为 {', '.join(columns)}，"
                f"本系统要求 {', '.join(table.columns)}"
            )
        if rows != entry.get("rows"):
            problems.append(
                f"{where}/tables/{name}.parquet：{rows} 行，清单写 {entry.get('rows')} 行"
            )
    return Checked(folder, manifest, problems)
