"""Load and validate the county registry (data/registry/).

The registry is the county's structure as data: units, volunteer teams,
brand projects, monthly themes, the points catalogue and a few settings.
Every problem found is reported with its file, row and column, all at once.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl

from core import settings as county_settings
from core.contract import PLATFORMS

UNIT_KINDS = ("county", "subcentre", "institute", "station")
TEAM_LEVELS = ("county", "town", "village")
POINT_CATEGORIES = ("基础分", "评议分", "贡献分", "扣分")

# Which kind a unit's parent must be.
PARENT_KIND = {"subcentre": "county", "institute": "subcentre", "station": "institute"}
TEAM_PARENT_KIND = {"county": "county", "town": "institute", "village": "station"}

_SCHEMAS: dict[str, dict[str, type[pl.DataType]]] = {
    "units.csv": {
        "code": pl.String,
        "name": pl.String,
        "kind": pl.String,
        "parent_code": pl.String,
        "population": pl.Int64,
        "households": pl.Int64,
        "longitude": pl.Float64,
        "latitude": pl.Float64,
    },
    "teams.csv": {
        "code": pl.String,
        "name": pl.String,
        "level": pl.String,
        "parent_code": pl.String,
        "platform": pl.String,
        "lead_department": pl.String,
    },
    "brand_projects.csv": {
        "name": pl.String,
        "platform": pl.String,
        "home_code": pl.String,
        "description": pl.String,
    },
    "themes.csv": {"month": pl.Int64, "theme": pl.String, "platform": pl.String},
    "points_catalogue.csv": {
        "item_code": pl.String,
        "group": pl.String,
        "category": pl.String,
        "item": pl.String,
        "min_points": pl.Int64,
        "max_points": pl.Int64,
        "per": pl.String,
        "season_months": pl.String,
        "season_min": pl.Int64,
        "season_max": pl.Int64,
    },
}


class RegistryError(ValueError):
    """The registry files break a rule; .problems lists every one, located."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("registry is invalid:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Registry:
    """The county's structure, read from one folder."""

    folder: Path
    settings: dict  # county.toml as read; .values is the typed form
    units: pl.DataFrame
    teams: pl.DataFrame
    brands: pl.DataFrame
    themes: pl.DataFrame
    catalogue: pl.DataFrame

    @cached_property
    def values(self) -> county_settings.Settings:
        """county.toml's settings, typed and with their defaults (core/settings.py)."""
        return county_settings.parse(self.settings)

    @property
    def county_code(self) -> str:
        return self.values.county_code

    @property
    def county_name(self) -> str:
        return self.values.county_short_name

    def of_kind(self, kind: str) -> pl.DataFrame:
        """Units of one kind, in code order."""
        return self.units.filter(pl.col("kind") == kind).sort("code")

    def county_teams(self) -> pl.DataFrame:
        return self.teams.filter(pl.col("level") == "county").sort("code")

    def all_codes(self) -> set[str]:
        """Every code a row may name: units and teams."""
        return set(self.units["code"]) | set(self.teams["code"])

    def names(self) -> dict[str, str]:
        """Code -> name for units and teams."""
        return dict(zip(self.units["code"], self.units["name"], strict=True)) | dict(
            zip(self.teams["code"], self.teams["name"], strict=True)
        )

    def counts(self) -> dict[str, int]:
        kinds = self.units.group_by("kind").len()
        out = dict(zip(kinds["kind"], kinds["len"], strict=True))
        levels = self.teams.group_by("level").len()
        for level, n in zip(levels["level"], levels["len"], strict=True):
            out[f"{level}_team"] = n
        out["brand_project"] = self.brands.height
        out["points_item"] = self.catalogue.height
        return {k: int(v) for k, v in sorted(out.items())}


UNIT_SUFFIXES = ("新时代文明实践站", "新时代文明实践所")


def short_name(name: str) -> str:
    """A station's or institute's name as offices write it in file names: 安家河村."""
    for suffix in UNIT_SUFFIXES:
        name = name.removesuffix(suffix)
    return name


def default_registry_dir() -> Path:
    from core.config import registry_dir

    return registry_dir()


def load_registry(folder: Path | None = None) -> Registry:
    """Read and validate a registry folder; raise RegistryError listing every problem."""
    folder = Path(folder) if folder else default_registry_dir()
    problems: list[str] = []
    settings_path = folder / "county.toml"
    if not settings_path.is_file():
        raise RegistryError([f"{settings_path}: file is missing"])
    try:
        settings = tomllib.loads(settings_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise RegistryError([f"county.toml: not valid TOML ({e})"]) from e
    frames = {}
    for name, schema in _SCHEMAS.items():
        frames[name] = _read_csv(folder / name, schema, problems)
    if problems:
        raise RegistryError(problems)
    reg = Registry(
        folder=folder,
        settings=settings,
        units=frames["units.csv"],
        teams=frames["teams.csv"],
        brands=frames["brand_projects.csv"],
        themes=frames["themes.csv"],
        catalogue=frames["points_catalogue.csv"],
    )
    problems = validate(reg)
    if problems:
        raise RegistryError(problems)
    return reg


def _read_csv(path: Path, schema: dict, problems: list[str]) -> pl.DataFrame:
    """Read one registry CSV as text, then cast column by column with located errors."""
    if not path.is_file():
        problems.append(f"{path.name}: file is missing")
        return pl.DataFrame(schema=schema)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in schema if c not in header]
        if missing:
            problems.append(f"{path.name}: missing columns {', '.join(missing)}")
            return pl.DataFrame(schema=schema)
        rows = list(reader)
    data: dict[str, list] = {c: [] for c in schema}
    for i, row in enumerate(rows, start=2):  # row 1 is the header
        for col, dtype in schema.items():
            raw = (row.get(col) or "").strip()
            value: object = raw or None
            if raw and dtype in (pl.Int64, pl.Float64):
                try:
                    value = int(raw) if dtype == pl.Int64 else float(raw)
                except ValueError:
                    problems.append(f"{path.name} row {i}, column {col}: {raw!r} is not a number")
                    value = None
            data[col].append(value)
    return pl.DataFrame(data, schema=schema)


def validate(reg: Registry) -> list[str]:
    """Every rule the registry must satisfy, as a list of located problems."""
    p: list[str] = county_settings.problems(reg.settings)
    county = str(reg.settings.get("county", {}).get("code", ""))

    units = reg.units.with_row_index("row", offset=2)
    teams = reg.teams.with_row_index("row", offset=2)
    kind_of = dict(zip(reg.units["code"], reg.units["kind"], strict=True))
    seen: dict[str, str] = {}
    for fname, frame in (("units.csv", units), ("teams.csv", teams)):
        for row, code in zip(frame["row"], frame["code"], strict=True):
            where = f"{fname} row {row}, column code"
            if not code:
                p.append(f"{where}: empty")
            elif code in seen:
                p.append(f"{where}: {code} already used at {seen[code]}")
            else:
                seen[code] = f"{fname} row {row}"

    if (units["kind"] == "county").sum() != 1:
        p.append("units.csv: there must be exactly one unit of kind county")
    for r in units.iter_rows(named=True):
        where = f"units.csv row {r['row']}"
        code, kind, parent = r["code"] or "", r["kind"], r["parent_code"]
        if kind not in UNIT_KINDS:
            p.append(f"{where}, column kind: {kind!r} is not one of {', '.join(UNIT_KINDS)}")
            continue
        if not r["name"]:
            p.append(f"{where}, column name: empty")
        pattern = {
            "county": re.escape(county) + r"$",
            "subcentre": re.escape(county) + r"-[A-Z0-9]+$",
            "institute": re.escape(county) + r"\d{3}$",
            "station": re.escape(county) + r"\d{6}$",
        }[kind]
        if not re.match(pattern, code):
            p.append(f"{where}, column code: {code!r} is not a valid {kind} code under {county}")
        if kind == "county":
            if parent:
                p.append(f"{where}, column parent_code: the county has no parent")
        elif parent not in kind_of:
            p.append(f"{where}, column parent_code: parent {parent!r} does not exist")
        elif kind_of[parent] != PARENT_KIND[kind]:
            p.append(
                f"{where}, column parent_code: a {kind}'s parent must be a "
                f"{PARENT_KIND[kind]}, {parent} is a {kind_of[parent]}"
            )
        elif kind == "station" and not code.startswith(parent):
            p.append(f"{where}, column code: station {code} is not inside its town {parent}")
        for col in ("population", "households"):
            if r[col] is None or r[col] < 0:
                p.append(f"{where}, column {col}: must be a whole number ≥ 0")
        lon, lat = r["longitude"], r["latitude"]
        if lon is None or lat is None or not (73 <= lon <= 136 and 3 <= lat <= 54):
            p.append(f"{where}, columns longitude/latitude: ({lon}, {lat}) is not in China")

    # Totals: a parent's population and households are the sums of its children's.
    sums = (
        reg.units.filter(pl.col("parent_code").is_not_null())
        .group_by("parent_code")
        .agg(pl.col("population").sum().alias("pop"), pl.col("households").sum().alias("hh"))
    )
    own = {
        c: (pop, hh, row)
        for c, pop, hh, row in units.select("code", "population", "households", "row").iter_rows()
    }
    for parent, pop, hh in sums.iter_rows():
        if parent in own:
            ppop, phh, row = own[parent]
            if ppop != pop or phh != hh:
                p.append(
                    f"units.csv row {row}: {parent} has population {ppop} and households {phh}, "
                    f"its children sum to {pop} and {hh}"
                )

    for r in teams.iter_rows(named=True):
        where = f"teams.csv row {r['row']}"
        level, parent = r["level"], r["parent_code"]
        if level not in TEAM_LEVELS:
            p.append(f"{where}, column level: {level!r} is not one of {', '.join(TEAM_LEVELS)}")
            continue
        if kind_of.get(parent) != TEAM_PARENT_KIND[level]:
            p.append(
                f"{where}, column parent_code: a {level} team belongs to a "
                f"{TEAM_PARENT_KIND[level]}, {parent!r} is not one"
            )
        elif not (r["code"] or "").startswith(parent):
            p.append(f"{where}, column code: {r['code']!r} does not start with its parent's code")
        if r["platform"] not in PLATFORMS:
            p.append(f"{where}, column platform: {r['platform']!r} is not a service platform")
    county_platforms = reg.teams.filter(pl.col("level") == "county")["platform"].to_list()
    if sorted(county_platforms) != sorted(PLATFORMS):
        p.append("teams.csv: there must be one county team for each of the 9 service platforms")

    for i, r in enumerate(reg.brands.iter_rows(named=True), start=2):
        where = f"brand_projects.csv row {i}"
        if r["platform"] not in PLATFORMS:
            p.append(f"{where}, column platform: {r['platform']!r} is not a service platform")
        if kind_of.get(r["home_code"]) not in ("county", "institute"):
            p.append(f"{where}, column home_code: {r['home_code']!r} is not the county or a town")
    if reg.brands["name"].n_unique() != reg.brands.height:
        p.append("brand_projects.csv: project names must be unique")

    if sorted(reg.themes["month"].to_list()) != list(range(1, 13)):
        p.append("themes.csv: needs exactly one theme for each month 1 to 12")
    for i, r in enumerate(reg.themes.iter_rows(named=True), start=2):
        if r["platform"] not in PLATFORMS:
            p.append(f"themes.csv row {i}, column platform: {r['platform']!r} is not a platform")

    for i, r in enumerate(reg.catalogue.iter_rows(named=True), start=2):
        where = f"points_catalogue.csv row {i}"
        cat, lo, hi = r["category"], r["min_points"], r["max_points"]
        if cat not in POINT_CATEGORIES:
            p.append(
                f"{where}, column category: {cat!r} is not one of {', '.join(POINT_CATEGORIES)}"
            )
        if lo is None or hi is None or lo > hi:
            p.append(f"{where}, columns min_points/max_points: need min ≤ max")
        elif (cat == "扣分") != (hi < 0):
            p.append(f"{where}: 扣分 items have negative points, other items positive")
        if r["season_months"]:
            months = r["season_months"].split(",")
            if not all(m.strip().isdigit() and 1 <= int(m) <= 12 for m in months):
                p.append(
                    f"{where}, column season_months: {r['season_months']!r} is not months 1–12"
                )
            if r["season_min"] is None or r["season_max"] is None:
                p.append(f"{where}: a seasonal item needs season_min and season_max")
    if reg.catalogue["item"].n_unique() != reg.catalogue.height:
        p.append("points_catalogue.csv: item names must be unique")
    return p
