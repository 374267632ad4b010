"""A county's package for a month: what it holds, and every kind of bad package refused."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core import store as db_store
from rollup import package

MONTH = date(2026, 10, 1)


@pytest.fixture(scope="module")
def made(ranked_store, tmp_path_factory) -> Path:
    return package.make(ranked_store, MONTH, tmp_path_factory.mktemp("packages"))


def _copy(made: Path, tmp_path: Path) -> Path:
    target = tmp_path / made.name
    shutil.copytree(made, target)
    return target


def _rows(path: Path) -> int:
    return duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]


def test_a_package_holds_the_month_of_every_table_and_verifies(made, ranked_store):
    checked = package.verify(made, "620623", MONTH)
    assert checked.ok, checked.problems
    assert made.name == "620623_2026-10"
    m = checked.manifest
    assert m["county_code"] == "620623" and m["month"] == "2026-10"
    with db_store.reading(ranked_store) as con:
        for name, table in package.TABLES.items():
            sql, params = package._select(table, name, MONTH)
            expected = con.sql(f"select count(*) from ({sql})", params=params).fetchall()[0][0]
            assert m["tables"][name]["rows"] == expected == _rows(made / m["tables"][name]["file"])
        activities = con.sql(
            "select count(*) from fct_activity where month = $m", params={"m": MONTH}
        ).fetchall()[0][0]
        run = con.sql("select methodology_id from index_run where is_current and month = $m",
                      params={"m": MONTH}).fetchall()[0][0]  # fmt: skip
    assert activities and m["tables"]["fct_activity"]["rows"] == activities
    assert m["methodology_id"] == run
    # only the month: every table with a month column holds that month alone
    for name, table in package.TABLES.items():
        if table.month:
            found = duckdb.sql(
                f"select distinct {table.month} from read_parquet('{made}/tables/{name}.parquet')"
            ).fetchall()
            assert found in ([], [(MONTH,)]), name


def test_no_clear_personal_data_leaves_the_county(made):
    sent = {
        c
        for f in (made / "tables").glob("*.parquet")
        for (c, *_) in duckdb.sql(f"describe select * from read_parquet('{f}')").fetchall()
    }
    assert not sent & {"head_name", "head_name_masked", "name_masked", "id_number", "phone",
                       "phone_hash", "request", "row_values", "entered_by", "author"}  # fmt: skip
    # names are of units (ref_unit, mart_unit_month) only; people are keyed hashes
    assert "id_number_hash" in package.TABLES["fct_points_entry"].columns
    hashes = duckdb.sql(
        f"select id_number_hash from read_parquet('{made}/tables/fct_points_entry.parquet') "
        "where id_number_hash is not null limit 50"
    ).fetchall()
    assert hashes and all(len(h) == 32 and int(h, 16) >= 0 for (h,) in hashes)


def test_a_tampered_file_is_refused_with_its_name(made, tmp_path):
    bad = _copy(made, tmp_path)
    path = bad / "tables" / "fct_activity.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    checked = package.verify(bad)
    assert not checked.ok
    assert checked.problems == [
        "620623_2026-10/tables/fct_activity.parquet：SHA-256 与清单不符（文件被改动）"
    ]


def test_a_mislabelled_package_is_refused(made, tmp_path):
    bad = _copy(made, tmp_path)
    assert any("县代码为 620623，应为 990101" in p for p in package.verify(bad, "990101").problems)
    assert any("月份为 2026-10，应为 2026-09" in p
               for p in package.verify(bad, month=date(2026, 9, 1)).problems)  # fmt: skip
    renamed = bad.rename(tmp_path / "990101_2026-10")
    assert any("文件夹名应为 620623_2026-10" in p for p in package.verify(renamed).problems)
    manifest = json.loads((renamed / package.MANIFEST).read_text(encoding="utf-8"))
    manifest["month"] = "2026-13"
    (renamed / package.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert any("月份 '2026-13' 无效" in p for p in package.verify(renamed).problems)


def test_a_package_of_another_schema_is_refused(made, tmp_path):
    bad = _copy(made, tmp_path)
    manifest = json.loads((bad / package.MANIFEST).read_text(encoding="utf-8"))
    (bad / package.MANIFEST).write_text(json.dumps({**manifest, "schema_version": 1}),
                                        encoding="utf-8")  # fmt: skip
    assert package.verify(bad).problems == [
        "620623_2026-10/manifest.json：数据包格式版本为 1，本系统接收版本 2"
    ]
    # a table whose columns differ, its hash made to match: refused for its columns
    bad2 = _copy(made, tmp_path / "b")
    path = bad2 / "tables" / "mart_points_month.parquet"
    duckdb.sql(
        f"copy (select * exclude (liability_yuan) from read_parquet('{path}')) "
        f"to '{path}.new' (format parquet)"
    )
    Path(f"{path}.new").replace(path)
    manifest = json.loads((bad2 / package.MANIFEST).read_text(encoding="utf-8"))
    manifest["tables"]["mart_points_month"]["sha256"] = package.sha256(path)
    (bad2 / package.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    (problem,) = package.verify(bad2).problems
    assert problem.startswith("620623_2026-10/tables/mart_points_month.parquet：列为 ")
    assert "本系统要求" in problem and "liability_yuan" in problem


def test_missing_extra_and_unreadable_files_are_each_named(made, tmp_path):
    bad = _copy(made, tmp_path)
    (bad / "tables" / "fct_order.parquet").unlink()
    (bad / "tables" / "notes.txt").write_text("x", encoding="utf-8")
    problems = package.verify(bad).problems
    assert "620623_2026-10/tables/fct_order.parquet：文件缺失" in problems
    assert "620623_2026-10/tables/notes.txt：清单之外的文件" in problems
    (bad / package.MANIFEST).write_text("{not json", encoding="utf-8")
    (problem,) = package.verify(bad).problems
    assert problem.startswith("620623_2026-10/manifest.json：无法读取")
    (bad / package.MANIFEST).unlink()
    assert package.verify(bad).problems == ["620623_2026-10：缺少 manifest.json"]


def test_a_month_not_ranked_cannot_be_packaged(ranked_store, tmp_path):
    with pytest.raises(package.PackageError, match="还没有计算考评指数"):
        package.make(ranked_store, date(2030, 1, 1), tmp_path)
    assert not list(tmp_path.iterdir())


def test_civic_package_writes_checks_and_zips_the_package(ranked_store, tmp_path):
    from click.testing import CliRunner

    from civic.cli import main

    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["package", "--month", "2026-10", "--db", str(ranked_store),
                                       "--out", str(out), "--zip"])  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = out / "620623_2026-10"
    assert package.verify(folder).ok and (out / "620623_2026-10.zip").is_file()
    assert f"数据包：{folder}（{len(package.TABLES)} 张表" in result.output
    refused = CliRunner().invoke(main, ["package", "--month", "2030-01", "--db",
                                        str(ranked_store), "--out", str(out)])  # fmt: skip
    assert refused.exit_code == 1 and "还没有计算考评指数" in refused.output


def test_a_manifest_names_only_its_own_files_and_a_county_code(made, tmp_path):
    """The store copies what was checked: a manifest pointing a table at another file
    (another county's, or outside the package) is refused, as is a code that is not one."""
    bad = _copy(made, tmp_path)
    manifest = json.loads((bad / package.MANIFEST).read_text(encoding="utf-8"))
    manifest["tables"]["mart_unit_month"]["file"] = (
        "../330103_2026-10/tables/mart_unit_month.parquet"
    )
    (bad / package.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert package.verify(bad).problems == [
        "620623_2026-10/manifest.json：mart_unit_month 的文件应为 tables/mart_unit_month.parquet"
    ]
    odd = _copy(made, tmp_path / "odd")
    manifest = json.loads((odd / package.MANIFEST).read_text(encoding="utf-8"))
    manifest["county_code"] = "62'623"
    del manifest["made_at"]
    (odd / package.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    problems = package.verify(odd).problems
    assert '620623_2026-10/manifest.json：县代码应为 6 位数字，而不是 "62\'623"' in problems
    assert "620623_2026-10/manifest.json：缺少 made_at" in problems
