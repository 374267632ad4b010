"""`civic ingest` and `civic db-path`: loading exports into the database, and finding it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from civic.cli.options import registry_option, store_option


@click.command("ingest")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH..."
)
@store_option
@registry_option
@click.option(
    "--workers", default=None, type=int, metavar="N", help="Reader processes (default: 2)."
)
@click.option("--verbose", "-v", is_flag=True, help="List every file, not only those with issues.")
@click.option(
    "--budget-mb",
    default=None,
    type=click.IntRange(min=1),
    metavar="MB",
    help="What decompression may produce in this run (default: county.toml [reading]).",
)
def ingest_cmd(
    paths: tuple[Path, ...],
    store: Path | None,
    registry_dir: Path | None,
    workers,
    verbose,
    budget_mb: int | None,
) -> None:
    """Load export files, folders or .zip archives into the database.

    The database is data/db/ (--db DIR to change). Shows progress and ends with a
    per-file summary: rows accepted, rows quarantined by reason, sheets recognised, files
    skipped and why. Every zip entry and workbook is measured by decompressing it first: a
    file over the reading limits (county.toml [reading]: rows and cells per sheet, size per
    file, and what the whole run may decompress, --budget-mb) is refused, located, and the
    rest loads.
    """
    ingest_paths(list(paths), store, registry_dir, workers, verbose, budget_mb)


def ingest_paths(paths, store, registry_dir, workers, verbose, budget_mb=None) -> None:
    """Ingest with a progress bar on stderr, then print the per-file summary."""
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
            report = ingest(paths, store, reg, workers, progress, budget_mb=budget_mb)
        except MissingSecret as e:
            raise click.ClickException(str(e)) from e
    for line in file_lines(report, verbose) + total_lines(report):
        click.echo(line)


@click.command("db-path")
@store_option
def db_path_cmd(store: Path | None) -> None:
    """Print the current database file, for read-only queries with other tools.

    Open it read-only (the duckdb CLI, a notebook); every ingest or ranking writes a new
    file and moves the CURRENT pointer to it.
    """
    from core.store import NoDatabase, current_path

    try:
        click.echo(current_path(store))
    except NoDatabase as e:
        raise click.ClickException(str(e)) from e
