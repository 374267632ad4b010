"""The credit-rating export (道德积分授信) and the cooperative's join, on hand-made exports.

A small county year is written as the stations would send it, ingested into a
real store, and every figure of the export is checked against what was worked
out by hand below. The cooperative's list is a real workbook; no clear ID
number may come out anywhere.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from civic.cli import main
from core import store as db_store
from core.contract import SHEET_BY_KEY
from etl.clearings import add as add_clearing
from etl.ingest import ingest
from etl.privacy import keyed_hash
from publish.cooperative import match_cooperative, write_match
from publish.credit import EXPORT_COLUMNS, CreditError, credit_rows, write_export
from tests.conftest import copy_store, environment
from tests.exports import STATION, STATION_B, header, points_row, redemption_row, write_csv

KEY = "credit-test-key-5f1c0a"
TOWN = "620623101"  # 打柴沟镇, the institute of both stations


def checked_id(body: str) -> str:
    """An 18-character ID number: 17 digits and their GB 11643 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def id_ending_in_x(prefix: str) -> str:
    """A valid ID number whose check character is X (to be written as a lowercase x)."""
    for seq in range(1000):
        candidate = checked_id(f"{prefix}{seq:03d}"[:17])
        if candidate.endswith("X"):
            return candidate
    raise AssertionError("no X check digit found")


ID_A = checked_id("62062319800101001")  # 张三明, 安家河村 H0001
ID_B = id_ending_in_x("62062319751231")  # 李四光, 安家河村 H0002 (cleared in 2026)
ID_C = checked_id("62062319900615003")  # 赵六, 火石沟村 H0001 (carry-over only)
ID_D = checked_id("62062319650302004")  # 钱七, 火石沟村 H0002 (2025 only)
ID_F = checked_id("62062320000229006")  # 孙小美, 火石沟村 H0003 (cleared on the day she earned)
ID_E = checked_id("62062319881111005")  # on the cooperative's list only
BAD = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")  # one wrong check character
CLEAR_IDS = (ID_A, ID_B, ID_C, ID_D, ID_E, ID_F, BAD, ID_B.lower())

# (unit, household, date, category, item, points, status, ID number, head's name);
# listed in the order the station wrote them, which numbers the entries
POINTS = [
    (STATION, "H0001", "2025-03-10", "基础分", "参加升国旗仪式", 30, "核发", ID_A, "张三明"),
    (STATION, "H0001", "2026-02-05", "基础分", "参加理论宣讲", 10, "核发", "", "张三明"),
    (STATION, "H0001", "2026-03-05", "贡献分", "义务植树", 15, "核发", ID_A, "张三明"),
    (STATION, "H0001", "2026-04-02", "扣分", "乱堆乱放", -5, "核发", ID_A, "张三明"),
    (STATION, "H0001", "2026-04-20", "评议分", "好婆婆", 7, "公示", ID_A, "张三明"),
    (STATION, "H0002", "2025-05-01", "贡献分", "捐资助学", 40, "核发", ID_B, "李四光"),
    (STATION, "H0002", "2026-01-10", "基础分", "参加升国旗仪式", 10, "核发", ID_B, "李四光"),
    # the 清零 row has the lower 流水号, but the ledger counts a day's points before its clearing
    (STATION, "H0002", "2026-03-15", "清零", "严重违规清零", 0, "核发", ID_B, "李四光"),
    (STATION, "H0002", "2026-03-15", "基础分", "参加升国旗仪式", 8, "核发", ID_B, "李四光"),
    (STATION, "H0002", "2026-04-01", "贡献分", "义务植树", 20, "核发", ID_B, "李四光"),
    (STATION, "H0002", "2026-05-06", "基础分", "参加党史学习", 4, "核发", ID_B, "李四光"),
    (STATION, "H0003", "2026-06-01", "基础分", "参加理论宣讲", 12, "核发", "", "王五"),
    (STATION_B, "H0001", "2025-08-01", "贡献分", "见义勇为", 50, "核发", ID_C, "赵六"),
    (STATION_B, "H0001", "2025-09-01", "扣分", "违规焚烧秸秆", -10, "核发", ID_C, "赵六"),
    (STATION_B, "H0002", "2025-10-01", "基础分", "参加升国旗仪式", 10, "核发", ID_D, "钱七"),
    (STATION_B, "H0003", "2026-09-20", "清零", "严重违规清零", 0, "核发", ID_F, "孙小美"),
    (STATION_B, "H0003", "2026-09-20", "基础分", "参加理论宣讲", 6, "核发", ID_F, "孙小美"),
]
REDEMPTIONS = [  # (unit, household, date, points)
    (STATION, "H0001", "2025-06-01", 10),
    (STATION, "H0001", "2026-05-20", 12),
    (STATION, "H0002", "2026-02-10", 20),
    (STATION, "H0003", "2026-07-01", 5),
    (STATION_B, "H0002", "2025-10-20", 10),
]
HOUSEHOLDS = {  # (unit, month) -> [(household, head, stars, required stars met)]
    (STATION, "2025-07"): [("H0001", "张三明", 3, "是"), ("H0002", "李四光", 6, "是")],
    (STATION, "2026-01"): [("H0001", "张三明", 4, "是"), ("H0002", "李四光", 6, "是")],
    (STATION, "2026-07"): [("H0001", "张三明", 5, "是"), ("H0002", "李四光", 2, "否")],
    # a later sheet that leaves the stars blank does not erase the rating
    (STATION, "2026-10"): [("H0001", "张三明", "", "")],
    (STATION_B, "2026-07"): [("H0001", "赵六", 3, "否")],
}

TOWN_NAME, VILLAGE_A, VILLAGE_B = (
    "打柴沟镇新时代文明实践所",
    "安家河村新时代文明实践站",
    "火石沟村新时代文明实践站",
)
COLUMNS = [
    "town", "station", "unit_code", "household_id", "head_name_masked", "id_hash",
    "points_issued", "points_deducted", "points_redeemed", "balance_points", "stars",
    "required_stars_met", "rated_month", "cleared", "cleared_date", "clear_source",
    "clear_reason",
]  # fmt: skip


def h(id_number: str) -> str:
    return keyed_hash(id_number, KEY.encode())


# Worked out by hand from the rows above.
# 2026, 安家河村 H0001: 20 carried (30 - 10); +10 +15 issued, -5 deducted (the 7 is only 公示),
#   12 redeemed → 28. Stars 5 from the 2026-07 sheet (2026-10 left them blank).
# H0002: 40 carried; +10, 20 redeemed → 30; on 03-15 +8 then 清零 (38 wiped) → 0; the 20 and 4
#   after it are barred. Issued 10 + 8 = 18.
# H0003: no ID number ever sent; +12, 5 redeemed → 7; no stars.
# 火石沟村 H0001: nothing in 2026 but 40 carried (50 - 10).
# 火石沟村 H0002: its balance was 0 at the end of 2025 and nothing happened in 2026: not listed.
# 火石沟村 H0003: +6 then 清零 the same day → 0.
EXPECTED_2026 = [
    (TOWN_NAME, VILLAGE_A, STATION, "H0001", "张*明", h(ID_A), 25, 5, 12, 28, 5, True,
     date(2026, 7, 1), False, None, None, None),
    (TOWN_NAME, VILLAGE_A, STATION, "H0002", "李*光", h(ID_B), 18, 0, 20, 0, 2, False,
     date(2026, 7, 1), True, date(2026, 3, 15), "台账", "严重违规清零"),
    (TOWN_NAME, VILLAGE_A, STATION, "H0003", "王*", None, 12, 0, 5, 7, None, None, None,
     False, None, None, None),
    (TOWN_NAME, VILLAGE_B, STATION_B, "H0001", "赵*", h(ID_C), 0, 0, 0, 40, 3, False,
     date(2026, 7, 1), False, None, None, None),
    (TOWN_NAME, VILLAGE_B, STATION_B, "H0003", "孙*美", h(ID_F), 6, 0, 0, 0, None, None, None,
     True, date(2026, 9, 20), "台账", "严重违规清零"),
]  # fmt: skip
EXPECTED_2025 = [
    (TOWN_NAME, VILLAGE_A, STATION, "H0001", "张*明", h(ID_A), 30, 0, 10, 20, 3, True,
     date(2025, 7, 1), False, None, None, None),
    (TOWN_NAME, VILLAGE_A, STATION, "H0002", "李*光", h(ID_B), 40, 0, 0, 40, 6, True,
     date(2025, 7, 1), False, None, None, None),
    (TOWN_NAME, VILLAGE_B, STATION_B, "H0001", "赵*", h(ID_C), 50, 10, 0, 40, None, None, None,
     False, None, None, None),
    (TOWN_NAME, VILLAGE_B, STATION_B, "H0002", "钱*", h(ID_D), 10, 0, 10, 0, None, None, None,
     False, None, None, None),
]  # fmt: skip


def _received(month: str) -> datetime:
    y, m = map(int, month.split("-"))
    return datetime(y + m // 12, m % 12 + 1, 3, 10, 0)


def write_exports(folder: Path) -> None:
    """One file per station, month and sheet, as the stations send them."""
    points, numbers = defaultdict(list), defaultdict(int)
    for unit, hh, day, category, item, pts, status, id_number, name in POINTS:
        month = day[:7]
        numbers[unit, month] += 1
        points[unit, month].append(
            points_row(
                0, hh, unit,
                entry_id=f"JF{month.replace('-', '')}{numbers[unit, month]:03d}",
                entry_date=day, category=category, item=item, points=pts, status=status,
                id_number=id_number, phone="", head_name=name,
                publicized_date=day if status == "核发" else "",
            )
        )  # fmt: skip
    for (unit, month), rows in points.items():
        name = f"{unit}_{month}_积分台账.csv"
        write_csv(folder / name, [header("points"), *rows], received=_received(month))
    redemptions = defaultdict(list)
    for n, (unit, hh, day, pts) in enumerate(REDEMPTIONS, 1):
        redemptions[unit, day[:7]].append(
            redemption_row(
                0, pts, hh, entry_id=f"DH{n:05d}", redeemed_date=day, unit_code=unit, goods_yuan=pts
            )
        )
    for (unit, month), rows in redemptions.items():
        write_csv(
            folder / f"{unit}_{month}_兑换台账.csv",
            [header("redemptions"), *rows],
            received=_received(month),
        )
    keys = [c.key for c in SHEET_BY_KEY["households"].columns]
    for (unit, month), people in HOUSEHOLDS.items():
        rows = []
        for hh, name, stars, met in people:
            row = {
                "household_id": hh, "unit_code": unit, "head_name": name, "members": 4,
                "group_name": "一组", "stars": stars, "required_stars_met": met,
                "rated_date": f"{month}-01" if stars != "" else "",
            }  # fmt: skip
            rows.append([row[k] for k in keys])
        name = f"{unit}_{month}_户信息.csv"
        write_csv(folder / name, [header("households"), *rows], received=_received(month))


@pytest.fixture(scope="module")
def store(tmp_path_factory, registry) -> Path:
    folder = tmp_path_factory.mktemp("credit")
    write_exports(folder / "inbox")
    with environment(CIVIC_SECRET=KEY):
        report = ingest([folder / "inbox"], folder / "db", registry, workers=1)
    assert report.rule_rejections == {"overdrawn_redemption": 0}
    with db_store.reading(folder / "db") as con:
        assert con.sql("select count(*) from mart_quarantine").fetchall() == [(0,)]
    return folder / "db"


def rows_of(store: Path, year: int, members=None) -> pl.DataFrame:
    with db_store.reading(store) as con:
        return credit_rows(con, year, members)


# --- the figures ---------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "expected"), [(2026, EXPECTED_2026), (2025, EXPECTED_2025)])
def test_each_household_s_year_as_worked_out_by_hand(store, year, expected):
    frame = rows_of(store, year)
    assert frame.columns == COLUMNS
    assert frame.rows() == expected


def test_households_without_an_id_number_are_kept_and_counted(store):
    frame = rows_of(store, 2026)
    assert frame.filter(pl.col("id_hash").is_null())["household_id"].to_list() == ["H0003"]
    assert frame["id_hash"].drop_nulls().str.len_chars().unique().to_list() == [32]


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ([STATION_B], [(STATION_B, "H0001"), (STATION_B, "H0003")]),
        ([STATION, "620623101206"], [(STATION, "H0001"), (STATION, "H0002"), (STATION, "H0003")]),
        ([], []),
    ],
)
def test_members_restrict_the_stations(store, members, expected):
    assert rows_of(store, 2026, members).select("unit_code", "household_id").rows() == expected


def test_an_office_clearing_shows_its_source_and_reason(store, tmp_path):
    copy = copy_store(store, tmp_path / "db")
    with environment(CIVIC_SECRET=KEY):
        add_clearing(copy, STATION_B, "H0001", date(2026, 5, 8), "法院判决书通报：赌博", "测试员")
    row = rows_of(copy, 2026, [STATION_B]).row(0, named=True)
    assert (row["household_id"], row["balance_points"], row["cleared"]) == ("H0001", 0, True)
    assert (row["cleared_date"], row["clear_source"], row["clear_reason"]) == (
        date(2026, 5, 8),
        "办公室录入",
        "法院判决书通报：赌博",
    )


# --- the export workbook -------------------------------------------------------------------

HEADERS = [
    "县/乡镇", "实践站", "户编号", "户主(脱敏)", "身份证号密文", "年度获得积分", "年度扣减",
    "年度兑换", "年末余额", "星级", "必评星达标(是/否)", "评星月份", "是否清零", "清零日期",
    "清零来源", "清零原因",
]  # fmt: skip


def cells(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def every_text(path: Path) -> str:
    return "\n".join(str(v) for rows in cells(path).values() for row in rows for v in row)


def assert_no_clear_id(text: str) -> None:
    folded = text.replace(" ", "").upper()
    for clear in CLEAR_IDS:
        assert clear.upper() not in folded
        assert clear[:17] not in folded  # not even without its check character


def test_the_export_workbook(store, tmp_path):
    path = write_export(rows_of(store, 2026), tmp_path / "credit.xlsx", 2026, "天祝县")
    sheets = cells(path)
    assert list(sheets) == ["说明", "农户积分"]
    data = sheets["农户积分"]
    assert list(data[0]) == HEADERS == [c[1] for c in EXPORT_COLUMNS]
    assert data[1] == (
        "天祝县打柴沟镇", "安家河村", "H0001", "张*明", h(ID_A), 25, 5, 12, 28, 5, "是",
        datetime(2026, 7, 1), "否", None, None, None,
    )  # fmt: skip
    assert data[2][12:] == ("是", datetime(2026, 3, 15), "台账", "严重违规清零")
    assert data[3][4] is None and data[3][9:12] == (None, None, None)
    assert len(data) == 1 + len(EXPECTED_2026)
    notes = {r[0]: r[1] for r in sheets["说明"] if r[0]}
    assert notes["年度"].startswith("2026 年")
    assert notes["农户数"].startswith("5 户")
    assert notes["有身份证号密文"] == "4 户"
    assert notes["缺身份证号密文"].startswith("1 户")
    assert notes["本年度清零"] == "2 户"
    assert "HMAC-SHA256" in notes["身份证号如何处理"]
    assert "civic credit --cooperative" in notes["信用社如何匹配"]
    assert notes["年末余额"].startswith("截至 12 月 31 日")

    ws = openpyxl.load_workbook(path)["农户积分"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:P6"
    assert ws["F2"].number_format == "#,##0" and ws["L2"].number_format == "yyyy-mm"
    assert ws["N3"].number_format == "yyyy-mm-dd"
    assert ws.column_dimensions["E"].width > 30
    assert_no_clear_id(every_text(path))


def test_text_that_looks_like_a_formula_is_neutralised(store, tmp_path):
    frame = rows_of(store, 2026).with_columns(
        head_name_masked=pl.lit('=HYPERLINK("http://x")'), clear_reason=pl.lit("@SUM(1)")
    )
    path = write_export(frame, tmp_path / "credit.xlsx", 2026, "-天祝县")
    ws = openpyxl.load_workbook(path)["农户积分"]
    assert ws["D2"].value == '\'=HYPERLINK("http://x")' and ws["D2"].data_type == "s"
    assert ws["P2"].value == "'@SUM(1)"
    assert ws["A2"].value == "'-天祝县打柴沟镇"


# --- the cooperative's list ----------------------------------------------------------------

COOP_HEADERS = ["序号", "客户名称", "身份证号码", "账号", "授信额度(万元)", "备注"]
COOP_ROWS = [  # Excel rows 2..7
    [1, "张三明", ID_A, "6228480000000000011", 5, ""],
    [2, "李四光", f"{ID_B[:6]} {ID_B[6:14]} {ID_B[14:].lower()}", "6228480000000000022", 3, ""],
    [3, "外县客户", ID_E, "6228480000000000033", 8, ID_C],  # an ID typed into 备注
    [4, "号码抄错", BAD, "6228480000000000044", 2.5, ""],
    [5, "未填号码", "", "6228480000000000055", 1, "@SUM(A1)"],
    [6, "张三明", ID_A, "6228480000000000066", 5, "第二个账户"],
]


def write_coop(path: Path, headers=COOP_HEADERS, rows=COOP_ROWS) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "农户名单"
    ws.append(headers)
    for row in rows:
        ws.append(row)
    for r in range(2, len(rows) + 2):  # ID numbers as text, as a careful clerk types them
        ws.cell(r, 3).number_format = "@"
    book.save(path)
    return path


def test_the_cooperative_list_is_joined_on_the_keyed_hash(store, tmp_path):
    frame = rows_of(store, 2026)
    coop = write_coop(tmp_path / "信用社农户名单.xlsx")
    joined, report = match_cooperative(frame, coop, KEY.encode())
    assert "身份证号码" not in joined.columns
    assert joined.columns[:7] == [
        "原表行号", "序号", "客户名称", "账号", "授信额度(万元)", "备注", "匹配结果"
    ]  # fmt: skip
    assert joined.columns[7:] == HEADERS
    got = joined.select("原表行号", "匹配结果", "户编号", "年末余额", "是否清零").rows()
    assert got == [
        (2, "已匹配", "H0001", 28, False),
        (3, "已匹配", "H0002", 0, True),
        (4, "未找到", None, None, None),
        (5, "身份证号无效", None, None, None),
        (6, "身份证号无效", None, None, None),
        (7, "已匹配", "H0001", 28, False),
    ]
    assert joined["实践站"].to_list()[:2] == ["安家河村", "安家河村"]
    assert joined["备注"].to_list()[2] == "（已隐去）"
    # amounts stay numbers; account numbers (too long for a number) stay text
    assert (joined["授信额度(万元)"].dtype, joined["账号"].dtype) == (pl.Float64, pl.String)
    assert (report.file_name, report.id_column) == ("信用社农户名单.xlsx", "身份证号码")
    assert (report.rows_read, report.matched, report.not_found) == (6, 3, 1)
    assert report.invalid_rows == [5, 6]
    assert [(p.row, p.column, p.reason) for p in report.invalid] == [
        (5, "身份证号码", "身份证号校验位不符（号码有误或抄错）"),
        (6, "身份证号码", "身份证号为空"),
    ]
    assert report.duplicate_ids == 1
    assert [(p.row, p.reason) for p in report.duplicates] == [(7, "与第 2 行身份证号相同")]
    assert [(p.row, p.column) for p in report.masked_cells] == [(4, "备注")]

    out = write_match(joined, report, tmp_path / "匹配结果.xlsx")
    sheets = cells(out)
    assert list(sheets) == ["匹配结果", "问题清单", "说明"]
    assert sheets["匹配结果"][0] == tuple(joined.columns)
    first = sheets["匹配结果"][1]
    assert first[:7] == (2, 1, "张三明", "6228480000000000011", 5, None, "已匹配")
    assert sheets["匹配结果"][5][5] == "'@SUM(A1)"
    assert sheets["问题清单"][0] == ("行号", "列", "原因")
    assert [r[:2] for r in sheets["问题清单"][1:]] == [
        (4, "备注"), (5, "身份证号码"), (6, "身份证号码"), (7, "身份证号码")
    ]  # fmt: skip
    summary = {r[0]: r[1] for r in sheets["说明"][1:]}
    assert (summary["读取行数"], summary["已匹配"]) == ("6", "3")
    assert summary["身份证号无效"].startswith("2")
    assert_no_clear_id(every_text(out))
    assert_no_clear_id(str(joined.rows()))


def test_another_key_matches_nothing(store, tmp_path):
    coop = write_coop(tmp_path / "名单.xlsx")
    joined, report = match_cooperative(rows_of(store, 2026), coop, b"not-the-county-key")
    assert (report.matched, report.not_found, len(report.invalid)) == (0, 4, 2)
    assert joined["户编号"].null_count() == joined.height


def test_a_gbk_csv_list_with_a_title_row(store, tmp_path):
    path = write_csv(
        tmp_path / "农信社名单.csv",
        [["天祝县农村信用合作联社 2026 年农户名单"], ["户主身份证号", "客户名称"],
         [ID_C, "赵六"], [ID_A.replace("", " ").strip(), "张三明"], ["", ""]],
        encoding="gbk",
    )  # fmt: skip
    joined, report = match_cooperative(rows_of(store, 2026), path, KEY.encode())
    assert joined.select("原表行号", "客户名称", "匹配结果", "户编号", "实践站").rows() == [
        (3, "赵六", "已匹配", "H0001", "火石沟村"),
        (4, "张三明", "已匹配", "H0001", "安家河村"),
    ]
    assert (report.rows_read, report.matched, report.invalid) == (2, 2, [])


def _no_id_column(path: Path) -> Path:
    return write_coop(path, ["客户名称", "账号"], [["张三明", "6228"]])


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("无身份证列.xlsx", _no_id_column, "找不到身份证号列"),
        ("空文件.csv", lambda p: p.write_bytes(b""), "文件是空的"),
        ("空表.xlsx", lambda p: openpyxl.Workbook().save(p), "文件是空的"),
        ("只有表头.csv", lambda p: write_csv(p, [["身份证号", "客户名称"]]), "没有农户数据"),
        ("损坏.xlsx", lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 200), "已损坏"),
    ],
)
def test_a_list_that_cannot_be_used_is_refused_by_name(store, tmp_path, name, make, reason):
    path = tmp_path / name
    make(path)
    with pytest.raises(CreditError) as e:
        match_cooperative(rows_of(store, 2026), path, KEY.encode())
    assert isinstance(e.value, ValueError)
    assert str(e.value).startswith(f"{name}：") and reason in str(e.value)


SCIENTIFIC = "身份证号被存成了数字（科学计数法），末几位已丢失：请把该列设为文本后重新填写"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (ID_A, None),
        (ID_B.lower(), None),
        (f" {ID_C[:6]}-{ID_C[6:]} ", None),
        (ID_A[:15], "是 15 位旧身份证号，请换成 18 位身份证号"),
        (ID_A[:17], "身份证号应为 18 位，此处为 17 位"),
        ("6.20623198001012E+17", SCIENTIFIC),
        (ID_A[:16] + "X" + ID_A[17], "身份证号前 17 位应为数字，最后一位为数字或 X"),
        (BAD, "身份证号校验位不符（号码有误或抄错）"),
        ("  ", "身份证号为空"),
    ],
)  # fmt: skip
def test_id_number_checks(value, problem):
    from publish.cooperative import id_problem

    assert id_problem(value) == problem


# --- the command ---------------------------------------------------------------------------


def test_civic_credit_end_to_end(store, tmp_path):
    coop = write_coop(tmp_path / "信用社名单.xlsx")
    with environment(CIVIC_SECRET=KEY, CIVIC_REPORTS_DIR=str(tmp_path / "reports")):
        r = CliRunner().invoke(
            main, ["credit", "--year", "2026", "--db", str(store), "--cooperative", str(coop)]
        )
    assert r.exit_code == 0, r.output
    out = tmp_path / "reports" / "credit" / "道德积分授信_2026.xlsx"
    matched = out.with_name("道德积分授信_2026_匹配结果.xlsx")
    assert "2026 年 5 户：有身份证号密文 4 户，缺 1 户；本年清零 2 户" in r.output
    assert "读取 6 行，已匹配 3，未找到 1，身份证号无效 2，重复身份证号 1 个" in r.output
    data = cells(out)["农户积分"]
    assert list(data[0]) == HEADERS
    assert data[4][:10] == ("天祝县打柴沟镇", "火石沟村", "H0001", "赵*", h(ID_C), 0, 0, 0, 40, 3)
    assert cells(matched)["匹配结果"][2][6] == "已匹配"
    assert_no_clear_id(every_text(out) + every_text(matched))


def test_civic_credit_for_one_town_and_its_errors(store, tmp_path):
    run = CliRunner().invoke
    out = tmp_path / "town.xlsx"
    args = ["credit", "--year", "2025", "--town", TOWN, "--db", str(store), "--out", str(out)]
    r = run(main, args)
    assert r.exit_code == 0, r.output
    assert "打柴沟镇 2025 年 4 户" in r.output
    assert len(cells(out)["农户积分"]) == 1 + len(EXPECTED_2025)
    for args, message in [
        (["--year", "2024"], "2024 年没有农户积分记录"),
        (["--year", "2026", "--town", "620623999"], "620623999 不是登记的乡镇（实践所）编码"),
        (["--year", "2026", "--town", STATION], f"{STATION} 不是登记的乡镇（实践所）编码"),
        (["--year", "2026", "--match-out", str(tmp_path / "m.xlsx")], "--match-out needs"),
    ]:
        r = run(main, ["credit", "--db", str(store), "--out", str(tmp_path / "x.xlsx"), *args])
        assert r.exit_code != 0 and message in r.output, r.output
    bad = tmp_path / "名单.csv"
    bad.write_bytes(b"")
    with environment(CIVIC_SECRET=KEY):
        r = run(main, ["credit", "--year", "2026", "--db", str(store), "--out", str(out),
                       "--cooperative", str(bad)])  # fmt: skip
    assert r.exit_code == 1 and "名单.csv：文件是空的" in r.output
