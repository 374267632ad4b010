"""`civic ingest` and `civic db-path`: loading exports into the database, and finding it."""

from __future__ import annotations

import json
import sys
from datetime import datetime
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
    "--received-at",
    "received_at",
    default=None,
    metavar="'YYYY-MM-DD[ HH:MM]'",
    help="When the office received these files (default: now, when the run starts).",
)
@click.option(
    "--received-from-file-dates",
    is_flag=True,
    help="Take each file's own date as when it was received: loading an archive of past months.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (UTF-8).")
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
    received_at: str | None,
    received_from_file_dates: bool,
    as_json: bool,
    budget_mb: int | None,
) -> None:
    """Load export files, folders or .zip archives into the database.

    The database is data/db/ (--db DIR to change). Shows progress and ends with a per-file
    summary: rows accepted, rows quarantined by reason, sheets recognised, the earlier
    version a file replaced, files skipped and why (--json: the same as JSON). Files count
    as received when the run starts, in the order of their own dates, then paths: a later
    run's file replaces an earlier one of the same unit, month and sheet. A file's own date
    is information only, unless --received-from-file-dates (an archive received earlier)
    or --received-at says when the office received them. Every zip entry and workbook is
    measured by decompressing it first: a file over the reading limits (county.toml
    [reading]: rows and cells per sheet, size per file, and what the whole run may
    decompress, --budget-mb) is refused, located, and the rest loads.
    """
    received = receipt_of(received_at, received_from_file_dates)
    ingest_paths(list(paths), store, registry_dir, workers, verbose, received, as_json, budget_mb)


def receipt_of(received_at: str | None, from_file_dates: bool):
    """The --received-at / --received-from-file-dates choice (at most one)."""
    from etl.receipt import Receipt, parse_time

    if received_at and from_file_dates:
        raise click.UsageError("--received-at 与 --received-from-file-dates 只能选一个")
    if from_file_dates:
        return Receipt.from_file_dates()
    if received_at:
        try:
            when = parse_time(received_at)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--received-at") from None
        if when > datetime.now():
            raise click.BadParameter(
                f"{received_at} 晚于现在：收到时间不能在将来", param_hint="--received-at"
            )
        return Receipt.given(when)
    return Receipt.at_run()


def ingest_paths(
    paths,
    store,
    registry_dir,
    workers,
    verbose,
    received=None,
    as_json: bool = False,
    budget_mb: int | None = None,
) -> None:
    """Ingest with a progress bar on stderr, then print the per-file summary (or its JSON)."""
    from core import store as db_store
    from core.registry import RegistryError, load_registry
    from core.secrets import MissingSecret
    from etl.ingest import ingest
    from etl.summary import as_json as summary_json
    from etl.summary import file_lines, total_lines

    try:
        reg = load_registry(registry_dir)
    except RegistryError as e:
        raise click.ClickException(str(e)) from e
    with click.progressbar(
        length=1, label="导入", show_pos=True, file=sys.stderr, hidden=as_json
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            report = ingest(
                paths, store, reg, workers, progress, budget_mb=budget_mb, received=received
            )
        except MissingSecret as e:
            raise click.ClickException(str(e)) from e
    if as_json:
        try:
            current = db_store.current_path(store)
        except db_store.NoDatabase:
            current = None
        click.echo(json.dumps(summary_json(report, current), ensure_ascii=False, indent=2))
        return
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
