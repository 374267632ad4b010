"""The simulated county behind the demo exports: who the units are, how they behave.

Everything is drawn from random generators seeded by (seed, unit code), so a
unit's story does not depend on the order units are processed in, and the
same seed always tells the same story.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from core.registry import Registry
from demo.files import DATE_STYLES, HEADER_STYLES, Style

SURNAMES = list("王李张刘陈杨赵马何魏汪孙朱鲁祁安丁罗郭韩周吴胡高石冯谢")
GIVEN = list("建国华明军平丽英玉兰春梅红霞芳秀文海军强伟永福德顺花莲琴燕涛斌")
TIBETAN = [
    "才让",
    "卓玛",
    "扎西",
    "拉毛",
    "多杰",
    "央金",
    "尼玛",
    "索南",
    "东珠",
    "草",
    "措",
    "吉",
    "加",
    "旦增",
    "桑杰",
    "仁青",
    "更登",
    "德吉",
    "周毛",
    "完玛",
]

PROFILES = {
    # name: (share, activity level, monthly trend, on-time probability, missing probability)
    "strong": (0.15, 1.35, 0.000, 0.97, 0.003),
    "steady": (0.45, 1.00, 0.000, 0.92, 0.010),
    "improving": (0.15, 0.65, 0.030, 0.85, 0.020),
    "declining": (0.10, 1.15, -0.020, 0.85, 0.020),
    "weak": (0.15, 0.55, 0.000, 0.70, 0.060),
}


def code_seed(seed: int, code: str, salt: str = "") -> np.random.Generator:
    """A generator for one unit, independent of every other unit's."""
    return np.random.default_rng([seed, zlib.crc32(f"{code}|{salt}".encode())])


def person_name(rng: np.random.Generator) -> str:
    if rng.random() < 0.3:
        return str(rng.choice(TIBETAN)) + str(rng.choice(TIBETAN))
    given = "".join(rng.choice(GIVEN, size=int(rng.integers(1, 3))))
    return str(rng.choice(SURNAMES)) + given


def id_number(rng: np.random.Generator, region: str, born: date) -> str:
    """A syntactically valid 18-digit resident ID (GB 11643 check digit); fake by construction."""
    body = f"{region[:6]}{born:%Y%m%d}{int(rng.integers(0, 1000)):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(a) * w for a, w in zip(body, weights, strict=True)) % 11]
    return body + check


def phone_number(rng: np.random.Generator) -> str:
    return str(rng.choice(["138", "139", "151", "158", "177", "187", "199"])) + (
        f"{int(rng.integers(0, 10**8)):08d}"
    )


@dataclass
class Household:
    household_id: str
    head_name: str
    id_number: str
    phone: str
    members: int
    group_name: str
    engagement: float  # chance of earning points in a month
    thrift: float  # chance of redeeming in a month when it has points
    stars: int
    required_met: bool
    balance: int = 0
    earned_year: int = 0
    barred_year: int | None = None  # year of a 清零: earns nothing more that year


@dataclass
class Unit:
    code: str
    name: str
    kind: str  # station | institute | subcentre | county_team | county
    parent: str
    town: str | None
    lon: float
    lat: float
    households: int
    profile: str
    level: float
    trend: float
    on_time: float
    missing: float
    style: Style
    platform: str | None = None
    rng: np.random.Generator = field(repr=False, default=None)  # type: ignore[assignment]
    people: list[Household] = field(default_factory=list, repr=False)


def draw_style(rng: np.random.Generator, kind: str) -> Style:
    """How an office writes files; stations vary most, county offices least."""
    fmt = str(rng.choice(["xlsx", "xls", "csv"], p=[0.45, 0.15, 0.40]))
    encoding = str(rng.choice(["utf-8", "utf-8-sig", "gbk"], p=[0.3, 0.3, 0.4]))
    date_styles = list(DATE_STYLES) if fmt != "csv" else [d for d in DATE_STYLES if d != "cell"]
    if fmt != "csv":
        date_style = str(rng.choice(date_styles, p=[0.45, 0.15, 0.15, 0.1, 0.1, 0.05]))
    else:
        date_style = str(rng.choice(date_styles, p=[0.05, 0.45, 0.25, 0.15, 0.10]))
    return Style(
        fmt=fmt,
        encoding=encoding,
        date_style=date_style,
        header_style=str(rng.choice(HEADER_STYLES, p=[0.55, 0.2, 0.15, 0.1])),
        title_row=bool(rng.random() < 0.6),
        blank_after_header=bool(rng.random() < 0.1),
        total_row=bool(rng.random() < 0.35),
        notes_row=bool(rng.random() < 0.2),
        numbers_as_text=bool(rng.random() < 0.2),
        fullwidth_digits=bool(rng.random() < 0.04),
        thousands=bool(rng.random() < 0.3),
        sheet_naming=str(rng.choice(["title", "synonym", "generic"], p=[0.7, 0.2, 0.1])),
    )


def draw_profile(rng: np.random.Generator) -> tuple[str, float, float, float, float]:
    names = list(PROFILES)
    name = str(rng.choice(names, p=[PROFILES[n][0] for n in names]))
    _, level, trend, on_time, missing = PROFILES[name]
    return name, level * float(rng.uniform(0.85, 1.15)), trend, on_time, missing


def build_units(reg: Registry, seed: int) -> list[Unit]:
    """Every unit that sends exports, with its behaviour drawn from its own generator."""
    out: list[Unit] = []
    town_of = dict(zip(reg.units["code"], reg.units["parent_code"], strict=True))
    rows = reg.units.filter(pl.col("kind") != "county").sort("code").iter_rows(named=True)
    for r in rows:
        rng = code_seed(seed, r["code"], "unit")
        profile, level, trend, on_time, missing = draw_profile(rng)
        kind = r["kind"]
        town = (
            r["code"] if kind == "institute" else town_of[r["code"]] if kind == "station" else None
        )
        out.append(
            Unit(
                r["code"],
                r["name"],
                kind,
                r["parent_code"],
                town,
                r["longitude"],
                r["latitude"],
                r["households"],
                profile,
                level,
                trend,
                on_time,
                missing,
                draw_style(rng, kind),
                rng=rng,
            )
        )
    county = reg.units.filter(pl.col("kind") == "county").row(0, named=True)
    for r in reg.county_teams().iter_rows(named=True):
        rng = code_seed(seed, r["code"], "unit")
        profile, level, trend, on_time, missing = draw_profile(rng)
        out.append(
            Unit(
                r["code"],
                r["name"],
                "county_team",
                r["parent_code"],
                None,
                county["longitude"],
                county["latitude"],
                0,
                profile,
                level,
                trend,
                on_time,
                missing,
                draw_style(rng, "county_team"),
                platform=r["platform"],
                rng=rng,
            )
        )
    rng = code_seed(seed, county["code"], "unit")
    out.append(
        Unit(
            county["code"],
            county["name"],
            "county",
            "",
            None,
            county["longitude"],
            county["latitude"],
            county["households"],
            "strong",
            1.0,
            0.0,
            1.0,
            0.0,
            Style(fmt="xlsx", date_style="cell", title_row=True),
            rng=rng,
        )
    )
    return out


def build_households(unit: Unit, seed: int) -> list[Household]:
    """The station's households with stable ids, heads and habits."""
    rng = code_seed(seed, unit.code, "households")
    groups = max(2, unit.households // 45)
    people = []
    civic_mean = 0.35 * min(1.6, unit.level)
    for i in range(unit.households):
        born = date(
            int(rng.integers(1945, 1996)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
        )
        engagement = float(np.clip(rng.beta(2, 3) * civic_mean / 0.4, 0.02, 0.95))
        stars = int(np.clip(round(rng.normal(4 + 6 * engagement, 1.5)), 0, 10))
        people.append(
            Household(
                household_id=f"H{i + 1:04d}",
                head_name=person_name(rng),
                id_number=id_number(rng, unit.code, born),
                phone=phone_number(rng),
                members=int(rng.integers(1, 7)),
                group_name=f"{int(rng.integers(1, groups + 1))}组",
                engagement=engagement,
                thrift=float(rng.uniform(0.07, 0.25)),
                stars=stars,
                required_met=bool(rng.random() < 0.80 + 0.15 * engagement),
            )
        )
    return people
