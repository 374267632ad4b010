"""The article as one self-contained HTML file, and the HTML the images and PDFs are printed from.

Templates (publish/templates/) are Jinja with autoescaping on, so a unit
name such as `<script>` arrives as text. The pages carry their stylesheet
inline and load nothing: they open offline, in the news app's web view
and in a browser alike.
"""

from __future__ import annotations

import base64
import dataclasses
from functools import cache
from pathlib import Path

import jinja2

from presentation import theme
from publish import reasons, text
from publish.model import PUBLISHED_GROUPS, Report

TEMPLATES = Path(__file__).parent / "templates"
NORMALISATION_WORDS = {
    "goalposts": "固定目标值（上下限）",
    "panel_minmax": "历月数据的最小—最大值",
    "panel_zscore": "历月数据的标准分",
}
UNSUBMITTED_WORDS = {
    "last": "未报送本单位台账的单位列于榜末，档次为较差。",
    "zero": "未报送本单位台账的单位按已有数据（缺项记零）计分。",
    "exclude": "未报送本单位台账的单位不参加本月排名。",
}
CN_NUMBERS = "一二三四五六七八九十"


@cache
def env() -> jinja2.Environment:
    e = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.filters.update(
        count=theme.count,
        pct=theme.pct,
        score=theme.score,
    )
    tiers = list(theme.TIER_COLOURS)
    e.globals.update(
        theme=theme,
        figure_text=text.figure_text,
        delta=theme.delta,
        change_class=lambda kind, cur, prev: _change_class(kind, cur, prev),
        tier_index=lambda t: tiers.index(t) + 1 if t in tiers else 0,
        cn_numbers=CN_NUMBERS,
        published_groups=PUBLISHED_GROUPS,
        unsure_mark=reasons.UNSURE_MARK,
        signed=reasons.signed,
        number=reasons.number,
        measure=reasons.measure,
    )
    return e


def _change_class(kind: str, current: float | None, previous: float | None) -> str:
    """'up' (theme.GAIN) for a shown change for the better, 'down' (theme.LOSS) for worse."""
    if theme.delta(kind, current, previous) == theme.DASH:
        return ""
    return {theme.GAIN: "up", theme.LOSS: "down"}.get(theme.change_colour(current, previous), "")


def article_html(report: Report) -> str:
    return (
        env()
        .get_template("article.html.j2")
        .render(
            r=report,
            completeness=text.completeness(report),
            normalisation=NORMALISATION_WORDS.get(report.method.normalisation, ""),
            unsubmitted=UNSUBMITTED_WORDS.get(report.method.unsubmitted, ""),
            rank_legend=reasons.rank_legend(report.draws),
            appendix=appendix(report),
        )
    )


def appendix(report: Report) -> dict:
    """The article's appendices: each published unit explained, and the methodology."""
    spec = report.method.spec
    groups = []
    for key, label, _ in report.method.groups:
        g = spec.groups.get(key) if spec else None
        if g is None:
            continue
        weights = g.weights()
        groups.append(
            {
                "key": key,
                "label": label,
                "indicators": [
                    {
                        "name": i.name,
                        "dimension": i.dimension,
                        "definition": i.definition,
                        "goalposts": reasons.goalposts_text(i),
                        "direction": reasons.direction_text(i),
                        "weight": theme.pct(weights[i.key]),
                    }
                    for i in g.indicators
                ],
            }
        )
    labels = {key: label for key, label, _ in report.method.groups}
    # one row per changed assumption, one column per list: mean / largest rank shift
    present = {row.group_key for row in report.sensitivity}
    columns = [k for k in labels if k in present]
    cells: dict[str, dict[str, str]] = {}
    for row in sorted(report.sensitivity, key=lambda x: columns.index(x.group_key)):
        cells.setdefault(row.label, {})[row.group_key] = f"{row.mean_shift:.2f} / {row.max_shift}"
    return {
        "units": [
            (label, [u for u in report.units if u.group_key == key])
            for key, label in labels.items()
            if key in PUBLISHED_GROUPS and any(u.group_key == key for u in report.units)
        ],
        "groups": groups,
        "rules": reasons.rules(spec, report.draws) if spec else (),
        "sensitivity": {
            "columns": [labels.get(k, k) for k in columns],
            "rows": [
                (label, [by.get(k, theme.DASH) for k in columns]) for label, by in cells.items()
            ],
        },
    }


def ranking_image_html(report: Report, table) -> str:
    return (
        env()
        .get_template("ranking_image.html.j2")
        .render(r=report, table=table, rank_legend=reasons.rank_legend_short())
    )


def briefing_html(report: Report, charts: dict[str, bytes]) -> str:
    """The briefing laid out for A4 (its PDF); `charts` are PNGs by name."""
    return (
        env()
        .get_template("briefing.html.j2")
        .render(
            r=report,
            b=briefing_content(report),
            charts={
                k: "data:image/png;base64," + base64.b64encode(v).decode()
                for k, v in charts.items()
            },
        )
    )


def briefing_content(report: Report) -> dict:
    """What the briefing says, shared by its .docx and its PDF."""
    leaders = []
    for t in report.rankings:
        top, bottom = t.top_bottom()
        leaders.append(
            {
                "label": t.label,
                "top": [f"{r.unit_name}（{theme.score(r.score)}）" for r in top],
                "bottom": [f"{r.unit_name}（{theme.score(r.score)}）" for r in bottom],
                "unscored": [r.unit_name for r in t.rows if r.score is None],
            }
        )
    return {
        "title": f"{report.county_short}新时代文明实践工作领导简报",
        "issue": f"{report.month_label}（{report.edition.label}）",
        "summary": report.lead,
        "figures": [
            {
                "label": f.label,
                "value": text.figure_text(f),
                "prev": text.figure_text(_with_value(f, f.prev)),
                "mom": theme.delta(f.kind, f.value, f.prev),
                "last_year": text.figure_text(_with_value(f, f.last_year)),
                "yoy": theme.delta(f.kind, f.value, f.last_year),
            }
            for f in report.figures
        ],
        "leaders": leaders,
        "ranking_notes": [
            *(f"注：{line}。" for line in text.small_groups(report)),
            text.movers(report),
            text.margins(report),
        ],
        "data_as_of": report.data_as_of,
        "points": text.points(report),
        "brands": text.brands(report),
        "brand_rows": [
            [
                b.name,
                b.platform,
                theme.count(b.activities),
                theme.count(b.participants),
                theme.count(b.volunteer_hours),
                theme.count(b.towns),
            ]
            for b in report.brands[:5]
        ],
        "concerns": text.concerns(report),
    }


def _with_value(f, value):
    return dataclasses.replace(f, value=value)


def render(report: Report, out_dir: Path) -> list[Path]:
    path = out_dir / f"{report.file_stem}_article.html"
    path.write_text(article_html(report), encoding="utf-8")
    return [path]
