"""What the sidebar shows for one ticket: its wish and group (size, stage, epic), the last message the customer
was sent, and, for a ticket that is no wish yet, the groups it resembles; and the groups its lookup finds by
public number or helpdesk ticket. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, or_, select

from bridge.mapping import Mappings
from bridge.model import TicketRef
from bridge.outbox.keys import keys_of_ticket, ticket_lane
from bridge.outbox.notify import TICKET_PATCH
from bridge.store.schema import outbox, tickets, tracker_links, wish_tickets, wishes
from bridge.workflow.changes import RECEIVING_STATES
from bridge.workflow.lookup import Found, find_groups
from bridge.workflow.read_models import GroupRow, group_row
from bridge.workflow.suggestions import SuggestedGroup, groups_like


@dataclass(frozen=True)
class PanelTicket:
    id: int
    source: str
    external_id: str
    subject: str
    body: str


@dataclass(frozen=True)
class PanelWish:
    id: int
    title: str
    group_id: int


@dataclass(frozen=True)
class LastMessage:
    stage: str
    text: str
    sent_at: datetime


@dataclass(frozen=True)
class Panel:
    """`ticket` is None when the store has not seen the ticket; `wish` and `group` are None until it is a wish;
    `suggestions` are filled only for a stored ticket that is no wish yet."""

    ref: TicketRef
    ticket: PanelTicket | None
    wish: PanelWish | None
    group: GroupRow | None
    epic_url: str | None
    last_message: LastMessage | None
    suggestions: tuple[SuggestedGroup, ...]


@dataclass(frozen=True)
class FoundGroup:
    hit: Found
    group: GroupRow
    takes_wishes: bool   # a ticket may be attached to it


@dataclass(frozen=True)
class LookedUp:
    """What the sidebar's lookup found for `asked`: every group it names (none when it names nothing)."""

    asked: str
    found: tuple[FoundGroup, ...]


def look_up(conn: Connection, mappings: Mappings, asked: str) -> LookedUp:
    """The groups `asked` names by public number (an absorbed group's number leads to its survivor) or by
    helpdesk ticket, each with its row as the sidebar shows it."""
    found = []
    for hit in find_groups(conn, asked):
        row = group_row(conn, mappings, hit.group_id)
        found.append(FoundGroup(hit, row, row.state in RECEIVING_STATES))
    return LookedUp(asked, tuple(found))


def wish_of(conn: Connection, ticket_id: int) -> PanelWish | None:
    """The wish the stored ticket belongs to, or None while it is no wish."""
    row = conn.execute(select(wishes.c.id, wishes.c.title, wishes.c.group_id)
                       .join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
                       .where(wish_tickets.c.ticket_id == ticket_id)).first()
    return PanelWish(row.id, row.title, row.group_id) if row else None


def last_message(conn: Connection, ticket: PanelTicket) -> LastMessage | None:
    """The newest message written to the ticket (a done `ticket_patch` item with a comment), or None. Items
    queued before outbox lanes existed have none."""
    lane = ticket_lane(ticket.source, ticket.external_id)
    rows = conn.execute(
        select(outbox.c.payload, outbox.c.done_at)
        .where(or_(outbox.c.lane == lane, outbox.c.lane.is_(None)), outbox.c.kind == TICKET_PATCH,
               outbox.c.target == ticket.source, outbox.c.state == "done",
               outbox.c.idempotency_key.like(keys_of_ticket(ticket.id)))
        .order_by(outbox.c.done_at.desc(), outbox.c.id.desc())
    )
    for payload, done_at in rows:
        comment = (payload.get("patch") or {}).get("comment")
        if comment:
            return LastMessage(str(payload.get("stage") or ""), comment, done_at)
    return None


def panel(conn: Connection, mappings: Mappings, ref: TicketRef) -> Panel:
    """Everything the sidebar of `ref` shows."""
    row = conn.execute(select(tickets).where(tickets.c.source == ref.source,
                                             tickets.c.external_id == ref.external_id)).first()
    if row is None:
        return Panel(ref, None, None, None, None, None, ())
    ticket = PanelTicket(row.id, row.source, row.external_id, row.subject, row.body)
    wish = wish_of(conn, ticket.id)
    if wish is None:
        like = groups_like(conn, mappings, f"{row.subject}\n{row.body}", row.category, row.subcategory,
                           row.tags or ())
        return Panel(ref, ticket, None, None, None, last_message(conn, ticket), tuple(like))
    epic_url = conn.execute(select(tracker_links.c.url).where(tracker_links.c.group_id == wish.group_id)).scalar()
    return Panel(ref, ticket, wish, group_row(conn, mappings, wish.group_id), epic_url,
                 last_message(conn, ticket), ())
