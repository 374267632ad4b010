"""`civic publish`, `civic verify`, `civic notice` and `civic credit`: what leaves the office."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import click

from civic.cli.options import parse_month, reports_option, store_option
from core import config


@click.command("publish")
@click.option(
    "--month",
    "month_text",
    required=True,
    metavar="YYYY-MM",
    help="Month to publish, e.g. 2026-10.",
)
@click.option("--approver", required=True, metavar="NAME", help="Who approves (签发) the edition.")
@click.option(
    "--reviewer", default=None, metavar="NAME", help="Who reviewed it (default: the approver)."
)
@click.option("--revise", is_flag=True, help="Publish a revision (修订版) of a published month.")
@click.option(
    "--reason",
    default="",
    metavar="TEXT",
    help="Why the revision is made (required with --revise).",
)
@store_option
@reports_option
def publish_cmd(month_text, approver, reviewer, revise, reason, store, reports) -> None:
    """Review, approve and publish a month's edition: article, images, workbook, briefing, PDFs.

    The edition goes into reports/YYYY-MM/v1/: article, ranking images, workbook,
    leadership briefing, PDFs and manifest. A month already published is refused unless
    --revise --reason "...", which publishes a 修订版 next to it.
    """
    from core.store import NoDatabase
    from publish.browser import BrowserMissing
    from publish.workflow import PublishError, publish_month

    month = parse_month(month_text)
    if reason and not revise:
        raise click.UsageError("--reason is for revisions: add --revise")
    try:
        done = publish_month(store, month, approver, reviewer, revise, reason, reports)
    except (NoDatabase, PublishError, BrowserMissing) as e:
        raise click.ClickException(str(e)) from e
    kind = "修订版" if done.changelog else "版本"
    click.echo(f"已发布 {month:%Y-%m} 第{done.number}版（{kind}），共 {len(done.files)} 个文件：")
    click.echo(f"  {done.folder}")
    for f in done.files:
        click.echo(f"    {f.name}")
    if done.changelog:
        click.echo("修订内容：")
        for line in done.changelog:
            click.echo(f"  - {line}")


@click.command("verify")
@click.argument("target", required=False, metavar="[MONTH|PATH]")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@store_option
@reports_option
def verify_cmd(target, as_json, store, reports) -> None:
    """Check published editions against the database: every file, its size and SHA-256.

    Without an argument every edition; with a month (YYYY-MM) its editions; with a path
    an edition folder (or a copy of one elsewhere). Each file is checked against the
    manifest the database recorded when it was published (no file missing, none extra),
    and manifest.json against its recorded SHA-256; a folder v<N> the database does not
    record is 未登记. Leftovers of a killed publish are finished or removed first. Exits 1
    when any edition is not 完整.
    """
    from core.store import NoDatabase, reading
    from publish import recover, verify

    reports = reports or config.reports_dir()
    month, path = None, None
    if target and re.fullmatch(r"\d{4}[-/]\d{1,2}", target):
        month = parse_month(target)
    elif target:
        path = Path(target)
        if not path.is_dir():
            raise click.UsageError(f"找不到文件夹 {target}：请给出月份（YYYY-MM）或版本文件夹")
    try:
        cleaned = recover.clean(store, reports)
        with reading(store) as con:
            records = verify.registered(con, month)
    except NoDatabase as e:
        raise click.ClickException(str(e)) from e
    if path is not None:
        checks = verify.check_path(records, reports, path)
    else:
        checks = verify.check(records, reports, month)
    ok = all(c.ok for c in checks)
    if as_json:
        doc = {
            "ok": ok,
            "summary": verify.summary(checks),
            "editions": [c.to_dict() for c in checks],
            "cleaned": cleaned or [],
            "cleaning_skipped": cleaned is None,
        }
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        if cleaned is None:
            click.echo("另一个导入或发布正在进行：这次没有清理中断的发布留下的文件夹。", err=True)
        for line in cleaned or []:
            click.echo(line)
        for c in checks:
            click.echo(c.sentence())
            for problem in c.problems:
                click.echo(f"  - {problem}")
        click.echo(verify.summary(checks))
    if not ok:
        raise SystemExit(1)


@click.command("notice")
@click.option(
    "--station", "station_code", default=None, metavar="CODE", help="Station (实践站) code."
)
@click.option(
    "--town",
    "town_code",
    default=None,
    metavar="CODE",
    help="Or a town (实践所) code: all its stations.",
)
@click.option("--quarter", required=True, metavar="YYYYQN", help="Quarter, e.g. 2026Q3.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Folder to write into (default: reports/notices/).",
)
@click.option(
    "--issued-on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Date printed under the signature (default: today).",
)
@store_option
def notice_cmd(station_code, town_code, quarter, out, issued_on, store) -> None:
    """Write a station's quarterly points notice (道德积分公示) as HTML and PDF.

    The public points ledger for the village board, HTML and A4 PDF, into
    reports/notices/: per household (names masked) the points earned, deducted and
    redeemed in the quarter, the balance at its end and any 清零. --town writes every
    station of a town in one browser session.
    """
    from core.store import NoDatabase, reading
    from publish import notice
    from publish.browser import BrowserMissing

    if bool(station_code) == bool(town_code):
        raise click.UsageError("give either --station CODE or --town CODE")
    out = out or config.reports_dir() / "notices"
    day = issued_on.date() if issued_on else None
    try:
        with reading(store) as con:
            if station_code:
                written = {station_code: notice.write(con, station_code, quarter, out, day)}
                skipped: list[str] = []
            else:
                written, skipped = notice.write_town(con, town_code, quarter, out, day)
    except (NoDatabase, notice.NoticeError, BrowserMissing) as e:
        raise click.ClickException(str(e)) from e
    for paths in written.values():
        for p in paths:
            click.echo(f"  {p}")
    click.echo(f"已生成 {len(written)} 个实践站的 {quarter} 积分公示：{out}")
    if skipped:
        click.echo(f"无积分数据，未生成：{'、'.join(skipped)}")
    if (day or date.today()) <= notice.parse_quarter(quarter)[3]:
        click.echo("注意：该季度尚未结束，公示数据可能不完整。", err=True)


@click.command("credit")
@click.option(
    "--year",
    required=True,
    type=click.IntRange(2000, 2100),
    metavar="YYYY",
    help="Year, e.g. 2026.",
)
@click.option(
    "--town", "town_code", default=None, metavar="CODE", help="Only this town (institute code)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Workbook to write (default: reports/credit/道德积分授信_YEAR.xlsx).",
)
@click.option(
    "--cooperative",
    "coop_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The credit cooperative's household list (.xlsx or .csv) with ID numbers, to join.",
)
@click.option(
    "--match-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Joined workbook (default: next to the export, …_匹配结果.xlsx).",
)
@store_option
def credit_cmd(year, town_code, out, coop_path, match_out, store) -> None:
    """Export households' moral points and stars for the credit cooperative (评级授信).

    Each household's points, stars and 清零 for the year (道德积分与评级授信挂钩), with the
    keyed hash of the head's ID number instead of the number. With --cooperative, the
    cooperative's list is hashed under the same key and joined: the joined workbook keeps
    its columns without the ID column, and lists its problems.
    """
    from core.secrets import MissingSecret
    from core.store import NoDatabase
    from etl.privacy import load_secret
    from publish import cooperative, credit

    if match_out and not coop_path:
        raise click.UsageError("--match-out needs --cooperative")
    out = out or config.reports_dir() / "credit" / f"道德积分授信_{year}.xlsx"
    try:
        frame, done = credit.export_year(store, year, town_code, out)
        click.echo(
            f"已导出 {done.scope} {year} 年 {done.households:,} 户：有身份证号密文 "
            f"{done.with_hash:,} 户，缺 {done.households - done.with_hash:,} 户；"
            f"本年清零 {done.cleared:,} 户"
        )
        click.echo(f"  {out}")
        if coop_path:
            joined, report = cooperative.match_cooperative(frame, coop_path, load_secret())
            match_out = match_out or out.with_name(f"{out.stem}_匹配结果.xlsx")
            cooperative.write_match(joined, report, match_out)
            click.echo(
                f"信用社名单 {report.file_name}：读取 {report.rows_read:,} 行，"
                f"已匹配 {report.matched:,}，未找到 {report.not_found:,}，"
                f"身份证号无效 {len(report.invalid):,}，重复身份证号 {report.duplicate_ids:,} 个"
            )
            click.echo(f"  {match_out}")
    except (NoDatabase, MissingSecret, credit.CreditError) as e:
        raise click.ClickException(str(e)) from e
