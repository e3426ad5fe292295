"""``group`` commands: measure how well similar wishes are grouped."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import click

from bridge.grouping.evaluation import DIALECTS, evaluate_csv
from bridge.grouping.similarity import GroupingPolicy
from bridge.text.encoders import DEFAULT_ENCODER, available, load_encoder
from bridge.text.numbers import public_number

group_cli = click.Group("group", help="Group similar wishes and measure the grouping quality.")

_DEFAULT = GroupingPolicy()


@group_cli.command("evaluate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--text-column", "-t", required=True, help="Column holding the wish text.")
@click.option("--group-column", "-g", required=True, help="Column holding the gold group of each row.")
@click.option("--dialect", type=click.Choice(list(DIALECTS)), default="comma", show_default=True,
              help="Field separator; fields are quoted with \" and a quote inside one is doubled.")
@click.option("--encoder", default=DEFAULT_ENCODER, show_default=True,
              help=f"Sentence encoder of the semantic score ({', '.join(available())}).")
@click.option("--auto-join", type=click.FloatRange(0, 1), default=_DEFAULT.auto_join, show_default=True)
@click.option("--suggest-min", type=click.FloatRange(0, 1), default=_DEFAULT.suggest_min, show_default=True)
@click.option("--semantic-weight", type=click.FloatRange(0, 1), default=_DEFAULT.semantic_weight,
              show_default=True)
def evaluate_command(file: Path, text_column: str, group_column: str, dialect: str, encoder: str,
                     auto_join: float, suggest_min: float, semantic_weight: float) -> None:
    """Evaluate grouping on FILE, a CSV with a text column and a gold-group column.

    Per gold group, the first half of its rows seed the index and the rest are queries; single-row groups
    and every fifth larger group are held out whole, so their rows are new wishes that should join nothing.
    """
    try:
        policy = replace(_DEFAULT, auto_join=auto_join, suggest_min=suggest_min, semantic_weight=semantic_weight)
        report = evaluate_csv(file, text_column, group_column, policy, load_encoder(encoder), dialect)
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror or error}") from error
    except (UnicodeDecodeError, csv.Error, ValueError) as error:
        raise click.ClickException(f"{file}: {error}") from error
    for line in report.lines():
        click.echo(line)


@group_cli.command("run")
@click.pass_context
def run(ctx: click.Context) -> None:
    """Re-run grouping over unreviewed single-wish groups, joining the confident matches (audited, reversible
    with `wish unmerge`)."""
    from bridge.cli.core import runtime_of
    from bridge.grouping.regroup import regroup

    runtime = runtime_of(ctx)
    with runtime.engine.begin() as conn:
        summary = regroup(conn, runtime.mappings)
    click.echo(summary.line())
    for group_id, target, score in summary.joined:
        click.echo(f"  group {public_number(group_id)} joined group {public_number(target)} (score {score:.2f})")
