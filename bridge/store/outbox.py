"""The durable outbox of side effects (comments, ticket patches, epics, links).

Contract: `enqueue` is idempotent by key (the same key twice stores one item). Workers `claim` due items
with a lease, so two workers never apply one item at once; an item whose lease ran out (a crashed worker) is
claimed again. `attempts` counts claims, so a try after a crash is seen as a retry. Failures back off
3·1.4ⁿ minutes (capped at six hours) and are dead-lettered after MAX_ATTEMPTS; an operator can `retry` one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from bridge.store.once import insert_once
from bridge.store.schema import outbox

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    target: str
    kind: str
    batch_key: str | None
    payload: dict[str, Any]
    attempts: int


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(3 * 1.4 ** max(attempts - 1, 0), 360))


def enqueue(
    conn: Connection, key: str, target: str, kind: str, payload: dict[str, Any], *,
    batch_key: str | None = None, now: datetime | None = None,
) -> bool:
    """Add one item; False when an item with this key already exists (in any state)."""
    now = now or datetime.now(UTC)
    return insert_once(conn, outbox, outbox.c.idempotency_key == key, {
        "idempotency_key": key, "target": target, "kind": kind, "batch_key": batch_key, "payload": payload,
        "state": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
    })


def claim(
    conn: Connection, worker: str, *, target: str | None = None, limit: int = 100, now: datetime | None = None,
) -> list[OutboxItem]:
    """Lease up to `limit` due items to `worker` (oldest first). Safe under concurrent workers."""
    now = now or datetime.now(UTC)
    due = and_(
        outbox.c.next_attempt_at <= now,
        or_(outbox.c.state == "pending", and_(outbox.c.state == "claimed", outbox.c.claimed_until < now)),
    )
    if target:
        due = and_(due, outbox.c.target == target)
    query = select(outbox.c.id).where(due).order_by(outbox.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(conn.execute(query).scalars())
    if not ids:
        return []
    conn.execute(
        update(outbox).where(outbox.c.id.in_(ids), due)
        .values(state="claimed", claimed_by=worker, claimed_until=now + LEASE, attempts=outbox.c.attempts + 1)
    )
    rows = conn.execute(
        select(outbox).where(outbox.c.id.in_(ids), outbox.c.claimed_by == worker, outbox.c.state == "claimed")
        .order_by(outbox.c.id)
    )
    return [
        OutboxItem(r.id, r.idempotency_key, r.target, r.kind, r.batch_key, dict(r.payload), r.attempts)
        for r in rows
    ]


def complete(conn: Connection, item_id: int, result: dict[str, Any] | None = None) -> None:
    conn.execute(
        update(outbox).where(outbox.c.id == item_id)
        .values(state="done", done_at=datetime.now(UTC), result=result, claimed_until=None, last_error=None)
    )


def fail(conn: Connection, item_id: int, error: str, *, retry_after: float | None = None,
         fatal: bool = False, now: datetime | None = None) -> str:
    """Record a failed attempt; returns the new state ('pending' to retry later, or 'dead')."""
    now = now or datetime.now(UTC)
    attempts = conn.execute(select(outbox.c.attempts).where(outbox.c.id == item_id)).scalar_one()
    dead = fatal or attempts >= MAX_ATTEMPTS
    delay = timedelta(seconds=retry_after) if retry_after is not None else backoff(attempts)
    state = "dead" if dead else "pending"
    conn.execute(
        update(outbox).where(outbox.c.id == item_id).values(
            state=state, last_error=error[:2000], claimed_until=None, next_attempt_at=now + delay,
        )
    )
    return state


def retry(conn: Connection, item_id: int) -> bool:
    """Put a dead item back in line (operator action)."""
    result = conn.execute(
        update(outbox).where(outbox.c.id == item_id, outbox.c.state == "dead")
        .values(state="pending", next_attempt_at=datetime.now(UTC), last_error=None)
    )
    return bool(result.rowcount)


def counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
    return {state: int(n) for state, n in rows}


def items(conn: Connection, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    if state:
        query = query.where(outbox.c.state == state)
    return [dict(row._mapping) for row in conn.execute(query)]
