"""The roll-up store: counties' packages in, totals equal to the counties' own, a bad
package refused whole, a corrected one replacing the earlier, readers never half-way."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from core import store as db_store
from rollup import package
from rollup import store as rollup

MONTH = date(2026, 10, 1)


def _county_totals(store: Path) -> tuple:
    with db_store.reading(store) as con:
        return con.sql(
            "select (select count(*) from fct_activity where month = $m), "
            "(select sum(points_issued) from mart_points_month where month = $m), "
            "(select count(*) from index_score s join index_run r using (run_id) "
            " where r.is_current and r.month = $m)",
            params={"m": MONTH},
        ).fetchall()[0]


def _rollup_totals(store: Path) -> dict[str, tuple]:
    with rollup.reading(store) as con:
        rows = con.sql(
            "select a.county, a.n, p.points, s.n from "
            "(select county, count(*) n from fct_activity group by 1) a "
            "join (select county, sum(points_issued) points from mart_points_month group by 1) p "
            "using (county) join (select county, count(*) n from index_score group by 1) s "
            "using (county)"
        ).fetchall()
    return {c: (a, p, s) for c, a, p, s in rows}


def test_two_counties_roll_up_to_the_sums_of_their_own_stores(county_stores, packages, tmp_path):
    store = tmp_path / "city"
    for folder in packages.values():
        rollup.load(store, folder)
    totals = _rollup_totals(store)
    assert set(totals) == set(county_stores) and len(totals) == 2
    for code, county_store in county_stores.items():
        assert totals[code] == _county_totals(county_store)
    # the tables keep their own month (a date) beside the partition's period
    with rollup.reading(store) as con:
        assert con.sql("select distinct month, period from fct_activity").fetchall() == [
            (MONTH, "2026-10")
        ]
    # the registry snapshots side by side: two counties, their own codes
    with rollup.reading(store) as con:
        found = con.sql("select county, code, name from ref_unit where kind = 'county' "
                        "order by 1").fetchall()  # fmt: skip
    assert [c for c, *_ in found] == sorted(county_stores)
    assert all(c == code for c, code, _ in found)
    assert rollup.current(store)["version"] == 2


def test_a_bad_package_is_refused_whole_and_nothing_is_stored(packages, tmp_path):
    store = tmp_path / "city"
    first = next(iter(packages.values()))
    rollup.load(store, first)
    before = (store / rollup.CURRENT).read_bytes()
    files = sorted(p for p in store.rglob("*") if p.is_file())
    bad = tmp_path / "bad" / first.name
    shutil.copytree(first, bad)
    (bad / "tables" / "fct_order.parquet").write_bytes(b"PAR1 not a table")
    with pytest.raises(rollup.Refused) as refused:
        rollup.load(store, bad)
    assert refused.value.problems == [
        f"{first.name}/tables/fct_order.parquet：SHA-256 与清单不符（文件被改动）"
    ]
    assert (store / rollup.CURRENT).read_bytes() == before
    assert sorted(p for p in store.rglob("*") if p.is_file()) == files


def test_a_corrected_package_replaces_the_earlier_one(county_stores, packages, tmp_path):
    store = tmp_path / "city"
    code = "620623"
    rollup.load(store, packages[code])
    first_files = set(rollup.current(store)["packages"][f"{code}_2026-10"]["files"].values())
    with rollup.reading(store) as early:  # a reader that opened before the correction
        corrected = package.make(county_stores[code], MONTH, tmp_path / "again",
                                 made_at=datetime(2026, 11, 20, 9, 0))  # fmt: skip
        entry = rollup.load(store, corrected)
        assert early.sql("select count(*) from fct_activity").fetchall()[0][0] > 0
    assert entry["made_at"] == "2026-11-20T09:00:00" and entry["replaces"]
    manifest = rollup.current(store)
    assert list(manifest["packages"]) == [f"{code}_2026-10"]  # replaced, not added
    assert set(entry["files"].values()).isdisjoint(first_files)
    assert _rollup_totals(store)[code] == _county_totals(county_stores[code])  # counted once
    # the package before the replaced one goes at the next load of that county and month
    rollup.load(store, corrected)
    on_disk = {p.relative_to(store).as_posix() for p in (store / "tables").rglob("*.parquet")}
    assert first_files.isdisjoint(on_disk)


def test_what_a_killed_load_left_is_never_read_and_goes_at_the_next_load(packages, tmp_path):
    store = tmp_path / "city"
    code, folder = next(iter(packages.items()))
    rollup.load(store, folder)
    stray = store / "tables" / "fct_activity" / f"county={code}" / "period=2026-10" / "v9.parquet"
    shutil.copyfile(folder / "tables" / "fct_activity.parquet", stray)  # a load killed mid-copy
    assert (
        _rollup_totals(store)[code][0]
        == json.loads((folder / package.MANIFEST).read_text(encoding="utf-8"))["tables"][
            "fct_activity"
        ]["rows"]
    )
    rollup.load(store, folder)
    assert not stray.exists()


def test_civic_rollup_ingest_takes_folders_and_zips_and_names_what_it_refuses(packages, tmp_path):
    import zipfile

    from click.testing import CliRunner

    from civic.cli import main

    first, second = packages.values()
    sent = package.zip_package(shutil.copytree(second, tmp_path / "sent" / second.name))
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../outside.txt", "x")
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("not an archive", encoding="utf-8")
    store = tmp_path / "city"
    result = CliRunner().invoke(
        main, ["rollup", "ingest", str(first), str(sent), str(evil), str(not_zip),
               "--store", str(store)],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.output.count("已接收") == 2
    assert f"拒收  {evil}：压缩包应只含一个数据包文件夹" in result.output
    assert f"拒收  {not_zip}：不是有效的 .zip 文件" in result.output
    assert "（2 个数据包）" in result.output
    assert not (tmp_path / "outside.txt").exists()
    assert len(rollup.current(store)["packages"]) == 2
