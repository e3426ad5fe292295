"""`wishbridge demo`: the whole loop on loopback with nothing to configure."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bridge.demo.stack import PASSWORD, USERS, DemoStack


@click.command()
@click.option("--check", is_flag=True, help="Run the loop headless and exit 0 only when every step happened.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port of the admin pages.")
@click.option("--tickets", default=300, show_default=True, type=int, help="Sandbox tickets to seed.")
@click.option("--dir", "data_dir", default=Path("demo-data"), show_default=True, type=click.Path(path_type=Path),
              help="Folder for the demo's SQLite store (emptied first).")
def demo(check: bool, port: int, tickets: int, data_dir: Path) -> None:
    """Start sandbox Zendesk and Jira, sync, group and route, and serve the admin pages."""
    stack = DemoStack(data_dir, tickets=tickets)
    if check:
        sys.exit(_check(stack))
    _serve(stack, port)


def _check(stack: DemoStack) -> int:
    from bridge.demo.check import run_check
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


def _serve(stack: DemoStack, port: int) -> None:
    from waitress import serve

    from bridge.services import sync_sources

    public = f"http://127.0.0.1:{port}"
    stack.start(public)
    click.echo(f"sandbox Zendesk: {stack.zendesk_url}/agent/tickets/1 (each ticket with the Wishbridge sidebar "
               f"beside it)   sandbox Jira: {stack.jira_url}/browse/WISH-1")
    for summary in sync_sources(stack.runtime):
        click.echo(summary.line())
    stack.prepare_groups()
    stack.run_jobs_in_background()
    click.echo(f"\nAdmin pages: {public}  (password '{PASSWORD}' for every user)")
    for username, role in USERS:
        click.echo(f"  {username:<8} {role}")
    click.echo("Approve a wish group as 'pm'; its epic appears in the sandbox Jira. Move the epic there with the "
               "buttons on its /browse page,\nand the stage message reaches every originating ticket (see the "
               "group page). Ctrl+C stops the demo.")
    try:
        serve(stack.app(), host="127.0.0.1", port=port, threads=8, ident="wishbridge-demo")
    finally:
        stack.stop()
