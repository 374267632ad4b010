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
    """The city or province store: counties' packages in (rollup ingest)."""


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
@click.option(
    "--store",
    "rollup_store",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="The roll-up store (default: data/rollup).",
)
def ingest_cmd(paths: tuple[Path, ...], rollup_store: Path | None) -> None:
    """Load county packages (folders or .zip) into the city or province store.

    Each package is checked first (manifest, schema version, county and month, every
    file's SHA-256, columns and rows); one with any problem is refused whole, with its
    problems, and the others load. A package for a county and month already loaded
    replaces it (a correction). Exits 1 when any package was refused.
    """
    import tempfile

    from rollup import store as rollup_store_mod

    target = rollup_store or config.data_dir() / "rollup"
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
