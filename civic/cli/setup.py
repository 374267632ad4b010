"""`civic registry` and `civic templates`: the county's structure and the blank exports."""

from __future__ import annotations

from pathlib import Path

import click

from civic.cli.options import registry_option

UNIT_LABELS = {
    "county": "县级中心",
    "subcentre": "片区分中心",
    "institute": "实践所",
    "station": "实践站",
    "county_team": "县级志愿服务队",
    "town_team": "乡镇志愿服务队",
    "village_team": "村级志愿服务队",
    "brand_project": "品牌项目",
    "points_item": "积分项目",
}


@click.command("registry")
@registry_option
def registry_cmd(registry_dir: Path | None) -> None:
    """Check the county registry and print what it holds.

    The registry is data/registry/ (another with --registry or CIVIC_REGISTRY_DIR; an
    installed civic without data/registry/ uses the county it ships with). Prints its
    units, teams, brand projects, points items and population, or every problem found.
    """
    from core.registry import RegistryError, load_registry

    try:
        reg = load_registry(registry_dir)
    except RegistryError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{reg.settings['county']['name']} ({reg.county_code}), registry {reg.folder}")
    for key, n in reg.counts().items():
        click.echo(f"  {UNIT_LABELS.get(key, key)}: {n}")
    click.echo(f"  人口: {int(reg.of_kind('county')['population'][0]):,}")


@click.command("templates")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path), metavar="OUT_DIR")
def templates_cmd(out_dir: Path) -> None:
    """Write the blank export templates (.xlsx with drop-downs, and CSV headers).

    The official templates into OUT_DIR: one .xlsx per export kind with drop-down lists
    of the allowed values, and UTF-8 CSV headers.
    """
    from core.templates import write_templates

    files = write_templates(out_dir)
    for f in files:
        click.echo(f"  {f}")
    click.echo(f"{len(files)} template files written to {out_dir}")
