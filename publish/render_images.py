"""One PNG per published ranking, 1080 px wide for phones, and the briefing's charts."""

from __future__ import annotations

from pathlib import Path

from presentation import charts
from publish import browser
from publish.model import Report
from publish.render_html import ranking_image_html

WIDTH = 1080  # px: what WeChat and the news app show full-width without scaling up
CHART_SIZE = (640, 400)  # CSS px, drawn at 2x


def image_name(report: Report, group_key: str) -> str:
    return f"{report.file_stem}_ranking_{group_key}.png"


def chart_figures(report: Report) -> dict:
    """The briefing's charts, from the one chart module the dashboard also uses."""
    return {
        "activities": charts.activities_by_platform(
            report.activity_series, "近13个月各服务平台活动场次"
        ),
        "points": charts.points_flow(report.points_series, "近12个月道德积分发放与兑换"),
    }


# the last report's chart images: the briefing's .docx and its PDF both show them, and
# drawing them costs a second of the edition (an edition is written by one writer at once)
_last: tuple[Report, dict[str, bytes]] | None = None


def chart_images(report: Report) -> dict[str, bytes]:
    """The briefing's charts as PNGs, drawn once per report (the same object)."""
    global _last
    if _last is not None and _last[0] is report:
        return _last[1]
    with browser.use() as b:
        figures = chart_figures(report)
        images = {name: b.figure_png(fig, *CHART_SIZE) for name, fig in figures.items()}
    _last = (report, images)
    return images


def render(report: Report, out_dir: Path) -> list[Path]:
    written = []
    with browser.use() as b:
        for table in report.rankings:
            path = out_dir / image_name(report, table.group_key)
            path.write_bytes(b.png(ranking_image_html(report, table), WIDTH))
            written.append(path)
    return written
