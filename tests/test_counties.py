"""Many counties for the roll-ups: each its own valid registry, no two alike."""

from __future__ import annotations

import csv

import polars as pl
import pytest
from click.testing import CliRunner

from civic.cli import main as cli
from core.registry import load_registry
from demo import counties
from rollup import registry


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("counties")
    return counties.write_counties(load_registry(), 12, out), out


def test_counties_have_their_own_codes_names_and_places(made):
    regs, _ = made
    codes = [r.county_code for r in regs]
    assert codes[:2] == ["990101", "990102"] and codes[10] == "990201"  # ten per city
    assert len(set(codes)) == 12 and len({r.county_name for r in regs}) == 12
    every_code = [c for r in regs for c in r.all_codes()]
    assert len(every_code) == len(set(every_code)), "a code is used by two counties"
    for r in regs:
        assert all(c.startswith(r.county_code) for c in r.all_codes())
        # the template's county appears nowhere: codes, names, settings
        assert "620623" not in "".join(r.all_codes())
        assert not any("天祝" in n for n in r.names().values())
    # each county on its own part of the map: bounding boxes apart
    boxes = [
        (r.units["longitude"].min(), r.units["longitude"].max(),
         r.units["latitude"].min(), r.units["latitude"].max())
        for r in regs
    ]  # fmt: skip
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[1] < b[0] or b[1] < a[0] or a[3] < b[2] or b[3] < a[2]


def test_counties_differ_in_size_and_their_totals_add_up(made):
    regs, _ = made
    sizes = {(r.counts()["institute"], r.counts()["station"]) for r in regs}
    assert len(sizes) >= 10
    for r in regs:
        county = r.units.filter(pl.col("kind") == "county")
        stations = r.units.filter(pl.col("kind") == "station")
        assert county["population"].item() == stations["population"].sum()


def test_a_county_is_the_same_for_the_same_seed_and_read_back_whole(made):
    regs, out = made
    again = counties.make_county(load_registry(), 3, seed=7)
    assert again.units.equals(regs[3].units) and again.teams.equals(regs[3].teams)
    other = counties.make_county(load_registry(), 3, seed=8)
    assert not other.units.equals(regs[3].units)
    read = load_registry(out / regs[3].county_code / "registry")  # validated on reading
    assert read.values.county_code == regs[3].county_code
    assert read.values.centre_name == f"{regs[3].county_name}新时代文明实践中心"


def test_generate_counties_writes_registries_exports_and_a_list(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["generate", "--counties", "2", "--months", "2026-10..2026-10", "--out",
         str(tmp_path), "--workers", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with (tmp_path / "counties.csv").open(encoding="utf-8") as f:
        listed = list(csv.DictReader(f))
    assert [r["code"] for r in listed] == ["990101", "990102"]
    # one city, named alike on both rows: the list registers as it is above them
    assert {r["city_name"] for r in listed} == {counties.city_name("990101")}
    assert counties.city_name("990101").endswith("市")
    region = registry.region_of(registry.read_csv(tmp_path / "counties.csv"))
    assert region.level == "city" and region.codes == {"990101", "990102"}
    for r in listed:
        reg = load_registry(tmp_path / r["code"] / "registry")
        assert int(r["stations"]) == reg.counts()["station"]
        files = list((tmp_path / r["code"] / "inbox" / "2026-10").iterdir())
        assert int(r["files"]) > 0 and files
        # the exports name the county's own units
        assert all(reg.county_code in f.name for f in files if f.name[:1].isdigit())
    bad = CliRunner().invoke(cli, ["generate", "--counties", "2", "--scale", "2",
                                   "--out", str(tmp_path / "x")])  # fmt: skip
    assert bad.exit_code != 0 and "cannot be combined" in bad.output
