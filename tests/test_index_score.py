"""The index engine on small hand-made panels: exact scores, ranks, rules and properties."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import config
from index.compute import compute_frames
from index.methodology import MethodologyError, load

OCT, SEP = date(2026, 10, 1), date(2026, 9, 1)

METHOD = """
id = "test-1"
normalisation = "goalposts"
[rules]
unsubmitted = "{unsubmitted}"
missing_value = "group_mean"
[tiers]
"优秀" = 80.0
"良好" = 60.0
"较差" = 0.0
[adjustments]
bonus_cap = 5.0
penalty_cap = 10.0
items = [{{ kind = "bonus", item = "表彰", max = 3.0 }}]
[groups.institute]
label = "实践所"
unit_kind = "institute"
red_list = 1
black_list = 1
[[groups.institute.indicators]]
key = "a"
name = "活动"
numerator = "activities"
denominator = ""
per = 1
direction = "+"
goalposts = [0, 10]
weight = {wa}
[[groups.institute.indicators]]
key = "h"
name = "时长"
numerator = "hours"
denominator = "orders"
per = 1
direction = "-"
goalposts = [0, 100]
weight = {wh}
"""


def methodology(tmp_path: Path, unsubmitted="last", wa=3, wh=1):
    path = tmp_path / f"m-{unsubmitted}-{wa}-{wh}.toml"
    path.write_text(METHOD.format(unsubmitted=unsubmitted, wa=wa, wh=wh), encoding="utf-8")
    return load(path, {"activities", "hours", "orders"})


def mart(rows) -> pl.DataFrame:
    """rows: (unit, month, activities, hours, orders, submitted)."""
    return pl.DataFrame(
        [
            {
                "unit_code": u,
                "name": f"{u}所",
                "kind": "institute",
                "month": m,
                "activities": a,
                "hours": h,
                "orders": o,
                "is_submitted": s,
            }
            for u, m, a, h, o, s in rows
        ],
        schema_overrides={"activities": pl.Float64, "hours": pl.Float64, "orders": pl.Float64},
    )


NO_ADJ = pl.DataFrame(schema={"unit_code": pl.String, "month": pl.Date, "points": pl.Float64})


def run(meth, rows, months=(OCT,), adj=NO_ADJ, draws=50):
    return compute_frames(mart(rows), adj, meth, list(months), draws=draws, seed=1).scores


def test_hand_computed_scores_ranks_and_ties(tmp_path):
    # weights 3:1 -> 0.75, 0.25. a: x/10*100; h (lower is better): 100 - hours/orders
    rows = [
        ("A", OCT, 8, 40, 2, True),  # a 80, h per order 20 -> 80: 0.75*80 + 0.25*80 = 80.0
        ("B", OCT, 6, 20, 1, True),  # a 60, h 20 -> 80: 45 + 20 = 65.0
        ("C", OCT, 6, 60, 3, True),  # a 60, h 20 -> 80: 65.0 (tie with B)
        ("D", OCT, 12, 300, 2, True),  # a capped 100, h 150 capped -> 0: 75.0
    ]
    s = run(methodology(tmp_path), rows).sort("unit_code")
    assert s["score"].to_list() == [80.0, 65.0, 65.0, 75.0]
    assert s["rank"].to_list() == [1, 3, 3, 2]
    assert s["tier"].to_list() == ["优秀", "良好", "良好", "良好"]
    # A (80.0) stays ahead of D (75.0) in fewer than 75% of the draws: the two first
    # places are within the margin, so the 红榜 names both
    a = s.filter(unit_code="A").row(0, named=True)
    assert a["ahead_share"] < 0.75
    assert s["place_first"].to_list() == [1, 3, 3, 1] and s["place_last"].to_list() == [2, 3, 3, 2]
    assert s["on_red_list"].to_list() == [True, False, False, True]
    # B and C tie for the bottom place: both on the 黑榜
    assert s["on_black_list"].to_list() == [False, True, True, False]


def test_change_labels_and_streaks(tmp_path):
    rows = [
        ("A", SEP, 2, 0, 1, True),
        ("B", SEP, 9, 0, 1, True),
        ("A", OCT, 9, 0, 1, True),
        ("B", OCT, 2, 0, 1, True),
        ("C", OCT, 5, 0, 1, True),
    ]
    s = run(methodology(tmp_path), rows, months=(SEP, OCT)).filter(pl.col("month") == OCT)
    labels = dict(zip(s["unit_code"], s["change_label"], strict=True))
    assert labels == {"A": "↑1", "B": "↓2", "C": "新"}
    streak = dict(zip(s["unit_code"], s["black_streak"], strict=True))
    assert streak == {"A": 0, "B": 1, "C": 0}


def test_red_streak_counts_consecutive_months(tmp_path):
    months = [date(2026, m, 1) for m in (7, 8, 9, 10)]
    rows = [(u, m, 9 if u == "A" else 1, 0, 1, True) for m in months for u in ("A", "B")]
    s = run(methodology(tmp_path), rows, months=months).filter(pl.col("unit_code") == "A")
    assert s.sort("month")["red_streak"].to_list() == [1, 2, 3, 4]


def test_unsubmitted_rules(tmp_path):
    rows = [("A", OCT, 5, 0, 1, True), ("B", OCT, 9, 0, 1, False), ("C", OCT, 1, 0, 1, True)]
    last = run(methodology(tmp_path, "last"), rows).sort("rank")
    assert last["unit_code"].to_list() == ["A", "C", "B"]
    assert last.filter(unit_code="B")["score"].to_list() == [None]
    assert last.filter(unit_code="B")["rank"].to_list() == [3]
    assert last.filter(unit_code="B")["tier"].to_list() == ["较差"]
    zero = run(methodology(tmp_path, "zero"), rows).sort("rank")
    # "zero": every indicator of the unit that sent nothing counts 0, whatever the mart holds
    assert zero["unit_code"].to_list() == ["A", "C", "B"]
    assert zero.filter(unit_code="B")["score"].to_list() == [0.0]
    excluded = run(methodology(tmp_path, "exclude"), rows)
    assert sorted(excluded["unit_code"]) == ["A", "C"]


def test_unit_with_no_data_at_all_gets_neutral_imputation_and_lowest_activity(tmp_path):
    # no orders anywhere: the hours indicator has no value for anyone -> neutral 50 for all
    rows = [("A", OCT, 0, 0, 0, True), ("B", OCT, 4, 0, 0, True)]
    s = run(methodology(tmp_path), rows).sort("unit_code")
    assert s["score"].to_list() == [12.5, 42.5]  # 0.75*0 + 0.25*50 ; 0.75*40 + 0.25*50
    assert s["rank"].to_list() == [2, 1]


def test_group_of_one(tmp_path):
    s = run(methodology(tmp_path), [("A", OCT, 5, 10, 1, True)])
    assert s["rank"].to_list() == [1]
    assert s["on_red_list"].to_list() == [True] and s["on_black_list"].to_list() == [False]
    assert (s["rank_p05"].to_list(), s["rank_p95"].to_list()) == ([1], [1])


def test_all_units_tied(tmp_path):
    rows = [(u, OCT, 5, 10, 1, True) for u in "ABCD"]
    s = run(methodology(tmp_path), rows)
    assert set(s["rank"]) == {1}
    assert s["on_black_list"].sum() == 0  # nobody is below anyone
    assert set(s["rank_p95"]) == {1}


def test_adjustments_are_capped(tmp_path):
    rows = [("A", OCT, 5, 0, 1, True), ("B", OCT, 5, 0, 1, True)]
    adj = pl.DataFrame(
        {"unit_code": ["A", "A", "B"], "month": [OCT] * 3, "points": [3.0, 3.0, -20.0]}
    )
    s = run(methodology(tmp_path), rows, adj=adj).sort("unit_code")
    # base 0.75*50 + 0.25*100 = 62.5; A +6 capped at +5; B -20 capped at -10
    assert s["adjustment"].to_list() == [5.0, -10.0]
    assert s["score"].to_list() == [67.5, 52.5]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ('direction = "+"', "direction"),
        ("goalposts = [0, 10]", "goalposts"),
        ("weight = 3", "weight"),
    ],
)
def test_methodology_errors_are_located(tmp_path, broken, message):
    text = METHOD.format(unsubmitted="last", wa=3, wh=1)
    bad = {
        "direction": 'direction = "up"',
        "goalposts": "goalposts = [10, 0]",
        "weight": "weight = 0",
    }
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(broken, bad[message], 1), encoding="utf-8")
    with pytest.raises(MethodologyError) as e:
        load(path, {"activities", "hours", "orders"})
    assert "bad.toml" in str(e.value) and "groups.institute.indicators.a" in str(e.value)


def test_methodology_rejects_unknown_mart_column(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(METHOD.format(unsubmitted="last", wa=3, wh=1), encoding="utf-8")
    with pytest.raises(MethodologyError, match="没有列 orders"):
        load(path, {"activities", "hours"})


def test_default_methodology_loads_and_weights_sum_to_one():
    meth = load(config.methodology_dir() / "tianzhu-2026.1.toml")
    assert set(meth.groups) == {"subcentre", "team", "institute", "station"}
    for g in meth.groups.values():
        assert sum(g.weights().values()) == pytest.approx(1.0)


# ---- properties ------------------------------------------------------------------

values = st.integers(min_value=0, max_value=12)
panel = st.lists(st.tuples(values, st.integers(0, 150), st.integers(1, 3)), min_size=2, max_size=8)


@settings(max_examples=40, deadline=None)
@given(panel)
def test_ranks_are_competition_ranks(tmp_path_factory, units):
    meth = methodology(tmp_path_factory.mktemp("m"))
    rows = [(f"U{i}", OCT, a, h, o, True) for i, (a, h, o) in enumerate(units)]
    s = run(meth, rows, draws=5)
    scores, ranks = s["score"].to_list(), s["rank"].to_list()
    for sc, rk in zip(scores, ranks, strict=True):
        assert rk == 1 + sum(1 for other in scores if other > sc)


@settings(max_examples=40, deadline=None)
@given(panel)
def test_dominating_unit_never_ranks_below(tmp_path_factory, units):
    meth = methodology(tmp_path_factory.mktemp("m"))
    rows = [(f"U{i}", OCT, a, h, o, True) for i, (a, h, o) in enumerate(units)]
    s = run(meth, rows, draws=5)
    by = {r["unit_code"]: r for r in s.iter_rows(named=True)}
    for i, (a1, h1, o1) in enumerate(units):
        for j, (a2, h2, o2) in enumerate(units):
            if a1 >= a2 and h1 / o1 <= h2 / o2:  # i at least as good on both
                assert by[f"U{i}"]["rank"] <= by[f"U{j}"]["rank"]


@settings(max_examples=40, deadline=None)
@given(panel, st.integers(0, 7), st.integers(1, 5))
def test_raising_a_positive_indicator_never_lowers_the_score(tmp_path_factory, units, k, step):
    meth = methodology(tmp_path_factory.mktemp("m"))
    k = k % len(units)
    rows = [(f"U{i}", OCT, a, h, o, True) for i, (a, h, o) in enumerate(units)]
    before = run(meth, rows, draws=5).filter(unit_code=f"U{k}")["score"][0]
    a, h, o = units[k]
    rows[k] = (f"U{k}", OCT, a + step, h, o, True)
    after = run(meth, rows, draws=5).filter(unit_code=f"U{k}")["score"][0]
    assert after >= before


@settings(max_examples=25, deadline=None)
@given(panel, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(tmp_path_factory, units, rnd):
    meth = methodology(tmp_path_factory.mktemp("m"))
    rows = [(f"U{i}", OCT, a, h, o, True) for i, (a, h, o) in enumerate(units)]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    cols = ["unit_code", "score", "rank", "rank_p05", "rank_p95"]
    a = run(meth, rows, draws=20).select(cols).sort("unit_code")
    b = run(meth, shuffled, draws=20).select(cols).sort("unit_code")
    assert a.equals(b)


@settings(max_examples=25, deadline=None)
@given(panel, st.integers(1, 9))
def test_weights_are_honoured(tmp_path_factory, units, wa):
    folder = tmp_path_factory.mktemp("m")
    meth = methodology(folder, wa=wa, wh=10 - wa)
    rows = [(f"U{i}", OCT, a, h, o, True) for i, (a, h, o) in enumerate(units)]
    s = run(meth, rows, draws=5)
    for i, (a, h, o) in enumerate(units):
        na = min(a, 10) / 10 * 100
        nh = 100 - min(h / o, 100)
        expected = wa / 10 * na + (10 - wa) / 10 * nh
        assert s.filter(unit_code=f"U{i}")["base_score"][0] == pytest.approx(expected, abs=0.006)


def test_black_list_names_a_unit_only_when_it_is_surely_in_the_bottom_places(tmp_path):
    # D (57.8) and C (57.5) swap places in many draws: neither is surely last, so the
    # 黑榜 (one place) names nobody and says why; the 红榜 is unaffected
    rows = [
        ("A", OCT, 9, 10, 1, True),  # 67.5 + 22.5 = 90.0
        ("B", OCT, 8, 30, 1, True),  # 60 + 17.5 = 77.5
        ("C", OCT, 5, 20, 1, True),  # 37.5 + 20 = 57.5
        ("D", OCT, 6, 49, 1, True),  # 45 + 12.75 = 57.75 -> 57.8
    ]
    s = run(methodology(tmp_path), rows, draws=400).sort("rank")
    assert s["unit_code"].to_list() == ["A", "B", "D", "C"]
    assert s["score"].to_list() == [90.0, 77.5, 57.8, 57.5]
    assert s.filter(unit_code="D")["ahead_share"].item() < 0.75
    assert s["on_black_list"].to_list() == [False, False, False, False]
    assert s["on_red_list"].to_list() == [True, False, False, False]
    assert set(s["list_note"].to_list()) == {"第3–4名差距在误差范围内，未列入黑榜"}
