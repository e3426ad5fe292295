"""The `wishbridge` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bridge import logs
from bridge.cli.connectors_cmd import connectors_cmd
from bridge.cli.core import db_cli, mappings_cli, serve, sync, worker
from bridge.cli.demo import demo
from bridge.cli.group import group_cli
from bridge.cli.import_cmd import import_cmd
from bridge.cli.report import report
from bridge.cli.user import user_cli
from bridge.cli.wish import wish_cli
from bridge.cli.zendesk_app_cmd import zendesk_app_cli
from bridge.config import load_settings
from bridge.errors import BridgeError
from bridge.runtime import Runtime

log = logging.getLogger(__name__)
RACE_HINT = "another process may have written the same rows at the same moment; run the command again"


class BridgeGroup(click.Group):
    """Turns every BridgeError, and every database error, into one clear message and exit code 1. A database
    error's bound values (customers' names, e-mails) are never printed; the traceback is logged at DEBUG."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BridgeError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        except SQLAlchemyError as error:
            log.debug("cli.store_error", exc_info=error)
            hint = f" ({RACE_HINT})" if isinstance(error, IntegrityError) else ""
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
        if self._runtime is None:
            settings = load_settings(env_file=self.env_file)
            logs.configure(settings["WISHBRIDGE_LOG_LEVEL"], settings["WISHBRIDGE_LOG_FORMAT"])
            self._runtime = Runtime(settings)
        return self._runtime


for command in (db_cli, mappings_cli, sync, serve, worker, demo, user_cli, report, import_cmd, connectors_cmd,
                zendesk_app_cli, wish_cli, group_cli):
    main.add_command(command)
