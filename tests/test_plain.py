"""presentation.plain: text from exports and forms stays text in Markdown, plotly and workbooks.

The browser tests (test_dashboard_plaintext.py) show it on the served pages;
these hold each function to its promise on a table of hostile texts.
"""

from __future__ import annotations

import html
import inspect
import io

import openpyxl
import plotly.graph_objects as go
import polars as pl
import pytest
from markdown_it import MarkdownIt

from dashboard import ui
from presentation import charts, plain

HOSTILE = [
    '<a href="http://evil.example/">x</a>',
    "<img src=http://127.0.0.1:9/pixel>",
    "![x](http://127.0.0.1:9/x.png) <b>x</b>",
    "[点我](javascript:alert(1)) **粗** _斜_ `码` ~~删~~",
    "# 标题\n- 列表\n1. 编号\n> 引用\n| a | b |\n|---|---|",
    ":red[红] :material/home: $x^2$ &lt; &amp; &#60;",
    "http://evil.example www.evil.example 某人@evil.example",
    '=HYPERLINK("http://evil.example/","x")',
    "\\* 反斜杠 \\",
]


def _rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_shows_the_characters_and_nothing_else(text):
    out = _rendered(plain.md(text))
    body = out.removeprefix("<p>").removesuffix("</p>\n")
    assert "<" not in body.replace("<br />", "")  # no element but the line breaks
    shown = html.unescape(body.replace("<br />\n", "\n")).replace(plain.JOINER, "")
    assert shown == "\n".join(line for line in text.splitlines() if line.strip())


@pytest.mark.parametrize("text", HOSTILE)
def test_plotly_text_has_no_tags_and_decodes_to_itself(text):
    out = plain.markup(text)
    assert "<" not in out and ">" not in out
    assert html.unescape(out) == text


@pytest.mark.parametrize(
    ("text", "cell"),
    [("=1+1", "'=1+1"), ("+86", "'+86"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("安家河村", "安家河村"), ("a=b", "a=b")],
)  # fmt: skip
def test_a_formula_like_cell_gets_an_apostrophe(text, cell):
    assert plain.cell(text) == cell
    frame = pl.DataFrame({"t": [text]})
    assert plain.cells(frame)["t"].to_list() == [cell]


def test_every_plotly_chart_escapes_its_text():
    figures = [
        f
        for name, f in inspect.getmembers(charts, inspect.isfunction)
        if not name.startswith("_") and inspect.signature(f).return_annotation in ("go.Figure",)
    ]
    assert len(figures) >= 9
    assert all(getattr(f, "escaped", False) for f in figures), [f.__name__ for f in figures]


def test_a_hostile_series_is_escaped_in_names_and_never_put_into_hover_text():
    from datetime import date

    frame = pl.DataFrame({"month": [date(2026, 9, 1)], "key": [HOSTILE[0]], "n": [3]})
    for fig in (
        charts.lines_by(frame, "key", "n", HOSTILE[2], "场"),
        charts.stacked_by(frame, "key", "n", HOSTILE[2], "场"),
    ):
        assert isinstance(fig, go.Figure)
        (trace,) = fig.data
        assert trace.name == plain.markup(HOSTILE[0])
        assert "evil" not in trace.hovertemplate
        assert fig.layout.title.text == plain.markup(HOSTILE[2])


def test_the_dashboards_workbook_keeps_text_as_text():
    frame = pl.DataFrame({"说明": [HOSTILE[7], "http://evil.example/", "普通"], "n": [1, 2, 3]})
    book = openpyxl.load_workbook(io.BytesIO(ui.xlsx_bytes({"表": frame})))
    cells = {c.value: c for row in book["表"].iter_rows(min_row=2) for c in row}
    assert cells["'" + HOSTILE[7]].data_type == "s"
    assert cells["http://evil.example/"].hyperlink is None
    assert cells["普通"].data_type == "s" and cells[1].data_type == "n"
