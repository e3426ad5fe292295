"""Foundation commands: db, mappings, sync, serve, worker."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bridge.mapping import check_mappings
from bridge.runtime import Runtime
from bridge.sync.pull import SyncSummary


def runtime_of(ctx: click.Context) -> Runtime:
    runtime: Runtime = ctx.find_root().obj.get()
    return runtime


@click.group("db")
def db_cli() -> None:
    """The store: create or upgrade its tables."""


@db_cli.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply every pending migration to DATABASE_URL (also done automatically on start)."""
    runtime = runtime_of(ctx)
    runtime.engine  # noqa: B018 - opening the engine runs the migrations
    click.echo(f"store is up to date: {runtime.engine.url.render_as_string()}")


@click.group("mappings")
def mappings_cli() -> None:
    """The YAML mappings admins edit."""


@mappings_cli.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.pass_context
def mappings_check(ctx: click.Context, directory: Path | None) -> None:
    """Validate every file in DIRECTORY (default WISHBRIDGE_MAPPINGS); exit 1 listing every error."""
    directory = directory or runtime_of(ctx).settings.mappings_dir
    mappings, issues = check_mappings(directory)
    for issue in issues:
        click.echo(str(issue))
    if issues:
        click.echo(f"{len(issues)} error(s) in {directory}", err=True)
        sys.exit(1)
    click.echo(f"{directory}: {len(mappings.documents)} file(s) valid")


@click.command()
@click.option("--source", multiple=True, help="Only this helpdesk (repeatable); default: every configured one.")
@click.pass_context
def sync(ctx: click.Context, source: tuple[str, ...]) -> None:
    """Pull every ticket change since the stored cursor from the helpdesks into the store, then exit. Every
    helpdesk is tried; exit 1 if any failed."""
    from bridge.registry import connector_class
    from bridge.worker.jobs import sync_sources

    for name in source:
        connector_class(name)  # a mistyped name is refused, never recorded as a failing helpdesk
    runtime = runtime_of(ctx)
    with click.progressbar(length=0, label="syncing", show_pos=True) as bar:
        def progress(summary: SyncSummary) -> None:
            bar.length = summary.tickets
            bar.label = f"{summary.source}: {summary.tickets} tickets, {summary.pages} pages"
            bar.update(summary.tickets - bar.pos)

        summaries = sync_sources(runtime, list(source), progress=progress)
    for summary in summaries:
        click.echo(summary.line(), err=summary.error is not None)
        for value in summary.unmapped:
            click.echo(f"  {value.line()}")
    failed = [summary.source for summary in summaries if summary.error]
    if failed:
        click.echo(f"{len(failed)} of {len(summaries)} helpdesk(s) failed: {', '.join(failed)}", err=True)
        sys.exit(1)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Run the web app (webhooks, API, admin pages) under the waitress WSGI server."""
    from waitress import serve as waitress_serve

    from bridge.store.engine import leave_checkpoints_to_the_worker
    from bridge.web.app import create_app

    runtime = runtime_of(ctx)
    leave_checkpoints_to_the_worker(runtime.engine)
    app = create_app(runtime=runtime)
    click.echo(f"serving on http://{host}:{port}")
    waitress_serve(app, host=host, port=port, threads=threads, ident="wishbridge")


@click.command()
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run the scheduler (sync, inbox, outbox, Jira reconcile) — in exactly one process."""
    from bridge.worker.scheduler import run_worker

    run_worker(runtime_of(ctx))
