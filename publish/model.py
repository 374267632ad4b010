"""The report model: everything one edition says, built once from the database.

Every renderer (HTML, PNG, XLSX, DOCX, PDF) reads this model and nothing
else, so the article, the images, the workbook and the briefing cannot
disagree with each other, and tests can hold each of them to the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from core import labels, months, settings
from core.contract import SHEETS
from index import methodology as methodology_file
from presentation import theme
from publish import queries, reasons, text

# The three published rankings, in the order the article gives them.
PUBLISHED_GROUPS = ("subcentre", "team", "institute")
SHEET_TITLES = {s.key: s.title for s in SHEETS}
# an average rating that fell this much since last month is a concern, when both months
# have at least county.toml [orders] rating_min_n rated orders (the warning states them)
RATING_DROP = text.RATING_DROP
LISTED = text.LISTED
BACKLOG_MONTHS = 6  # months of the 民事直说 backlog's trend in the briefing


class NotRanked(LookupError):
    """The month has no current index run to publish."""


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    kind: str  # count | pct | rating
    value: float | None
    prev: float | None  # last month
    last_year: float | None  # same month last year


@dataclass(frozen=True)
class RankRow:
    rank: int
    change_label: str
    rank_change: int | None
    unit_code: str
    unit_name: str
    score: float | None
    tier: str
    on_red_list: bool
    on_black_list: bool
    is_submitted: bool
    partition_name: str = ""
    place_first: int = 0  # the places whose order is within the margin (index/lists.py)
    place_last: int = 0
    rank_p05: int | None = None  # the places of 90% of the robustness draws (None: 未报送)
    rank_p95: int | None = None

    @property
    def is_tied(self) -> bool:
        return self.place_first != self.place_last

    @property
    def interval(self) -> str:
        """'2–5', or '' for a unit without one."""
        return reasons.interval(self.rank_p05, self.rank_p95)

    @property
    def rank_text(self) -> str:
        """'3◇（2–5）': the rank, the mark of a place within the margin and its interval."""
        return reasons.rank_text(self.rank, self.rank_p05, self.rank_p95, self.is_tied)


@dataclass(frozen=True)
class RankingTable:
    group_key: str
    label: str
    rows: tuple[RankRow, ...]
    list_note: str = ""  # why the 黑榜 (or both lists) leaves places out (index/lists.py)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the lists say about the margin: tied places named together, places left out."""
        out = []
        tied = sorted(
            {(r.place_first, r.place_last) for r in self.rows if r.on_red_list and r.is_tied}
        )
        out += [f"第{a}–{b}名差距在误差范围内，同列红榜" for a, b in tied]
        if self.list_note:
            out.append(self.list_note)
        return tuple(out)

    @property
    def leader(self) -> RankRow | None:
        return self.rows[0] if self.rows else None

    @property
    def leaders(self) -> tuple[RankRow, ...]:
        """The scored units sharing first place within the margin (one when it is robust)."""
        top = self.leader
        if top is None or top.score is None:
            return ()
        return tuple(
            r for r in self.rows if r.score is not None and r.place_first == top.place_first
        )

    @property
    def scored(self) -> tuple[RankRow, ...]:
        return tuple(r for r in self.rows if r.score is not None)

    def top_bottom(self, k: int = LISTED) -> tuple[tuple[RankRow, ...], tuple[RankRow, ...]]:
        """The first and the last k scored units (the last worst first), never the same unit
        in both: a group of fewer than 2k lists half of it at each end (5 units: 2 and 2)."""
        scored = self.scored
        k = min(k, len(scored) // 2)
        return scored[:k], tuple(reversed(scored[len(scored) - k :])) if k else ()

    @property
    def tied_places(self) -> tuple[tuple[int, int], ...]:
        """The runs of places whose order is within the margin (index/lists.py), in order."""
        return tuple(sorted({(r.place_first, r.place_last) for r in self.scored if r.is_tied}))

    @property
    def biggest_riser(self) -> RankRow | None:
        risers = [r for r in self.rows if r.rank_change and r.rank_change > 0]
        return max(risers, key=lambda r: (r.rank_change, -r.rank)) if risers else None


@dataclass(frozen=True)
class MethodNote:
    id: str
    title: str
    sha256: str
    file_name: str
    normalisation: str
    unsubmitted: str
    tiers: tuple[tuple[str, float], ...]
    groups: tuple[tuple[str, str, tuple[tuple[str, str, float, str], ...]], ...]
    # (group_key, label, ((indicator, dimension, weight share, direction '+'/'-'), ...))
    adjustments: tuple[tuple[str, str, float], ...]  # (kind, item, max)
    bonus_cap: float
    penalty_cap: float
    # the methodology as the run stored it: definitions, goalposts and rules for the appendix
    spec: methodology_file.Methodology | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Points:
    issued: float
    redeemed: float
    issued_prev: float | None
    redeemed_prev: float | None
    issued_ytd: float
    redeemed_ytd: float
    balance_points: float
    liability_yuan: float
    households: int
    budget_yuan_year: float  # households × the yearly budget per household
    budget_per_household: float
    yuan_per_point: float = 1.0

    @property
    def redemption_rate(self) -> float | None:
        """This month's redeemed ÷ issued: above 1 when points issued earlier are redeemed."""
        return self.redeemed / self.issued if self.issued else None

    @property
    def redeemed_ytd_share_of_budget(self) -> float | None:
        """What was redeemed since January, in yuan, against the supermarkets' yearly budget."""
        if not self.budget_yuan_year:
            return None
        return self.redeemed_ytd * self.yuan_per_point / self.budget_yuan_year

    @property
    def redemption_rate_ytd(self) -> float | None:
        return self.redeemed_ytd / self.issued_ytd if self.issued_ytd else None

    @property
    def balance_share_of_budget(self) -> float | None:
        return self.liability_yuan / self.budget_yuan_year if self.budget_yuan_year else None


@dataclass(frozen=True)
class Brand:
    name: str
    platform: str
    activities: int
    participants: int
    volunteer_hours: float
    beneficiaries: int
    towns: int


@dataclass(frozen=True)
class Missing:
    unit_code: str
    unit_name: str
    kind: str
    sheets: tuple[str, ...]  # Chinese sheet titles


@dataclass(frozen=True)
class Completeness:
    units_owing: int
    units_complete: int  # every sheet received (on time or late)
    units_late: int
    missing: tuple[Missing, ...]  # units with at least one sheet not received
    not_submitted: tuple[str, ...]  # ranked units that sent none of their own exports


@dataclass(frozen=True)
class RatingDrop:
    unit_name: str
    prev: float
    current: float
    prev_n: int = 0  # rated orders behind each average
    n: int = 0


@dataclass(frozen=True)
class Backlog:
    """民事直说 still open at the end of the month (mart_matter_backlog), and its trend."""

    limit_days: int
    open_at_end: int
    open_past_limit: int
    oldest_days: int | None
    trend: tuple[tuple[date, int], ...]  # (month, open past the limit), oldest first

    @property
    def rising_months(self) -> int:
        """How many months in a row, up to this one, the overdue count rose."""
        n = 0
        values = [v for _, v in self.trend]
        for before, after in zip(values[-2::-1], values[:0:-1], strict=True):
            if after <= before:
                break
            n += 1
        return n


@dataclass(frozen=True)
class Standards:
    """八有 among the county's stations this month (mart_standards_month, fct_standards)."""

    stations: int
    reporting: int
    compliant: int
    failing: int  # reported, at least one item missing
    lacking: tuple[tuple[str, int], ...]  # (item, stations lacking it), most first

    @property
    def not_reporting(self) -> int:
        return self.stations - self.reporting


@dataclass(frozen=True)
class Concerns:
    not_submitted: tuple[str, ...]
    idle_stations: tuple[tuple[str, str], ...]  # (station, institute)
    rating_drops: tuple[RatingDrop, ...]
    points_flags: tuple[tuple[str, int], ...] = ()  # (rule label, flags) of the month's audit
    rating_min_n: int = 10  # county.toml [orders] rating_min_n
    rating_drops_small: int = 0  # units whose rating fell as much, on fewer ratings: no warning
    county_rating: RatingDrop | None = None  # the county's average, both months (any change)
    backlog: Backlog | None = None
    standards: Standards | None = None


@dataclass(frozen=True)
class Edition:
    """Which edition this is; filled in when it is published."""

    number: int
    is_revision: bool = False
    reason: str = ""
    changelog: tuple[str, ...] = ()
    reviewer: str = ""
    reviewed_at: datetime | None = None
    approver: str = ""
    published_at: datetime | None = None

    @property
    def label(self) -> str:
        return f"修订版（第{self.number}版）" if self.is_revision else f"第{self.number}版"

    @property
    def folder(self) -> str:
        return f"v{self.number}"


@dataclass(frozen=True)
class Report:
    month: date
    county_name: str
    county_short: str
    centre_name: str
    edition: Edition
    run_id: int
    computed_at: datetime
    data_snapshot: str
    method: MethodNote
    figures: tuple[Figure, ...]
    rankings: tuple[RankingTable, ...]  # the three published lists
    stations: RankingTable  # stations within each institute (workbook)
    indicators: pl.DataFrame = field(compare=False)
    points: Points
    brands: tuple[Brand, ...]
    completeness: Completeness
    concerns: Concerns
    activity_series: pl.DataFrame = field(compare=False)  # month × platform, 13 months
    points_series: pl.DataFrame = field(compare=False)  # 12 months
    headline: str = ""
    lead: str = ""
    data_as_of: str = ""  # theme.as_of: the Chinese data-as-of line (the hash is the manifest's)

    def movers(self, rising: bool, k: int = LISTED) -> tuple[tuple[str, RankRow], ...]:
        """The k units of the published lists that rose (fell) most since last month, with
        their list's label. rank_change exists only where the unit was ranked (scored) both
        months (index/score.py), so a riser was ranked the month before."""
        moved = [
            (t.label, r)
            for t in self.rankings
            for r in t.rows
            if r.rank_change and (r.rank_change > 0) == rising
        ]
        moved.sort(key=lambda lr: (-abs(lr[1].rank_change), lr[1].rank, lr[1].unit_code))
        return tuple(moved[:k])

    draws: int = 0  # the run's robustness draws (the rank intervals)
    units: tuple[reasons.UnitDetail, ...] = ()  # every ranked unit, explained (list order)
    sensitivity: tuple[reasons.SensitivityRow, ...] = ()

    @property
    def month_label(self) -> str:
        return months.label(self.month)

    @property
    def title(self) -> str:
        return f"{self.county_short}{self.month_label}新时代文明实践考评指数"

    @property
    def file_stem(self) -> str:
        return f"{self.month:%Y-%m}"

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def ranking(self, group_key: str) -> RankingTable:
        return next(r for r in self.rankings if r.group_key == group_key)


FIGURES = (
    # key, label, unit, kind
    ("activities", "开展活动", "场", "count"),
    ("participants", "参与群众", "人次", "count"),
    ("volunteer_hours", "志愿服务时长", "小时", "count"),
    ("beneficiaries", "服务群众", "人次", "count"),
    ("volunteers_active", "在册志愿者", "人", "count"),
    ("orders", "群众点单", "单", "count"),
    ("completion_rate", "点单完成率", "", "pct"),
    ("avg_rating", "点单平均评分", "分", "rating"),
    ("points_issued", "发放道德积分", "分", "count"),
    ("points_redeemed", "兑换道德积分", "分", "count"),
)


def figure_value(row: dict, key: str) -> float | None:
    """A headline figure from a row of publish.queries.headline (rates computed here)."""
    if row["activities"] is None:  # no data at all that month
        return None
    if key == "completion_rate":
        return row["orders_completed"] / row["orders"] if row["orders"] else None
    if key == "avg_rating":
        return round(row["rating_sum"] / row["orders_rated"], 2) if row["orders_rated"] else None
    value = row[key]
    return None if value is None else float(value)


def _method_note(run: dict) -> MethodNote:
    meth = methodology_file.parse(run["content"].encode("utf-8"), Path(run["file_name"]))
    groups = tuple(
        (
            g.key,
            g.label,
            tuple(
                (i.name, i.dimension, g.weights()[i.key], "+" if i.direction > 0 else "-")
                for i in g.indicators
            ),
        )
        for g in meth.groups.values()
    )
    return MethodNote(
        run["methodology_id"],
        meth.title,
        run["methodology_sha256"],
        run["file_name"],
        meth.normalisation,
        meth.unsubmitted,
        meth.tiers,
        groups,
        tuple((a.kind, a.item, a.max) for a in meth.adjustment_items),
        meth.bonus_cap,
        meth.penalty_cap,
        meth,
    )


def _table(frame: pl.DataFrame, group_key: str, label: str) -> RankingTable:
    rows = frame.filter(pl.col("group_key") == group_key)
    notes = rows["list_note"].drop_nulls().unique(maintain_order=True).to_list()
    return RankingTable(
        group_key,
        label,
        tuple(
            RankRow(
                r["rank"],
                r["change_label"],
                r["rank_change"],
                r["unit_code"],
                r["unit_name"],
                r["score"],
                r["tier"],
                r["on_red_list"],
                r["on_black_list"],
                r["is_submitted"],
                r["partition_name"],
                r["place_first"],
                r["place_last"],
                r["rank_p05"],
                r["rank_p95"],
            )
            for r in rows.iter_rows(named=True)
        ),
        "；".join(notes) if group_key != "station" else "",
    )


def snapshot_batch(snapshot: str) -> int | None:
    """The import batch named by index.compute.data_snapshot ('batch 3 · 11662 files · …')."""
    m = re.match(r"batch (\d+)", snapshot or "")
    return int(m[1]) if m else None


def _rating(name: str, r: dict) -> RatingDrop:
    return RatingDrop(
        name,
        round(r["prev_rating"], 2),
        round(r["rating"], 2),
        int(r["prev_rated"]),
        int(r["rated"]),
    )


def _county_rating(frame: pl.DataFrame, month: date) -> RatingDrop | None:
    by_month = {r["month"]: r for r in frame.iter_rows(named=True)}
    now, before = by_month.get(month), by_month.get(months.shift(month, -1))
    if not now or not before or now["rating"] is None or before["rating"] is None:
        return None
    row = {"prev_rating": before["rating"], "rating": now["rating"],
           "prev_rated": before["rated"], "rated": now["rated"]}  # fmt: skip
    return _rating("全县", row)


def _backlog(frame: pl.DataFrame, month: date) -> Backlog | None:
    rows = frame.filter(pl.col("month") <= month).sort("month")
    if rows.is_empty() or rows["month"][-1] != month:
        return None
    last = rows.row(-1, named=True)
    return Backlog(
        int(last["limit_days"]),
        int(last["open_at_end"]),
        int(last["open_past_limit"]),
        None if last["oldest_days"] is None else int(last["oldest_days"]),
        tuple((r["month"], int(r["open_past_limit"])) for r in rows.iter_rows(named=True)),
    )


def _standards(row: dict) -> Standards | None:
    if not row["stations"]:
        return None
    lacking = sorted(
        ((label, int(row[f"lacking_{c}"])) for c, label in labels.STANDARD_ITEMS.items()),
        key=lambda item: -item[1],
    )
    return Standards(
        int(row["stations"]),
        int(row["reporting"]),
        int(row["compliant"]),
        int(row["failing"]),
        tuple(item for item in lacking if item[1] > 0),
    )


def build(con, month: date, edition: Edition) -> Report:
    """Read the month's current index run and the marts, and compose the edition's content."""
    run = queries.current_run(con, month)
    if run is None:
        raise NotRanked(
            f"{month:%Y-%m} 还没有计算考评指数：请先运行 civic rank --month {month:%Y-%m}"
        )
    method = _method_note(run)
    titles = {g[0]: g[1] for g in method.groups}
    scores = queries.scores(con, run["run_id"])
    rankings = tuple(
        _table(scores, g, titles.get(g, g))
        for g in PUBLISHED_GROUPS
        if scores.filter(pl.col("group_key") == g).height
    )
    stations = _table(scores, "station", titles.get("station", labels.unit_kind("station")))
    county = settings.read(con)

    prev, last_year = months.shift(month, -1), months.shift(month, -12)
    heads = queries.headline(con, [last_year, prev, month])
    figures = tuple(
        Figure(
            key,
            label,
            unit,
            kind,
            figure_value(heads[month], key),
            figure_value(heads[prev], key),
            figure_value(heads[last_year], key),
        )
        for key, label, unit, kind in FIGURES
    )
    cur = heads[month]
    year = queries.points_year(con, month)
    per_household = county.budget_yuan_per_household_year
    households = int(year["households"] or 0)
    points = Points(
        float(cur["points_issued"] or 0),
        float(cur["points_redeemed"] or 0),
        figure_value(heads[prev], "points_issued"),
        figure_value(heads[prev], "points_redeemed"),
        float(year["issued_ytd"]),
        float(year["redeemed_ytd"]),
        float(cur["balance_points"] or 0),
        float(cur["liability_yuan"] or 0),
        households,
        households * per_household,
        per_household,
        county.yuan_per_point,
    )
    brands = tuple(
        Brand(
            r["name"],
            r["platform"],
            int(r["activities"]),
            int(r["participants"] or 0),
            float(r["volunteer_hours"] or 0),
            int(r["beneficiaries"] or 0),
            int(r["towns"]),
        )
        for r in queries.brands(con, month).iter_rows(named=True)
    )
    comp = queries.completeness(con, month)
    missing = tuple(
        Missing(
            r["unit_code"],
            r["unit_name"],
            labels.unit_kind(r["kind"]),
            tuple(SHEET_TITLES.get(s, s) for s in r["missing_sheets"] or []),
        )
        for r in comp.filter(pl.col("sheets_missing") > 0).iter_rows(named=True)
    )
    not_submitted = tuple(
        dict.fromkeys(
            f"{r['unit_name']}"
            for r in scores.filter(~pl.col("is_submitted")).iter_rows(named=True)
        )
    )
    completeness = Completeness(
        comp.height,
        comp.filter(pl.col("sheets_missing") == 0).height,
        comp.filter((pl.col("sheets_late") > 0) & (pl.col("sheets_missing") == 0)).height,
        missing,
        not_submitted,
    )
    min_n = county.order_rating_min_n
    fell = queries.ratings(con, month).filter(
        pl.col("prev_rating") - pl.col("rating") >= RATING_DROP
    )
    drops = fell.filter((pl.col("rated") >= min_n) & (pl.col("prev_rated") >= min_n))
    concerns = Concerns(
        not_submitted,
        tuple(
            (r["unit_name"], r["institute_name"])
            for r in queries.idle_stations(con, month).iter_rows(named=True)
        ),
        tuple(
            _rating(r["unit_name"], r)
            for r in drops.sort(pl.col("prev_rating") - pl.col("rating"), descending=True)
            .head(5)
            .iter_rows(named=True)
        ),
        tuple(queries.points_flags(con, month).iter_rows()),
        rating_min_n=min_n,
        rating_drops_small=fell.height - drops.height,
        county_rating=_county_rating(queries.county_rating(con, month), month),
        backlog=_backlog(queries.matter_backlog(con, month, BACKLOG_MONTHS), month),
        standards=_standards(queries.standards_shortfall(con, month)),
    )
    as_of = queries.data_as_of(con, snapshot_batch(run["data_snapshot"]))
    indicators = queries.indicators(con, run["run_id"])
    units = reasons.unit_details(
        scores,
        indicators,
        queries.previous_scores(con, month),
        queries.adjustments(con, month),
        method.spec,
        (*PUBLISHED_GROUPS, "station"),
    )
    report = Report(
        month=month,
        county_name=county.county_name,
        county_short=county.county_short_name,
        centre_name=county.centre_name,
        edition=edition,
        run_id=run["run_id"],
        computed_at=run["computed_at"],
        data_snapshot=run["data_snapshot"],
        method=method,
        figures=figures,
        rankings=rankings,
        stations=stations,
        indicators=indicators,
        points=points,
        brands=brands,
        completeness=completeness,
        concerns=concerns,
        activity_series=queries.activity_series(con, month),
        points_series=queries.points_series(con, month),
        data_as_of=theme.as_of(as_of["latest_at"], int(as_of["files"])),
        draws=run["draws"],
        units=units,
        sensitivity=reasons.sensitivity_rows(queries.sensitivity(con, run["run_id"])),
    )
    return text.with_text(report)


def to_dict(report: Report) -> dict:
    """The edition's content as JSON-ready data (report.json): what later revisions compare to."""
    return {
        "month": f"{report.month:%Y-%m}",
        "title": report.title,
        "headline": report.headline,
        "lead": report.lead,
        "edition": {
            "number": report.edition.number,
            "is_revision": report.edition.is_revision,
            "label": report.edition.label,
            "reason": report.edition.reason,
            "changelog": list(report.edition.changelog),
        },
        "run_id": report.run_id,
        "data_snapshot": report.data_snapshot,
        "data_as_of": report.data_as_of,
        "methodology": {
            "id": report.method.id,
            "title": report.method.title,
            "sha256": report.method.sha256,
        },
        "figures": [
            {
                "key": f.key,
                "label": f.label,
                "unit": f.unit,
                "kind": f.kind,
                "value": f.value,
                "prev": f.prev,
                "last_year": f.last_year,
            }
            for f in report.figures
        ],
        "rankings": [_table_dict(t) for t in (*report.rankings, report.stations)],
        "points": {
            **{k: getattr(report.points, k) for k in report.points.__dataclass_fields__},
            "redemption_rate": report.points.redemption_rate,
            "redemption_rate_ytd": report.points.redemption_rate_ytd,
            "redeemed_ytd_share_of_budget": report.points.redeemed_ytd_share_of_budget,
            "balance_share_of_budget": report.points.balance_share_of_budget,
        },
        "brands": [b.__dict__ for b in report.brands],
        "completeness": {
            "units_owing": report.completeness.units_owing,
            "units_complete": report.completeness.units_complete,
            "units_late": report.completeness.units_late,
            "missing": [
                m.__dict__ | {"sheets": list(m.sheets)} for m in report.completeness.missing
            ],
            "not_submitted": list(report.completeness.not_submitted),
        },
    }


def _table_dict(t: RankingTable) -> dict:
    return {
        "group_key": t.group_key,
        "label": t.label,
        "rows": [r.__dict__ for r in t.rows],
        "notes": list(t.notes),
    }
