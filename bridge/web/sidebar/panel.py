"""What the sidebar shows for one ticket: its wish and group (size, stage, epic), the last message the customer
was sent, and, for a ticket that is no wish yet, the groups it resembles. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from bridge.grouping.live import using_index
from bridge.grouping.store_index import wish_doc
from bridge.mapping import Mappings
from bridge.model import TicketRef
from bridge.outbox.notify import TICKET_PATCH
from bridge.store.schema import outbox, tickets, tracker_links, wish_groups, wish_tickets, wishes
from bridge.workflow.read_models import GroupRow, group_row

SUGGESTIONS = 5


@dataclass(frozen=True)
class LastMessage:
    stage: str
    text: str
    sent_at: datetime


@dataclass(frozen=True)
class Suggestion:
    group_id: int
    title: str
    state: str
    score: float


@dataclass(frozen=True)
class Panel:
    """`ticket` is None when the store has not seen the ticket; `wish` and `group` are None until it is a wish;
    `suggestions` are filled only for a stored ticket that is no wish yet."""

    ref: TicketRef
    ticket: Row[Any] | None
    wish: Row[Any] | None
    group: GroupRow | None
    epic_url: str | None
    last_message: LastMessage | None
    suggestions: tuple[Suggestion, ...]


def _wish(conn: Connection, ticket_id: int) -> Row[Any] | None:
    return conn.execute(select(wishes).join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
                        .where(wish_tickets.c.ticket_id == ticket_id)).first()


def last_message(conn: Connection, ticket: Row[Any]) -> LastMessage | None:
    """The newest message written to the ticket (a done `ticket_patch` item with a comment), or None."""
    rows = conn.execute(
        select(outbox.c.payload, outbox.c.done_at)
        .where(outbox.c.kind == TICKET_PATCH, outbox.c.target == ticket.source, outbox.c.state == "done",
               outbox.c.idempotency_key.like(f"%:t{ticket.id}"))
        .order_by(outbox.c.done_at.desc(), outbox.c.id.desc())
    )
    for payload, done_at in rows:
        comment = (payload.get("patch") or {}).get("comment")
        if comment:
            return LastMessage(str(payload.get("stage") or ""), comment, done_at)
    return None


def suggestions(conn: Connection, mappings: Mappings, ticket: Row[Any]) -> tuple[Suggestion, ...]:
    """The groups taking new wishes that the ticket's text and marking resemble most, best first."""
    doc = wish_doc(0, f"{ticket.subject}\n{ticket.body}", ticket.category, ticket.subcategory, ticket.tags or ())
    with using_index(conn, mappings) as index:
        found = index.suggest(doc, SUGGESTIONS)
    groups = {row.id: row for row in conn.execute(
        select(wish_groups.c.id, wish_groups.c.title, wish_groups.c.state)
        .where(wish_groups.c.id.in_([int(s.group_id) for s in found])))}
    return tuple(Suggestion(int(s.group_id), groups[int(s.group_id)].title, groups[int(s.group_id)].state, s.score)
                 for s in found)


def panel(conn: Connection, mappings: Mappings, ref: TicketRef) -> Panel:
    """Everything the sidebar of `ref` shows."""
    ticket = conn.execute(select(tickets).where(tickets.c.source == ref.source,
                                                tickets.c.external_id == ref.external_id)).first()
    if ticket is None:
        return Panel(ref, None, None, None, None, None, ())
    wish = _wish(conn, ticket.id)
    if wish is None:
        return Panel(ref, ticket, None, None, None, last_message(conn, ticket), suggestions(conn, mappings, ticket))
    epic_url = conn.execute(select(tracker_links.c.url).where(tracker_links.c.group_id == wish.group_id)).scalar()
    return Panel(ref, ticket, wish, group_row(conn, mappings, wish.group_id), epic_url,
                 last_message(conn, ticket), ())
