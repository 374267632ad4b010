"""How the index's places, treatments, flags and uncertainty read on the pages (pure).

Plain functions from values to Chinese text, so that no code ('missing_owed'),
no None and no long float reaches staff, and the tests can hold the words
without running a page.
"""

from __future__ import annotations

import math

from core import labels
from presentation import theme
from publish.reasons import UNSURE_MARK

TIED = "差距在误差范围内"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def place(rank: int, first: int | None, last: int | None, scored: bool = True) -> str:
    """第3名, or 第3–4名◇ for a block of places within the margin (◇ as in the edition,
    said under the table by uncertainty_caption).

    Units that did not submit tie at the end of the list by rule, not by margin: they
    read as their own place (the list says 未报送 beside them).
    """
    if scored and first is not None and last is not None and first != last:
        return f"第{first}–{last}名{UNSURE_MARK}"
    return f"第{rank}名"


def interval(p05: int | None, p95: int | None) -> str:
    """The 5–95% rank interval as 2–4 (— when the month had no draws)."""
    if _missing(p05) or _missing(p95):
        return theme.DASH
    return f"{int(p05)}–{int(p95)}"


def share(x: float | None) -> str:
    """A share of draws as a whole percentage (— for the last of a list)."""
    return theme.DASH if _missing(x) else f"{x * 100:.0f}%"


def number(x: float | None, digits: int = 2) -> str:
    """A value as read: up to `digits` decimals, no trailing zeros, thousands separated."""
    if _missing(x):
        return theme.DASH
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(x: float | None, digits: int = 1) -> str:
    """A change as +1.2 / −0.3 / 0.0 (— when there is nothing to compare with)."""
    if _missing(x):
        return theme.DASH
    if round(x, digits) == 0:
        return f"{0:.{digits}f}"
    return f"{x:+.{digits}f}".replace("-", "−")


def treatment(imputation: str | None, is_outlier: bool | None, review: str | None) -> str:
    """How an indicator's value was scored, in words ('' when as sent)."""
    if imputation in labels.IMPUTATION:
        return labels.IMPUTATION[imputation]
    if is_outlier:
        return labels.OUTLIER_REVIEW.get(review, labels.OUTLIER_REVIEW[None])
    return ""


# the short marks of the indicator matrix, explained once in its caption
MATRIX_MARKS = {"missing_owed": "缺报", "no_demand": "不适用", "no_value": "无法计算"}
MATRIX_LEGEND = (
    "「缺报」应报的台账未报送，该项按0分计；「不适用」当月没有需求（如无人点单），"
    "该项权重分给其他指标；「封顶」数据存疑，暂按封顶值计分（待核查或已维持封顶）；"
    "「接受原值」数据存疑，经核查按报送值计分。"
)


def matrix_cell(contribution: float | None, imputation: str | None, is_outlier: bool | None,
                review: str | None) -> str:  # fmt: skip
    """One cell of the indicator matrix: the contribution with a short mark."""
    if imputation == "no_demand":
        return MATRIX_MARKS["no_demand"]
    text = theme.score(contribution)
    if imputation in MATRIX_MARKS:
        return f"{text}（{MATRIX_MARKS[imputation]}）"
    if is_outlier:
        return f"{text}（{'接受原值' if review == 'accept' else '封顶'}）"
    return text


def uncertainty_caption(u: dict | None) -> str:
    """What the rank interval and the tied places mean, with the methodology's own figures."""
    if not u:
        return ""
    varied = [f"各项权重上下浮动 {u['weight_spread']:.0%}"]
    varied.append("换用三种标准化方法（目标值、面板极差、面板 z 分数）")
    if u.get("goalpost_spread"):
        varied.append(f"目标值区间伸缩 ±{u['goalpost_spread']:.0%}")
    if u.get("vary_imputation"):
        varied.append("缺报与不适用换用另一种处理（组内最差值、组内中位数）")
    if u.get("vary_aggregation"):
        varied.append("算术平均或几何平均")
    return (
        f"排名区间：按考评办法 {u['methodology_id']}，同时改变以下假设重算 {u['draws']:,} 次——"
        + "；".join(varied)
        + f"——该单位名次的 5%–95% 范围（九成重算的名次在此区间内）。"
        f"只有在至少 {u['robust_share']:.0%} 的重算中"
        f"都领先下一名，才单独列出名次、上红黑榜；否则相邻单位并列，名次后标{UNSURE_MARK}"
        f"（{TIED}）。"
        "「领先下一名」是该单位在重算中排在下一名之前的比例。"
    )


def open_flags_warning(kinds: dict[str, int], may_decide: bool, where: str) -> str:
    """The month cannot be reviewed or published while flags are open: say so, with counts.

    kinds: open flags per kind label (数据存疑, 积分疑点); where: the page that decides them.
    """
    total = sum(kinds.values())
    parts = "、".join(f"{k} {n} 条" for k, n in kinds.items() if n)
    who = "请" if may_decide else "需由县中心审核人员"
    return (
        f"本月还有 {total} 条疑点未核查（{parts}）。逐条核查完毕之前，本月排名不能审核，"
        f"也不能发布。{who}在{where}逐条作出结论。"
    )
