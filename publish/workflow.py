"""The monthly publication workflow: 草稿 → 已审核 → 已发布, and 修订版 after that.

A draft is tied to the month's current index run. A review approves that
run; if the month is ranked again afterwards the review no longer holds and
publishing is refused until someone reviews again. A published edition is
never changed or overwritten: later data or a mistake leads to a revision
with a reason and a changelog. Every step is written to `audit_log`.

Publishing is one step for readers. The edition is rendered into a hidden
folder (`reports/<YYYY-MM>/.v<N>.building-<id>`, read-only files), then
recorded in the new database version with its manifest's SHA-256, its
report and its manifest (`edition_report`); the pointer swap that makes that
version current is the moment of publication, and the folder is renamed to
`v<N>` right after. A kill before the swap leaves only the hidden folder
(deleted by the next publish or `civic verify`, and the retry takes the same
number: numbers come from the database, never from folders); a kill after it
leaves the recorded edition in its hidden folder, renamed into place by the
next publish or `civic verify` (publish/recover.py).

The steps work on a connection (`*_in`) so that the app can run them one by
one, each by its own person, and `civic publish` can run all three in one
new database version.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from core import settings
from core import store as db_store
from core.access import COUNTY, query
from core.audit import audit
from core.config import reports_dir
from index import review as flag_review
from publish import changelog, edition, folders, manifest, model, queries, recover, verify

SQL = Path(__file__).parent / "sql" / "edition_tables.sql"
STATUS_LABELS = {"draft": "草稿", "reviewed": "已审核", "published": "已发布"}


class PublishError(RuntimeError):
    """A workflow step that cannot be taken; the message says why, in Chinese."""


@dataclass(frozen=True)
class Published:
    month: date
    number: int
    folder: Path
    files: list[Path]  # where they are once published (in `folder`)
    changelog: list[str]
    # the hidden folder the files are written in, renamed to `folder` once the database
    # version recording the edition is current (reveal)
    staging: Path | None = field(default=None, compare=False)


def create_tables(con) -> None:
    con.execute(SQL.read_text(encoding="utf-8"))


@query(scope=COUNTY, action="download_edition")
def editions(con, month: date | None = None) -> list[dict]:
    """Every edition (of a month, or all), newest last."""
    if not db_store.has_table(con, "edition"):
        return []
    return (
        con.sql(
            "select * from edition where $m is null or month = $m order by month, edition_no",
            params={"m": month},
        )
        .pl()
        .to_dicts()
    )


def month_dir(month: date, reports: Path | None = None) -> Path:
    return (reports or reports_dir()) / f"{month:%Y-%m}"


def check_can_start(con, month: date, revise: bool, reason: str) -> None:
    """Refuse, before anything is written, what the workflow does not allow."""
    published = [e for e in editions(con, month) if e["status"] == "published"]
    if published and not revise:
        last = published[-1]
        raise PublishError(
            f"{month:%Y-%m} 已发布第{last['edition_no']}版（{last['published_by']}，"
            f"{last['published_at']:%Y-%m-%d %H:%M}，{last['folder']}）。"
            '已发布的版本不能重新发布或覆盖；如需更正，请发布修订版：--revise --reason "修订原因"'
        )
    if revise and not published:
        raise PublishError(f"{month:%Y-%m} 还没有已发布的版本，无需修订：直接发布即可")
    if revise and not reason.strip():
        raise PublishError("修订版必须说明修订原因（--reason）")
    if queries.current_run(con, month) is None:
        raise PublishError(
            f"{month:%Y-%m} 还没有计算考评指数：请先运行 civic rank --month {month:%Y-%m}"
        )


def draft_in(
    con,
    month: date,
    actor: str,
    revise: bool = False,
    reason: str = "",
    reports: Path | None = None,
) -> dict:
    """The month's open draft (made if there is none), tied to the current index run."""
    create_tables(con)
    check_can_start(con, month, revise, reason)
    run = queries.current_run(con, month)
    rows = editions(con, month)
    open_rows = [e for e in rows if e["status"] != "published"]
    now = _now()
    if open_rows:
        e = open_rows[-1]
        if e["run_id"] != run["run_id"]:
            con.execute(
                "update edition set run_id = $run, status = 'draft', reviewed_at = null, "
                "reviewed_by = null, review_note = null where month = $m and edition_no = $n",
                {"run": run["run_id"], "m": month, "n": e["edition_no"]},
            )
            audit(
                con,
                actor,
                "edition_refresh",
                f"{month:%Y-%m}",
                {"edition": e["edition_no"], "run_id": run["run_id"]},
            )
        if reason and reason != e["reason"]:
            con.execute(
                "update edition set reason = $r where month = $m and edition_no = $n",
                {"r": reason, "m": month, "n": e["edition_no"]},
            )
        return editions(con, month)[-1]
    number = max([e["edition_no"] for e in rows] + [0]) + 1  # the database's, not the folders'
    is_revision = any(e["status"] == "published" for e in rows)
    con.execute(
        "insert into edition (month, edition_no, is_revision, status, run_id, reason, created_at, "
        "created_by) values ($m, $n, $rev, 'draft', $run, $reason, $now, $by)",
        {
            "m": month,
            "n": number,
            "rev": is_revision,
            "run": run["run_id"],
            "reason": reason,
            "now": now,
            "by": actor,
        },
    )
    audit(
        con,
        actor,
        "edition_draft",
        f"{month:%Y-%m}",
        {"edition": number, "run_id": run["run_id"], "revision": is_revision, "reason": reason},
    )
    return editions(con, month)[-1]


def review_in(con, month: date, reviewer: str, note: str = "") -> dict:
    """Mark the month's draft reviewed (已审核) by `reviewer`, for the current index run."""
    create_tables(con)
    open_rows = [e for e in editions(con, month) if e["status"] != "published"]
    if not open_rows:
        raise PublishError(f"{month:%Y-%m} 没有待审核的草稿")
    e = open_rows[-1]
    run = queries.current_run(con, month)
    if run is None or run["run_id"] != e["run_id"]:
        raise PublishError(f"{month:%Y-%m} 的排名在草稿生成后已重新计算：请先刷新草稿再审核")
    if not reviewer.strip():
        raise PublishError("审核人姓名不能为空")
    _refuse_open_flags(con, month, "审核")
    con.execute(
        "update edition set status = 'reviewed', reviewed_at = $now, reviewed_by = $who, "
        "review_note = $note where month = $m and edition_no = $n",
        {"now": _now(), "who": reviewer, "note": note, "m": month, "n": e["edition_no"]},
    )
    audit(
        con,
        reviewer,
        "edition_review",
        f"{month:%Y-%m}",
        {"edition": e["edition_no"], "run_id": e["run_id"], "note": note},
    )
    return editions(con, month)[-1]


def _refuse_open_flags(con, month: date, step: str) -> None:
    """A month with 数据存疑 values or 积分疑点 nobody has decided on cannot go out."""
    waiting = flag_review.open_flags(con, month)
    if waiting:
        kinds = "、".join(
            f"{flag_review.KIND_LABELS[k]}{n}条"
            for k in flag_review.KIND_LABELS
            if (n := sum(f.kind == k for f in waiting))
        )
        units = "、".join(dict.fromkeys(f.unit_name for f in waiting))
        raise PublishError(
            f"{month:%Y-%m} 还有未核查的疑点（{kinds}，涉及{units}）：请先在「排名」页逐条核查"
            f"（接受、维持封顶或扣分）后再{step}"
        )


def publish_in(con, month: date, approver: str, reports: Path | None = None) -> Published:
    """Render the reviewed edition into a hidden folder and record it as published (已发布).

    The edition is published when the database version holding `con` becomes
    current; the caller then calls `reveal` (`publish_month` and `publish` do
    both). Until then nothing named v<N> exists.
    """
    create_tables(con)
    reports = reports or reports_dir()
    rows = editions(con, month)
    reviewed = [e for e in rows if e["status"] == "reviewed"]
    if not reviewed:
        raise PublishError(f"{month:%Y-%m} 没有已审核的版本：请先审核草稿")
    e = reviewed[-1]
    run = queries.current_run(con, month)
    if run is None or run["run_id"] != e["run_id"]:
        raise PublishError(f"{month:%Y-%m} 的排名在审核后已重新计算：请重新审核后再发布")
    if not approver.strip():
        raise PublishError("签发人姓名不能为空")
    _refuse_open_flags(con, month, "发布")
    number = e["edition_no"]
    final = month_dir(month, reports) / f"v{number}"
    recover.set_aside_unregistered(con, reports, month)  # a v<N> the database does not know
    if final.exists():
        raise PublishError(f"{final} 已存在：已发布的版本不会被覆盖")
    published_at = _now()
    lines: list[str] = []
    info = model.Edition(
        number,
        e["is_revision"],
        e["reason"] or "",
        (),
        e["reviewed_by"],
        e["reviewed_at"],
        approver,
        published_at,
    )
    report = model.build(con, month, info)
    if e["is_revision"]:
        previous = [p for p in rows if p["status"] == "published"][-1]
        lines = changelog.changes(_published_report(con, previous, reports), report)
        report = replace(report, edition=replace(info, changelog=tuple(lines)))

    folder = f"{month:%Y-%m}/v{number}"
    staging = folders.staging_dir(final)
    try:
        files = edition.write(report, staging)
        folders.sync(staging)
        con.execute(
            "update edition set status = 'published', published_at = $at, published_by = $who, "
            "folder = $folder, manifest_sha256 = $sha, changelog = $log "
            "where month = $m and edition_no = $n",
            {
                "at": published_at,
                "who": approver,
                "folder": folder,
                "sha": manifest.sha256(staging / manifest.NAME),
                "log": json.dumps(lines, ensure_ascii=False),
                "m": month,
                "n": number,
            },
        )
        con.execute(
            "insert into edition_report values ($m, $n, $report, $manifest)",
            {
                "m": month,
                "n": number,
                "report": (staging / edition.REPORT_JSON).read_text(encoding="utf-8"),
                "manifest": (staging / manifest.NAME).read_text(encoding="utf-8"),
            },
        )
        audit(
            con,
            approver,
            "edition_publish",
            f"{month:%Y-%m}",
            {
                "edition": number,
                "run_id": e["run_id"],
                "folder": folder,
                "files": len(files),
                "revision": e["is_revision"],
                "reason": e["reason"],
            },
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # not recorded: the number stays free
        raise
    files = [final / f.relative_to(staging) for f in files]
    return Published(month, number, final, files, lines, staging)


def reveal(done: Published) -> None:
    """Give a recorded edition its public folder name, once its database version is current."""
    if done.staging is not None and done.staging.exists():
        folders.reveal(done.staging, done.folder)


def _published_report(con, previous: dict, reports: Path) -> dict:
    """What the previous edition published (its report.json), as the database keeps it.

    An edition published before the database kept reports is read from its
    folder, and only if `civic verify`'s check finds the folder intact."""
    rows = con.sql(
        "select report_json from edition_report where month = $m and edition_no = $n",
        params={"m": previous["month"], "n": previous["edition_no"]},
    ).fetchall()
    if rows:
        return json.loads(rows[0][0])
    (record,) = [
        r for r in verify.registered(con, previous["month"])
        if r.edition_no == previous["edition_no"]
    ]  # fmt: skip
    result = verify.check_edition(record, reports / record.folder)
    if not result.ok:
        raise PublishError(
            f"第{record.edition_no}版（{record.folder}）的文件与数据库登记不符，无法据此列出修订内容："
            + "；".join(result.problems)
        )
    return json.loads((reports / record.folder / edition.REPORT_JSON).read_text(encoding="utf-8"))


def _publishing(store: Path | None, reports: Path | None, steps) -> Published:
    """Run `steps(con)` (ending in publish_in) in a new database version, make it current,
    then reveal the edition; the leftovers of killed publishes are dealt with first."""
    db_store.current_path(store)  # NoDatabase before anything is built
    with db_store.building(store) as b:  # holds the writer lock throughout
        con = b.connect()
        done: Published | None = None
        try:
            recover.finish_interrupted(con, reports or reports_dir())
            done = steps(con)
            con.execute("checkpoint")
        except BaseException:
            if done is not None and done.staging is not None:
                shutil.rmtree(done.staging, ignore_errors=True)
            raise
        finally:
            con.close()
        b.publish()  # the moment of publication: the current version records the edition
        reveal(done)  # a kill before this line is finished by recover.finish_interrupted
    return done


def publish_month(
    store: Path | None,
    month: date,
    approver: str,
    reviewer: str | None = None,
    revise: bool = False,
    reason: str = "",
    reports: Path | None = None,
) -> Published:
    """Draft, review and publish in one new database version (`civic publish`, the demo)."""
    with db_store.reading(store) as con:  # refuse before copying anything
        check_can_start(con, month, revise, reason)

    def steps(con) -> Published:
        draft_in(con, month, reviewer or approver, revise, reason, reports)
        review_in(con, month, reviewer or approver)
        return publish_in(con, month, approver, reports)

    return _publishing(store, reports, steps)


def draft(store: Path | None, month: date, actor: str, revise: bool = False, reason: str = "",
          reports: Path | None = None) -> dict:  # fmt: skip
    """draft_in, in a new database version (the app's 生成草稿)."""
    with db_store.reading(store) as con:
        check_can_start(con, month, revise, reason)
    with db_store.new_version(store) as con:
        return draft_in(con, month, actor, revise, reason, reports)


def review(store: Path | None, month: date, reviewer: str, note: str = "") -> dict:
    """review_in, in a new database version (the app's 审核通过)."""
    with db_store.new_version(store) as con:
        return review_in(con, month, reviewer, note)


def publish(store: Path | None, month: date, approver: str, reports: Path | None = None):
    """publish_in, in a new database version (the app's 签发发布)."""
    return _publishing(store, reports, lambda con: publish_in(con, month, approver, reports))


def latest_complete_month(con, today: date) -> date | None:
    """The newest ranked month whose submission deadline (day N of the next month) has passed."""
    county = settings.read(con)
    months = [r[0] for r in con.sql("select distinct month from index_run order by 1").fetchall()]
    done = [m for m in months if county.deadline(m) < today]
    return done[-1] if done else None


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)
