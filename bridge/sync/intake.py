"""The doors wishes come in by: stored helpdesk tickets, manual entry, the product's form and imports.

Every new wish is grouped on arrival: above the policy's confident threshold it joins the best group
(`join_mode='auto'`), otherwise it starts its own `new` group and the product manager sees suggestions.
Every originating ticket hears `registered` once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from bridge.errors import WorkflowError
from bridge.grouping.live import using_index
from bridge.grouping.similarity import GroupIndex
from bridge.grouping.store_index import wish_doc
from bridge.mapping import Mappings
from bridge.model import Marking, Organization, Person, Ticket, TicketRef
from bridge.store.schema import tickets, wish_tickets, wishes
from bridge.store.tickets import upsert_ticket
from bridge.text.normalize import detect_language
from bridge.text.numbers import public_number
from bridge.workflow.changes import NewGroup, create_groups, load_group, log_many, notify_groups, require, welcome

DOORS = ("helpdesk", "manual", "product", "import")
TITLE_LENGTH = 120


@dataclass(frozen=True)
class WishRef:
    wish_id: int
    group_id: int
    ticket_id: int
    joined: bool


def _title(subject: str, text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    title = subject.strip() or first_line
    return title if len(title) <= TITLE_LENGTH else title[:TITLE_LENGTH - 1].rstrip() + "…"


def _wish_text(ticket: Row[Any]) -> str:
    return "\n".join(part for part in (ticket.subject, ticket.body) if part)


def _insert_wishes(conn: Connection, placed: Sequence[tuple[int, Row[Any], str | None, float | None]], door: str,
                   actor: str) -> list[int]:
    """Store a wish for each (group, ticket, join mode, join score), linked to its ticket; their ids in order."""
    now = datetime.now(UTC)
    wish_ids = list(conn.execute(wishes.insert().returning(wishes.c.id, sort_by_parameter_order=True), [
        {"group_id": group_id, "door": door, "title": _title(ticket.subject, ticket.body), "text": _wish_text(ticket),
         "join_mode": join_mode, "join_score": score, "created_by": actor, "created_at": now}
        for group_id, ticket, join_mode, score in placed]).scalars())
    conn.execute(wish_tickets.insert(), [
        {"wish_id": wish_id, "ticket_id": ticket.id, "linked_by": actor, "linked_at": now}
        for wish_id, (_, ticket, _, _) in zip(wish_ids, placed, strict=True)])
    return wish_ids


def _arrived(conn: Connection, mappings: Mappings, arrivals: Sequence[tuple[WishRef, dict[str, Any]]], door: str,
             actor: str) -> list[WishRef]:
    """What every arrival means, for all of them at once: its audit row, its customer told `registered`, and
    `welcome` for the groups joined."""
    log_many(conn, [(ref.group_id, "wish_added", {"wish": ref.wish_id, "ticket": ref.ticket_id, "door": door,
                                                  **details}) for ref, details in arrivals], actor)
    told: dict[int, set[int]] = {}
    joined: dict[int, set[int]] = {}
    for ref, _ in arrivals:
        told.setdefault(ref.group_id, set()).add(ref.ticket_id)
        if ref.joined:
            joined.setdefault(ref.group_id, set()).add(ref.ticket_id)
    notify_groups(conn, mappings, "registered", told)
    for group_id, ticket_ids in joined.items():
        welcome(conn, mappings, group_id, ticket_ids, actor)
    return [ref for ref, _ in arrivals]


def _register(conn: Connection, mappings: Mappings, index: GroupIndex, rows: Sequence[Row[Any]], door: str,
              actor: str) -> list[WishRef]:
    """Group each ticket's wish in order (a wish may join one registered just before it), store the new groups
    and the wishes in a few statements, and tell every customer."""
    provisional = [f"new:{n}" for n in range(len(rows))]
    docs = [wish_doc(0, _wish_text(row), row.category, row.subcategory, row.tags or ()) for row in rows]
    decisions = index.place_many([replace(doc, id=name) for doc, name in zip(docs, provisional, strict=True)],
                                 lambda n: provisional[n])
    starters = [n for n, decision in enumerate(decisions) if decision.join is None]
    created = create_groups(conn, [NewGroup(_title(rows[n].subject, rows[n].body), "new", rows[n].category,
                                            rows[n].subcategory) for n in starters])
    group_of = {provisional[n]: str(group_id) for n, group_id in zip(starters, created, strict=True)}
    groups = [int(group_of.get(decision.join or provisional[n], decision.join or ""))
              for n, decision in enumerate(decisions)]
    wish_ids = _insert_wishes(conn, [(group, row, "auto" if decision.join else None, decision.join_score)
                                     for group, row, decision in zip(groups, rows, decisions, strict=True)],
                              door, actor)
    index.rename(dict(zip(provisional, map(str, wish_ids), strict=True)), group_of)
    return _arrived(conn, mappings, [
        (WishRef(wish_id, group, row.id, joined=decision.join is not None),
         {"join_mode": "auto" if decision.join else "new", "score": decision.join_score})
        for wish_id, group, row, decision in zip(wish_ids, groups, rows, decisions, strict=True)], door, actor)


INTAKE_COLUMNS = (tickets.c.id, tickets.c.subject, tickets.c.body, tickets.c.category, tickets.c.subcategory,
                  tickets.c.tags)
"""What registering a ticket's wish reads of it."""


def _unlinked_tickets(conn: Connection, ticket_ids: list[int]) -> list[Row[Any]]:
    linked = select(wish_tickets.c.ticket_id).where(wish_tickets.c.ticket_id == tickets.c.id).exists()
    return list(conn.execute(
        select(*INTAKE_COLUMNS).where(tickets.c.id.in_(ticket_ids), tickets.c.is_wish, ~tickets.c.deleted, ~linked)
        .order_by(tickets.c.id)
    ))


def intake_tickets(conn: Connection, ticket_ids: list[int], mappings: Mappings, *, door: str = "helpdesk",
                   actor: str = "intake") -> int:
    """Register a wish for every stored wish ticket among `ticket_ids` that has none yet; returns how many.
    Idempotent: a ticket already linked to a wish is skipped. Groups against the process's live index."""
    rows = _unlinked_tickets(conn, ticket_ids)
    if rows:
        with using_index(conn, mappings) as index:
            _register(conn, mappings, index, rows, door, actor)
    return len(rows)


def topic_problem(mappings: Mappings, category: str | None, subcategory: str | None) -> tuple[str, str] | None:
    """(field, message) when the category or subcategory is not in topics.yaml, else None."""
    topics = mappings.topics
    if category is not None and category not in topics.labels:
        return "category", f"unknown category '{category}' (known: {', '.join(topics.labels)})"
    if subcategory is not None and topics.parent_of(subcategory) != category:
        known = ", ".join(topics.children.get(category or "", {})) or "none without a category"
        return "subcategory", f"unknown subcategory '{subcategory}' for category '{category}' (known: {known})"
    return None


def add_wish(conn: Connection, mappings: Mappings, *, door: str, text: str, actor: str, title: str | None = None,
             organization: str = "", contact: str = "", customer_id: str | None = None,
             channel: str | None = None, category: str | None = None, subcategory: str | None = None,
             segment: str | None = None, language: str | None = None) -> WishRef:
    """A wish entered by hand, sent by the product or imported: stores a ticket (source = door) and its wish."""
    if door not in DOORS[1:]:
        raise WorkflowError(f"unknown door '{door}' (allowed: {', '.join(DOORS[1:])})")
    if not text.strip():
        raise WorkflowError("a wish needs its text")
    problem = topic_problem(mappings, category, subcategory)
    if problem:
        raise WorkflowError(problem[1])
    org_id = customer_id or organization
    ticket = Ticket(
        ref=TicketRef(door, uuid.uuid4().hex), subject=title or _title("", text), body=text,
        requester=Person(contact, contact, contact if "@" in contact else "") if contact else None,
        organization=Organization(org_id, organization) if org_id else None, channel=channel or door,
        created_at=datetime.now(UTC), updated_at=datetime.now(UTC),
    )
    marking = Marking(is_wish=True, category=category, subcategory=subcategory, segment=segment,
                      channel=channel or door, language=language or detect_language(text))
    ticket_id = upsert_ticket(conn, ticket, marking).id
    row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).one()
    with using_index(conn, mappings) as index:
        return _register(conn, mappings, index, [row], door, actor)[0]


def attach_ticket(conn: Connection, mappings: Mappings, ticket_id: int, group_id: int, actor: str) -> WishRef:
    """Make a stored ticket a wish of the given group (the product manager's choice, `join_mode='manual'`)."""
    ticket = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).first()
    if ticket is None:
        raise WorkflowError(f"no ticket {ticket_id}")
    linked = conn.execute(
        select(wishes.c.id, wishes.c.group_id).join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
        .where(wish_tickets.c.ticket_id == ticket_id)
    ).first()
    if linked is not None:
        raise WorkflowError(f"ticket {ticket_id} is already wish {linked.id} in group "
                            f"{public_number(linked.group_id)}; use merge or split to move it")
    require(load_group(conn, group_id), "attach")
    door = ticket.source if ticket.source in DOORS else "helpdesk"
    wish_id = _insert_wishes(conn, [(group_id, ticket, "manual", None)], door, actor)[0]
    return _arrived(conn, mappings, [(WishRef(wish_id, group_id, ticket_id, joined=True), {"join_mode": "manual"})],
                    door, actor)[0]
