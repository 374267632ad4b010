"""The article and the briefing as A4 PDFs, printed by Chromium from the same HTML."""

from __future__ import annotations

from pathlib import Path

from publish import browser
from publish.model import Report
from publish.render_html import article_html, briefing_html
from publish.render_images import chart_images


def render(report: Report, out_dir: Path) -> list[Path]:
    article = out_dir / f"{report.file_stem}_article.pdf"
    briefing = out_dir / f"{report.file_stem}_briefing.pdf"
    with browser.use() as b:
        article.write_bytes(b.pdf(article_html(report)))
        briefing.write_bytes(b.pdf(briefing_html(report, chart_images(report))))
    return [article, briefing]
