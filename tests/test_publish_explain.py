"""How sure each published rank is and why: intervals, marks, unit details, the method, printing.

Holds the demo edition (the `edition` of test_publish, built once per module)
to the index run the database stores: every interval, mark, change and weight
printed is the database's, and the workbook prints as it should.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import pytest
import test_publish

from core import store as db_store
from presentation import theme
from publish import model, reasons
from publish.render_html import ranking_image_html

# the demo edition of test_publish, published once for this module too
edition = test_publish.edition
article = test_publish.article
workbook = test_publish.workbook
MONTH, _db = test_publish.MONTH, test_publish._db
GROUPS = ("subcentre", "team", "institute")
RANK_SHEETS = {
    "subcentre": "片区分中心排名",
    "team": "县级志愿服务队排名",
    "institute": "新时代文明实践所排名",
    "station": "实践站排名（所内）",
}


def _ranks(store: Path, group: str) -> list[tuple]:
    """(unit_code, unit_name, rank, p05, p95, place within the margin) in list order."""
    return _db(
        store,
        """
        select s.unit_code, s.unit_name, s.rank, s.rank_p05, s.rank_p95,
               coalesce(s.place_first, s.rank) <> coalesce(s.place_last, s.rank)
        from index_score s join index_run r using (run_id)
        where r.is_current and r.month = $m and s.group_key = $g
        order by s.partition_code, s.rank, s.unit_code
        """,
        {"m": MONTH, "g": group},
    )


def _text(el) -> str:
    return el.text_content().strip() if el is not None else ""


# ---------------------------------------------------------------- intervals and marks


@pytest.mark.parametrize("group", GROUPS)
def test_article_ranks_carry_the_interval_and_mark_of_the_database(edition, article, group):
    store, _, _ = edition
    _, tree = article
    table = tree.xpath(f"//h3[@id='{group}']/following-sibling::table[1]")[0]
    cells = table.xpath("tbody/tr/td[1]")
    expected = _ranks(store, group)
    assert len(cells) == len(expected) > 0
    marked = 0
    for td, (_, name, rank, p05, p95, unsure) in zip(cells, expected, strict=True):
        assert _text(td.find("span[@class='place']")) == str(rank), name
        shown = _text(td.find("span[@class='ci']"))
        assert shown == (f"（{p05}–{p95}）" if p05 is not None else ""), name
        assert (td.find("span[@class='mark']") is not None) == unsure, name
        marked += unsure
    legend = table.xpath("following-sibling::p[@class='rank-legend'][1]")[0].text_content()
    draws = _db(store, "select draws from index_run where is_current and month = $m", {"m": MONTH})
    assert "名次区间" in legend and reasons.UNSURE_MARK in legend
    assert f"重算{draws[0][0]:,}次" in legend
    if group == "institute":
        assert marked, "the demo's institutes have places within the margin"


@pytest.mark.parametrize("group", [*GROUPS, "station"])
def test_workbook_ranks_carry_the_interval_and_mark_of_the_database(edition, workbook, group):
    store, _, _ = edition
    ws = workbook[RANK_SHEETS[group]]
    header = [c.value for c in ws[1]]
    rank, span, mark = (header.index(h) for h in ("名次", "名次区间", "误差标记"))
    expected = _ranks(store, group)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=len(expected) + 1)]
    for row, (_, name, r, p05, p95, unsure) in zip(rows, expected, strict=True):
        assert row[rank] == r, name
        assert row[span] == (f"{p05}–{p95}" if p05 is not None else None), name
        assert row[mark] == (reasons.UNSURE_MARK if unsure else None), name
    legend = [c.value for c in ws["A"][len(expected) + 1 :] if c.value]
    assert legend and "名次区间" in legend[0] and reasons.UNSURE_MARK in legend[0]


def test_ranking_images_carry_the_mark_of_every_place_within_the_margin(edition):
    store, _, _ = edition
    with db_store.reading(store) as con:
        report = model.build(con, MONTH, model.Edition(1))
    for table in report.rankings:
        html = ranking_image_html(report, table)
        unsure = sum(u for *_, u in _ranks(store, table.group_key))
        assert html.count('class="mark"') == unsure, table.group_key
        assert "误差范围内" in html


# ---------------------------------------------------------------- each unit explained


def _score_changes(store: Path, group: str) -> dict[str, tuple[float | None, float | None]]:
    """unit_code → (score, last month's score), both from the current runs."""
    rows = _db(
        store,
        """
        select s.unit_code, s.score, p.score
        from index_score s join index_run r using (run_id)
        left join (
            select s2.group_key, s2.unit_code, s2.score from index_score s2
            join index_run r2 using (run_id) where r2.is_current and r2.month = $prev
        ) p on p.group_key = s.group_key and p.unit_code = s.unit_code
        where r.is_current and r.month = $m and s.group_key = $g
        """,
        {"m": MONTH, "prev": MONTH.replace(month=MONTH.month - 1), "g": group},
    )
    return {code: (score, prev) for code, score, prev in rows}


def _tenths(text: str) -> int:
    """'+1.2' / '−0.3' / '—' as tenths of a point."""
    if text in ("", theme.DASH):
        return 0
    return round(float(text.replace("−", "-")) * 10)


@pytest.mark.parametrize("group", GROUPS)
def test_article_unit_changes_add_up_exactly_to_the_change_of_the_score(edition, article, group):
    store, _, _ = edition
    _, tree = article
    scores = _score_changes(store, group)
    checked = 0
    for code, (score, prev) in scores.items():
        section = tree.xpath(f"//section[@id='unit-{group}-{code}']")
        assert section, f"no explanation of {code}"
        rows = section[0].xpath(".//table[@class='detail']/tbody/tr")
        parts = [
            _tenths(_text(tr.xpath("td[6]")[0])) for tr in rows if tr.get("data-key") != "total"
        ]
        total = _text(rows[-1].xpath("td[6]")[0])
        assert rows[-1].get("data-key") == "total"
        if score is None or prev is None:
            assert total == theme.DASH
            continue
        assert _tenths(total) == round((score - prev) * 10), code
        assert sum(parts) == _tenths(total), code
        checked += 1
    assert checked


def test_workbook_unit_changes_add_up_exactly_and_strengths_equal_the_database(edition, workbook):
    store, _, _ = edition
    ws = workbook["单位明细"]
    header = [c.value for c in ws[1]]
    col = {h: header.index(h) for h in ("单位", "项目", "较上月", "说明", "贡献分")}
    units: dict[str, list[list]] = {}
    for r in ws.iter_rows(min_row=2, values_only=True):
        if r[col["项目"]]:
            units.setdefault(r[col["单位"]], []).append(list(r))
    expected = _db(
        store,
        """
        select s.unit_name, s.group_key, s.unit_code, s.score, s.strengths, s.weaknesses,
               map_from_entries(list((i.indicator_key, i.indicator_name)))
        from index_score s join index_run r using (run_id)
        join index_indicator i using (run_id, group_key, unit_code)
        where r.is_current and r.month = $m and s.group_key in ('subcentre', 'team', 'institute')
        group by all
        """,
        {"m": MONTH},
    )
    assert len(units) == len(expected)
    for name, group, code, score, strengths, weaknesses, names in expected:
        rows = units[name]
        total = next(r for r in rows if r[col["项目"]] == "得分")
        assert total[col["贡献分"]] == score
        parts = [r for r in rows if r[col["项目"]] not in ("得分", "优势", "短板")]
        score_now, prev = _score_changes(store, group)[code]
        if prev is not None and score_now is not None:
            shown = round(sum(round((r[col["较上月"]] or 0) * 10) for r in parts))
            assert shown == round((score_now - prev) * 10) == round(total[col["较上月"]] * 10)
        by_item = {r[col["项目"]]: r[col["说明"]] for r in rows}
        assert by_item["优势"] == ("、".join(names[k] for k in strengths) or "—")
        assert by_item["短板"] == ("、".join(names[k] for k in weaknesses) or "—")


def test_every_imputed_or_capped_value_says_why(edition, workbook):
    store, _, _ = edition
    treated = _db(
        store,
        """
        select i.unit_code, i.indicator_name, i.imputation, i.is_capped,
               coalesce(i.is_outlier, false), f.review
        from index_indicator i join index_run r using (run_id)
        left join index_flag f using (run_id, group_key, unit_code, indicator_key)
        where r.is_current and r.month = $m
        """,
        {"m": MONTH},
    )
    ws = workbook["指标明细"]
    header = [c.value for c in ws[1]]
    code, ind, note = (header.index(h) for h in ("单位代码", "指标", "说明"))
    notes = {
        (r[code], r[ind]): r[note] or ""
        for r in ws.iter_rows(min_row=2, values_only=True)
        if r[ind]
    }
    assert len(notes) == len(treated)
    kinds = {"missing_owed": "缺报", "no_demand": "不适用", "no_value": "无法计算"}
    seen = set()
    for unit, name, imputation, capped, outlier, review in treated:
        text = notes[(unit, name)]
        if imputation in kinds:
            assert kinds[imputation] in text, (unit, name, text)
        elif outlier:
            assert "数据存疑" in text, (unit, name, text)
            assert ("接受原值" if review == "accept" else "封顶") in text
        elif capped:
            assert "目标值" in text, (unit, name, text)
        else:
            assert text == "", (unit, name, text)
        seen.add(imputation if imputation in kinds else "outlier" if outlier else capped)
    assert {"missing_owed", "outlier", True} <= seen, "the demo plants each kind"


# ---------------------------------------------------------------- the methodology


def _methodology(store: Path) -> dict:
    content = _db(
        store,
        "select m.content from index_run r join index_methodology m on "
        "m.methodology_id = r.methodology_id and m.sha256 = r.methodology_sha256 "
        "where r.is_current and r.month = $m",
        {"m": MONTH},
    )[0][0]
    return tomllib.loads(content)


def test_methodology_appendix_lists_every_indicator_with_goalposts_and_weight(
    edition, article, workbook
):
    store, _, _ = edition
    _, tree = article
    doc = _methodology(store)
    ws = workbook["方法说明"]
    header = [c.value for c in ws[1]]
    sheet = {(r[0], r[1]): r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] is not None}
    w, lo, hi = (header.index(h) for h in ("权重", "目标值下限", "目标值上限"))
    listed = 0
    for key, group in doc["groups"].items():
        total = sum(i["weight"] for i in group["indicators"])
        rows = {
            tr.xpath("td[1]/text()")[0].strip(): tr
            for tr in tree.xpath(f"//table[@data-group='{key}']/tbody/tr")
        }
        assert len(rows) == len(group["indicators"]), key
        for ind in group["indicators"]:
            share = ind["weight"] / total
            tr = rows[ind["name"]]
            cells = [_text(td) for td in tr.xpath("td")]
            assert cells[1] == ind["definition"]
            assert cells[3] == theme.pct(share)
            row = sheet[(group["label"], ind["name"])]
            assert row[w] == round(share, 3)
            assert (row[lo], row[hi]) == tuple(ind["goalposts"])
            listed += 1
    assert listed == len(sheet) > 40
    rules = tree.xpath("//table[@class='rules']//th/text()")
    assert {"未报送", "缺报", "不适用", "得分取舍", "数据核查", "名次区间"} <= set(rules)


def test_sensitivity_table_is_the_runs(edition, article, workbook):
    store, _, _ = edition
    _, tree = article
    rows = _db(
        store,
        "select label, mean_abs_shift, max_shift from index_sensitivity s "
        "join index_run r using (run_id) where r.is_current and r.month = $m",
        {"m": MONTH},
    )
    shown = tree.xpath("//table[@class='sensitivity']/tbody/tr")
    cells = {_text(tr.xpath("td[1]")[0]): [_text(td) for td in tr.xpath("td")[1:]] for tr in shown}
    for label, mean, most in rows:
        assert f"{mean:.2f} / {most}" in cells[label], label
    sheet = [r for r in workbook["敏感性分析"].iter_rows(min_row=2, values_only=True) if r[1]]
    assert len(sheet) == len(rows)


# ---------------------------------------------------------------- the workbook prints


RAW = {"True", "False", "None", "nan", "NaN", "null", "inf"}


def _decimals(number_format: str) -> int | None:
    """Decimals a number format shows (its first section); None for General."""
    first = number_format.split(";")[0]
    if first == "General":
        return None
    m = re.search(r"\.(0+)", first)
    return (len(m.group(1)) if m else 0) + (2 if "%" in first else 0)


def test_no_cell_reads_true_false_none_nan_or_a_raw_float(workbook):
    numbers = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                where = f"{ws.title}!{c.coordinate}"
                assert not isinstance(v, bool), where
                if isinstance(v, str):
                    assert v.strip() not in RAW, where
                    assert not re.fullmatch(r"-?\d+\.\d{4,}", v), where
                elif isinstance(v, float):
                    assert not math.isnan(v) and not math.isinf(v), where
                    digits = _decimals(c.number_format)
                    assert digits is not None, f"{where}: a float without a number format"
                    assert round(v, digits) == v, f"{where}: {v!r} shown as {c.number_format}"
                    numbers += 1
    assert numbers > 1000


def test_workbook_print_setup(workbook):
    for ws in workbook.worksheets:
        ps = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ps.fitToWidth in (None, 1), ws.title  # OOXML's default is 1: one page wide
        assert ws.print_title_rows == "$1:$1", ws.title  # the header row on every page
        assert ps.paperSize == 9, ws.title  # A4
        ranking = ws.title in list(RANK_SHEETS.values())[:3]
        # an article ranking fits one page tall (fitToHeight 1, the default); the others run on
        assert (ps.fitToHeight in (None, 1)) if ranking else ps.fitToHeight == 0, ws.title
        if ranking:
            assert ps.orientation == "portrait", ws.title
    for title in ("指标明细", "单位明细", "方法说明", "实践站排名（所内）"):
        assert workbook[title].page_setup.orientation == "landscape", title
    for ws in workbook.worksheets:
        widths = [ws.column_dimensions[c].width for c in ws.column_dimensions]
        assert widths and all(4 <= w <= 100 for w in widths if w), ws.title
