"""A county N times larger, for benchmarks: N times the stations, households and volunteers.

Each station gets N-1 siblings in its town (codes 300 and up in the village
part), with the same population; parents' totals grow to match.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl

from core.registry import Registry, validate


def base_name(station_name: str) -> str:
    return station_name.removesuffix("新时代文明实践站")


def scale_registry(reg: Registry, n: int) -> Registry:
    if n <= 1:
        return reg
    st = reg.of_kind("station")
    extra_units, extra_teams = [], []
    for town, group in st.group_by("parent_code", maintain_order=True):
        k = 300
        for r in group.sort("code").iter_rows(named=True):
            for j in range(1, n):
                code = f"{town[0]}{k:03d}"
                k += 1
                if k > 999:
                    raise ValueError(f"scale {n} needs more than 700 extra stations in {town[0]}")
                extra_units.append(
                    {
                        **r,
                        "code": code,
                        "name": f"{base_name(r['name'])}{j + 1}新时代文明实践站",
                        "longitude": round(r["longitude"] + 0.004 * j, 4),
                        "latitude": round(r["latitude"] - 0.003 * j, 4),
                    }
                )
                extra_teams.append(
                    {
                        "code": f"{code}-DW01",
                        "name": f"{code}志愿服务队",
                        "level": "village",
                        "parent_code": code,
                        "platform": "爱心公益奉献",
                        "lead_department": "村党支部",
                    }
                )
    units = pl.concat([reg.units, pl.DataFrame(extra_units, schema=reg.units.schema)])
    units = roll_up(units)
    teams = pl.concat([reg.teams, pl.DataFrame(extra_teams, schema=reg.teams.schema)])
    scaled = Registry(reg.folder, reg.settings, units, teams, reg.brands, reg.themes, reg.catalogue)
    problems = validate(scaled)
    if problems:
        raise ValueError("scaled registry is invalid: " + "; ".join(problems[:5]))
    return scaled


def write_registry(reg: Registry, folder: Path) -> Path:
    """Write a registry as files, e.g. the scaled one an ingest of a scaled demo needs."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(reg.folder / "county.toml", folder / "county.toml")
    for name, frame in (
        ("units.csv", reg.units),
        ("teams.csv", reg.teams),
        ("brand_projects.csv", reg.brands),
        ("themes.csv", reg.themes),
        ("points_catalogue.csv", reg.catalogue),
    ):
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(frame.columns)
            for row in frame.iter_rows():
                w.writerow(["" if v is None else v for v in row])
    return folder


def keep_units(reg: Registry, units: pl.DataFrame) -> Registry:
    """The registry cut to `units` (rows of reg.units): parents' totals rolled up again,
    and only the teams and brand projects of the units kept."""
    units = roll_up(units)
    codes = units["code"].to_list()
    return Registry(
        reg.folder,
        reg.settings,
        units,
        reg.teams.filter(pl.col("parent_code").is_in(codes)),
        reg.brands.filter(pl.col("home_code").is_in(codes)),
        reg.themes,
        reg.catalogue,
    )


def roll_up(units: pl.DataFrame) -> pl.DataFrame:
    """Parents' population and households as the sums over their children, bottom up."""
    for kind in ("institute", "subcentre", "county"):
        child = {"institute": "station", "subcentre": "institute", "county": "subcentre"}[kind]
        sums = (
            units.filter(pl.col("kind") == child)
            .group_by("parent_code")
            .agg(pl.col("population").sum().alias("p"), pl.col("households").sum().alias("h"))
        )
        units = (
            units.join(sums, left_on="code", right_on="parent_code", how="left")
            .with_columns(
                population=pl.when(pl.col("kind") == kind).then("p").otherwise("population"),
                households=pl.when(pl.col("kind") == kind).then("h").otherwise("households"),
            )
            .drop("p", "h")
        )
    return units
