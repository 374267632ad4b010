"""The publisher: a real edition of the demo county, held figure by figure to the database.

Publishing needs Chromium (images, PDFs) and a CJK font; .ci/run installs both.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from datetime import date, datetime
from pathlib import Path

import docx
import lxml.html
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import copy_store as _copy_store

from civic.cli import main
from core import months
from core import store as db_store
from index import run as index_run
from presentation import theme
from publish import manifest, model, render_images, workflow
from publish.text import short_unit

MONTH = date(2026, 10, 1)
GROUPS = ("subcentre", "team", "institute")


def _publish(store: Path, reports: Path, *extra: str):
    return CliRunner().invoke(
        main,
        ["publish", "--month", "2026-10", "--db", str(store), "--reports", str(reports), *extra],
    )


@pytest.fixture(scope="module")
def edition(ranked_store, tmp_path_factory):
    """A published first edition of 2026-10: (store, reports folder, edition folder)."""
    base = tmp_path_factory.mktemp("published")
    store = _copy_store(ranked_store, base / "db")
    reports = base / "reports"
    result = _publish(store, reports, "--approver", "李签发", "--reviewer", "王审核")
    assert result.exit_code == 0, result.output
    return store, reports, reports / "2026-10" / "v1"


def _db(store: Path, sql: str, params: dict | None = None) -> list[tuple]:
    with db_store.reading(store) as con:
        return con.sql(sql, params=params or {}).fetchall()


def _current_scores(store: Path, group: str) -> list[tuple]:
    return _db(
        store,
        """
        select s.rank, s.change_label, s.unit_name, s.score, s.tier
        from index_score s join index_run r using (run_id)
        where r.is_current and r.month = $m and s.group_key = $g
        order by s.rank, s.unit_code
        """,
        {"m": MONTH, "g": group},
    )


def _leaders(store: Path, group: str) -> list[tuple[str, float]]:
    """The scored units whose place is tied with first place within the margin."""
    return _db(
        store,
        """
        select s.unit_name, s.score
        from index_score s join index_run r using (run_id)
        where r.is_current and r.month = $m and s.group_key = $g and s.score is not null
          and s.place_first = 1
        order by s.rank, s.unit_code
        """,
        {"m": MONTH, "g": group},
    )


def _stem(edition_dir: Path) -> str:
    return edition_dir / "2026-10"


# ---------------------------------------------------------------- the files


def test_edition_has_every_format_and_the_manifest_hashes_match(edition):
    _, _, folder = edition
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [
            "2026-10_article.html",
            "2026-10_article.pdf",
            "2026-10_briefing.docx",
            "2026-10_briefing.pdf",
            "2026-10_index.xlsx",
            "2026-10_ranking_institute.png",
            "2026-10_ranking_subcentre.png",
            "2026-10_ranking_team.png",
            "manifest.json",
            "report.json",
        ]
    )
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f["sha256"] for f in doc["files"]}
    assert set(listed) == set(names) - {"manifest.json"}
    for name, sha in listed.items():
        assert manifest.sha256(folder / name) == sha
    assert manifest.verify(folder) == []
    assert doc["approver"] == "李签发" and doc["reviewer"] == "王审核"
    assert datetime.fromisoformat(doc["published_at"]) >= datetime.fromisoformat(doc["reviewed_at"])


def test_manifest_records_the_methodology_and_data_of_the_run(edition):
    store, _, folder = edition
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    run_id, mid, sha, snapshot = _db(
        store,
        "select run_id, methodology_id, methodology_sha256, data_snapshot from index_run "
        "where is_current and month = $m",
        {"m": MONTH},
    )[0]
    assert doc["index_run_id"] == run_id
    assert doc["methodology"]["id"] == mid and doc["methodology"]["sha256"] == sha
    assert doc["data_snapshot"] == snapshot


def test_a_changed_file_is_caught_by_the_manifest(edition, tmp_path):
    _, _, folder = edition
    copy = tmp_path / "v1"
    shutil.copytree(folder, copy)
    target = copy / "2026-10_article.html"
    target.chmod(0o644)
    html = target.read_text(encoding="utf-8")
    target.write_text(html.replace('<td class="num">', '<td class="num">9', 1), "utf-8")
    assert manifest.verify(copy) == ["文件已被改动 2026-10_article.html"]


def test_published_files_are_read_only(edition):
    _, _, folder = edition
    for p in folder.iterdir():
        assert p.stat().st_mode & 0o222 == 0, p.name


# ---------------------------------------------------------------- the article


@pytest.fixture(scope="module")
def article(edition):
    _, _, folder = edition
    html = (folder / "2026-10_article.html").read_text(encoding="utf-8")
    return html, lxml.html.fromstring(html)


def test_article_is_self_contained_with_no_external_url(article):
    html, tree = article
    assert not re.search(r"(https?:)?//[a-z0-9]", html, re.I), "a URL in the article"
    assert not tree.xpath("//script[@src] | //link | //img[not(starts-with(@src, 'data:'))]")
    assert tree.xpath("/html/@lang") == ["zh-CN"]


@pytest.mark.parametrize("group", GROUPS)
def test_article_ranking_tables_equal_the_database(edition, article, group):
    store, _, _ = edition
    _, tree = article
    table = tree.xpath(f"//h3[@id='{group}']/following-sibling::table[1]")[0]
    shown = [[td.text_content().strip() for td in tr.xpath("td")] for tr in table.xpath("tbody/tr")]
    expected = _current_scores(store, group)
    assert len(shown) == len(expected) > 0
    for row, (rank, change, name, score, tier) in zip(shown, expected, strict=True):
        assert re.fullmatch(rf"{rank}◇?(（\d+–\d+）)?", row[0]), row[
            0
        ]  # its interval: test_publish_explain
        assert row[1] == change
        assert row[2].startswith(name)
        assert row[3] == (f"{score:.1f}" if score is not None else "—")
        assert row[4] == tier


def _county_month(store: Path, month: date) -> dict:
    """The month's county totals straight from the fact tables (not the publisher's marts)."""
    act = _db(
        store,
        "select count(*), sum(participants), sum(volunteer_hours), sum(beneficiaries) "
        "from fct_activity where month = $m",
        {"m": month},
    )[0]
    orders = _db(
        store,
        "select count(*), count(*) filter (where is_completed), avg(rating) filter (where is_rated)"
        " from fct_order where month = $m",
        {"m": month},
    )[0]
    return {
        "activities": act[0],
        "participants": act[1],
        "volunteer_hours": act[2],
        "beneficiaries": act[3],
        "orders": orders[0],
        "completion_rate": orders[1] / orders[0],
        "avg_rating": orders[2],
    }


def _fmt(key: str, value) -> str:
    units = {
        "activities": "场",
        "participants": "人次",
        "volunteer_hours": "小时",
        "beneficiaries": "人次",
        "orders": "单",
    }
    if key == "completion_rate":
        return theme.pct(value)
    if key == "avg_rating":
        return f"{value:.2f}分"
    return theme.count(value) + units[key]


def test_article_figures_and_lead_equal_the_database(edition, article):
    store, _, _ = edition
    _, tree = article
    facts = _county_month(store, MONTH)
    prev = _county_month(store, date(2026, 9, 1))
    for key, value in facts.items():
        shown = tree.xpath(f"//div[@data-key='{key}']/div[@class='value']")[0].text_content()
        assert shown == _fmt(key, value), key
    lead = tree.xpath("//p[@class='lead']")[0].text_content()
    assert f"共开展活动{_fmt('activities', facts['activities'])}" in lead
    assert theme.change_words(facts["activities"], prev["activities"], "比上月") in lead
    assert f"参与群众{_fmt('participants', facts['participants'])}" in lead
    assert f"志愿服务时长{_fmt('volunteer_hours', facts['volunteer_hours'])}" in lead
    headline = tree.xpath("//h1")[0].text_content()
    assert "10月新时代文明实践考评指数发布" in headline
    tied_somewhere = False
    for group in GROUPS:
        leaders = _leaders(store, group)
        if len(leaders) == 1:
            name, score = leaders[0]
            assert f"{name}以{score:.1f}分位居第一" in lead
        else:
            # first place within the margin: the leaders are named together, never one alone
            tied_somewhere = True
            together = "、".join(f"{n}（{s:.1f}分）" for n, s in leaders)
            assert f"{together}并列领先，差距在误差范围内" in lead
            assert f"{leaders[0][0]}以" not in lead
            shorts = "、".join(short_unit(n, "天祝县") for n, _ in leaders)
            assert f"{shorts}并列" in headline
    if not tied_somewhere:
        assert "分列各榜首位" in headline


def test_article_names_every_unit_that_did_not_submit(edition, article):
    store, _, _ = edition
    _, tree = article
    note = tree.xpath("//p[@id='completeness']")[0].text_content()
    missing = _db(
        store,
        "select u.name from mart_submission s join ref_unit_all u on u.code = s.unit_code "
        "where s.month = $m and s.is_expected and s.status = 'missing' group by u.name",
        {"m": MONTH},
    )
    owing = _db(
        store,
        "select count(distinct unit_code) from mart_submission where month = $m and is_expected",
        {"m": MONTH},
    )[0][0]
    assert missing, "the demo county plants missing submissions"
    assert f"本月应报送单位{owing}个" in note
    assert f"{len(missing)}个单位有台账未报送" in note
    for (name,) in missing:
        assert name in note


def test_article_states_the_methodology_version(edition, article):
    store, _, _ = edition
    _, tree = article
    mid, title = _db(
        store,
        "select r.methodology_id, m.title from index_run r join index_methodology m "
        "on m.methodology_id = r.methodology_id and m.sha256 = r.methodology_sha256 "
        "where r.is_current and r.month = $m",
        {"m": MONTH},
    )[0]
    note = tree.xpath("//p[@id='methodology']")[0].text_content()
    assert f"《{title}》（版本 {mid}）" in note


# ---------------------------------------------------------------- the images


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("group", GROUPS)
def test_ranking_images_are_phone_width_and_their_alt_text_equals_the_database(edition, group):
    store, _, folder = edition
    width, height = _png_size(folder / f"2026-10_ranking_{group}.png")
    assert width == 1080 and 300 < height < 4000
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    alt = next(f["alt"] for f in doc["files"] if f["path"] == f"2026-10_ranking_{group}.png")
    for rank, change, name, score, tier in _current_scores(store, group):
        assert f"第{rank}名 {name} {theme.score(score)}分 {tier}（{change}）" in alt


# ---------------------------------------------------------------- the workbook


@pytest.fixture(scope="module")
def workbook(edition):
    _, _, folder = edition
    return openpyxl.load_workbook(folder / "2026-10_index.xlsx")


def test_workbook_has_a_sheet_per_ranking_and_the_details(workbook):
    assert workbook.sheetnames == [
        "片区分中心排名",
        "县级志愿服务队排名",
        "新时代文明实践所排名",
        "实践站排名（所内）",
        "单位明细",
        "指标明细",
        "方法说明",
        "计分规则",
        "敏感性分析",
        "加扣分项目",
        "发布信息",
    ]
    for ws in workbook.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref
        assert all(isinstance(c.value, str) for c in ws[1]), ws.title


@pytest.mark.parametrize(
    "group, sheet",
    [
        ("subcentre", "片区分中心排名"),
        ("team", "县级志愿服务队排名"),
        ("institute", "新时代文明实践所排名"),
    ],
)
def test_workbook_rankings_equal_the_database(edition, workbook, group, sheet):
    store, _, _ = edition
    ws = workbook[sheet]
    header = [c.value for c in ws[1]]
    cols = [header.index(h) for h in ("名次", "变化", "单位", "得分", "档次")]
    expected = _current_scores(store, group)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=len(expected) + 1)]
    assert ws.auto_filter.ref.endswith(str(len(expected) + 1))  # the legend follows the table
    for row, (rank, change, name, score, tier) in zip(rows, expected, strict=True):
        assert [row[c] for c in cols] == [rank, change, name, score, tier]
    assert ws.cell(2, cols[3] + 1).number_format == theme.XLSX_FORMATS["score"]


def test_workbook_indicator_details_equal_the_database(edition, workbook):
    store, _, _ = edition
    ws = workbook["指标明细"]
    header = [c.value for c in ws[1]]
    weight, contribution = header.index("权重"), header.index("贡献分")
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2) if r[5].value]
    expected = _db(
        store,
        "select contribution, weight from index_indicator i join index_run r using (run_id) "
        "where r.is_current and r.month = $m",
        {"m": MONTH},
    )
    assert len(rows) == len(expected)
    # stored as shown: contributions to 2 decimals, weights as 0.0%
    assert sum(r[contribution] for r in rows) == pytest.approx(
        sum(round(c, 2) for c, _ in expected)
    )
    assert sum(r[weight] for r in rows) == pytest.approx(sum(round(w, 3) for _, w in expected))


# ---------------------------------------------------------------- the briefing


@pytest.fixture(scope="module")
def briefing(edition):
    _, _, folder = edition
    return docx.Document(str(folder / "2026-10_briefing.docx"))


def test_briefing_figures_equal_the_database_against_last_month_and_last_year(edition, briefing):
    store, _, _ = edition
    table = briefing.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "指标",
        "本月",
        "上月",
        "环比",
        "去年同月",
        "同比",
    ]
    by_label = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    now, prev, ly = (_county_month(store, m) for m in (MONTH, date(2026, 9, 1), date(2025, 10, 1)))
    row = by_label["开展活动"]
    assert row[1:] == [
        _fmt("activities", now["activities"]),
        _fmt("activities", prev["activities"]),
        theme.signed_pct(now["activities"] / prev["activities"] - 1),
        _fmt("activities", ly["activities"]),
        theme.signed_pct(now["activities"] / ly["activities"] - 1),
    ]
    assert by_label["参与群众"][1] == _fmt("participants", now["participants"])
    assert by_label["点单完成率"][1] == _fmt("completion_rate", now["completion_rate"])
    assert by_label["点单平均评分"][1] == _fmt("avg_rating", now["avg_rating"])


def test_briefing_leaders_points_and_concerns_equal_the_database(edition, briefing):
    store, _, _ = edition
    leaders = briefing.tables[1]
    for row, group in zip(leaders.rows[1:], GROUPS, strict=True):
        scored = [(n, s) for _, _, n, s, _ in _current_scores(store, group) if s is not None]
        k = min(3, len(scored) // 2)  # a group of five lists two at each end, never one twice
        top = [f"{name}（{score:.1f}）" for name, score in scored[:k]]
        assert row.cells[1].text == "、".join(top)
    body = "\n".join(p.text for p in briefing.paragraphs)
    issued, redeemed, liability = _db(
        store,
        "select sum(points_issued), sum(points_redeemed), sum(liability_yuan) "
        "from mart_points_month where month = $m",
        {"m": MONTH},
    )[0]
    households = _db(store, "select sum(households) from ref_unit where kind = 'station'")[0][0]
    assert f"本月发放道德积分{theme.count(issued)}分，兑换{theme.count(redeemed)}分" in body
    assert f"折合{theme.count(liability)}元" in body
    assert f"（{households:,}户×30元）的" in body
    assert f"相当于年度预算的{theme.pct(liability / (households * 30))}" in body
    idle = _db(
        store,
        "select count(*) from ref_unit u where kind = 'station' and not exists "
        "(select 1 from fct_activity a where a.unit_code = u.code and a.month = $m)",
        {"m": MONTH},
    )[0][0]
    assert f"本月无活动记录的实践站{idle}个" in body
    pictures = briefing.inline_shapes
    assert len(pictures) == 2


def _pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"Pages:\s+(\d+)", out.stdout).group(1))


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdfs_carry_the_same_figures_and_the_briefing_fits_two_pages(edition):
    store, _, folder = edition
    now = _county_month(store, MONTH)
    briefing = folder / "2026-10_briefing.pdf"
    assert 1 <= _pdf_pages(briefing) <= 2
    assert "领导简报" in _pdf_text(briefing).replace(" ", "")
    article = _pdf_text(folder / "2026-10_article.pdf").replace(" ", "").replace("\n", "")
    assert f"共开展活动{_fmt('activities', now['activities'])}" in article
    leaders = _leaders(store, "subcentre")
    name, score = leaders[0]
    if len(leaders) == 1:
        assert f"{name}以{score:.1f}分位居第一" in article
    else:
        assert f"{name}（{score:.1f}分）" in article and "并列领先" in article


# ---------------------------------------------------------------- the workflow


def _snapshot(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in folder.rglob("*")
    }


def test_publishing_a_published_month_again_is_refused_and_writes_nothing(edition):
    store, reports, _ = edition
    before_reports = _snapshot(reports)
    before_db = sorted(p.name for p in store.iterdir())
    result = _publish(store, reports, "--approver", "另一人")
    assert result.exit_code != 0
    assert "已发布第1版" in result.output and "--revise" in result.output
    assert _snapshot(reports) == before_reports
    assert sorted(p.name for p in store.iterdir()) == before_db


@pytest.mark.parametrize(
    "args, message",
    [
        (["--revise"], "修订版必须说明修订原因"),
        (["--reason", "x"], "--reason is for revisions"),
    ],
)
def test_bad_revision_requests_are_refused(edition, args, message):
    store, reports, _ = edition
    before = _snapshot(reports)
    result = _publish(store, reports, "--approver", "李签发", *args)
    assert result.exit_code != 0 and message in result.output
    assert _snapshot(reports) == before


def test_a_revision_of_an_unpublished_month_is_refused(ranked_store, tmp_path):
    store = _copy_store(ranked_store, tmp_path / "db")
    result = _publish(store, tmp_path / "reports", "--approver", "李", "--revise", "--reason", "x")
    assert result.exit_code != 0 and "还没有已发布的版本" in result.output
    assert not (tmp_path / "reports").exists()


def test_a_month_never_ranked_cannot_be_published(ranked_store, tmp_path):
    store = _copy_store(ranked_store, tmp_path / "db")
    result = CliRunner().invoke(
        main,
        ["publish", "--month", "2031-01", "--approver", "李", "--db", str(store),
         "--reports", str(tmp_path / "reports")],
    )  # fmt: skip
    assert result.exit_code != 0 and "还没有计算考评指数" in result.output


def test_revision_keeps_both_editions_and_lists_the_changes(ranked_store, tmp_path):
    store = _copy_store(ranked_store, tmp_path / "db")
    reports = tmp_path / "reports"
    assert _publish(store, reports, "--approver", "李签发").exit_code == 0
    v1 = reports / "2026-10" / "v1"
    before = _snapshot(v1)
    last = _current_scores(store, "subcentre")[-1]
    code = _db(
        store,
        "select unit_code from index_score s join index_run r using (run_id) "
        "where r.is_current and r.month = $m and s.group_key = 'subcentre' and s.unit_name = $n",
        {"m": MONTH, "n": last[2]},
    )[0][0]
    index_run.adjust(store, MONTH, code, "获市级以上表彰或推广", 3, "省级表彰补录", "王审核")
    result = _publish(
        store, reports, "--approver", "李签发", "--revise", "--reason", "补录表彰加分"
    )
    assert result.exit_code == 0, result.output
    v2 = reports / "2026-10" / "v2"
    assert _snapshot(v1) == before and manifest.verify(v1) == []
    assert manifest.verify(v2) == []
    doc = json.loads((v2 / "manifest.json").read_text(encoding="utf-8"))
    assert doc["is_revision"] and doc["reason"] == "补录表彰加分"
    new_score = _db(
        store,
        "select score from index_score s join index_run r using (run_id) "
        "where r.is_current and r.month = $m and s.unit_code = $c",
        {"m": MONTH, "c": code},
    )[0][0]
    assert any(
        line.startswith(f"片区分中心：{last[2]} ") and f"{last[3]:.1f}分→{new_score:.1f}分" in line
        for line in doc["changelog"]
    ), doc["changelog"]
    html = (v2 / "2026-10_article.html").read_text(encoding="utf-8")
    assert "修订版（第2版）" in html and "补录表彰加分" in html
    rows = _db(
        store,
        "select edition_no, status, is_revision from edition where month = $m order by 1",
        {"m": MONTH},
    )
    assert rows == [(1, "published", False), (2, "published", True)]
    actions = [r[0] for r in _db(store, "select action from audit_log order by logged_at")]
    assert actions.count("edition_publish") == 2 and "edition_review" in actions


def test_steps_by_different_people_and_a_review_that_went_stale(ranked_store, tmp_path):
    store = _copy_store(ranked_store, tmp_path / "db")
    reports = tmp_path / "reports"
    with db_store.new_version(store) as con:
        e = workflow.draft_in(con, MONTH, "赵起草", reports=reports)
        assert (e["status"], e["edition_no"]) == ("draft", 1)
    with db_store.new_version(store) as con:
        assert workflow.review_in(con, MONTH, "王审核", "已核对")["status"] == "reviewed"
    index_run.rank_and_store(store, [MONTH], draws=50)  # the data changed after the review
    with db_store.new_version(store) as con, pytest.raises(workflow.PublishError, match="重新审核"):
        workflow.publish_in(con, MONTH, "李签发", reports)
    assert not reports.exists()
    with db_store.new_version(store) as con:
        refreshed = workflow.draft_in(con, MONTH, "赵起草", reports=reports)
        assert refreshed["status"] == "draft"
        workflow.review_in(con, MONTH, "王审核")
        done = workflow.publish_in(con, MONTH, "李签发", reports)
        assert not done.folder.exists()  # hidden until the version recording it is current
    workflow.reveal(done)
    doc = json.loads((done.folder / "manifest.json").read_text(encoding="utf-8"))
    assert (doc["reviewer"], doc["approver"]) == ("王审核", "李签发")
    log = _db(store, "select actor, action from audit_log where action like 'edition%'")
    assert ("赵起草", "edition_draft") in log and ("赵起草", "edition_refresh") in log
    assert ("王审核", "edition_review") in log and ("李签发", "edition_publish") in log


def test_hostile_unit_names_are_escaped_in_html_and_neutralised_in_the_workbook(
    ranked_store, tmp_path
):
    store = _copy_store(ranked_store, tmp_path / "db")
    script, formula = "<script>alert(1)</script>站", "=cmd|' /C calc'!A0"
    with db_store.new_version(store) as con:
        for group, rank, name in (("subcentre", 1, script), ("team", 1, formula)):
            con.execute(
                "update index_score set unit_name = $n where group_key = $g and rank = $r and "
                "run_id = (select run_id from index_run where is_current and month = $m)",
                {"n": name, "g": group, "r": rank, "m": MONTH},
            )
    reports = tmp_path / "reports"
    assert _publish(store, reports, "--approver", "李").exit_code == 0
    folder = reports / "2026-10" / "v1"
    html = (folder / "2026-10_article.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;站" in html
    ws = openpyxl.load_workbook(folder / "2026-10_index.xlsx")["县级志愿服务队排名"]
    cell = ws["F2"]
    assert cell.data_type == "s" and cell.value == "'" + formula
    names = [ws.cell(r, 6).value for r in range(2, ws.max_row + 1)]
    assert not any(str(n).startswith(("=", "+", "-", "@")) for n in names)


def test_briefing_activity_chart_has_thirteen_months_each_its_own_bar(ranked_store):
    """2025-10 and 2026-10 were one category ("10月") and plotly stacked them into one bar."""
    with db_store.reading(ranked_store) as con:
        report = model.build(con, MONTH, model.Edition(1))
        expected = con.sql(
            """select month, sum(activities) from mart_activity_month
            where month between '2025-10-01' and '2026-10-01' group by month"""
        ).fetchall()
    fig = render_images.chart_figures(report)["activities"]
    per_month: dict[str, int] = {}
    for trace in fig.data:
        for x, y in zip(trace.x, trace.y, strict=True):
            per_month[x] = per_month.get(x, 0) + y
    assert len(per_month) == 13
    assert per_month == {months.key(m): int(n) for m, n in expected}
    ticks = fig.layout.xaxis.ticktext
    assert (ticks[0], ticks[-1]) == ("2025年<br>10月", "10月")


def test_latest_complete_month_waits_for_the_deadline(ranked_store):
    with db_store.reading(ranked_store) as con:
        assert workflow.latest_complete_month(con, date(2026, 11, 5)) == date(2026, 9, 1)
        assert workflow.latest_complete_month(con, date(2026, 11, 6)) == date(2026, 10, 1)
        assert workflow.latest_complete_month(con, date(2025, 1, 2)) is None


# ---------------------------------------------------------------- the theme


@pytest.mark.parametrize(
    "value, shown",
    [(0, "0"), (927, "927"), (9999, "9,999"), (41180, "4.12万"), (18675.5, "1.87万"),
     (135_000_000, "1.35亿"), (12.5, "12.5"), (None, "—")],
)  # fmt: skip
def test_counts_follow_chinese_conventions(value, shown):
    assert theme.count(value) == shown


@pytest.mark.parametrize(
    "cur, prev, words",
    [(927, 869, "增长6.7%"), (869, 927, "下降6.3%"), (100, 100, "持平"), (5, 0, ""), (5, None, "")],
)
def test_change_words(cur, prev, words):
    assert theme.change_words(cur, prev) == words
