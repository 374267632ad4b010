"""The end-of-ingest summary staff read: per file, then totals (pure: report in, lines out)."""

from __future__ import annotations

from collections import Counter

from etl.ingest import IngestReport
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


def file_lines(report: IngestReport, verbose: bool) -> list[str]:
    """One line per file that needs attention (all files when verbose)."""
    lines = []
    for o in report.outcomes:
        attention = (
            o.status in ("unreadable", "skipped", "refused")
            or o.rows_quarantined
            or o.set_aside_by_reason
            or (o.status == "loaded" and o.message)
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
        for s in o.sheets:
            if s.status != "loaded" or s.dropped_columns:
                note = s.message or ""
                if s.dropped_columns:
                    note += f" 个人信息列未保存：{s.dropped_columns}"
                lines.append(f"    工作表「{s.sheet_name}」：{note.strip()}")
    return lines


def total_lines(report: IngestReport) -> list[str]:
    by_status = Counter(o.status for o in report.outcomes)
    reasons: Counter[str] = Counter()
    for o in report.outcomes:
        reasons.update(o.quarantined_by_reason)
        reasons.update(o.set_aside_by_reason)
    lines = [
        "文件：" + "，".join(f"{STATUS[k]} {n}" for k, n in by_status.items() if k in STATUS),
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
