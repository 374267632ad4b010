"""`civic package` (what a county sends upward for a month) and `civic rollup ingest` (the
city or province store taking packages in): rollup/."""

from __future__ import annotations

from pathlib import Path

import click

from civic.cli.options import parse_month, store_option
from core import config


@click.command("package")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM",
              help="The month to send (it must have been ranked).")  # fmt: skip
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Folder to write into (default: data/packages).",
)
@click.option("--zip", "as_zip", is_flag=True, help="Also write the package as one .zip.")
@store_option
def package_cmd(month_text: str, out: Path | None, as_zip: bool, store: Path | None) -> None:
    """Write the month's package for the city or province: facts, marts, index, registry.

    Into data/packages/<county code>_<YYYY-MM>/: the month's facts and marts, its current
    ranking and the registry as Parquet, with manifest.json (schema version, county,
    month, methodology, every file's rows, columns and SHA-256). Personal data only as
    the store holds it: names masked, ID numbers as keyed hashes; free text residents or
    officers wrote is left out. The package is checked as the roll-up will check it.
    """
    from core.store import NoDatabase
    from rollup import package

    month = parse_month(month_text)
    out = out or config.data_dir() / "packages"
    try:
        folder = package.make(store or config.db_dir(), month, out)
    except (package.PackageError, NoDatabase) as e:
        raise click.ClickException(str(e)) from e
    checked = package.verify(folder)
    if not checked.ok:  # a package this civic cannot read back is not sent
        raise click.ClickException("数据包自检未通过：" + "；".join(checked.problems))
    tables = checked.manifest["tables"]
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    click.echo(f"数据包：{folder}（{len(tables)} 张表，{size / 2**20:.1f} MB）")
    for name, entry in tables.items():
        click.echo(f"  {name:<22} {entry['rows']:>9,} 行")
    if as_zip:
        click.echo(f"压缩包：{package.zip_package(folder)}")


@click.group("rollup")
def rollup_cmd() -> None:
    """The city or province store: its counties, their packages, the ranking, the edition.

    In the order of a month's work: counties (once, and when the list changes), ingest,
    rank, publish. models builds counties' models from their stores on DuckDB or Spark.
    """


def rollup_store_option(f):
    return click.option(
        "--store",
        "rollup_store",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        metavar="DIR",
        help="The roll-up store (default: data/rollup).",
    )(f)


def _store(rollup_store: Path | None) -> Path:
    return rollup_store or config.data_dir() / "rollup"


@rollup_cmd.command("counties")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="The city's or province's name as printed "
              "(default: the city's name, when the counties are one city's).")  # fmt: skip
@rollup_store_option
def counties_cmd(csv_file: Path, name: str | None, rollup_store: Path | None) -> None:
    """Register the counties the store expects packages from (a CSV: code, name,
    city_code, city_name).

    Every problem of the list is named with its row and column, and nothing is stored
    until there is none. The ranking lists every registered county (one without a
    package for the month is 未报送); packages of other counties are refused.
    """
    from rollup import registry

    target = _store(rollup_store)
    try:
        region = registry.region_of(registry.read_csv(csv_file), name)
    except registry.RegistryError as e:
        for problem in e.problems:
            click.echo(f"错误  {problem}", err=True)
        raise SystemExit(1) from e
    registry.write(target, region)
    cities = len({c.city_code for c in region.counties})
    level = "市" if region.level == "city" else f"省（{cities} 个市）"
    click.echo(f"已登记 {region.name}：{level}，{len(region.counties)} 个县（区）→ {target}")


def _unpacked(path: Path, into: Path) -> Path:
    """A package sent as .zip, extracted into `into`: its one top folder. Entries outside
    that folder, absolute or with '..', refuse the archive."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            tops = {n.split("/", 1)[0] for n in names}
            if len(tops) != 1 or any(n.startswith("/") or ".." in n.split("/") for n in names):
                raise click.ClickException("压缩包应只含一个数据包文件夹")
            z.extractall(into)
    except zipfile.BadZipFile as e:
        raise click.ClickException(f"不是有效的 .zip 文件（{e}）") from e
    return into / tops.pop()


@rollup_cmd.command("ingest")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))  # fmt: skip
@rollup_store_option
def ingest_cmd(paths: tuple[Path, ...], rollup_store: Path | None) -> None:
    """Load county packages (folders or .zip) into the city or province store.

    Each package is checked first (manifest, schema version, county and month, every
    file's SHA-256, columns and rows); one with any problem is refused whole, with its
    problems, and the others load. A package for a county and month already loaded
    replaces it (a correction). Exits 1 when any package was refused.
    """
    import tempfile

    from rollup import store as rollup_store_mod

    target = _store(rollup_store)
    refused = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate(paths):
            try:
                folder = _unpacked(path, Path(tmp) / str(i)) if path.is_file() else path
                entry = rollup_store_mod.load(target, folder)
            except (click.ClickException, rollup_store_mod.Refused) as e:
                refused += 1
                message = e.message if isinstance(e, click.ClickException) else str(e)
                click.echo(f"拒收  {path}：{message}", err=True)
                continue
            when = (entry["replaces"] or "").replace("T", " ")[:16]
            replaced = f"，替换 {when} 制作的数据包" if when else ""
            click.echo(
                f"已接收 {entry['county_name']}（{entry['county_code']}）{entry['month']}："
                f"{sum(entry['rows'].values()):,} 行{replaced}"
            )
    click.echo(f"汇总库：{target}（{len(rollup_store_mod.current(target)['packages'])} 个数据包）")
    if refused:
        raise SystemExit(1)


@rollup_cmd.command("rank")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM",
              help="The month to rank (packages of months up to it are read).")  # fmt: skip
@click.option("--methodology", "method_path", default=None, metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Another methodology file (default: the newest of "
              "data/methodology/rollup/).")  # fmt: skip
@click.option("--draws", type=click.IntRange(10, 100_000), default=None,
              help="Draws of the uncertainty analysis (default 1,000).")  # fmt: skip
@rollup_store_option
def rank_cmd(
    month_text: str, method_path: Path | None, draws: int | None, rollup_store: Path | None
) -> None:
    """Rank the counties for a month and keep the ranking in the store.

    The county index's engine over the counties' packages, with the roll-up's own
    methodology: size-normalised indicators, screening (数据存疑 values capped), 未报送
    counties last, each place with its 5–95% interval and ◇ where the order with a
    neighbour is within the margin. Ranking again replaces the month's ranking.
    """
    from index import report_text
    from index.compute import DEFAULT_DRAWS
    from index.methodology import MethodologyError
    from rollup import rank

    target = _store(rollup_store)
    month = parse_month(month_text)
    try:
        ranked = rank.compute(target, month, method_path, draws or DEFAULT_DRAWS)
    except (rank.NotRankable, MethodologyError) as e:
        raise click.ClickException(str(e)) from e
    entry = rank.store_ranking(target, ranked)
    click.echo(f"{entry['methodology_title']} · 数据：{entry['snapshot']}")
    click.echo(report_text.tables(ranked.ranking, month, ("county",)))
    flags = ranked.ranking.flags
    flags = flags.filter(flags["month"] == month).height if flags.height else 0
    if flags:
        click.echo(f"数据存疑：{flags} 个数值按上限计分（见发布稿“数据存疑”）")


@rollup_cmd.command("publish")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM")
@click.option("--approver", required=True, metavar="NAME", help="Who approves the edition.")
@click.option("--revise", is_flag=True, help="Publish a 修订版 of a month already published.")
@click.option("--reason", default="", metavar="TEXT", help="Why the revision (with --revise).")
@click.option("--reports", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="DIR", help="Where editions go (default: reports/rollup).")  # fmt: skip
@rollup_store_option
def publish_cmd(
    month_text: str,
    approver: str,
    revise: bool,
    reason: str,
    reports: Path | None,
    rollup_store: Path | None,
) -> None:
    """Publish the month's ranking of counties: article (HTML, PDF), workbook, manifest.

    Into reports/rollup/YYYY-MM/v1/, from the month's current ranking; refused while a
    package loaded after the ranking makes it out of date. A month already published
    is refused unless --revise --reason "...", which publishes the next version.
    """
    from rollup import edition, rank

    target = _store(rollup_store)
    try:
        folder = edition.publish(
            target, reports or config.reports_dir() / "rollup", parse_month(month_text),
            approver, revise, reason,
        )  # fmt: skip
    except (edition.NotPublishable, rank.NotRankable) as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"已发布：{folder}")
    for path in sorted(folder.iterdir()):
        click.echo(f"  {path.name:<28} {path.stat().st_size / 1024:>8.0f} KB")


@rollup_cmd.command("models")
@click.argument("stores", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))  # fmt: skip
@click.option("--engine", type=click.Choice(["duckdb", "spark", "both"]), default="duckdb",
              show_default=True,
              help="Where the models run; both: on each, then compared row by row.")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="DIR", help="Where inputs and tables go (default: data/models).")  # fmt: skip
@click.option("--master", default=None, metavar="URL",
              help="Spark's master: local[2] (default, or CIVIC_SPARK_MASTER), spark://… "
              "or a Spark Connect address sc://host:15002.")  # fmt: skip
def models_cmd(stores: tuple[Path, ...], engine: str, out: Path | None, master: str | None) -> None:
    """Build counties' staging, fact and mart models from their stores' inputs, on DuckDB
    or Spark, from the same model files, as Parquet partitioned by county and month.

    Each county store's inputs (the rows its ingests loaded, the registry, the office's
    clearings) are written to DIR/inputs/<table>/county=<code>/, then every model of
    etl/models/ is built into DIR/<engine>/<model>/county=<code>/period=<YYYY-MM>/. With
    --engine both, the two runs are compared table by table, row by row; any difference
    is listed and the command exits 1. Spark needs pyspark (civic[spark]) and Java 17.
    """
    import time

    from etl.engines import compare, on_duckdb, parquet

    out = out or config.data_dir() / "models"
    codes = []
    for store in stores:
        code = parquet.export_inputs(store, out / "inputs")
        codes.append(code)
        click.echo(f"输入：{code}（{store}）")
    engines = ["duckdb", "spark"] if engine == "both" else [engine]
    if "duckdb" in engines:
        for code in codes:
            t = time.perf_counter()
            rows = on_duckdb.build(out / "inputs", out / "duckdb", code)
            click.echo(f"DuckDB  {code}：{len(rows)} 张表，{time.perf_counter() - t:.1f} 秒")
    if "spark" in engines:
        try:
            from etl.engines import on_spark
        except ImportError as e:
            raise click.ClickException("Spark 需要 pyspark：uv sync --extra spark") from e
        t = time.perf_counter()
        with on_spark.session(master) as spark:
            click.echo(f"Spark 已启动（{spark.conf.get('spark.master', master or '')}），"
                       f"{time.perf_counter() - t:.1f} 秒")  # fmt: skip
            for code in codes:
                t = time.perf_counter()
                rows = on_spark.build(spark, out / "inputs", out / "spark", code)
                click.echo(f"Spark   {code}：{len(rows)} 张表，{time.perf_counter() - t:.1f} 秒")
    if engine != "both":
        return
    problems = compare.of_runs(out, codes)
    for p in problems:
        click.echo(f"不一致  {p}", err=True)
    tables = len(on_duckdb.model_names()) * len(codes)
    if problems:
        raise SystemExit(1)
    click.echo(f"DuckDB 与 Spark：{len(codes)} 个县的 {tables} 张表逐行一致")


@rollup_cmd.command("status")
@click.option("--month", "month_text", default=None, metavar="YYYY-MM",
              help="One month, county by county (default: each month on a line).")  # fmt: skip
@rollup_store_option
def status_cmd(month_text: str | None, rollup_store: Path | None) -> None:
    """Where each month stands: packages received and missing, the ranking, the editions.

    One line per month: how many registered counties sent their package and which did
    not, when the ranking was computed (and whether a package came after it), the
    editions published. With --month, that month county by county: when each package
    was made and received, and the earlier one it replaced.
    """
    from rollup import status

    target = _store(rollup_store)
    region, lines = status.months(target)
    title = region.name if region else "（未登记县名单：civic rollup counties）"
    click.echo(f"{title} · 汇总库 {target}")
    if month_text:
        wanted = f"{parse_month(month_text):%Y-%m}"
        lines = [m for m in lines if m.month == wanted]
        if not lines:
            raise click.ClickException(f"汇总库中没有 {wanted} 的数据包")
    for m in lines:
        stale = "" if m.ranking_current else "（其后又接收了数据包，需重新计算）"
        ranked = f"排名 {m.ranked_at}{stale}" if m.ranked_at else "未计算排名"
        missing = f"，未报送：{'、'.join(m.missing)}" if m.missing else ""
        editions = "；".join(m.editions) or "未发布"
        click.echo(
            f"{m.month}  已接收 {m.received}/{m.registered}{missing} · {ranked} · {editions}"
        )
        if month_text:
            for c in m.counties:
                sent = (
                    f"数据包 {c.made_at} 制作，{c.received_at} 接收"
                    + (f"（替换 {c.replaced} 制作的）" if c.replaced else "")
                    if c.made_at else "未报送"
                )  # fmt: skip
                click.echo(f"  {c.code} {c.name} {c.city_name}：{sent}")
