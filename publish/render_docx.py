"""The leadership briefing (领导简报) as .docx: one to two A4 pages, two charts.

It says what the briefing PDF says (both take render_html.briefing_content);
Word and WPS on the office PCs open it, so it uses their Chinese font.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from presentation import theme
from publish.model import Report
from publish.render_html import briefing_content
from publish.render_images import chart_images

ACCENT = RGBColor.from_string(theme.ACCENT.lstrip("#"))


def _font(run, size: float | None = None, bold: bool = False, colour: RGBColor | None = None):
    run.font.name = theme.FONT_OFFICE
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), theme.FONT_OFFICE)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour


def _para(doc, text: str, size: float = 10.5, indent: bool = True, **kw):
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(2)
    p.paragraph_format.line_spacing = 1.15
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _font(p.add_run(text), size, **kw)
    return p


def _heading(doc, text: str):
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.space_after = Pt(2)
    p.paragraph_format.keep_with_next = True
    _font(p.add_run(text), 12, bold=True, colour=ACCENT)


def _shade(cell, colour: str):
    tc_pr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour.lstrip("#"))
    tc_pr.append(shd)


def _table(doc, header: list[str], rows: list[list[str]], widths: list[float], right_from: int):
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, h in enumerate(header):
        cell = t.rows[0].cells[i]
        _shade(cell, theme.ACCENT)
        _font(cell.paragraphs[0].add_run(h), 9, bold=True, colour=RGBColor(255, 255, 255))
    for row in rows:
        cells = t.add_row().cells
        for i, value in enumerate(row):
            p = cells[i].paragraphs[0]
            if i >= right_from:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _font(p.add_run(value), 9)
    t.autofit = False
    for i, w in enumerate(widths):  # Word reads the cells' widths, LibreOffice the grid's
        t.columns[i].width = Cm(w)
        for cell in t.columns[i].cells:
            cell.width = Cm(w)
    return t


def render(report: Report, out_dir: Path) -> list[Path]:
    b = briefing_content(report)
    images = chart_images(report)
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(1.4)
    section.left_margin = section.right_margin = Cm(1.6)
    normal = doc.styles["Normal"]
    normal.font.name = theme.FONT_OFFICE
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), theme.FONT_OFFICE)

    title = _para(doc, "领导简报", 22, indent=False, bold=True, colour=ACCENT)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = _para(doc, f"{report.centre_name} · {b['issue']}", 10.5, indent=False)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    as_of = _para(doc, b["data_as_of"], 8.5, indent=False)
    as_of.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if report.edition.is_revision:
        _para(doc, f"修订说明：{report.edition.reason}", 10, indent=False, bold=True)

    _heading(doc, "一、总体情况")
    _para(doc, b["summary"])
    _table(
        doc,
        ["指标", "本月", "上月", "环比", "去年同月", "同比"],
        [
            [f["label"], f["value"], f["prev"], f["mom"], f["last_year"], f["yoy"]]
            for f in b["figures"]
        ],
        [3.6, 2.9, 2.9, 2.2, 2.9, 2.2],
        right_from=1,
    )

    _heading(doc, "二、考评排名")
    _table(
        doc,
        ["榜单", "前三名", "后三名"],
        [
            [
                lead["label"],
                "、".join(lead["top"]),
                "、".join(lead["bottom"])
                + (
                    ("；" if lead["bottom"] else "") + "未报送：" + "、".join(lead["unscored"])
                    if lead["unscored"]
                    else ""
                ),
            ]
            for lead in b["leaders"]
        ],
        [2.8, 7.5, 7.5],
        right_from=99,
    )
    for line in b["ranking_notes"]:
        _para(doc, line, 10)

    _heading(doc, "三、道德积分")
    _para(doc, b["points"])
    charts = doc.add_table(rows=1, cols=2)
    charts.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(charts.rows[0].cells, ("activities", "points"), strict=True):
        cell.paragraphs[0].add_run().add_picture(io.BytesIO(images[name]), width=Cm(8.6))

    _heading(doc, "四、品牌项目")
    _para(doc, b["brands"])
    if b["brand_rows"]:
        _table(
            doc,
            ["品牌项目", "服务平台", "活动（场）", "参与（人次）", "时长（小时）", "覆盖乡镇"],
            b["brand_rows"],
            [4.2, 3.2, 2.4, 2.8, 2.8, 2.2],
            right_from=2,
        )

    _heading(doc, "五、需关注事项")
    for line in b["concerns"]:
        p = _para(doc, "● " + line, 10, indent=False)
        p.paragraph_format.left_indent = Cm(0.4)

    path = out_dir / f"{report.file_stem}_briefing.docx"
    doc.core_properties.title = f"{b['title']} {b['issue']}"
    doc.core_properties.author = report.centre_name
    doc.save(path)
    return [path]
