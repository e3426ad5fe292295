"""`wishbridge report`: topic statistics in the terminal, and as CSV and XLSX files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from bridge.cli.core import runtime_of
from bridge.reports import (
    export_csv,
    export_xlsx,
    release_impact,
    released_groups,
    text_impact,
    text_table,
    text_top_growing,
    topic_report,
)
from bridge.reports.periods import KINDS
from bridge.reports.topics import MEASURES
from bridge.text.catalogue import translate

RELEASES_SHOWN = 5


@click.command("report")
@click.option("--period", type=click.Choice(KINDS), default="week", show_default=True)
@click.option("--periods", type=click.IntRange(1, 104), default=6, show_default=True,
              help="How many periods, ending with the current one.")
@click.option("--measure", type=click.Choice(list(MEASURES)), default="tickets", show_default=True)
@click.option("--language", type=click.Choice(["en", "ru"]), default="en", show_default=True)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Report as of this day (UTC) instead of today.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports-out"),
              show_default=True, help="Folder for topics-<period>.csv and .xlsx.")
@click.pass_context
def report(ctx: click.Context, period: str, periods: int, measure: str, language: str,
           today: datetime | None, out: Path) -> None:
    """Ticket or wish counts by topic per period, top growing topics, released epics; writes CSV and XLSX."""
    runtime = runtime_of(ctx)
    day: date | None = today.date() if today else None
    with runtime.engine.connect() as conn:
        result = topic_report(conn, runtime.mappings, period=period, periods=periods, today=day,
                              language=language, measure=measure)
        min_days = int(runtime.settings["WISHBRIDGE_IMPACT_MIN_DAYS"])
        impacts = [release_impact(conn, runtime.mappings, group_id, language=language, today=day, min_days=min_days)
                   for group_id in released_groups(conn)[:RELEASES_SHOWN]]
    click.echo(text_table(result))
    click.echo(text_top_growing(result))
    shown = [impact for impact in impacts if impact is not None]
    if shown:
        click.echo(translate("reports.released_epics", language) + ":")
        click.echo("".join(text_impact(impact, language) for impact in shown))
    out.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = out / f"topics-{period}.csv", out / f"topics-{period}.xlsx"
    # utf-8-sig: Excel opens a CSV as UTF-8 only when it starts with a byte-order mark.
    csv_path.write_text(export_csv(result), encoding="utf-8-sig", newline="")
    xlsx_path.write_bytes(export_xlsx(result))
    click.echo(f"wrote {csv_path} and {xlsx_path}")
