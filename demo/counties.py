"""Many distinct counties, for the city and province roll-ups: their own codes, names,
towns, stations and populations, each a valid registry.

A county is drawn from the demo county's registry (the template) with its own random
generator: a code of its own under a fictional province (99: no province uses it; city
99CC, county 99CCKK), a name, a share of the template's towns (each renamed, keeping 镇
or 乡) and of each town's stations (each renamed: a village 村), populations and
households scaled by a factor of its own, the whole county moved to its own place on
the map (counties side by side, not on top of one another), and the template's
sub-centres kept where towns are left under them. Teams, brand projects and the
county's settings follow the codes and names. The same index and seed give the same
county.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import polars as pl

from core.registry import Registry, load_registry, validate
from demo.scale import roll_up, write_registry

PROVINCE = "99"
PER_CITY = 10  # counties per city (cities 01, 02 …)
GRID_COLUMNS = 10  # counties per row on the map, each as far from the next as the
MARGIN_DEG = 0.1  # template is wide (or high), and this much more

# characters of place names (one is a county, two a town or village)
SYLLABLES = (
    "安宁平和丰乐永兴长清泉石河山川林松柏杨柳桃杏梨枣沙金银铜铁玉宝青白红黄"
    "东西南北中上下前后新古双三五七百千万龙凤鹤鹿马牛羊花草云霞星月阳明光华"
    "德仁义礼信忠孝廉福寿康泰盛昌隆顺通达远高原坪岭沟湾滩峪台堡寨庄营屯店桥"
)


def county_code(index: int) -> str:
    """The code of the index-th county (0-based): 99 + city + county within the city."""
    city, within = divmod(index, PER_CITY)
    if city > 98:
        raise ValueError(f"at most {99 * PER_CITY} counties")
    return f"{PROVINCE}{city + 1:02d}{within + 1:02d}"


def city_code(code: str) -> str:
    return code[:4]


def city_name(code: str, seed: int = 7) -> str:
    """The name of the city of `code` (a county's or the city's own): two characters and
    市, the same for every county of the city."""
    rng = np.random.default_rng([seed, int(city_code(code))])
    return _names(rng, 1, 2, set())[0] + "市"


def _names(rng: np.random.Generator, n: int, length: int, taken: set[str]) -> list[str]:
    """n names of `length` characters none of which is in `taken` (which grows)."""
    out: list[str] = []
    while len(out) < n:
        name = "".join(rng.choice(list(SYLLABLES), size=length))
        if name not in taken and len(set(name)) == length:
            taken.add(name)
            out.append(name)
    return out


def make_county(template: Registry, index: int, seed: int = 7) -> Registry:
    """The index-th county (see the module); its folder is the template's until written."""
    rng = np.random.default_rng([seed, index])
    old, new = template.county_code, county_code(index)
    taken: set[str] = set()
    (short,) = _names(rng, 1, 2, taken)
    county_name = f"{short}县"

    units = template.units
    extent = units
    towns = units.filter(pl.col("kind") == "institute").sort("code")
    keep_towns = int(rng.integers(max(3, towns.height // 4), towns.height + 1))
    town_codes = sorted(rng.choice(towns["code"].to_list(), size=keep_towns, replace=False))
    stations = units.filter((pl.col("kind") == "station") & pl.col("parent_code").is_in(town_codes))
    kept_stations: list[str] = []
    for _, group in stations.group_by("parent_code", maintain_order=True):
        codes = group.sort("code")["code"].to_list()
        k = max(1, round(len(codes) * float(rng.uniform(0.5, 1.0))))
        kept_stations += sorted(rng.choice(codes, size=k, replace=False))
    subcentres = set(towns.filter(pl.col("code").is_in(town_codes))["parent_code"].to_list())
    kept = set(town_codes) | set(kept_stations) | subcentres | {old}
    units = units.filter(pl.col("code").is_in(sorted(kept)))

    # names: towns keep 镇/乡, stations become villages; sub-centres after a town of theirs
    town_names = dict(zip(town_codes, _names(rng, len(town_codes), 2, taken), strict=True))
    village_names = dict(zip(kept_stations, _names(rng, len(kept_stations), 2, taken), strict=True))
    old_town = dict(zip(towns["code"], towns["name"], strict=True))
    factor = float(rng.uniform(0.6, 1.6))
    step_lon = float(extent["longitude"].max() - extent["longitude"].min()) + MARGIN_DEG
    step_lat = float(extent["latitude"].max() - extent["latitude"].min()) + MARGIN_DEG
    dx = (index % GRID_COLUMNS) * step_lon
    dy = -(index // GRID_COLUMNS) * step_lat

    def renamed(r: dict) -> str:
        if r["kind"] == "county":
            return f"{county_name}新时代文明实践中心"
        if r["kind"] == "institute":
            kind = "乡" if old_town[r["code"]].split("新时代")[0].endswith("乡") else "镇"
            return f"{town_names[r['code']]}{kind}新时代文明实践所"
        if r["kind"] == "station":
            return f"{village_names[r['code']]}村新时代文明实践站"
        first = min(c for c in town_codes if old_town_parent[c] == r["code"])
        return f"{town_names[first]}片区分中心"

    old_town_parent = dict(zip(towns["code"], towns["parent_code"], strict=True))
    rows = []
    for r in units.iter_rows(named=True):
        rows.append(
            {
                **r,
                "code": new + r["code"][len(old) :],
                "name": renamed(r),
                "parent_code": new + r["parent_code"][len(old) :] if r["parent_code"] else None,
                "population": round(r["population"] * factor),
                "households": max(1, round(r["households"] * factor)),
                "longitude": round(r["longitude"] + dx, 4),
                "latitude": round(r["latitude"] + dy, 4),
            }
        )
    units = roll_up(pl.DataFrame(rows, schema=template.units.schema))

    codes = set(units["code"].to_list())
    teams = template.teams.with_columns(
        code=pl.lit(new) + pl.col("code").str.slice(len(old)),
        parent_code=pl.lit(new) + pl.col("parent_code").str.slice(len(old)),
        name=pl.col("name").str.replace(template.county_name, f"{short}县", literal=True),
    ).filter(pl.col("parent_code").is_in(sorted(codes)))
    # a village team is named after its village
    names = dict(zip(units["code"], units["name"], strict=True))
    teams = teams.with_columns(
        name=pl.when(pl.col("level") == "village")
        .then(
            pl.col("parent_code")
            .replace_strict(names, default="")
            .str.replace("新时代文明实践站", "志愿服务队", literal=True)
        )
        .otherwise("name")
    )
    brands = template.brands.with_columns(
        home_code=pl.lit(new) + pl.col("home_code").str.slice(len(old))
    ).filter(pl.col("home_code").is_in(sorted(codes)))
    settings = {**template.settings}
    settings["county"] = {
        **template.settings["county"],
        "code": new,
        "name": county_name,
        "short_name": county_name,
        "centre_name": f"{county_name}新时代文明实践中心",
    }
    county = Registry(
        template.folder, settings, units, teams, brands, template.themes, template.catalogue
    )
    problems = validate(county)
    if problems:
        raise ValueError(f"county {new} is not a valid registry: " + "; ".join(problems[:5]))
    return county


_COUNTY_KEYS = ("code", "name", "short_name", "centre_name")


def write_county(county: Registry, folder: Path) -> Registry:
    """Write the county's registry into `folder` (county.toml: the template's, its [county]
    values replaced) and read it back."""
    write_registry(county, folder)
    text = (county.folder / "county.toml").read_text(encoding="utf-8")
    for key in _COUNTY_KEYS:
        value = county.settings["county"][key]
        text, n = re.subn(
            rf'^{key}\s*=\s*".*"$', f'{key} = "{value}"', text, count=1, flags=re.MULTILINE
        )
        if n != 1:
            raise ValueError(f"county.toml of the template has no {key} line")
    (folder / "county.toml").write_text(text, encoding="utf-8")
    return load_registry(folder)


def write_counties(
    template: Registry, n: int, out: Path, seed: int = 7, clean: bool = True
) -> list[Registry]:
    """n counties' registries, each into out/<county code>/registry/."""
    out = Path(out)
    written = []
    for index in range(n):
        county = make_county(template, index, seed)
        folder = out / county.county_code / "registry"
        if clean and folder.exists():
            shutil.rmtree(folder)
        written.append(write_county(county, folder))
    return written
