"""The demo's planted faked points and padded activity reports, through the real pipeline.

A small demo county (the whole registry, four months) is generated, ingested
and ranked with index 2026.2: every padded activity report is accepted row by
row and capped by the index's outlier screen (index_flag), every faked point
is in mart_points_flag, the last month has one of each and the demo office
recognises them; and planting changes nothing but the planted stations.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from core import store as db_store
from core.config import methodology_dir
from core.months import parse_range
from demo import generate as gen
from demo import office, outliers
from demo.generate import MANIFEST, generate, plan_jobs, run_job

MONTHS = "2026-01..2026-04"
SEED = 7
# mart_points_flag's rule for each planted kind
RULE_OF_KIND = {
    "out_of_range": "out_of_range",
    "off_season": "out_of_range",
    "same_day": "same_day",
    "inflated": "peer_outlier",
    "no_publicity": "no_publicity",
}


def q(store: Path, sql: str, params=None) -> list[tuple]:
    with db_store.reading(store) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, registry) -> Path:
    out = tmp_path_factory.mktemp("flags-inbox")
    generate(out, parse_range(MONTHS), seed=SEED, registry=registry, workers=2)
    return out


@pytest.fixture(scope="module")
def manifest(inbox) -> dict:
    return json.loads((inbox / MANIFEST).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ranked(inbox, registry, tmp_path_factory) -> Path:
    """Ingested, and its last month ranked with index 2026.2 (the screen reads the months
    before it from the mart; few draws, since the screen does not depend on them)."""
    from etl.ingest import ingest
    from etl.receipt import Receipt
    from index import run

    store = tmp_path_factory.mktemp("flags-db")
    ingest([inbox], store, registry, workers=2, received=Receipt.from_file_dates())
    last = parse_range(MONTHS)[-1]
    run.rank_and_store(store, [last], methodology_dir() / "tianzhu-2026.2.toml", draws=50)
    return store


def _month(p: dict) -> str:
    return str(p["month"])[:7]


def test_the_last_month_has_a_padded_report_and_faked_points(manifest):
    last = parse_range(MONTHS)[-1].strftime("%Y-%m")
    assert any(_month(p) == last for p in manifest["outliers"])
    assert any(_month(p) == last for p in manifest["integrity"])
    assert manifest["summary"]["planted"] == {
        "faked_points": len(manifest["integrity"]),
        "padded_activities": len(manifest["outliers"]),
    }


def test_padded_rows_are_each_accepted_and_counted(ranked, manifest):
    """No row limit and no near-duplicate rule sets a padded row aside: only the screen can."""
    for p in manifest["outliers"]:
        counted = q(
            ranked,
            "select count(*) from fct_activity where unit_code = ? and month = ?",
            [p["unit_code"], str(p["month"])],
        )[0][0]
        assert counted == p["activities_after"], p
        assert p["rows_added"] >= outliers.MIN_EXTRA_ROWS


def test_every_padded_report_with_history_is_flagged_by_the_screen(ranked, manifest):
    months = [m.strftime("%Y-%m") for m in parse_range(MONTHS)]
    flagged = set(
        q(
            ranked,
            """
            select f.unit_code, strftime(f.month, '%Y-%m'), f.indicator_key
            from index_flag f join index_run r using (run_id)
            where r.is_current and r.methodology_id = 'tianzhu-2026.2'
            """,
        )
    )
    with_history = [p for p in manifest["outliers"] if months.index(_month(p)) >= 3]
    assert with_history  # the last month's, at least
    assert {_month(p) for p in with_history} == {months[-1]}  # the month ranked
    missed = [
        p for p in with_history if (p["unit_code"], _month(p), "activities_per_1k") not in flagged
    ]
    assert missed == []


def test_every_faked_point_is_in_the_points_audit(ranked, manifest):
    flags = set(q(ranked, "select rule, unit_code, strftime(month, '%Y-%m') from mart_points_flag"))
    assert manifest["integrity"]
    missed = [
        p
        for p in manifest["integrity"]
        if (RULE_OF_KIND[p["kind"]], p["unit_code"], _month(p)) not in flags
    ]
    assert missed == []


def test_the_demo_office_recognises_the_last_month_s_plants(ranked, manifest):
    from index import review

    month = parse_range(MONTHS)[-1]
    faked = [p for p in manifest["integrity"] if _month(p) == f"{month:%Y-%m}"]
    padded = [p for p in manifest["outliers"] if _month(p) == f"{month:%Y-%m}"]
    with db_store.reading(ranked) as con:
        flags = review.open_flags(con, month)
    made = office.decisions(flags, faked, padded)
    assert len(made) == len(flags)  # every open flag decided
    by_unit = Counter((d.unit_code, d.kind, d.decision) for d in made)
    for p in padded:
        assert by_unit[(p["unit_code"], "outlier", "cap")] >= 1
        assert all("虚报活动" in d.reason for d in made if d.unit_code == p["unit_code"])
    for p in faked:
        assert by_unit[(p["unit_code"], "points", "penalise")] >= 1
    found = office.planted_found(flags, faked, padded)
    assert len(found) == len({p["unit_code"] for p in faked}) + len(
        {p["unit_code"] for p in padded}
    )
    assert not [line for line in found if "未被识别" in line]


def _faked(planted: list[dict], codes: set[str], skip: set[tuple[str, str]]) -> list[tuple]:
    return sorted(
        (p["unit_code"], _month(p), p["kind"], p.get("entry_id", ""))
        for p in planted
        if p["unit_code"] in codes and (p["unit_code"], _month(p)) not in skip
    )


def test_planting_changes_nothing_but_the_planted_stations(
    manifest, registry, tmp_path, monkeypatch
):
    """The jobs (towns) holding a plant, and one without, generated again with nothing
    planted: every other unit-month's files are the same; a padded month differs only by
    the rows added to its activities."""
    months = parse_range(MONTHS)
    last = f"{months[-1]:%Y-%m}"
    padded = {(p["unit_code"], _month(p)): p for p in manifest["outliers"]}
    forced_faked = {(gen.last_month_plants(registry, SEED, months[-1])[1], last)}
    planted_codes = {u for u, _ in padded} | {u for u, _ in forced_faked}
    jobs = plan_jobs(registry, SEED)
    chosen = [j for j in jobs if planted_codes & set(j.codes)]
    chosen += [next(j for j in jobs if j.name != "county" and not planted_codes & set(j.codes))]

    monkeypatch.setattr(outliers, "RATE", 0.0)
    monkeypatch.setattr(gen, "last_month_plants", lambda reg, seed, last: ("", ""))
    planted_files = {
        (f["unit"], f["month"], f["name"], f["superseded"]): f for f in manifest["files"]
    }
    compared = padded_seen = 0
    for job in chosen:
        res = run_job(registry, 1, SEED, months, job, tmp_path / job.name)
        assert res.outliers == []
        mine = set(job.codes)
        assert _faked(res.integrity, mine, forced_faked) == _faked(
            manifest["integrity"], mine, forced_faked
        )
        for f in res.files:
            key = (f["unit"], f["month"], f["name"], f["superseded"])
            if (f["unit"], f["month"]) in forced_faked:
                continue  # its points changed, and it might have gone missing without them
            with_plants = planted_files[key]
            pad = padded.get((f["unit"], f["month"]))
            if pad and "activities" in f["clean_rows"]:
                rows = dict(
                    f["clean_rows"], activities=f["clean_rows"]["activities"] + pad["rows_added"]
                )
                assert with_plants == dict(f, clean_rows=rows), key
                padded_seen += 1
            else:
                assert with_plants == f, key
                compared += 1
    assert compared > 100
    assert padded_seen >= len(padded)
