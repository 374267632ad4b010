"""What each unit does in a month, as clean rows keyed by contract column.

Patterns the office would recognise: fewer activities in the farming seasons
(Apr–May, Sep–Oct), a Spring Festival peak of culture events, steady, weak,
improving and declining units, brand projects in their home towns, points
issued to engaged households and redeemed at the love supermarket.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from core.contract import PLATFORMS
from core.registry import Registry
from demo.integrity import Planter
from demo.world import Household, Unit, person_name

# Activity volume by calendar month: farming seasons low, Spring Festival high.
SEASON = {
    1: 1.15,
    2: 1.25,
    3: 1.05,
    4: 0.72,
    5: 0.75,
    6: 1.0,
    7: 1.0,
    8: 0.95,
    9: 0.72,
    10: 0.75,
    11: 1.0,
    12: 1.05,
}
ACTIVITY_NAMES = {
    "理论政策宣讲": ["党的创新理论宣讲", "政策进农家宣讲", "微宣讲", "惠民政策解读", "红色故事会"],
    "高质量发展": ["农技培训", "电商直播培训", "养殖技术指导", "就业技能培训", "产业项目观摩"],
    "教育科技": ["科普讲座", "四点半课堂", "青少年科技体验", "家庭教育讲座", "农家书屋读书会"],
    "卫生健康": ["义诊进村", "健康知识讲座", "慢病随访", "心理健康疏导", "健身指导"],
    "法律援助": ["法律咨询", "普法讲座", "矛盾纠纷调解", "反诈宣传", "民法典宣讲"],
    "文体旅游": ["广场舞展演", "村晚", "民族歌舞表演", "篮球友谊赛", "非遗展示"],
    "时代新风传播": ["移风易俗宣传", "文明家庭评选", "道德讲堂", "好人好事宣讲", "星级户评定"],
    "生态环境保护": ["人居环境整治", "植树造林", "河道清理", "垃圾分类宣传", "草原防火宣传"],
    "爱心公益奉献": ["关爱空巢老人", "慰问困难群众", "爱心义剪", "助残帮困", "关爱留守儿童"],
}
GOODS = [
    ("洗衣粉", 12),
    ("食用油", 45),
    ("大米", 40),
    ("毛巾", 10),
    ("牙膏", 8),
    ("酱油", 9),
    ("面粉", 35),
    ("保温杯", 30),
    ("香皂", 5),
    ("洗洁精", 10),
    ("卫生纸", 18),
    ("茶叶", 25),
]
REQUESTS = {
    "理论政策宣讲": "希望来村里讲讲惠民政策",
    "高质量发展": "需要牦牛养殖技术指导",
    "教育科技": "孩子假期需要课业辅导",
    "卫生健康": "老人需要上门体检",
    "法律援助": "土地纠纷需要法律咨询",
    "文体旅游": "村里想办一场文艺演出",
    "时代新风传播": "想请人讲讲移风易俗",
    "生态环境保护": "村道垃圾需要集中清理",
    "爱心公益奉献": "独居老人需要帮忙打扫",
}


def month_days(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def day_in(rng: np.random.Generator, month: date) -> date:
    return month.replace(day=int(rng.integers(1, month_days(month) + 1)))


@dataclass
class Context:
    """What every unit's month needs to know about the county."""

    reg: Registry
    months: list[date]
    brands_home: dict[str, list[str]]  # institute code (or county) -> brand names
    brand_platform: dict[str, str]
    themes: dict[int, tuple[str, str]]  # month -> (theme, platform)
    catalogue: pl.DataFrame
    orders_by_taker: dict[tuple[str, date], list[dict]]
    seed: int = 7
    planted: list[dict] = field(default_factory=list)  # integrity problems planted (demo audit)
    # (station, month) -> a faked-points kind planted there whatever the draws say
    forced: dict[tuple[str, date], str] = field(default_factory=dict)

    @classmethod
    def build(cls, reg: Registry, months: list[date], orders_by_taker, seed: int = 7) -> Context:
        home: dict[str, list[str]] = {}
        for name, code in zip(reg.brands["name"], reg.brands["home_code"], strict=True):
            home.setdefault(code, []).append(name)
        return cls(
            reg=reg,
            months=months,
            brands_home=home,
            brand_platform=dict(zip(reg.brands["name"], reg.brands["platform"], strict=True)),
            themes={
                m: (t, p) for m, t, p in reg.themes.select("month", "theme", "platform").iter_rows()
            },
            catalogue=reg.catalogue,
            orders_by_taker=orders_by_taker,
            seed=seed,
        )


def unit_level(unit: Unit, index: int) -> float:
    """How active a unit is in its index-th month, after its trend."""
    return float(np.clip(unit.level * (1 + unit.trend * index), 0.2, 2.0))


def platform_weights(month: date, ctx: Context, unit: Unit) -> np.ndarray:
    w = np.ones(len(PLATFORMS))
    w[PLATFORMS.index("理论政策宣讲")] = 2.0
    w[PLATFORMS.index("爱心公益奉献")] = 1.5
    if month.month in (1, 2):
        w[PLATFORMS.index("文体旅游")] *= 3.5
        w[PLATFORMS.index("时代新风传播")] *= 1.5
    if month.month in (4, 5, 9, 10):
        w[PLATFORMS.index("高质量发展")] *= 2.0
    w[PLATFORMS.index(ctx.themes[month.month][1])] *= 1.6
    if unit.platform:
        w[PLATFORMS.index(unit.platform)] *= 25
    return w / w.sum()


BASE_ACTIVITIES = {"station": 4.5, "institute": 9.0, "subcentre": 5.0, "county_team": 7.0}
BASE_PEOPLE = {"station": 35, "institute": 70, "subcentre": 90, "county_team": 60}


def activities(unit: Unit, month: date, index: int, ctx: Context) -> list[dict]:
    """The unit's activity ledger for the month, including orders it served."""
    rng = unit.rng
    level = unit_level(unit, index)
    n = int(rng.poisson(BASE_ACTIVITIES[unit.kind] * level * SEASON[month.month]))
    if unit.kind == "station" and n == 0 and rng.random() < 0.5:
        n = 1
    weights = platform_weights(month, ctx, unit)
    theme, _ = ctx.themes[month.month]
    home = ctx.brands_home.get(unit.town or "", [])
    county_wide = ctx.brands_home.get(ctx.reg.county_code, [])
    served = ctx.orders_by_taker.get((unit.code, month), [])
    rows = []
    platforms = list(rng.choice(PLATFORMS, size=n, p=weights))
    # The station standard: at least one 宣讲 a month; most stations manage it.
    if (
        unit.kind == "station"
        and n
        and "理论政策宣讲" not in platforms
        and rng.random() < level * 0.7
    ):
        platforms[0] = "理论政策宣讲"
    for o in served:
        platforms.append(o["platform"])
    for i, platform in enumerate(platforms):
        order = served[i - n] if i >= n else None
        day = order["completed_at"].date() if order else day_in(rng, month)
        brand = ""
        if home and rng.random() < 0.35:
            cand = [b for b in home if ctx.brand_platform[b] == platform] or home
            brand = str(rng.choice(cand))
            platform = ctx.brand_platform[brand]
        elif county_wide and rng.random() < 0.06:
            brand = str(rng.choice(county_wide))
            platform = ctx.brand_platform[brand]
        participants = int(max(3, rng.gamma(3.0, BASE_PEOPLE[unit.kind] * (0.6 + 0.4 * level) / 3)))
        volunteers = int(max(1, min(participants, rng.poisson(3 + participants * 0.12))))
        hours = round(volunteers * float(rng.uniform(1.0, 4.0)) * 2) / 2
        name = str(rng.choice(ACTIVITY_NAMES[platform]))
        if brand:
            name = f"{brand}·{name}"
        has_pos = rng.random() < 0.7
        rows.append(
            {
                "activity_id": f"HD{month:%Y%m}-{i + 1:03d}",
                "activity_date": day,
                "activity_name": name,
                "unit_code": unit.code,
                "platform": platform,
                "brand_project": brand,
                "theme": theme if rng.random() < 0.55 else "",
                "participants": participants,
                "volunteers": volunteers,
                "volunteer_hours": float(hours),
                "beneficiaries": int(participants * rng.uniform(0.4, 1.2)),
                "source": "群众点单" if order else "自主开展",
                "order_id": order["order_id"] if order else "",
                "longitude": round(unit.lon + float(rng.normal(0, 0.004)), 5) if has_pos else None,
                "latitude": round(unit.lat + float(rng.normal(0, 0.003)), 5) if has_pos else None,
            }
        )
    rows.sort(key=lambda r: (r["activity_date"], r["activity_id"]))
    return rows


def _catalogue_arrays(ctx: Context):
    cat = ctx.catalogue
    weights = np.array(
        [{"基础分": 10.0, "评议分": 2.5, "贡献分": 0.25, "扣分": 0.5}[c] for c in cat["category"]]
    )
    return cat.to_dicts(), weights / weights.sum()


def points_and_redemptions(
    unit: Unit, month: date, index: int, ctx: Context
) -> tuple[list[dict], list[dict]]:
    """The points ledger and redemptions of a station, updating household balances.

    Points are dated days 1–20 and redemptions days 21–28, so a redemption
    never comes before the points that pay for it.
    """
    rng = unit.rng
    items, weights = _catalogue_arrays(ctx)
    level = min(unit_level(unit, index), 1.4)
    if month.month == 1:
        for h in unit.people:
            h.earned_year = 0
    people = unit.people
    counts = rng.poisson(np.array([h.engagement for h in people]) * 0.95 * level)
    picks = iter(rng.choice(len(items), size=int(counts.sum()), p=weights))
    clear = rng.random(len(people)) < 0.0006
    spend_draw = rng.random(len(people))
    points: list[dict] = []
    redemptions: list[dict] = []
    planter = Planter(unit.code, month, ctx.seed, items, ctx.forced.get((unit.code, month)))
    seq = rseq = 0
    for h, n, cleared, u in zip(people, counts, clear, spend_draw, strict=True):
        if h.barred_year == month.year:
            continue
        mine: list[dict] = []
        for _ in range(int(n)):
            item = items[next(picks)]
            lo, hi = item["min_points"], item["max_points"]
            if item["season_months"] and str(month.month) in item["season_months"].split(","):
                lo, hi = item["season_min"], item["season_max"]
            if hi - lo > 50:  # big awards are mostly near their floor
                value = int(lo + (hi - lo) * rng.beta(1, 12))
            else:
                value = int(rng.integers(lo, hi + 1))
            status = "核发" if rng.random() < 0.94 else str(rng.choice(["驳回", "公示"]))
            seq += 1
            mine.append(
                _points_row(unit, h, month, rng, seq, item["category"], item["item"], value, status)
            )
        if planter.pending:

            def new_row(category, item, value, h=h):
                nonlocal seq
                seq += 1
                return _points_row(unit, h, month, rng, seq, category, item, value, "核发")

            planter.apply(mine, new_row)
        # Entries apply in date order: a deduction floors the balance at zero when it lands.
        for r in sorted(mine, key=lambda r: (r["entry_date"], r["entry_id"])):
            if r["status"] == "核发":
                h.balance = max(0, h.balance + r["points"])
                h.earned_year += max(0, r["points"])
        points += mine
        # A serious violation: the household's points are cleared and it is barred this year.
        if cleared:
            seq += 1
            points.append(_points_row(unit, h, month, rng, seq, "清零", "严重违规清零", 0, "核发"))
            h.balance = 0
            h.barred_year = month.year
            continue
        if h.balance >= 10 and u < h.thrift:
            budget = int(h.balance * rng.uniform(0.6, 1.0))
            affordable = [g for g in GOODS if g[1] <= budget]
            if not affordable:
                continue
            goods, price = affordable[int(rng.integers(0, len(affordable)))]
            spend = (budget // price) * price
            rseq += 1
            redemptions.append(
                _redemption_row(unit, h, month, rng, rseq, spend, goods, spend // price)
            )
            h.balance -= spend
    points.sort(key=lambda r: (r["entry_date"], r["entry_id"]))
    redemptions.sort(key=lambda r: (r["redeemed_date"], r["entry_id"]))
    ctx.planted += [{**p, "unit_code": unit.code} for p in planter.finish()]
    return points, redemptions


def _points_row(unit, h: Household, month, rng, seq, category, item, value, status) -> dict:
    entry_date = month.replace(day=int(rng.integers(1, 21)))
    return {
        "entry_id": f"JF{month:%Y%m}{seq:04d}",
        "entry_date": entry_date,
        "unit_code": unit.code,
        "household_id": h.household_id,
        "head_name": h.head_name,
        "id_number": h.id_number if rng.random() < 0.6 else "",
        "phone": h.phone if rng.random() < 0.5 else "",
        "category": category,
        "item": item,
        "points": value,
        "status": status,
        # entries on the village board for public notice (公示) before they are issued
        "publicized_date": (
            entry_date + timedelta(days=int(rng.integers(1, 6)))
            if status in ("公示", "核发")
            else None
        ),
    }


def _redemption_row(unit, h: Household, month, rng, seq, spend, goods, qty) -> dict:
    return {
        "entry_id": f"DH{month:%Y%m}{seq:04d}",
        "redeemed_date": month.replace(day=int(rng.integers(21, 29))),
        "unit_code": unit.code,
        "household_id": h.household_id,
        "points": int(spend),
        "goods": f"{goods}×{qty}",
        "goods_yuan": float(spend),
        "shop": f"{unit.name.removesuffix('新时代文明实践站')}爱心超市",
    }


def households_sheet(unit: Unit, month: date) -> list[dict]:
    """The household list with star ratings (sent when stars are rated)."""
    rng = unit.rng
    rows = []
    rated = month.replace(day=min(20, month_days(month)))
    for h in unit.people:
        h.stars = int(np.clip(h.stars + rng.choice([-1, 0, 0, 0, 1]), 0, 10))
        rows.append(
            {
                "household_id": h.household_id,
                "unit_code": unit.code,
                "head_name": h.head_name,
                "members": h.members,
                "group_name": h.group_name,
                "stars": h.stars,
                "required_stars_met": h.required_met,
                "rated_date": rated,
            }
        )
    return rows


def matters(unit: Unit, month: date, index: int) -> list[dict]:
    """Residents' matters (民事直说) accepted in the month."""
    rng = unit.rng
    rows = []
    levels = ["网格员直办", "议事会领办", "村镇联办", "镇党委督办"]
    for i in range(int(rng.poisson(2.2))):
        accepted = day_in(rng, month)
        level = str(rng.choice(levels, p=[0.55, 0.25, 0.14, 0.06]))
        days = int(rng.gamma(1.5, [2, 5, 9, 15][levels.index(level)]))
        resolved = accepted + timedelta(days=days)
        done = resolved <= month.replace(day=month_days(month)) + timedelta(days=5)
        sat = str(rng.choice(["满意", "基本满意", "不满意"], p=[0.72, 0.22, 0.06])) if done else ""
        rows.append(
            {
                "matter_id": f"MS{month:%Y%m}{i + 1:03d}",
                "accepted_date": accepted,
                "unit_code": unit.code,
                "category": str(rng.choice(["村里事", "邻里事", "家里事"], p=[0.45, 0.35, 0.2])),
                "level": level,
                "resolved_date": resolved if done else None,
                "satisfaction": sat,
            }
        )
    return rows


def standards(unit: Unit, month: date, index: int) -> list[dict]:
    """The monthly 八有 self-check."""
    rng = unit.rng
    level = unit_level(unit, index)
    keys = ["venue", "position", "team", "rules", "plan", "project", "funds", "results"]
    base = [0.99, 0.97, 0.95, 0.93, 0.9, 0.8, 0.65, 0.75]
    row = {"unit_code": unit.code, "month": month}
    met = 0
    for k, b in zip(keys, base, strict=True):
        ok = bool(rng.random() < min(0.995, b * (0.75 + 0.25 * level)))
        row[f"has_{k}"] = ok
        met += ok
    row["station_stars"] = "五星" if met == 8 else "四星" if met >= 6 else "三星"
    return [row]


def orders(reg: Registry, months: list[date], seed: int, scale: int) -> tuple[dict, list[dict]]:
    """The county's service orders: 点单 → 派单 → 接单 → 完成 → 评单.

    Returns the orders by month (as the centre's ledger) and, for each taker
    and month, the orders it completed (these appear in its activity ledger).
    """
    from demo.world import code_seed

    rng = code_seed(seed, reg.county_code, "orders")
    stations = reg.of_kind("station")
    st_codes = stations["code"].to_list()
    st_town = dict(zip(stations["code"], stations["parent_code"], strict=True))
    team_of = dict(zip(reg.county_teams()["platform"], reg.county_teams()["code"], strict=True))
    by_month: dict[date, list[dict]] = {}
    by_taker: dict[tuple[str, date], list[dict]] = {}
    for i, month in enumerate(months):
        n = int(rng.poisson((90 + 3 * i) * SEASON[month.month] * scale**0.5))
        rows = []
        end = datetime(month.year, month.month, month_days(month), 23, 59)
        for k in range(n):
            platform = str(rng.choice(PLATFORMS))
            village = str(rng.choice(st_codes))
            at = datetime(month.year, month.month, 1, 8) + timedelta(
                minutes=int(rng.integers(0, (month_days(month) - 1) * 1440 + 600))
            )
            r = rng.random()
            taker = team_of[platform] if r < 0.5 else st_town[village] if r < 0.85 else village
            row = {
                "order_id": f"DD{month:%Y%m}{k + 1:04d}",
                "ordered_at": at,
                "village_code": village,
                "platform": platform,
                "request": REQUESTS[platform],
                "dispatched_at": None,
                "taker_code": "",
                "accepted_at": None,
                "completed_at": None,
                "rating": None,
                "status": "待派单",
            }
            if rng.random() < 0.06:
                row["status"] = "已取消"
                rows.append(row)
                continue
            dispatched = at + timedelta(hours=float(rng.lognormal(1.8, 0.9)))
            accepted = dispatched + timedelta(hours=float(rng.lognormal(1.5, 0.8)))
            completed = accepted + timedelta(hours=float(rng.lognormal(3.6, 0.7)))
            if dispatched > end:
                rows.append(row)
                continue
            row.update(dispatched_at=dispatched, taker_code=taker, status="已派单")
            if accepted <= end:
                row.update(accepted_at=accepted, status="已接单")
                if completed <= end:
                    row.update(completed_at=completed, status="已完成")
                    if rng.random() < 0.75:
                        row.update(
                            rating=int(
                                rng.choice([5, 4, 3, 2, 1], p=[0.62, 0.26, 0.08, 0.03, 0.01])
                            ),
                            status="已评价",
                        )
                    by_taker.setdefault((taker, month), []).append(row)
            rows.append(row)
        by_month[month] = rows
    return by_month, by_taker


@dataclass
class Volunteer:
    volunteer_id: str
    team: str
    name: str
    gender: str
    birth_year: int
    registered: date
    id_number: str
    phone: str
    active: bool = True


def roster_rows(vs: list[Volunteer]) -> list[dict]:
    return [
        {
            "volunteer_id": v.volunteer_id,
            "unit_code": v.team,
            "name": v.name,
            "gender": v.gender,
            "birth_year": v.birth_year,
            "registered_date": v.registered,
            "status": "在册" if v.active else "注销",
            "id_number": v.id_number,
            "phone": v.phone,
        }
        for v in vs
    ]


def initial_volunteers(team: str, n: int, rng: np.random.Generator, first: date) -> list[Volunteer]:
    from demo.world import id_number, phone_number

    out = []
    for i in range(n):
        year = int(rng.integers(1958, 2006))
        born = date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        reg_day = first - timedelta(days=int(rng.integers(30, 6 * 365)))
        out.append(
            Volunteer(
                f"ZYZ{i + 1:05d}",
                team,
                person_name(rng),
                str(rng.choice(["男", "女"])),
                year,
                reg_day,
                id_number(rng, team[:6], born),
                phone_number(rng),
            )
        )
    return out


def roster_month(
    vs: list[Volunteer], team: str, month: date, index: int, rng: np.random.Generator, growth: float
) -> list[Volunteer]:
    """Changes to a team's roster this month: new registrations and cancellations."""
    from demo.world import id_number, phone_number

    changed = []
    active = [v for v in vs if v.active]
    for v in active:
        if rng.random() < 0.003:
            v.active = False
            changed.append(v)
    for _ in range(int(rng.poisson(growth))):
        year = int(rng.integers(1965, 2008))
        born = date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        v = Volunteer(
            f"ZYZ{len(vs) + 1:05d}",
            team,
            person_name(rng),
            str(rng.choice(["男", "女"])),
            year,
            day_in(rng, month),
            id_number(rng, team[:6], born),
            phone_number(rng),
        )
        vs.append(v)
        changed.append(v)
    return changed
