"""The dashboard, page by page, with Streamlit's AppTest on the demo database.

Each page is run as staff would see it, and its key figures are compared
with the database through SQL of the test's own (fact tables where they
exist), not through the dashboard's queries.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from conftest import copy_store, environment
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype
from streamlit.testing.v1 import AppTest

from core import accounts
from core import store as db_store
from dashboard import words
from index import run as index_run
from presentation import plain, readable, theme
from publish import workflow

SVG = "{http://www.w3.org/2000/svg}"

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
MONTH = date(2026, 10, 1)
TOWN = "620623100"  # an institute (town) for the area filter and the 乡镇 account
TOKENS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _tokens(people):
    TOKENS.update(people)


@pytest.fixture(scope="module", autouse=True)
def people(tmp_path_factory):
    """An account per role in a private accounts file; name → session token."""
    folder = tmp_path_factory.mktemp("accounts")
    with environment(CIVIC_ACCOUNTS_DB=str(folder / "accounts.sqlite")):
        tokens = {}
        for username, name, role, town in (
            ("admin", "管理员甲", "admin", None),
            ("reviewer", "审核员乙", "reviewer", None),
            ("reviewer2", "审核员丙", "reviewer", None),
            ("town", "乡镇丁", "town", TOWN),
            ("leader", "领导戊", "leader", None),
        ):
            user = accounts.add_user(username, name, role, "password-123", town)
            tokens[username] = accounts.start_session(user)
        yield tokens


@pytest.fixture(scope="module")
def site(ranked_store, tmp_path_factory):
    """A ranked store with 2026-10 published, served to the pages through the environment."""
    base = tmp_path_factory.mktemp("dashboard")
    store = copy_store(ranked_store, base / "db")
    reports = base / "reports"
    workflow.publish_month(store, MONTH, "李签发", "王审核", reports=reports)
    with environment(CIVIC_DB_DIR=str(store), CIVIC_REPORTS_DIR=str(reports)):
        yield store, reports


def _db(store: Path, sql: str, **params) -> list[tuple]:
    with db_store.reading(store) as con:
        return con.sql(sql, params=params).fetchall()


def run_page(page: str, area: str = "", month: str = "2026-10", who: str = "admin") -> AppTest:
    """Run a page signed in as `who` (an account of the `people` fixture)."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["_session_token"] = TOKENS[who]
    at.session_state["month"] = month
    at.session_state["area"] = area
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def table(at: AppTest, first_header: str):
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_header)


def _scope(store: Path, area: str) -> list[str]:
    return [area] + [
        r[0]
        for r in _db(store, "select member_code from int_unit_scope where unit_code = $a", a=area)
    ]


# ---------------------------------------------------------------- 总览


@pytest.mark.parametrize("area", ["", TOWN])
def test_overview_figures_equal_the_database(site, area):
    store, _ = site
    at = run_page("overview", area)
    scope = _scope(store, area) if area else None
    where = "month = $m and ($s::varchar[] is null or list_contains($s, unit_code))"
    n, people = _db(
        store, f"select count(*), sum(participants) from fct_activity where {where}", m=MONTH,
        s=scope,
    )[0]  # fmt: skip
    assert metric(at, "开展活动") == f"{theme.count(n)}场"
    assert metric(at, "参与群众") == f"{theme.count(people)}人次"
    issued = _db(
        store,
        f"select sum(points) from fct_points_entry where {where} and is_issued and points > 0",
        m=MONTH,
        s=scope,
    )[0][0]
    assert metric(at, "发放积分") == f"{theme.count(issued)}分"
    missing = _db(
        store,
        "select count(*) from mart_submission where month = $m and is_expected "
        "and status = 'missing' and ($s::varchar[] is null or list_contains($s, unit_code))",
        m=MONTH,
        s=scope,
    )[0][0]
    assert metric(at, "未报送（台账）") == f"{missing:,}"
    assert at.title[0].value.endswith("2026年10月总览")
    # the map: one dot per unit with coordinates in the scope, its hover text from the database
    shown = next(m.value for m in at.markdown if "<svg" in m.value)
    svg = ET.fromstring(shown.removeprefix("<div>\n").removesuffix("\n</div>"))
    tips = [c.findtext(SVG + "title") for c in svg.iter(SVG + "circle")]
    tips = [t for t in tips if t]
    units = _db(
        store,
        "select u.name, s.score from ref_unit u left join (select s.unit_code, s.score "
        "from index_score s join index_run r using (run_id) where r.is_current "
        "and r.month = $m and s.group_key in ('station', 'institute')) s on s.unit_code = u.code "
        "where u.kind in ('station', 'institute') and u.longitude is not null "
        "and ($s::varchar[] is null or list_contains($s, u.code))",
        m=MONTH,
        s=scope,
    )
    assert sorted(t.split("（")[0] for t in tips) == sorted(name for name, _ in units)
    assert {t.split("（")[0]: t.rsplit("：", 1)[1] for t in tips} == {
        name: theme.score(score) for name, score in units
    }


def test_overview_rankings_show_the_top_of_each_list(site):
    store, _ = site
    at = run_page("overview")
    # one table of printed text per tab (group)
    tables = [_text_table(m.value) for m in at.markdown if "civic-text-table" in m.value]
    assert len(tables) == 3
    for (header, rows), group in zip(tables, ("subcentre", "team", "institute"), strict=True):
        listed = _db(
            store,
            "select s.rank, s.unit_name, s.score from index_score s join index_run r "
            "using (run_id) where r.is_current and r.month = $m and s.group_key = $g "
            "order by s.rank, s.unit_code",
            m=MONTH,
            g=group,
        )
        expected = listed if len(listed) <= 6 else listed[:3] + listed[-3:]
        assert header == ["名次", "变化", "单位", "得分", "档次"]
        assert [r[2] for r in rows] == [t[1] for t in expected]
        assert [r[0] for r in rows] == [str(t[0]) for t in expected]
        assert [r[3] for r in rows] == [theme.score(t[2]) for t in expected]


def _text_table(body: str) -> tuple[list[str], list[list[str]]]:
    """A ui.text_table's header and rows as the browser reads them."""
    import lxml.html

    table = lxml.html.fromstring(body).xpath("//table")[0]
    header = [th.text_content() for th in table.xpath(".//thead//th")]
    rows = [[td.text_content() for td in tr.xpath("td")] for tr in table.xpath(".//tbody/tr")]
    return header, rows


def test_text_tables_escape_every_cell_and_stay_one_block():
    def page():
        import polars as pl

        from dashboard import ui

        ui.text_table(
            pl.DataFrame({"单位": ["<img src=x onerror=alert(1)>", "甲\n\n**乙**"],
                          "得分": ["1.0", None]}),
            numeric=("得分",),
        )  # fmt: skip

    at = AppTest.from_function(page)
    at.run()
    assert not at.exception
    body = at.markdown[0].value
    assert "<img" not in body and "\n\n" not in body  # no tag; no blank line ends the block
    header, rows = _text_table(body)
    assert header == ["单位", "得分"]
    assert rows == [["<img src=x onerror=alert(1)>", "1.0"], ["甲 **乙**", "—"]]


# ---------------------------------------------------------------- 月度排名


def _current(store: Path, group: str) -> list[tuple]:
    return _db(
        store,
        "select s.unit_code, s.unit_name, s.score, s.rank, s.adjustment from index_score s "
        "join index_run r using (run_id) where r.is_current and r.month = $m "
        "and s.group_key = $g order by s.rank, s.unit_code",
        m=MONTH,
        g=group,
    )


def test_rankings_list_and_profile_equal_the_database(site):
    store, _ = site
    at = run_page("rankings")
    shown = table(at, "名次")
    expected = _current(store, "subcentre")
    assert shown["单位"].tolist() == [e[1] for e in expected]
    assert shown["得分"].tolist() == pytest.approx([e[2] for e in expected])
    assert metric(at, "得分") == theme.score(expected[0][2])
    assert metric(at, "名次") == f"1 / {len(expected)}"
    # adjustments as printed: +2.0 / −1.0, and 0.0 (never +0.0) without one
    assert shown["加扣分"].tolist() == [words.signed(e[4]) for e in expected]
    assert metric(at, "加扣分") == words.signed(expected[0][4])
    assert "+0.0" not in shown["加扣分"].tolist()
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # trend and waterfall


def test_rankings_station_list_within_an_institute(site):
    store, _ = site
    at = run_page("rankings")
    at.segmented_control(key="rank-group").set_value("station").run()
    assert not at.exception
    institute = at.selectbox(key="rank-institute").value
    expected = _db(
        store,
        "select s.unit_name from index_score s join index_run r using (run_id) "
        "where r.is_current and r.month = $m and s.group_key = 'station' "
        "and s.partition_code = $p order by s.rank, s.unit_code",
        m=MONTH,
        p=institute,
    )
    assert table(at, "名次")["单位"].tolist() == [e[0] for e in expected]


def test_an_adjustment_entered_on_the_page_is_stored_and_ranked(ranked_store, tmp_path):
    store = copy_store(ranked_store, tmp_path / "db")
    with environment(
        **{"CIVIC_DB_DIR": str(store), "CIVIC_REPORTS_DIR": str(tmp_path / "reports")}
    ):
        last_code, last_name, last_score, _, _ = _current(store, "subcentre")[-1]
        at = run_page("rankings")
        at.selectbox(key="adj-unit").set_value(last_code)
        next(t for t in at.text_input if t.label == "理由").input("获省级表彰")
        next(n for n in at.number_input if n.label == "分值（正数）").set_value(2.0)
        next(b for b in at.button if b.label == "保存并重新计算").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        stored = _db(
            store,
            "select unit_code, points, author, reason from index_adjustment "
            "where month = $m and author = '管理员甲'",  # not the demo office's penalties
            m=MONTH,
        )
        assert stored == [(last_code, 2.0, "管理员甲", "获省级表彰")]
        now = {e[0]: e for e in _current(store, "subcentre")}
        assert now[last_code][4] == 2.0
        assert now[last_code][2] == pytest.approx(min(100.0, last_score + 2.0))
        log = _db(
            store,
            "select actor, action from audit_log where action = 'adjust' and actor = '管理员甲'",
        )
        assert log == [("管理员甲", "adjust")]


FLAG_MONTH = date(2026, 9, 1)  # the demo office decided only the month it published: open flags
RAW = re.compile(r"\b(None|nan|NaN|True|False|null)\b|missing_owed|no_demand|no_value|\d\.\d{4,}")


def _raw_cells(at: AppTest) -> list[str]:
    """Text a page shows in its tables that is a raw value: None, nan, a code, a long float."""
    frames = [d.value for d in at.dataframe] + [t.value for t in at.table]
    return [
        str(v)
        for f in frames
        for col in f.columns
        if not (is_numeric_dtype(f[col]) or is_datetime64_any_dtype(f[col]))  # formatted there
        for v in f[col].tolist()
        if v is not None and RAW.search(str(v))
    ] + [str(c) for f in frames for c in f.columns if RAW.search(str(c))]


def _methodology():
    from index import methodology

    return methodology.load()


def test_rankings_show_tied_places_intervals_and_the_methodologys_uncertainty(site):
    store, _ = site
    at = run_page("rankings")
    shown = table(at, "名次")
    expected = _db(
        store,
        "select s.unit_name, s.rank, s.place_first, s.place_last, s.rank_p05, s.rank_p95 "
        "from index_score s join index_run r using (run_id) where r.is_current and r.month = $m "
        "and s.group_key = 'subcentre' order by s.rank, s.unit_code",
        m=MONTH,
    )
    assert any(e[2] != e[3] for e in expected), "the demo's subcentre list has a tied block"
    assert shown["名次"].tolist() == [
        f"第{first}–{last}名◇" if first != last else f"第{rank}名"
        for _, rank, first, last, _, _ in expected
    ]
    assert shown["排名区间"].tolist() == [f"{e[4]}–{e[5]}" for e in expected]
    u = _methodology().uncertainty
    caption = next(c.value for c in at.caption if c.value.startswith("排名区间"))
    for figure in (f"{u.weight_spread:.0%}", f"±{u.goalpost_spread:.0%}",
                   f"至少 {u.robust_share:.0%}", "几何平均", "缺报", "三种标准化方法"):  # fmt: skip
        assert figure in caption, figure
    draws = _db(store, "select draws from index_run where is_current and month = $m", m=MONTH)
    assert f"{draws[0][0]:,} 次" in caption
    assert _raw_cells(at) == []


def test_a_list_note_is_shown_when_no_red_or_black_list_is_published(site):
    store, _ = site
    noted = _db(
        store,
        "select s.month, s.group_key, any_value(s.list_note) from index_score s "
        "join index_run r using (run_id) where r.is_current and s.list_note is not null "
        "and s.group_key <> 'station' group by all order by 1 desc limit 1",
    )
    if not noted:
        pytest.skip("no list of the demo is entirely within the margin")
    month, group, note = noted[0]
    at = run_page("rankings", month=f"{month:%Y-%m}")
    at.segmented_control(key="rank-group").set_value(group).run()
    assert note in [i.value for i in at.info]


def test_sensitivity_lists_each_assumption_by_mean_rank_shift(site):
    store, _ = site
    at = run_page("rankings")
    sens = table(at, "假设")
    expected = _db(
        store,
        "select s.label, s.mean_abs_shift, s.max_shift, s.units_moved, s.spearman "
        "from index_sensitivity s join index_run r using (run_id) where r.is_current "
        "and r.month = $m and s.group_key = 'subcentre' "
        "order by s.mean_abs_shift desc, s.max_shift desc, s.label",
        m=MONTH,
    )
    assert sens["假设"].tolist() == [e[0] for e in expected]
    assert sens["平均名次变动"].tolist() == pytest.approx([e[1] for e in expected])
    assert sens["最大变动"].tolist() == [e[2] for e in expected]
    assert sens["名次变化的单位数"].tolist() == [e[3] for e in expected]
    assert all(len(r.split(".")[-1]) <= 3 for r in sens["斯皮尔曼相关"])
    assert {"改用几何平均", "改用面板极差标准化"} <= set(sens["假设"])


def _profile(at: AppTest, store: Path, month: date, unit: str) -> AppTest:
    """Open `unit`'s profile on the rankings page (its list, institute and unit chosen)."""
    group, partition = _db(
        store,
        "select s.group_key, s.partition_code from index_score s join index_run r "
        "using (run_id) where r.is_current and s.month = $m and s.unit_code = $u",
        m=month,
        u=unit,
    )[0]
    at.segmented_control(key="rank-group").set_value(group).run()
    if partition:
        at.selectbox(key="rank-institute").set_value(partition).run()
    at.selectbox(key=f"rank-unit-{group}").set_value(unit).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(
    "imputation, words",
    [("no_demand", "不适用（权重分给其他指标）"), ("missing_owed", "缺报（按0分计）")],
)
def test_imputed_values_read_in_words_in_the_profile_and_the_matrix(site, imputation, words):
    store, _ = site
    unit, indicator = _db(
        store,
        "select i.unit_code, i.indicator_name from index_indicator i join index_run r "
        "using (run_id) join index_score s using (run_id, group_key, unit_code) "
        "where r.is_current and i.month = $m and i.imputation = $imp "
        "order by s.is_submitted desc, i.group_key, i.unit_code limit 1",
        m=FLAG_MONTH,
        imp=imputation,
    )[0]
    at = _profile(run_page("rankings", month="2026-09"), store, FLAG_MONTH, unit)
    profile = table(at, "指标")
    assert dict(zip(profile["指标"], profile["说明"], strict=True))[indicator] == words
    matrix = next(d.value for d in at.dataframe if indicator in d.value.columns and "名次" in
                  d.value.columns)  # fmt: skip
    name = _db(store, "select name from ref_unit_all where code = $u", u=unit)[0][0]
    cell = matrix.loc[matrix["单位"] == name, indicator].item()
    assert cell == ("不适用" if imputation == "no_demand" else "0.0（缺报）")
    assert _raw_cells(at) == []


def test_a_capped_value_reads_as_such_and_the_change_adds_up(site):
    store, _ = site
    unit, indicator, raw, used = _db(
        store,
        "select f.unit_code, f.indicator_name, f.raw_value, f.value_used from index_flag f "
        "join index_run r using (run_id) where r.is_current and f.month = $m "
        "order by f.unit_code, f.indicator_key limit 1",
        m=FLAG_MONTH,
    )[0]
    at = _profile(run_page("rankings", month="2026-09"), store, FLAG_MONTH, unit)
    row = table(at, "指标").set_index("指标").loc[indicator]
    assert row["说明"] == "数据存疑，已封顶（待核查）"
    assert row["报送值"] == words_number(raw) and row["计分值"] == words_number(used)
    # the waterfall: last month's score, the published changes, this month's score
    figure = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]
    (score, prev), shown = (
        _db(
            store,
            "select s.score, p.score from index_score s join index_run r using (run_id) "
            "join index_score p on p.unit_code = s.unit_code and p.month = $prev "
            "join index_run pr on pr.run_id = p.run_id and pr.is_current "
            "where r.is_current and s.month = $m and s.unit_code = $u",
            m=FLAG_MONTH, prev=date(2026, 8, 1), u=unit,
        )[0],
        _db(
            store,
            "select i.change_shown from index_indicator i join index_run r using (run_id) "
            "where r.is_current and i.month = $m and i.unit_code = $u and i.change_shown <> 0",
            m=FLAG_MONTH, u=unit,
        ),
    )  # fmt: skip
    steps = figure["y"][1:-1]
    assert figure["y"][0] == pytest.approx(prev)
    assert sorted(steps) == pytest.approx(sorted(c[0] for c in shown))
    assert round(prev + sum(steps), 1) == pytest.approx(score)


def words_number(x: float) -> str:
    from dashboard import words

    return words.number(x)


def _flags(store: Path, month: date):
    from index import review

    with db_store.reading(store) as con:
        return review.flags(con, month)


def _open_warning(at: AppTest) -> str:
    return next((w.value for w in at.warning if w.value.startswith("本月还有")), "")


def _pick(at: AppTest, flag) -> str:
    """Choose a flag in the page's list (逐条查看); its key, as the page's widgets use it."""
    key = f"{flag.kind}|{flag.unit_code}|{flag.ref}"
    next(s for s in at.selectbox if s.label == "逐条查看").set_value(key).run()
    return key


def _decide(at: AppTest, flag, decision: str, reason: str) -> AppTest:
    key = _pick(at, flag)
    fk = f"{key}-2026-09"
    at.radio(key=f"flag-decision-{fk}").set_value(decision).run()
    at.text_area(key=f"flag-reason-{fk}").input(reason)
    next(b for b in at.button if b.label.startswith("提交核查结论")).click().run()
    assert not at.exception and not at.error, [e.value for e in at.exception + at.error]
    return at


def test_a_reviewer_decides_an_outlier_and_a_points_flag(ranked_store, tmp_path):
    store = copy_store(ranked_store, tmp_path / "db")
    flags = _flags(store, FLAG_MONTH)
    outlier = next(f for f in flags if f.kind == "outlier")
    points = next(f for f in flags if f.kind == "points")
    n = len(flags)
    with environment(CIVIC_DB_DIR=str(store), CIVIC_REPORTS_DIR=str(tmp_path / "reports")):
        at = run_page("rankings", month="2026-09", who="reviewer")
        assert f"本月还有 {n} 条疑点未核查" in _open_warning(at)
        assert "不能审核，也不能发布" in _open_warning(at)
        # the evidence behind the outlier: the unit's activity rows, with file and row
        _pick(at, outlier)
        evidence = table(at, "活动编号")
        counted = _db(
            store,
            "select count(*), max(f.file_name) from fct_activity a join source_file f "
            "using (file_id) join int_unit_scope s on s.member_code = a.unit_code "
            "where s.unit_code = $u and a.month = $m",
            u=outlier.unit_code, m=FLAG_MONTH,
        )[0]  # fmt: skip
        assert len(evidence) <= counted[0] and len(evidence) > 0
        assert set(evidence["来源文件"]) and evidence["行号"].min() >= 1
        at = _decide(at, outlier, "cap", "无佐证材料，维持封顶")
        assert any("维持封顶" in s.value for s in at.success)
        assert f"本月还有 {n - 1} 条疑点未核查" in _open_warning(at)
        # a points flag: penalised with the methodology's item for falsified data
        key = _pick(at, points)
        at.radio(key=f"flag-decision-{key}-2026-09").set_value("penalise").run()
        items = at.selectbox(key=f"flag-item-{key}-2026-09").options
        penalties = [a for a in _methodology().adjustment_items if a.kind == "penalty"]
        assert items == [f"{a.item}（上限{a.max:g}分）" for a in penalties]
        at.number_input(key=f"flag-points-{key}-2026-09").set_value(3.0)
        at = _decide(at, points, "penalise", "核实为虚报积分")
        assert f"本月还有 {n - 2} 条疑点未核查" in _open_warning(at) or n == 2
        verdicts = next(t.value for t in at.table if "核查结论" in t.value.columns)
        decided = verdicts[verdicts["核查结论"] != "待核查"]
        assert len(decided) == 2
        assert all("审核员乙" in v for v in decided["核查结论"])
        assert any(v.startswith("维持封顶") and "无佐证材料" in v for v in decided["核查结论"])
        assert any(v.startswith("扣分处理") and "核实为虚报积分" in v for v in decided["核查结论"])
        assert _raw_cells(at) == []
    stored = _db(
        store,
        "select flag_kind, flag_ref, decision, reason, author from index_flag_review "
        "where month = $m and voided_at is null order by review_id",
        m=FLAG_MONTH,
    )
    assert stored == [
        ("outlier", outlier.ref, "cap", "无佐证材料，维持封顶", "审核员乙"),
        ("points", points.ref, "penalise", "核实为虚报积分", "审核员乙"),
    ]
    assert _db(
        store,
        "select unit_code, item, points from index_adjustment where month = $m",
        m=FLAG_MONTH,
    ) == [(points.unit_code, penalties[0].item, -3.0)]
    assert len([f for f in _flags(store, FLAG_MONTH) if f.is_open]) == n - 2
    # ranked again: the penalty is in the month's current scores
    assert _db(
        store,
        "select s.adjustment from index_score s join index_run r using (run_id) "
        "where r.is_current and s.month = $m and s.unit_code = $u",
        m=FLAG_MONTH, u=points.unit_code,
    ) == [(-3.0,)]  # fmt: skip
    with environment(CIVIC_DB_DIR=str(store), CIVIC_REPORTS_DIR=str(tmp_path / "reports")):
        at = run_page("publishing", month="2026-09", who="reviewer")
        remaining = n - 2
        warning = _open_warning(at)
        assert (f"本月还有 {remaining} 条疑点未核查" in warning) if remaining else not warning


def test_a_leader_sees_the_flags_but_cannot_decide(site, monkeypatch):
    store, _ = site
    flags = _flags(store, FLAG_MONTH)
    at = run_page("rankings", month="2026-09", who="leader")
    assert f"本月还有 {len(flags)} 条疑点未核查" in _open_warning(at)
    assert "需由县中心审核人员" in _open_warning(at)
    shown = next(t.value for t in at.table if "核查结论" in t.value.columns)
    assert shown["单位"].tolist() == [f.unit_name for f in flags]
    assert not at.radio and not any(b.label.startswith("提交核查结论") for b in at.button)
    points = next(f for f in flags if f.kind == "points")
    _pick(at, points)
    assert not at.exception
    assert any("仅县中心核查人员可见" in c.value for c in at.caption)
    assert "需由县中心审核人员" in _open_warning(run_page("publishing", month="2026-09",
                                                          who="leader"))  # fmt: skip
    # shown the form by mistake, the decision is still refused where it is taken
    from core import access

    real = access.can
    monkeypatch.setattr(access, "can", lambda u, a: a == "review_flags" or real(u, a))
    at = run_page("rankings", month="2026-09", who="leader")
    key = f"{flags[0].kind}|{flags[0].unit_code}|{flags[0].ref}-2026-09"
    at.text_area(key=f"flag-reason-{key}").input("试图越权")
    before = db_store.current_path(store).name
    next(b for b in at.button if b.label.startswith("提交核查结论")).click().run()
    assert any("没有此项操作的权限" in e.value for e in at.error)
    assert db_store.current_path(store).name == before


@pytest.mark.parametrize(
    "fn, args, expected",
    [
        ("place", (3, 3, 4), "第3–4名◇"),
        ("place", (2, 2, 2), "第2名"),
        ("place", (8, 8, 9, False), "第8名"),  # 未报送 tie by rule, not by margin
        ("interval", (2, 4), "2–4"),
        ("interval", (None, None), "—"),
        ("share", (0.8123,), "81%"),
        ("share", (None,), "—"),
        ("share", (float("nan"),), "—"),
        ("number", (58.456,), "58.46"),
        ("number", (1234.0,), "1,234"),
        ("number", (None,), "—"),
        ("signed", (1.25,), "+1.2"),
        ("signed", (-0.3,), "−0.3"),
        ("signed", (-0.04,), "0.0"),
        ("signed", (None,), "—"),
        ("treatment", ("missing_owed", False, None), "缺报（按0分计）"),
        ("treatment", ("no_demand", False, None), "不适用（权重分给其他指标）"),
        ("treatment", ("ok", True, None), "数据存疑，已封顶（待核查）"),
        ("treatment", ("ok", True, "cap"), "数据存疑，已封顶"),
        ("treatment", ("ok", True, "accept"), "数据存疑，已接受原值"),
        ("treatment", ("ok", False, None), ""),
        ("matrix_cell", (0.0, "missing_owed", False, None), "0.0（缺报）"),
        ("matrix_cell", (0.0, "no_demand", False, None), "不适用"),
        ("matrix_cell", (4.567, "ok", True, None), "4.6（封顶）"),
        ("matrix_cell", (4.567, "ok", True, "accept"), "4.6（接受原值）"),
        ("matrix_cell", (4.567, "ok", False, None), "4.6"),
    ],
)
def test_words_for_the_index(fn, args, expected):
    from dashboard import words

    assert getattr(words, fn)(*args) == expected


def test_the_caption_names_only_what_a_methodology_varies():
    from dashboard import words

    old = {"methodology_id": "tianzhu-2026.1", "draws": 1000, "weight_spread": 0.25,
           "goalpost_spread": 0.0, "robust_share": 0.75, "vary_imputation": False,
           "vary_aggregation": False}  # fmt: skip
    caption = words.uncertainty_caption(old)
    assert "25%" in caption and "至少 75%" in caption
    assert "目标值区间" not in caption and "几何平均" not in caption and "缺报" not in caption
    assert "名次后标◇（差距在误差范围内）" in caption  # the mark the table's 名次 carries


# ---------------------------------------------------------------- 地图


def test_map_draws_every_station_and_institute_from_the_registry(site):
    store, _ = site
    at = run_page("map")
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    # no basemap from the internet: pydeck's sentinel, which Streamlit reads as none
    assert spec.get("mapStyle") == "__MAP_STYLE__" and "mapProvider" not in spec
    layers = {layer.get("id", layer["@@type"]): layer for layer in spec["layers"]}
    expected = _db(
        store,
        "select count(*) from ref_unit where kind in ('station', 'institute') "
        "and longitude is not null",
    )[0][0]
    assert len(layers["units"]["data"]) == expected
    # the density layer: the month's activities counted per cell of 0.01°, drawn as discs
    # (aggregated on the server: no HeatmapLayer aggregating rows in the browser)
    cells = _db(
        store,
        "select count(distinct (round(longitude, 2), round(latitude, 2))) from fct_activity "
        "where month = $m and longitude is not null",
        m=MONTH,
    )[0][0]
    assert cells and len(layers["density"]["data"]) == cells
    assert "HeatmapLayer" not in {layer["@@type"] for layer in spec["layers"]}
    towns = next(x for x in spec["layers"] if x["@@type"] == "GeoJsonLayer")["data"]["features"]
    assert len(towns) >= 15
    tooltip = json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)["html"]
    assert "考评得分" in tooltip
    shown = table(at, "单位")
    best = _db(
        store,
        "select s.unit_name, s.score from index_score s join index_run r using (run_id) "
        "where r.is_current and r.month = $m and s.group_key in ('station', 'institute') "
        "order by s.score desc nulls last, s.unit_name limit 1",
        m=MONTH,
    )[0]
    # a column with units without a score reads as printed (readable.cells), — for none
    assert shown["考评得分"].iloc[0] == theme.score(best[1])


# ---------------------------------------------------------------- 趋势


def test_trends_funnel_equals_the_orders(site):
    store, _ = site
    at = run_page("trends")
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    funnel = next(f for f in figures if f["data"][0]["type"] == "funnel")
    expected = _db(
        store,
        "select count(*), count(*) filter (where is_dispatched), count(*) filter "
        "(where is_accepted), count(*) filter (where is_completed), count(*) filter "
        "(where is_rated) from fct_order where month = $m",
        m=MONTH,
    )[0]
    assert funnel["data"][0]["x"] == list(expected)
    stacked = next(f for f in figures if f["layout"]["barmode"] == "stack")
    total = sum(
        y for trace in stacked["data"] for x, y in zip(trace["x"], trace["y"], strict=True)
        if x.startswith("2026-10")
    )  # fmt: skip
    assert total == _db(store, "select count(*) from fct_activity where month = $m", m=MONTH)[0][0]


# ---------------------------------------------------------------- 积分


def test_points_page_figures_and_boards_equal_the_database(site):
    store, _ = site
    at = run_page("points")
    issued, redeemed = _db(
        store,
        "select sum(points_issued), sum(points_redeemed) from mart_points_month where month = $m",
        m=MONTH,
    )[0]
    assert metric(at, "本月发放") == f"{theme.count(issued)}分"
    assert metric(at, "本月兑换") == f"{theme.count(redeemed)}分"
    board = table(at, "名次")
    top = _db(
        store,
        "select household_id, sum(points) as p from fct_points_entry "
        "where month = $m and is_issued and points > 0 group by household_id, unit_code "
        "order by p desc, household_id limit 3",
        m=MONTH,
    )
    assert board["本月获得积分"].head(3).tolist() == [t[1] for t in top]
    # names are masked on the board
    assert all("*" in name for name in board["户主"])


# ---------------------------------------------------------------- 品牌项目


def test_brand_projects_equal_the_activities(site):
    store, _ = site
    at = run_page("brands")
    shown = table(at, "品牌项目")
    expected = dict(
        _db(
            store,
            "select brand_project, count(*) from fct_activity where month = $m "
            "and is_registered_brand group by 1",
            m=MONTH,
        )
    )
    got = {n: a for n, a in zip(shown["品牌项目"], shown["活动（场）"], strict=True) if a}
    assert got == expected
    towns = dict(
        _db(
            store,
            "select a.brand_project, count(distinct if(u.kind = 'station', u.parent_code, u.code))"
            " from fct_activity a join ref_unit u on u.code = a.unit_code "
            "where a.month = $m and a.is_registered_brand and u.kind in ('station', 'institute')"
            " group by 1",
            m=MONTH,
        )
    )
    shown_towns = dict(zip(shown["品牌项目"], shown["覆盖乡镇"], strict=True))
    assert {n: shown_towns[n] for n in towns} == towns


# ---------------------------------------------------------------- 数据报送


def test_submissions_matrix_and_quarantine_equal_the_database(site):
    store, _ = site
    at = run_page("submissions")
    q = _db(store, "select count(*) from mart_quarantine where is_current")[0][0]
    assert any(f"共 {q:,} 行" in c.value for c in at.caption)
    missing = _db(
        store,
        "select count(distinct unit_code) from mart_submission s join ref_unit_all u "
        "on u.code = s.unit_code where month = $m and is_expected and status = 'missing' "
        "and u.kind = 'station'",
        m=MONTH,
    )[0][0]
    assert any(f"未报送 {missing} 个" in c.value for c in at.caption)
    # stations are counted per town: the month's 未报送 counts add up to the stations missing
    towns = table(at, "乡镇")
    counted = towns["2026-10"].str.extract(r"未报送(\d+)", expand=False).astype(float).sum()
    assert counted == missing
    # the first town listed has the most stations missing; its stations are the matrix below
    first = _db(
        store,
        """
        with station as (  -- a station's worst status over the sheets it owes
            select u.parent_code, s.unit_code, bool_or(s.status = 'missing') as missing,
                   bool_or(s.status = 'late') and not bool_or(s.status = 'missing') as late
            from mart_submission s join ref_unit u on u.code = s.unit_code
            where s.month = $m and s.is_expected and u.kind = 'station' group by all)
        select parent_code, count(*) filter (where missing), count(*) filter (where late)
        from station group by all order by 2 desc, 3 desc, 1 limit 1
        """,
        m=MONTH,
    )[0]
    picker = next(s for s in at.selectbox if s.label == "查看一个乡镇的各实践站")
    assert picker.value == first[0]
    stations = table(at, "实践站")
    in_town = _db(
        store,
        "select count(distinct s.unit_code) from mart_submission s "
        "join ref_unit u on u.code = s.unit_code "
        "where s.is_expected and u.kind = 'station' and u.parent_code = $t "
        "and s.month between $a and $m",
        t=first[0],
        a=date(2025, 11, 1),
        m=MONTH,
    )[0][0]
    assert len(stations) == in_town
    assert (stations["2026-10"] == "未报送").sum() == first[1]
    # institutes are few: a row per institute with gaps
    at.segmented_control(key="sub-kind").set_value("institute").run()
    assert not at.exception and "2026-10" in table(at, "单位").columns
    assert any(b.label == "下载全部报送模板（.zip）" for b in at.get("download_button"))
    # quarantined rows filtered by export kind (a CSV file's sheet is its file name)
    names = _db(store, "select sheet_name, count(*) from mart_quarantine where is_current "
                "group by all")  # fmt: skip
    per_kind: dict[str, int] = {}
    for name, n in names:
        kind = readable.sheet_title(name) or "未能识别的表"
        per_kind[kind] = per_kind.get(kind, 0) + n
    picker = next(s for s in at.selectbox if s.label == "表格类别")
    assert picker.options == ["全部", *sorted(per_kind)]
    kind = max(per_kind, key=per_kind.get)
    picker.set_value(kind).run()
    assert not at.exception and len(table(at, "文件")) == min(per_kind[kind], 500)
    # the workbook of every quarantined row is built when asked for, then offered
    assert not any(b.label == "下载隔离行" for b in at.get("download_button"))
    next(b for b in at.button if b.label == f"生成隔离行工作簿（{q:,} 行）").click().run()
    assert not at.exception
    assert any(b.label == "下载隔离行" for b in at.get("download_button"))


PLAIN_STYLE = ("title_row", "blank_after_header", "total_row", "notes_row", "thousands")


def test_an_uploaded_file_is_ingested_and_its_bad_rows_listed(
    ranked_store, demo_inbox, demo_manifest, tmp_path
):
    store = copy_store(ranked_store, tmp_path / "db")
    plain = {
        f["path"]
        for f in demo_manifest["files"]
        if f["path"]
        and not f["dirty_rows"]
        and not f["superseded"]
        and not any(f.get("style", {}).get(k) for k in PLAIN_STYLE)
    }
    with environment(**{"CIVIC_DB_DIR": str(store), "CIVIC_INBOX_DIR": str(tmp_path / "inbox")}):
        # a corrected export (a plain one: no planted dirt, title, total or notes rows): the
        # same activities with one more row, whose date is impossible
        source, lines = next(
            (f, t.splitlines())
            for f in sorted(demo_inbox.rglob("*2026-10_活动台账.csv"))
            if (t := f.read_bytes().decode("utf-8-sig", errors="replace")).startswith("活动编号,")
            and "\ufffd" not in t
            and f.relative_to(demo_inbox).as_posix() in plain
        )
        header = lines[0].split(",")
        bad = lines[-1].split(",")
        bad[header.index("活动编号")] = "HD-EXTRA-1"
        bad[header.index("活动日期")] = "20261345"
        content = "\n".join([*lines, ",".join(bad)]) + "\n"
        at = run_page("submissions")
        at.file_uploader[0].set_value((source.name, content.encode("utf-8"), "text/csv"))
        at.run()
        next(b for b in at.button if b.label == "导入").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.success, [e.value for e in at.error]
        assert _db(store, "select count(*) from import_batch")[0][0] == 2
        outcomes = table(at, "文件")
        assert outcomes["文件"].tolist() == [source.name]
        assert outcomes["结果"].tolist() == ["已导入"]
        assert outcomes["接受行数"].tolist() == [len(lines) - 1]
        assert outcomes["隔离行数"].tolist() == [1]
        quarantine = next(d.value for d in at.dataframe if "原因" in d.value.columns)
        assert quarantine["行号"].tolist() == [len(lines) + 1]
        assert quarantine["列"].tolist() == ["活动日期"]
        assert "20261345" in quarantine["原因"].iloc[0]
        # kept under a generated name; the name it was sent with is what staff and the ETL see
        saved = [p for p in (tmp_path / "inbox" / "uploads").rglob("*") if p.is_file()]
        assert len(saved) == 1 and saved[0].name != source.name and saved[0].suffix == ".csv"
        assert saved[0].read_bytes() == content.encode("utf-8")
        sent_as = _db(store, "select file_name, sha256 from source_file where batch_id = 2")
        assert sent_as == [(source.name, hashlib.sha256(saved[0].read_bytes()).hexdigest())]


# ---------------------------------------------------------------- 发布


def test_publishing_page_lists_the_edition_and_every_file(site):
    store, reports = site
    at = run_page("publishing")
    assert any("已发布第1版" in s.value for s in at.success)
    doc = json.loads((reports / "2026-10" / "v1" / "manifest.json").read_text("utf-8"))
    labels = [b.label for b in at.get("download_button")]
    assert len(labels) == len(doc["files"]) + 1
    # (a label is Markdown: the file name in it escaped, presentation.plain.md)
    assert all(any(plain.md(f["path"]) in label for label in labels) for f in doc["files"])


def test_draft_review_and_publish_through_the_page(ranked_store, tmp_path):
    store = copy_store(ranked_store, tmp_path / "db")
    reports = tmp_path / "reports"
    with environment(**{"CIVIC_DB_DIR": str(store), "CIVIC_REPORTS_DIR": str(reports)}):
        at = run_page("publishing", month="2026-09", who="reviewer")
        next(b for b in at.button if b.label.startswith("生成草稿")).click().run()
        # open flags hold the month back: no review until the office has decided them
        assert "不能审核，也不能发布" in _open_warning(at)
        assert not any(b.label.startswith("审核通过") for b in at.button)
        decisions = [
            index_run.Decision(f.kind, f.ref, f.unit_code, "cap" if f.kind == "outlier"
                               else "accept", "经核实")
            for f in _flags(store, FLAG_MONTH)
        ]  # fmt: skip
        index_run.decide_flags(store, FLAG_MONTH, decisions, "审核员乙")  # ranked again
        at = run_page("publishing", month="2026-09", who="reviewer")
        assert not _open_warning(at)
        next(b for b in at.button if b.label.startswith("审核通过")).click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        # the reviewer may not also approve
        assert not any(b.label.startswith("签发发布") for b in at.button)
        assert any("不同的人" in w.value for w in at.warning)
        at = run_page("publishing", month="2026-09", who="reviewer2")
        next(b for b in at.button if b.label.startswith("签发发布")).click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        rows = _db(
            store,
            "select edition_no, status, created_by, reviewed_by, published_by from edition",
        )
        assert rows == [(1, "published", "审核员乙", "审核员乙", "审核员丙")]
        assert (reports / "2026-09" / "v1" / "manifest.json").exists()
        assert any("已发布第1版" in s.value for s in at.success)


# ---------------------------------------------------------------- 村级实践


@pytest.mark.parametrize("area", ["", TOWN])
def test_matters_page_figures_equal_the_database(site, area):
    store, _ = site
    at = run_page("matters", area)
    scope = _scope(store, area) if area else None
    in_area = "($s::varchar[] is null or list_contains($s, unit_code))"
    n, resolved, lowest = _db(
        store,
        "select count(*), count(resolved_date), "
        "count(*) filter (where resolved_date is not null and level = '网格员直办') "
        f"from fct_matter where accepted_date between $m and $end and {in_area}",
        m=MONTH, end=date(2026, 10, 31), s=scope,
    )[0]  # fmt: skip
    overdue = _db(
        store,
        "select count(*) from fct_matter where accepted_date <= $end "
        "and (resolved_date is null or resolved_date > $end) "
        f"and $end - accepted_date > 30 and {in_area}",
        end=date(2026, 10, 31), s=scope,
    )[0][0]  # fmt: skip
    assert metric(at, "本月受理") == f"{n:,}件"
    assert metric(at, "办结率") == theme.pct(resolved / n)
    assert metric(at, "网格员直办解决") == theme.pct(lowest / n)
    assert metric(at, "超过30天未办结") == f"{overdue:,}件"
    assert len(table(at, "乡镇")) == overdue  # the overdue list, one row per matter


@pytest.mark.parametrize("area", ["", TOWN])
def test_standards_page_checks_the_monthly_minimum_against_the_activity_ledger(site, area):
    store, _ = site
    at = run_page("standards", area)
    scope = _scope(store, area) if area else None
    meeting, stations = _db(
        store,
        """
        with a as (
            select unit_code,
                   count(*) filter (where platform = '理论政策宣讲') as talks,
                   count(*) filter (where platform <> '理论政策宣讲' and (
                       brand_project in (select name from ref_brand_project)
                       or theme = (select theme from ref_theme where month = 10)
                       or participants >= 30)) as notable
            from fct_activity where month = $m group by unit_code
        )
        select count(*) filter (where a.talks > 0 and a.notable > 0), count(*)
        from ref_unit u left join a on a.unit_code = u.code
        where u.kind = 'station' and ($s::varchar[] is null or list_contains($s, u.code))
        """,
        m=MONTH, s=scope,
    )[0]  # fmt: skip
    assert metric(at, "达到月度最低要求") == f"{meeting} / {stations}"
    # the list of stations that missed it is exactly the others
    tab = next(d.value for d in at.dataframe if "缺少" in d.value.columns and "宣讲" in d.value)
    assert len(tab) == stations - meeting


def test_households_page_counts_each_household_at_its_latest_rating(site):
    store, _ = site
    at = run_page("households")
    rated, required = _db(
        store,
        """
        select count(*), count(*) filter (where required_stars_met) from (
            select *, row_number() over (partition by unit_code, household_id
                                         order by submitted_month desc) as k
            from fct_household_rating where submitted_month <= $m and stars is not null)
        where k = 1
        """,
        m=MONTH,
    )[0]
    assert metric(at, "已评星户") == f"{rated:,}"
    assert metric(at, "三颗必评星全部达标") == theme.pct(required / rated)


def test_households_that_lost_stars_are_counted_per_unit_and_listed_per_station(site):
    store, _ = site
    at = run_page("households")
    down = _db(
        store,
        """
        with latest as (select unit_code, household_id, max(month) as month
                        from mart_household_star_change where month <= $m group by all)
        select c.unit_code, count(*) from mart_household_star_change c
        join latest using (unit_code, household_id, month)
        where c.change = '降星' or (c.previous_required_met and not c.required_stars_met)
        group by all order by 2 desc, 1
        """,
        m=MONTH,
    )
    total = sum(n for _, n in down)
    assert total and any(f"（{total:,}户）" in h.value for h in at.subheader)
    # every town's count in the units table adds up to the county's
    assert table(at, "单位")["降星或失去必评星"].sum() == total
    # one station listed at a time, the one with the most first; the rows are its own
    picker = next(s for s in at.selectbox if s.label == "实践站")
    assert len(picker.options) == len(down) and picker.value == down[0][0]
    assert len(table(at, "乡镇")) == down[0][1]
    picker.set_value(down[-1][0]).run()
    assert not at.exception and len(table(at, "乡镇")) == down[-1][1]
    # the workbook of every household is built when asked for
    assert not any(b.label == "下载（Excel）" for b in at.get("download_button"))
    next(b for b in at.button if b.label.startswith("生成星级户工作簿")).click().run()
    assert any(b.label == "下载（Excel）" for b in at.get("download_button"))


def test_points_audit_shows_each_rule_with_its_evidence_and_only_to_the_office(site):
    store, _ = site
    at = run_page("points")
    by_rule = dict(
        _db(
            store,
            "select rule_label, count(*) from mart_points_flag where month = $m group by 1",
            m=MONTH,
        )  # fmt: skip
    )
    for label in ("分值超出目录范围", "同户同日多次记分", "户均积分远高于同类站点", "兑换超过余额",
                  "核发未经公示"):  # fmt: skip
        assert metric(at, label) == f"{by_rule.get(label, 0):,}条"
    assert len(table(at, "疑点")) == sum(by_rule.values())
    town = run_page("points", who="town")
    assert not any(m.label == "兑换超过余额" for m in town.metric)
    assert not any(f.key == "pts-clear-form" for f in town.get("form"))


def test_a_zero_clearing_entered_on_the_points_page_clears_the_balance(ranked_store, tmp_path):
    store = copy_store(ranked_store, tmp_path / "db")
    unit, household, balance = _db(
        store,
        """
        select unit_code, household_id,
               arg_max(balance_after, event_seq)
        from int_household_ledger where unit_code = '620623101204'
        group by all having year(max(event_date)) = 2026 and not bool_or(event_kind = 'clear')
        order by 3 desc, 2 limit 1
        """,
    )[0]
    assert balance > 0
    with environment(CIVIC_DB_DIR=str(store), CIVIC_REPORTS_DIR=str(tmp_path / "reports")):
        at = run_page("points")
        at.selectbox(key="pts-clear-station").set_value(unit)
        at.text_input(key="pts-clear-household").input(household)
        at.date_input(key="pts-clear-date").set_value(date(2026, 10, 30))
        at.text_area(key="pts-clear-reason").input("聚众赌博，经镇党委研究决定清零")
        next(b for b in at.button if b.label == "确认清零").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    cleared = _db(
        store,
        "select source, reason, points_cleared, entered_by from fct_clearing "
        "where unit_code = $u and household_id = $h",
        u=unit, h=household,
    )  # fmt: skip
    assert cleared == [("办公室录入", "聚众赌博，经镇党委研究决定清零", balance, "管理员甲")]
    after = _db(
        store,
        "select arg_max(balance_after, event_seq) "
        "from int_household_ledger where unit_code = $u and household_id = $h",
        u=unit, h=household,
    )  # fmt: skip
    assert after == [(0,)]
    assert _db(store, "select actor, action from audit_log where action = 'clear_points'") == [
        ("管理员甲", "clear_points")
    ]


def test_a_town_account_previews_the_quarterly_notice_of_its_own_stations_only(site):
    store, _ = site
    at = run_page("points", who="town")
    stations = at.selectbox(key="pts-notice-station")
    own = {r[0] for r in _db(store, "select code from ref_unit where parent_code = $t", t=TOWN)}
    assert set(stations.options) and all(
        any(name in o for name in _names(store, own)) for o in stations.options
    )
    at.toggle(key="pts-notice-preview").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    quarter = at.selectbox(key="pts-notice-quarter").value
    html = " ".join(h.proto.body for h in at.get("html"))
    year, n = quarter[:4], "一二三四"[int(quarter[-1]) - 1]
    assert f"道德积分{year}年第{n}季度公示" in html


def _names(store: Path, codes: set[str]) -> set[str]:
    return {
        r[0]
        for r in _db(
            store, "select name from ref_unit where list_contains($c, code)", c=sorted(codes)
        )
    }


# ---------------------------------------------------------------- 账号与审计


def test_accounts_page_with_no_town_account(site, tmp_path):
    """Only county accounts: the town column is empty (polars reads it as Null) and the page
    still draws, the column left out as empty."""
    with environment(CIVIC_ACCOUNTS_DB=str(tmp_path / "accounts.sqlite")):
        user = accounts.add_user("solo", "独管理员", "admin", "solo-pass-1234")
        at = AppTest.from_file(APP, default_timeout=180)
        at.session_state["_session_token"] = accounts.start_session(user)
        at.switch_page("views/admin.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert not at.error, [e.value for e in at.error]
        shown = table(at, "用户名")
        assert shown["用户名"].tolist() == ["solo"]
        assert "所属乡镇" not in shown.columns
