"""The durable outbox of side effects (comments, ticket patches, epics, links).

Contract:
- `enqueue` is idempotent by key: the same key twice stores one item, in any state.
- Items of one `lane` (one helpdesk ticket) go out one at a time in queue order: only the oldest unfinished
  item of a lane can be claimed, so a customer never hears an older stage after a newer one. Enqueuing a
  `supersedes` item marks the lane's waiting `supersedable` items `superseded`: the customer hears the latest
  truth, not a replay of history.
- Workers `claim` due items with a short lease that `extend` renews while they work; a crashed worker's
  claims come back when the lease runs out, or at once through `release` when the single worker restarts.
  `claims` counts claims (a second one means an earlier try may have landed); `attempts` counts failed
  tries only, so a crash spends no retry budget.
- A failure backs off 1, 2, 4 … minutes (the first delay is a setting), capped at 30, and is retried
  until RETRY_HORIZON has passed since the item was queued (or retried by an operator), so a weekend outage
  of a vendor dead-letters nothing that would succeed later; a fatal error dead-letters at once. `retry`
  puts a dead item back in line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from bridge.store.once import insert_once
from bridge.store.schema import outbox

LEASE = timedelta(seconds=60)
RETRY_HORIZON = timedelta(hours=72)
MAX_BACKOFF = timedelta(minutes=30)
UNFINISHED = ("pending", "claimed")
WAITING = ("pending", "dead")


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    target: str
    kind: str
    batch_key: str | None
    payload: dict[str, Any]
    attempts: int
    claims: int = 1

    @property
    def may_have_landed(self) -> bool:
        """An earlier claim of this item may have written it before a crash or a failed answer."""
        return self.claims > 1 or self.attempts > 0


FIRST_RETRY = timedelta(minutes=1)


def backoff(attempts: int, first: timedelta = FIRST_RETRY) -> timedelta:
    return min(first * 2 ** min(max(attempts - 1, 0), 16), MAX_BACKOFF)


def enqueue(
    conn: Connection, key: str, target: str, kind: str, payload: dict[str, Any], *,
    batch_key: str | None = None, lane: str | None = None, supersedable: bool = False, supersedes: bool = False,
    now: datetime | None = None,
) -> bool:
    """Add one item; False when an item with this key already exists (in any state). With `supersedes`,
    the lane's waiting supersedable items (pending or dead, never one in flight) are superseded."""
    now = now or datetime.now(UTC)
    added = insert_once(conn, outbox, outbox.c.idempotency_key == key, {
        "idempotency_key": key, "target": target, "kind": kind, "batch_key": batch_key, "payload": payload,
        "state": "pending", "attempts": 0, "claims": 0, "lane": lane, "supersedable": supersedable,
        "next_attempt_at": now, "created_at": now, "horizon_at": now + RETRY_HORIZON,
    })
    if added and supersedes and lane:
        conn.execute(
            update(outbox).where(outbox.c.lane == lane, outbox.c.supersedable, outbox.c.state.in_(WAITING),
                                 outbox.c.idempotency_key != key)
            .values(state="superseded", claimed_until=None, last_error=None, done_at=now)
        )
    return added


def _due(now: datetime) -> Any:
    return and_(
        outbox.c.next_attempt_at <= now,
        or_(outbox.c.state == "pending", and_(outbox.c.state == "claimed", outbox.c.claimed_until < now)),
    )


def _heads_of_lanes() -> Any:
    """No older unfinished item waits in the same lane (items without a lane are always heads)."""
    older = aliased(outbox)
    return ~exists().where(older.c.lane == outbox.c.lane, older.c.id < outbox.c.id,
                           older.c.state.in_(UNFINISHED))


def claim(
    conn: Connection, worker: str, *, target: str | None = None, limit: int = 100, now: datetime | None = None,
) -> list[OutboxItem]:
    """Lease up to `limit` due items to `worker`, oldest first, at most one per lane. Safe under concurrent
    workers."""
    now = now or datetime.now(UTC)
    due = _due(now)
    if target:
        due = and_(due, outbox.c.target == target)
    query = select(outbox.c.id).where(due, _heads_of_lanes()).order_by(outbox.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(conn.execute(query).scalars())
    if not ids:
        return []
    conn.execute(
        update(outbox).where(outbox.c.id.in_(ids), due)
        .values(state="claimed", claimed_by=worker, claimed_until=now + LEASE, claims=outbox.c.claims + 1)
    )
    rows = conn.execute(
        select(outbox).where(outbox.c.id.in_(ids), outbox.c.claimed_by == worker, outbox.c.state == "claimed")
        .order_by(outbox.c.id)
    )
    return [
        OutboxItem(r.id, r.idempotency_key, r.target, r.kind, r.batch_key, dict(r.payload), r.attempts, r.claims)
        for r in rows
    ]


def extend(conn: Connection, worker: str, item_ids: Iterable[int], now: datetime | None = None) -> None:
    """Renew `worker`'s lease on the items it still holds (its heartbeat)."""
    now = now or datetime.now(UTC)
    conn.execute(
        update(outbox).where(outbox.c.id.in_(list(item_ids)), outbox.c.claimed_by == worker,
                             outbox.c.state == "claimed")
        .values(claimed_until=now + LEASE)
    )


def release(conn: Connection, except_worker: str, now: datetime | None = None) -> int:
    """Give back every claim not held by `except_worker` (the single worker restarting after a crash);
    the items keep their claim count, so their next try checks the vendor first. Returns how many."""
    now = now or datetime.now(UTC)
    result = conn.execute(
        update(outbox).where(outbox.c.state == "claimed", outbox.c.claimed_by != except_worker)
        .values(state="pending", claimed_until=None, next_attempt_at=now)
    )
    return int(result.rowcount or 0)


def complete(conn: Connection, item_id: int, result: dict[str, Any] | None = None) -> None:
    conn.execute(
        update(outbox).where(outbox.c.id == item_id)
        .values(state="done", done_at=datetime.now(UTC), result=result, claimed_until=None, last_error=None)
    )


def fail(conn: Connection, item_id: int, error: str, *, retry_after: float | None = None,
         fatal: bool = False, now: datetime | None = None, first_retry: timedelta = FIRST_RETRY) -> str:
    """Record a failed try; returns the new state ('pending' to retry later, or 'dead')."""
    now = now or datetime.now(UTC)
    row = conn.execute(select(outbox.c.attempts, outbox.c.horizon_at).where(outbox.c.id == item_id)).one()
    attempts = row.attempts + 1
    horizon = row.horizon_at if row.horizon_at.tzinfo else row.horizon_at.replace(tzinfo=UTC)
    delay = timedelta(seconds=retry_after) if retry_after is not None else backoff(attempts, first_retry)
    state = "dead" if fatal or now + delay > horizon else "pending"
    conn.execute(
        update(outbox).where(outbox.c.id == item_id).values(
            state=state, attempts=attempts, last_error=error[:2000], claimed_until=None,
            next_attempt_at=now + delay,
        )
    )
    return state


def retry(conn: Connection, item_id: int, *, waiting: bool = False, payload: dict[str, Any] | None = None) -> bool:
    """Put a dead item (with `waiting`, a pending one too) back in line now with a fresh retry horizon, and with
    `payload` instead of its own when given (operator and product manager actions). False when the item is in
    flight, finished or unknown; its failed tries stay counted, so a retried write still checks first."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {"state": "pending", "next_attempt_at": now, "horizon_at": now + RETRY_HORIZON,
                              "last_error": None, **({"payload": payload} if payload is not None else {})}
    result = conn.execute(update(outbox).where(outbox.c.id == item_id, outbox.c.state.in_(
        WAITING if waiting else ("dead",))).values(**values))
    return bool(result.rowcount)


def counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
    return {state: int(n) for state, n in rows}


def items(conn: Connection, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    if state:
        query = query.where(outbox.c.state == state)
    return [dict(row._mapping) for row in conn.execute(query)]
