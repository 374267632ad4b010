"""The Chinese labels of the codes every output shows: unit kinds, ranking groups, statuses.

One table per code list, so the CLI, the templates, the publisher, the notice
and the dashboard name a unit kind the same way.
"""

from __future__ import annotations

# Unit kinds: ref_unit_all.kind (units.csv kinds, and teams as <level>_team).
UNIT_KINDS: dict[str, str] = {
    "county": "县中心",
    "subcentre": "片区分中心",
    "institute": "实践所",
    "station": "实践站",
    "county_team": "县级志愿服务队",
    "town_team": "乡镇志愿服务队",
    "village_team": "村级志愿服务队",
}

# The published rankings (index group keys), named after the kind of unit they rank.
RANK_GROUPS: dict[str, str] = {
    "subcentre": UNIT_KINDS["subcentre"],
    "team": UNIT_KINDS["county_team"],
    "institute": UNIT_KINDS["institute"],
}

# A breakdown by town or by village, as the pages offer it.
BREAKDOWN: dict[str, str] = {"institute": "乡镇（实践所）", "station": UNIT_KINDS["station"]}

# index_indicator.imputation: how a value the unit could not be scored on counted
# (methodology 2026.2; "ok" needs no words)
IMPUTATION: dict[str, str] = {
    "missing_owed": "缺报（按0分计）",
    "no_demand": "不适用（权重分给其他指标）",
    "no_value": "无法计算（缺少分母数据）",
}

# index_flag.review: the office's decision on a value the screen capped (None: not yet)
OUTLIER_REVIEW: dict[str | None, str] = {
    None: "数据存疑，已封顶（待核查）",
    "cap": "数据存疑，已封顶",
    "accept": "数据存疑，已接受原值",
}

# fct_standards: the eight items of a station's 八有 standard, in the standard's order
STANDARD_ITEMS: dict[str, str] = {
    "has_venue": "有场所",
    "has_position": "有阵地",
    "has_team": "有队伍",
    "has_rules": "有制度",
    "has_plan": "有计划",
    "has_project": "有项目",
    "has_funds": "有经费",
    "has_results": "有成效",
}

# mart_submission.status
SUBMISSION_STATUS: dict[str, str] = {"on_time": "按时", "late": "逾期", "missing": "未报送"}


def unit_kind(kind: str) -> str:
    """县中心, 实践站 …; an unknown kind as it is."""
    return UNIT_KINDS.get(kind, kind)


# The dashboard's pages (dashboard/views/<key>.py) by their menu titles; who sees which:
# core/access.py PAGES. Texts that name a page take its title from here (dashboard.ui.refer).
PAGES: dict[str, str] = {
    "overview": "总览",
    "rankings": "月度排名",
    "map": "地图",
    "trends": "趋势",
    "points": "积分",
    "brands": "品牌项目",
    "matters": "民事直说",
    "standards": "阵地达标",
    "households": "星级户",
    "submissions": "数据报送",
    "publishing": "发布",
    "admin": "账号与审计",
}
