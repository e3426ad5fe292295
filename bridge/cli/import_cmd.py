"""`wishbridge import FILE`: tickets from a helpdesk export file, for a team whose helpdesk has no connector."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bridge.cli.core import runtime_of
from bridge.sync.importer import import_file, load_import_mapping
from bridge.worker.jobs import intake_for_run


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Column mapping (default: import.yaml in WISHBRIDGE_MAPPINGS).")
@click.pass_context
def import_cmd(ctx: click.Context, file: Path, mapping_path: Path | None) -> None:
    """Store the tickets of FILE (.csv, .xlsx, or .json: a list of objects) and register their wishes.
    Importing the same file again changes nothing; bad rows are listed and skipped. Exit 1 when any row
    was bad."""
    runtime = runtime_of(ctx)
    mappings = runtime.mappings
    mapping = load_import_mapping(mapping_path or mappings.directory / "import.yaml", mappings.documents)
    try:
        summary = import_file(runtime.engine, file, mapping, intake=intake_for_run(runtime, door="import"))
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    for bad in summary.bad:
        click.echo(f"{file}: {bad}", err=True)
    click.echo(f"{file}: {summary.line()}")
    if summary.bad:
        sys.exit(1)
