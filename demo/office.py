"""What the demo county's office decides on a month's flags before publishing it.

The office reviews every flag (publishing is refused while one is open). The
demo knows what it planted, so it decides as an office that checked the
evidence would: faked points it planted are penalised with the methodology's
item for falsified data; other points flags are found in order; values the
screen capped (数据存疑) keep their cap, since no evidence was offered. The
decisions are ordinary ones, recorded and audited like any other.
"""

from __future__ import annotations

from index.review import Flag
from index.run import Decision

PENALTY_ITEM = "报送数据弄虚作假"
PENALTY_POINTS = 2.0


def decisions(flags: list[Flag], planted: list[dict]) -> list[Decision]:
    """One decision per open flag; planted: the generation manifest's integrity list."""
    faked = {(p["unit_code"], str(p["month"])[:7]) for p in planted}
    out = []
    for f in flags:
        if not f.is_open:
            continue
        if f.kind == "outlier":
            why = "示例审核：未提供活动佐证材料，维持封顶"
            out.append(Decision(f.kind, f.ref, f.unit_code, "cap", why))
        elif any(unit == f.unit_code for unit, _ in faked):
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
