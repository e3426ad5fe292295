"""Tickets from every door: idempotent upsert keyed by (source, external_id)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from bridge.model import Marking, Ticket, TicketRef
from bridge.store.schema import tickets, wish_tickets, wishes


@dataclass(frozen=True)
class Upserted:
    id: int
    created: bool
    changed: bool


def as_utc(moment: datetime | None) -> datetime | None:
    """Times are stored in UTC, so SQLite (which drops the offset) and PostgreSQL agree."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def ticket_row(ticket: Ticket, marking: Marking) -> dict[str, Any]:
    requester, org = ticket.requester, ticket.organization
    return {
        "source": ticket.ref.source,
        "external_id": ticket.ref.external_id,
        "url": ticket.url,
        "subject": ticket.subject,
        "body": ticket.body,
        "requester_id": requester.external_id if requester else None,
        "requester_name": requester.name if requester else None,
        "requester_email": requester.email if requester else None,
        "organization_id": org.external_id if org else None,
        "organization_name": org.name if org else None,
        "segment": marking.segment,
        "paid_accounts": marking.paid_accounts,
        "account_manager": marking.account_manager,
        "channel": marking.channel or ticket.channel or None,
        "category": marking.category,
        "subcategory": marking.subcategory,
        "tags": sorted(set(marking.tags or ticket.tags)),
        "status": ticket.status or None,
        "ticket_type": ticket.ticket_type or None,
        "language": marking.language,
        "is_wish": marking.is_wish,
        "deleted": ticket.deleted,
        "created_at": as_utc(ticket.created_at),
        "updated_at": as_utc(ticket.updated_at),
        "raw": dict(ticket.raw),
    }


def _hash(row: dict[str, Any]) -> str:
    canonical = json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def upsert_ticket(conn: Connection, ticket: Ticket, marking: Marking, now: datetime | None = None) -> Upserted:
    """Insert or update one ticket. Storing the same content again writes nothing at all."""
    now = now or datetime.now(UTC)
    row = ticket_row(ticket, marking)
    digest = _hash(row)
    existing = conn.execute(
        select(tickets.c.id, tickets.c.content_hash).where(
            tickets.c.source == ticket.ref.source, tickets.c.external_id == ticket.ref.external_id
        )
    ).first()
    if existing is None:
        new_id = conn.execute(
            tickets.insert().values(**row, content_hash=digest, first_seen_at=now, last_seen_at=now)
        ).inserted_primary_key
        assert new_id is not None
        return Upserted(int(new_id[0]), created=True, changed=True)
    if existing.content_hash == digest:
        return Upserted(existing.id, created=False, changed=False)
    conn.execute(
        tickets.update().where(tickets.c.id == existing.id).values(**row, content_hash=digest, last_seen_at=now)
    )
    return Upserted(existing.id, created=False, changed=True)


def upsert_tickets(conn: Connection, items: Sequence[tuple[Ticket, Marking]],
                   now: datetime | None = None) -> list[Upserted]:
    """`upsert_ticket` for a page of tickets in three statements (read, insert, update); results in input order.
    A ticket that appears twice in `items` is stored as its last version."""
    now = now or datetime.now(UTC)
    rows = {(t.ref.source, t.ref.external_id): ticket_row(t, m) for t, m in items}
    digests = {key: _hash(row) for key, row in rows.items()}
    existing: dict[tuple[str, str], tuple[int, str]] = {}
    for source in {key[0] for key in rows}:
        ids = [key[1] for key in rows if key[0] == source]
        query = select(tickets.c.id, tickets.c.external_id, tickets.c.content_hash).where(
            tickets.c.source == source, tickets.c.external_id.in_(ids))
        existing.update({(source, r.external_id): (r.id, r.content_hash) for r in conn.execute(query)})
    fresh = [key for key in rows if key not in existing]
    changed = [key for key in rows if key in existing and existing[key][1] != digests[key]]
    results = {key: Upserted(found[0], created=False, changed=key in changed) for key, found in existing.items()}
    if fresh:
        inserted = conn.execute(
            tickets.insert().returning(tickets.c.id, sort_by_parameter_order=True),
            [{**rows[key], "content_hash": digests[key], "first_seen_at": now, "last_seen_at": now} for key in fresh])
        results.update({key: Upserted(row_id, created=True, changed=True)
                        for key, row_id in zip(fresh, inserted.scalars(), strict=True)})
    if changed:
        conn.execute(tickets.update().where(tickets.c.id == bindparam("row_id")),
                     [{**rows[key], "content_hash": digests[key], "last_seen_at": now, "row_id": existing[key][0]}
                      for key in changed])
    return [results[(t.ref.source, t.ref.external_id)] for t, _ in items]


def find_ticket_id(conn: Connection, ref: TicketRef) -> int | None:
    return conn.execute(
        select(tickets.c.id).where(tickets.c.source == ref.source, tickets.c.external_id == ref.external_id)
    ).scalar()


def mark_wish(conn: Connection, ticket_id: int) -> None:
    """Flag a stored ticket a wish, whatever its helpdesk's marking said."""
    conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(is_wish=True))


def mark_deleted(conn: Connection, ref: TicketRef, now: datetime | None = None) -> bool:
    """Flag a ticket deleted upstream; it is never removed from the store."""
    result = conn.execute(
        tickets.update()
        .where(tickets.c.source == ref.source, tickets.c.external_id == ref.external_id, ~tickets.c.deleted)
        .values(deleted=True, last_seen_at=now or datetime.now(UTC))
    )
    return bool(result.rowcount)


GROUP_TICKET_COLUMNS = (
    tickets.c.id, tickets.c.source, tickets.c.external_id, tickets.c.url, tickets.c.subject, tickets.c.requester_id,
    tickets.c.requester_name, tickets.c.requester_email, tickets.c.organization_id, tickets.c.organization_name,
    tickets.c.segment, tickets.c.paid_accounts, tickets.c.channel, tickets.c.language, tickets.c.deleted,
)


def group_tickets(conn: Connection, group_id: int, ticket_ids: Iterable[int] | None = None, *,
                  wish_ids: Iterable[int] | None = None, deleted: bool = False) -> list[Any]:
    """The live tickets of a wish group, oldest first, each with GROUP_TICKET_COLUMNS and its wish's `wish_id`
    and `wish_title`: only `ticket_ids` among them, or only those of `wish_ids`, when given; deleted ones too
    with `deleted`."""
    return tickets_of_groups(conn, [group_id], ticket_ids, wish_ids=wish_ids, deleted=deleted)


def tickets_of_groups(conn: Connection, group_ids: Iterable[int], ticket_ids: Iterable[int] | None = None, *,
                      wish_ids: Iterable[int] | None = None, deleted: bool = False) -> list[Any]:
    """`group_tickets` of many groups in one query, each row with its `group_id` too."""
    query = (
        select(*GROUP_TICKET_COLUMNS, wishes.c.id.label("wish_id"), wishes.c.title.label("wish_title"),
               wishes.c.group_id)
        .join(wish_tickets, wish_tickets.c.ticket_id == tickets.c.id)
        .join(wishes, wishes.c.id == wish_tickets.c.wish_id)
        .where(wishes.c.group_id.in_(list(group_ids)))
        .order_by(tickets.c.id)
    )
    if ticket_ids is not None:
        query = query.where(tickets.c.id.in_(list(ticket_ids)))
    if wish_ids is not None:
        query = query.where(wishes.c.id.in_(list(wish_ids)))
    if not deleted:
        query = query.where(~tickets.c.deleted)
    return list(conn.execute(query))
