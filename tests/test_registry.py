"""The county registry: integrity of the shipped Tianzhu data and located errors for bad data."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from core.contract import PLATFORMS
from core.registry import RegistryError, load_registry


def test_counts_match_the_county(registry):
    c = registry.counts()
    assert (c["county"], c["subcentre"], c["institute"], c["station"]) == (1, 5, 20, 198)
    assert c["county_team"] == 9
    assert c["town_team"] + c["village_team"] == 323
    assert c["brand_project"] == 25


def test_codes_unique_and_parents_exist(registry):
    codes = registry.units["code"].to_list() + registry.teams["code"].to_list()
    assert len(codes) == len(set(codes))
    known = set(registry.units["code"])
    parents = registry.units["parent_code"].drop_nulls().to_list()
    assert parents and set(parents) <= known
    assert set(registry.teams["parent_code"]) <= known


def test_code_lengths_follow_statistical_codes(registry):
    lengths = {
        k: set(registry.of_kind(k)["code"].str.len_chars()) for k in ("institute", "station")
    }
    assert lengths == {"institute": {9}, "station": {12}}
    st = registry.of_kind("station")
    assert all(c.startswith(p) for c, p in zip(st["code"], st["parent_code"], strict=True))


def test_population_sums_up_the_tree(registry):
    county = registry.of_kind("county").row(0, named=True)
    assert 160_000 <= county["population"] <= 180_000
    assert registry.of_kind("station")["population"].sum() == county["population"]
    assert registry.of_kind("station")["households"].sum() == county["households"]
    for inst in registry.of_kind("institute").iter_rows(named=True):
        kids = registry.units.filter(pl.col("parent_code") == inst["code"])
        assert kids["population"].sum() == inst["population"]


def test_real_tianzhu_towns_and_brands(registry):
    towns = set(registry.of_kind("institute")["name"].str.replace("新时代文明实践所", ""))
    assert {"华藏寺镇", "打柴沟镇", "安远镇", "天堂镇", "抓喜秀龙镇", "毛藏乡"} <= towns
    assert registry.units.filter(pl.col("name").str.starts_with("安家河村")).height == 1
    brands = set(registry.brands["name"])
    assert {"马背宣讲", "长寿食堂", "您的银发·我的牵挂", "插上天使的翅膀", "假日小课堂"} <= brands


def test_one_county_team_per_platform_with_lead_department(registry):
    teams = registry.county_teams()
    assert sorted(teams["platform"]) == sorted(PLATFORMS)
    assert teams["lead_department"].null_count() == 0


@pytest.mark.parametrize(
    ("item", "lo", "hi"),
    [
        ("清理垃圾", 1, 10),
        ("考入大学", 50, 100),
        ("获县级以上表彰", 100, 2000),
        ("红星户", 3, 3),
        ("黄星户", -2, -2),
    ],
)
def test_points_catalogue_ranges(registry, item, lo, hi):
    row = registry.catalogue.filter(pl.col("item") == item).row(0, named=True)
    assert (row["min_points"], row["max_points"]) == (lo, hi)


def test_points_catalogue_shape(registry):
    cat = registry.catalogue
    assert 55 <= cat.height <= 65
    assert cat["group"].n_unique() == 5
    assert set(cat["category"]) == {"基础分", "评议分", "贡献分", "扣分"}
    assert cat.filter(pl.col("season_months").is_not_null()).height >= 1


def test_twelve_monthly_themes(registry):
    assert sorted(registry.themes["month"]) == list(range(1, 13))


def _copy(tmp_path: Path, registry) -> Path:
    dst = tmp_path / "reg"
    shutil.copytree(registry.folder, dst)
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "units.csv",
            "620623-PQ2,打柴沟片区分中心",
            "620623-PQ1,打柴沟片区分中心",
            "620623-PQ1 already used at units.csv row 3",
        ),
        (
            "units.csv",
            "620623101201,打柴沟村新时代文明实践站,station,620623101",
            "620623101201,打柴沟村新时代文明实践站,station,620623177",
            "parent '620623177' does not exist",
        ),
        (
            "units.csv",
            "620623101201,打柴沟村新时代文明实践站,station,620623101",
            "620623101201,打柴沟村新时代文明实践站,station,620623-PQ2",
            "a station's parent must be a institute",
        ),
        ("units.csv", ",station,620623101,", ",village,620623101,", "'village' is not one of"),
        (
            "teams.csv",
            "理论政策宣讲,县委宣传部",
            "理论宣讲,县委宣传部",
            "'理论宣讲' is not a service platform",
        ),
        ("themes.csv", "1,新春送福", "2,新春送福", "one theme for each month"),
        ("points_catalogue.csv", "清理垃圾,1,10", "清理垃圾,10,1", "need min ≤ max"),
        ("points_catalogue.csv", "黄星户,-2,-2", "黄星户,2,2", "扣分 items have negative points"),
        ("county.toml", 'datum = "WGS-84"', 'datum = "BD-09"', "datum: must be one of"),
    ],
)
def test_bad_registry_is_rejected_with_location(tmp_path, registry, file, old, new, message):
    folder = _copy(tmp_path, registry)
    _edit(folder / file, old, new)
    with pytest.raises(RegistryError) as err:
        load_registry(folder)
    assert any(message in p for p in err.value.problems), err.value.problems


def test_population_mismatch_is_located(tmp_path, registry):
    folder = _copy(tmp_path, registry)
    st = registry.of_kind("station").row(0, named=True)
    _edit(
        folder / "units.csv",
        f"{st['code']},{st['name']},station,{st['parent_code']},{st['population']},",
        f"{st['code']},{st['name']},station,{st['parent_code']},{st['population'] + 7},",
    )
    with pytest.raises(RegistryError) as err:
        load_registry(folder)
    assert any(st["parent_code"] in p and "children sum to" in p for p in err.value.problems)


def test_non_number_is_located(tmp_path, registry):
    folder = _copy(tmp_path, registry)
    st = registry.of_kind("station").row(0, named=True)
    _edit(
        folder / "units.csv",
        f",{st['population']},{st['households']},",
        f",many,{st['households']},",
    )
    with pytest.raises(RegistryError) as err:
        load_registry(folder)
    assert any("column population: 'many' is not a number" in p for p in err.value.problems)


def test_missing_file_is_reported(tmp_path, registry):
    folder = _copy(tmp_path, registry)
    (folder / "teams.csv").unlink()
    with pytest.raises(RegistryError, match="teams.csv: file is missing"):
        load_registry(folder)
