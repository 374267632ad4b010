"""The end-of-ingest summary staff read: per file, then totals (pure: report in, lines out).

Every count given for a file is of that file's own rows; `as_json` is the
same summary as data, for scheduled jobs (`civic ingest --json`).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from core.contract import SHEET_BY_KEY
from core.store import version_of
from etl.ingest import IngestReport, Outcome
from etl.receipt import SHOWN, Version
from etl.validate import REASONS

STATUS = {
    "loaded": "已导入",
    "seen": "已导入过，跳过",
    "duplicate": "重复给出，跳过",
    "unreadable": "无法读取",
    "skipped": "跳过",
    "refused": "超过读取上限，拒收",
}


def labelled(counts: dict[str, int]) -> str:
    """Counts by reason code as staff read them: 日期无效 2，疑似重复录入 39."""
    return "，".join(f"{REASONS.get(k, k)} {n:,}" for k, n in sorted(counts.items()))


def _time(t: datetime | None) -> str:
    return t.strftime(SHOWN) if t else "?"


def _which(v: Version, o: Outcome) -> str:
    """X.csv（2026-11-03 09:00）, and which sheets when not all of this file's."""
    own = {s.sheet_key for s in o.sheets if s.sheet_key}
    part = ""
    if set(v.sheet_keys) != own:
        part = "的" + "、".join(SHEET_BY_KEY[k].title for k in v.sheet_keys)
    return f"{v.file_name}（{_time(v.received_at)}）{part}"


def version_lines(o: Outcome) -> list[str]:
    """What a loaded file did to the current submissions: replaced some, or was too late."""
    lines = [f"替换 {_which(v, o)}" for v in o.replaced]
    if o.kept:
        later = "、".join(_which(v, o) for v in o.kept)
        lines.append(f"未成为当前版本：更晚收到的 {later}仍然有效，本文件只记入历史")
    return lines


def file_lines(report: IngestReport, verbose: bool) -> list[str]:
    """One line per file that needs attention (all files when verbose)."""
    lines = []
    for o in report.outcomes:
        attention = (
            o.status in ("unreadable", "skipped", "refused")
            or o.rows_quarantined
            or o.set_aside_by_reason
            or (o.status == "loaded" and o.message)
            or o.replaced
            or o.kept
        )
        if not (verbose or attention):
            continue
        head = f"{STATUS.get(o.status, o.status)}  {o.display}"
        if o.status == "seen":
            head += f"  {o.message}"
        if o.status == "loaded":
            sheets = "、".join(s.sheet_name for s in o.sheets if s.sheet_key)
            head += f"  [{o.unit_code or '?'} {o.month or '?'}] 接受 {o.rows_accepted} 行"
            if o.set_aside_by_reason:
                n = sum(o.set_aside_by_reason.values())
                head += f"（其中入库检查又隔离 {n} 行：{labelled(o.set_aside_by_reason)}）"
            if o.rows_quarantined:
                reasons = labelled(o.quarantined_by_reason)
                head += f"，隔离 {o.rows_quarantined} 行（{reasons}）"
            head += f"；工作表：{sheets or '无'}"
        lines.append(head)
        if o.message and o.status != "seen":
            lines.append(f"    {o.message}")
        if o.status == "loaded":
            lines += [f"    {line}" for line in version_lines(o)]
            if verbose or o.replaced or o.kept:
                dated = f"收到 {_time(o.received_at)}，文件日期 {_time(o.file_modified_at)}"
                lines.append(f"    {dated}")
        for s in o.sheets:
            if s.status != "loaded" or s.dropped_columns:
                note = s.message or ""
                if s.dropped_columns:
                    note += f" 个人信息列未保存：{s.dropped_columns}"
                lines.append(f"    工作表「{s.sheet_name}」：{note.strip()}")
    return lines


def total_lines(report: IngestReport) -> list[str]:
    """The run's totals: the files given this time, and what became of the database."""
    by_status = Counter(o.status for o in report.outcomes)
    reasons: Counter[str] = Counter()
    for o in report.outcomes:
        reasons.update(o.quarantined_by_reason)
        reasons.update(o.set_aside_by_reason)
    replacing = sum(1 for o in report.outcomes if o.replaced)
    lines = [report.receipt.describe()] if report.receipt else []
    lines += [
        "文件："
        + "，".join(f"{STATUS[k]} {n}" for k, n in by_status.items() if k in STATUS)
        + (f"；其中 {replacing} 个替换了此前的版本" if replacing else ""),
        f"行：接受 {report.rows_accepted:,}（其中入库检查又隔离 {report.rows_set_aside:,}），"
        f"读入时隔离 {report.rows_quarantined:,}",
    ]
    if reasons:
        lines.append(
            "隔离原因：" + "，".join(f"{REASONS.get(k, k)} {n:,}" for k, n in reasons.most_common())
        )
    if report.batch_id is None:
        lines.append("没有新文件，数据库未改变。")
    else:
        lines.append(f"数据库已更新：{report.database}（批次 {report.batch_id}）")
    for f in report.check_failures:
        lines.append(f"数据检查未通过：{f}")
    lines.append(f"用时 {report.seconds:.1f} 秒")
    return lines


def _reasons(counts: dict[str, int], stage: str) -> list[dict]:
    return [
        {"code": k, "reason": REASONS.get(k, k), "rows": n, "stage": stage}
        for k, n in sorted(counts.items())
    ]


def _iso(t: datetime | None) -> str | None:
    return t.isoformat(sep=" ", timespec="minutes") if t else None


def file_json(o: Outcome) -> dict:
    """One file given to the ingest, as data: every count is of this file's own rows."""
    skipped = o.status in ("seen", "duplicate", "skipped", "unreadable")
    return {
        "file": o.display,
        "name": o.name,
        "status": o.status,
        "status_label": STATUS.get(o.status, o.status),
        "received_at": _iso(o.received_at),
        "file_modified_at": _iso(o.file_modified_at),
        "unit_code": o.unit_code,
        "month": o.month,
        "sheets": [
            {
                "sheet_name": s.sheet_name,
                "sheet_key": s.sheet_key,
                "status": s.status,
                "rows_accepted": s.rows_accepted,
                "rows_quarantined": s.rows_quarantined,
                "message": s.message or None,
            }
            for s in o.sheets
        ],
        "rows_accepted": o.rows_accepted,
        "rows_quarantined": o.rows_quarantined,
        "rows_set_aside": sum(o.set_aside_by_reason.values()),
        "quarantined_by_reason": _reasons(o.quarantined_by_reason, "read")
        + _reasons(o.set_aside_by_reason, "checks"),
        "replaced": [v.as_json() for v in o.replaced],
        "superseded_by": [v.as_json() for v in o.kept],
        "version_notes": version_lines(o) if o.status == "loaded" else [],  # as printed
        "is_current": (not o.kept) if o.status == "loaded" else None,
        "skipped_reason": o.message if skipped else None,
        "message": o.message or None,
    }


def as_json(report: IngestReport, current: Path | None) -> dict:
    """The whole summary as data (`civic ingest --json`); Chinese kept as text.

    current: the current database file after the run (changed or not).
    """
    by_status = Counter(o.status for o in report.outcomes)
    reasons: Counter[str] = Counter()
    set_aside: Counter[str] = Counter()
    for o in report.outcomes:
        reasons.update(o.quarantined_by_reason)
        set_aside.update(o.set_aside_by_reason)
    return {
        "receipt": report.receipt.as_json() if report.receipt else None,
        "files": [file_json(o) for o in report.outcomes],
        "totals": {
            "files": len(report.outcomes),
            "files_by_status": dict(sorted(by_status.items())),
            "files_replacing": sum(1 for o in report.outcomes if o.replaced),
            "rows_accepted": report.rows_accepted,
            "rows_set_aside": report.rows_set_aside,
            "rows_quarantined": report.rows_quarantined,
            "quarantined_by_reason": _reasons(dict(reasons), "read")
            + _reasons(dict(set_aside), "checks"),
        },
        "database": {
            "changed": report.batch_id is not None,
            "batch_id": report.batch_id,
            "version": version_of(current) if current else None,
            "path": str(current) if current else None,
        },
        "check_failures": list(report.check_failures),
        "seconds": round(report.seconds, 1),
    }
