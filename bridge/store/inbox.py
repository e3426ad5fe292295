"""Received webhooks, stored before anything else happens to them; duplicates are dropped by delivery id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from bridge.store.once import insert_once
from bridge.store.schema import inbox


def receive(conn: Connection, source: str, delivery_id: str, headers: dict[str, str], body: str,
            events: list[dict[str, Any]]) -> bool:
    """Store one delivery; False when the same (source, delivery_id) was stored before."""
    return insert_once(conn, inbox, (inbox.c.source == source) & (inbox.c.delivery_id == delivery_id), {
        "source": source, "delivery_id": delivery_id, "headers": headers, "body": body, "events": events,
        "received_at": datetime.now(UTC), "attempts": 0,
    })


MAX_ATTEMPTS = 5


def pending(conn: Connection, limit: int = 100, after: int = 0) -> list[dict[str, Any]]:
    """Unprocessed deliveries with an id above `after`, oldest first; one that failed MAX_ATTEMPTS times waits
    for an operator."""
    rows = conn.execute(
        select(inbox).where(inbox.c.processed_at.is_(None), inbox.c.attempts < MAX_ATTEMPTS, inbox.c.id > after)
        .order_by(inbox.c.id).limit(limit)
    )
    return [dict(row._mapping) for row in rows]


def mark_processed(conn: Connection, row_ids: list[int], error: str | None = None) -> None:
    """Count one more attempt of each delivery; without an `error` they are done."""
    values: dict[str, Any] = {"attempts": inbox.c.attempts + 1, "error": error}
    if error is None:
        values["processed_at"] = datetime.now(UTC)
    conn.execute(inbox.update().where(inbox.c.id.in_(row_ids)).values(**values))
