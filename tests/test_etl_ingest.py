"""civic ingest on small real files: reading, every bad-input kind, idempotency, resubmission."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from core import store as db_store
from demo.files import zip_files
from etl.ingest import ingest
from etl.receipt import Receipt
from tests.exports import (
    STATION,
    STATION_B,
    activity,
    header,
    points_row,
    redemption_row,
    write_csv,
)

OCT = datetime(2026, 11, 3, 10, 0)


def query(store: Path, sql: str, params=None) -> list[tuple]:
    with db_store.reading(store) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture()
def store(tmp_path):
    return tmp_path / "db"


def run(store, *paths, registry=None, received=None):
    """Ingest; files written with write_csv(received=...) carry when the office received them."""
    return ingest(
        list(paths), store, registry, workers=1, received=received or Receipt.from_file_dates()
    )


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_every_field_encoding_reads_the_same(tmp_path, store, registry, encoding):
    rows = [header("activities")] + [activity(i, activity_name="春节送福·写春联") for i in (1, 2)]
    path = write_csv(tmp_path / f"{STATION}_安家河村_2026-10_活动台账.csv", rows, encoding, OCT)
    report = run(store, path, registry=registry)
    assert [o.status for o in report.outcomes] == ["loaded"]
    expected = {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "gbk": "gb18030"}
    assert query(store, "select encoding from source_file") == [(expected.get(encoding, encoding),)]
    assert query(store, "select distinct activity_name from fct_activity") == [("春节送福·写春联",)]


def test_undecodable_csv_is_rejected_with_its_reason_and_the_rest_loads(tmp_path, store, registry):
    bad = tmp_path / "in" / "乱码.csv"
    bad.parent.mkdir()
    bad.write_bytes("活动编号,活动日期\n".encode() + b"\xff\xfe\xfa\x80\x81\n")
    good = write_csv(tmp_path / "in" / "ok.csv", [header("activities"), activity(1)], received=OCT)
    report = run(store, tmp_path / "in", registry=registry)
    by_name = {Path(o.display).name: o for o in report.outcomes}
    assert by_name["乱码.csv"].status == "unreadable"
    assert "无法识别文件编码" in by_name["乱码.csv"].message
    assert by_name[good.name].status == "loaded"
    assert query(store, "select count(*) from fct_activity") == [(1,)]


def test_xlsx_from_another_program_with_title_total_and_notes(tmp_path, store, registry):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"  # not named: recognised by its header
    ws.append(["天祝县安家河村2026年10月活动台账"])
    heads = header("activities")
    heads[9] = "志愿服务时长（小时）"  # full-width brackets
    heads[7] = "参加人数"  # a synonym
    ws.append(heads)
    ws.append([])
    for i in (1, 2, 3):
        row = activity(i, participants=1234 if i == 3 else 30)
        row[1] = datetime(2026, 10, i)  # a real date cell
        ws.append(row)
    ws.append(["合计", None, None, None, None, None, None, 1294])
    ws.append(["填报说明：本表由村文明实践站填报。"])
    path = tmp_path / "安家河村2026年10月台账.xlsx"
    wb.save(path)
    report = run(store, path, registry=registry)
    (o,) = report.outcomes
    assert (o.status, o.rows_accepted, o.rows_quarantined) == ("loaded", 3, 0)
    (sheet,) = o.sheets
    assert (sheet.sheet_key, sheet.header_row, sheet.rows_total, sheet.rows_note) == (
        "activities",
        2,
        1,
        1,
    )
    assert (o.unit_code, o.month) == (STATION, "2026-10")
    assert query(store, "select sum(participants), min(activity_date) from fct_activity") == [
        (1294, datetime(2026, 10, 1).date())
    ]
    assert query(store, "select source_row from raw_activities order by 1") == [(4,), (5,), (6,)]


@pytest.mark.parametrize("fmt", ["xls", "xlsx"])
def test_files_saved_by_libreoffice(tmp_path, store, registry, fmt):
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice (Debian libreoffice-calc-nogui) is needed; .ci/run installs it")
    src = write_csv(
        tmp_path / f"{STATION}_安家河村_2026-10.csv",
        [["天祝县安家河村2026年10月活动台账"], header("activities")]
        + [activity(i, activity_date="2026年10月5日", participants="1,200") for i in (1, 2)],
    )
    out = tmp_path / "lo"
    filt = "xls:MS Excel 97" if fmt == "xls" else "xlsx:Calc MS Excel 2007 XML"
    subprocess.run(
        [
            soffice,
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            filt,
            "--outdir",
            str(out),
            str(src),
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    report = run(store, out, registry=registry)
    (o,) = report.outcomes
    assert (o.status, o.rows_accepted, o.rows_quarantined, o.message) == ("loaded", 2, 0, "")
    assert query(store, "select sum(participants) from fct_activity") == [(2400,)]


def test_unreadable_and_non_export_files_are_reported(tmp_path, store, registry):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (folder / "报送说明.txt").write_text("本月按时报送。", encoding="utf-8")
    write_csv(folder / "ok.csv", [header("activities"), activity(1)], received=OCT)
    report = run(store, folder, registry=registry)
    by_name = {Path(o.display).name: o for o in report.outcomes}
    assert by_name["坏文件.xlsx"].status == "unreadable"
    assert "已损坏" in by_name["坏文件.xlsx"].message
    assert by_name["报送说明.txt"].status == "skipped"
    assert "不是报送文件类型" in by_name["报送说明.txt"].message
    assert query(store, "select status, count(*) from source_file group by 1 order by 1") == [
        ("loaded", 1),
        ("skipped", 1),
        ("unreadable", 1),
    ]


def test_zip_with_gbk_entry_names(tmp_path, store, registry):
    inner = write_csv(tmp_path / "x.csv", [header("activities"), activity(1)])
    path = tmp_path / "华藏寺镇2026年10月台账.zip"
    # GBK names and no UTF-8 flag, as Chinese Windows zip tools write them
    data = zip_files([("安家河村2026年10月台账_活动台账.csv", inner.read_bytes())], OCT, True)
    path.write_bytes(data)
    with zipfile.ZipFile(path) as z:
        assert not z.infolist()[0].flag_bits & 0x800
    report = run(store, path, registry=registry)
    (o,) = report.outcomes
    assert o.display.endswith("!安家河村2026年10月台账_活动台账.csv")
    assert (o.status, o.rows_accepted, o.unit_code, o.month) == ("loaded", 1, STATION, "2026-10")


def test_a_sheet_without_a_required_column_is_quarantined_whole(tmp_path, store, registry):
    heads = [h for h in header("activities") if h != "服务平台"]
    rows = [heads] + [[c for j, c in enumerate(activity(i)) if j != 4] for i in (1, 2)]
    run(store, write_csv(tmp_path / "a.csv", rows, received=OCT), registry=registry)
    assert query(
        store, "select reason_code, reason, count(*) from mart_quarantine group by all"
    ) == [("missing_column", "表头缺少必填列：服务平台", 2)]
    assert query(store, "select count(*) from raw_activities") == [(0,)]


# --- every bad-input kind, with the reason staff read ----------------------------------------

BAD_ACTIVITIES = [
    (
        activity(10, unit_code="620623101999"),
        "unknown_unit_code",
        "unit_code",
        "「单位编码」620623101999 不在单位名册中",
    ),
    (activity(11, participants=-5), "negative_count", "participants", "「参与人数」不能为负数：-5"),
    (
        activity(12, activity_date="2026-02-30"),
        "bad_date",
        "activity_date",
        "「活动日期」「2026-02-30」不是有效日期",
    ),
    (
        activity(13, platform="其他平台"),
        "invalid_enum",
        "platform",
        "「服务平台」「其他平台」不是可选值（可选：理论政策宣讲、高质量发展、教育科技、卫生健康、"
        "法律援助、文体旅游、时代新风传播、生态环境保护、爱心公益奉献）",
    ),
    (activity(14, activity_name=""), "missing_required", "activity_name", "必填列「活动名称」为空"),
    (
        activity(15, volunteer_hours="三小时"),
        "bad_number",
        "volunteer_hours",
        "「志愿服务时长(小时)」「三小时」不是数字",
    ),
    (activity(1), "duplicate_row", "activity_id", "与第 2 行的「单位编码」「活动编号」重复"),
]


def test_every_bad_activity_row_is_quarantined_with_its_reason(tmp_path, store, registry):
    rows = [header("activities"), activity(1), activity(2)] + [b[0] for b in BAD_ACTIVITIES]
    run(
        store,
        write_csv(tmp_path / f"{STATION}_安家河村_2026-10_活动台账.csv", rows, received=OCT),
        registry=registry,
    )
    got = query(
        store,
        "select source_row, reason_code, column_key, reason from mart_quarantine order by 1",
    )
    expected = [(4 + i, code, col, text) for i, (_, code, col, text) in enumerate(BAD_ACTIVITIES)]
    assert got == expected
    assert query(store, "select count(*) from fct_activity") == [(2,)]


def test_bad_points_households_orders_and_matters(tmp_path, store, registry):
    from core.contract import SHEET_BY_KEY

    pts = [
        header("points"),
        points_row(1),
        points_row(2, category="扣分", points=5),
        points_row(3, category="奖励分"),
    ]
    write_csv(tmp_path / "in" / f"{STATION}_2026-10_积分台账.csv", pts, received=OCT)
    hh_cols = [c.key for c in SHEET_BY_KEY["households"].columns]
    hh = [
        header("households"),
        ["H0001", STATION, "张三", 3, "一组", 5, "是", "2026-10-01"],
        ["H0002", STATION, "李四", 4, "二组", 12, "否", "2026-10-01"],
    ]
    assert len(hh[1]) == len(hh_cols)
    write_csv(tmp_path / "in" / f"{STATION}_2026-10_户信息.csv", hh, received=OCT)
    orders = [
        header("orders"),
        [
            "DD2026100001",
            "2026-10-03 09:00",
            STATION,
            "卫生健康",
            "义诊",
            "2026-10-03 10:00",
            "620623-DW04",
            "2026-10-03 11:00",
            "2026-10-04 15:00",
            5,
            "已评价",
        ],
        [
            "DD2026100002",
            "2026-10-05 09:00",
            STATION,
            "卫生健康",
            "义诊",
            "2026-10-05 10:00",
            "620623-DW04",
            "2026-10-05 11:00",
            "2026-10-04 15:00",
            "",
            "已完成",
        ],
        [
            "DD2026100003",
            "2026-10-06 09:00",
            STATION,
            "卫生健康",
            "义诊",
            "",
            "",
            "",
            "",
            7,
            "待派单",
        ],
    ]
    write_csv(tmp_path / "in" / "620623_2026-10_点单记录.csv", orders, received=OCT)
    matters = [
        header("matters"),
        ["MS001", "2026-10-03", STATION, "邻里事", "网格员直办", "2026-10-02", "满意"],
        ["MS002", "2026-10-03", STATION, "邻里事", "其他", "", ""],
    ]
    write_csv(tmp_path / "in" / f"{STATION}_2026-10_民事直说台账.csv", matters, received=OCT)
    run(store, tmp_path / "in", registry=registry)
    got = query(
        store,
        "select sheet_key, source_row, reason_code, reason from mart_quarantine order by 1, 2",
    )
    assert got == [
        ("households", 3, "out_of_range", "「星级」超出范围（0–10）：12"),
        ("matters", 2, "date_order", "「办结日期」2026-10-02 早于「受理日期」2026-10-03"),
        (
            "matters",
            3,
            "invalid_enum",
            "「办理层级」「其他」不是可选值（可选：网格员直办、议事会领办、村镇联办、镇党委督办）",
        ),
        (
            "orders",
            3,
            "completed_before_ordered",
            "「完成时间」2026-10-04 15:00 早于「点单时间」2026-10-05 09:00",
        ),
        ("orders", 4, "out_of_range", "「评价星级」超出范围（1–5）：7"),
        ("points", 3, "wrong_sign", "「积分」5 与类别「扣分」不符：扣分应为负数，其他类别应为正数"),
        (
            "points",
            4,
            "invalid_enum",
            "「积分类别」「奖励分」不是可选值（可选：基础分、评议分、贡献分、扣分、清零）",
        ),
    ]


def test_overdrawn_redemption_is_quarantined_and_does_not_lower_the_balance(
    tmp_path, store, registry
):
    pts = [header("points"), points_row(1, points=10), points_row(2, points=5)]
    write_csv(tmp_path / "in" / f"{STATION}_2026-10_积分台账.csv", pts, received=OCT)
    red = [header("redemptions"), redemption_row(1, 100), redemption_row(2, 12)]
    write_csv(tmp_path / "in" / f"{STATION}_2026-10_兑换台账.csv", red, received=OCT)
    report = run(store, tmp_path / "in", registry=registry)
    assert report.rule_rejections == {"overdrawn_redemption": 1}
    assert query(store, "select source_row, reason_code, reason from mart_quarantine") == [
        (2, "overdrawn_redemption", "兑换积分 100 超过该户（H0001）当时的积分余额 15")
    ]
    assert query(
        store,
        "select points_issued, points_redeemed, balance_points, liability_yuan "
        "from mart_points_month",
    ) == [(15, 12, 3, 3.0)]


# --- rows beyond a plausibility limit (core.contract.ROW_LIMITS) -------------------------------

HOURS = "「志愿服务时长(小时)」"
COUNTY_TEAM = "620623-DW01"  # its area is the county: 169,717 residents
TOWN_TEAM = "620623101-DW01"  # its area is its town, 打柴沟镇: 15,717
VILLAGE_TEAM = "620623101204-DW01"  # its area is 安家河村: 1,386, as the station's

# (unit, row values, (column, reason) when the row is set aside, else None)
LIMIT_CASES = [
    (STATION, {"volunteers": 1, "volunteer_hours": 100000},
     ("volunteer_hours", f"{HOURS}100000 超过志愿者人数 1 × 每人每次上限 12 小时")),
    (STATION, {"volunteers": "", "volunteer_hours": 12.5},  # no volunteers: one person's hours
     ("volunteer_hours", f"{HOURS}12.5 超过志愿者人数 1 × 每人每次上限 12 小时")),
    (STATION, {"volunteers": 0, "volunteer_hours": 13},
     ("volunteer_hours", f"{HOURS}13 超过志愿者人数 1 × 每人每次上限 12 小时")),
    (STATION, {"volunteers": "", "volunteer_hours": 12}, None),
    (STATION, {"volunteers": 5, "volunteer_hours": 60}, None),  # exactly 12 hours each
    (STATION, {"volunteers": 5, "volunteer_hours": 60.5},
     ("volunteer_hours", f"{HOURS}60.5 超过志愿者人数 5 × 每人每次上限 12 小时")),
    (STATION, {"participants": 1387},
     ("participants", "「参与人数」1387 超过该单位辖区常住人口 1386")),
    (STATION, {"participants": 1386}, None),
    (STATION, {"participants": 30, "volunteers": 1387, "volunteer_hours": 100},
     ("volunteers", "「志愿者人数」1387 超过该单位辖区常住人口 1386")),
    (COUNTY_TEAM, {"participants": 5000}, None),
    (COUNTY_TEAM, {"participants": 169718},
     ("participants", "「参与人数」169718 超过该单位辖区常住人口 169717")),
    (TOWN_TEAM, {"participants": 15718},
     ("participants", "「参与人数」15718 超过该单位辖区常住人口 15717")),
    (VILLAGE_TEAM, {"participants": 1387},
     ("participants", "「参与人数」1387 超过该单位辖区常住人口 1386")),
]  # fmt: skip


def test_rows_beyond_a_plausibility_limit_are_quarantined_and_count_nowhere(
    tmp_path, store, registry
):
    from core.contract import ROW_LIMITS

    rows = [header("activities")] + [
        activity(i, unit, **values) for i, (unit, values, _) in enumerate(LIMIT_CASES, start=1)
    ]
    path = write_csv(tmp_path / f"{STATION}_安家河村_2026-10_活动台账.csv", rows, received=OCT)
    report = run(store, path, registry=registry)
    assert report.check_failures == []
    expected = [
        (2 + i, "implausible_value", col, header("activities", [col])[0], reason)
        for i, (_, _, out) in enumerate(LIMIT_CASES)
        if out
        for col, reason in [out]
    ]
    got = query(
        store,
        "select source_row, reason_code, column_key, column_header, reason "
        "from mart_quarantine order by 1",
    )
    assert got == expected
    kept = [i for i, (_, _, out) in enumerate(LIMIT_CASES, start=1) if out is None]
    assert query(store, "select activity_id from fct_activity order by 1") == [
        (f"HD202610-{i:03d}",) for i in kept
    ]
    # every limit the contract declares was applied, from the reference table
    assert {c for (c,) in query(store, "select limit_code from int_activity_screen")} - {None} == {
        r.code for r in ROW_LIMITS
    }
    assert query(store, "select count(*) from ref_row_limit") == [(len(ROW_LIMITS),)]
    station_rows = [values for unit, values, out in LIMIT_CASES if out is None and unit == STATION]
    assert query(
        store,
        "select activities, participants from mart_unit_month "
        "where unit_code = ? and month = date '2026-10-01'",
        [STATION],
    ) == [(len(station_rows), sum(v.get("participants", 30) for v in station_rows))]
    assert query(
        store, "select sum(activities) from mart_activity_month where unit_code = ?", [STATION]
    ) == [(len(station_rows),)]
    # the summary names the reason in Chinese
    from etl.summary import file_lines, total_lines

    text = "\n".join(file_lines(report, False) + total_lines(report))
    assert f"数值超出合理范围 {len(expected)}" in text
    assert "implausible_value" not in text


def test_a_row_beyond_several_limits_names_the_first_and_lists_them_all(tmp_path, store, registry):
    row = activity(1, participants=2000, volunteers=2000, volunteer_hours=100000)
    run(store, write_csv(tmp_path / "a.csv", [header("activities"), row], received=OCT),
        registry=registry)  # fmt: skip
    assert query(store, "select column_key, reason, problems from mart_quarantine") == [
        (
            "volunteer_hours",
            f"{HOURS}100000 超过志愿者人数 2000 × 每人每次上限 12 小时",
            f"{HOURS}100000 超过志愿者人数 2000 × 每人每次上限 12 小时；"
            "「参与人数」2000 超过该单位辖区常住人口 1386；"
            "「志愿者人数」2000 超过该单位辖区常住人口 1386",
        )
    ]


def test_no_population_limit_where_the_registry_has_no_population(tmp_path, store, registry):
    import dataclasses

    import polars as pl

    from demo.scale import roll_up

    units = registry.units.with_columns(
        population=pl.when(pl.col("code") == STATION_B).then(0).otherwise("population")
    )
    unknown = dataclasses.replace(registry, units=roll_up(units))
    rows = [header("activities"), activity(1, STATION_B, participants=5000)]
    run(store, write_csv(tmp_path / "a.csv", rows, received=OCT), registry=unknown)
    assert query(store, "select count(*) from mart_quarantine") == [(0,)]
    assert query(store, "select participants from fct_activity") == [(5000,)]


# --- near-duplicate rows: the same activity entered again under another 活动编号 ---------------


def test_forty_copies_under_new_ids_count_as_one_activity(tmp_path, store, registry):
    rows = [header("activities")] + [
        activity(i, activity_name="政策宣讲进农家") for i in range(1, 41)
    ]
    name = f"{STATION}_安家河村_2026-10_活动台账.csv"
    report = run(store, write_csv(tmp_path / name, rows, received=OCT), registry=registry)
    assert report.check_failures == []
    assert query(
        store,
        "select activities, participants, volunteer_hours from mart_unit_month "
        "where unit_code = ? and month = date '2026-10-01'",
        [STATION],
    ) == [(1, 30, 10.0)]
    assert query(store, "select activity_id, source_row from fct_activity") == [("HD202610-001", 2)]
    assert query(store, "select sum(activities) from mart_activity_month") == [(1,)]
    got = query(
        store,
        "select reason_code, column_header, reason, count(*), min(source_row), max(source_row) "
        "from mart_quarantine group by all",
    )
    assert got == [
        (
            "suspected_duplicate",
            "活动名称",
            f"与「{name}」第 2 行的日期、活动名称、人数和时长相同，疑似重复录入，只计一次",
            39,
            3,
            41,
        )
    ]
    from etl.summary import total_lines

    assert "疑似重复录入 39" in "\n".join(total_lines(report))


BASE = {"activity_name": "政策宣讲进农家（第２期）", "participants": 30}

# (first row, second row, whether the second counts as a repeat of the first)
NEAR_CASES = [
    ({}, {"activity_name": "政策宣讲进农家(第2期)"}, True),  # full-width brackets and digit
    ({"activity_name": "ＡＢＣ　读书会"}, {"activity_name": "abc读书会"}, True),  # letters, space
    ({"activity_name": "春节送福·写春联！"}, {"activity_name": " 春节送福、写春联 "}, True),
    ({"activity_name": "①号宣讲"}, {"activity_name": "1号宣讲"}, True),  # NFKC, not only width
    ({}, {"volunteers": 5, "volunteer_hours": 10}, True),  # the same numbers written again
    ({"volunteers": ""}, {"volunteers": 0}, True),  # a blank count is 0
    ({}, {"activity_date": "2026-10-06"}, False),
    ({}, {"activity_name": "政策宣讲进农家（第3期）"}, False),
    ({}, {"participants": 31}, False),
    ({}, {"volunteers": 6}, False),
    ({}, {"volunteer_hours": 10.5}, False),
    ({}, {"unit": STATION_B}, False),
]  # fmt: skip


@pytest.mark.parametrize(("first", "second", "repeat"), NEAR_CASES)
def test_near_duplicates_compare_normalised_names_and_exact_numbers(
    tmp_path, store, registry, first, second, repeat
):
    a, b = {**BASE, **first}, {**BASE, **first, **second}
    rows = [header("activities"), activity(1, a.pop("unit", STATION), **a),
            activity(2, b.pop("unit", STATION), **b)]  # fmt: skip
    run(store, write_csv(tmp_path / "a.csv", rows, received=OCT), registry=registry)
    counted = query(store, "select activity_id from fct_activity order by 1")
    assert counted == ([("HD202610-001",)] if repeat else [("HD202610-001",), ("HD202610-002",)])
    assert query(store, "select source_row, reason_code from mart_quarantine") == (
        [(3, "suspected_duplicate")] if repeat else []
    )


def test_the_first_received_keeps_a_repeated_row_across_files(tmp_path, store, registry):
    """Ordered like stg_row_key: received time, then file, then row; not by file name."""
    later = write_csv(
        tmp_path / "in" / f"{STATION}_2026-10_活动台账_a.csv",
        [header("activities"), activity(7, activity_name="义诊进村"), activity(8)],
        received=datetime(2026, 11, 4, 9, 0),
    )
    earlier = write_csv(
        tmp_path / "in" / f"{STATION}_2026-09_活动台账_b.csv",
        [header("activities"), activity(1, activity_date="2026-10-05", activity_name="义诊进村")],
        received=datetime(2026, 11, 2, 9, 0),
    )
    run(store, tmp_path / "in", registry=registry)
    assert query(store, "select activity_id from fct_activity order by 1") == [
        ("HD202610-001",),
        ("HD202610-008",),
    ]
    assert query(store, "select file_name, source_row, reason from mart_quarantine") == [
        (
            later.name,
            2,
            f"与「{earlier.name}」第 2 行的日期、活动名称、人数和时长相同，疑似重复录入，只计一次",
        )
    ]


def test_a_corrected_file_is_not_a_repeat_of_the_file_it_replaces(tmp_path, store, registry):
    original = write_csv(
        tmp_path / "a" / f"{STATION}_2026-10_活动台账.csv",
        [header("activities"), activity(1), activity(2)],
        received=datetime(2026, 11, 3, 9, 0),
    )
    corrected = write_csv(
        tmp_path / "b" / f"{STATION}_2026-10_活动台账（更正）.csv",
        [header("activities"), activity(11, activity_name=activity(1)[2]), activity(2)],
        received=datetime(2026, 11, 9, 9, 0),
    )
    run(store, original, corrected, registry=registry)
    assert query(store, "select count(*) from fct_activity") == [(2,)]
    assert query(store, "select count(*) from mart_quarantine") == [(0,)]


def test_every_reason_code_has_a_chinese_label():
    """Staff read reasons through etl.validate.REASONS; a code without one would show bare."""
    import re

    from etl.models import MODELS_DIR
    from etl.validate import REASONS

    sql = " ".join(p.read_text(encoding="utf-8") for p in MODELS_DIR.rglob("*.sql"))
    codes = set(re.findall(r"'([a-z_]+)' as reason_code", sql))
    for listed in re.findall(r"accepted: reason_code in \(([^)]*)\)", sql):
        codes |= set(re.findall(r"'([a-z_]+)'", listed))
    assert {"duplicate_across_files", "overdrawn_redemption", "implausible_value",
            "suspected_duplicate"} <= codes  # fmt: skip
    assert codes <= set(REASONS)
    assert all(REASONS[c] and not re.search("[a-z]", REASONS[c]) for c in REASONS)


# --- idempotency, resubmission, duplicates across files --------------------------------------


def _snapshot(store: Path) -> dict[str, list]:
    tables = [
        r[0]
        for r in query(
            store,
            "select table_name from information_schema.tables "
            "where table_name <> 'import_batch' order by 1",
        )
    ]
    return {t: sorted(map(str, query(store, f"select * from {t}"))) for t in tables}


def test_importing_the_same_files_twice_changes_nothing(tmp_path, store, registry):
    write_csv(
        tmp_path / "in" / "a.csv", [header("activities"), activity(1), activity(2)], received=OCT
    )
    write_csv(tmp_path / "in" / "b.csv", [header("points"), points_row(1)], received=OCT)
    first = run(store, tmp_path / "in", registry=registry)
    before, pointer = _snapshot(store), db_store.current_path(store)
    again = run(store, tmp_path / "in", registry=registry)
    assert first.batch_id == 1 and again.batch_id is None
    assert [o.status for o in again.outcomes] == ["seen", "seen"]
    assert db_store.current_path(store) == pointer
    assert _snapshot(store) == before
    # the same bytes under another name are another file (two stations' empty sheets can match)
    (tmp_path / "in2").mkdir()
    (tmp_path / "in2" / "c.csv").write_bytes((tmp_path / "in" / "b.csv").read_bytes())
    assert run(store, tmp_path / "in2", registry=registry).batch_id == 2


@pytest.mark.parametrize("order", ["original_first", "correction_first"])
def test_corrected_resubmission_replaces_the_earlier_one(tmp_path, store, registry, order):
    original = write_csv(
        tmp_path / "a" / f"{STATION}_安家河村_2026-10_活动台账.csv",
        [header("activities"), activity(1, participants=300), activity(2), activity(3)],
        received=datetime(2026, 11, 3, 9, 0),
    )
    corrected = write_csv(
        tmp_path / "b" / f"{STATION}_安家河村_2026-10_活动台账（更正）.csv",
        [header("activities"), activity(1, participants=30), activity(2)],
        received=datetime(2026, 11, 9, 16, 0),
    )
    first, second = (original, corrected) if order == "original_first" else (corrected, original)
    run(store, first, registry=registry)
    run(store, second, registry=registry)
    assert query(store, "select count(*), sum(participants) from fct_activity") == [(2, 60)]
    assert query(store, "select sum(participants) from mart_activity_month") == [(60,)]
    assert query(
        store,
        "select file_name, is_current, versions, is_correction from stg_submission order by 1",
    ) == [(original.name, False, 2, False), (corrected.name, True, 2, True)]
    assert query(store, "select count(*) from raw_activities") == [(5,)]  # history kept


def test_a_row_sent_again_in_another_submission_is_not_counted_twice(tmp_path, store, registry):
    write_csv(
        tmp_path / "in" / f"{STATION}_2026-09_活动台账.csv",
        [header("activities"), activity(1, activity_date="2026-09-28")],
        received=datetime(2026, 10, 3),
    )
    write_csv(
        tmp_path / "in" / f"{STATION}_2026-10_活动台账.csv",
        [header("activities"), activity(1, activity_date="2026-09-28"), activity(2)],
        received=OCT,
    )
    run(store, tmp_path / "in", registry=registry)
    assert query(store, "select count(*) from fct_activity") == [(2,)]
    assert query(store, "select reason_code, reason from mart_quarantine") == [
        (
            "duplicate_across_files",
            f"「活动编号」HD202610-001 已在「{STATION}_2026-09_活动台账.csv」第 2 行报送过",
        )
    ]


def test_submission_completeness_on_time_late_and_missing(tmp_path, store, registry):
    write_csv(
        tmp_path / "in" / f"{STATION}_2026-10_活动台账.csv",
        [header("activities"), activity(1)],
        received=datetime(2026, 11, 5, 18, 0),
    )
    write_csv(
        tmp_path / "in" / f"{STATION_B}_2026-10_活动台账.csv",
        [header("activities"), activity(1, unit=STATION_B)],
        received=datetime(2026, 11, 6, 8, 0),
    )
    run(store, tmp_path / "in", registry=registry)
    got = dict(
        query(
            store,
            "select unit_code, status from mart_submission "
            "where sheet_key = 'activities' and unit_code in (?, ?, ?)",
            [STATION, STATION_B, "620623101206"],
        )
    )
    assert got == {STATION: "on_time", STATION_B: "late", "620623101206": "missing"}


# --- personal data ---------------------------------------------------------------------------


def test_id_and_phone_numbers_never_reach_the_database_in_clear(tmp_path, store, registry):
    pts = [
        header("points") + ["身份证复印件编号"],
        points_row(1) + ["620623199001011234"],
        points_row(2, category="奖励分") + [""],
    ]
    write_csv(tmp_path / f"{STATION}_2026-10_积分台账.csv", pts, received=OCT)
    run(store, tmp_path / f"{STATION}_2026-10_积分台账.csv", registry=registry)
    con = duckdb.connect(str(db_store.current_path(store)), read_only=True)
    try:
        text_cols = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        everything = " ".join(
            str(v)
            for t, c in text_cols
            for (v,) in con.execute(f'select "{c}" from {t}').fetchall()
        )
    finally:
        con.close()
    for clear in ("620623199001011234", "13800001234", "张三明"):
        assert clear not in everything
    assert "张*明" in everything
    assert clear not in db_store.current_path(store).read_bytes().decode("latin-1")
    assert query(
        store,
        "select head_name_masked, length(id_number_hash), length(phone_hash) from fct_points_entry",
    ) == [("张*明", 32, 32)]


# --- mart_unit_month: households redeeming, standards owed, order outcomes -------------------

INSTITUTE = "620623101"  # 打柴沟镇, the town of STATION and STATION_B
TEAM = "620623-DW04"


def _order(n: int, ordered: str, completed: str, rating, status: str, **over) -> list[object]:
    row = {
        "order_id": f"DD20261000{n:02d}",
        "ordered_at": ordered,
        "village_code": STATION,
        "platform": "卫生健康",
        "request": "义诊",
        "dispatched_at": ordered,
        "taker_code": TEAM,
        "accepted_at": ordered,
        "completed_at": completed,
        "rating": rating,
        "status": status,
    }
    row.update(over)
    return list(row.values())


ORDERS = [
    _order(1, "2026-10-03 09:00", "2026-10-04 09:00", 5, "已评价"),  # satisfied, timely
    _order(2, "2026-10-03 09:00", "2026-10-06 17:00", "", "已完成"),  # unrated: satisfied; 80 h
    _order(3, "2026-10-03 09:00", "2026-10-03 19:00", 2, "已评价"),  # 2 stars: not satisfied
    _order(4, "2026-10-03 09:00", "2026-10-06 09:00", 3, "已评价"),  # exactly 72 h: timely
    _order(5, "2026-10-03 09:00", "", "", "已接单"),  # not completed
    _order(6, "2026-10-03 09:00", "2026-10-03 12:00", 5, "已取消"),  # cancelled: not counted
    _order(7, "2026-10-03 09:00", "2026-10-03 12:00", 1, "已评价", village_code=STATION_B),
]


@pytest.fixture()
def unit_month_inbox(tmp_path) -> Path:
    from core.contract import SHEET_BY_KEY

    folder = tmp_path / "in"
    write_csv(folder / "620623_2026-10_点单记录.csv", [header("orders"), *ORDERS], received=OCT)
    pts = [header("points"), points_row(1, "H0001"), points_row(2, "H0002"),
           points_row(3, "H0001", unit=STATION_B)]  # fmt: skip
    write_csv(folder / f"{STATION}_2026-10_积分台账.csv", pts[:3], received=OCT)
    write_csv(folder / f"{STATION_B}_2026-10_积分台账.csv", [pts[0], pts[3]], received=OCT)
    red = [
        header("redemptions"),
        redemption_row(1, 4),
        redemption_row(2, 3),
        redemption_row(3, 50, "H0002"),
    ]  # fmt: skip  (H0002's 50 is overdrawn: not counted)
    write_csv(folder / f"{STATION}_2026-10_兑换台账.csv", red, received=OCT)
    write_csv(
        folder / f"{STATION_B}_2026-10_兑换台账.csv",
        [header("redemptions"), redemption_row(1, 5, unit_code=STATION_B)],
        received=OCT,
    )
    assert [c.key for c in SHEET_BY_KEY["standards"].columns][:2] == ["unit_code", "month"]
    check = [STATION, "2026-10", *["是"] * 6, "否", "否", "四星"]
    write_csv(folder / f"{STATION}_2026-10_阵地自查.csv", [header("standards"), check],
              received=OCT)  # fmt: skip
    return folder


def _unit_month(store, code: str, columns: str) -> tuple:
    (row,) = query(
        store,
        f"select {columns} from mart_unit_month where unit_code = ? and month = '2026-10-01'",
        [code],
    )
    return row


def test_unit_month_counts_households_redeeming_standards_owed_and_order_outcomes(
    unit_month_inbox, store, registry
):
    import polars as pl

    report = run(store, unit_month_inbox, registry=registry)
    assert report.check_failures == []
    redeeming = "households_redeeming"
    assert _unit_month(store, STATION, redeeming) == (1,)  # H0002's redemption was overdrawn
    assert _unit_month(store, STATION_B, redeeming) == (1,)
    assert _unit_month(store, INSTITUTE, redeeming) == (2,)  # each station's H0001: two households
    standards = "standards_items_met, standards_items_possible, standards_items_owed"
    assert _unit_month(store, STATION, standards) == (6, 8, 8)
    assert _unit_month(store, STATION_B, standards) == (0, 0, 8)  # withheld: 0 of 8
    town = registry.units.filter(pl.col("parent_code") == INSTITUTE).height + 1  # and itself
    assert _unit_month(store, INSTITUTE, standards) == (6, 8, 8 * town)
    # a county team does not owe the self-check (the contract's owed_by)
    assert _unit_month(store, TEAM, standards) == (0, 0, 0)
    placed = ("orders_placed, orders_placed_completed, orders_placed_satisfied, "
              "orders_placed_timely")  # fmt: skip
    assert _unit_month(store, STATION, placed) == (5, 4, 3, 3)
    assert _unit_month(store, STATION_B, placed) == (1, 1, 0, 1)
    assert _unit_month(store, INSTITUTE, placed) == (6, 5, 3, 4)
    taken = "orders_taken, orders_completed, orders_satisfied, orders_timely"
    assert _unit_month(store, TEAM, taken) == (6, 5, 3, 4)


def test_the_timely_limit_is_the_county_setting(unit_month_inbox, store, registry):
    import dataclasses

    patient = dataclasses.replace(
        registry, settings={**registry.settings, "orders": {"timely_hours": 80}}
    )
    run(store, unit_month_inbox, registry=patient)
    assert query(store, "select order_timely_hours from stg_settings") == [(80,)]
    assert _unit_month(store, STATION, "orders_placed_timely") == (4,)  # the 80-hour one too
