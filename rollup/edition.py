"""The roll-up's monthly edition (civic rollup publish): the ranking of counties as an
article (HTML and A4 PDF) and a workbook, with a manifest of SHA-256s.

    reports/rollup/<YYYY-MM>/v<N>/
        <YYYY-MM>_counties.html  .pdf  .xlsx   manifest.json

The edition is built from the month's stored ranking only (rollup/rank.py): every
figure is a row of its frames, and those are rows of the counties' packages. It is
refused while the ranking is out of date (a package loaded after it was computed) and,
once a month has an edition, unless it is a revision with its reason. The folder is
written hidden and renamed into place (publish/folders.py), then recorded in the
store's CURRENT.json under "editions".

The words and rules are the county edition's (publish/reasons.py, the same stylesheet
and workbook writer): a place within the margin is marked ◇ with its 5–95% interval,
红榜 and 黑榜 name a county alone only when its place is robust, a value far above
the other counties and the county's own history is capped and listed as 数据存疑.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import jinja2
import polars as pl

from core import months as month_math
from core import store as db_store
from index import methodology
from presentation import theme
from publish import browser, folders, reasons, render_html
from publish.manifest import sha256
from publish.render_xlsx import LANDSCAPE, ONE_PAGE, PORTRAIT, Sheets, Strong
from rollup import rank, registry
from rollup import store as rollup_store

TEMPLATES = Path(__file__).parent / "templates"
EDITIONS = "editions"
LEVEL_WORDS = {"city": "全市", "province": "全省"}
# the county edition's rules, said of counties and their packages where they differ
RULE_WORDS = {
    "未报送": "当月未报送数据包的县（区）列于榜末，不计得分，档次为较差。",
    "无法计算": "缺少计算所需数据（如数据包的名册中没有常住人口）的指标按0分计。",
}


class NotPublishable(ValueError):
    """The month cannot be published now; the message says why, in Chinese."""


@dataclass(frozen=True)
class CountyRow:
    rank: int
    rank_text: str  # 3◇（2–5）
    change_label: str
    code: str
    name: str
    city_name: str
    score: float | None
    tier: str
    on_red_list: bool
    on_black_list: bool
    is_submitted: bool
    values: tuple[str, ...]  # each indicator's value as printed, in the methodology's order


@dataclass(frozen=True)
class TotalsRow:
    name: str
    city_name: str
    is_submitted: bool
    population: int | None
    activities: int | None
    volunteer_hours: float | None
    volunteers: int | None
    points_issued: int | None
    points_redeemed: int | None
    households_earning: int | None


@dataclass(frozen=True)
class Flag:
    county: str
    indicator: str
    unit: str
    raw_value: float
    cap_value: float


@dataclass(frozen=True)
class Edition:
    region_name: str
    level: str
    month: date
    number: int
    is_revision: bool
    reason: str
    approver: str
    published_at: datetime
    ranking: dict  # the stored ranking's entry (version, methodology, snapshot …)
    method: methodology.Methodology
    indicators: tuple[tuple[str, str], ...]  # (name, unit) in the methodology's order
    rows: tuple[CountyRow, ...]
    totals: tuple[TotalsRow, ...]
    total: TotalsRow
    flags: tuple[Flag, ...]
    units: tuple[reasons.UnitDetail, ...]
    rules: tuple[tuple[str, str], ...]
    registered: int
    submitted: int
    not_submitted: tuple[str, ...]
    draws: int
    files: list[Path] = field(default_factory=list)

    @property
    def month_label(self) -> str:
        return month_math.label(self.month)

    @property
    def label(self) -> str:
        return f"第{self.number}版（修订版）" if self.is_revision else f"第{self.number}版"

    @property
    def title(self) -> str:
        return f"{self.region_name}县级新时代文明实践考评指数 · {self.month_label}"

    @property
    def file_stem(self) -> str:
        return f"{self.month:%Y-%m}_counties"

    @property
    def headline_parts(self) -> tuple[str, ...]:
        """The title's phrases, each kept on one line: what, then 红榜 and 黑榜."""
        red = [r.name for r in self.rows if r.on_red_list]
        black = [r.name for r in self.rows if r.on_black_list]
        parts = [f"{self.region_name}{self.month_label}县级考评"]
        if red:
            parts.append(f"红榜：{'、'.join(red)}")
        if black:
            parts.append(f"黑榜：{'、'.join(black)}")
        return tuple(parts)

    @property
    def headline(self) -> str:
        return "　".join(self.headline_parts)

    @property
    def lead(self) -> str:
        t = self.total
        where = LEVEL_WORDS.get(self.level, "")
        missing = (
            f"；{'、'.join(self.not_submitted)}未报送数据包，列于榜末"
            if self.not_submitted else "，全部报送"
        )  # fmt: skip
        issued, redeemed = theme.count(t.points_issued), theme.count(t.points_redeemed)
        return (
            f"本月应报送的 {self.registered} 个县（区）中，"
            f"{self.submitted} 个报送了数据包并参加排名{missing}。"
            f"{where}开展新时代文明实践活动 {theme.count(t.activities)} 场，"
            f"志愿服务 {theme.count(t.volunteer_hours)} 小时，"
            f"发放道德积分 {issued} 分、兑换 {redeemed} 分。"
        )


def _value_text(raw: float | None, status: str | None, unit: str) -> str:
    if status == "no_demand":
        return "不适用"
    return reasons.measure(raw, unit)


def _ints(x) -> int | None:
    return None if x is None else int(x)


def build(
    stored: rank.Stored,
    region: registry.Region,
    number: int,
    approver: str,
    published_at: datetime,
    reason: str = "",
    is_revision: bool = False,
) -> Edition:
    """The edition's model from the stored ranking (pure: frames in, words out)."""
    f = stored.frames
    meth = stored.methodology
    group = meth.groups["county"]
    month = date.fromisoformat(f"{stored.entry['month']}-01")
    counties = f["county_month"]
    city = {r["unit_code"]: r["city_name"] or "" for r in counties.iter_rows(named=True)}
    keys = [i.key for i in group.indicators]
    by_unit: dict[str, dict[str, dict]] = {}
    for r in f["indicator"].iter_rows(named=True):
        by_unit.setdefault(r["unit_code"], {})[r["indicator_key"]] = r
    scores = f["score"].sort("rank", "unit_code")
    rows = []
    for s in scores.iter_rows(named=True):
        lines = by_unit.get(s["unit_code"], {})
        unsure = s["place_first"] is not None and s["place_first"] != s["place_last"]
        rows.append(
            CountyRow(
                s["rank"],
                reasons.rank_text(s["rank"], s["rank_p05"], s["rank_p95"], unsure),
                s["change_label"],
                s["unit_code"],
                s["unit_name"],
                city.get(s["unit_code"], ""),
                s["score"],
                s["tier"],
                bool(s["on_red_list"]),
                bool(s["on_black_list"]),
                bool(s["is_submitted"]),
                tuple(
                    _value_text(lines[k]["raw_value"], lines[k]["status"], lines[k]["unit"] or "")
                    if s["is_submitted"] and k in lines
                    else theme.DASH
                    for k in keys
                ),  # fmt: skip
            )
        )
    totals = tuple(
        TotalsRow(
            r["name"],
            r["city_name"] or "",
            bool(r["is_submitted"]),
            _ints(r["population"]),
            _ints(r["activities"]),
            r["volunteer_hours"],
            _ints(r["volunteers_active"]),
            _ints(r["points_issued"]),
            _ints(r["points_redeemed"]),
            _ints(r["households_earning"]),
        )
        for r in counties.sort("unit_code").iter_rows(named=True)
    )
    submitted = counties.filter(pl.col("is_submitted"))
    total = TotalsRow(
        "合计",
        "",
        True,
        *(
            int(submitted[c].sum()) if c != "volunteer_hours" else float(submitted[c].sum())
            for c in (
                "population",
                "activities",
                "volunteer_hours",
                "volunteers_active",
                "points_issued",
                "points_redeemed",
                "households_earning",
            )
        ),  # fmt: skip
    )
    names = dict(zip(counties["unit_code"], counties["name"], strict=True))
    flags = tuple(
        Flag(names.get(r["unit_code"], r["unit_code"]), r["indicator_name"], r["unit"] or "",
             r["raw_value"], r["cap_value"])
        for r in f["flag"].iter_rows(named=True)
    )  # fmt: skip
    details = reasons.unit_details(
        scores.with_columns(partition_name=pl.lit("")),
        f["indicator"],
        scores.select("group_key", "unit_code", "prev_score"),
        pl.DataFrame(
            schema={
                "unit_code": pl.String,
                "points": pl.Float64,
                "item": pl.String,
                "reason": pl.String,
            }
        ),  # fmt: skip
        meth,
        ("county",),
    )
    return Edition(
        region.name,
        region.level,
        month,
        number,
        is_revision,
        reason,
        approver,
        published_at,
        stored.entry,
        meth,
        tuple((i.name, i.unit) for i in group.indicators),
        tuple(rows),
        totals,
        total,
        flags,
        details,
        tuple(
            (title, RULE_WORDS.get(title, words))
            for title, words in reasons.rules(meth, stored.entry["draws"], reviewed=False)
        ),
        counties.height,
        submitted.height,
        tuple(r.name for r in rows if not r.is_submitted),
        stored.entry["draws"],
    )


@cache
def _env() -> jinja2.Environment:
    return render_html.env().overlay(
        loader=jinja2.FileSystemLoader([TEMPLATES, render_html.TEMPLATES])
    )


def article_html(e: Edition) -> str:
    return (
        _env()
        .get_template("counties_article.html.j2")
        .render(
            e=e,
            rank_legend=reasons.rank_legend(e.draws),
            method_rows=[
                {
                    "name": i.name,
                    "dimension": i.dimension,
                    "definition": i.definition,
                    "goalposts": reasons.goalposts_text(i),
                    "direction": reasons.direction_text(i),
                    "weight": theme.pct(e.method.groups["county"].weights()[i.key]),
                }
                for i in e.method.groups["county"].indicators
            ],
        )
    )


def _workbook(e: Edition, path: Path) -> None:
    s = Sheets(path, as_shown=True)
    s.table(
        "县级排名",
        [("名次（区间）", "centre", 12), ("变化", "centre", 7), ("县（区）", "text", 18),
         ("所属市", "text", 12), ("得分", "score", 8), ("档次", "centre", 7),
         ("备注", "text", 8)],
        (
            [r.rank_text, r.change_label, r.name, r.city_name, r.score, r.tier,
             "未报送" if not r.is_submitted else "红榜" if r.on_red_list else
             "黑榜" if r.on_black_list else ""]
            for r in e.rows
        ),
        page=PORTRAIT,
        legend=[reasons.rank_legend(e.draws) + "。"],
        title=e.title,
    )  # fmt: skip
    s.table(
        "各县指标",
        [("县（区）", "text", 16), *((f"{n}（{u}）", "text", 12) for n, u in e.indicators)],
        ([r.name, *r.values] for r in e.rows),
        page=LANDSCAPE,
        legend=["按名次排列；“—”：未报送数据包；“不适用”：当月没有需求（如无人点单）。"],
        title=f"{e.region_name}{e.month_label}各县（区）指标",
    )
    totals = [
        [t.name, t.city_name, t.population, t.activities, t.volunteer_hours, t.volunteers,
         t.points_issued, t.points_redeemed, t.households_earning]
        for t in e.totals
    ]  # fmt: skip
    t = e.total
    totals.append(
        Strong([t.name, "", t.population, t.activities, t.volunteer_hours, t.volunteers,
                t.points_issued, t.points_redeemed, t.households_earning])
    )  # fmt: skip
    s.table(
        "各县数据",
        [("县（区）", "text", 16), ("所属市", "text", 12), ("常住人口", "count", 11),
         ("活动场次", "count", 10), ("志愿服务时长（小时）", "count", 12),
         ("在册志愿者", "count", 11), ("发放积分", "count", 11), ("兑换积分", "count", 11),
         ("获积分农户", "count", 11)],
        totals,
        page=ONE_PAGE,
        legend=["空白：该县本月未报送数据包。合计为报送数据包各县之和。"],
        title=f"{e.region_name}{e.month_label}各县（区）数据",
    )  # fmt: skip
    s.table(
        "各县得分说明",
        [("县（区）", "text", 16), ("名次（区间）", "centre", 12), ("指标", "text", 20),
         ("报送值", "decimal2", 10), ("计量单位", "text", 9), ("标准化得分", "score", 9),
         ("权重", "pct", 7), ("贡献分", "decimal2", 8), ("较上月", "change", 7),
         ("说明", "wrap", 40)],
        (
            [u.unit_name, u.rank_text, line.name, line.raw_value, line.unit, line.normalised,
             line.weight, line.contribution, line.change, line.note or ""]
            for u in e.units if u.is_submitted for line in u.lines
        ),
        page=LANDSCAPE,
        title=f"{e.region_name}{e.month_label}各县（区）得分说明",
    )  # fmt: skip
    s.table(
        "数据存疑",
        [("县（区）", "text", 16), ("指标", "text", 20), ("报送值", "decimal2", 12),
         ("计分所用上限", "decimal2", 12), ("计量单位", "text", 10)],
        ([f.county, f.indicator, f.raw_value, f.cap_value, f.unit] for f in e.flags),
        page=LANDSCAPE,
        legend=["报送值远高于其他县和本县以往各月的，按上限计分，请该县核实。"
                if e.flags else "本月没有数据存疑的值。"],
        title=f"{e.region_name}{e.month_label}数据存疑",
    )  # fmt: skip
    s.table(
        "考评办法",
        [("项目", "text", 14), ("说明", "wrap", 90)],
        ([title, words] for title, words in e.rules),
        page=LANDSCAPE,
        title=f"《{e.method.title}》（{e.method.id}）",
    )
    s.close()


def render(e: Edition, out_dir: Path) -> list[Path]:
    """The article (HTML, PDF) and the workbook into `out_dir`, then manifest.json."""
    html = out_dir / f"{e.file_stem}.html"
    pdf = out_dir / f"{e.file_stem}.pdf"
    xlsx = out_dir / f"{e.file_stem}.xlsx"
    text = article_html(e)
    html.write_text(text, encoding="utf-8")
    with browser.use() as b:
        pdf.write_bytes(b.pdf(text))
    _workbook(e, xlsx)
    files = [html, pdf, xlsx]
    manifest = out_dir / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "title": e.title,
                "region": e.region_name,
                "level": e.level,
                "month": f"{e.month:%Y-%m}",
                "edition": e.number,
                "edition_label": e.label,
                "is_revision": e.is_revision,
                "reason": e.reason,
                "approver": e.approver,
                "published_at": e.published_at.isoformat(),
                "methodology": {
                    "id": e.method.id,
                    "title": e.method.title,
                    "file": e.ranking["methodology_file"],
                    "sha256": e.ranking["methodology_sha256"],
                },
                "ranking_version": e.ranking["version"],
                "data_snapshot": e.ranking["snapshot"],
                "files": [
                    {"path": p.name, "sha256": sha256(p), "bytes": p.stat().st_size} for p in files
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return [*files, manifest]


def editions(store: Path, month: date) -> list[dict]:
    return rollup_store.current(store).get(EDITIONS, {}).get(f"{month:%Y-%m}", [])


def publish(
    store: Path,
    reports: Path,
    month: date,
    approver: str,
    revise: bool = False,
    reason: str = "",
    published_at: datetime | None = None,
) -> Path:
    """Publish the month's edition from its current ranking; returns its folder."""
    if not approver.strip():
        raise NotPublishable("请写明批准人（--approver）")
    region = registry.load(store)
    if region is None:
        raise NotPublishable("汇总库还没有县名单（civic rollup counties）")
    published_at = published_at or datetime.now().replace(microsecond=0)
    parent = Path(reports) / f"{month:%Y-%m}"
    parent.mkdir(parents=True, exist_ok=True)
    # one writer at a time, from the checks to the edition recorded: two publishes never
    # take the same number, and no package or ranking lands in between
    with db_store.writer_lock(store):
        stored = rank.read(store, month)
        if not stored.is_current:
            raise NotPublishable(
                f"{month_math.label(month)}的排名计算后又接收了数据包："
                "请重新计算（civic rollup rank）"
            )
        earlier = editions(store, month)
        if earlier and not revise:
            raise NotPublishable(
                f"{month_math.label(month)}已发布第{earlier[-1]['number']}版；"
                "如需修订，请加 --revise 并用 --reason 写明修订原因"
            )
        if revise and not earlier:
            raise NotPublishable(f"{month_math.label(month)}还没有发布过，不能修订")
        if revise and not reason.strip():
            raise NotPublishable("修订版须用 --reason 写明修订原因")
        on_disk = [int(m.group(1)) for p in parent.iterdir()
                   if (m := re.match(r"^v(\d+)$", p.name))]  # fmt: skip
        number = max([0, *on_disk, *(x["number"] for x in earlier)]) + 1
        edition = build(
            stored, region, number, approver.strip(), published_at, reason.strip(), bool(earlier)
        )
        final = parent / f"v{number}"
        staging = folders.staging_dir(final)
        staging.mkdir()
        files = render(edition, staging)
        for f in files:
            os.chmod(f, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # published: not edited
        folders.sync(staging)
        folders.reveal(staging, final)
        manifest = rollup_store.current(store)
        recorded = dict(manifest.get(EDITIONS, {}))
        recorded[f"{month:%Y-%m}"] = [
            *recorded.get(f"{month:%Y-%m}", []),
            {
                "number": number,
                "folder": str(final),
                "published_at": published_at.isoformat(),
                "approver": edition.approver,
                "reason": edition.reason,
                "ranking_version": stored.entry["version"],
                "manifest_sha256": sha256(final / "manifest.json"),
            },
        ]
        rollup_store.switch(
            store, {**manifest, "version": manifest["version"] + 1, EDITIONS: recorded}
        )
    return final
