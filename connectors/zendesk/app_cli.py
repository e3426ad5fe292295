"""`wishbridge zendesk-app validate | package`: check and build the Zendesk sidebar app. Needs no settings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from connectors.zendesk.app import APP_DIR, package_app, validate_app

SOURCE = click.option("--source", type=click.Path(exists=True, file_okay=False, path_type=Path), default=APP_DIR,
                      show_default=True, help="Folder holding manifest.json, translations/ and assets/.")


@click.group("zendesk-app")
def zendesk_app_cli() -> None:
    """The Zendesk ticket sidebar app (ZAF v2) that shows wishes beside each ticket."""


@zendesk_app_cli.command("validate")
@SOURCE
def validate(source: Path) -> None:
    """List every problem Zendesk's upload would reject; exit 1 when there is any."""
    problems = validate_app(source)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{source}: valid")


@zendesk_app_cli.command("package")
@SOURCE
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder the zip is written to.")
def package(source: Path, out: Path) -> None:
    """Build the zip to upload in Zendesk Admin Center (Apps > Zendesk Support apps > Upload private app)."""
    click.echo(str(package_app(source, out)))
