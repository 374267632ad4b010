"""The quarterly points notice (道德积分公示): figures from a hand-made ledger, HTML, PDF, CLI."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from civic.cli import main
from core import store as db_store
from etl.ingest import ingest
from etl.receipt import Receipt
from publish import notice
from tests.exports import STATION, STATION_B, header, points_row, redemption_row, write_csv

TOWN = "620623101"  # 打柴沟镇新时代文明实践所, parent of STATION and STATION_B
EMPTY_STATION = "620623101203"  # 铁腰村: registered, never sent points
COMMUNITY = "620623100001"  # 城关社区: a residents' committee signs
HOSTILE = "<b>x</b>"
ISSUED_ON = date(2026, 10, 8)


def _clear(i, household, day):
    return points_row(
        i, household, entry_id=f"JF{i:04d}", entry_date=day, category="清零",
        item="严重违规清零", points=0,
    )  # fmt: skip


def _pts(i, household, day, points, **over):
    return points_row(i, household, entry_id=f"JF{i:04d}", entry_date=day, points=points, **over)


def _red(i, household, day, points):
    return redemption_row(i, points, household, entry_id=f"DH{i:04d}", redeemed_date=day)


# One station over 2026 Q2 and Q3, by hand. Balances after each event in the comments.
LEDGER = [
    # H0001 (张三明): earns, redeems, a deduction; a rejected (驳回) entry that never counts
    _pts(1, "H0001", "2026-05-10", 30),  # 30
    _red(1, "H0001", "2026-06-20", 10),  # 20
    _pts(2, "H0001", "2026-07-05", 12),  # 32
    _pts(3, "H0001", "2026-08-03", -5, category="扣分", item="乱倒垃圾"),  # 27
    _pts(4, "H0001", "2026-08-10", 50, status="驳回"),  # not issued
    _red(2, "H0001", "2026-09-15", 8),  # 19
    # H0002: earns, redeems, then 清零 (wipes 30); later points of 2026 do not count
    _pts(5, "H0002", "2026-04-02", 25),  # 25
    _pts(6, "H0002", "2026-07-08", 10),  # 35
    _red(3, "H0002", "2026-07-20", 5),  # 30
    _clear(7, "H0002", "2026-08-12"),  # 0
    _pts(8, "H0002", "2026-09-02", 6),  # barred: 0
    # H0003: only a balance carried from Q2; its name comes from the households sheet
    _pts(9, "H0003", "2026-05-20", 15),  # 15
    # H0004: earned and spent everything in Q2: nothing to show in Q3
    _pts(10, "H0004", "2026-04-10", 5),  # 5
    _red(4, "H0004", "2026-06-10", 5),  # 0
    # a household id that is markup
    _pts(11, HOSTILE, "2026-07-15", 3),  # 3
]
# Q3 by hand: (household, name, issued, deducted, redeemed, balance, note)
Q3_ROWS = [
    (HOSTILE, "张*明", 3, 0, 0, 3, ""),
    ("H0001", "张*明", 12, 5, 8, 19, ""),
    ("H0002", "张*明", 10, 0, 5, 0, "已清零（8月12日，清除30分）"),
    ("H0003", "李*海", 0, 0, 0, 15, ""),
]
Q3_TOTALS = {
    "issued": 25,
    "deducted": 5,
    "redeemed": 13,
    "balance": 37,
    "points_cleared": 30,
    "households": 4,
    "households_earning": 3,
    "households_cleared": 1,
}
Q2_ROWS = [
    ("H0001", "张*明", 30, 0, 10, 20, ""),
    ("H0002", "张*明", 25, 0, 0, 25, ""),
    ("H0003", "李*海", 15, 0, 0, 15, ""),
    ("H0004", "张*明", 5, 0, 5, 0, ""),
]


def _by_month(rows: list[list[object]], date_col: int) -> dict[str, list[list[object]]]:
    out: dict[str, list[list[object]]] = {}
    for r in rows:
        out.setdefault(str(r[date_col])[:7], []).append(r)
    return out


def _write_exports(folder: Path, points: list, redemptions: list, unit: str = STATION) -> None:
    """One file per sheet and month, as stations send them, received early the next month."""
    for sheet, rows, date_col, suffix in (
        ("points", points, 1, "积分台账"),
        ("redemptions", redemptions, 1, "兑换台账"),
    ):
        for month, month_rows in _by_month(rows, date_col).items():
            y, m = map(int, month.split("-"))
            received = datetime(y + m // 12, m % 12 + 1, 2, 9, 0)
            write_csv(
                folder / f"{unit}_{month}_{suffix}.csv",
                [header(sheet), *month_rows],
                received=received,
            )


@pytest.fixture(scope="module")
def store(tmp_path_factory, registry) -> Path:
    folder = tmp_path_factory.mktemp("notice-in")
    pts = [r for r in LEDGER if str(r[0]).startswith("JF")]
    red = [r for r in LEDGER if str(r[0]).startswith("DH")]
    _write_exports(folder, pts, red)
    households = [
        header("households", ["household_id", "unit_code", "head_name"]),
        ["H0003", STATION, "李四海"],
    ]
    write_csv(
        folder / f"{STATION}_2026-09_户情台账.csv", households, received=datetime(2026, 10, 2)
    )
    # a second station of the town with one household
    _write_exports(
        folder,
        [points_row(1, "H0101", STATION_B, entry_id="JFB01", entry_date="2026-08-01", points=4)],
        [],
        STATION_B,
    )
    # a community (社区) whose one household spent everything in Q3
    _write_exports(
        folder,
        [points_row(1, "H0201", COMMUNITY, entry_id="JFC01", entry_date="2026-07-01", points=6)],
        [
            redemption_row(
                1, 6, "H0201", unit_code=COMMUNITY, entry_id="DHC01", redeemed_date="2026-08-01"
            )
        ],
        COMMUNITY,
    )
    db = tmp_path_factory.mktemp("notice-db")
    report = ingest([folder], db, registry, workers=1, received=Receipt.from_file_dates())
    assert sum(o.rows_quarantined for o in report.outcomes) == 0
    return db


@pytest.fixture(scope="module")
def q3(store) -> notice.Notice:
    with db_store.reading(store) as con:
        return notice.notice_data(con, STATION, "2026Q3", ISSUED_ON)


@pytest.fixture(scope="module")
def q3_files(q3, tmp_path_factory) -> tuple[str, bytes]:
    html = notice.render_html(q3)
    return html, notice.render_pdf(html)


def _rows(n: notice.Notice) -> list[tuple]:
    return [
        (r.household_id, r.head_name, r.issued, r.deducted, r.redeemed, r.balance, r.note)
        for r in n.rows
    ]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "n.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_info(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "i.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


# --- figures ---------------------------------------------------------------------------------


def test_quarter_figures_per_household_and_totals(q3):
    assert _rows(q3) == Q3_ROWS
    assert q3.totals == Q3_TOTALS
    assert (q3.station_name, q3.town_name, q3.county_name) == (
        "安家河村新时代文明实践站",
        "打柴沟镇新时代文明实践所",
        "天祝县",
    )
    assert (q3.first_day, q3.last_day, q3.issued_on) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        ISSUED_ON,
    )
    assert q3.title == "安家河村道德积分2026年第三季度公示"


def test_previous_quarter_lists_a_household_that_spent_everything(store):
    with db_store.reading(store) as con:
        q2 = notice.notice_data(con, STATION, "2026Q2", ISSUED_ON)
    assert _rows(q2) == Q2_ROWS
    assert (q2.totals["issued"], q2.totals["redeemed"], q2.totals["balance"]) == (75, 15, 60)


def test_a_later_quarter_without_events_carries_the_balances(store):
    with db_store.reading(store) as con:
        q4 = notice.notice_data(con, STATION, "2026q4", ISSUED_ON)
    assert [(r.household_id, r.issued, r.balance) for r in q4.rows] == [
        (HOSTILE, 0, 3),
        ("H0001", 0, 19),
        ("H0003", 0, 15),
    ]
    assert q4.code == "2026Q4"


def test_same_day_points_and_clearing_follow_the_ledger_order(tmp_path, registry):
    """On one day points come before a 清零 whatever their 流水号 (etl/rules.py):
    the balance is 0 and the clearing wiped both entries."""
    pts = [
        _pts(4, "H0009", "2026-07-10", 5),
        _clear(5, "H0009", "2026-07-10"),
        _pts(6, "H0009", "2026-07-10", 9),  # a later 流水号 than the 清零, same day
    ]
    _write_exports(tmp_path / "in", pts, [])
    ingest(
        [tmp_path / "in"], tmp_path / "db", registry, workers=1, received=Receipt.from_file_dates()
    )
    with db_store.reading(tmp_path / "db") as con:
        n = notice.notice_data(con, STATION, "2026Q3", ISSUED_ON)
    assert _rows(n) == [("H0009", "张*明", 14, 0, 0, 0, "已清零（7月10日，清除14分）")]


def test_a_community_signs_as_residents_committee_and_an_empty_quarter_says_so(store):
    with db_store.reading(store) as con:
        q3 = notice.notice_data(con, COMMUNITY, "2026Q3", ISSUED_ON)
        q4 = notice.notice_data(con, COMMUNITY, "2026Q4", ISSUED_ON)
    assert _rows(q3) == [("H0201", "张*明", 6, 0, 6, 0, "")]
    assert (q3.title, q3.committee) == ("城关社区道德积分2026年第三季度公示", "城关社区居民委员会")
    html = notice.render_html(q3)
    assert "现将本社区2026年第三季度" in html and "向社区“两委”反映" in html
    assert "村民委员会" not in html and "本村" not in html
    assert q4.rows == ()
    assert "本季度无积分发放、兑换，各户余额均为零。" in notice.render_html(q4)


@pytest.mark.parametrize(
    ("station", "quarter", "message"),
    [
        (STATION, "2026Q5", "季度应写作 2026Q3"),
        (STATION, "2026-3", "季度应写作 2026Q3"),
        (STATION, "", "季度应写作 2026Q3"),
        ("620623999999", "2026Q3", "没有代码为 620623999999 的单位"),
        (TOWN, "2026Q3", "620623101（打柴沟镇新时代文明实践所）是实践所，不是实践站"),
        (
            EMPTY_STATION,
            "2026Q3",
            "铁腰村新时代文明实践站（620623101203）截至 2026-09-30 没有道德积分数据",
        ),
        (STATION, "2026Q1", "截至 2026-03-31 没有道德积分数据"),
    ],
)
def test_errors_say_what_is_wrong(store, station, quarter, message):
    with (
        db_store.reading(store) as con,
        pytest.raises(notice.NoticeError, match=re.escape(message)),
    ):
        notice.notice_data(con, station, quarter)


# --- HTML and PDF ----------------------------------------------------------------------------


def test_html_is_self_contained_escaped_and_shows_masked_names_only(q3_files):
    html, _ = q3_files
    for absent in (
        "张三明",
        "李四海",
        "620623199001011234",
        "13800001234",
        "http",
        "<script",
        HOSTILE,
    ):
        assert absent not in html, absent
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "张*明" in html and "李*海" in html
    assert re.search(r"@page\s*\{\s*size: A4;\s*margin: 14mm;", html)
    assert '"Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", sans-serif' in html
    assert "thead { display: table-header-group; }" in html
    for text in (
        "安家河村道德积分2026年第三季度公示",
        "现将本村2026年第三季度（7月1日至9月30日）道德积分发放、兑换情况公示如下，公示期7天。",
        "1分=1元",
        "清零户当年不再获得积分",
        "安家河村村民委员会",
        "天祝县新时代文明实践中心 监制",
        "2026年10月8日",
    ):
        assert text in html, text


def test_pdf_is_a4_with_the_station_title_and_totals(q3_files, tmp_path):
    _, pdf = q3_files
    w, h = map(
        float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", pdf_info(pdf, tmp_path)).groups()
    )
    assert abs(w - 595.3) < 1 and abs(h - 841.9) < 1  # A4: 210 × 297 mm
    text = pdf_text(pdf, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert "安家河村新时代文明实践站" in flat
    assert "安家河村道德积分2026年第三季度公示" in flat
    total = next(line for line in text.splitlines() if "合计" in line)
    assert re.findall(r"\d[\d,]*", total.split("）", 1)[1])[:4] == ["25", "5", "13", "37"]
    assert "已清零（8月12日，清除30分）" in flat


def test_a_long_ledger_repeats_the_header_on_every_page(tmp_path, registry):
    pts = [_pts(i, f"H{i:04d}", "2026-08-01", i % 7 + 1) for i in range(1, 121)]
    _write_exports(tmp_path / "in", pts, [])
    ingest(
        [tmp_path / "in"], tmp_path / "db", registry, workers=1, received=Receipt.from_file_dates()
    )
    with db_store.reading(tmp_path / "db") as con:
        n = notice.notice_data(con, STATION, "2026Q3", ISSUED_ON)
    assert n.totals["households"] == 120
    assert n.totals["issued"] == sum(i % 7 + 1 for i in range(1, 121))
    pdf = notice.render_pdf(notice.render_html(n))
    pages = [p for p in pdf_text(pdf, tmp_path).split("\f") if p.strip()]
    assert len(pages) >= 2
    assert all("户编号" in p for p in pages)
    # rows are whole: every household id is printed once, none cut across pages
    ids = re.findall(r"\bH\d{4}\b", "\n".join(pages))
    assert ids == [f"H{i:04d}" for i in range(1, 121)]


# --- writing and the CLI ---------------------------------------------------------------------


def test_write_names_the_files_by_station_and_quarter(store, tmp_path):
    with db_store.reading(store) as con:
        paths = notice.write(con, STATION, "2026Q3", tmp_path / "out", ISSUED_ON)
    assert [p.name for p in paths] == [
        f"{STATION}_2026Q3_积分公示.html",
        f"{STATION}_2026Q3_积分公示.pdf",
    ]
    assert paths[1].read_bytes().startswith(b"%PDF")


def test_cli_town_writes_one_pair_per_station_with_data(store, tmp_path):
    out = tmp_path / "out"
    args = ["notice", "--db", str(store), "--town", TOWN, "--quarter", "2026Q3", "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--issued-on", "2026-10-08"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{code}_2026Q3_积分公示.{ext}" for code in (STATION, STATION_B) for ext in ("html", "pdf")
    )
    assert "铁腰村新时代文明实践站" in result.output  # skipped: no points data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--station", STATION, "--quarter", "2026Q5"], "季度应写作 2026Q3"),
        (["--station", TOWN, "--quarter", "2026Q3"], "是实践所，不是实践站"),
        (["--station", EMPTY_STATION, "--quarter", "2026Q3"], "没有道德积分数据"),
        (["--town", STATION, "--quarter", "2026Q3"], "是实践站，不是实践所"),
        (["--quarter", "2026Q3"], "give either --station CODE or --town CODE"),
    ],
)
def test_cli_refuses_with_the_message(store, tmp_path, args, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["notice", "--db", str(store), "--out", str(out), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()
