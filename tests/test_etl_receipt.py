"""Receipt order: submissions count in the order the office received them (issue 17, finding 5).

Real files, the real database, `civic ingest` as a process or through click, and the
upload page through AppTest. A file's own date (its modification time) is only
information, unless an archive is loaded with --received-from-file-dates.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from civic.cli import main
from core import store as db_store
from etl.receipt import Receipt, parse_time
from tests.conftest import admin_page, environment
from tests.exports import (
    STATION,
    STATION_B,
    activity,
    header,
    points_row,
    redemption_row,
    write_csv,
)

ROOT = Path(__file__).resolve().parents[1]
POINTS = f"{STATION}_安家河村_2026-10_积分台账.csv"
FIXED = f"{STATION}_安家河村_2026-10_积分台账（更正）.csv"


def q(store: Path, sql: str, params=None) -> list[tuple]:
    with db_store.reading(store) as con:
        return con.execute(sql, params or []).fetchall()


def civic(*args, ok: bool = True) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def ingest_cli(store: Path, *paths: Path, extra: tuple = ()) -> str:
    return civic("ingest", *paths, "--db", store, "--workers", 1, *extra)


def original(folder: Path) -> Path:
    """The points of 2026-10 as first sent: three entries of 10, file dated 5 November."""
    rows = [points_row(i, household=f"H000{i}") for i in (1, 2, 3)]
    return write_csv(
        folder / POINTS, [header("points"), *rows], received=datetime(2026, 11, 5, 9, 0)
    )


def correction(folder: Path) -> Path:
    """The same month corrected (25 points, not 30), in a file dated before the original."""
    rows = [points_row(1, household="H0001", points=5)] + [
        points_row(i, household=f"H000{i}") for i in (2, 3)
    ]
    return write_csv(
        folder / FIXED, [header("points"), *rows], received=datetime(2026, 11, 1, 8, 0)
    )


def issued(store: Path) -> list[tuple]:
    return q(
        store, "select sum(points_issued) from mart_points_month where unit_code = ?", [STATION]
    )


def current(store: Path) -> list[tuple]:
    return q(store, "select file_name from stg_submission where is_current order by 1")


def received_of(store: Path, name: str) -> datetime:
    return q(store, "select received_at from source_file where file_name = ?", [name])[0][0]


# --- an older-dated correction received later replaces the original -------------------------


def test_an_older_dated_correction_ingested_later_replaces_the_original(tmp_path):
    store = tmp_path / "db"
    first = ingest_cli(store, original(tmp_path / "a"))
    assert "收到时间：按本次导入的时间" in first
    assert issued(store) == [(30,)]
    out = ingest_cli(store, correction(tmp_path / "b"))
    # the database now holds the correction's figures, though its file is dated earlier
    assert issued(store) == [(25,)]
    assert current(store) == [(FIXED,)]
    was = received_of(store, POINTS)
    assert f"替换 {POINTS}（{was:%Y-%m-%d %H:%M}）" in out
    assert "文件日期 2026-11-01 08:00" in out  # its own date is shown, as information
    assert "其中 1 个替换了此前的版本" in out
    got = q(store, "select received_at > ?, file_modified_at from source_file where file_name = ?",
            [was, FIXED])  # fmt: skip
    assert got == [(True, datetime(2026, 11, 1, 8, 0))]
    # the original sent again, byte for byte, is skipped: the correction stays
    again = ingest_cli(store, tmp_path / "a" / POINTS)
    assert "已导入过，跳过" in again and "没有新文件，数据库未改变" in again
    assert issued(store) == [(25,)] and current(store) == [(FIXED,)]


def test_a_file_received_before_the_current_version_says_it_did_not_replace_it(tmp_path):
    """Receipt order is the order: told the original came before the correction, it stays
    history, and says which later version still counts."""
    store = tmp_path / "db"
    ingest_cli(store, correction(tmp_path / "b"), extra=("--received-at", "2026-11-06 10:00"))
    out = ingest_cli(store, original(tmp_path / "a"), extra=("--received-at", "2026-11-04 09:00"))
    # told it came earlier, the original does not replace the later correction, and says so
    assert current(store) == [(FIXED,)] and issued(store) == [(25,)]
    assert f"未成为当前版本：更晚收到的 {FIXED}（2026-11-06 10:00）仍然有效" in out
    assert "收到时间：按指定的时间（--received-at） 2026-11-04 09:00" in out


def test_files_received_together_go_by_their_own_date_then_path(tmp_path):
    """One run: every file is received at its start; the newest own date is the latest."""
    store = tmp_path / "db"
    original(tmp_path / "in")
    correction(tmp_path / "in")  # dated before the original
    out = ingest_cli(store, tmp_path / "in")
    assert current(store) == [(POINTS,)] and issued(store) == [(30,)]
    assert received_of(store, POINTS) == received_of(store, FIXED)
    ids = dict(q(store, "select file_name, file_id from source_file"))
    assert ids[FIXED] < ids[POINTS]  # file ids follow the files' own dates
    assert f"替换 {FIXED}（" in out


# --- per-file counts are the file's own --------------------------------------------------------


def test_a_file_without_redemptions_reports_no_overdrawn_redemptions(tmp_path):
    """A points correction that leaves earlier redemptions uncovered: those rows belong to the
    redemptions file; the points file's line and JSON count only its own rows."""
    store = tmp_path / "db"
    pts = [points_row(1, household="H0001", points=40), points_row(2, household="H0002")]
    write_csv(tmp_path / "a" / POINTS, [header("points"), *pts], received=datetime(2026, 11, 3))
    red = [redemption_row(1, 30, "H0001"), redemption_row(2, 50, "H0002")]  # 2nd overdrawn
    redemptions = f"{STATION}_安家河村_2026-10_兑换台账.csv"
    write_csv(tmp_path / "a" / redemptions, [header("redemptions"), *red])
    first = json.loads(ingest_cli(store, tmp_path / "a", extra=("--json",)))
    by_name = {f["name"]: f for f in first["files"]}
    assert [r["code"] for r in by_name[redemptions]["quarantined_by_reason"]] == [
        "overdrawn_redemption"
    ]
    assert by_name[POINTS]["quarantined_by_reason"] == []
    # the correction lowers H0001 to 10 points: its redemption of 30 is now uncovered too
    fixed = [points_row(1, household="H0001", points=10), points_row(2, household="H0002")]
    write_csv(tmp_path / "b" / FIXED, [header("points"), *fixed])
    text = ingest_cli(store, tmp_path / "b", extra=("-v",))
    assert q(store, "select count(*) from mart_quarantine where reason_code = "
             "'overdrawn_redemption'") == [(2,)]  # fmt: skip
    assert "兑换超过积分余额" not in text
    assert f"替换 {POINTS}（" in text and "接受 2 行" in text
    # the same through --json, file by file against the database
    write_csv(tmp_path / "c" / "empty.csv", [header("points")])
    report = json.loads(ingest_cli(store, tmp_path / "c", extra=("--json",)))
    assert report["files"][0]["quarantined_by_reason"] == []
    assert report["totals"]["quarantined_by_reason"] == []


# --- civic ingest --json ---------------------------------------------------------------------


def test_ingest_json_parses_and_matches_the_database(tmp_path):
    store = tmp_path / "db"
    inbox = tmp_path / "in"
    ingest_cli(store, original(tmp_path / "first"))
    correction(inbox)
    bad = [header("activities"), activity(1), activity(2, activity_date="2026-13-45")]
    write_csv(inbox / f"{STATION_B}_2026-10_活动台账.csv", bad, received=datetime(2026, 11, 2))
    (inbox / "说明.txt").write_text("本月已报送。", encoding="utf-8")
    (inbox / "copy").mkdir()
    (inbox / "copy" / FIXED).write_bytes((inbox / FIXED).read_bytes())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "civic.cli", "ingest", str(inbox), "--db", str(store),
         "--workers", "1", "--json"],
        cwd=ROOT, env=env, capture_output=True, check=True,
    )  # fmt: skip
    raw = proc.stdout.decode("utf-8")
    assert "替换" in raw and "\\u" not in raw  # Chinese kept as text
    doc = json.loads(raw)
    assert doc["receipt"]["mode"] == "run"
    assert doc["database"]["changed"] and doc["database"]["batch_id"] == 2
    assert doc["database"]["path"] == str(db_store.current_path(store))
    assert doc["database"]["version"] == db_store.version_of(db_store.current_path(store))
    files = {f["file"].removeprefix(str(inbox) + "/"): f for f in doc["files"]}
    assert {k: f["status"] for k, f in files.items()} == {
        FIXED: "loaded",
        f"copy/{FIXED}": "duplicate",
        f"{STATION_B}_2026-10_活动台账.csv": "loaded",
        "说明.txt": "skipped",
    }
    assert files["说明.txt"]["skipped_reason"]
    rows = q(
        store,
        "select f.file_name, strftime(f.received_at, '%Y-%m-%d %H:%M'),"
        " strftime(f.file_modified_at, '%Y-%m-%d %H:%M'), f.unit_code,"
        " strftime(f.month, '%Y-%m'), sum(s.rows_accepted), sum(s.rows_quarantined)"
        " from source_file f join source_sheet s using (file_id) where f.batch_id = 2"
        " group by all",
    )
    loaded = {f["name"]: f for f in doc["files"] if f["status"] == "loaded"}
    assert {
        n: (f["received_at"], f["file_modified_at"], f["unit_code"], f["month"],
            f["rows_accepted"], f["rows_quarantined"])
        for n, f in loaded.items()
    } == {r[0]: tuple(r[1:]) for r in rows}  # fmt: skip
    reasons = q(
        store,
        "select f.file_name, q.reason_code, count(*) from quarantine q join source_file f"
        " using (file_id) where f.batch_id = 2 group by all",
    )
    assert {
        (n, r["code"], r["rows"])
        for n, f in loaded.items()
        for r in f["quarantined_by_reason"]
        if r["stage"] == "read"
    } == set(reasons)
    assert [r["reason"] for r in loaded[f"{STATION_B}_2026-10_活动台账.csv"]
            ["quarantined_by_reason"]] == ["日期无效"]  # fmt: skip
    was = received_of(store, POINTS)
    assert loaded[FIXED]["replaced"] == [
        {"file_name": POINTS, "source_path": str(tmp_path / "first" / POINTS),
         "received_at": f"{was:%Y-%m-%d %H:%M}", "sheets": ["points"]}
    ]  # fmt: skip
    assert loaded[FIXED]["is_current"] is True
    assert doc["totals"]["rows_accepted"] == sum(f["rows_accepted"] for f in loaded.values())
    assert doc["totals"]["files_replacing"] == 1
    # nothing new: valid JSON still, naming the version in use
    again = json.loads(ingest_cli(store, inbox, extra=("--json",)))
    assert not again["database"]["changed"] and again["database"]["version"] == 2
    seen = next(f for f in again["files"] if f["name"] == FIXED)
    assert seen["status"] == "seen" and seen["received_at"] == loaded[FIXED]["received_at"]


# --- the archive option ----------------------------------------------------------------------


def _two_stations(folder: Path) -> Path:
    """STATION's October on time (3 Nov), STATION_B's late (6 Nov; the deadline is the 5th)."""
    for unit, day in ((STATION, 3), (STATION_B, 6)):
        write_csv(
            folder / f"{unit}_2026-10_活动台账.csv",
            [header("activities"), activity(1, unit=unit)],
            received=datetime(2026, 11, day, 9, 0),
        )
    return folder


def _status(store: Path) -> dict[str, str]:
    return dict(
        q(
            store,
            "select unit_code, status from mart_submission where sheet_key = 'activities'"
            " and month = date '2026-10-01' and unit_code in (?, ?)",
            [STATION, STATION_B],
        )
    )


@pytest.mark.parametrize(
    ("extra", "expected", "said"),
    [
        (("--received-from-file-dates",), {STATION: "on_time", STATION_B: "late"},
         "按各文件自身的日期（归档导入"),
        (("--received-at", "2026-11-04"), {STATION: "on_time", STATION_B: "on_time"},
         "按指定的时间（--received-at） 2026-11-04 00:00"),
        ((), {STATION: "late", STATION_B: "late"}, "按本次导入的时间"),  # received today
    ],
)  # fmt: skip
def test_the_archive_option_reproduces_on_time_and_late(tmp_path, extra, expected, said):
    store = tmp_path / "db"
    out = ingest_cli(store, _two_stations(tmp_path / "in"), extra=extra)
    assert _status(store) == expected
    assert said in out
    mode = {"--received-from-file-dates": "file_dates", "--received-at": "given"}
    assert q(store, "select receipt from import_batch") == [(mode.get(extra[0], "run") if extra
                                                              else "run",)]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--received-at", "2026-11-31"), "无法识别"),
        (("--received-at", "2999-01-01"), "不能在将来"),
        (("--received-at", "2026-11-04", "--received-from-file-dates"), "只能选一个"),
    ],
)
def test_received_options_are_checked(tmp_path, args, message):
    out = civic("ingest", tmp_path, "--db", tmp_path / "db", *args, ok=False)
    assert message in out
    assert not (tmp_path / "db").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-04", datetime(2026, 11, 4)),
        ("2026-11-04 09:30", datetime(2026, 11, 4, 9, 30)),
        ("2026-11-04T09:30", datetime(2026, 11, 4, 9, 30)),
        (" 2026-11-04 09:30:15 ", datetime(2026, 11, 4, 9, 30, 15)),
    ],
)
def test_received_at_forms(text, expected):
    assert parse_time(text) == expected


def test_a_receipt_describes_itself():
    at = datetime(2026, 11, 29, 11, 52, 7, 12)
    assert Receipt.at_run().started(at).at == datetime(2026, 11, 29, 11, 52, 7)
    assert (
        Receipt.uploaded(at).describe()
        == "收到时间：按上传的时间 2026-11-29 11:52；文件日期仅作参考"
    )
    assert Receipt.from_file_dates().received_at(at) == at
    assert Receipt.given(at).received_at(datetime(2020, 1, 1)) == at.replace(microsecond=0)


# --- the upload page -------------------------------------------------------------------------


def test_the_upload_page_shows_the_replacement(tmp_path):
    store = tmp_path / "db"
    ingest_cli(store, original(tmp_path / "a"))
    was = received_of(store, POINTS)
    content = correction(tmp_path / "b").read_bytes()
    env = {
        "CIVIC_DB_DIR": str(store),
        "CIVIC_INBOX_DIR": str(tmp_path / "inbox"),
        "CIVIC_ACCOUNTS_DB": str(tmp_path / "accounts.sqlite"),
    }
    with environment(**env):
        at = admin_page("submissions")
        at.file_uploader[0].set_value((FIXED, content, "text/csv"))
        at.run()
        next(b for b in at.button if b.label == "导入").click().run()
        assert not at.exception, [e.value for e in at.exception]
    assert issued(store) == [(25,)] and current(store) == [(FIXED,)]
    replaced = f"替换 {POINTS}（{was:%Y-%m-%d %H:%M}）"
    assert f"{FIXED}：{replaced}" in [t.value for t in at.text]
    assert any(t.value.startswith("收到时间：按上传的时间") for t in at.text)
    outcomes = next(d.value for d in at.dataframe if d.value.columns[0] == "文件")
    assert outcomes["替换"].tolist() == [replaced]
    assert outcomes["文件日期"].tolist()[0] != ""  # the stored upload's own date
    batches = q(store, "select receipt from import_batch order by batch_id")
    assert batches == [("run",), ("upload",)]


def test_a_zip_entry_is_dated_by_the_date_stored_in_the_zip(tmp_path):
    """An entry's own date is the one the zip stores for it, not the zip's modification time."""
    from demo.files import write_file, zip_files

    content = correction(tmp_path / "src").read_bytes()
    stored = datetime(2026, 11, 2, 8, 0)
    zipped = tmp_path / "in" / "安家河村.zip"
    write_file(zipped, zip_files([(FIXED, content)], stored, True), datetime(2026, 11, 20, 17, 0))
    store = tmp_path / "db"
    ingest_cli(store, zipped, extra=("--received-from-file-dates",))
    assert q(store, "select source_path, received_at, file_modified_at from source_file") == [
        (f"{zipped}!{FIXED}", stored, stored)
    ]
