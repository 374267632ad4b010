"""The edition's sentences, written in Chinese from the report model (pure functions).

Every number in a sentence is a field of the model formatted by presentation.theme,
so the article, the briefing and the PDF say the same thing in the same way.
"""

from __future__ import annotations

import dataclasses
import re

from presentation import theme

MAX_LISTED = 8  # names listed in a sentence before "等N个"
LISTED = 3  # units the briefing lists at the top and at the bottom of a ranking, and movers
RATING_DROP = 0.3  # a fall of the average rating (分) that is worth a warning


def names(items: list[str] | tuple[str, ...], limit: int = MAX_LISTED) -> str:
    """'甲、乙、丙' or '甲、乙……等12个'."""
    items = list(items)
    if len(items) <= limit:
        return "、".join(items)
    return "、".join(items[:limit]) + f"等{len(items)}个"


def figure_text(f) -> str:
    """A figure with its unit, as the sentences and tables print it."""
    if f.kind == "pct":
        return theme.pct(f.value)
    if f.kind == "rating":
        return theme.DASH if f.value is None else f"{f.value:.2f}{f.unit}"
    return f"{theme.count(f.value)}{f.unit}"


# the lists as a headline calls them, and the part of a unit's name a headline drops
HEADLINE_LABELS = {"subcentre": "片区", "team": "县级队伍", "institute": "实践所"}
_NAME_SUFFIX = re.compile(r"(新时代文明实践(所|站|中心)|分中心)$")


def short_unit(name: str, county_short: str = "") -> str:
    """天堂片区分中心 → 天堂片区, 毛藏乡新时代文明实践所 → 毛藏乡, 天祝县X队 → X队."""
    short = _NAME_SUFFIX.sub("", name) or name
    if county_short and short.startswith(county_short) and len(short) > len(county_short):
        short = short[len(county_short) :]
    return short


def headline(report) -> str:
    """Names a list's first alone only when its place is robust; tied leaders together.

    With every first place robust: the three leaders in full. With a tie, one
    short clause per list ("天堂片区、打柴沟片区并列片区首位"), so that the
    headline stays readable; the lead gives the full names and scores.
    """
    tables = [t for t in report.rankings if t.leaders]
    month = f"{report.month.month}月"
    head = f"{report.county_short}{month}新时代文明实践考评指数发布"
    if not tables:
        return head
    if all(len(t.leaders) == 1 for t in tables):
        names_ = "、".join(t.leaders[0].unit_name for t in tables)
        return f"{head}：{names_}分列各榜首位"
    parts = []
    for t in tables:
        shorts = "、".join(short_unit(r.unit_name, report.county_short) for r in t.leaders)
        label = HEADLINE_LABELS.get(t.group_key, t.label)
        parts.append(f"{shorts}{'并列' if len(t.leaders) > 1 else '居'}{label}首位")
    return f"{head}：{'，'.join(parts)}"


def lead(report) -> str:
    f = {x.key: x for x in report.figures}
    act = f["activities"]
    parts = [
        f"{report.month_label}，全县各级新时代文明实践阵地共开展活动{figure_text(act)}"
        + (f"，{theme.change_words(act.value, act.prev, '比上月')}" if act.prev else ""),
        f"参与群众{figure_text(f['participants'])}",
        f"志愿服务时长{figure_text(f['volunteer_hours'])}",
    ]
    if f["orders"].value:
        parts.append(
            f"受理群众点单{figure_text(f['orders'])}，完成率{figure_text(f['completion_rate'])}"
        )
    sentence = "，".join(parts) + "。"
    ranks = []
    for t in report.rankings:
        tops = t.leaders
        if not tops:
            continue
        if len(tops) == 1:
            ranks.append(
                f"{t.label}中，{tops[0].unit_name}以{theme.score(tops[0].score)}分位居第一"
            )
        else:
            scored = "、".join(f"{r.unit_name}（{theme.score(r.score)}分）" for r in tops)
            ranks.append(f"{t.label}中，{scored}并列领先，差距在误差范围内")
    if ranks:
        sentence += "；".join(ranks) + "。"
    risers = [(t, t.biggest_riser) for t in report.rankings if t.biggest_riser]
    if risers:
        t, r = max(risers, key=lambda tr: tr[1].rank_change)
        sentence += f"{r.unit_name}较上月上升{r.rank_change}位，进步最大。"
    return sentence


def completeness(report, with_rule: bool = True) -> str:
    c = report.completeness
    text = (
        f"本月应报送单位{c.units_owing}个，按时或逾期报齐{c.units_complete}个"
        f"（其中逾期{c.units_late}个）"
    )
    if c.missing:
        text += f"，{len(c.missing)}个单位有台账未报送：{names([m.unit_name for m in c.missing])}"
    text += "。"
    if c.not_submitted and with_rule:
        text += f"未报送本单位台账的{names(c.not_submitted)}按考评办法列于榜末。"
    return text


def points(report) -> str:
    """Issued against redeemed, this month and since January, against the supermarkets' budget."""
    p = report.points
    text = (
        f"本月发放道德积分{theme.count(p.issued)}分，兑换{theme.count(p.redeemed)}分"
        f"（兑换率{theme.pct(p.redemption_rate)}）；"
        f"今年以来累计发放{theme.count(p.issued_ytd)}分，兑换{theme.count(p.redeemed_ytd)}分，"
        f"兑换率{theme.pct(p.redemption_rate_ytd)}。"
    )
    over = [
        label
        for label, rate in (("本月", p.redemption_rate), ("今年以来", p.redemption_rate_ytd))
        if rate is not None and rate > 1
    ]
    if over:
        text += (
            f"{'、'.join(over)}兑换率超过100%，是因为兑换了此前月份发放的积分"
            "（兑换率＝兑换÷同期发放）。"
        )
    budget = (
        f"爱心超市年度预算{theme.count(p.budget_yuan_year)}元"
        f"（{p.households:,}户×{p.budget_per_household:g}元）"
    )
    text += (
        f"今年以来兑换折合{theme.count(p.redeemed_ytd * p.yuan_per_point)}元，"
        f"占{budget}的{theme.pct(p.redeemed_ytd_share_of_budget)}；"
        f"全县未兑换积分余额{theme.count(p.balance_points)}分，折合{theme.count(p.liability_yuan)}元，"
        f"相当于年度预算的{theme.pct(p.balance_share_of_budget)}。"
    )
    return text


def brands(report, top: int = 3) -> str:
    if not report.brands:
        return "本月品牌项目未报送活动。"
    listed = [
        f"{b.name}开展活动{b.activities}场、参与{theme.count(b.participants)}人次"
        for b in report.brands[:top]
    ]
    return (
        f"本月{len(report.brands)}个品牌项目开展活动，参与人数居前的是：" + "；".join(listed) + "。"
    )


def place_range(first: int, last: int) -> str:
    return f"第{first}名" if first == last else f"第{first}–{last}名"


def small_groups(report) -> list[str]:
    """Lists too small for three at each end: say how many are listed, so none is in both."""
    out = []
    for t in report.rankings:
        top, _ = t.top_bottom()
        if len(t.scored) < 2 * LISTED:
            out.append(
                f"{t.label}本组仅{len(t.scored)}个单位参与排名，前、后各列{len(top)}名，互不重复"
            )
    return out


def movers(report) -> str:
    """The biggest risers and fallers of the published lists (ranked both months)."""
    parts = []
    for rising, word in ((True, "上升"), (False, "下降")):
        moved = report.movers(rising)
        if moved:
            parts.append(
                f"排名{word}最多的是"
                + "、".join(f"{r.unit_name}（{r.change_label}，现第{r.rank}名）" for _, r in moved)
            )
    if not parts:
        return "本月各榜单位名次与上月相比均无变化。"
    return "；".join(parts) + "（只比较上月已参与排名的单位）。"


def margins(report) -> str:
    """The places whose order is within the margin of error, list by list."""
    parts = [
        f"{t.label}{'、'.join(place_range(a, b) for a, b in t.tied_places)}"
        for t in report.rankings
        if t.tied_places
    ]
    if not parts:
        return "各榜名次之间的差距均超出误差范围，排名稳定。"
    return "以下名次之间的得分差距在误差范围内，先后顺序仅供参考：" + "；".join(parts) + "。"


def backlog(report) -> str | None:
    """民事直说 open past the county's limit: how many, the oldest, the trend."""
    b = report.concerns.backlog
    if b is None:
        return None
    text = (
        f"民事直说：月末仍未办结{b.open_at_end:,}件，其中超过{b.limit_days}天未办结"
        f"{b.open_past_limit:,}件"
    )
    if b.oldest_days is not None:
        text += f"，最久的已{b.oldest_days:,}天"
    trend = "→".join(f"{v:,}" for _, v in b.trend)
    if len(b.trend) > 1:
        first = b.trend[0][0]
        text += f"；超期件数近{len(b.trend)}个月（{first.month}月起）为{trend}件"
        if b.rising_months >= 2:
            text += f"，已连续{b.rising_months}个月上升"
    return text + "，请督促各乡镇限期办结。"


def standards(report) -> str | None:
    """八有: stations short of the standard, and the items most often missing."""
    s = report.concerns.standards
    if s is None:
        return None
    short = s.failing + s.not_reporting
    text = f"阵地建设：全县{s.stations:,}个实践站中，{short:,}个未达到“八有”标准"
    detail = [f"{s.failing:,}个有缺项"]
    if s.not_reporting:
        detail.append(f"{s.not_reporting:,}个未报送阵地台账")
    text += f"（{'，'.join(detail)}），全部达标{s.compliant:,}个"
    if s.lacking:
        text += "；缺项最多的是" + "、".join(f"{item}（{n:,}个站）" for item, n in s.lacking[:3])
    return text + "。"


def ratings(report) -> str | None:
    """A fall in the average rating only where both months rest on enough ratings (n stated)."""
    c = report.concerns
    n = c.rating_min_n
    warned = [
        d
        for d in (c.county_rating, *c.rating_drops)
        if d is not None and d.prev - d.current >= RATING_DROP and min(d.prev_n, d.n) >= n
    ]
    text = ""
    if warned:
        text = (
            "点单评分明显下降："
            + "；".join(
                f"{d.unit_name}由{d.prev:.2f}分降至{d.current:.2f}分"
                f"（上月{d.prev_n:,}单评价，本月{d.n:,}单评价）"
                for d in warned
            )
            + "。"
        )
    if c.rating_drops_small:
        text += (
            f"{'另有' if text else ''}{c.rating_drops_small}个承接单位平均评分下降"
            f"{RATING_DROP:.1f}分以上，但评价不足{n}单，样本太少，不作预警。"
        )
    return text or None


def concerns(report) -> list[str]:
    """What the leadership should act on: the biggest backlogs first, then submissions and
    whatever else stands out."""
    c = report.concerns
    lines = [line for line in (backlog(report), standards(report)) if line]
    lines.append(completeness(report, with_rule=False))
    if c.idle_stations:
        lines.append(
            f"本月无活动记录的实践站{len(c.idle_stations)}个："
            f"{names([f'{s}（{i}）' for s, i in c.idle_stations], 3)}。"
        )
    rated = ratings(report)
    if rated:
        lines.append(rated)
    flags = c.points_flags
    if flags:
        lines.append(
            f"积分核查发现疑点{sum(n for _, n in flags)}条（"
            + "、".join(f"{label}{n}条" for label, n in flags)
            + "），疑点及所依据的台账原始行见看板「积分」页，请各乡镇核实。"
        )
    else:
        lines.append("积分核查未发现疑点。")
    b = report.points.balance_share_of_budget
    if b is not None and b > 0.5:
        lines.append(
            f"积分未兑换余额已达年度预算的{theme.pct(b)}，请督促各站点按期兑换、做好超市备货。"
        )
    return lines


def png_alt(table) -> str:
    """The alt text of a ranking image: the whole table in words."""
    rows = "；".join(
        f"第{r.rank}名 {r.unit_name} {theme.score(r.score)}分 {r.tier}（{r.change_label}）"
        for r in table.rows
    )
    return f"{table.label}排名：{rows}。"


def with_text(report):
    return dataclasses.replace(report, headline=headline(report), lead=lead(report))
