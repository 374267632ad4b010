"""The roll-up above the counties: its registry of counties, the ranking of counties from
their packages, and its edition; on real packages of two counties with their own
registries, a real store, real files and Chromium."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from civic.cli import main
from core import store as db_store
from rollup import edition, package, rank, registry
from rollup import store as rollup

SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)
DEMO, SECOND, SILENT = "620623", "990101", "990102"  # SILENT is registered, sends nothing


def _csv(path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(["code,name,city_code,city_name", *rows]) + "\n", encoding=encoding)
    return path


def _register(store: Path, tmp_path: Path) -> registry.Region:
    counties = registry.read_csv(
        _csv(tmp_path / "counties.csv", [
            f"{DEMO},天祝藏族自治县,6206,武威市",
            f"{SECOND},寨月县,9901,云泉市",
            f"{SILENT},坪康县,9901,云泉市",
        ])
    )  # fmt: skip
    region = registry.region_of(counties, "示例省")
    registry.write(store, region)
    return region


def _run(*args: str):
    return CliRunner().invoke(main, [*args])


# --- the registry of counties ---------------------------------------------------------


def test_the_list_of_counties_names_every_problem_with_its_row_and_column(tmp_path):
    bad = _csv(tmp_path / "counties.csv", [
        "62062,短码县,6206,武威市",          # row 2: five digits
        "620623,天祝县,6206,武威市",
        "620623,重复县,6206,武威市",         # row 4: the code again
        "620624,,6206,武威市",               # row 5: no name
        "620625,古浪县,6207,武威市",         # row 6: not under its city
        "620626,民勤县,6206,金昌市",         # row 7: city 6206 named otherwise
        "",                                  # a blank line is no county
    ])  # fmt: skip
    with pytest.raises(registry.RegistryError) as e:
        registry.read_csv(bad)
    assert e.value.problems == [
        "counties.csv 第 2 行 code 列：县代码应为 6 位数字，而不是 '62062'",
        "counties.csv 第 4 行 code 列：县代码 620623 与第 3 行重复",
        "counties.csv 第 5 行 name 列：不能为空",
        "counties.csv 第 6 行 city_code 列：县代码 620625 不在市 6207 之下",
        "counties.csv 第 7 行 city_name 列：市 6206 在第 3 行名为“武威市”，此处为“金昌市”",
    ]
    no_column = tmp_path / "no_column.csv"
    no_column.write_text("code,name\n620623,天祝县\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError, match="第 1 行：缺少列 city_code、city_name"):
        registry.read_csv(no_column)
    # a list saved by Excel in GBK reads; one city is a city, named after it
    gbk = _csv(tmp_path / "gbk.csv", ["620623,天祝藏族自治县,6206,武威市"], encoding="gbk")
    region = registry.region_of(registry.read_csv(gbk))
    assert (region.name, region.level) == ("武威市", "city")
    # counties of several cities are a province, which must be named
    two = registry.read_csv(_csv(tmp_path / "two.csv", ["620623,天祝县,6206,武威市",
                                                        "990101,寨月县,9901,云泉市"]))  # fmt: skip
    with pytest.raises(registry.RegistryError, match="--name"):
        registry.region_of(two)


def test_civic_rollup_counties_stores_nothing_while_the_list_has_a_problem(tmp_path):
    store = tmp_path / "province"
    bad = _csv(tmp_path / "bad.csv", ["620623,天祝县,6206,武威市", "620623,又一县,6206,武威市"])
    result = _run("rollup", "counties", str(bad), "--store", str(store))
    assert result.exit_code == 1
    assert "错误  bad.csv 第 3 行 code 列：县代码 620623 与第 2 行重复" in result.output
    assert registry.load(store) is None
    good = _csv(tmp_path / "good.csv", ["620623,天祝县,6206,武威市", "990101,寨月县,9901,云泉市"])
    result = _run("rollup", "counties", str(good), "--name", "示例省", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "已登记 示例省：省（2 个市），2 个县（区）" in result.output
    assert registry.load(store).codes == {"620623", "990101"}


def test_a_store_with_a_registry_refuses_packages_of_other_counties(packages, tmp_path):
    store = tmp_path / "city"
    registry.write(store, registry.region_of(registry.read_csv(
        _csv(tmp_path / "one.csv", [f"{DEMO},天祝藏族自治县,6206,武威市"]))))  # fmt: skip
    with pytest.raises(rollup.Refused) as refused:
        rollup.load(store, packages[SECOND])
    assert refused.value.problems == [
        f"县代码 {SECOND} 不在武威市的县名单中（civic rollup counties）"
    ]
    assert rollup.current(store)["packages"] == {}
    rollup.load(store, packages[DEMO])
    assert list(rollup.current(store)["packages"]) == [f"{DEMO}_2026-10"]


# --- the ranking -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def province(month_packages, tmp_path_factory) -> Path:
    """Three registered counties; two sent September and October, one nothing. Ranked for
    October. Do not write to it: copy it."""
    store = tmp_path_factory.mktemp("province") / "store"
    _register(store, store.parent)
    for folder in month_packages.values():
        rollup.load(store, folder)
    rank.store_ranking(store, rank.compute(store, OCT, draws=200))
    return store


def _county_figures(county_store: Path, month: date) -> dict:
    """What the county's own store says of the month, computed here from its facts."""
    with db_store.reading(county_store) as con:
        return (
            con.sql(
                """
            select (select count(*) from fct_activity where month = $m) as activities,
                   (select sum(volunteer_hours) from fct_activity where month = $m) as hours,
                   (select population from ref_unit where kind = 'county') as population,
                   (select households from ref_unit where kind = 'county') as households,
                   (select sum(points_issued) from mart_points_month where month = $m) as issued,
                   (select sum(households_earning) from mart_points_month where month = $m)
                       as earning,
                   (select count(*) from mart_submission where month = $m and is_expected)
                       as owed,
                   (select count(*) from mart_submission
                     where month = $m and is_expected and status = 'on_time') as on_time
            """,
                params={"m": month},
            )
            .pl()
            .row(0, named=True)
        )


def test_the_counties_month_is_each_countys_own_figures(province, county_stores):
    with rollup.reading(province) as con:
        rows = rank.county_month(con)
    october = {r["unit_code"]: r for r in rows.filter(pl.col("month") == OCT).iter_rows(named=True)}
    assert set(october) == {DEMO, SECOND, SILENT}
    for code in (DEMO, SECOND):
        own = _county_figures(county_stores[code], OCT)
        got = october[code]
        assert got["is_submitted"] and got["own_sheets_missing"] == 0
        assert (got["activities"], got["population"], got["households"]) == (
            own["activities"], own["population"], own["households"])  # fmt: skip
        assert got["volunteer_hours"] == pytest.approx(own["hours"])
        assert (got["points_issued"], got["households_earning"]) == (own["issued"], own["earning"])
        assert (got["sheets_owed"], got["sheets_on_time"]) == (own["owed"], own["on_time"])
        assert got["sheets_on_time"] > 0  # received on the files' own dates, mostly on time
    silent = october[SILENT]
    assert not silent["is_submitted"] and silent["own_sheets_missing"] == 1
    assert silent["activities"] is None and silent["population"] is None  # no figures, not 0
    assert silent["city_name"] == "云泉市" and silent["parent_code"] == "9901"


def test_counties_are_ranked_by_the_county_engine_with_their_own_methodology(
    province, county_stores
):
    stored = rank.read(province, OCT)
    assert stored.is_current and stored.methodology.id == "rollup-2026.1"
    scores = stored.frames["score"].sort("rank")
    assert scores["unit_code"].to_list()[-1] == SILENT  # 未报送: last, 较差, no score
    last = scores.row(-1, named=True)
    assert (last["is_submitted"], last["score"], last["tier"], last["rank"]) == (
        False, None, "较差", 3)  # fmt: skip
    ranked = scores.filter(pl.col("is_submitted"))
    assert ranked["rank"].to_list() == [1, 2] and ranked["score"].is_not_null().all()
    assert (ranked["rank_p05"] <= ranked["rank"]).all() and (
        ranked["rank"] <= ranked["rank_p95"]
    ).all()
    # every indicator is size-normalised and traceable: activities per 1,000 residents
    lines = stored.frames["indicator"]
    for code in (DEMO, SECOND):
        own = _county_figures(county_stores[code], OCT)
        per_1k = lines.filter((pl.col("unit_code") == code)
                              & (pl.col("indicator_key") == "activities_per_1k"))  # fmt: skip
        assert per_1k["raw_value"].item() == pytest.approx(
            own["activities"] / own["population"] * 1000
        )
        on_time = lines.filter((pl.col("unit_code") == code)
                               & (pl.col("indicator_key") == "sheets_on_time_pct"))  # fmt: skip
        assert on_time["raw_value"].item() == pytest.approx(own["on_time"] / own["owed"] * 100)
    # the score is the weighted sum of the contributions, rounded half up to one decimal
    for r in ranked.iter_rows(named=True):
        parts = lines.filter(pl.col("unit_code") == r["unit_code"])["contribution"].sum()
        assert r["score"] == pytest.approx(round(parts + 1e-9, 1), abs=0.051)
    # a county's history is there: October's change against September
    assert ranked["prev_score"].is_not_null().all()


def test_october_is_ranked_the_same_without_later_months_or_with_them(
    month_packages, province, tmp_path
):
    """No look-ahead: September ranked with October's packages present equals September
    ranked from September's alone."""
    alone = tmp_path / "alone"
    _register(alone, tmp_path)
    for (_, month), folder in month_packages.items():
        if month == SEP:
            rollup.load(alone, folder)
    with_later = rank.compute(province, SEP, draws=100).scores
    without = rank.compute(alone, SEP, draws=100).scores
    columns = ["unit_code", "score", "rank", "rank_p05", "rank_p95", "tier"]
    assert (
        with_later.select(columns)
        .sort("unit_code")
        .equals(without.select(columns).sort("unit_code"))
    )


def test_ranking_needs_a_registry_and_packages_of_the_month(packages, tmp_path):
    store = tmp_path / "store"
    with pytest.raises(rank.NotRankable, match="还没有数据包"):
        rank.compute(store, OCT)
    rollup.load(store, packages[DEMO])
    with pytest.raises(rank.NotRankable, match="civic rollup counties"):
        rank.compute(store, OCT)
    _register(store, tmp_path)
    with pytest.raises(rank.NotRankable, match="没有2026年9月的数据包"):
        rank.compute(store, SEP)
    result = _run("rollup", "rank", "--month", "2026-09", "--store", str(store))
    assert result.exit_code == 1 and "没有2026年9月的数据包" in result.output


# --- the edition -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(province, tmp_path_factory) -> tuple[Path, Path, Path]:
    """(store, reports, v1) after publishing October through the command."""
    import shutil

    base = tmp_path_factory.mktemp("published")
    store = Path(shutil.copytree(province, base / "store"))
    reports = base / "reports"
    result = _run("rollup", "publish", "--month", "2026-10", "--approver", "王主任",
                  "--store", str(store), "--reports", str(reports))  # fmt: skip
    assert result.exit_code == 0, result.output
    return store, reports, reports / "2026-10" / "v1"


def test_the_edition_prints_the_ranking_totals_and_rules_and_its_files_are_sealed(published):
    store, reports, v1 = published
    stem = "2026-10_counties"
    assert sorted(p.name for p in v1.iterdir()) == [
        f"{stem}.html", f"{stem}.pdf", f"{stem}.xlsx", "manifest.json"]  # fmt: skip
    manifest = json.loads((v1 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["region"] == "示例省" and manifest["edition"] == 1
    assert manifest["methodology"]["id"] == "rollup-2026.1"
    from publish.manifest import sha256

    for f in manifest["files"]:
        assert sha256(v1 / f["path"]) == f["sha256"]
    html = (v1 / f"{stem}.html").read_text(encoding="utf-8")
    stored = rank.read(store, OCT)
    for r in stored.frames["score"].iter_rows(named=True):
        assert f'data-code="{r["unit_code"]}"' in html and r["unit_name"] in html
    assert "未报送" in html and "名次区间" in html and "数据存疑" in html
    for raw in ("None", "nan", "True", "False"):
        assert f">{raw}<" not in html
    # the totals row is the sum of the counties that sent packages
    county_month = stored.frames["county_month"]
    total = int(county_month.filter(pl.col("is_submitted"))["activities"].sum())
    assert f"{total:,}" in html
    # the PDF is a document of its own words (pdftotext), the workbook a table
    text = subprocess.run(["pdftotext", str(v1 / f"{stem}.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "示例省2026年10月县级考评" in text and "天祝藏族自治县" in text
    book = openpyxl.load_workbook(v1 / f"{stem}.xlsx")
    assert book.sheetnames == [
        "县级排名", "各县指标", "各县数据", "各县得分说明", "数据存疑", "考评办法"]  # fmt: skip
    ranking = book["县级排名"]
    assert [ranking.cell(row, 3).value for row in (2, 3, 4)][-1] == "坪康县"
    assert (ranking.cell(4, 5).value, ranking.cell(4, 7).value) == (None, "未报送")
    # recorded in the store
    recorded = rollup.current(store)["editions"]["2026-10"]
    assert [e["number"] for e in recorded] == [1]
    assert recorded[0]["manifest_sha256"] == sha256(v1 / "manifest.json")


def test_a_published_month_is_revised_only_with_a_reason_and_a_new_package_needs_a_new_ranking(
    published, county_stores, tmp_path
):
    store, reports, v1 = published
    args = ["rollup", "publish", "--month", "2026-10", "--approver", "王主任",
            "--store", str(store), "--reports", str(reports)]  # fmt: skip
    again = _run(*args)
    assert again.exit_code == 1 and "已发布第1版" in again.output
    no_reason = _run(*args, "--revise")
    assert no_reason.exit_code == 1 and "--reason" in no_reason.output
    # a corrected package arrives: the ranking is out of date until the month is ranked again
    corrected = package.make(county_stores[SECOND], OCT, tmp_path / "again",
                             made_at=datetime(2026, 11, 28, 9, 0))  # fmt: skip
    assert _run("rollup", "ingest", str(corrected), "--store", str(store)).exit_code == 0
    assert not rank.read(store, OCT).is_current
    stale = _run(*args, "--revise", "--reason", "寨月县更正了数据包")
    assert stale.exit_code == 1 and "请重新计算" in stale.output
    ranked = _run("rollup", "rank", "--month", "2026-10", "--draws", "100", "--store", str(store))
    assert ranked.exit_code == 0, ranked.output
    assert "坪康县" in ranked.output and "未报送" in ranked.output
    revised = _run(*args, "--revise", "--reason", "寨月县更正了数据包")
    assert revised.exit_code == 0, revised.output
    v2 = reports / "2026-10" / "v2"
    html = (v2 / "2026-10_counties.html").read_text(encoding="utf-8")
    assert "修订说明：</strong>寨月县更正了数据包" in html
    assert [e["number"] for e in rollup.current(store)["editions"]["2026-10"]] == [1, 2]
    assert (v1 / "manifest.json").exists()  # the first edition stays as published


def test_edition_model_marks_places_within_the_margin(province):
    """A county whose order with its neighbour is within the margin is marked ◇ and not
    named alone on a list; otherwise its place stands alone."""
    stored = rank.read(province, OCT)
    e = edition.build(stored, registry.load(province), 1, "王主任", datetime(2026, 11, 5, 9))
    scores = stored.frames["score"].sort("rank", "unit_code")
    for row, s in zip(e.rows, scores.iter_rows(named=True), strict=True):
        unsure = s["place_first"] is not None and s["place_first"] != s["place_last"]
        assert ("◇" in row.rank_text) == unsure
        if row.on_red_list and unsure:
            raise AssertionError("a county within the margin is named alone on the red list")
    assert e.not_submitted == ("坪康县",) and e.registered == 3 and e.submitted == 2
    assert "2 个报送了数据包" in e.lead and "坪康县未报送数据包" in e.lead


def test_civic_rollup_status_says_who_sent_what_and_whether_the_ranking_is_current(
    province, county_stores, tmp_path
):
    import shutil

    store = Path(shutil.copytree(province, tmp_path / "store"))
    result = _run("rollup", "status", "--store", str(store))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"示例省 · 汇总库 {store}"
    october = next(line for line in lines if line.startswith("2026-10"))
    assert "已接收 2/3，未报送：坪康县" in october and "排名 " in october
    assert "需重新计算" not in october and october.endswith("未发布")
    assert "未计算排名" in next(line for line in lines if line.startswith("2026-09"))
    # a correction arrives: the month says its ranking is out of date, and whose package
    corrected = package.make(county_stores[SECOND], OCT, tmp_path / "again",
                             made_at=datetime(2026, 11, 29, 8, 30))  # fmt: skip
    rollup.load(store, corrected)
    detail = _run("rollup", "status", "--month", "2026-10", "--store", str(store)).output
    assert "其后又接收了数据包，需重新计算" in detail
    assert f"  {SECOND} 寨月县 云泉市：数据包 2026-11-29 08:30 制作" in detail
    assert "（替换 " in detail and f"  {SILENT} 坪康县 云泉市：未报送" in detail
    missing = _run("rollup", "status", "--month", "2025-01", "--store", str(store))
    assert missing.exit_code == 1 and "没有 2025-01 的数据包" in missing.output


def test_a_new_list_of_counties_makes_the_ranking_out_of_date(province, tmp_path):
    import shutil

    store = Path(shutil.copytree(province, tmp_path / "store"))
    assert rank.read(store, OCT).is_current
    region = registry.load(store)
    added = registry.County("990103", "松双县", "9901", "云泉市")
    more = registry.Region(region.name, region.level, (*region.counties, added))
    registry.write(store, more)
    assert not rank.read(store, OCT).is_current
    with pytest.raises(edition.NotPublishable, match="请重新计算"):
        edition.publish(store, tmp_path / "reports", OCT, "王主任")
    rank.store_ranking(store, rank.compute(store, OCT, draws=50))
    assert rank.read(store, OCT).frames["score"].height == 4  # the new county: 未报送


def test_a_ranking_computed_before_a_new_package_is_not_stored(province, county_stores, tmp_path):
    import shutil

    store = Path(shutil.copytree(province, tmp_path / "store"))
    ranked = rank.compute(store, OCT, draws=50)  # a slow ranking, begun before …
    corrected = package.make(county_stores[DEMO], OCT, tmp_path / "again",
                             made_at=datetime(2026, 11, 29, 8, 0))  # fmt: skip
    rollup.load(store, corrected)  # … a correction arrived
    before = rollup.current(store)["rankings"]["2026-10"]
    with pytest.raises(rank.NotRankable, match="计算期间又接收了数据包"):
        rank.store_ranking(store, ranked)
    assert rollup.current(store)["rankings"]["2026-10"] == before
