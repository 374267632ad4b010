"""The office's review of flags before a month is published (数据存疑 and 积分疑点).

Two kinds of flag hold a month back:
- outlier: a value the screen capped (index_flag, in the month's current run).
  The office accepts it (the value as sent is used, with a reason) or
  confirms the cap;
- points: a points-integrity flag (mart_points_flag) on points the ledger
  counted. The office accepts it (checked and found in order) or penalises
  it with a methodology item (an adjustment, e.g. 报送数据弄虚作假).
  Overdrawn redemptions are not among them: the ledger rejected those rows,
  so nothing suspect is counted, and they are listed with the quarantine.
Every decision has a reason and an author, is written to the audit log and is
never deleted: a later decision on the same flag supersedes it (the earlier
one is voided, and stays on record). A month with open flags cannot be
reviewed or published (publish.workflow asks `open_flags`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.audit import audit
from core.store import has_table
from index import adjustments
from index.methodology import Methodology
from index.results import create_tables

DECISIONS = {
    "outlier": {"accept": "接受原值", "cap": "维持封顶"},
    "points": {"accept": "核实无误", "penalise": "扣分处理"},
}
KIND_LABELS = {"outlier": "数据存疑", "points": "积分疑点"}
# the mart_points_flag rule on rows the ledger rejected (nothing suspect is counted)
REJECTED_RULE = "overdrawn"


class ReviewError(ValueError):
    """A decision that cannot be recorded; the message says why, in Chinese."""


@dataclass(frozen=True)
class Flag:
    kind: str  # outlier | points
    ref: str  # indicator key, or the points flag's id
    unit_code: str
    unit_name: str
    label: str  # what is suspect, in Chinese
    detail: str  # the numbers, in Chinese
    decision: str | None  # None = open
    reason: str | None
    author: str | None

    @property
    def is_open(self) -> bool:
        return self.decision is None


def _number(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}".rstrip("0").rstrip(".")


def flags(con, month: date) -> list[Flag]:
    """Every flag of the month, open ones first, with the decision in force (reads only)."""
    decided = (
        {}
        if not has_table(con, "index_flag_review")
        else {
            (k, ref, unit): (d, reason, author)
            for k, ref, unit, d, reason, author in con.sql(
                """
            select flag_kind, flag_ref, unit_code, decision, reason, author
            from index_flag_review where month = $m and voided_at is null
            """,
                params={"m": month},
            ).fetchall()
        }
    )
    out: list[Flag] = []
    if not has_table(con, "index_flag"):
        return out
    for unit, name, key, ind_name, unit_label, raw, cap, peer, hist in con.sql(
        """
        select f.unit_code, s.unit_name, f.indicator_key, f.indicator_name, f.unit,
               f.raw_value, f.cap_value, f.peer_median, f.history_median
        from index_flag f
        join index_run r using (run_id)
        join index_score s using (run_id, group_key, unit_code)
        where r.is_current and r.month = $m
        order by f.group_key, f.unit_code, f.indicator_key
        """,
        params={"m": month},
    ).fetchall():
        d = decided.get(("outlier", key, unit), (None, None, None))
        u = unit_label or ""
        detail = (
            f"报送值 {_number(raw)}{u}，同类单位中位数 {_number(peer)}{u}，"
            f"本单位前期中位数 {_number(hist)}{u if hist is not None else ''}；"
            f"封顶值 {_number(cap)}{u}"
        )
        out.append(Flag("outlier", key, unit, name, f"{ind_name}异常偏高", detail, *d))
    if has_table(con, "mart_points_flag"):
        for flag_id, unit, name, label, rows, pts, detail in con.sql(
            """
            select f.flag_id, f.unit_code, coalesce(u.name, f.unit_code), f.rule_label,
                   f.evidence_rows, f.points, f.detail
            from mart_points_flag f
            left join ref_unit_all u on u.code = f.unit_code
            where f.month = $m and f.rule <> $rejected
            order by f.unit_code, f.flag_id
            """,
            params={"m": month, "rejected": REJECTED_RULE},
        ).fetchall():
            d = decided.get(("points", flag_id, unit), (None, None, None))
            text = f"{detail}（依据台账 {rows} 行，合计 {_number(pts)} 分）"
            out.append(Flag("points", flag_id, unit, name, label, text, *d))
    return sorted(out, key=lambda f: (not f.is_open, f.kind, f.unit_code, f.ref))


def open_flags(con, month: date) -> list[Flag]:
    return [f for f in flags(con, month) if f.is_open]


def decide(
    con,
    meth: Methodology,
    month: date,
    kind: str,
    ref: str,
    unit_code: str,
    decision: str,
    reason: str,
    author: str,
    penalty_item: str = "",
    penalty_points: float = 0.0,
) -> int:
    """Record a decision on a flag (superseding an earlier one); returns its id.

    "penalise" also records the adjustment (penalty_item, penalty_points)
    through index.adjustments, which checks it against the methodology.
    The caller ranks the month again (the value used or the adjustment
    changes the score).
    """
    create_tables(con)
    if kind not in DECISIONS:
        raise ReviewError(f"未知的疑点类别：{kind}")
    if decision not in DECISIONS[kind]:
        allowed = "、".join(DECISIONS[kind].values())
        raise ReviewError(f"{KIND_LABELS[kind]}只能{allowed}")
    if not reason.strip():
        raise ReviewError("请填写核查结论的理由")
    if not author.strip():
        raise ReviewError("请填写经办人")
    known = {(f.kind, f.ref, f.unit_code) for f in flags(con, month)}
    if (kind, ref, unit_code) not in known:
        raise ReviewError(f"{month:%Y-%m} 没有这条{KIND_LABELS[kind]}（{unit_code} {ref}）")
    if decision == "penalise":
        adjustments.add(con, meth, month, unit_code, penalty_item, penalty_points, reason, author)
    now = datetime.now().replace(microsecond=0)
    con.execute(
        """
        update index_flag_review
        set voided_at = $now, voided_by = $by, void_reason = '被新的核查结论取代'
        where month = $m and flag_kind = $k and flag_ref = $ref and unit_code = $u
          and voided_at is null
        """,
        {"now": now, "by": author.strip(), "m": month, "k": kind, "ref": ref, "u": unit_code},
    )
    new_id = con.sql("select coalesce(max(review_id), 0) + 1 from index_flag_review").fetchall()[0][
        0
    ]
    con.execute(
        "insert into index_flag_review values ($id, $m, $k, $ref, $u, $ind, $d, $reason, "
        "$author, $now, null, null, null)",
        {
            "id": new_id,
            "m": month,
            "k": kind,
            "ref": ref,
            "u": unit_code,
            "ind": ref if kind == "outlier" else None,
            "d": decision,
            "reason": reason.strip(),
            "author": author.strip(),
            "now": now,
        },
    )
    audit(
        con,
        author.strip(),
        "review_flag",
        unit_code,
        {
            "review_id": new_id,
            "month": month,
            "kind": kind,
            "flag": ref,
            "decision": decision,
            "reason": reason.strip(),
        },
    )
    return new_id
