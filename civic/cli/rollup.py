"""`civic package`: what a county sends upward for a month (rollup/package.py)."""

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
