"""`civic registry` and `civic templates`: the county's structure and the blank exports."""

from __future__ import annotations

from pathlib import Path

import click

from civic.cli.options import registry_option


@click.command("registry")
@registry_option
def registry_cmd(registry_dir: Path | None) -> None:
    """Check the county registry and print what it holds.

    The registry is data/registry/ (another with --registry or CIVIC_REGISTRY_DIR; an
    installed civic without data/registry/ uses the county it ships with). Prints its
    units, teams, brand projects, points items and population, or every problem found.
    """
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
