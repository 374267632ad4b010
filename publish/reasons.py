"""Why each unit ranks where it does, and how sure the rank is, in the edition's words (pure).

Everything here reads what the index run stored (index_score, index_indicator,
index_flag, index_sensitivity, index_adjustment, the methodology kept with the
run) and only words and arranges it: nothing is recomputed. The published
change of a unit's score is the engine's change_shown per indicator plus its
adjustments' part, which add up exactly to the change of the published score.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core import labels
from core.contract import SHEET_BY_KEY
from index.methodology import Group, Indicator, Methodology
from presentation import theme

# the mark of a place whose order with a neighbour is within the margin (index/lists.py)
UNSURE_MARK = "◇"
ASSUMPTION_ORDER = ("weights", "normalisation", "goalposts", "imputation", "aggregation")


def number(x: float | None) -> str:
    """A value as a sentence prints it: 1,234 / 33.8 / 0.25; None → —."""
    if x is None or x != x:
        return theme.DASH
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}" if abs(x) < 1 else f"{x:,.1f}"


def measure(x: float | None, unit: str) -> str:
    """A value in its unit's style: a percentage with one decimal (96.0), else `number`."""
    if unit == "%" and x is not None and x == x:
        return f"{x:,.1f}"
    return number(x)


def signed(x: float | None) -> str:
    """A change in score points with one decimal: +1.2 / −0.3; none or zero → —."""
    if x is None or x != x or round(x, 1) == 0:
        return theme.DASH
    return f"{'+' if x > 0 else '−'}{abs(x):.1f}"


def interval(p05: int | None, p95: int | None) -> str:
    """'2–5' (the places of 90% of the draws); '' for a unit without one (未报送)."""
    return "" if p05 is None or p95 is None else f"{p05}–{p95}"


def rank_text(rank: int, p05: int | None, p95: int | None, unsure: bool) -> str:
    """'3◇（2–5）': the rank, the mark of a place within the margin and its 5–95% interval."""
    span = interval(p05, p95)
    return f"{rank}{UNSURE_MARK if unsure else ''}{f'（{span}）' if span else ''}"


def rank_legend(draws: int) -> str:
    """The one line under every ranking table that says what the interval and the mark mean."""
    return (
        f"名次后括号内为名次区间：考评办法的权重、换算方法、目标值、缺值处理在合理范围内变动，"
        f"重算{draws:,}次，90%的名次落在此区间；标{UNSURE_MARK}的单位与相邻单位的先后"
        f"在误差范围内；未报送单位列于榜末，不计区间"
    )


def rank_legend_short() -> str:
    """The legend of a phone image: the same meaning in fewer words."""
    return f"括号内为名次区间（90%的重算名次）；{UNSURE_MARK} 与相邻单位的先后在误差范围内"


@dataclass(frozen=True)
class IndicatorLine:
    key: str
    name: str
    unit: str
    raw_value: float | None
    value_used: float | None
    normalised: float | None  # None = 不适用
    weight: float  # share of the unit's applicable indicators
    contribution: float
    change: float | None  # the published change (score points, one decimal), None = no last month
    note: str  # how the value was treated, '' when as sent


@dataclass(frozen=True)
class UnitDetail:
    group_key: str
    group_label: str
    partition_name: str
    unit_code: str
    unit_name: str
    rank: int
    rank_p05: int | None
    rank_p95: int | None
    is_unsure: bool
    score: float | None
    prev_score: float | None
    tier: str
    is_submitted: bool
    adjustment: float
    adjustment_change: float | None
    lines: tuple[IndicatorLine, ...]
    strengths: tuple[str, ...]
    weaknesses: tuple[str, ...]
    adjustments: tuple[str, ...]  # each 加分/扣分 in force, with its reason

    @property
    def rank_text(self) -> str:
        return rank_text(self.rank, self.rank_p05, self.rank_p95, self.is_unsure)

    @property
    def change(self) -> float | None:
        """The change of the published score since last month (one decimal)."""
        if self.score is None or self.prev_score is None:
            return None
        return round(self.score - self.prev_score, 1)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(f"{line.name}：{line.note}" for line in self.lines if line.note)


@dataclass(frozen=True)
class SensitivityRow:
    group_key: str
    label: str
    mean_shift: float  # places, mean over the list's units
    max_shift: int
    units_moved: int
    spearman: float
    units: int


def _indicator_specs(meth: Methodology) -> dict[tuple[str, str], Indicator]:
    return {(g.key, i.key): i for g in meth.groups.values() for i in g.indicators}


def treatment(row: dict, spec: Indicator | None, meth: Methodology) -> str:
    """How one indicator value was scored, in Chinese ('' when as sent and within the goalposts).

    row: a publish.queries.indicators row (imputation, is_outlier, the flag's cap,
    medians and review, is_capped, value_used).
    """
    unit = row["unit"] or ""
    imputation = row["imputation"]
    if imputation == "missing_owed":
        sheet = SHEET_BY_KEY.get(spec.source).title if spec and spec.source else "台账"
        return f"应报的{sheet}未报送（缺报），该项按0分计"
    if imputation == "no_demand":
        return "当月没有需求（如无人点单），该项不适用，权重按比例分给其他指标"
    if imputation == "no_value":
        how = "按0分计" if meth.missing_value == "zero" else "按同组已报送单位的平均得分计"
        return f"缺少计算所需的数据，无法计算，{how}"
    if imputation in labels.IMPUTATION:
        return labels.IMPUTATION[imputation]
    if row["is_outlier"]:
        compared = (
            f"报送值{measure(row['raw_value'], unit)}{unit}，远高于同组中位数"
            f"{measure(row['peer_median'], unit)}{unit}"
        )
        if row["history_median"] is not None:
            compared += f"和本单位以往中位数{measure(row['history_median'], unit)}{unit}"
        if row["review"] == "accept":
            return f"数据存疑：{compared}；经办公室核查，接受原值"
        decided = "经办公室核查维持封顶" if row["review"] == "cap" else "待办公室核查"
        cap = measure(row["cap_value"], unit)
        return f"数据存疑：{compared}；按封顶值{cap}{unit}计分（{decided}）"
    if row["is_capped"] and spec is not None:
        lo, hi = spec.goalposts
        if meth.normalisation != "goalposts":
            return "超出历月数据的取值范围，按边界值计"
        above = row["value_used"] is not None and row["value_used"] > hi
        best = above == (spec.direction > 0)
        edge = f"目标值上限{number(hi)}{unit}" if above else f"目标值下限{number(lo)}{unit}"
        return f"{'超出' if above else '低于'}{edge}，按{'100' if best else '0'}分计"
    return ""


def unit_details(
    scores: pl.DataFrame,
    indicators: pl.DataFrame,
    previous: pl.DataFrame,
    adjustments: pl.DataFrame,
    meth: Methodology,
    groups: tuple[str, ...],
) -> tuple[UnitDetail, ...]:
    """Every unit of `groups` (in list order) with its indicators, change, strengths and notes.

    scores: publish.queries.scores; indicators: publish.queries.indicators;
    previous: publish.queries.previous_scores; adjustments: publish.queries.adjustments.
    """
    specs = _indicator_specs(meth)
    prev = {
        (r["group_key"], r["unit_code"]): r["prev_score"] for r in previous.iter_rows(named=True)
    }
    adj: dict[str, list[str]] = {}
    for r in adjustments.iter_rows(named=True):
        kind = "加分" if r["points"] > 0 else "扣分"
        adj.setdefault(r["unit_code"], []).append(
            f"{kind}{abs(r['points']):.1f}分：{r['item']}（{r['reason']}）"
        )
    by_unit: dict[tuple[str, str], list[dict]] = {}
    for r in indicators.iter_rows(named=True):
        by_unit.setdefault((r["group_key"], r["unit_code"]), []).append(r)
    out = []
    for group_key in groups:
        group: Group | None = meth.groups.get(group_key)
        label = group.label if group else group_key
        order = {i.key: n for n, i in enumerate(group.indicators)} if group else {}
        for s in scores.filter(pl.col("group_key") == group_key).iter_rows(named=True):
            rows = sorted(
                by_unit.get((group_key, s["unit_code"]), []),
                key=lambda r: order.get(r["indicator_key"], len(order)),
            )
            names = {r["indicator_key"]: r["indicator_name"] for r in rows}
            lines = tuple(
                IndicatorLine(
                    r["indicator_key"],
                    r["indicator_name"],
                    r["unit"] or "",
                    r["raw_value"],
                    r["value_used"],
                    r["normalised"],
                    r["weight"],
                    r["contribution"],
                    r["change_shown"],
                    treatment(r, specs.get((group_key, r["indicator_key"])), meth),
                )
                for r in rows
            )
            out.append(
                UnitDetail(
                    group_key,
                    label,
                    s["partition_name"],
                    s["unit_code"],
                    s["unit_name"],
                    s["rank"],
                    s["rank_p05"],
                    s["rank_p95"],
                    s["place_first"] != s["place_last"],
                    s["score"],
                    prev.get((group_key, s["unit_code"])),
                    s["tier"],
                    s["is_submitted"],
                    s["adjustment"] or 0.0,
                    s["adjustment_change_shown"],
                    lines,
                    tuple(names.get(k, k) for k in s["strengths"] or []),
                    tuple(names.get(k, k) for k in s["weaknesses"] or []),
                    tuple(adj.get(s["unit_code"], [])),
                )
            )
    return tuple(out)


def sensitivity_rows(frame: pl.DataFrame) -> tuple[SensitivityRow, ...]:
    """publish.queries.sensitivity rows, as the edition prints them."""
    return tuple(
        SensitivityRow(
            r["group_key"],
            r["label"],
            r["mean_abs_shift"],
            r["max_shift"],
            r["units_moved"],
            r["spearman"],
            r["units"],
        )
        for r in frame.iter_rows(named=True)
    )


NORMALISATION_RULES = {
    "goalposts": (
        "每项指标按固定目标值换算为0–100分：达到目标值上限记100分，不高于下限记0分，"
        "其间按比例计；越低越好的指标反过来计。目标值每月不变，各月得分可以相互比较。"
    ),
    "panel_minmax": "每项指标按历月数据（截至本月）的最小—最大值换算为0–100分。",
    "panel_zscore": "每项指标按历月数据（截至本月）的标准分换算为0–100分。",
}
UNSUBMITTED_RULES = {
    "last": "当月本单位台账一份也未报送的单位（未报送）列于榜末，不计得分，档次为较差。",
    "zero": "当月本单位台账一份也未报送的单位按已有数据计分，缺项记0分。",
    "exclude": "当月本单位台账一份也未报送的单位不参加本月排名。",
}


def rules(meth: Methodology, draws: int, reviewed: bool = True) -> tuple[tuple[str, str], ...]:
    """The methodology's rules in plain Chinese: (title, sentence), in the order a reader needs.

    reviewed: an office reviews each 数据存疑 value before publishing (the county); False
    for the roll-up, which publishes the capped value and lists it.
    """
    adjusted = bool(meth.adjustment_items) and (meth.bonus_cap > 0 or meth.penalty_cap > 0)
    out = [
        ("计分方法", NORMALISATION_RULES.get(meth.normalisation, meth.normalisation)),
        (
            "加权汇总",
            "各项指标得分按权重加权平均，得出0–100分的基础得分，再加上加分、减去扣分"
            f"（加分合计不超过{meth.bonus_cap:.1f}分，扣分合计不超过{meth.penalty_cap:.1f}分）。"
            if adjusted
            else "各项指标得分按权重加权平均，得出0–100分的得分，不另加分、扣分。",
        ),
        (
            "得分取舍",
            "得分四舍五入保留一位小数（如81.25记为81.3）；得分相同者名次并列。"
            if meth.rounding == "half_up"
            else "得分保留一位小数（末位为5时取偶数）；得分相同者名次并列。",
        ),
        ("未报送", UNSUBMITTED_RULES.get(meth.unsubmitted, meth.unsubmitted)),
    ]
    if meth.missing_owed:
        out.append(
            (
                "缺报",
                "应报送的某类台账未报送的，由该台账计算的指标按0分计，即任何单位可能的最低分。",
            )
        )
    if meth.no_demand:
        out.append(
            (
                "不适用",
                "当月没有需求的指标（如辖区无人点单）不适用，不算作服务差："
                "其权重按比例分给该单位的其他指标。",
            )
        )
    out.append(
        (
            "无法计算",
            "缺少计算所需数据（如未登记人口）的指标按0分计。"
            if meth.missing_value == "zero"
            else "缺少计算所需数据（如未登记人口）的指标按同组已报送单位的平均得分计。",
        )
    )
    sc = meth.screening
    if sc is not None:
        out.append(
            (
                "数据核查",
                f"某单位当月数值同时远高于同组单位（中位数加{sc.threshold:g}倍离散度）和本单位"
                f"前{sc.history_months}个月的水平（以往不足{sc.min_history}个月的只与同组比较）的，"
                "计分时按两者中较高的界限封顶，标为“数据存疑”；"
                + (
                    "办公室核查台账后接受原值或维持封顶，核查完成前不得发布。"
                    if reviewed
                    else "本期按封顶值计分，并在“数据存疑”中列出原值，请该单位核实。"
                ),
            )
        )
    u = meth.uncertainty
    varied = [f"各项权重在±{theme.pct(u.weight_spread)}内变动", "换用另两种换算方法"]
    if u.goalpost_spread:
        varied.append(f"目标值区间放宽或收窄{theme.pct(u.goalpost_spread)}以内")
    if u.vary_imputation:
        varied.append("缺报按组内最差值、不适用按组内中位数计")
    if u.vary_aggregation:
        varied.append("改用几何平均")
    out.append(
        (
            "名次区间",
            f"在{'、'.join(varied)}的情况下重算{draws:,}次，名次后括号内为90%的重算名次所在区间。"
            f"相邻两单位中，前者须在至少{theme.pct(u.robust_share)}的重算中仍排在前面，先后才算"
            f"确定；否则差距在误差范围内，名次标{UNSURE_MARK}，红黑榜和标题将其同列。",
        )
    )
    tiers = "，".join(
        f"{t}（{low:.1f}分及以上）" if low > 0 else f"{t}（其余）" for t, low in meth.tiers
    )
    out.append(("档次", f"{tiers}。"))
    return tuple(out)


def goalposts_text(spec: Indicator) -> str:
    """'0–12 场/千人' (direction is said apart)."""
    lo, hi = spec.goalposts
    return f"{number(lo)}–{number(hi)}{(' ' + spec.unit) if spec.unit else ''}"


def direction_text(spec: Indicator) -> str:
    return "越高越好" if spec.direction > 0 else "越低越好"
