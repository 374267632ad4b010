"""The counties a city or province store expects packages from: its registry.

Staff keep the list as a CSV (code, name, city_code, city_name; other columns are
ignored), the way the county keeps data/registry/; `civic rollup counties FILE` checks
it and stores it in the store as registry.json (one rename, like CURRENT.json). The
ranking lists every registered county: one that sent no package for the month is
未报送. A store with a registry refuses packages of counties not on it.

    code       six digits, the county's administrative code, unique
    name       the county's name as printed
    city_code  four digits: the first four of the county's code
    city_name  the city's name, the same for every county of a city
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

REGISTRY = "registry.json"
COLUMNS = ("code", "name", "city_code", "city_name")
LEVELS = {"city": "市", "province": "省"}


class RegistryError(ValueError):
    """The list of counties does not read; every problem, located."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


@dataclass(frozen=True)
class County:
    code: str
    name: str
    city_code: str
    city_name: str


@dataclass(frozen=True)
class Region:
    """The city or province above the counties: its name, level and counties."""

    name: str
    level: str  # "city" (one city's counties) or "province"
    counties: tuple[County, ...]

    @property
    def codes(self) -> set[str]:
        return {c.code for c in self.counties}


def read_csv(path: Path) -> list[County]:
    """The counties of a CSV (UTF-8, with or without BOM, or GBK), every problem located."""
    path = Path(path)
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RegistryError([f"{path.name}：无法读取（既不是 UTF-8 也不是 GBK 编码）"])
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise RegistryError([f"{path.name}：文件是空的"])
    header = [h.strip() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RegistryError([f"{path.name} 第 1 行：缺少列 {'、'.join(missing)}"])
    at = {c: header.index(c) for c in COLUMNS}
    problems: list[str] = []
    counties: list[County] = []
    seen: dict[str, int] = {}
    city_names: dict[str, tuple[str, int]] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
        where = f"{path.name} 第 {n} 行"
        bad = False
        if not re.fullmatch(r"\d{6}", cells["code"]):
            problems.append(f"{where} code 列：县代码应为 6 位数字，而不是 {cells['code']!r}")
            bad = True
        elif cells["code"] in seen:
            problems.append(
                f"{where} code 列：县代码 {cells['code']} 与第 {seen[cells['code']]} 行重复"
            )
            bad = True
        for column in ("name", "city_name"):
            if not cells[column]:
                problems.append(f"{where} {column} 列：不能为空")
                bad = True
        if not re.fullmatch(r"\d{4}", cells["city_code"]):
            problems.append(
                f"{where} city_code 列：市代码应为 4 位数字，而不是 {cells['city_code']!r}"
            )
            bad = True
        elif not cells["code"].startswith(cells["city_code"]):
            problems.append(
                f"{where} city_code 列：县代码 {cells['code']} 不在市 {cells['city_code']} 之下"
            )
            bad = True
        elif (
            cells["city_code"] in city_names
            and city_names[cells["city_code"]][0] != cells["city_name"]
        ):
            first, line = city_names[cells["city_code"]]
            problems.append(
                f"{where} city_name 列：市 {cells['city_code']} 在第 {line} 行名为"
                f"“{first}”，此处为“{cells['city_name']}”"
            )
            bad = True
        if bad:
            continue
        seen[cells["code"]] = n
        city_names.setdefault(cells["city_code"], (cells["city_name"], n))
        counties.append(County(**cells))
    if not counties and not problems:
        problems.append(f"{path.name}：没有任何县")
    if problems:
        raise RegistryError(problems)
    return counties


def region_of(counties: list[County], name: str | None = None) -> Region:
    """A city when the counties share one city (named after it unless `name`), else a
    province, which needs its `name`."""
    cities = {c.city_code: c.city_name for c in counties}
    level = "city" if len(cities) == 1 else "province"
    if not name:
        if level == "province":
            raise RegistryError(["县名单跨多个市：请用 --name 写明省名（例如 “某某省”）"])
        name = next(iter(cities.values()))
    return Region(name, level, tuple(sorted(counties, key=lambda c: c.code)))


def write(store: Path, region: Region) -> Path:
    """Store the registry in the store (one rename: readers see the old or the new),
    under the store's writer lock (no ranking or edition is half-way meanwhile)."""
    from core.store import writer_lock

    store.mkdir(parents=True, exist_ok=True)
    with writer_lock(store):
        tmp = store / f"{REGISTRY}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(_doc(region), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, store / REGISTRY)
    return store / REGISTRY


def _doc(region: Region) -> dict:
    return {
        "name": region.name,
        "level": region.level,
        "counties": [asdict(c) for c in region.counties],
    }


def digest(region: Region | None) -> str:
    """A fingerprint of the list (name, level, every county): a ranking made with another
    list is out of date."""
    import hashlib

    text = json.dumps(_doc(region) if region else None, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def load(store: Path) -> Region | None:
    """The store's registry, or None when none has been stored."""
    try:
        doc = json.loads((Path(store) / REGISTRY).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Region(doc["name"], doc["level"], tuple(County(**c) for c in doc["counties"]))
