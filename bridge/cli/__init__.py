"""The `wishbridge` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

import importlib
import logging
import sys
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bridge import logs
from bridge.config import load_settings
from bridge.errors import BridgeError

if TYPE_CHECKING:
    from bridge.runtime import Runtime

log = logging.getLogger(__name__)
RACE_HINT = "another process may have written the same rows at the same moment; run the command again"


COMMAND_ENTRY_POINTS = "wishbridge.commands"  # commands that live outside the core (the demo, a connector's tools)
COMMANDS = {  # name -> (module, attribute, one line of help): a command's module loads only when it runs
    "connectors": ("connectors_cmd", "connectors_cmd", "List every connector of the entry-point group."),
    "db": ("core", "db_cli", "The store: create or upgrade its tables."),
    "group": ("group", "group_cli", "Group similar wishes and measure the grouping quality."),
    "import": ("import_cmd", "import_cmd", "Store the tickets of a .csv, .xlsx or .json file."),
    "mappings": ("core", "mappings_cli", "The YAML mappings admins edit."),
    "release": ("release", "release_cli", "Released changes: the releases and their digest for support and sales."),
    "report": ("report", "report", "Ticket or wish counts by topic per period."),
    "serve": ("core", "serve", "Run the web app (webhooks, API, admin pages) under waitress."),
    "sync": ("core", "sync", "Pull ticket changes from the helpdesks into the store."),
    "user": ("user", "user_cli", "Admin-page users and their roles."),
    "wish": ("wish", "wish_cli", "Customer wishes: add, list, show, group, route, analyse, decide."),
    "worker": ("core", "worker", "Run the scheduler (sync, inbox, outbox, tracker reconcile), one process only."),
}


@cache
def plugged_commands() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=COMMAND_ENTRY_POINTS)}


class BridgeGroup(click.Group):
    """Loads a command's module only when that command runs (`--help` stays light). Turns every BridgeError,
    and every database error, into one clear message and exit code 1. A database error's bound values
    (customers' names, e-mails) are never printed; the traceback is logged at DEBUG."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*COMMANDS, *plugged_commands()])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in plugged_commands():
            plugged: click.Command = plugged_commands()[cmd_name].load()
            return plugged
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f"bridge.cli.{module}"), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lines = {name: help_line for name, (_, _, help_line) in COMMANDS.items()}
        for name in plugged_commands():
            command = self.get_command(ctx, name)
            lines[name] = command.get_short_help_str(80) if command else ""
        with formatter.section("Commands"):
            formatter.write_dl(sorted(lines.items()))

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BridgeError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        except Exception as error:
            store_errors = sys.modules.get("sqlalchemy.exc")  # loaded by then if the store raised it
            if store_errors is None or not isinstance(error, store_errors.SQLAlchemyError):
                raise
            log.debug("cli.store_error", exc_info=error)
            hint = f" ({RACE_HINT})" if isinstance(error, store_errors.IntegrityError) else ""
            click.echo(f"error: the store refused the command: {logs.describe(error).splitlines()[0]}{hint}",
                       err=True)
            sys.exit(1)


@click.group(cls=BridgeGroup)
@click.option("--env-file", type=click.Path(path_type=Path), default=Path(".env"), show_default=True,
              help="Optional .env file read before the environment.")
@click.pass_context
def main(ctx: click.Context, env_file: Path) -> None:
    """Wishbridge: customer wishes from your helpdesk to Jira epics, and status back to every ticket."""
    logs.configure()
    ctx.obj = _LazyRuntime(env_file)


class _LazyRuntime:
    """Settings are read when a command first needs them, so `--help` works without any configuration."""

    def __init__(self, env_file: Path) -> None:
        self.env_file = env_file
        self._runtime: Runtime | None = None

    def get(self) -> Runtime:
        from bridge.runtime import Runtime

        if self._runtime is None:
            settings = load_settings(env_file=self.env_file)
            logs.configure(settings["WISHBRIDGE_LOG_LEVEL"], settings["WISHBRIDGE_LOG_FORMAT"])
            self._runtime = Runtime(settings)
        return self._runtime

