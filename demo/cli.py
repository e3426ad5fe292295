"""`wishbridge demo`: the whole loop on loopback with nothing to configure."""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bridge import logs

if TYPE_CHECKING:
    from demo.stack import DemoStack


HELPDESKS = ("zendesk", "usedesk")  # demo/vendors.py's adapters, named here so `--help` loads no sandbox
TRACKERS = ("jira", "yandex_tracker")
TRACKER_ALIASES = {"yandex": "yandex_tracker"}


def _tracker(_context: click.Context, _parameter: click.Parameter, value: str) -> str:
    return TRACKER_ALIASES.get(value, value)


@click.command()
@click.option("--check", is_flag=True, help="Run the loop headless and exit 0 only when every step happened.")
@click.option("--helpdesk", default="zendesk", show_default=True, type=click.Choice(HELPDESKS),
              help="Sandbox helpdesk the customers write to.")
@click.option("--tracker", default="jira", show_default=True, callback=_tracker,
              type=click.Choice(TRACKERS + tuple(TRACKER_ALIASES)),
              help="Sandbox tracker the epics go to ('yandex' is short for yandex_tracker).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535),
              help="Port of the admin pages.")
@click.option("--tickets", default=300, show_default=True, type=int, help="Sandbox tickets to seed.")
@click.option("--dir", "data_dir", default=Path("demo-data"), show_default=True, type=click.Path(path_type=Path),
              help="Folder for the demo's SQLite store (emptied first).")
def demo(check: bool, helpdesk: str, tracker: str, port: int, tickets: int, data_dir: Path) -> None:
    """Start a sandbox helpdesk and tracker, sync, group and route, and serve the admin pages."""
    listener = None
    if not check:
        listener = _listen(port)
        if listener is None:
            other = port + 10 if port + 10 <= 65535 else 8090
            click.echo(f"error: port {port} is taken on 127.0.0.1; stop what uses it or run "
                       f"`wishbridge demo --port {other}`", err=True)
            sys.exit(2)
    from demo.stack import DemoStack  # the sandboxes and the store load only when the demo runs

    stack = DemoStack(data_dir, tickets=tickets, helpdesk_name=helpdesk, tracker_name=tracker)
    if listener is None:
        sys.exit(_check(stack))
    _serve(stack, listener)


def _check(stack: DemoStack) -> int:
    from demo.check import run_check
    from sandboxes.zendesk import serve_in_thread

    placeholder = "http://127.0.0.1:1"
    stack.start(placeholder)
    try:
        app_url, stop_app = serve_in_thread(stack.app())
        stack.point_webhooks_at(app_url)
        steps = run_check(stack)
        stop_app()
    finally:
        stack.stop()
    for step in steps:
        click.echo(step.line())
    failed = [step for step in steps if not step.ok]
    click.echo(f"{len(steps) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _listen(port: int) -> socket.socket | None:
    """The admin pages' socket, bound and listening on 127.0.0.1:`port` before anything starts (so a taken port
    is said at once, and nothing can take it meanwhile); None when the port is taken or not ours to use."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does: a just-closed demo's port
    try:
        listener.bind(("127.0.0.1", port))
        listener.listen(1024)
    except OSError:
        listener.close()
        return None
    return listener


def _log_to_file(path: Path) -> None:
    """The demo's log lines go to `path`, so the terminal keeps what a person needs."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logs.ContextFormatter())
    logging.getLogger().handlers = [handler]


def _serve(stack: DemoStack, listener: socket.socket) -> None:
    from waitress import serve

    from bridge.worker.jobs import sync_sources
    from demo.stack import DEMO_API_KEY, PASSWORD, USERS

    public = f"http://127.0.0.1:{listener.getsockname()[1]}"
    log_file = stack.data_dir.with_suffix(".log")
    _log_to_file(log_file)
    click.echo(f"Starting the sandboxes, syncing and grouping the demo tickets (log: {log_file})…")
    stack.start(public)
    for summary in sync_sources(stack.runtime):
        click.echo(summary.line())
    stack.prepare_groups()
    stack.run_jobs_in_background()
    click.echo(f"\n{stack.helpdesk.guide()}\n{stack.tracker.guide()}\nlog: {log_file}")
    click.echo(f"\nApprove a wish group as 'pm'; its epic appears in the sandbox {stack.tracker.label}. Move the "
               "epic there,\nand the stage message reaches every originating ticket (see the group page). Ctrl+C "
               "stops the demo.")
    click.echo(f"\nAdmin pages: {public}  (password '{PASSWORD}' for every user)")
    for username, role in USERS:
        click.echo(f"  {username:<8} {role}")
    click.echo(f"Product form API key: {DEMO_API_KEY}  (POST {public}/api/v1/wishes)")
    try:
        serve(stack.app(), sockets=[listener], threads=8, ident="wishbridge-demo")
    finally:
        stack.stop()
