"""The leadership briefing's content and the one number style (issue 18, items 2 and 3).

The demo edition of 2026-10 (the session's ranked demo county, published once
here) is held to the database: the 13-month chart, top and bottom without
overlap, risers ranked the month before, the 民事直说 backlog and the 八有
shortfall recomputed from the fact tables, rating warnings only on enough
ratings; and every text it writes (article, briefing, workbook) to the
theme's style. The theme's formatters get their own table of cases.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import docx
import lxml.html
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import copy_store

from civic.cli import main
from core import months
from core import store as db_store
from presentation import theme
from publish import model, render_html, render_images, text

MONTH = date(2026, 10, 1)
PREV = date(2026, 9, 1)


@pytest.fixture(scope="module")
def edition(ranked_store, tmp_path_factory):
    """(store, edition folder, report model) of a published first edition of 2026-10."""
    base = tmp_path_factory.mktemp("briefing")
    store = copy_store(ranked_store, base / "db")
    reports = base / "reports"
    result = CliRunner().invoke(
        main,
        ["publish", "--month", "2026-10", "--approver", "李签发", "--reviewer", "王审核",
         "--db", str(store), "--reports", str(reports)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with db_store.reading(store) as con:
        report = model.build(con, MONTH, model.Edition(1))
    return store, reports / "2026-10" / "v1", report


def _db(store: Path, sql: str, **params) -> list[tuple]:
    with db_store.reading(store) as con:
        return con.sql(sql, params=params).fetchall()


def _briefing_text(folder: Path) -> str:
    doc = docx.Document(str(folder / "2026-10_briefing.docx"))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.replace(" ", "").replace("\n", "")


# ---------------------------------------------------------------- the chart


def test_the_13_month_chart_has_13_distinct_labels_ending_with_the_editions_month(edition):
    _, _, report = edition
    fig = render_images.chart_figures(report)["activities"]
    ticks, keys = list(fig.layout.xaxis.ticktext), list(fig.layout.xaxis.tickvals)
    assert len(ticks) == len(set(ticks)) == 13
    assert keys[-1] == months.key(MONTH) and ticks[-1] == f"{MONTH.month}月"
    # the year where it changes: on the first month and on January
    assert ticks[0] == "2025年<br>10月" and ticks[3] == "2026年<br>1月"
    assert [t for t in ticks if "年" in t] == ["2025年<br>10月", "2026年<br>1月"]
    assert {x for trace in fig.data for x in trace.x} == set(keys)


# ---------------------------------------------------------------- the rankings


def test_no_unit_is_both_at_the_top_and_at_the_bottom(edition):
    _, folder, report = edition
    table = docx.Document(str(folder / "2026-10_briefing.docx")).tables[1]
    assert [c.text for c in table.rows[0].cells] == ["榜单", "前三名", "后三名"]
    for row, t in zip(table.rows[1:], report.rankings, strict=True):
        top = {n.split("（")[0] for n in row.cells[1].text.split("、") if n}
        bottom = {n.split("（")[0] for n in row.cells[2].text.split("；")[0].split("、") if n}
        assert top and bottom and not top & bottom, t.label
        first, last = t.top_bottom()
        assert len(first) == len(last) == min(3, len(t.scored) // 2)
    small = [t for t in report.rankings if len(t.scored) < 6]
    assert small, "the demo county has five sub-centres"
    body = _briefing_text(folder)
    for t in small:
        assert f"{t.label}本组仅{len(t.scored)}个单位参与排名" in body


def test_risers_and_fallers_were_ranked_the_month_before(edition):
    store, folder, report = edition
    body = _briefing_text(folder)
    for rising in (True, False):
        moved = report.movers(rising)
        assert moved
        for _, r in moved:
            ((prev_rank, prev_score),) = _db(
                store,
                "select s.rank, s.score from index_score s join index_run x using (run_id) "
                "where x.is_current and x.month = $m and s.unit_code = $u and s.group_key <> "
                "'station'",
                m=PREV,
                u=r.unit_code,
            )
            assert prev_score is not None  # scored, not placed last as 未报送
            assert prev_rank - r.rank == r.rank_change and (r.rank_change > 0) == rising
            assert f"{r.unit_name}（{r.change_label}，现第{r.rank}名）" in body
    moves = [r.rank_change for t in report.rankings for r in t.rows if r.rank_change]
    assert report.movers(True)[0][1].rank_change == max(moves)
    assert report.movers(False)[0][1].rank_change == min(moves)


def test_places_within_the_margin_are_named(edition):
    _, folder, report = edition
    body = _briefing_text(folder)
    for t in report.rankings:
        for a, b in t.tied_places:
            assert f"第{a}–{b}名" in body.split("误差范围内，先后顺序仅供参考")[1]


# ---------------------------------------------------------------- the concerns


def test_the_backlog_equals_the_matters_in_the_database(edition):
    store, folder, report = edition
    end = date(2026, 10, 31)
    open_, past, oldest = _db(
        store,
        """
        select count(*), count(*) filter (where date_diff('day', accepted_date, $end) > 30),
               max(date_diff('day', accepted_date, $end))
        from fct_matter
        where accepted_date <= $end and (resolved_date is null or resolved_date > $end)
        """,
        end=end,
    )[0]
    b = report.concerns.backlog
    assert (b.open_at_end, b.open_past_limit, b.oldest_days) == (open_, past, oldest)
    assert past > 0 and b.trend[-1] == (MONTH, past) and len(b.trend) == model.BACKLOG_MONTHS
    body = _briefing_text(folder)
    assert f"月末仍未办结{open_:,}件，其中超过30天未办结{past:,}件，最久的已{oldest:,}天" in body
    assert "→".join(f"{v:,}" for _, v in b.trend) in body


def test_the_standards_shortfall_equals_the_database(edition):
    store, folder, report = edition
    stations, failing, reporting = _db(
        store,
        """
        select (select count(*) from ref_unit where kind = 'station'),
               count(*) filter (where items_met < 8), count(*)
        from fct_standards f join ref_unit u on u.code = f.unit_code and u.kind = 'station'
        where f.month = $m
        """,
        m=MONTH,
    )[0]
    short = failing + stations - reporting
    assert f"全县{stations:,}个实践站中，{short:,}个未达到“八有”标准" in _briefing_text(folder)
    assert report.concerns.standards.failing == failing


@pytest.mark.parametrize("min_n", [1, 10])
def test_rating_warnings_state_an_n_at_or_above_the_setting(edition, tmp_path, min_n):
    store, _, _ = edition
    copy = copy_store(store, tmp_path / "db")
    with db_store.new_version(copy) as con:  # the county sets [orders] rating_min_n
        con.execute(
            "delete from ref_setting where section = 'orders' and key = 'rating_min_n';"
            "insert into ref_setting (section, key, value) values ('orders', 'rating_min_n', $n)",
            {"n": str(min_n)},
        )
    with db_store.reading(copy) as con:
        report = model.build(con, MONTH, model.Edition(1))
    assert report.concerns.rating_min_n == min_n
    sentence = text.ratings(report) or ""
    warned = re.findall(r"（上月([\d,]+)单评价，本月([\d,]+)单评价）", sentence)
    if min_n == 1:  # the demo's drops rest on a few ratings: warned only when allowed
        assert warned and "点单评分明显下降" in sentence
    for before, now in warned:
        assert int(before.replace(",", "")) >= min_n and int(now.replace(",", "")) >= min_n
    assert sentence.count("降至") == len(warned)  # no warning without its n


def test_points_say_why_a_redemption_rate_can_pass_100_percent(edition):
    _, _, report = edition
    over = dataclass_replace(report.points, redeemed=report.points.issued * 1.1)
    said = text.points(dataclass_replace(report, points=over))
    assert "本月兑换率超过100%，是因为兑换了此前月份发放的积分" in said
    assert "超过100%" not in text.points(dataclass_replace(report, points=dataclass_replace(
        report.points, redeemed=report.points.issued * 0.5, redeemed_ytd=0.0)))  # fmt: skip


def dataclass_replace(obj, **kw):
    import dataclasses

    return dataclasses.replace(obj, **kw)


# ---------------------------------------------------------------- the number style

RAW = re.compile(r"\b(True|False|None|nan|NaN)\b|\+0\.0%|↑\s*\+0\.0|\d\.\d{2,}%")


def _workbook_strings(folder: Path) -> list[str]:
    book = openpyxl.load_workbook(folder / "2026-10_index.xlsx")
    return [
        c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
        if isinstance(c.value, str)
    ]  # fmt: skip


def test_no_output_reads_a_raw_value(edition):
    _, folder, _ = edition
    article = lxml.html.fromstring((folder / "2026-10_article.html").read_text("utf-8"))
    texts = {
        "article": article.text_content(),
        "briefing": _briefing_text(folder),
        "briefing.pdf": _pdf_text(folder / "2026-10_briefing.pdf"),
        "article.pdf": _pdf_text(folder / "2026-10_article.pdf"),
        "workbook": "\n".join(_workbook_strings(folder)),
    }
    for name, body in texts.items():
        assert not RAW.findall(body), (name, RAW.findall(body)[:5])
    # no cell holds a boolean (a spreadsheet shows TRUE/FALSE): flags are said in words
    book = openpyxl.load_workbook(folder / "2026-10_index.xlsx")
    cells = [v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    assert not [v for v in cells if isinstance(v, bool)]


def test_rate_changes_are_in_percentage_points(edition):
    _, folder, report = edition
    rate = report.figure("completion_rate")
    row = next(
        r for r in docx.Document(str(folder / "2026-10_briefing.docx")).tables[0].rows
        if r.cells[0].text == "点单完成率"
    )  # fmt: skip
    points = round((rate.value - rate.prev) * 100, 1)
    assert row.cells[3].text == f"{'+' if points > 0 else '−'}{abs(points):.1f} 个百分点"
    article = lxml.html.fromstring((folder / "2026-10_article.html").read_text("utf-8"))
    delta = article.xpath("//div[@data-key='completion_rate']/div[@class='delta']")[0]
    assert "个百分点" in delta.text_content()


def test_the_data_as_of_line_is_chinese_and_carries_no_hash(edition):
    store, folder, report = edition
    snapshot, latest, files = _db(
        store,
        "select r.data_snapshot, max(f.received_at), count(*) from index_run r, source_file f "
        "where r.is_current and r.month = $m group by r.data_snapshot",
        m=MONTH,
    )[0]
    line = f"数据截至 {theme.long_date(latest)}，共 {files:,} 个报送文件"
    assert report.data_as_of == line
    digest = snapshot.rsplit("·", 1)[-1].strip()
    article = (folder / "2026-10_article.html").read_text("utf-8")
    assert lxml.html.fromstring(article).xpath("//*[@id='data-as-of']")[0].text == line
    assert line in _briefing_text(folder) and line in _workbook_strings(folder)
    for body in (article, _briefing_text(folder), "\n".join(_workbook_strings(folder))):
        assert digest not in body and "batch" not in body
    doc = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert doc["data_snapshot"] == snapshot and doc["data_as_of"] == line


def test_the_briefing_fits_two_a4_pages(edition):
    _, folder, _ = edition
    out = subprocess.run(
        ["pdfinfo", str(folder / "2026-10_briefing.pdf")], capture_output=True, text=True
    ).stdout
    assert int(re.search(r"Pages:\s+(\d+)", out)[1]) <= 2


def test_changes_are_coloured_red_for_better_in_the_article(edition):
    _, folder, report = edition
    html = (folder / "2026-10_article.html").read_text("utf-8")
    assert f".up {{ color: {theme.GAIN}; }} .down {{ color: {theme.LOSS}; }}" in html
    tree = lxml.html.fromstring(html)
    for f in report.figures:
        span = tree.xpath(f"//div[@data-key='{f.key}']/div[@class='delta']/span")[0]
        shown = theme.delta(f.kind, f.value, f.prev)
        assert span.text == shown
        want = "" if shown == theme.DASH else "up" if f.value > f.prev else "down"
        assert (span.get("class") or "") == want, f.key
    assert render_html._change_class("count", 5, 5) == ""


# ---------------------------------------------------------------- the theme


@pytest.mark.parametrize(
    "c, shown",
    [(0.052, "+5.2%"), (-0.031, "−3.1%"), (0.0, "—"), (0.0004, "—"), (-0.0004, "—"),
     (None, "—"), (float("nan"), "—"), (1.5, "+150.0%")],
)  # fmt: skip
def test_signed_pct(c, shown):
    assert theme.signed_pct(c) == shown


@pytest.mark.parametrize(
    "kind, cur, prev, shown",
    [("pct", 0.924, 0.842, "+8.2 个百分点"), ("pct", 0.80, 0.85, "−5.0 个百分点"),
     ("pct", 0.5, 0.5, "—"), ("pct", 0.5, None, "—"), ("count", 966, 907, "+6.5%"),
     ("count", 10, 10, "—"), ("count", 10, 0, "—"), ("rating", 4.34, 4.59, "−0.25分"),
     ("rating", 4.5, 4.5, "—")],
)  # fmt: skip
def test_delta_in_the_style_of_each_kind(kind, cur, prev, shown):
    assert theme.delta(kind, cur, prev) == shown


@pytest.mark.parametrize(
    "x, shown", [(0.83, "83.0%"), (0.84615, "84.6%"), (1.0094, "100.9%"), (0, "0.0%"),
                 (None, "—")],
)  # fmt: skip
def test_percentages_have_one_decimal(x, shown):
    assert theme.pct(x) == shown


@pytest.mark.parametrize(
    "cur, prev, better, colour",
    [(2, 1, True, theme.GAIN), (1, 2, True, theme.LOSS), (2, 1, False, theme.LOSS),
     (1, 1, True, None), (None, 1, True, None)],
)  # fmt: skip
def test_change_colour_red_is_better(cur, prev, better, colour):
    assert theme.change_colour(cur, prev, better) == colour


@pytest.mark.parametrize("flag, word", [(True, "是"), (False, "否"), (None, "—")])
def test_yes_no(flag, word):
    assert theme.yes_no(flag) == word


@pytest.mark.parametrize(
    "at, files, line",
    [(datetime(2026, 11, 5, 18, 20), 11662, "数据截至 2026年11月5日 18:20，共 11,662 个报送文件"),
     (None, 0, "数据截至：尚无报送文件（共 0 个报送文件）")],
)  # fmt: skip
def test_as_of(at, files, line):
    assert theme.as_of(at, files) == line
