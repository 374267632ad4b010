"""The SQL models' own data checks: a planted violation is reported, and only it.

Each case builds the model's table by hand (one valid row, then the row
changed to break one rule) and runs the checks its header declares.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from core import store as db_store
from etl import models
from tests.conftest import copy_store, environment
from tests.exports import STATION, header, points_row, write_csv


def failing(table: str, rows: list[dict], like: dict, **tables: list[dict]) -> list[str]:
    """The checks of model `table` that fail on `rows`, typed like the row `like` (other
    tables given by name)."""
    con = duckdb.connect()
    for name, data in {table: [like, *rows], **{k: [v[0], *v] for k, v in tables.items()}}.items():
        frame = pl.DataFrame(data, infer_schema_length=None).slice(1)
        # a column left empty in every row: a date by its name, else text
        frame = frame.with_columns(
            pl.col(c).cast(pl.Date if c.endswith(("_date", "_month")) else pl.String)
            for c, t in frame.schema.items()
            if t == pl.Null
        )
        con.register("_rows", frame)
        con.execute(f"create table {name} as select * from _rows")
        con.unregister("_rows")
    out = []
    for label, q in models.check_queries(models.discover()[table]):
        if con.sql(q).fetchall()[0][0]:
            out.append(label.split(": ", 1)[1])
    return out


# --- mart_household_year -------------------------------------------------------------------

YEAR = {
    "unit_code": STATION,
    "household_id": "H0001",
    "year": 2026,
    "head_name_masked": "张*明",
    "id_number_hash": "ab" * 16,
    "has_events": True,
    "points_issued": 30,
    "points_deducted": 10,  # 4 of it floored away: the balance was 6 when it came
    "points_redeemed": 20,
    "points_cleared": 0,
    "balance_start_points": 0,
    "balance_points": 4,
    "stars": 7,
    "required_stars_met": True,
    "rated_month": date(2026, 6, 1),
    "is_cleared": False,
    "cleared_date": None,
    "clear_source": None,
    "clear_reason": None,
}
CLEARED = {"is_cleared": True, "cleared_date": date(2026, 8, 10), "clear_source": "台账"}
REF_UNIT = [{"code": STATION}]


@pytest.mark.parametrize(
    ("change", "broken"),
    [
        ({}, []),
        ({"balance_points": 0, "points_cleared": 4, **CLEARED, "clear_reason": "违规"}, []),
        ({"has_events": False, "points_issued": 0, "points_deducted": 0,
          "points_redeemed": 0, "balance_start_points": 4}, []),
        ({"balance_points": None}, ["not_null"]),
        ({"has_events": False, "balance_start_points": 4}, ["has_events or (points_issued = 0"]),
        ({"has_events": False, "balance_start_points": 0, "points_issued": 0,
          "points_deducted": 0, "points_redeemed": 0, "balance_points": 0},
         ["has_events or balance_start_points > 0"]),
        ({"balance_points": 11}, ["balance_points <= "]),
        ({"balance_points": 0, "points_deducted": 5}, ["balance_points >= "]),
        ({"points_redeemed": -1, "balance_points": 25}, ["points_redeemed >= 0"]),
        ({"stars": 11}, ["stars between 0 and 10"]),
        ({"is_cleared": True}, ["is_cleared = (cleared_date is not null)"]),
        ({**CLEARED, "cleared_date": date(2025, 12, 1)}, ["year(cleared_date) = year"]),
        ({"unit_code": "620623999999"}, ["relationship"]),
    ],
)  # fmt: skip
def test_household_year_checks(change, broken):
    found = failing("mart_household_year", [{**YEAR, **change}], YEAR, ref_unit=REF_UNIT)
    assert len(found) == len(broken), found
    for label, expected in zip(found, broken, strict=True):
        assert expected in label


def test_household_year_is_unique_per_household_and_year():
    carried = {"has_events": False, "balance_start_points": 4, "points_issued": 0,
               "points_deducted": 0, "points_redeemed": 0}  # fmt: skip
    rows = [YEAR, YEAR, {**YEAR, "year": 2027, **carried}]
    assert failing("mart_household_year", rows, YEAR, ref_unit=REF_UNIT) == [
        "unique unit_code, household_id, year"
    ]


# --- mart_household_quarter ----------------------------------------------------------------

QUARTER = {
    "unit_code": STATION,
    "household_id": "H0001",
    "quarter": date(2026, 7, 1),
    "year": 2026,
    "head_name_masked": "张*明",
    "events": 3,
    "points_issued": 30,
    "points_deducted": 0,
    "points_redeemed": 0,
    "clearings": 1,
    "points_cleared": 40,
    "clearing_list": [{"cleared_date": date(2026, 8, 10), "points_cleared": 40}],
    "balance_start_points": 10,
    "balance_points": 0,
}


@pytest.mark.parametrize(
    ("change", "broken"),
    [
        ({}, []),
        ({"quarter": date(2026, 8, 1)}, ["quarter = date_trunc"]),
        ({"year": 2025}, ["quarter = date_trunc"]),
        ({"clearings": 2}, ["clearings = len(clearing_list)"]),
        ({"balance_points": 1}, ["balance_points <= "]),
        ({"points_cleared": 20, "clearing_list": [
            {"cleared_date": date(2026, 8, 10), "points_cleared": 20}]}, ["balance_points >= "]),
        ({"points_issued": None}, ["not_null"]),
    ],
)  # fmt: skip
def test_household_quarter_checks(change, broken):
    found = failing("mart_household_quarter", [{**QUARTER, **change}], QUARTER)
    assert len(found) == len(broken), found
    for label, expected in zip(found, broken, strict=True):
        assert expected in label


# --- stg_row_key ---------------------------------------------------------------------------


def test_an_id_sent_again_in_a_later_submission_is_a_duplicate_of_the_first():
    con = duckdb.connect()
    other = "620623101205"
    con.execute(
        """
        create table stg_submission as select * from (values
            (1, 'points', timestamp '2026-02-03 09:00', true),
            (2, 'points', timestamp '2026-03-02 09:00', true),
            (3, 'redemptions', timestamp '2026-02-03 09:00', true),
            (4, 'points', timestamp '2026-02-01 09:00', false),  -- replaced by a correction
            (5, 'activities', timestamp '2026-02-04 09:00', true)
        ) t (file_id, sheet_key, received_at, is_current)
        """
    )
    rows = "(file_id, sheet_name, source_row, unit_code, {key})"
    con.execute(
        f"""
        create table raw_points as select * from (values
            (2, '积分台账', 5, $u, 'JF001'), (1, '积分台账', 2, $u, 'JF001'),
            (2, '积分台账', 6, $other, 'JF001'), (4, '积分台账', 2, $u, 'JF001')
        ) t {rows.format(key="entry_id")}
        """,
        {"u": STATION, "other": other},
    )
    con.execute(
        f"create table raw_redemptions as select * from (values (3, '兑换台账', 2, $u, 'JF001'))"
        f" t {rows.format(key='entry_id')}",
        {"u": STATION},
    )
    con.execute(
        f"""
        create table raw_activities as select * from (values
            (5, '活动台账', 3, $u, 'HD1'), (5, '活动台账', 2, $u, 'HD1')
        ) t {rows.format(key="activity_id")}
        """,
        {"u": STATION},
    )
    got = (
        con.sql(models.discover()["stg_row_key"].sql)
        .pl()
        .sort("sheet_key", "file_id", "source_row")
    )
    assert got["received_at"].dtype == pl.Datetime("us")  # the submission's
    assert got.select(
        "sheet_key", "file_id", "source_row", "first_file_id", "first_source_row", "is_duplicate"
    ).rows() == [
        ("activities", 5, 2, 5, 2, False),
        ("activities", 5, 3, 5, 2, True),
        ("points", 1, 2, 1, 2, False),
        ("points", 2, 5, 1, 2, True),
        ("points", 2, 6, 2, 6, False),  # another unit's JF001 is its own
        ("redemptions", 3, 2, 3, 2, False),  # a redemption's 流水号 is not a points entry's
    ]


# --- a change to the inputs rebuilds the models in a new version ----------------------------


@pytest.fixture(scope="module")
def small_store(tmp_path_factory, registry) -> Path:
    from etl.ingest import ingest

    root = tmp_path_factory.mktemp("rebuilt")
    rows = [points_row(1, points=30), points_row(2, entry_date="2026-10-09", points=12)]
    write_csv(root / "in" / f"{STATION}_2026-10_积分台账.csv", [header("points"), *rows])
    with environment(CIVIC_SECRET="models-test-key"):
        ingest([root / "in"], root / "db", registry, workers=1)
    return root / "db"


def _clear(con) -> None:
    con.execute(
        "insert into office_clearing values (1, $u, 'H0001', date '2026-10-05', '测试', '测试员', "
        "timestamp '2026-10-06 09:00', null, null, null)",
        {"u": STATION},
    )


def _balance(store: Path) -> list[tuple]:
    with db_store.reading(store) as con:
        return con.sql("select balance_points, is_cleared from mart_household_year").fetchall()


def test_a_change_is_published_with_the_models_built_again(small_store, tmp_path):
    store = copy_store(small_store, tmp_path / "db")
    assert _balance(store) == [(42, False)]
    before = db_store.current_path(store)
    with models.rebuilt_version(store) as con:
        _clear(con)
    assert db_store.current_path(store) != before
    assert _balance(store) == [(0, True)]  # cleared on the 5th: the 9th's 12 points are barred


def test_a_failing_check_keeps_the_version_readers_have(small_store, tmp_path, monkeypatch):
    store = copy_store(small_store, tmp_path / "db")
    before = db_store.current_path(store)
    monkeypatch.setattr(models, "check", lambda con: ["mart_x: check planted（1 行）"])

    class Refused(ValueError):
        pass

    with (
        pytest.raises(Refused, match="数据检查未通过：mart_x: check planted"),
        models.rebuilt_version(store, Refused) as con,
    ):
        _clear(con)
    assert db_store.current_path(store) == before
    assert _balance(store) == [(42, False)]


# --- int_activity_screen and the contract's row limits ---------------------------------------

SCREEN = {
    "file_id": 1,
    "sheet_name": "活动台账",
    "source_row": 3,
    "unit_code": STATION,
    "activity_id": "HD202610-002",
    "activity_date": date(2026, 10, 5),
    "name_key": "政策宣讲进农家",
    "reason_code": "suspected_duplicate",
    "column_key": "activity_name",
    "column_header": "活动名称",
    "reason": "与「a.csv」第 2 行的日期、活动名称、人数和时长相同，疑似重复录入，只计一次",
    "problems": None,
    "limit_code": None,
    "twin_file_id": 1,
    "twin_source_row": 2,
    "is_counted": False,
}
COUNTED = {"reason_code": None, "column_key": None, "column_header": None, "reason": None,
           "twin_file_id": None, "twin_source_row": None, "is_counted": True}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "broken"),
    [
        ({}, []),
        (COUNTED, []),
        ({"reason_code": "implausible_value", "limit_code": "hours_per_volunteer",
          "twin_file_id": None, "twin_source_row": None}, []),
        ({**COUNTED, "is_counted": False}, ["is_counted = (reason_code is null)"]),
        ({"is_counted": True}, ["is_counted = (reason_code is null)"]),
        ({"reason_code": "too_many", "reason": None, "twin_file_id": None}, ["accepted"]),
        ({"reason": None}, ["= (reason is not null)"]),
        ({"twin_file_id": None}, ["= (twin_file_id is not null)"]),
        ({"reason_code": "implausible_value", "twin_file_id": None},
         ["= (limit_code is not null)"]),
        ({"name_key": None}, ["not_null"]),
    ],
)  # fmt: skip
def test_activity_screen_checks(change, broken):
    found = failing("int_activity_screen", [{**SCREEN, **change}], SCREEN)
    assert len(found) == len(broken), found
    for label, expected in zip(found, broken, strict=True):
        assert expected in label


def test_every_row_limit_names_a_number_column_a_known_basis_and_a_complete_reason():
    from core.contract import LIMIT_BASES, ROW_LIMITS, SHEET_BY_KEY

    assert len({r.code for r in ROW_LIMITS}) == len(ROW_LIMITS)
    for r in ROW_LIMITS:
        column = SHEET_BY_KEY[r.sheet_key].column(r.column_key)
        assert column.kind in ("int", "number"), r.code
        assert r.basis in LIMIT_BASES and r.factor > 0 and r.label, r.code
        # the model fills exactly these placeholders
        text = r.reason.format(header="H", value=1, basis=2, factor=3, limit=6)
        assert "{" not in text and "「H」1" in text, r.code
