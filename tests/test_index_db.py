"""The index on the ingested demo county: stored runs, the CLI, adjustments, traceability."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from civic.cli import main
from core import config
from core import store as db_store

METHOD = config.methodology_dir() / "tianzhu-2026.2.toml"  # the newest: the default
OLD_METHOD = config.methodology_dir() / "tianzhu-2026.1.toml"


@pytest.fixture
def store(demo_store, tmp_path) -> Path:
    """A private copy of the ingested demo store (the index writes new versions)."""
    source, _ = demo_store
    target = tmp_path / "db"
    target.mkdir()
    current = db_store.current_path(source)
    shutil.copyfile(current, target / current.name)
    (target / "CURRENT").write_text(current.name + "\n")
    return target


def cli(*args, ok=True):
    r = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert r.exit_code == 0, r.output
    return r


def q(store, sql, params=None):
    with db_store.reading(store) as con:
        return con.sql(sql, params=params).fetchall()


def test_rank_month_json_and_stored_run(store):
    r = cli("rank", "--month", "2026-10", "--json", "--draws", "200", "--db", store)
    doc = json.loads(r.output)
    assert doc["month"] == "2026-10" and doc["methodology"] == "tianzhu-2026.2"
    sizes = {k: len(v) for k, v in doc["groups"].items()}
    assert sizes == {"subcentre": 5, "team": 9, "institute": 20}
    for units in doc["groups"].values():
        scores = [u["score"] for u in units]
        for u in units:
            assert u["rank"] == 1 + sum(1 for s in scores if s > u["score"])
            lo, hi = u["rank_interval"]
            assert lo <= hi
            assert u["change"][0] in "↑↓—新"
    runs = q(store, "select run_id, methodology_id, data_snapshot, is_current from index_run")
    assert len(runs) == 1 and runs[0][1] == "tianzhu-2026.2" and runs[0][3]
    assert runs[0][2].startswith("batch 1 · ")
    n = q(store, "select group_key, count(*) from index_score group by all order by 1")
    assert dict(n) == {"institute": 20, "station": 198, "subcentre": 5, "team": 9}
    # the methodology file is kept with its hash, so the run can always be explained
    kept = q(store, "select content from index_methodology")[0][0]
    assert kept == METHOD.read_text(encoding="utf-8")


def test_every_score_is_the_sum_of_its_contributions(store):
    cli("rank", "--month", "2026-10", "--draws", "50", "--db", store)
    off = q(
        store,
        """
        select s.unit_code, s.base_score, sum(i.contribution) as total
        from index_score s join index_indicator i using (run_id, group_key, unit_code)
        where s.base_score is not null
        group by all having abs(s.base_score - total) > 0.006
        """,
    )
    assert off == []
    # and the raw values come from the mart: activities per 1,000 residents of a sub-centre
    row = q(
        store,
        """
        select i.raw_value, m.activities * 1000.0 / m.population
        from index_indicator i join mart_unit_month m using (unit_code, month)
        where i.unit_code = '620623-PQ1' and i.indicator_key = 'activities_per_1k'
        """,
    )
    assert row[0][0] == pytest.approx(row[0][1])


def test_mart_unit_month_rolls_up_the_facts(store):
    totals = dict(q(store, "select kind, sum(activities) from mart_unit_month group by all"))
    own = q(
        store,
        """
        select count(*) filter (where unit_code not like '%-DW%' and unit_code <> '620623'),
               count(*) filter (where unit_code like '620623-DW%')
        from fct_activity
        """,
    )[0]
    assert totals["subcentre"] == own[0]  # every station, institute and sub-centre activity
    assert totals["county_team"] == own[1]


def test_change_is_decomposed_by_indicator(store):
    cli("rank", "--all", "--draws", "20", "--db", store)
    rows = q(
        store,
        """
        with cur as (
            select s.month, s.unit_code, s.group_key, s.base_score, s.run_id
            from index_score s join index_run r using (run_id) where r.is_current
        )
        select c.unit_code, c.base_score - p.base_score,
               (select sum(contribution_change) from index_indicator i
                where i.run_id = c.run_id and i.unit_code = c.unit_code
                  and i.group_key = c.group_key)
        from cur c join cur p
          on p.unit_code = c.unit_code and p.group_key = c.group_key
         and p.month = c.month - interval 1 month
        where c.month = '2026-10-01' and c.group_key = 'institute'
        """,
    )
    assert len(rows) == 20
    for _, change, parts in rows:
        assert change == pytest.approx(parts, abs=0.011)


def test_ranking_again_keeps_history_and_one_current_run(store):
    cli("rank", "--month", "2026-10", "--draws", "20", "--db", store)
    cli("rank", "--month", "2026-10", "--draws", "20", "--db", store)
    runs = q(store, "select is_current from index_run order by run_id")
    assert [r[0] for r in runs] == [False, True]


def test_another_methodology_is_tried_without_storing(store, tmp_path):
    other = tmp_path / "try.toml"
    text = METHOD.read_text(encoding="utf-8").replace('id = "tianzhu-2026.2"', 'id = "try-1"')
    other.write_text(text.replace("weight = 0.15", "weight = 0.45"), encoding="utf-8")
    before = db_store.current_path(store)
    r = cli("rank", "--month", "2026-10", "--methodology", other, "--draws", "20", "--db", store)
    assert "方法 try-1" in r.output and "结果已保存" not in r.output
    assert db_store.current_path(store) == before
    cmp = cli(
        "rank", "--compare", METHOD, other, "--month", "2026-10", "--json", "--draws", "20",
        "--db", store,
    )  # fmt: skip
    doc = json.loads(cmp.output)
    assert doc["methodology_a"] == "tianzhu-2026.2" and doc["methodology_b"] == "try-1"
    (month,) = doc["months"]
    assert month["month"] == "2026-10" and len(month["units"]) == 34
    assert any(u["change"] != "—" for u in month["units"])
    for u in month["units"]:
        moved = u["rank_a"] - u["rank_b"]
        assert u["change"] == ("—" if moved == 0 else f"↑{moved}" if moved > 0 else f"↓{-moved}")
    for g in month["groups"].values():
        assert -1 <= g["spearman"] <= 1 and g["mean_abs_rank_shift"] >= 0


def test_compare_over_every_month_and_the_back_series_of_a_new_methodology(
    store, tmp_path, monkeypatch
):
    cmp = cli(
        "rank", "--compare", OLD_METHOD, METHOD, "--all", "--json", "--draws", "10", "--db", store
    )  # fmt: skip
    doc = json.loads(cmp.output)
    assert [m["month"] for m in doc["months"]][:2] == ["2025-01", "2025-02"]
    assert len(doc["months"]) == 22
    assert all(
        set(m["groups"]) == {"subcentre", "team", "institute", "station"} for m in doc["months"]
    )
    text = cli("rank", "--compare", OLD_METHOD, METHOD, "--month", "2026-10", "--db", store).output
    assert "斯皮尔曼 ρ" in text and "平均名次变动" in text
    # the county ranks with 2026.1, then a newer file arrives: a back-series report is written
    old_only = tmp_path / "methods-old"
    old_only.mkdir()
    shutil.copy(OLD_METHOD, old_only)
    reports = tmp_path / "reports"
    monkeypatch.setenv("CIVIC_REPORTS_DIR", str(reports))
    monkeypatch.setenv("CIVIC_METHODOLOGY_DIR", str(old_only))
    cli("rank", "--month", "2026-10", "--draws", "10", "--db", store)
    assert not (reports / "methodology").exists()
    shutil.copy(METHOD, old_only)
    r = cli("rank", "--month", "2026-10", "--draws", "10", "--db", store)
    assert "历史回算对比已写入" in r.output
    folder = reports / "methodology" / "tianzhu-2026.2"
    back = json.loads((folder / "back-series-tianzhu-2026.1-to-tianzhu-2026.2.json").read_text())
    assert back["methodology_a"] == "tianzhu-2026.1" and len(back["months"]) == 22
    assert "斯皮尔曼" in (folder / "back-series-tianzhu-2026.1-to-tianzhu-2026.2.txt").read_text()


def test_adjustment_is_stored_audited_and_counted(store):
    cli("rank", "--month", "2026-10", "--draws", "20", "--db", store)
    r = cli(
        "adjust", "--month", "2026-10", "--unit", "620623-PQ5", "--item", "获市级以上表彰或推广",
        "--points", "2", "--reason", "县级经验被市文明办推广", "--author", "王科长", "--db", store,
    )  # fmt: skip
    assert "已记录加扣分 #1" in r.output
    adj = q(store, "select unit_code, kind, points, author from index_adjustment")
    assert adj == [("620623-PQ5", "bonus", 2.0, "王科长")]
    score = q(
        store,
        """
        select s.adjustment, s.score, s.base_score from index_score s
        join index_run r using (run_id) where r.is_current and s.unit_code = '620623-PQ5'
        """,
    )[0]
    assert score[0] == 2.0 and score[1] == pytest.approx(round(score[2] + 2, 1), abs=0.051)
    actions = [a for (a,) in q(store, "select action from audit_log order by logged_at")]
    assert "adjust" in actions
    from index import run

    run.void_adjustment(store, 1, "录入错误", "李四")
    voided = q(store, "select voided_by, void_reason from index_adjustment")[0]
    assert voided == ("李四", "录入错误")
    after = q(
        store,
        """
        select s.adjustment from index_score s join index_run r using (run_id)
        where r.is_current and r.month = '2026-10-01' and s.unit_code = '620623-PQ5'
        """,
    )
    assert after == [(0.0,)]


@pytest.mark.parametrize(
    ("item", "points", "message"),
    [
        ("不存在的项目", "1", "没有加扣分项目「不存在的项目」"),
        ("获市级以上表彰或推广", "7", "每次可加 0–3 分"),
    ],
)
def test_bad_adjustments_are_refused_and_nothing_changes(store, item, points, message):
    before = db_store.current_path(store)
    r = cli(
        "adjust", "--month", "2026-10", "--unit", "620623-PQ1", "--item", item, "--points",
        points, "--reason", "x", "--author", "y", "--db", store, ok=False,
    )  # fmt: skip
    assert r.exit_code == 1 and message in r.output
    assert db_store.current_path(store) == before


def test_rank_without_a_database_says_what_to_do(tmp_path):
    r = cli("rank", "--month", "2026-10", "--db", tmp_path / "none", ok=False)
    assert r.exit_code == 1 and "请先导入报送文件" in r.output
