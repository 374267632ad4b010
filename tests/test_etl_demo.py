"""The whole demo county through the ETL: every planted fault found, nothing else, marts add up."""

from __future__ import annotations

from collections import Counter

import pytest

from core import store as db_store
from core.contract import SHEETS, obligations
from etl import models


def q(store, sql: str) -> list[tuple]:
    with db_store.reading(store) as con:
        return con.sql(sql).fetchall()


def _rel(path: str, root) -> str:
    return path.split(str(root).rstrip("/") + "/", 1)[1]


def test_every_planted_fault_is_quarantined_with_its_kind_and_nothing_else(
    demo_store, demo_inbox, demo_manifest
):
    store, _ = demo_store
    planted = {(d["path"], d["sheet"], d["row"]): d["kind"] for d in demo_manifest["dirt"]}
    got = {
        (_rel(path, demo_inbox), sheet, row): code
        for path, sheet, row, code in q(
            store,
            "select source_path, sheet_key, source_row, reason_code from mart_quarantine "
            "where is_current",
        )
    }
    assert len(planted) > 3000
    assert got == planted
    assert set(planted.values()) == {
        "unknown_unit_code",
        "negative_count",
        "duplicate_row",
        "bad_date",
        "invalid_enum",
        "missing_required",
        "out_of_range",
        "overdrawn_redemption",
        "completed_before_ordered",
    }


def test_the_broken_file_and_the_note_are_reported_and_everything_else_loads(
    demo_store, demo_manifest
):
    _, report = demo_store
    status = Counter(o.status for o in report.outcomes)
    faults = {f["name"]: f["fault"] for f in demo_manifest["files"] if f.get("fault")}
    by_name = {o.display.rsplit("/", 1)[-1]: o for o in report.outcomes}
    for name, fault in faults.items():
        assert (
            by_name[name].status == {"unreadable": "unreadable", "not_an_export": "skipped"}[fault]
        )
    exports = [f for f in demo_manifest["files"] if not f.get("fault")]
    assert status["loaded"] == len(exports)
    assert status["unreadable"] == 1
    assert report.check_failures == []


def test_accepted_rows_are_exactly_the_clean_rows_of_current_files(demo_store, demo_manifest):
    store, _ = demo_store
    clean: Counter[str] = Counter()
    for f in demo_manifest["files"]:
        if not f.get("superseded") and not f.get("fault"):
            clean.update(f["clean_rows"])
    fact_rows = {
        "activities": "select count(*) from fct_activity",
        "points": "select count(*) from fct_points_entry",
        "redemptions": "select count(*) from fct_redemption",
        "matters": "select count(*) from fct_matter",
        "standards": "select count(*) from stg_standards",
        "households": "select count(*) from stg_households",
        "volunteers": "select count(*) from stg_volunteers",
        "orders": "select count(*) from fct_order",
    }
    got = {k: q(store, sql)[0][0] for k, sql in fact_rows.items()}
    assert got == dict(clean)


def test_mart_totals_equal_sums_of_the_accepted_raw_rows(demo_store):
    """Recomputed here from raw tables and file dates, not through the models."""
    store, _ = demo_store
    current = """
        with latest as (
            select s.file_id, s.sheet_key,
                   row_number() over (partition by unit_code, month, sheet_key
                                      order by received_at desc, file_id desc) = 1 as keep
            from submission s
        )
        select file_id from latest where keep and sheet_key = '{sheet}'
    """
    raw = q(
        store,
        f"""
        select count(*), sum(participants), sum(coalesce(volunteer_hours, 0)),
               sum(coalesce(beneficiaries, 0))
        from raw_activities where file_id in ({current.format(sheet="activities")})""",
    )
    mart = q(
        store,
        """
        select sum(activities), sum(participants), sum(volunteer_hours), sum(beneficiaries)
        from mart_activity_month""",
    )
    assert raw[0][0] > 10_000
    assert mart[0][:2] == raw[0][:2] and mart[0][2] == pytest.approx(raw[0][2])
    assert mart[0][3] == raw[0][3]
    issued = q(
        store,
        f"""
        select sum(points) from raw_points
        where file_id in ({current.format(sheet="points")}) and status = '核发' and points > 0""",
    )
    cleared_after = q(
        store,
        "select coalesce(sum(points), 0) from fct_points_entry "
        "where status = '核发' and points > 0 and not is_issued",
    )
    redeemed = q(
        store,
        f"""
        select sum(points) from raw_redemptions
        where file_id in ({current.format(sheet="redemptions")})""",
    )
    overdrawn = q(store, "select sum(points) from int_household_ledger where is_overdrawn")
    points = q(store, "select sum(points_issued), sum(points_redeemed) from mart_points_month")
    assert points[0][0] == issued[0][0] - cleared_after[0][0]
    assert points[0][1] == redeemed[0][0] - overdrawn[0][0]
    # the balance is what was issued less deducted and redeemed, floors and clearings aside
    last = q(
        store,
        """select sum(balance_points) from mart_points_month
                       where month = (select max(month) from mart_points_month)""",
    )
    ledger = q(
        store,
        """select sum(balance_after) from (select arg_max(balance_after,
        (event_date, event_kind = 'redeem', entry_id)) as balance_after from int_household_ledger
        group by unit_code, household_id)""",
    )
    assert last == ledger


def test_completeness_matches_what_was_sent(demo_store, demo_manifest):
    store, _ = demo_store
    summary = demo_manifest["summary"]
    missing_unit_months = q(
        store,
        """
        select count(*) from (
            select unit_code, month from mart_submission where is_expected
            group by all having bool_and(status = 'missing'))""",
    )[0][0]
    assert missing_unit_months == summary["missing_submissions"]
    late_unit_months = q(
        store,
        """
        select count(*) from (
            select unit_code, month from mart_submission where is_expected
            group by all having bool_or(status = 'late'))""",
    )[0][0]
    assert late_unit_months == summary["late_submissions"]
    corrected = q(
        store, "select count(distinct (unit_code, month)) from stg_submission where versions > 1"
    )[0][0]
    assert corrected == summary["resubmissions"]


def test_contract_obligations_are_owed_by_senders():
    for sheet in SHEETS:
        assert set(sheet.owed_by) <= set(sheet.senders), sheet.key
        assert not (sheet.optional_sheet and sheet.owed_by), sheet.key


def test_mart_submission_expects_exactly_what_the_contract_says_is_owed(demo_store, registry):
    """Every unit of a kind, every month, every sheet its kind owes (contract owed_by), nothing
    else: a star-rating sheet (户信息) or matters a station sends are never 未报送."""
    store, _ = demo_store
    found = q(
        store,
        """
        select u.kind, s.sheet_key, count(distinct s.unit_code), count(distinct s.month), count(*)
        from mart_submission s join ref_unit_all u on u.code = s.unit_code
        where s.is_expected group by all
        """,
    )
    n_months = q(store, "select count(*) from stg_month")[0][0]
    units = registry.counts()
    expected = {
        (kind, sheet): (units[kind], n_months, units[kind] * n_months)
        for kind, sheet in obligations()
    }
    assert {(k, s): (u, m, n) for k, s, u, m, n in found} == expected
    assert n_months == 22


def test_every_model_states_its_grain_and_has_checks():
    found = models.discover()
    assert len(found) >= 25
    for m in found.values():
        assert m.grain, f"{m.name} does not state its grain"
        assert m.checks, f"{m.name} has no data checks"
