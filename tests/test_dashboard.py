"""The dashboard, page by page, with Streamlit's AppTest on the demo database.

Each page is run as staff would see it, and its key figures are compared
with the database through SQL of the test's own (fact tables where they
exist), not through the dashboard's queries.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from conftest import copy_store, environment
from streamlit.testing.v1 import AppTest

from core import accounts
from core import store as db_store
from presentation import theme
from publish import workflow

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
    assert at.get("deck_gl_json_chart")


def test_overview_rankings_show_the_top_of_each_list(site):
    store, _ = site
    at = run_page("overview")
    shown = table(at, "名次")
    top = _db(
        store,
        "select s.unit_name, s.score from index_score s join index_run r using (run_id) "
        "where r.is_current and r.month = $m and s.group_key = 'subcentre' order by s.rank",
        m=MONTH,
    )
    assert shown["单位"].tolist() == [t[0] for t in top]
    assert shown["得分"].tolist() == pytest.approx([t[1] for t in top])


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
            "select unit_code, points, author, reason from index_adjustment where month = $m",
            m=MONTH,
        )
        assert stored == [(last_code, 2.0, "管理员甲", "获省级表彰")]
        now = {e[0]: e for e in _current(store, "subcentre")}
        assert now[last_code][4] == 2.0
        assert now[last_code][2] == pytest.approx(min(100.0, last_score + 2.0))
        log = _db(store, "select actor, action from audit_log where action = 'adjust'")
        assert log == [("管理员甲", "adjust")]


# ---------------------------------------------------------------- 地图


def test_map_draws_every_station_and_institute_from_the_registry(site):
    store, _ = site
    at = run_page("map")
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    # no basemap from the internet: pydeck's sentinel, which Streamlit reads as none
    assert spec.get("mapStyle") == "__MAP_STYLE__" and "mapProvider" not in spec
    layers = {layer["@@type"]: layer for layer in spec["layers"]}
    expected = _db(
        store,
        "select count(*) from ref_unit where kind in ('station', 'institute') "
        "and longitude is not null",
    )[0][0]
    assert len(layers["ScatterplotLayer"]["data"]) == expected
    towns = layers["GeoJsonLayer"]["data"]["features"]
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
    assert shown["考评得分"].iloc[0] == pytest.approx(best[1])


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
    # the matrix shows the units with gaps: every station missing this month is there
    matrix = next(d.value for d in at.dataframe if "2026-10" in d.value.columns)
    assert (matrix["2026-10"] == "未报送").sum() == missing
    assert any(b.label == "下载全部报送模板（.zip）" for b in at.get("download_button"))


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
    assert all(any(f["path"] in label for label in labels) for f in doc["files"])


def test_draft_review_and_publish_through_the_page(ranked_store, tmp_path):
    store = copy_store(ranked_store, tmp_path / "db")
    reports = tmp_path / "reports"
    with environment(**{"CIVIC_DB_DIR": str(store), "CIVIC_REPORTS_DIR": str(reports)}):
        at = run_page("publishing", month="2026-09", who="reviewer")
        next(b for b in at.button if b.label.startswith("生成草稿")).click().run()
        next(b for b in at.button if b.label.startswith("审核通过")).click().run()
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
