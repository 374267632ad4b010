"""What a revision changes against the edition it replaces: ranks, scores, units, figures.

Compares what the previous edition published (its report, as the database
kept it when it was published: `edition_report.report_json`, the same text
as its report.json) with the new report, so the changelog describes what the
public sees change, whatever happened to the index tables in between, and an
edited report.json on disk changes nothing.
"""

from __future__ import annotations

from presentation import theme
from publish import text
from publish.model import Report, to_dict


def changes(previous: dict, report: Report) -> list[str]:
    """Lines in Chinese, most important first; one line saying so when nothing changed."""
    new = to_dict(report)
    lines: list[str] = []
    if previous["methodology"]["sha256"] != new["methodology"]["sha256"]:
        lines.append(f"考评办法由 {previous['methodology']['id']} 改为 {new['methodology']['id']}")
    if previous["data_snapshot"] != new["data_snapshot"]:
        # in words (the data-as-of line); the snapshots' hashes stay in the manifests
        was = previous.get("data_as_of") or "上一版的数据"
        lines.append(f"数据更新：由「{was}」更新为「{new['data_as_of']}」")
    old_tables = {t["group_key"]: t for t in previous["rankings"]}
    for table in new["rankings"]:
        before = old_tables.get(table["group_key"], {"rows": []})
        lines += _table_changes(table["label"], before["rows"], table["rows"])
    old_figures = {f["key"]: f for f in previous["figures"]}
    for f in report.figures:
        was = old_figures.get(f.key)
        if was is not None and was["value"] != f.value:
            old = text.figure_text(type(f)(**{**f.__dict__, "value": was["value"]}))
            lines.append(f"{f.label}：{old} → {text.figure_text(f)}")
    return lines or ["排名、得分与各项数据均无变化"]


def _table_changes(label: str, before: list[dict], after: list[dict]) -> list[str]:
    old = {r["unit_code"]: r for r in before}
    new = {r["unit_code"]: r for r in after}
    lines = []
    for code in new.keys() - old.keys():
        r = new[code]
        lines.append(
            f"{label}：新列入 {r['unit_name']}（第{r['rank']}名，{theme.score(r['score'])}分）"
        )
    for code in old.keys() - new.keys():
        lines.append(f"{label}：不再列入 {old[code]['unit_name']}")
    for r in after:
        was = old.get(r["unit_code"])
        if was is None:
            continue
        parts = []
        if was["rank"] != r["rank"]:
            parts.append(f"第{was['rank']}名→第{r['rank']}名")
        if theme.score(was["score"]) != theme.score(r["score"]):  # as printed
            parts.append(f"{theme.score(was['score'])}分→{theme.score(r['score'])}分")
        if was["tier"] != r["tier"]:
            parts.append(f"{was['tier']}→{r['tier']}")
        if was["unit_name"] != r["unit_name"]:
            parts.append(f"名称由{was['unit_name']}改为{r['unit_name']}")
        if parts:
            lines.append(f"{label}：{r['unit_name']} " + "，".join(parts))
    return sorted(lines)
