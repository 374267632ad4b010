"""What the demo county's office decides on a month's flags before publishing it.

The office reviews every flag (publishing is refused while one is open). The
demo knows what it planted (the generation manifest's `integrity` and
`outliers`), so it decides as an office that checked the evidence would:
faked points it planted are penalised with the methodology's item for
falsified data; other points flags are found in order; values the screen
capped (数据存疑) keep their cap: a padded activity report because the office
found it padded, any other because no evidence was offered. The decisions
are ordinary ones, recorded and audited like any other.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from core.store import reading
from index import review, run
from index.review import Flag
from index.run import Decision

PENALTY_ITEM = "报送数据弄虚作假"
PENALTY_POINTS = 2.0


def decisions(flags: list[Flag], faked: list[dict], padded: list[dict] = ()) -> list[Decision]:
    """One decision per open flag of a month.

    faked, padded: the month's entries of the generation manifest's
    `integrity` and `outliers` lists.
    """
    faked_units = {p["unit_code"] for p in faked}
    padded_units = {p["unit_code"] for p in padded}
    out = []
    for f in flags:
        if not f.is_open:
            continue
        if f.kind == "outlier":
            why = (
                "示例审核：核实为虚报活动台账，维持封顶"
                if f.unit_code in padded_units
                else "示例审核：未提供活动佐证材料，维持封顶"
            )
            out.append(Decision(f.kind, f.ref, f.unit_code, "cap", why))
        elif f.unit_code in faked_units:
            out.append(
                Decision(
                    f.kind,
                    f.ref,
                    f.unit_code,
                    "penalise",
                    "示例审核：核实为虚报积分，按考评办法扣分",
                    PENALTY_ITEM,
                    PENALTY_POINTS,
                )  # fmt: skip
            )
        else:
            out.append(Decision(f.kind, f.ref, f.unit_code, "accept", "示例审核：经核实台账属实"))
    return out


def planted_found(flags: list[Flag], faked: list[dict], padded: list[dict]) -> list[str]:
    """One line per planted unit of the month: the flags it raised, or that it raised none."""
    lines = []
    for what, kind, planted in (("虚报活动", "outlier", padded), ("虚报积分", "points", faked)):
        for unit in sorted({p["unit_code"] for p in planted}):
            mine = [f for f in flags if f.kind == kind and f.unit_code == unit]
            if not mine:
                lines.append(f"预置{what} {unit}：未被识别")
                continue
            named = "、".join(dict.fromkeys(f.label for f in mine))
            lines.append(f"预置{what} {unit} {mine[0].unit_name}：{len(mine)}条（{named}）")
    return lines


def review_month(store: Path, month: date, manifest: dict) -> tuple[list[Decision], list[Flag]]:
    """Decide every open flag of `month` in the store (one new version); (decisions, flags)."""
    with reading(store) as con:
        flags = review.open_flags(con, month)
    made = decisions(flags, *planted(manifest, month))
    if made:
        run.decide_flags(store, month, made, author="示例审核人")
    return made, flags


def planted(manifest: dict, month: date) -> tuple[list[dict], list[dict]]:
    """The month's entries of the manifest's `integrity` (faked points) and `outliers` lists."""
    faked, padded = (
        [p for p in manifest.get(key, []) if str(p["month"])[:7] == f"{month:%Y-%m}"]
        for key in ("integrity", "outliers")
    )
    return faked, padded


def read_manifest(inbox: Path) -> dict:
    return json.loads((inbox / "_generation.json").read_text(encoding="utf-8"))
