"""The index methodology: a versioned TOML file (data/methodology/), read and checked.

Every problem is reported with the file and the key it is at, in Chinese,
because the office edits these files.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.config import methodology_dir
from core.contract import SHEET_BY_KEY

NORMALISATIONS = ("goalposts", "panel_minmax", "panel_zscore")
UNSUBMITTED_RULES = ("last", "zero", "exclude")
MISSING_RULES = ("group_mean", "zero")
MISSING_OWED_RULES = ("zero",)  # 缺报: the worst score any unit can get
NO_DEMAND_RULES = ("reweight",)  # 不适用: the weight is spread over the unit's other indicators
ROUNDINGS = ("half_up", "half_even")
# the mart the indicators read, and the columns a unit's row offers
MART = "mart_unit_month"


class MethodologyError(ValueError):
    """A methodology file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    dimension: str
    definition: str
    numerator: str
    denominator: str  # "" = the numerator alone
    per: float
    unit: str
    direction: int  # +1 more is better, -1 less is better
    goalposts: tuple[float, float]
    weight: float  # as written; Group.weights() gives them summing to 1
    source: str = ""  # the export sheet the numerator comes from ("" = none: the 缺报 rule is off)
    demand: bool = False  # the denominator counts demand: 0 means 不适用 under rules.no_demand


@dataclass(frozen=True)
class Group:
    key: str  # subcentre | team | institute | station
    label: str
    unit_kind: str  # the mart's kind column
    partition: str  # "" = one list; else a mart column (stations per institute)
    red_list: int
    black_list: int
    indicators: tuple[Indicator, ...]

    def weights(self) -> dict[str, float]:
        total = sum(i.weight for i in self.indicators)
        return {i.key: i.weight / total for i in self.indicators}


@dataclass(frozen=True)
class AdjustmentItem:
    kind: str  # bonus | penalty
    item: str
    max: float


@dataclass(frozen=True)
class Screening:
    """Outlier screen of unit-month values (see the [screening] table of a methodology)."""

    threshold: float
    history_months: int
    min_history: int
    min_scale: float


@dataclass(frozen=True)
class Uncertainty:
    """What the robustness draws vary, and the share that makes an order robust."""

    weight_spread: float = 0.25
    goalpost_spread: float = 0.0  # 0 = goalposts are not varied (2026.1)
    robust_share: float = 0.75
    vary_imputation: bool = False
    vary_aggregation: bool = False


@dataclass(frozen=True)
class Methodology:
    id: str
    title: str
    sha256: str
    path: Path
    normalisation: str
    winsor: tuple[float, float]
    unsubmitted: str
    missing_value: str
    tiers: tuple[tuple[str, float], ...]  # best first: (label, lowest score)
    bonus_cap: float
    penalty_cap: float
    adjustment_items: tuple[AdjustmentItem, ...]
    groups: dict[str, Group]
    rounding: str = "half_even"
    missing_owed: str = ""  # "" = a missing sheet is not told apart (2026.1)
    no_demand: str = ""  # "" = no demand is a missing value (2026.1)
    screening: Screening | None = None  # None = no outlier screen (2026.1)
    uncertainty: Uncertainty = Uncertainty()

    def tier(self, score: float | None) -> str:
        if score is None:
            return self.tiers[-1][0]
        return next((label for label, low in self.tiers if score >= low), self.tiers[-1][0])

    def item(self, name: str) -> AdjustmentItem | None:
        return next((a for a in self.adjustment_items if a.item == name), None)


def default_path() -> Path:
    """The newest methodology file in the methodology folder (by file name)."""
    folder = methodology_dir()
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise MethodologyError(f"{folder} 中没有考评方法文件（*.toml）")
    return files[-1]


def load(path: Path | None = None, mart_columns: set[str] | None = None) -> Methodology:
    """Read and check a methodology file; `mart_columns` checks the indicator formulas."""
    path = Path(path) if path else default_path()
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise MethodologyError(f"找不到考评方法文件：{path}") from None
    return parse(raw_bytes, path, mart_columns)


def parse(raw_bytes: bytes, path: Path, mart_columns: set[str] | None = None) -> Methodology:
    """Check a methodology's text; `path` names it in messages (and in the result)."""
    try:
        doc = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MethodologyError(f"{path.name}：不是有效的 TOML 文件（{e}）") from None

    def fail(where: str, why: str) -> MethodologyError:
        return MethodologyError(f"{path.name}，{where}：{why}")

    def need(table: dict, key: str, where: str, kind: type | tuple = str):
        if key not in table:
            raise fail(where, f"缺少 {key}")
        value = table[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise fail(f"{where}.{key}", f"类型不对（{value!r}）")
        return value

    mid = need(doc, "id", "文件开头")
    normalisation = doc.get("normalisation", "goalposts")
    if normalisation not in NORMALISATIONS:
        raise fail(
            "normalisation", f"应为 {'、'.join(NORMALISATIONS)} 之一，而不是 {normalisation!r}"
        )
    winsor = tuple(doc.get("winsor", [0.05, 0.95]))
    if len(winsor) != 2 or not 0 <= winsor[0] < winsor[1] <= 1:
        raise fail("winsor", f"应为 [下分位, 上分位]，0 ≤ 下 < 上 ≤ 1，而不是 {list(winsor)}")
    rules = doc.get("rules", {})
    unsubmitted = rules.get("unsubmitted", "last")
    if unsubmitted not in UNSUBMITTED_RULES:
        raise fail("rules.unsubmitted", f"应为 {'、'.join(UNSUBMITTED_RULES)} 之一")
    missing_value = rules.get("missing_value", "group_mean")
    if missing_value not in MISSING_RULES:
        raise fail("rules.missing_value", f"应为 {'、'.join(MISSING_RULES)} 之一")
    missing_owed = rules.get("missing_owed", "")
    if missing_owed and missing_owed not in MISSING_OWED_RULES:
        raise fail("rules.missing_owed", f"应为 {'、'.join(MISSING_OWED_RULES)} 之一")
    no_demand = rules.get("no_demand", "")
    if no_demand and no_demand not in NO_DEMAND_RULES:
        raise fail("rules.no_demand", f"应为 {'、'.join(NO_DEMAND_RULES)} 之一")
    rounding = doc.get("rounding", "half_even")
    if rounding not in ROUNDINGS:
        raise fail("rounding", f"应为 {'、'.join(ROUNDINGS)} 之一，而不是 {rounding!r}")
    screening = None
    if "screening" in doc:
        sc = need(doc, "screening", "文件", dict)
        screening = Screening(
            float(need(sc, "threshold", "screening", (int, float))),
            int(need(sc, "history_months", "screening", int)),
            int(need(sc, "min_history", "screening", int)),
            float(need(sc, "min_scale", "screening", (int, float))),
        )
        if screening.threshold <= 0 or screening.min_scale <= 0:
            raise fail("screening", "threshold 和 min_scale 应大于 0")
    un = doc.get("uncertainty", {})
    uncertainty = Uncertainty(
        float(un.get("weight_spread", 0.25)),
        float(un.get("goalpost_spread", 0.0)),
        float(un.get("robust_share", 0.75)),
        vary_imputation=bool(missing_owed or no_demand),
        vary_aggregation="uncertainty" in doc,
    )
    if not (0 <= uncertainty.weight_spread < 1 and 0 <= uncertainty.goalpost_spread < 1):
        raise fail("uncertainty", "weight_spread 和 goalpost_spread 应在 0 到 1 之间")
    if not 0.5 <= uncertainty.robust_share <= 1:
        raise fail("uncertainty.robust_share", "应在 0.5 到 1 之间")
    tiers_doc = need(doc, "tiers", "文件", dict)
    tiers = tuple(sorted(((str(k), float(v)) for k, v in tiers_doc.items()), key=lambda t: -t[1]))
    if not tiers or tiers[-1][1] > 0:
        raise fail("tiers", "最低一档的下限应为 0，使每个分数都有档次")
    adj = doc.get("adjustments", {})
    items = []
    for n, it in enumerate(adj.get("items", []), 1):
        where = f"adjustments.items 第 {n} 项"
        kind = need(it, "kind", where)
        if kind not in ("bonus", "penalty"):
            raise fail(where, f"kind 应为 bonus 或 penalty，而不是 {kind!r}")
        items.append(
            AdjustmentItem(
                kind, need(it, "item", where), float(need(it, "max", where, (int, float)))
            )
        )
    groups = {}
    for gkey, g in need(doc, "groups", "文件", dict).items():
        where = f"groups.{gkey}"
        indicators = []
        seen = set()
        for n, i in enumerate(need(g, "indicators", where, list), 1):
            iw = f"{where}.indicators 第 {n} 项"
            key = need(i, "key", iw)
            if key in seen:
                raise fail(iw, f"指标 {key} 重复")
            seen.add(key)
            iw = f"{where}.indicators.{key}"
            direction = need(i, "direction", iw)
            if direction not in ("+", "-"):
                raise fail(f"{iw}.direction", '应为 "+"（越高越好）或 "-"（越低越好）')
            lo, hi = (float(x) for x in need(i, "goalposts", iw, list))
            if not lo < hi:
                raise fail(f"{iw}.goalposts", f"下限应小于上限（{lo}, {hi}）")
            weight = float(need(i, "weight", iw, (int, float)))
            if weight <= 0:
                raise fail(f"{iw}.weight", "权重应大于 0")
            numerator = need(i, "numerator", iw)
            denominator = i.get("denominator", "")
            source = i.get("source", "")
            if source and source not in SHEET_BY_KEY:
                raise fail(f"{iw}.source", f"报送合同中没有台账 {source!r}")
            demand = bool(i.get("demand", False))
            if demand and not denominator:
                raise fail(f"{iw}.demand", "demand = true 需要分母（需求数）")
            for col in (numerator, denominator):
                if col and mart_columns is not None and col not in mart_columns:
                    raise fail(iw, f"{MART} 中没有列 {col}")
            indicators.append(
                Indicator(
                    key,
                    need(i, "name", iw),
                    i.get("dimension", ""),
                    i.get("definition", ""),
                    numerator,
                    denominator,
                    float(i.get("per", 1)),
                    i.get("unit", ""),
                    1 if direction == "+" else -1,
                    (lo, hi),
                    weight,
                    source,
                    demand,
                )
            )
        if not indicators:
            raise fail(where, "至少需要一个指标")
        groups[gkey] = Group(
            gkey,
            need(g, "label", where),
            need(g, "unit_kind", where),
            g.get("partition", ""),
            int(g.get("red_list", 0)),
            int(g.get("black_list", 0)),
            tuple(indicators),
        )
    return Methodology(
        mid,
        doc.get("title", mid),
        hashlib.sha256(raw_bytes).hexdigest(),
        path,
        normalisation,
        (float(winsor[0]), float(winsor[1])),
        unsubmitted,
        missing_value,
        tiers,
        float(adj.get("bonus_cap", 0)),
        float(adj.get("penalty_cap", 0)),
        tuple(items),
        groups,
        rounding,
        missing_owed,
        no_demand,
        screening,
        uncertainty,
    )
