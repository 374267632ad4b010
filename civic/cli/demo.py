"""`civic generate` and `civic demo`: the demo county's exports, and the whole chain on them."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import click

from civic.cli.data import ingest_paths
from civic.cli.options import registry_option
from civic.cli.serve import serve as serve_dashboard
from core import config

DEFAULT_MONTHS = "2025-01..2026-10"
DEFAULT_SEED = 7


@click.command("generate")
@click.option(
    "--months",
    default=DEFAULT_MONTHS,
    show_default=True,
    metavar="FIRST..LAST",
    help="Months to generate, FIRST..LAST as YYYY-MM..YYYY-MM.",
)
@click.option(
    "--seed",
    default=DEFAULT_SEED,
    show_default=True,
    type=int,
    metavar="N",
    help="Random seed; the same seed writes the same bytes.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Folder to write into (default: data/inbox).",
)
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(1, 30),
    metavar="N",
    help="Multiply stations, households and volunteers (for benchmarks).",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    metavar="N",
    help="Processes to use.",
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
@click.option(
    "--counties",
    default=0,
    type=click.IntRange(0, 990),
    metavar="N",
    help="Make N distinct counties (their own codes, names, towns and stations, from the "
    "registry as a template) into data/counties/<code>/ (registry/ and inbox/), for the "
    "city and province roll-ups.",
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
    counties: int,
    registry_dir: Path | None,
) -> None:
    """Write the demo county's monthly export files, dirt included.

    The files of every unit and month as the field sends them (xlsx, xls, csv, zips of a
    town's stations; faults planted) into data/inbox/, with _generation.json listing
    every file and fault. --scale N and --format csv|xlsx are for benchmarks; --counties N
    makes N counties of their own instead, each with its registry and its exports.
    """
    fmt = None if file_format == "mixed" else file_format
    if counties and scale > 1:
        raise click.UsageError("--counties and --scale cannot be combined")
    if counties:
        _generate_counties(counties, months, seed, out, workers, clean, registry_dir, fmt)
        return
    summary = _generate(months, seed, out, scale, workers, clean, registry_dir, fmt)
    _print_summary(summary, out or config.inbox_dir())


def _generate_counties(n, months, seed, out, workers, clean, registry_dir, file_format) -> None:
    """n counties into out (default data/counties/): <code>/registry/ and <code>/inbox/ each,
    and counties.csv listing them."""
    import csv

    from core.months import parse_range
    from core.registry import RegistryError, load_registry
    from demo.counties import city_code, city_name, make_county, write_county
    from demo.generate import generate

    try:
        month_list = parse_range(months)
        template = load_registry(registry_dir)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--months") from e
    except RegistryError as e:
        raise click.ClickException(str(e)) from e
    out = out or config.data_dir() / "counties"
    if clean and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    click.echo(f"Generating {n} counties, {months} (seed {seed}) into {out} …")
    listed = []
    for index in range(n):
        county = make_county(template, index, seed)
        folder = out / county.county_code
        reg = write_county(county, folder / "registry")
        s = generate(
            folder / "inbox", month_list, seed=seed + index, registry=reg, workers=workers,
            file_format=file_format,
        )  # fmt: skip
        units = reg.counts()
        listed.append((reg.county_code, reg.county_name, city_code(reg.county_code),
                       city_name(reg.county_code, seed), units["institute"], units["station"],
                       s["files"]))  # fmt: skip
        click.echo(
            f"  {reg.county_code} {reg.county_name}: {units['institute']} towns, "
            f"{units['station']} stations, {s['files']:,} files ({s['seconds']:.0f} s)"
        )
    with (out / "counties.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "city_code", "city_name", "towns", "stations", "files"])
        w.writerows(listed)
    click.echo(
        f"Listed in {out / 'counties.csv'} (register them above: civic rollup counties FILE)"
    )


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
    p = s["planted"]
    click.echo(
        f"Planted for the audit and the index's screen: {p['faked_points']} faked points, "
        f"{p['padded_activities']} padded activity reports"
    )
    if "registry" in s:
        click.echo(f"Scaled registry written to {s['registry']} (use --registry with it)")
    click.echo(f"Done in {s['seconds']} s; manifest {out / '_generation.json'}")


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


def _review_flags(store, month: date, inbox) -> None:
    """Play the office: decide every flag of the month before it is published."""
    from demo import office
    from index import review

    manifest = office.read_manifest(inbox)
    made, flags = office.review_month(store, month, manifest)
    if made:
        counts: dict[str, int] = {}
        for d in made:
            label = review.DECISIONS[d.kind][d.decision]
            counts[label] = counts.get(label, 0) + 1
        done = "、".join(f"{k}{n}条" for k, n in counts.items())
        click.echo(f"{month:%Y-%m} 疑点核查：{len(made)}条（{done}）")
    for line in office.planted_found(flags, *office.planted(manifest, month)):
        click.echo(f"  {line}")


@click.command("demo")
@click.option(
    "--serve/--no-serve", default=True, show_default=True, help="Serve the dashboard at the end."
)
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int, metavar="N")
@click.option("--months", default=DEFAULT_MONTHS, show_default=True, metavar="FIRST..LAST")
def demo_cmd(serve: bool, seed: int, months: str) -> None:
    """Build the demo county end to end: generate, ingest, rank every month, publish the latest.

    Generates the demo county into data/inbox/, ingests it into a fresh data/db/, ranks
    every month, publishes the latest month whose submission deadline has passed into a
    fresh reports/, opens one account per role and prints their passwords, then serves
    the dashboard at http://localhost:8501 (--no-serve to stop there).
    """
    out = config.inbox_dir()
    summary = _generate(months, seed, out, 1, 2, True, None)
    _print_summary(summary, out)
    store = config.data_dir() / "db"
    if store.exists():
        shutil.rmtree(store)  # the demo rebuilds its database from scratch
    # the inbox is an archive: each file carries the day the office received it (its late
    # and corrected submissions are planted that way), as --received-from-file-dates does
    from etl.receipt import Receipt

    ingest_paths([out], store, None, None, False, Receipt.from_file_dates())
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
        _review_flags(store, latest, out)
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
        serve_dashboard(8501, store, None)
