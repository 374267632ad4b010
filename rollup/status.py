"""Where a city's or province's month stands (civic rollup status): which counties sent
their package, which did not, whether the ranking is computed and still current, which
editions are out. Read from the store's manifest and registry only (pure once read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rollup import rank, registry
from rollup import store as rollup_store
from rollup.edition import EDITIONS


@dataclass(frozen=True)
class CountyLine:
    code: str
    name: str
    city_name: str
    made_at: str  # '' = no package
    received_at: str
    replaced: str  # when the package it replaced was made ('' = none)


@dataclass(frozen=True)
class MonthLine:
    month: str  # YYYY-MM
    received: int
    registered: int
    missing: tuple[str, ...]  # names of registered counties without a package
    ranked_at: str  # '' = not ranked
    ranking_current: bool
    editions: tuple[str, ...]  # "第1版 2026-11-30"
    counties: tuple[CountyLine, ...]


def _minute(stamp: str | None) -> str:
    return (stamp or "").replace("T", " ")[:16]


def months(store: Path) -> tuple[registry.Region | None, list[MonthLine]]:
    """Every month some package or ranking covers, newest first."""
    manifest = rollup_store.current(store)
    region = registry.load(store)
    packages = manifest["packages"].values()
    rankings = manifest.get(rank.RANKINGS, {})
    periods = sorted({e["month"] for e in packages} | set(rankings), reverse=True)
    counties = list(region.counties) if region else []
    known = {c.code for c in counties}
    out = []
    for period in periods:
        sent = {e["county_code"]: e for e in packages if e["month"] == period}
        lines = [
            CountyLine(c.code, c.name, c.city_name, _minute(sent[c.code]["made_at"])
                       if c.code in sent else "", _minute(sent.get(c.code, {}).get("received_at")),
                       _minute(sent.get(c.code, {}).get("replaces")))
            for c in counties
        ] + [
            CountyLine(code, e["county_name"], "", _minute(e["made_at"]),
                       _minute(e["received_at"]), _minute(e.get("replaces")))
            for code, e in sorted(sent.items()) if code not in known
        ]  # fmt: skip
        entry = rankings.get(period)
        first_day = date.fromisoformat(f"{period}-01")
        current = bool(entry) and entry["snapshot"] == rank.snapshot(manifest, first_day, region)
        out.append(
            MonthLine(
                period,
                sum(1 for c in counties if c.code in sent),
                len(counties),
                tuple(c.name for c in counties if c.code not in sent),
                _minute(entry["computed_at"]) if entry else "",
                current,
                tuple(
                    f"第{e['number']}版 {e['published_at'][:10]}"
                    for e in manifest.get(EDITIONS, {}).get(period, [])
                ),
                tuple(lines),
            )
        )
    return region, out
