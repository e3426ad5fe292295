"""`wishbridge connectors`: the installed connectors (built-in and third-party alike) and which are configured."""

from __future__ import annotations

import click

from bridge.cli.core import runtime_of
from bridge.registry import connector_class, known_sources, registry


def _role(name: str) -> str:
    try:
        return str(connector_class(name).role)
    except Exception as error:  # a broken plugin is listed, not fatal
        return f"cannot load ({error.__class__.__name__})"


@click.command("connectors")
@click.pass_context
def connectors_cmd(ctx: click.Context) -> None:
    """List every connector of the entry-point group `wishbridge.connectors`: name, role, module, and
    whether its <NAME>_URL is set. No secret is shown."""
    settings = runtime_of(ctx).settings
    rows = [(name, _role(name), registry()[name].value,
             "configured" if settings.configured(name) else "not configured") for name in known_sources()]
    if not rows:
        click.echo("no connectors installed")
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 0], strict=True)).rstrip())
