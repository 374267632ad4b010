"""Index 2026.2 made defensible: the eleven ways 2026.1 failed, each on a hand-made county.

Every case runs the real pipeline: the export files of tests/county.py (a cut
of the real registry, two months, one unit per case beside an ordinary twin)
through `civic ingest` and `civic rank` with the real methodology file
(data/methodology/tianzhu-2026.2.toml, the newest), and reads the outcome
back from the database (index_score, index_indicator, index_flag,
mart_quarantine) or from the publisher's sentences. Each test's docstring
says what 2026.1 did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from conftest import copy_store
from polars.testing import assert_frame_equal

from civic.cli import main
from core import config
from core import store as db_store
from demo.scale import write_registry
from index import review
from index import run as index_run
from index.compute import compute
from index.explain import GAP_POINTS
from index.methodology import load
from publish import model, workflow
from publish.text import short_unit
from tests import county as c
from tests.exports import header, write_csv

METHOD = config.methodology_dir() / "tianzhu-2026.2.toml"
SEP, OCT = c.SEP, c.OCT
DRAWS = 400
# the county's files carry the day the office received them (tests/county.py)
ARCHIVE = "--received-from-file-dates"


@dataclass(frozen=True)
class County:
    folder: Path
    registry_dir: Path
    inbox: Path
    store: Path  # ingested and ranked (both months): do not write, copy it


def cli(*args) -> str:
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> County:
    """The hand-made county, both months ingested and ranked by the real commands."""
    base = tmp_path_factory.mktemp("county")
    registry_dir = write_registry(c.registry(), base / "registry")
    inbox = base / "inbox"
    c.write_month(inbox, SEP)
    c.write_month(inbox, OCT)
    store = base / "db"
    out = cli("ingest", inbox, "--db", store, "--registry", registry_dir, "--workers", 1, ARCHIVE)
    assert "检查未通过" not in out
    cli("rank", "--all", "--draws", DRAWS, "--db", store)
    return County(base, registry_dir, inbox, store)


@pytest.fixture
def store(county, tmp_path) -> Path:
    """A private copy of the ranked county, for tests that write."""
    return copy_store(county.store, tmp_path / "db")


def q(store: Path, sql: str, params: dict | None = None) -> list[tuple]:
    with db_store.reading(store) as con:
        return con.sql(sql, params=params or {}).fetchall()


def frame(store: Path, sql: str, params: dict | None = None) -> pl.DataFrame:
    with db_store.reading(store) as con:
        return con.sql(sql, params=params or {}).pl()


def scores(store: Path, month=OCT) -> dict[str, dict]:
    """The current run's index_score rows of a month, by unit."""
    rows = frame(
        store,
        """
        select s.* from index_score s join index_run r using (run_id)
        where r.is_current and r.month = $m
        """,
        {"m": month},
    )
    return {r["unit_code"]: r for r in rows.iter_rows(named=True)}


def indicators(store: Path, unit: str, month=OCT) -> dict[str, dict]:
    """The current run's index_indicator rows of a unit and month, by indicator."""
    rows = frame(
        store,
        """
        select i.* from index_indicator i join index_run r using (run_id)
        where r.is_current and r.month = $m and i.unit_code = $u
        """,
        {"m": month, "u": unit},
    )
    return {r["indicator_key"]: r for r in rows.iter_rows(named=True)}


def unit_month(store: Path, unit: str, columns: str, month=OCT) -> tuple:
    (row,) = q(
        store,
        f"select {columns} from mart_unit_month where unit_code = $u and month = $m",
        {"u": unit, "m": month},
    )
    return row


def report(store: Path, month=OCT) -> model.Report:
    with db_store.reading(store) as con:
        return model.build(con, month, model.Edition(1))


def rank_again(store: Path, months=(OCT,)) -> None:
    index_run.rank_and_store(store, list(months), draws=DRAWS)


def test_the_county_is_ranked_with_the_real_2026_2_file(county):
    """The fixture: `civic rank` stored both months under tianzhu-2026.2, every group listed."""
    runs = q(county.store, "select month, methodology_id, methodology_sha256 from index_run")
    meth = load(METHOD)
    assert sorted(runs) == [(SEP, meth.id, meth.sha256), (OCT, meth.id, meth.sha256)]
    assert meth.id == "tianzhu-2026.2"
    groups = dict(q(county.store, "select group_key, count(*) from index_score group by 1"))
    assert groups == {"subcentre": 4, "institute": 6, "team": 18, "station": 24}


# --- 1. screened --------------------------------------------------------------------------


def test_an_implausible_row_is_quarantined_where_it_is_and_moves_nobody(county):
    """2026.1 took a row of 1 volunteer and 100,000 volunteer hours and moved its unit up."""
    file_name = f"{c.HOURS_ROW}_2026-10_活动台账.csv"
    assert q(
        county.store,
        "select file_name, source_row, reason_code, column_header, reason from mart_quarantine "
        "where unit_code = $u",
        {"u": c.HOURS_ROW},
    ) == [
        (
            file_name,
            4,  # the header is row 1, the station's two ordinary activities rows 2 and 3
            "implausible_value",
            "志愿服务时长(小时)",
            "「志愿服务时长(小时)」100000 超过志愿者人数 1 × 每人每次上限 12 小时",
        )
    ]
    # it counts nowhere: not in the unit's month, not in the index
    assert unit_month(county.store, c.HOURS_ROW, "activities, volunteer_hours") == (2, 0)
    hours = indicators(county.store, c.HOURS_ROW)["volunteer_hours_per_1k"]
    assert hours["raw_value"] == 0.0
    s = scores(county.store)
    # the same score and place as its ordinary twin, which sent the same month without the row
    twin = s[c.S1]
    assert (s[c.HOURS_ROW]["score"], s[c.HOURS_ROW]["rank"]) == (twin["score"], twin["rank"])


def test_an_outlying_unit_month_is_capped_and_flagged_with_its_evidence(county):
    """2026.1 used any value as sent: twelve activities of a 50-member team counted in full."""
    (flag,) = frame(
        county.store,
        "select f.* from index_flag f join index_run r using (run_id) "
        "where r.is_current and f.month = $m",
        {"m": OCT},
    ).iter_rows(named=True)
    assert (flag["unit_code"], flag["month"], flag["indicator_key"]) == (
        c.OUTLIER,
        OCT,
        "activities_per_100",
    )
    assert (flag["numerator"], flag["denominator"], flag["raw_value"]) == (12, 50, 24.0)
    # peers: the eight teams that sent their month, at 4 or 8 activities per 100 members
    assert flag["peer_median"] == 6.0
    assert flag["cap_value"] == pytest.approx(6 + 3.5 * 1.4826 * 2)
    assert flag["value_used"] == flag["cap_value"] and flag["review"] is None
    used = indicators(county.store, c.OUTLIER)["activities_per_100"]
    assert used["is_outlier"] and used["value_used"] == flag["cap_value"]
    assert used["raw_value"] == 24.0


# --- 2. withholding never pays ------------------------------------------------------------


def test_a_withheld_self_check_scores_zero_and_below_sending_it(county, store, tmp_path):
    """2026.1 filled a withheld 阵地自查 with the group mean: withholding 2 of 8 items paid."""
    withheld = indicators(county.store, c.WITHHOLDS)["standards_pct"]
    assert withheld["imputation"] == "missing_owed" and withheld["is_imputed"]
    assert (withheld["normalised"], withheld["contribution"]) == (0.0, 0.0)
    # never above the worst real value any station of the group had that month
    real = q(
        county.store,
        """
        select min(i.normalised) from index_indicator i join index_run r using (run_id)
        where r.is_current and r.month = $m and i.group_key = 'station'
          and i.indicator_key = 'standards_pct' and i.imputation = 'ok'
        """,
        {"m": OCT},
    )[0][0]
    assert withheld["normalised"] <= real
    before = scores(county.store)[c.WITHHOLDS]["score"]
    assert before < scores(county.store)[c.S1]["score"]
    # the town's figure counts the withheld self-check as 0 of its 8 items
    assert unit_month(county.store, c.WITHHOLDS, "standards_items_met, standards_items_owed") == (
        0,
        8,
    )
    # now the station sends the self-check it withheld, showing 2 of 8 items met, on time
    sent = write_csv(
        tmp_path / "in" / f"{c.WITHHOLDS}_2026-10_阵地自查.csv",
        [header("standards"), c.standards(c.WITHHOLDS, OCT, 2)],
        received=c.RECEIVED[OCT],
    )
    cli("ingest", sent, "--db", store, "--registry", county.registry_dir, "--workers", 1, ARCHIVE)
    rank_again(store)
    after = scores(store)[c.WITHHOLDS]["score"]
    assert indicators(store, c.WITHHOLDS)["standards_pct"]["imputation"] == "ok"
    assert (before, after) == (46.5, 49.0)  # 25% of the items is below the 50% goalpost: 0


# --- 3. padding does not pay --------------------------------------------------------------


def test_forty_near_identical_rows_count_once(county):
    """2026.1 counted 40 copies of one activity (same date, name, 2 people, new 活动编号)."""
    file_name = f"{c.PADS}_2026-10_活动台账.csv"
    got = q(
        county.store,
        "select reason_code, column_header, reason, count(*), min(source_row), max(source_row) "
        "from mart_quarantine where unit_code = $u group by all",
        {"u": c.PADS},
    )
    assert got == [
        (
            "suspected_duplicate",
            "活动名称",
            f"与「{file_name}」第 4 行的日期、活动名称、人数和时长相同，疑似重复录入，只计一次",
            39,
            5,
            43,
        )
    ]
    # two ordinary activities and the padded one, once
    assert unit_month(county.store, c.PADS, "activities, participants") == (3, 152)
    s = scores(county.store)
    assert s[c.PADS]["score"] == s[c.PADS_ONCE]["score"]  # the twin that sent it once
    assert indicators(county.store, c.PADS)["activities_per_1k"]["raw_value"] == 6.0


# --- 4. more work never lowers a score ----------------------------------------------------


def test_five_more_ordinary_activities_never_lower_a_score(county):
    """2026.1: five ordinary activities lowered a score by diluting the theme and brand shares."""
    more, twin = indicators(county.store, c.MORE_WORK), indicators(county.store, c.S1)
    assert unit_month(county.store, c.MORE_WORK, "activities") == (7,)
    for key, row in more.items():
        assert row["contribution"] >= twin[key]["contribution"], key
    s = scores(county.store)
    assert s[c.MORE_WORK]["score"] > s[c.S1]["score"]
    # no indicator of the file divides by the unit's own work
    work = {"activities", "participants", "volunteer_hours", "orders_completed", "orders_rated"}
    for group in load(METHOD).groups.values():
        assert not {i.denominator for i in group.indicators} & work, group.key


# --- 5. no demand is not applicable --------------------------------------------------------


ORDER_KEYS = ("orders_completed_pct", "orders_satisfied_pct", "orders_timely_pct")


def test_no_orders_is_not_applicable_and_its_weight_goes_to_the_others(county):
    """2026.1 gave a team without orders the group mean; one order rated 3 would have scored 0."""
    none = indicators(county.store, c.NO_ORDERS)
    for key in ORDER_KEYS:
        row = none[key]
        assert (row["imputation"], row["normalised"], row["weight"]) == ("no_demand", None, 0.0)
        assert row["contribution"] == 0.0
    nominal = load(METHOD).groups["team"].weights()
    rest = {k: v for k, v in nominal.items() if k not in ORDER_KEYS}
    for key, w in rest.items():
        assert none[key]["weight"] == pytest.approx(w / sum(rest.values()))
    assert sum(r["weight"] for r in none.values()) == pytest.approx(1.0)
    s = scores(county.store)
    spread = sum(none[k]["normalised"] * w for k, w in rest.items()) / sum(rest.values())
    assert s[c.NO_ORDERS]["base_score"] == pytest.approx(spread, abs=0.006)
    # one order completed in 48 hours and rated 3 stars is served, not failed
    rated = indicators(county.store, c.RATED_3)
    assert [rated[k]["raw_value"] for k in ORDER_KEYS] == [100.0, 100.0, 100.0]
    assert s[c.RATED_3]["score"] == s[c.ORDINARY_TEAM]["score"]  # whose order was rated 5
    assert s[c.RATED_3]["score"] >= s[c.NO_ORDERS]["score"]


# --- 6. 未报送 does not leak -----------------------------------------------------------------


def test_a_unit_unsubmitted_last_month_is_new_not_the_biggest_riser(county):
    """2026.1's lead named a unit that was 未报送 the month before "上升N位，进步最大"."""
    new = scores(county.store)[c.NEW]
    assert scores(county.store, SEP)[c.NEW]["change_label"] == "未报送"
    assert (new["prev_rank"], new["rank_change"], new["change_label"]) == (None, None, "新")
    lead = report(county.store).lead
    names = c.registry().names()
    riser = scores(county.store)[c.RISER]
    assert (riser["prev_rank"], riser["rank"], riser["change_label"]) == (8, 5, "↑3")
    assert f"{names[c.RISER]}较上月上升3位，进步最大。" in lead
    assert f"{names[c.NEW]}较上月" not in lead


def test_unsubmitted_units_are_out_of_peer_means_and_get_no_strengths(county):
    """2026.1 counted 未报送 units in the peer means and gave them strengths of their own."""
    s = scores(county.store)
    silent = s[c.SILENT]
    assert (silent["is_submitted"], silent["score"]) == (False, None)
    assert silent["change_label"] == "未报送"
    assert (silent["strengths"], silent["weaknesses"]) == (None, None)
    contrib = frame(
        county.store,
        """
        select i.unit_code, i.indicator_key, i.contribution, s.is_submitted
        from index_indicator i join index_score s using (run_id, group_key, unit_code)
        join index_run r using (run_id)
        where r.is_current and r.month = $m and i.group_key = 'team'
        """,
        {"m": OCT},
    )

    def strengths(peers: pl.DataFrame) -> dict[str, list[str]]:
        mean = peers.group_by("indicator_key").agg(pl.col("contribution").mean().alias("mean"))
        gaps = contrib.join(mean, on="indicator_key").with_columns(
            gap=pl.col("contribution") - pl.col("mean")
        )
        return {
            u: g.filter(pl.col("gap") > GAP_POINTS)
            .sort("gap", "indicator_key", descending=[True, False])["indicator_key"]
            .head(3)
            .to_list()
            for (u,), g in gaps.group_by("unit_code")
        }

    honest = strengths(contrib.filter(pl.col("is_submitted")))
    leaky = strengths(contrib)
    sent = [u for u in c.TEAMS if u != c.SILENT]
    for unit in sent:
        assert sorted(s[unit]["strengths"]) == sorted(honest[unit]), unit
    # with the silent team among the peers they would differ
    assert any(sorted(honest[u]) != sorted(leaky[u]) for u in sent)


def test_an_unsubmitted_unit_scores_nothing_from_its_stations(county, tmp_path):
    """2026.1's "zero" rule still scored a 未报送 institute from its stations' data."""
    s = scores(county.store)
    town = s[c.I102]
    assert (town["is_submitted"], town["score"], town["base_score"]) == (False, None, None)
    assert (town["rank"], town["units_listed"], town["tier"]) == (3, 3, "较差")
    assert s[c.S5]["score"] is not None  # its stations sent their months
    assert unit_month(county.store, c.I102, "activities")[0] >= 2
    # the same file with the "zero" rule: the institute scores 0, whatever its stations did
    zero = tmp_path / "zero.toml"
    text = METHOD.read_text(encoding="utf-8")
    zero.write_text(text.replace('unsubmitted = "last"', 'unsubmitted = "zero"'), "utf-8")
    ranking = index_run.rank_only(county.store, [OCT], zero, draws=20)
    row = ranking.scores.filter(unit_code=c.I102).row(0, named=True)
    assert (row["score"], row["base_score"], row["rank"]) == (0.0, 0.0, 3)


# --- 7. size ------------------------------------------------------------------------------


def test_teams_and_stations_are_measured_per_size(county):
    """2026.1 scored teams and stations on counts, whatever their members or residents."""
    small, ordinary = indicators(county.store, c.SMALL), indicators(county.store, c.ORDINARY_TEAM)
    assert unit_month(county.store, c.SMALL, "activities, volunteers_active") == (2, 25)
    assert unit_month(county.store, c.ORDINARY_TEAM, "activities, volunteers_active") == (2, 50)
    assert small["activities_per_100"]["raw_value"] == 8.0
    assert ordinary["activities_per_100"]["raw_value"] == 4.0
    assert small["volunteer_hours_per_member"]["raw_value"] == 0.8
    big, twin = indicators(county.store, c.BIG), indicators(county.store, c.S1)
    assert big["activities_per_1k"]["raw_value"] == 2.0
    assert twin["activities_per_1k"]["raw_value"] == 4.0
    s = scores(county.store)
    assert s[c.SMALL]["score"] > s[c.ORDINARY_TEAM]["score"]
    assert s[c.BIG]["score"] < s[c.S1]["score"]  # the same month's work for twice the residents
    # every team and station value is its count per size, read from the mart
    off = q(
        county.store,
        """
        select i.unit_code, i.indicator_key from index_indicator i
        join index_run r using (run_id)
        join mart_unit_month m on m.unit_code = i.unit_code and m.month = i.month
        where r.is_current and i.imputation = 'ok' and (
            (i.indicator_key = 'activities_per_100'
             and i.raw_value <> m.activities * 100.0 / m.volunteers_active)
         or (i.indicator_key = 'activities_per_1k' and i.group_key = 'station'
             and i.raw_value <> m.activities * 1000.0 / m.population))
        """,
    )
    assert off == []


# --- 8. integrity flags hold a month back ----------------------------------------------------


def test_a_month_with_open_flags_cannot_be_reviewed_or_published(county, store, tmp_path):
    """2026.1 ignored mart_points_flag: a month with 核发 points never publicised went out."""
    with db_store.reading(store) as con:
        waiting = review.open_flags(con, OCT)
    assert {(f.kind, f.unit_code) for f in waiting} == {
        ("outlier", c.OUTLIER),
        ("points", c.NO_NOTICE),
    }
    reports = tmp_path / "reports"
    version = db_store.current_path(store)
    with pytest.raises(workflow.PublishError, match="还有未核查的疑点（数据存疑1条、积分疑点1条"):
        workflow.publish_month(store, OCT, "李签发", reports=reports)
    assert not (reports / "2026-10").exists()
    assert db_store.current_path(store) == version  # not even the draft was kept
    before = scores(store)[c.NO_NOTICE]["score"]
    # the office decides: the cap stands, the unpublicised points are penalised
    (points_flag,) = [f for f in waiting if f.kind == "points"]
    index_run.decide_flags(
        store,
        OCT,
        [
            index_run.Decision(
                "outlier", "activities_per_100", c.OUTLIER, "cap", "台账核实，多数活动重复报送"
            ),
            index_run.Decision(
                "points",
                points_flag.ref,
                c.NO_NOTICE,
                "penalise",
                "核发前未张榜公示",
                "报送数据弄虚作假",
                2.0,
            ),
        ],
        "王科长",
    )
    after = scores(store)
    assert after[c.NO_NOTICE]["adjustment"] == -2.0
    assert after[c.NO_NOTICE]["score"] == round(before - 2.0, 1)
    assert indicators(store, c.OUTLIER)["activities_per_100"]["value_used"] < 24.0
    with db_store.reading(store) as con:
        assert review.open_flags(con, OCT) == []
    workflow.draft(store, OCT, "张起草", reports=reports)
    assert workflow.review(store, OCT, "王审核")["status"] == "reviewed"
    # a flag that appears after the review holds publishing back too
    late = write_csv(
        tmp_path / "in" / f"{c.S2}_2026-10_积分台账（更正）.csv",
        [header("points")] + [c.points(c.S2, OCT, h, publicised=h > 1) for h in range(1, 21)],
        received=datetime(2026, 11, 4, 9, 0),
    )
    cli("ingest", late, "--db", store, "--registry", county.registry_dir, "--workers", 1, ARCHIVE)
    with pytest.raises(workflow.PublishError, match="积分疑点1条"):
        workflow.publish(store, OCT, "李签发", reports=reports)
    assert not (reports / "2026-10").exists()


# --- 9. no look-ahead ------------------------------------------------------------------------


def test_a_month_ranked_alone_equals_it_ranked_with_later_months(county):
    """2026.1 gave September other intervals once October's exports were in the database."""
    meth = load(METHOD)
    with db_store.reading(county.store) as con:
        alone = compute(con, meth, [SEP], draws=DRAWS)
        both = compute(con, meth, [SEP, OCT], draws=DRAWS)
    for name in ("scores", "indicators", "correlations", "flags", "sensitivity"):
        a, b = getattr(alone, name), getattr(both, name)
        if "month" in b.columns:
            b = b.filter(pl.col("month") == SEP)
        assert a.height > 0, name
        assert_frame_equal(a, b, check_exact=True)
    assert alone.flags["unit_code"].to_list() == [c.OUTLIER]  # flagged in September too


def test_a_month_ranked_before_later_exports_arrive_never_moves(county, tmp_path):
    """The same across databases: September ranked before October's files came is unchanged."""
    early = tmp_path / "db"
    cli("ingest", county.inbox / "2026-09", "--db", early, "--registry", county.registry_dir,
        "--workers", 1, ARCHIVE)  # fmt: skip
    cli("rank", "--month", "2026-09", "--draws", DRAWS, "--db", early)
    for table, order in (
        ("index_score", "unit_code"),
        ("index_indicator", "unit_code, indicator_key"),
    ):
        sql = (
            f"select t.* exclude (run_id) from {table} t join index_run r using (run_id) "
            f"where r.is_current and r.month = $m order by group_key, {order}"
        )
        assert_frame_equal(frame(early, sql, {"m": SEP}), frame(county.store, sql, {"m": SEP}))


# --- 10. rounding and explanations that add up -------------------------------------------------


def test_scores_round_half_up_and_changes_add_up_exactly(county, store):
    """2026.1 stored 81.25 as 81.2, and its change by indicator did not add up to the change."""
    s = scores(county.store)
    ordinary = s[c.S1]
    # 0.2×20 + 0.15×100 + 0.1×50 + 0.15×100 + 0.15×75 + 0.1×100 (activities, minimum,
    # participants, households earning, self-check 7 of 8, on time) = 60.25
    assert (ordinary["base_score"], ordinary["score"]) == (60.25, 60.3)
    assert scores(county.store, SEP)[c.S1]["score"] == 55.8  # 55.75
    for code, row in s.items():
        if row["score"] is not None:
            assert row["score"] == round(row["score"], 1), code  # stored as written: one decimal
    _assert_changes_add_up(county.store)
    # an adjustment's part of the change is shown beside the indicators' and adds up too
    index_run.adjust(store, OCT, c.S1, "其他加分", 1.0, "承办县级现场会", "王科长")
    adjusted = scores(store)[c.S1]
    assert (adjusted["base_score"], adjusted["adjustment"], adjusted["score"]) == (60.25, 1.0, 61.3)
    assert adjusted["adjustment_change_shown"] == 1.0
    _assert_changes_add_up(store)


def _assert_changes_add_up(store: Path) -> None:
    rows = q(
        store,
        """
        with cur as (
            select s.* from index_score s join index_run r using (run_id) where r.is_current
        )
        select c.unit_code, c.score, p.score, c.adjustment_change_shown,
               (select list(i.change_shown) from index_indicator i
                where i.run_id = c.run_id and i.unit_code = c.unit_code)
        from cur c join cur p on p.unit_code = c.unit_code and p.month = c.month - interval 1 month
        where c.score is not null and p.score is not null
        """,
    )
    assert len(rows) >= 20
    moved = 0
    for unit, score, prev, adjustment_part, parts in rows:
        shown = [*parts, adjustment_part]
        assert all(x == round(x, 1) for x in shown), unit  # one decimal each
        assert round(sum(x * 10 for x in shown)) == round(score * 10) - round(prev * 10), unit
        moved += score != prev
    assert moved > 10


# --- 11. lists and headlines respect uncertainty ---------------------------------------------


def test_places_within_the_margin_are_named_together(county):
    """2026.1 named a unit #1 alone on the 红榜 and in the headline, its neighbour ahead in most
    of the draws."""
    s = scores(county.store)
    top, second = s[c.CLOSE], s[c.NEW]
    assert (top["rank"], second["rank"]) == (1, 2) and top["score"] > second["score"]
    assert top["ahead_share"] < load(METHOD).uncertainty.robust_share
    for row in (top, second):
        assert (row["place_first"], row["place_last"], row["on_red_list"]) == (1, 2, True)
    third = s[c.SMALL]  # robustly behind: its own place
    assert (third["rank"], third["place_first"], third["place_last"]) == (3, 3, 3)
    assert not third["on_red_list"]
    # a robust first place is named alone
    pq = s[c.PQ2]
    assert pq["ahead_share"] >= 0.8 and (pq["place_first"], pq["place_last"]) == (1, 1)
    names = c.registry().names()
    r = report(county.store)
    close, new = (short_unit(names[k], r.county_short) for k in (c.CLOSE, c.NEW))
    assert f"{close}、{new}并列县级队伍首位" in r.headline
    assert names[c.CLOSE] not in r.headline.replace(f"{close}、{new}", "")
    assert (
        f"县级志愿服务队中，{names[c.CLOSE]}（{top['score']:.1f}分）、{names[c.NEW]}"
        f"（{second['score']:.1f}分）并列领先，差距在误差范围内"
    ) in r.lead
    assert f"片区分中心中，{names[c.PQ2]}以{pq['score']:.1f}分位居第一" in r.lead
