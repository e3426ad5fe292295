"""Received webhooks, stored before anything else happens to them; duplicates are dropped by delivery id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from bridge.store.schema import inbox


@dataclass(frozen=True)
class Delivery:
    """One received webhook as the inbox keeps it."""

    source: str
    delivery_id: str
    headers: dict[str, str]
    body: str
    events: list[dict[str, Any]]

    def row(self) -> dict[str, Any]:
        return {"source": self.source, "delivery_id": self.delivery_id, "headers": self.headers, "body": self.body,
                "events": self.events, "received_at": datetime.now(UTC), "attempts": 0}


def receive(conn: Connection, source: str, delivery_id: str, headers: dict[str, str], body: str,
            events: list[dict[str, Any]]) -> bool:
    """Store one delivery; False when the same (source, delivery_id) was stored before."""
    return receive_many(conn, [Delivery(source, delivery_id, headers, body, events)])[0]


def receive_many(conn: Connection, deliveries: Sequence[Delivery]) -> list[bool]:
    """Store the deliveries in one statement; for each, whether it is new (a repeat of one stored before, or of
    one earlier in `deliveries`, is not). A delivery another process stores at the same moment is stored once."""
    first = {(delivery.source, delivery.delivery_id): delivery for delivery in reversed(deliveries)}
    if not first:
        return []
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stored = set(conn.execute(insert(inbox).on_conflict_do_nothing(index_elements=["source", "delivery_id"])
                              .returning(inbox.c.source, inbox.c.delivery_id),
                              [delivery.row() for delivery in reversed(first.values())]))
    new, seen = [], set()
    for delivery in deliveries:
        key = (delivery.source, delivery.delivery_id)
        new.append(key in stored and key not in seen)
        seen.add(key)
    return new


MAX_ATTEMPTS = 5


PENDING_COLUMNS = (inbox.c.id, inbox.c.source, inbox.c.delivery_id, inbox.c.events, inbox.c.attempts, inbox.c.error)


def pending(conn: Connection, limit: int = 100, after: int = 0) -> list[dict[str, Any]]:
    """Unprocessed deliveries with an id above `after`, oldest first, with what acting on them needs (their
    events; the body and headers stay for people to read); one that failed MAX_ATTEMPTS times waits for an
    operator."""
    rows = conn.execute(
        select(*PENDING_COLUMNS).where(inbox.c.processed_at.is_(None), inbox.c.attempts < MAX_ATTEMPTS,
                                       inbox.c.id > after)
        .order_by(inbox.c.id).limit(limit)
    )
    return [dict(row._mapping) for row in rows]


def mark_processed(conn: Connection, row_ids: list[int], error: str | None = None) -> None:
    """Count one more attempt of each delivery; without an `error` they are done."""
    values: dict[str, Any] = {"attempts": inbox.c.attempts + 1, "error": error}
    if error is None:
        values["processed_at"] = datetime.now(UTC)
    conn.execute(inbox.update().where(inbox.c.id.in_(row_ids)).values(**values))
