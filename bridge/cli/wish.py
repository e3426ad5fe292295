"""`wishbridge wish ...`: the wish workflow from the terminal. Each command runs in one transaction; an
unknown id or a forbidden transition exits 1 with the workflow's message. Groups are named and shown by their
public number (`W-12`; `12` is taken too)."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import click
from sqlalchemy import Connection

from bridge.cli.core import runtime_of
from bridge.mapping import Mappings
from bridge.text.explain import key_refusal
from bridge.text.numbers import parse_public_number, public_number
from bridge.tracker.keys import KeyRefused, check_issue_key
from bridge.workflow import lifecycle, read_models
from bridge.workflow.changes import STATES
from bridge.workflow.lookup import Found, find_groups
from bridge.workflow.priority import IMPORTANCE
from bridge.workflow.routing import QUEUES

F = TypeVar("F", bound=Callable[..., Any])


class GroupNumber(click.ParamType):
    """A wish group as people name it: its public number `W-12` (or `12`, `#12`)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        group_id = value if isinstance(value, int) else parse_public_number(str(value))
        if group_id is None:
            self.fail(f"{value!r} is not a wish group number (W-12)", param, ctx)
        return group_id


GROUP = GroupNumber()


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def actor_option(command: F) -> F:
    return click.option("--actor", default=_default_actor, show_default="your user name",
                        help="Who does this (kept in the audit trail).")(command)


def _in_transaction(ctx: click.Context, work: Callable[[Connection, Mappings], Any]) -> Any:
    runtime = runtime_of(ctx)
    with runtime.engine.begin() as conn:
        return work(conn, runtime.mappings)


@click.group("wish")
def wish_cli() -> None:
    """Customer wishes: add, list, show, group, route, analyse and decide."""


@wish_cli.command("add")
@click.option("--text", required=True, help="What the customer asks for.")
@click.option("--title", help="Short title (default: the text's first line).")
@click.option("--organization", default="", help="The customer's organisation.")
@click.option("--contact", default="", help="Who asked: name, e-mail or phone.")
@click.option("--customer-id", help="The customer's id in your systems.")
@click.option("--channel", help="How it reached you, e.g. meeting, phone, e-mail.")
@click.option("--category", help="Category id from topics.yaml.")
@click.option("--subcategory", help="Subcategory id from topics.yaml.")
@click.option("--segment", help="Customer segment, e.g. enterprise.")
@click.option("--door", type=click.Choice(["manual", "import"]), default="manual", show_default=True)
@actor_option
@click.pass_context
def add(ctx: click.Context, door: str, actor: str, **fields: Any) -> None:
    """Register a wish a manager heard from a customer."""
    ref = _in_transaction(ctx, lambda conn, mappings: lifecycle.add_wish(conn, mappings, door=door, actor=actor,
                                                                       **fields))
    how = "joined existing group" if ref.joined else "started new group"
    click.echo(f"wish {ref.wish_id} registered (ticket {ref.ticket_id}); {how} {public_number(ref.group_id)}")


def _row_line(row: read_models.GroupRow) -> str:
    flag = " !" if row.needs_attention else ""
    queue = row.queue or f"({row.suggested_queue}?)"
    return (f"{public_number(row.id):>8}  {row.score:>8.2f}  {row.state:<11} {queue:<11} {row.wishes:>3} wishes "
            f"{row.organizations:>3} orgs  {row.title}{flag}")


@wish_cli.command("list")
@click.option("--state", type=click.Choice(STATES))
@click.option("--queue", type=click.Choice(QUEUES))
@click.option("--search", help="A number (W-12), a helpdesk ticket (zendesk 4711), or text in the title or a wish.")
@click.option("--limit", default=200, show_default=True, type=int)
@click.pass_context
def list_(ctx: click.Context, state: str | None, queue: str | None, search: str | None, limit: int) -> None:
    """Wish groups by score, highest first ('!' marks new demand on a declined or deferred group)."""
    rows = _in_transaction(ctx, lambda conn, mappings: read_models.list_groups(
        conn, mappings, state=state, queue=queue, search=search, limit=limit))
    click.echo(f"{'number':>8}  {'score':>8}  {'state':<11} {'queue':<11} title")
    for row in rows:
        click.echo(_row_line(row))


def _show(detail: read_models.GroupDetail) -> None:
    row = detail.group
    click.echo(f"group {public_number(row.id)}: {row.title}")
    if detail.merged_into:
        click.echo(f"  merged into {public_number(detail.merged_into)}")
    if detail.absorbed:
        click.echo(f"  absorbed {', '.join(map(public_number, detail.absorbed))} (their numbers lead here)")
    click.echo(f"  state {row.state}, queue {row.queue or '-'} (suggested {row.suggested_queue}"
               f"{f' by rule {row.suggested_rule}' if row.suggested_rule else ''}), importance "
               f"{row.importance or '-'}, epoch {detail.epoch}")
    if detail.reason:
        click.echo(f"  reason: {detail.reason}")
    if row.epic_key:
        click.echo(f"  epic {row.epic_key} ({row.epic_status or 'status unknown'})")
    pop = detail.popularity
    click.echo(f"  {pop.organizations} organisations, {pop.requesters} requesters, {pop.tickets} tickets, "
               f"{pop.paid_accounts} paid accounts; segments {pop.by_segment or '-'}")
    click.echo(f"score {detail.score.total:g}:")
    for part in detail.score.parts:
        click.echo(f"  {part.points:>8.2f}  {part.explanation}")
    click.echo("wishes:")
    for wish in detail.wishes:
        joined = f" [{wish.join_mode} {wish.join_score:.2f}]" if wish.join_score is not None else ""
        click.echo(f"  wish {wish.id} ({wish.door}{joined}) {wish.title}")
        for ticket in wish.tickets:
            click.echo(f"      {ticket.source}#{ticket.external_id} {ticket.organization} {ticket.requester} "
                       f"{ticket.url}".rstrip())
    for similar in detail.similar:
        click.echo(f"similar: group {public_number(similar.group_id)} ({similar.state}) score {similar.score:.2f}: "
                   f"{similar.title}")
    for comment in detail.comments:
        click.echo(f"comment {comment['id']} by {comment['author']}: {comment['body']}")
    click.echo("audit:")
    for entry in detail.audit:
        reason = f" — {entry['reason']}" if entry["reason"] else ""
        click.echo(f"  {_when(entry['at'])} {entry['actor']} {entry['action']}{reason}")
    click.echo(f"allowed: {', '.join(sorted(detail.allowed_actions)) or 'nothing'}")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


@wish_cli.command("find")
@click.argument("asked")
@click.pass_context
def find(ctx: click.Context, asked: str) -> None:
    """The groups ASKED names: a number a customer was told (W-12; a merged group's leads to the group it was
    merged into) or a helpdesk ticket id (4711, or zendesk 4711). Exits 1 when it names none."""

    def work(conn: Connection, mappings: Mappings) -> list[tuple[Found, read_models.GroupRow]]:
        return [(hit, read_models.group_row(conn, mappings, hit.group_id)) for hit in find_groups(conn, asked)]

    found = _in_transaction(ctx, work)
    if not found:
        raise click.ClickException(f"no wish group has the number or ticket {asked!r}")
    for hit, row in found:
        via = f" (asked {hit.asked})" if hit.asked != hit.number else ""
        click.echo(f"{hit.number}{via}: {row.state}  {row.title}")


@wish_cli.command("show")
@click.argument("group_id", type=GROUP)
@click.pass_context
def show(ctx: click.Context, group_id: int) -> None:
    """A group with its wishes, tickets, score breakdown, similar groups and audit trail."""
    _show(_in_transaction(ctx, lambda conn, mappings: read_models.group_detail(conn, mappings, group_id)))


def _plain(name: str, change: Callable[[Connection, int, str], object], done: str, summary: str) -> None:
    """A command that needs only the group and who acts."""

    @wish_cli.command(name, help=summary)
    @click.argument("group_id", type=GROUP)
    @actor_option
    @click.pass_context
    def command(ctx: click.Context, group_id: int, actor: str) -> None:
        _in_transaction(ctx, lambda conn, _m: change(conn, group_id, actor))
        click.echo(f"group {public_number(group_id)} {done}")


_plain("confirm", lifecycle.confirm, "is grouped", "Mark a new group as reviewed (grouped).")
_plain("unmerge", lifecycle.unmerge, "unmerged", "Undo the merge of a group: its wishes and comments come back.")
_plain("acknowledge", lifecycle.acknowledge, "acknowledged", "Note that you have seen new demand on a declined or "
       "deferred group.")


@wish_cli.command("merge")
@click.argument("source", type=GROUP)
@click.argument("target", type=GROUP)
@actor_option
@click.pass_context
def merge(ctx: click.Context, source: int, target: int, actor: str) -> None:
    """Merge group SOURCE into group TARGET (undo with unmerge)."""
    _in_transaction(ctx, lambda conn, _m: lifecycle.merge(conn, source, target, actor))
    click.echo(f"group {public_number(source)} merged into {public_number(target)}")


@wish_cli.command("split")
@click.argument("group_id", type=GROUP)
@click.option("--wish", "wish_ids", type=int, multiple=True, required=True, help="A wish to move (repeatable).")
@click.option("--title", help="Title of the new group (default: the first moved wish's).")
@actor_option
@click.pass_context
def split(ctx: click.Context, group_id: int, wish_ids: tuple[int, ...], title: str | None, actor: str) -> None:
    """Move some wishes of a group into a new group."""
    new_id = _in_transaction(ctx, lambda conn, _m: lifecycle.split(conn, group_id, list(wish_ids), actor, title))
    click.echo(f"wishes {', '.join(map(str, wish_ids))} moved to new group {public_number(new_id)}")


@wish_cli.command("attach")
@click.argument("ticket_id", type=int)
@click.argument("group_id", type=GROUP)
@actor_option
@click.pass_context
def attach(ctx: click.Context, ticket_id: int, group_id: int, actor: str) -> None:
    """Make stored ticket TICKET_ID a wish of group GROUP_ID."""
    ref = _in_transaction(ctx, lambda conn, mappings: lifecycle.attach_ticket(conn, mappings, ticket_id, group_id,
                                                                           actor))
    click.echo(f"ticket {ticket_id} is wish {ref.wish_id} of group {public_number(group_id)}")


@wish_cli.command("route")
@click.argument("group_id", type=GROUP)
@click.option("--queue", type=click.Choice(QUEUES), help="Default: the queue routing.yaml suggests.")
@click.option("--reason")
@actor_option
@click.pass_context
def route(ctx: click.Context, group_id: int, queue: str | None, reason: str | None, actor: str) -> None:
    """Send a group to the analyst or the legal expert."""

    def work(conn: Connection, mappings: Mappings) -> str:
        row = read_models.group_row(conn, mappings, group_id)
        chosen = queue or row.suggested_queue
        why = reason or (None if queue else f"suggested by routing rule {row.suggested_rule or '(default)'}")
        lifecycle.route(conn, mappings, group_id, chosen, actor, why)
        return chosen

    click.echo(f"group {public_number(group_id)} routed to the {_in_transaction(ctx, work)} queue")


@wish_cli.command("analyse")
@click.argument("group_id", type=GROUP)
@click.option("--importance", type=click.Choice(IMPORTANCE))
@click.option("--notes")
@click.option("--legal-reference", help="The law or regulation, e.g. 152-ФЗ ст. 18.")
@click.option("--legal-deadline", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD")
@actor_option
@click.pass_context
def analyse(ctx: click.Context, group_id: int, importance: str | None, notes: str | None,
            legal_reference: str | None, legal_deadline: datetime | None, actor: str) -> None:
    """Record the analyst's importance, notes, legal reference and deadline."""
    deadline: date | None = legal_deadline.date() if legal_deadline else None
    _in_transaction(ctx, lambda conn, _m: lifecycle.record_analysis(
        conn, group_id, actor, importance=importance, notes=notes, legal_reference=legal_reference,
        legal_deadline=deadline))
    click.echo(f"analysis of group {public_number(group_id)} recorded")


@wish_cli.command("ask")
@click.argument("group_id", type=GROUP)
@click.argument("question")
@actor_option
@click.pass_context
def ask(ctx: click.Context, group_id: int, question: str, actor: str) -> None:
    """Put a question to every customer of the group (on their tickets)."""
    asked = _in_transaction(ctx, lambda conn, mappings: lifecycle.ask_customers(conn, mappings, group_id, question,
                                                                             actor))
    click.echo(f"question queued for {asked} tickets")


@wish_cli.command("decide")
@click.argument("group_id", type=GROUP)
@click.argument("decision", type=click.Choice(list(lifecycle.DECISIONS)))
@click.option("--reason", help="Required to decline or defer; customers read it.")
@click.option("--issue-key", help="Approve by linking this existing Jira issue instead of a new epic.")
@actor_option
@click.pass_context
def decide(ctx: click.Context, group_id: int, decision: str, reason: str | None, issue_key: str | None,
           actor: str) -> None:
    """Approve, decline or defer a group; its customers are told (of an approval, once the tracker has the epic).
    An existing issue is checked with the tracker first: a wrong key, or a tracker that cannot be reached,
    changes nothing."""
    if issue_key:
        try:
            issue_key = check_issue_key(runtime_of(ctx).tracker(), issue_key)
        except KeyRefused as refused:
            raise click.ClickException(key_refusal(refused, "en")) from None
    _in_transaction(ctx, lambda conn, mappings: lifecycle.decide(conn, mappings, group_id, decision, actor, reason,
                                                              issue_key))
    click.echo(f"group {public_number(group_id)} is {lifecycle.DECISIONS[decision]}")


@wish_cli.command("reopen")
@click.argument("group_id", type=GROUP)
@click.option("--reason", required=True)
@actor_option
@click.pass_context
def reopen(ctx: click.Context, group_id: int, reason: str, actor: str) -> None:
    """Bring a declined, deferred or done group back for review."""
    _in_transaction(ctx, lambda conn, mappings: lifecycle.reopen(conn, mappings, group_id, actor, reason))
    click.echo(f"group {public_number(group_id)} reopened")


@wish_cli.command("comment")
@click.argument("group_id", type=GROUP)
@click.argument("text")
@actor_option
@click.pass_context
def comment(ctx: click.Context, group_id: int, text: str, actor: str) -> None:
    """Add an internal comment to a group."""
    comment_id = _in_transaction(ctx, lambda conn, _m: lifecycle.add_comment(conn, group_id, actor, text))
    click.echo(f"comment {comment_id} added to group {public_number(group_id)}")
