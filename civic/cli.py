"""The `civic` command: one subcommand per job."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import click

from core import config

DEFAULT_MONTHS = "2025-01..2026-10"
DEFAULT_SEED = 7


def registry_option(f):
    return click.option(
        "--registry",
        "registry_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Registry folder (default: data/registry).",
    )(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def main() -> None:
    """civic: the county civilization-practice office's data tool.

    Load the monthly exports, rank the units, publish the index, serve the dashboard.
    """


@main.command("registry")
@registry_option
def registry_cmd(registry_dir: Path | None) -> None:
    """Check the county registry and print what it holds."""
    from core import labels
    from core.registry import RegistryError, load_registry

    try:
        reg = load_registry(registry_dir)
    except RegistryError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{reg.values.county_name} ({reg.county_code}), registry {reg.folder}")
    names = {**labels.UNIT_KINDS, "brand_project": "品牌项目", "points_item": "积分项目"}
    for key, n in reg.counts().items():
        click.echo(f"  {names.get(key, key)}: {n}")
    click.echo(f"  人口: {int(reg.of_kind('county')['population'][0]):,}")


@main.command("templates")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
def templates_cmd(out_dir: Path) -> None:
    """Write the blank export templates (.xlsx with drop-downs, and CSV headers)."""
    from core.templates import write_templates

    files = write_templates(out_dir)
    for f in files:
        click.echo(f"  {f}")
    click.echo(f"{len(files)} template files written to {out_dir}")


@main.command("generate")
@click.option(
    "--months",
    default=DEFAULT_MONTHS,
    show_default=True,
    help="Months to generate, FIRST..LAST as YYYY-MM..YYYY-MM.",
)
@click.option(
    "--seed",
    default=DEFAULT_SEED,
    show_default=True,
    type=int,
    help="Random seed; the same seed writes the same bytes.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write into (default: data/inbox).",
)
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(1, 30),
    help="Multiply stations, households and volunteers (for benchmarks).",
)
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Processes to use."
)
@click.option(
    "--clean/--no-clean", default=True, show_default=True, help="Empty the output folder first."
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["mixed", "csv", "xlsx"]),
    default="mixed",
    show_default=True,
    help="mixed: the field's mix; csv or xlsx: every file in one format, no zips (benchmarks).",
)
@registry_option
def generate_cmd(
    months: str,
    seed: int,
    out: Path | None,
    scale: int,
    workers: int,
    clean: bool,
    file_format: str,
    registry_dir: Path | None,
) -> None:
    """Write the demo county's monthly export files, dirt included."""
    fmt = None if file_format == "mixed" else file_format
    summary = _generate(months, seed, out, scale, workers, clean, registry_dir, fmt)
    _print_summary(summary, out or config.inbox_dir())


def _generate(months, seed, out, scale, workers, clean, registry_dir, file_format=None) -> dict:
    from core.months import parse_range
    from core.registry import RegistryError, load_registry
    from demo.generate import generate

    try:
        month_list = parse_range(months)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--months") from e
    try:
        reg = load_registry(registry_dir)
    except RegistryError as e:
        raise click.ClickException(str(e)) from e
    out = out or config.inbox_dir()
    if clean and out.exists():
        shutil.rmtree(out)
    click.echo(f"Generating {months} (seed {seed}, scale {scale}) into {out} …")
    summary = generate(
        out,
        month_list,
        seed=seed,
        scale=scale,
        registry=reg,
        workers=workers,
        file_format=file_format,
    )
    if scale > 1:
        from demo.scale import scale_registry, write_registry

        folder = write_registry(scale_registry(reg, scale), out.parent / f"registry-scale{scale}")
        summary["registry"] = str(folder)
    return summary


def _print_summary(s: dict, out: Path) -> None:
    u = s["units"]
    click.echo(
        f"Units: {u['station']} stations, {u['institute']} institutes, {u['subcentre']} "
        f"sub-centres, {u['county_team']} county teams, "
        f"{u['town_team'] + u['village_team']} town/village teams, "
        f"{u['brand_project']} brand projects"
    )
    fmts = ", ".join(f"{k} {v}" for k, v in s["formats"].items())
    click.echo(f"Files: {s['files']} ({fmts}); {s['zips']} zip archives")
    click.echo("Rows: " + ", ".join(f"{k} {v:,}" for k, v in s["rows"].items()))
    click.echo(
        f"Dirty rows planted: {s['dirty_total']:,} ("
        + ", ".join(f"{k} {v}" for k, v in s["dirty_rows"].items())
        + ")"
    )
    click.echo(
        f"Submissions: {s['submissions']:,}, missing {s['missing_submissions']}, "
        f"late {s['late_submissions']}, corrected resubmissions {s['resubmissions']}"
    )
    click.echo(
        f"Points issued {s['points_issued']:,}, redeemed {s['points_redeemed']:,}: "
        f"redemption ratio {s['redemption_ratio']:.1%}"
    )
    click.echo(f"Registered volunteers at the end: {s['volunteers_registered']:,}")
    if "registry" in s:
        click.echo(f"Scaled registry written to {s['registry']} (use --registry with it)")
    click.echo(f"Done in {s['seconds']} s; manifest {out / '_generation.json'}")


def store_option(f):
    return click.option(
        "--db",
        "store",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Database folder: versions and the CURRENT pointer (default: data/db).",
    )(f)


@main.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@registry_option
@click.option("--workers", default=None, type=int, help="Reader processes (default: 2).")
@click.option("--verbose", "-v", is_flag=True, help="List every file, not only those with issues.")
def ingest_cmd(
    paths: tuple[Path, ...], store: Path | None, registry_dir: Path | None, workers, verbose
) -> None:
    """Load export files, folders or .zip archives into the database."""
    _ingest(list(paths), store, registry_dir, workers, verbose)


def _ingest(paths, store, registry_dir, workers, verbose) -> None:
    from core.registry import RegistryError, load_registry
    from core.secrets import MissingSecret
    from etl.ingest import ingest
    from etl.summary import file_lines, total_lines

    try:
        reg = load_registry(registry_dir)
    except RegistryError as e:
        raise click.ClickException(str(e)) from e
    with click.progressbar(length=1, label="导入", show_pos=True, file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            report = ingest(paths, store, reg, workers, progress)
        except MissingSecret as e:
            raise click.ClickException(str(e)) from e
    for line in file_lines(report, verbose) + total_lines(report):
        click.echo(line)


@main.command("db-path")
@store_option
def db_path_cmd(store: Path | None) -> None:
    """Print the current database file, for read-only queries with other tools."""
    from core.store import NoDatabase, current_path

    try:
        click.echo(current_path(store))
    except NoDatabase as e:
        raise click.ClickException(str(e)) from e


def _month(text: str):
    from core import months

    try:
        return months.parse(text)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@main.command("rank")
@click.option("--month", "month_text", default=None, help="Month to rank, e.g. 2026-10.")
@click.option("--all", "all_months", is_flag=True, help="Rank every month in the database.")
@click.option(
    "--methodology",
    "method_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Try another methodology file; stored results are not touched.",
)
@click.option(
    "--compare",
    nargs=2,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Two methodology files: each unit's rank under both, for --month.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--draws", default=1000, show_default=True, help="Robustness draws.")
@click.option("--seed", default=20260101, show_default=True, help="Seed of the draws.")
@store_option
def rank_cmd(month_text, all_months, method_path, compare, as_json, draws, seed, store) -> None:
    """Compute the monthly index (考评指数) and print the three rankings."""
    from core.store import NoDatabase
    from index import report_text, run
    from index.compute import NotReady
    from index.methodology import MethodologyError

    if bool(month_text) == all_months:
        raise click.UsageError("give either --month YYYY-MM or --all")
    months = None if all_months else [_month(month_text)]
    try:
        if compare:
            if all_months:
                raise click.UsageError("--compare needs --month")
            a = run.rank_only(store, months, compare[0], draws, seed)
            b = run.rank_only(store, months, compare[1], draws, seed)
            click.echo(report_text.comparison(a, b, as_json))
            return
        if method_path:
            ranking = run.rank_only(store, months, method_path, draws, seed)
        else:
            ranking = run.rank_and_store(store, months, None, draws, seed, actor="civic rank")
    except (NoDatabase, MethodologyError, NotReady) as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(report_text.as_json(ranking))
    else:
        for month in ranking.months[-1:] if all_months else ranking.months:
            click.echo(report_text.tables(ranking, month))
        if all_months:
            click.echo(f"已计算并保存 {len(ranking.months)} 个月（上面是最近一个月）。")
        if not method_path:
            click.echo("结果已保存到数据库。")


@main.command("adjust")
@click.option("--month", "month_text", required=True, help="Month, e.g. 2026-10.")
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. 620623-PQ1.")
@click.option("--item", required=True, help="A bonus or penalty item of the methodology.")
@click.option("--points", required=True, type=float, help="Size of the bonus or penalty.")
@click.option("--reason", required=True, help="Why, in a sentence.")
@click.option("--author", required=True, help="Who enters it.")
@store_option
def adjust_cmd(month_text, unit_code, item, points, reason, author, store) -> None:
    """Add a bonus or penalty (加分/扣分) to a unit's month and rank the month again."""
    from core.store import NoDatabase
    from index import run
    from index.adjustments import AdjustmentError
    from index.compute import NotReady

    month = _month(month_text)
    try:
        new_id, ranking = run.adjust(store, month, unit_code, item, points, reason, author)
    except (NoDatabase, AdjustmentError, NotReady) as e:
        raise click.ClickException(str(e)) from e
    row = ranking.scores.filter(unit_code=unit_code).row(0, named=True)
    click.echo(
        f"已记录加扣分 #{new_id}；{row['unit_name']} {month:%Y-%m} 得分 {row['score']}，"
        f"第 {row['rank']} 名（{row['change_label']}）"
    )


def reports_option(f):
    return click.option(
        "--reports",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder of the published editions (default: reports/).",
    )(f)


@main.command("publish")
@click.option("--month", "month_text", required=True, help="Month to publish, e.g. 2026-10.")
@click.option("--approver", required=True, help="Who approves (签发) the edition.")
@click.option("--reviewer", default=None, help="Who reviewed it (default: the approver).")
@click.option("--revise", is_flag=True, help="Publish a revision (修订版) of a published month.")
@click.option("--reason", default="", help="Why the revision is made (required with --revise).")
@store_option
@reports_option
def publish_cmd(month_text, approver, reviewer, revise, reason, store, reports) -> None:
    """Review, approve and publish a month's edition: article, images, workbook, briefing, PDFs."""
    from core.store import NoDatabase
    from publish.browser import BrowserMissing
    from publish.workflow import PublishError, publish_month

    month = _month(month_text)
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


@main.command("notice")
@click.option("--station", "station_code", default=None, help="Station (实践站) code.")
@click.option(
    "--town", "town_code", default=None, help="Or a town (实践所) code: all its stations."
)
@click.option("--quarter", required=True, help="Quarter, e.g. 2026Q3.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write into (default: reports/notices/).",
)
@click.option(
    "--issued-on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date printed under the signature (default: today).",
)
@store_option
def notice_cmd(station_code, town_code, quarter, out, issued_on, store) -> None:
    """Write a station's quarterly points notice (道德积分公示) as HTML and PDF."""
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


@main.command("credit")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="Year, e.g. 2026.")
@click.option("--town", "town_code", default=None, help="Only this town (institute code).")
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
    """Export households' moral points and stars for the credit cooperative (评级授信)."""
    from core.secrets import MissingSecret
    from core.store import NoDatabase
    from etl.privacy import load_secret
    from publish import credit

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
            joined, report = credit.match_cooperative(frame, coop_path, load_secret())
            match_out = match_out or out.with_name(f"{out.stem}_匹配结果.xlsx")
            credit.write_match(joined, report, match_out)
            click.echo(
                f"信用社名单 {report.file_name}：读取 {report.rows_read:,} 行，"
                f"已匹配 {report.matched:,}，未找到 {report.not_found:,}，"
                f"身份证号无效 {len(report.invalid):,}，重复身份证号 {report.duplicate_ids:,} 个"
            )
            click.echo(f"  {match_out}")
    except (NoDatabase, MissingSecret, credit.CreditError) as e:
        raise click.ClickException(str(e)) from e


@main.command("dashboard")
@click.option("--port", default=8501, show_default=True, help="Port to serve on.")
@store_option
@reports_option
def dashboard_cmd(port: int, store: Path | None, reports: Path | None) -> None:
    """Serve the dashboard (Streamlit) on this machine."""
    _serve(port, store, reports)


def theme_options() -> list[str]:
    """Streamlit's theme from presentation.theme, so the app wears the publications' colours."""
    from presentation import theme

    return [
        "--theme.base", "light", "--theme.primaryColor", theme.ACCENT,
        "--theme.textColor", theme.INK,
    ]  # fmt: skip


def _serve(port: int, store: Path | None, reports: Path | None) -> None:
    from core import secrets

    problems = secrets.check()
    if problems:
        raise click.ClickException("无法启动看板：\n" + "\n".join(problems))
    import contextlib
    import subprocess

    env = config.child_environment(store, reports)
    app = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
    click.echo(f"看板地址：http://localhost:{port}  （Ctrl+C 停止）")
    command = [
        sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal", *theme_options(),
        # its welcome message looks the machine's external IP up on the internet
        "--logger.hideWelcomeMessage", "true",
    ]  # fmt: skip
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C stops the server: not an error
        subprocess.run(command, env=env, check=False)


@main.group("users")
def users_cmd() -> None:
    """Manage the dashboard's accounts (管理员 / 审核 / 乡镇 / 领导)."""


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")


@users_cmd.command("add")
@click.argument("username")
@click.option("--name", "display_name", default="", help="The person's name, as shown and audited.")
@click.option("--role", type=click.Choice(["admin", "reviewer", "town", "leader"]), required=True)
@click.option(
    "--town", "town_code", default=None, help="The town (institute code) of a 乡镇 account."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add_cmd(username, display_name, role, town_code, password_stdin) -> None:
    """Open an account."""
    from core import accounts

    try:
        accounts.add_user(username, display_name, role, _password(password_stdin), town_code,
                          actor="civic users")  # fmt: skip
    except accounts.AccountError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"已开设 {username}（{accounts.ROLES[role]}）")


@users_cmd.command("list")
def users_list_cmd() -> None:
    """List the accounts."""
    from core import accounts

    for u in accounts.list_users():
        state = "启用" if u["is_active"] else "停用"
        if u["locked_until"]:
            state += f"，锁定至 {u['locked_until']}"
        click.echo(
            f"{u['username']:<16} {u['display_name']:<8} {accounts.ROLES[u['role']]:<4} "
            f"{u['town_code'] or '':<10} {state}"
        )


@users_cmd.command("disable")
@click.argument("username")
def users_disable_cmd(username) -> None:
    """Disable an account (its sessions end at once)."""
    _set_active(username, False)


@users_cmd.command("enable")
@click.argument("username")
def users_enable_cmd(username) -> None:
    """Enable a disabled account again."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    from core import accounts

    try:
        accounts.set_active(username, active, actor="civic users")
    except accounts.AccountError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"已{'启用' if active else '停用'} {username}")


@users_cmd.command("reset")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_reset_cmd(username, password_stdin) -> None:
    """Set a new password (clears a lockout, ends the account's sessions)."""
    from core import accounts

    try:
        accounts.reset_password(username, _password(password_stdin), actor="civic users")
    except accounts.AccountError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"已重置 {username} 的密码")


def _demo_accounts() -> list[tuple[str, str, str, str | None, str]]:
    """One account per role for the demo, with new random passwords (printed once)."""
    import secrets as random

    from core import accounts

    wanted = [
        ("admin", "县中心管理员", "admin", None),
        ("reviewer", "县中心审核员", "reviewer", None),
        ("town", "华藏寺镇文明办", "town", "620623100"),
        ("leader", "县领导", "leader", None),
    ]
    made = []
    existing = {u["username"] for u in accounts.list_users()}
    for username, name, role, town in wanted:
        password = random.token_urlsafe(9)
        if username in existing:
            accounts.reset_password(username, password, actor="civic demo")
        else:
            accounts.add_user(username, name, role, password, town, actor="civic demo")
        made.append((username, name, role, town, password))
    return made


@main.command("demo")
@click.option(
    "--serve/--no-serve", default=True, show_default=True, help="Serve the dashboard at the end."
)
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int)
@click.option("--months", default=DEFAULT_MONTHS, show_default=True)
def demo_cmd(serve: bool, seed: int, months: str) -> None:
    """Build the demo county end to end: generate, ingest, rank every month, publish the latest."""
    out = config.inbox_dir()
    summary = _generate(months, seed, out, 1, 2, True, None)
    _print_summary(summary, out)
    store = config.data_dir() / "db"
    if store.exists():
        shutil.rmtree(store)  # the demo rebuilds its database from scratch
    _ingest([out], store, None, None, False)
    from index import run

    ranking = run.rank_and_store(store, None, actor="civic demo")
    click.echo(f"考评指数：已计算 {len(ranking.months)} 个月（方法 {ranking.methodology.id}）")
    from core.store import reading
    from publish.workflow import latest_complete_month, publish_month

    reports = config.reports_dir()
    if reports.exists():
        shutil.rmtree(reports)  # the editions of the previous demo database
    with reading(store) as con:
        latest = latest_complete_month(con, date.today())
    if latest is None:
        click.echo("没有已过报送截止日的月份，本次不发布。")
    else:
        done = publish_month(store, latest, approver="示例签发人", reviewer="示例审核人")
        n = len(done.files)
        click.echo(f"已发布 {latest:%Y-%m} 第{done.number}版：{done.folder}（{n} 个文件）")
    from core import accounts

    made = _demo_accounts()
    click.echo("看板账号（每次运行 demo 重新生成密码）：")
    for username, name, role, town, password in made:
        scope = f"，{town}" if town else ""
        click.echo(f"  {accounts.ROLES[role]}（{name}{scope}）  用户名 {username}  密码 {password}")
    if serve:
        _serve(8501, store, None)


if __name__ == "__main__":
    sys.exit(main())
