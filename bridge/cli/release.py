"""`wishbridge release`: the releases the tracker reported, and a release's digest for support, sales and customer
success (Markdown on the terminal, Markdown and CSV files)."""

from __future__ import annotations

from pathlib import Path

import click

from bridge.cli.core import runtime_of
from bridge.errors import BridgeError
from bridge.reports import (
    ReleaseRules,
    digest_csv,
    digest_markdown,
    find_release,
    release_digest,
    release_name,
    released_epics,
    releases,
)
from bridge.reports.releases import WEEK


@click.group("release")
def release_cli() -> None:
    """Released changes: what shipped, who asked, which key accounts."""


@release_cli.command("list")
@click.option("--language", type=click.Choice(["en", "ru"]), default="en", show_default=True)
@click.pass_context
def list_releases(ctx: click.Context, language: str) -> None:
    """Every release, newest first: its key (for `release digest`), name, day and number of changes."""
    runtime = runtime_of(ctx)
    with runtime.engine.connect() as conn:
        found = releases(released_epics(conn))
    for release in found:
        click.echo(f"{release.key}\t{release_name(release, language)}\t{release.released_at.date().isoformat()}\t"
                   f"{len(release.epics)}")


@release_cli.command("digest")
@click.option("--version", "version", default=None, help="The fix version, as the tracker names it.")
@click.option("--week", default=None, help="A release without a fix version: its week, e.g. 2026-W11.")
@click.option("--language", type=click.Choice(["en", "ru"]), default="en", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write release-digest.md and release-digest.csv into this folder.")
@click.pass_context
def digest(ctx: click.Context, version: str | None, week: str | None, language: str, out: Path | None) -> None:
    """The digest of one release (the newest without --version or --week), printed as Markdown."""
    if version and week:
        raise click.UsageError("give --version or --week, not both")
    runtime = runtime_of(ctx)
    rules = ReleaseRules.from_settings(runtime.settings)
    key = version or (WEEK + week if week else None)
    with runtime.engine.connect() as conn:
        release = find_release(conn, key)
        if release is None:
            raise BridgeError(f"no release {key}: see `wishbridge release list`" if key else "nothing released yet")
        found = release_digest(conn, runtime.mappings, release, rules, language=language)
    click.echo(digest_markdown(found, rules))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "release-digest.md").write_text(digest_markdown(found, rules), encoding="utf-8")
        # utf-8-sig: Excel opens a CSV as UTF-8 only when it starts with a byte-order mark.
        (out / "release-digest.csv").write_text(digest_csv(found), encoding="utf-8-sig", newline="")
        click.echo(f"wrote {out / 'release-digest.md'} and {out / 'release-digest.csv'}")
